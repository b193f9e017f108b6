import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NOTION_VERSIONS, startNotionServer, Workspace, WORKSPACE_PRESETS } from '../../src/server/index.js';
import type { NotionServer, NotionVersion } from '../../src/server/index.js';
import { call, collect } from './api.js';

const FIXED = () => Date.UTC(2026, 0, 1, 10, 0, 0);
const names = (page: any): string[] => Object.keys(page.properties).sort();

describe('API versions', () => {
  let server: NotionServer;
  let ws: Workspace;
  beforeAll(async () => {
    ws = new Workspace(WORKSPACE_PRESETS.tiny, FIXED);
    server = await startNotionServer({ workspace: ws });
  });
  afterAll(() => server.close());

  it.each(NOTION_VERSIONS)('%s: carries archived before 2026-03-11 and only in_trash from then on', async (version) => {
    const page = [...ws.pages()].find((p) => p.parent_type === 'workspace')!;
    const row = ws.rows(0)[0]!;
    const objects = [
      (await call(server, 'GET', `/v1/pages/${page.id}`, { version })).body,
      (await call(server, 'GET', `/v1/pages/${row}`, { version })).body,
      (await call(server, 'GET', `/v1/blocks/${page.id}`, { version })).body,
      ...(await collect(server, 'GET', `/v1/blocks/${page.id}/children`, version)).results,
      (await call(server, 'GET', `/v1/databases/${ws.databaseId(0)}`, { version })).body,
    ];
    if (version !== '2022-06-28') objects.push((await call(server, 'GET', `/v1/data_sources/${ws.dataSourceId(0)}`, { version })).body);
    for (const o of objects) {
      expect(o.in_trash).toBe(false);
      if (version >= '2026-03-11') expect(o).not.toHaveProperty('archived');
      else expect(o.archived).toBe(false);
    }
  });

  it('names a meeting-notes block transcription before 2026-03-11 and meeting_notes from then on', async () => {
    const truth = [...ws.blocks()].filter((b) => b.type === 'meeting_notes');
    expect(truth.length).toBeGreaterThan(0);
    const block = truth[0]!;
    const children = [...ws.blocks()].filter((b) => b.parent_id === block.id).map((b) => b.id);
    expect(children).toHaveLength(3);
    for (const version of NOTION_VERSIONS) {
      const type = version >= '2026-03-11' ? 'meeting_notes' : 'transcription';
      const body = (await call(server, 'GET', `/v1/blocks/${block.id}`, { version })).body;
      expect(body).toMatchObject({ type, has_children: true, [type]: { status: 'notes_ready', title: [{ type: 'text' }] } });
      expect(body[version >= '2026-03-11' ? 'transcription' : 'meeting_notes']).toBeUndefined();
      const { summary_block_id, notes_block_id, transcript_block_id } = body[type].children;
      expect([summary_block_id, notes_block_id, transcript_block_id]).toEqual(children);
      expect(Date.parse(body[type].calendar_event.end_time)).toBeGreaterThan(Date.parse(body[type].calendar_event.start_time));
      const listed = await collect(server, 'GET', `/v1/blocks/${block.id}/children`, version);
      expect(listed.results.map((b) => [b.id, b.type])).toEqual(children.map((id) => [id, 'paragraph']));
    }
  });

  it('filters page properties by filter_properties, repeated or in the bracket form, ids encoded once more', async () => {
    const row = ws.rows(0)[0]!;
    const schema = (await call(server, 'GET', `/v1/data_sources/${ws.dataSourceId(0)}`)).body.properties;
    const hostile = schema['He said "hi"'].id as string;
    const ids = ['title', 'rt%3Ax', hostile];
    const expected = ['He said "hi"', 'Name', 'Notes'];
    const repeated = ids.map((id) => `filter_properties=${encodeURIComponent(id)}`).join('&');
    const brackets = ids.map((id) => `filter_properties[]=${encodeURIComponent(id)}`).join('&');
    for (const version of NOTION_VERSIONS) {
      for (const qs of [repeated, brackets]) {
        expect(names((await call(server, 'GET', `/v1/pages/${row}?${qs}`, { version })).body)).toEqual(expected);
        const query = version === '2022-06-28' ? `/v1/databases/${ws.databaseId(0)}/query` : `/v1/data_sources/${ws.dataSourceId(0)}/query`;
        const rows = await call(server, 'POST', `${query}?${qs}`, { version, body: { page_size: 3 } });
        expect(rows.body.results.map(names)).toEqual([expected, expected, expected]);
        const search = await call(server, 'POST', `/v1/search?${qs}`, { version, body: { filter: { property: 'object', value: 'page' } } });
        const found = search.body.results.find((p: any) => p.id === row);
        expect(names(found)).toEqual(expected);
        expect(search.body.results.filter((p: any) => p.parent.type === 'workspace').every((p: any) => names(p).join() === 'title')).toBe(true);
      }
    }
    const one = await call(server, 'GET', `/v1/pages/${row}?filter_properties=num1`);
    expect(Object.values(one.body.properties)).toEqual([expect.objectContaining({ id: 'num1', type: 'number' })]);
  });

  it('2026-12-01: search and data source queries return only the title unless filter_properties lists ids; a page has all', async () => {
    const all = ws.schema(0).map((p) => p.name).sort();
    const row = ws.rows(0)[0]!;
    for (const version of ['2026-03-11', '2026-12-01'] as const) {
      const only = version === '2026-12-01' ? ['Name'] : all;
      const rows = await call(server, 'POST', `/v1/data_sources/${ws.dataSourceId(0)}/query`, { version, body: { page_size: 5 } });
      expect(rows.body.results.map(names)).toEqual(rows.body.results.map(() => only));
      const search = await collect(server, 'POST', '/v1/search', version, { filter: { property: 'object', value: 'page' } });
      expect(names(search.results.find((p) => p.id === row))).toEqual(only);
      expect(names((await call(server, 'GET', `/v1/pages/${row}`, { version })).body)).toEqual(all);
      const listed = await call(server, 'POST', `/v1/data_sources/${ws.dataSourceId(0)}/query?filter_properties=num1&filter_properties=title`, { version, body: { page_size: 2 } });
      expect(listed.body.results.map(names)).toEqual([['Estimate', 'Name'], ['Estimate', 'Name']]);
    }
  });

  it('2026-12-01: some person users have name null; earlier versions name everyone', async () => {
    const truth = [...ws.users()];
    expect(truth.some((u) => u.name_hidden)).toBe(true);
    expect(truth.filter((u) => u.name_hidden).every((u) => u.type === 'person' && u.name.length > 0)).toBe(true);
    for (const version of NOTION_VERSIONS) {
      const users = (await collect(server, 'GET', '/v1/users', version)).results;
      const hidden = version === '2026-12-01';
      expect(users.map((u) => u.name)).toEqual(truth.map((u) => (hidden && u.name_hidden ? null : u.name)));
      const one = truth.find((u) => u.name_hidden)!;
      expect((await call(server, 'GET', `/v1/users/${one.id}`, { version })).body.name).toBe(hidden ? null : one.name);
      expect(typeof (await call(server, 'GET', '/v1/users/me', { version })).body.name).toBe('string');
    }
  });

  it('queries data sources from 2025-09-03 on and databases only with 2022-06-28', async () => {
    const query = (path: string, version: NotionVersion) => call(server, 'POST', path, { version, body: {} });
    for (const version of NOTION_VERSIONS) {
      const legacy = version === '2022-06-28';
      expect((await query(`/v1/databases/${ws.databaseId(0)}/query`, version)).status).toBe(legacy ? 200 : 400);
      expect((await query(`/v1/data_sources/${ws.dataSourceId(0)}/query`, version)).status).toBe(legacy ? 400 : 200);
      const db = (await call(server, 'GET', `/v1/databases/${ws.databaseId(0)}`, { version })).body;
      expect(db.data_sources === undefined).toBe(legacy);
    }
  });
});
