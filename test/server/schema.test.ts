import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startNotionServer, Workspace, WORKSPACE_PRESETS } from '../../src/server/index.js';
import type { NotionServer } from '../../src/server/index.js';
import { call, collect } from './api.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const LATER = '2026-03-01T12:00:00.000Z';

describe('schema mutations', () => {
  let now: number;
  let ws: Workspace;
  let server: NotionServer;
  beforeEach(async () => {
    now = T0;
    ws = new Workspace(WORKSPACE_PRESETS.tiny, () => now);
    server = await startNotionServer({ workspace: ws });
  });
  afterEach(() => server.close());

  const dataSource = async (d: number) => (await call(server, 'GET', `/v1/data_sources/${ws.dataSourceId(d)}`)).body;
  const rowsOf = async (d: number) => (await collect(server, 'POST', `/v1/data_sources/${ws.dataSourceId(d)}/query`, '2025-09-03')).results;
  const editedRows = async (d: number) => (await rowsOf(d)).filter((r) => r.last_edited_time === LATER).length;

  it('renames a property: schemas, pages and rollups show the new name; only the database is touched', async () => {
    now = Date.parse(LATER);
    ws.renameProperty(0, 'num1', 'Effort');
    const schema = await dataSource(0);
    expect(schema.properties.Effort).toMatchObject({ id: 'num1', type: 'number' });
    expect(schema.properties.Estimate).toBeUndefined();
    expect(schema.last_edited_time).toBe(LATER);
    expect(Object.keys((await rowsOf(0))[0].properties)).toContain('Effort');
    expect(await editedRows(0)).toBe(0);
    // Database 1's rollups roll up database 0's properties.
    expect(ws.relationTarget(1)).toBe(0);
    expect((await dataSource(1)).properties['Related estimate'].rollup.rollup_property_name).toBe('Effort');
    ws.renameProperty(0, 'rel%3D', 'Links');
    expect((await dataSource(0)).properties['Related estimate'].rollup.relation_property_name).toBe('Links');
    expect([...ws.databases()][0]!.properties.find((p) => p.id === 'num1')!.name).toBe('Effort');
    const legacy = (await call(server, 'GET', `/v1/databases/${ws.databaseId(0)}`, { version: '2022-06-28' })).body;
    expect(legacy.properties.Effort.id).toBe('num1');
    expect(() => ws.renameProperty(0, 'num1', 'Name')).toThrow('already has a property named Name');
  });

  it('retypes a property: its values regenerate as the new type, rollups over it become unsupported, every row is touched', async () => {
    now = Date.parse(LATER);
    const before = ws.rowProperties(ws.rows(0)[0]!);
    ws.retypeProperty(0, 'num1', 'rich_text');
    expect((await dataSource(0)).properties.Estimate).toMatchObject({ id: 'num1', type: 'rich_text', rich_text: {} });
    const rows = await rowsOf(0);
    expect(rows.every((r) => Array.isArray(r.properties.Estimate.rich_text))).toBe(true);
    expect(rows.some((r) => r.properties.Estimate.rich_text.length > 0)).toBe(true);
    expect(await editedRows(0)).toBe(rows.length);
    expect(await editedRows(1)).toBe(0);
    expect([...ws.dataSources()][0]!.last_edited_time).toBe(LATER);
    const after = ws.rowProperties(ws.rows(0)[0]!);
    for (const [id, value] of before) {
      if (id === 'num1') expect(Array.isArray(after.get(id))).toBe(true);
      else if (id !== 'etim') expect(after.get(id)).toEqual(value);
    }
    const other = (await rowsOf(1)).find((r) => r.properties.Related.relation.length > 0);
    expect(other.properties['Related estimate'].rollup).toEqual({ type: 'unsupported', unsupported: {}, function: 'sum' });
    expect(() => ws.retypeProperty(0, 'title', 'rich_text')).toThrow('Cannot retype');
    expect(() => ws.retypeProperty(0, 'url1', 'rollup')).toThrow('Cannot retype');
  });

  it('deletes a property everywhere and touches every row; not the title, nor a rollup relation', async () => {
    now = Date.parse(LATER);
    ws.deleteProperty(0, 'url1');
    expect((await dataSource(0)).properties.Link).toBeUndefined();
    const rows = await rowsOf(0);
    expect(rows.some((r) => 'Link' in r.properties)).toBe(false);
    expect(ws.rowProperties(rows[0].id).has('url1')).toBe(false);
    expect(await editedRows(0)).toBe(rows.length);
    expect([...ws.databases()][0]!.properties.some((p) => p.id === 'url1')).toBe(false);
    expect((await call(server, 'GET', `/v1/pages/${rows[0].id}/properties/url1`)).status).toBe(404);
    expect(() => ws.deleteProperty(0, 'title')).toThrow('cannot be deleted');
    expect(() => ws.deleteProperty(0, 'rel%3D')).toThrow('delete them first');
    expect(() => ws.deleteProperty(0, 'nope')).toThrow('has no property');
  });

  it('renames a database: schemas, search and the truth show the title; only the database is touched', async () => {
    now = Date.parse(LATER);
    ws.renameDatabase(1, 'Quarterly ledger');
    const found = await collect(server, 'POST', '/v1/search', '2025-09-03', { query: 'quarterly ledger' });
    expect(found.results.map((r) => r.id)).toEqual([ws.dataSourceId(1)]);
    expect((await dataSource(1)).title[0].plain_text).toBe('Quarterly ledger');
    const db = (await call(server, 'GET', `/v1/databases/${ws.databaseId(1)}`)).body;
    expect(db).toMatchObject({ title: [{ plain_text: 'Quarterly ledger' }], last_edited_time: LATER, data_sources: [{ id: ws.dataSourceId(1), name: 'Quarterly ledger' }] });
    expect([...ws.databases()][1]).toMatchObject({ title: 'Quarterly ledger', last_edited_time: LATER });
    expect(await editedRows(1)).toBe(0);
    expect(() => ws.renameDatabase(9, 'x')).toThrow('No database 9');
  });
});
