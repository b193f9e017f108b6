import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startNotionServer, Workspace, WORKSPACE_PRESETS } from '../../src/server/index.js';
import type { BlockTruth, NotionServer, NotionVersion } from '../../src/server/index.js';
import { call, collect } from './api.js';

const FIXED = () => Date.UTC(2026, 0, 1, 10, 0, 0);

/**
 * The full value of a row property from its page-response entry, reading the property-item endpoint when
 * the page response may have cut it short (the rule `Workspace.minimalRequests` counts).
 */
async function complete(server: NotionServer, version: NotionVersion, row: any, prop: any, relationOf: (rollupId: string) => string): Promise<{ value: unknown; read: boolean }> {
  const value = prop[prop.type];
  const byId = new Map((Object.values(row.properties) as any[]).map((p) => [p.id, p]));
  const cut = prop.type === 'relation' ? prop.has_more
    : prop.type === 'people' ? value.length === 25
      : prop.type === 'title' || prop.type === 'rich_text' ? value.filter((t: any) => t.type === 'mention').length === 25
        : prop.type === 'rollup' ? byId.get(relationOf(prop.id)).has_more : false;
  if (!cut) return { value, read: false };
  const items = await collect(server, 'GET', `/v1/pages/${row.id}/properties/${prop.id}`, version);
  expect(items.status).toBe(200);
  if (prop.type !== 'rollup') return { value: items.results.map((r) => r[prop.type]), read: true };
  const rollup = items.last.property_item.rollup;
  const originals = items.results.filter((r) => r.type !== 'relation');
  return { value: originals.length === 0 ? rollup : { ...rollup, array: originals.map((r) => ({ type: r.type, [r.type]: r[r.type] })) }, read: true };
}

/**
 * A simple complete load over the real HTTP API, with the strategy `Workspace.minimalRequests`
 * documents: users, search (pages, then data sources / databases), query each (from 2026-12-01 with
 * `filter_properties` listing every property), block children of every page and every block with
 * children (synced content once per original, 404 for unreadable originals), comments, and property
 * items of every value the page response may have cut short.
 */
async function walk(server: NotionServer, version: NotionVersion, comments: 'pages' | 'all') {
  const users = await collect(server, 'GET', '/v1/users', version);
  const pages = await collect(server, 'POST', '/v1/search', version, { filter: { property: 'object', value: 'page' } });
  const dbValue = version === '2022-06-28' ? 'database' : 'data_source';
  const sources = await collect(server, 'POST', '/v1/search', version, { filter: { property: 'object', value: dbValue } });
  const rows: any[] = [];
  for (const s of sources.results) {
    const ids = (Object.values(s.properties) as any[]).map((p) => `filter_properties=${encodeURIComponent(p.id)}`).join('&');
    const path = version === '2022-06-28' ? `/v1/databases/${s.id}/query` : `/v1/data_sources/${s.id}/query`;
    rows.push(...(await collect(server, 'POST', version >= '2026-12-01' ? `${path}?${ids}` : path, version)).results);
  }
  const blocks: BlockTruth[] = [];
  const references: Array<{ id: string; original: string; pageId: string }> = [];
  const listed = new Set<string>();
  const unreachable: string[] = [];
  const blockIds: string[] = [];
  const list = async (parentId: string, pageId: string, depth: number): Promise<void> => {
    const res = await collect(server, 'GET', `/v1/blocks/${parentId}/children`, version);
    expect(res.status).toBe(200);
    listed.add(parentId);
    for (const [position, b] of res.results.entries()) {
      const type = b.type === 'transcription' ? 'meeting_notes' : b.type;
      blocks.push({ id: b.id, type, parent_id: parentId, page_id: pageId, depth, position, has_children: b.has_children });
      if (b.type !== 'child_page' && b.type !== 'child_database') blockIds.push(b.id);
      if (!b.has_children || b.type === 'child_page' || b.type === 'child_database') continue;
      if (b.type === 'synced_block' && b.synced_block.synced_from !== null) references.push({ id: b.id, original: b.synced_block.synced_from.block_id, pageId });
      else await list(b.id, pageId, depth + 1);
    }
  };
  for (const page of pages.results) await list(page.id, page.id, 0);
  for (const ref of references) {
    if (listed.has(ref.original)) continue;
    listed.add(ref.original);
    const res = await call(server, 'GET', `/v1/blocks/${ref.original}/children`, { version });
    expect(res.status).toBe(404);
    unreachable.push(ref.original);
  }
  const commentIds: string[] = [];
  const owners = comments === 'all' ? [...pages.results.map((p) => p.id), ...blockIds] : pages.results.map((p) => p.id);
  for (const id of owners) commentIds.push(...(await collect(server, 'GET', `/v1/comments?block_id=${id}`, version)).results.map((c) => c.id));
  const values = new Map<string, Record<string, unknown>>();
  const readTypes = new Set<string>();
  for (const row of rows) {
    const source = sources.results.find((s) => s.id === (row.parent.data_source_id ?? row.parent.database_id));
    const schema = Object.values(source.properties) as any[];
    const relationOf = (rollupId: string) => schema.find((p) => p.id === rollupId).rollup.relation_property_id;
    const full: Record<string, unknown> = {};
    for (const prop of Object.values(row.properties) as any[]) {
      const { value, read } = await complete(server, version, row, prop, relationOf);
      full[prop.id] = value;
      if (read) readTypes.add(prop.type);
    }
    values.set(row.id, full);
  }
  return { users: users.results, pages: pages.results, sources: sources.results, rows, blocks, unreachable, commentIds, values, readTypes };
}

describe('ground truth equals a walk of the API', () => {
  let server: NotionServer;
  beforeAll(async () => {
    server = await startNotionServer({ workspace: new Workspace({ ...WORKSPACE_PRESETS.tiny, unshared: 2, pages: 12 }, FIXED) });
  });
  afterAll(() => server.close());

  it.each([['2025-09-03', 'pages'], ['2022-06-28', 'all'], ['2026-12-01', 'pages']] as const)('with Notion-Version %s and comments %s', async (version, comments) => {
    const ws = server.workspace;
    server.resetStats();
    const seen = await walk(server, version, comments);
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

    expect(seen.users.map((u) => u.id).sort()).toEqual([...ws.users()].map((u) => u.id).sort());
    expect(seen.pages.map((p) => p.id).sort()).toEqual([...ws.pages()].map((p) => p.id).sort());
    expect(seen.rows.map((p) => p.id).sort()).toEqual([...ws.pages()].filter((p) => p.parent_type === 'database_id').map((p) => p.id).sort());
    expect(seen.sources.map((s) => s.id).sort()).toEqual(version === '2022-06-28'
      ? [...ws.databases()].map((d) => d.id).sort()
      : [...ws.dataSources()].map((d) => d.id).sort());
    expect([...seen.blocks].sort(byId)).toEqual([...ws.blocks()].sort(byId));
    expect(seen.blocks.some((b) => b.type === 'synced_block')).toBe(true);
    expect(seen.blocks.some((b) => b.type === 'meeting_notes')).toBe(true);
    expect(seen.unreachable.sort()).toEqual([...new Set([...ws.unreachable()].map((u) => u.synced_from))].sort());
    expect(seen.unreachable.length).toBeGreaterThan(0);
    const expectedComments = [...ws.comments()].filter((c) => comments === 'all' || c.parent_id === c.page_id).map((c) => c.id);
    expect(seen.commentIds.sort()).toEqual(expectedComments.sort());

    // Page values plus property items are every row's full values.
    for (const [id, full] of seen.values) expect(full).toEqual(Object.fromEntries(ws.rowProperties(id)));
    expect([...seen.readTypes].sort()).toEqual(['people', 'relation', 'rich_text', 'rollup']);

    const plan = ws.minimalRequests({ notionVersion: version, comments });
    expect(server.stats.total).toBe(plan.total);
    expect(server.stats.byEndpoint['GET /v1/blocks/:id/children']).toBe(plan.blockChildren);
    expect(server.stats.byEndpoint['GET /v1/pages/:id/properties/:property_id']).toBe(plan.propertyItems);
  });
});
