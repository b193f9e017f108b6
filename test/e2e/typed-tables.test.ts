import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import type { NotionVersion } from '../../src/client/notion-client.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { expectedCells, typedTableTruth, valueOf } from './typed-truth.js';

/**
 * Typed tables against the server's ground truth: every live row of every database exactly once, and
 * every property value equal to the truth (computed in typed-truth.ts from the server's full values,
 * with no code of the product), on each API version.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-typed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAST_RETRY = { baseMs: 5, maxMs: 50 };
const versions: NotionVersion[] = ['2025-09-03', '2022-06-28', '2026-12-01'];

describe.each(versions)('typed tables (%s)', (version) => {
  let server: NotionServer;
  let p: Pipeline;

  beforeAll(async () => {
    server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 7 }, faults: { rate: 0.03, seed: 7 } });
    p = pipeline({ pipelineName: 'typed', destination: duckdb({ path: join(dir, `typed-${version}.duckdb`) }), datasetName: 'notion_data' });
    await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, notionVersion: version, rateLimit: false, retry: FAST_RETRY }));
  });
  afterAll(async () => server.close());

  it('holds every live row of every database exactly once, with every property equal to the truth', async () => {
    const ds = p.dataset();
    const truth = typedTableTruth(server.workspace, version);
    expect(truth.length).toBeGreaterThan(0);
    for (const db of truth) {
      const mapping = await ds.sql(
        `select table_name, column_name, cell, property_id, property_type from notion_data.notion_properties where ${version === '2022-06-28' ? 'database_id' : 'data_source_id'} = '${db.containerId}' and not deleted`,
      );
      expect(mapping.length).toBeGreaterThan(0);
      const table = String(mapping[0]!['table_name']);
      // The documented rule: the title in snake_case (the generated titles need no collision suffix).
      expect(table).toBe(db.title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, ''));
      const [counts] = await ds.sql(`select count(*) as n, count(distinct id) as ids from notion_data."${table}"`);
      expect(Number(counts!['n'])).toBe(db.rows.length);
      expect(Number(counts!['ids'])).toBe(db.rows.length);
      const loaded = new Map((await ds.sql(`select * from notion_data."${table}"`)).map((r) => [String(r['id']), r]));
      expect([...loaded.keys()].sort()).toEqual(db.rows.map((r) => r.id).sort());
      const column = (propertyId: string, cell: string) => mapping.find((m) => m['property_id'] === propertyId && m['cell'] === cell)?.['column_name'];
      let compared = 0;
      for (const row of db.rows) {
        const got = loaded.get(row.id)!;
        expect(valueOf(got['url'])).toBe(row.url);
        expect(valueOf(got['last_edited_time'])).toBe(Date.parse(row.last_edited_time));
        for (const prop of db.properties) {
          for (const [cell, want] of Object.entries(expectedCells(prop.type, row.values.get(prop.id)))) {
            const name = column(prop.id, cell);
            if (want === null && name === undefined) continue; // a formula or rollup never seen non-null has no column yet
            expect({ property: prop.name, cell, value: valueOf(got[String(name)]) }).toEqual({ property: prop.name, cell, value: want });
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(db.rows.length * 20);
    }
    // The rows that exercise completeness are there: page responses cut these short.
    const all = truth.flatMap((db) => db.rows.map((r) => r.values));
    const mentions = (v: unknown) => ((v as { type: string }[]) ?? []).filter((t) => t.type === 'mention').length;
    expect(all.some((v) => (v.get('rel%3D') as unknown[]).length > 25)).toBe(true);
    expect(all.some((v) => (v.get('ppl1') as unknown[]).length > 25)).toBe(true);
    expect(all.some((v) => (v.get('rt%3Ax') as { plain_text: string }[]).reduce((n, t) => n + t.plain_text.length, 0) > 4000)).toBe(true);
    expect(all.some((v) => mentions(v.get('rt%3Ax')) > 25)).toBe(true);
    expect(all.some((v) => (v.get('due%5B') as { end?: string; time_zone?: string } | null)?.time_zone)).toBe(true);
    expect(all.some((v) => (v.get('due%5B') as { end?: string } | null)?.end)).toBe(true);
    expect(new Set(all.map((v) => (v.get('rnam') as { type?: string })?.type))).toEqual(new Set(['array']));
  });

  it('loads relations past 25 items and rollups over all of them', async () => {
    const ds = p.dataset();
    const truth = typedTableTruth(server.workspace, version);
    const long = truth.flatMap((db) => db.rows.map((r) => ({ db, r }))).filter(({ r }) => ((r.values.get('rel%3D') as unknown[]) ?? []).length > 25);
    expect(long.length).toBeGreaterThan(0);
    for (const { db, r } of long) {
      const [m] = await ds.sql(`select table_name, column_name from notion_data.notion_properties where property_id = 'rel%3D' and cell = 'value' and (data_source_id = '${db.containerId}' or database_id = '${db.containerId}')`);
      const [row] = await ds.sql(`select "${String(m!['column_name'])}" as rel from notion_data."${String(m!['table_name'])}" where id = '${r.id}'`);
      expect(valueOf(row!['rel'])).toEqual((r.values.get('rel%3D') as { id: string }[]).map((x) => x.id));
    }
  });
});

describe('tables: typed (raw tables off)', () => {
  it('writes the typed tables and no raw pages or data_sources table', async () => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 8 } });
    try {
      const p = pipeline({ pipelineName: 'typed_only', destination: duckdb({ path: join(dir, 'typed-only.duckdb') }), datasetName: 'notion_data' });
      const info = await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, tables: 'typed' }));
      const tables = (await p.dataset().sql(`select table_name from information_schema.tables where table_schema = 'notion_data'`)).map((r) => String(r['table_name']));
      expect(tables.filter((t) => t === 'pages' || t.startsWith('pages__') || t.startsWith('data_sources'))).toEqual([]);
      const truth = typedTableTruth(server.workspace, '2025-09-03');
      for (const db of truth) {
        const [m] = await p.dataset().sql(`select distinct table_name from notion_data.notion_properties where data_source_id = '${db.containerId}'`);
        expect(info.rowCounts[String(m!['table_name'])]).toBe(db.rows.length);
      }
      expect(tables).toEqual(expect.arrayContaining(['blocks', 'page_content', 'users']));
    } finally {
      await server.close();
    }
  });
});
