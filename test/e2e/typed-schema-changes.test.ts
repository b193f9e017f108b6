import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { expectedCells, typedTableTruth, valueOf } from './typed-truth.js';

/**
 * Between two runs a property is renamed, one retyped, one deleted and the database renamed: the
 * table keeps its name, the renamed property its column, the retyped one gets a new column, the deleted
 * one's column stays and stops filling; no row is lost or duplicated. Then a row goes to the trash and
 * leaves the typed table.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-typed-changes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('typed tables across schema changes', () => {
  let server: NotionServer;
  let p: Pipeline;
  let table: string;
  const run = () => p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
  const mapping = async () => p.dataset().sql(`select column_name, cell, property_id, property_name, property_type, deleted, database_title from notion_data.notion_properties where table_name = '${table}'`);

  beforeAll(async () => {
    server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 11 } });
    p = pipeline({ pipelineName: 'changes', destination: duckdb({ path: join(dir, 'changes.duckdb') }), datasetName: 'notion_data' });
    await run();
    const db0 = server.workspace.dataSourceId(0);
    table = String((await p.dataset().sql(`select distinct table_name from notion_data.notion_properties where data_source_id = '${db0}'`))[0]!['table_name']);
  });
  afterAll(async () => server.close());

  it('keeps names and columns as specified after a rename, a retype, a delete and a database rename', async () => {
    const ws = server.workspace;
    ws.renameProperty(0, 'num1', 'Effort');
    ws.retypeProperty(0, 'rt%3Ax', 'select');
    ws.deleteProperty(0, 'phn1');
    ws.renameDatabase(0, 'Renamed database');
    await run();

    const m = await mapping();
    const col = (propertyId: string, type: string) => m.find((x) => x['property_id'] === propertyId && x['property_type'] === type && x['cell'] === 'value');
    expect(col('num1', 'number')).toMatchObject({ column_name: 'estimate', property_name: 'Effort', deleted: false });
    expect(col('rt%3Ax', 'rich_text')).toMatchObject({ column_name: 'notes', deleted: true });
    expect(col('rt%3Ax', 'select')).toMatchObject({ column_name: 'notes_select', deleted: false });
    expect(col('phn1', 'phone_number')).toMatchObject({ column_name: 'phone', deleted: true });
    expect(new Set(m.map((x) => x['database_title']))).toEqual(new Set(['Renamed database']));
    expect((await p.dataset().sql(`select distinct table_name from notion_data.notion_properties where data_source_id = '${ws.dataSourceId(0)}'`)).map((r) => r['table_name'])).toEqual([table]);

    const truth = typedTableTruth(ws, '2025-09-03').find((d) => d.containerId === ws.dataSourceId(0))!;
    const rows = new Map((await p.dataset().sql(`select * from notion_data."${table}"`)).map((r) => [String(r['id']), r]));
    expect(rows.size).toBe(truth.rows.length);
    expect([...rows.keys()].sort()).toEqual(truth.rows.map((r) => r.id).sort());
    for (const r of truth.rows) {
      const got = rows.get(r.id)!;
      expect(valueOf(got['estimate'])).toEqual(expectedCells('number', r.values.get('num1')).value);
      expect(valueOf(got['notes_select'])).toEqual(expectedCells('select', r.values.get('rt%3Ax')).value);
      expect(got['notes']).toBeNull();
      expect(got['phone']).toBeNull();
    }
  });

  it('drops a trashed row from the typed table (its raw row stays, flagged)', async () => {
    const ws = server.workspace;
    const trashed = ws.pageId(ws.visibleRows(0)[0]!);
    ws.trashPage(trashed);
    await run();
    expect(await p.dataset().sql(`select id from notion_data."${table}" where id = '${trashed}'`)).toEqual([]);
    expect((await p.dataset().sql(`select in_trash from notion_data.pages where id = '${trashed}'`))[0]).toEqual({ in_trash: true });
    const [n] = await p.dataset().sql(`select count(*) as n, count(distinct id) as d from notion_data."${table}"`);
    expect(Number(n!['n'])).toBe(ws.visibleRows(0).length);
    expect(Number(n!['d'])).toBe(ws.visibleRows(0).length);
  });
});
