import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_FAULT_KINDS, FAULT_KINDS, startNotionServer, Workspace, WORKSPACE_PRESETS } from '../../src/server/index.js';
import type { FaultKind, NotionServer, NotionVersion } from '../../src/server/index.js';
import { serverOptionsFromArgs } from '../../src/server/main.js';
import { call, collect } from './api.js';

const FIXED = () => Date.UTC(2026, 0, 1, 10, 0, 0);

describe('local Notion server', () => {
  let server: NotionServer;
  beforeAll(async () => {
    server = await startNotionServer({ workspace: new Workspace(WORKSPACE_PRESETS.tiny, FIXED) });
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 with a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('is deterministic: same seed, same bodies; another seed, other ids', async () => {
    const twin = await startNotionServer({ workspace: new Workspace(WORKSPACE_PRESETS.tiny, FIXED) });
    const other = await startNotionServer({ workspace: new Workspace({ ...WORKSPACE_PRESETS.tiny, seed: 99 }, FIXED) });
    try {
      const a = await collect(server, 'POST', '/v1/search', '2025-09-03');
      const b = await collect(twin, 'POST', '/v1/search', '2025-09-03');
      const c = await collect(other, 'POST', '/v1/search', '2025-09-03');
      expect(b.results).toEqual(a.results);
      const page = a.results.find((r) => r.object === 'page' && r.parent.type === 'workspace');
      const children = await call(server, 'GET', `/v1/blocks/${page.id}/children`);
      expect((await call(twin, 'GET', `/v1/blocks/${page.id}/children`)).body.results).toEqual(children.body.results);
      const ids = new Set(a.results.map((r) => r.id));
      expect(c.results.some((r) => ids.has(r.id))).toBe(false);
      expect((await call(other, 'GET', `/v1/pages/${page.id}`)).status).toBe(404);
    } finally {
      await twin.close();
      await other.close();
    }
  });

  it('speaks 2025-09-03: database containers, data sources, data source queries and parents', async () => {
    const ws = server.workspace;
    const search = await collect(server, 'POST', '/v1/search', '2025-09-03', { filter: { property: 'object', value: 'data_source' } });
    expect(search.results.map((r) => r.object)).toEqual(ws.sharedDatabases().map(() => 'data_source'));
    const ds = search.results[0];
    expect(ds.parent.type).toBe('database_id');
    const db = await call(server, 'GET', `/v1/databases/${ds.parent.database_id}`);
    expect(db.body.data_sources).toEqual([{ id: ds.id, name: ds.title[0].plain_text }]);
    expect(db.body.properties).toBeUndefined();
    const schema = (await call(server, 'GET', `/v1/data_sources/${ds.id}`)).body;
    const types = new Set(Object.values(schema.properties).map((p: any) => p.type));
    for (const t of ['title', 'rich_text', 'number', 'select', 'multi_select', 'status', 'date', 'people', 'files', 'checkbox', 'url', 'email',
      'phone_number', 'formula', 'relation', 'rollup', 'created_time', 'created_by', 'last_edited_time', 'last_edited_by', 'unique_id',
      'verification', 'button', 'place']) expect(types).toContain(t);
    const rows = await call(server, 'POST', `/v1/data_sources/${ds.id}/query`, { body: { page_size: 5 } });
    expect(rows.body.type).toBe('page_or_data_source');
    expect(rows.body.results[0].parent).toEqual({ type: 'data_source_id', data_source_id: ds.id, database_id: ds.parent.database_id });
    const formulas = new Set(Object.values(rows.body.results[0].properties).filter((p: any) => p.type === 'formula').map((p: any) => p.formula.type));
    expect(formulas).toEqual(new Set(['string', 'number', 'boolean', 'date']));
    expect((await call(server, 'POST', `/v1/databases/${ds.parent.database_id}/query`, { body: {} })).status).toBe(400);
    expect((await call(server, 'POST', '/v1/search', { body: { filter: { property: 'object', value: 'database' } } })).body.code).toBe('validation_error');
  });

  it('speaks 2022-06-28: databases with properties, database queries and database parents', async () => {
    const v: NotionVersion = '2022-06-28';
    const search = await collect(server, 'POST', '/v1/search', v, { filter: { property: 'object', value: 'database' } });
    expect(search.results.every((r) => r.object === 'database' && typeof r.properties === 'object' && r.data_sources === undefined)).toBe(true);
    const db = search.results[0];
    const rows = await call(server, 'POST', `/v1/databases/${db.id}/query`, { version: v, body: {} });
    expect(rows.body.type).toBe('page_or_database');
    expect(rows.body.results[0].parent).toEqual({ type: 'database_id', database_id: db.id });
    expect((await call(server, 'GET', `/v1/data_sources/${server.workspace.dataSourceId(0)}`, { version: v })).status).toBe(400);
    expect((await call(server, 'POST', '/v1/search', { version: v, body: { filter: { property: 'object', value: 'data_source' } } })).status).toBe(400);
  });

  it('has a database with hostile property names', async () => {
    const res = await call(server, 'GET', `/v1/data_sources/${server.workspace.dataSourceId(0)}`);
    const names = Object.keys(res.body.properties);
    for (const n of ['He said "hi"', "it's", 'select', 'drop table x;--', '🚀 Launch', 'Due Date', 'due_date']) expect(names).toContain(n);
    expect(names.some((n) => n.length === 200)).toBe(true);
  });

  it('paginates with opaque cursors: GET in the query string, POST in the body', async () => {
    const ws = server.workspace;
    const all = await collect(server, 'POST', '/v1/search', '2025-09-03', { filter: { property: 'object', value: 'page' } });
    expect(all.results.map((r) => r.id)).toEqual([...ws.pages()].map((p) => p.id));
    const first = await call(server, 'POST', '/v1/search', { body: { page_size: 7 } });
    expect(first.body.results).toHaveLength(7);
    expect(first.body.has_more).toBe(true);
    expect(first.body.page_or_data_source).toEqual({});
    const cursor: string = first.body.next_cursor;
    expect(cursor).not.toMatch(/^\d+$/);
    const second = await call(server, 'POST', '/v1/search', { body: { page_size: 7, start_cursor: cursor } });
    expect(second.body.results[0].id).not.toBe(first.body.results[0].id);
    const again = await call(server, 'POST', '/v1/search', { body: { page_size: 7 } });
    expect(again.body.next_cursor).not.toBe(cursor);

    const inQuery = await call(server, 'POST', `/v1/search?start_cursor=${cursor}`, { body: {} });
    expect(inQuery.status).toBe(400);
    expect(inQuery.body.message).toContain('start_cursor should be not present');
    for (const bad of ['bogus', Buffer.from(JSON.stringify({ o: 7 })).toString('base64url'), `${cursor.slice(0, -2)}xx`]) {
      const res = await call(server, 'POST', '/v1/search', { body: { start_cursor: bad } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ object: 'error', code: 'validation_error', message: expect.stringContaining('The start_cursor provided is invalid') });
    }
    const page = all.results.find((r) => r.parent.type === 'workspace');
    const other = await call(server, 'GET', `/v1/blocks/${page.id}/children?start_cursor=${encodeURIComponent(cursor)}`);
    expect(other.status).toBe(400);
    const kids = await call(server, 'GET', `/v1/blocks/${page.id}/children?page_size=2`);
    expect(kids.body).toMatchObject({ object: 'list', type: 'block', block: {}, has_more: true });
    const next = await call(server, 'GET', `/v1/blocks/${page.id}/children?page_size=2&start_cursor=${encodeURIComponent(kids.body.next_cursor)}`);
    expect(next.body.results[0].id).not.toBe(kids.body.results[0].id);
    expect((await call(server, 'GET', `/v1/users?page_size=101`)).body.code).toBe('validation_error');
    expect((await call(server, 'POST', '/v1/search', { body: { page_size: 0 } })).status).toBe(400);
  });

  it('expires a cursor once after expireCursorAfter pages; a restarted listing completes', async () => {
    const s = await startNotionServer({ workspace: WORKSPACE_PRESETS.tiny, expireCursorAfter: 2 });
    try {
      const body = { page_size: 10, filter: { property: 'object', value: 'page' } };
      const p1 = await call(s, 'POST', '/v1/search', { body });
      const p2 = await call(s, 'POST', '/v1/search', { body: { ...body, start_cursor: p1.body.next_cursor } });
      const p3 = await call(s, 'POST', '/v1/search', { body: { ...body, start_cursor: p2.body.next_cursor } });
      expect(p3.status).toBe(400);
      expect(p3.body.message).toContain('The start_cursor provided is invalid');
      const restarted = await collect(s, 'POST', '/v1/search', '2025-09-03', body);
      expect(restarted.status).toBe(200);
      expect(restarted.results).toHaveLength(s.workspace.counts().pages);
    } finally {
      await s.close();
    }
  });

  it('answers 401, 404, missing and unknown versions with Notion error bodies', async () => {
    const unauthorized = await call(server, 'GET', '/v1/users', { token: 'wrong-secret' });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toMatchObject({ object: 'error', status: 401, code: 'unauthorized' });
    expect(JSON.stringify(unauthorized.body)).not.toContain('wrong-secret');
    expect(unauthorized.headers.get('x-notion-request-id')).toBe(unauthorized.body.request_id);
    expect((await call(server, 'GET', '/v1/users', { version: null })).body).toMatchObject({ status: 400, code: 'missing_version' });
    expect((await call(server, 'GET', '/v1/users', { version: '2021-01-01' as NotionVersion })).body.code).toBe('validation_error');
    const ws = server.workspace;
    const unsharedPage = Array.from({ length: ws.options.pages }, (_, i) => i).find((i) => !ws.isPageShared(i))!;
    const missing = await call(server, 'GET', `/v1/pages/${ws.pageId(unsharedPage)}`);
    expect(missing.body).toMatchObject({ status: 404, code: 'object_not_found', message: expect.stringContaining('shared with your integration') });
    const search = await collect(server, 'POST', '/v1/search', '2025-09-03');
    expect(search.results.some((r) => r.id === ws.pageId(unsharedPage))).toBe(false);
    expect((await call(server, 'GET', '/v1/blocks/not-a-uuid/children')).status).toBe(404);
    expect((await call(server, 'GET', '/v1/nowhere')).body.code).toBe('invalid_request_url');
  });

  it('truncates relations over 25 in the page and paginates them as property items', async () => {
    const ws = server.workspace;
    const rowNo = ws.rowPageNo(0, 3);
    expect(ws.relatedCount(rowNo)).toBeGreaterThan(25);
    const page = await call(server, 'GET', `/v1/pages/${ws.pageId(rowNo)}`);
    const relation = Object.values(page.body.properties).find((p: any) => p.type === 'relation') as any;
    expect(relation.relation).toHaveLength(25);
    expect(relation.has_more).toBe(true);
    const first = await call(server, 'GET', `/v1/pages/${ws.pageId(rowNo)}/properties/${relation.id}?page_size=10`);
    expect(first.body).toMatchObject({ object: 'list', type: 'property_item', has_more: true });
    expect(first.body.property_item.next_url).toContain(`start_cursor=`);
    const all = await collect(server, 'GET', `/v1/pages/${ws.pageId(rowNo)}/properties/${relation.id}?page_size=10`, '2025-09-03');
    expect(all.results.map((r) => r.relation.id)).toEqual(ws.relatedIds(rowNo));
    expect(all.results.slice(0, 25).map((r) => r.relation.id)).toEqual(relation.relation.map((r: any) => r.id));
    const number = Object.values(page.body.properties).find((p: any) => p.type === 'number') as any;
    const item = await call(server, 'GET', `/v1/pages/${ws.pageId(rowNo)}/properties/${number.id}`);
    expect(item.body).toMatchObject({ object: 'property_item', type: 'number' });
  });

  it('caps query results: has_more false at the cap and request_status incomplete on every page', async () => {
    const s = await startNotionServer({ workspace: new Workspace(WORKSPACE_PRESETS.tiny, FIXED), queryResultCap: 7 });
    try {
      const ws = s.workspace;
      const ds = ws.dataSourceId(0);
      const pages = [];
      let cursor: string | undefined;
      do {
        const res = await call(s, 'POST', `/v1/data_sources/${ds}/query`, { body: { page_size: 3, sorts: [{ timestamp: 'created_time', direction: 'ascending' }], ...(cursor ? { start_cursor: cursor } : {}) } });
        pages.push(res.body);
        cursor = res.body.has_more ? res.body.next_cursor : undefined;
      } while (cursor !== undefined);
      expect(pages.map((p) => p.results.length)).toEqual([3, 3, 1]);
      for (const p of pages) expect(p.request_status).toEqual({ type: 'incomplete', incomplete_reason: 'query_result_limit_reached' });
      // The created_time window continues where the cap stopped.
      const created = pages.flatMap((p) => p.results.map((r: any) => r.created_time));
      expect(created).toEqual([...created].sort());
      const rest = await collect(s, 'POST', `/v1/data_sources/${ds}/query`, '2025-09-03', {
        filter: { and: [{ timestamp: 'created_time', created_time: { after: created.at(-1) } }] },
      });
      const expected = ws.visibleRows(0).filter((p) => ws.pageCreated(p) > Date.parse(created.at(-1)));
      expect(rest.results.length).toBe(Math.min(7, expected.length));
      const small = await call(s, 'POST', `/v1/data_sources/${ds}/query`, { body: { filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: '2099-01-01' } } } });
      expect(small.body).toMatchObject({ results: [], has_more: false });
      expect(small.body.request_status).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('rate limits per fixed window with Retry-After', async () => {
    const s = await startNotionServer({ workspace: WORKSPACE_PRESETS.tiny, rateLimit: { requests: 3, windowMs: 60_000 } });
    try {
      for (let i = 0; i < 3; i++) expect((await call(s, 'GET', '/v1/users')).status).toBe(200);
      const limited = await call(s, 'GET', '/v1/users');
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(limited.body).toMatchObject({ code: 'rate_limited', additional_data: { rate_limit_reason: 'public_api_request_rate_limit', retry_after: String(retryAfter) } });
      expect(s.stats.rateLimited).toBe(1);
    } finally {
      await s.close();
    }
  });

  it.each(FAULT_KINDS)('injects %s faults, and a retry of the same request succeeds', async (kind: FaultKind) => {
    // A slow answer is held 60 s; the client gives up after 200 ms, as a client with a short timeout would.
    const s = await startNotionServer({ workspace: WORKSPACE_PRESETS.tiny, faults: { rate: 1, seed: 5, kinds: [kind], slowMs: 60_000 } });
    try {
      const attempt = async (): Promise<{ ok: boolean; status?: number; type?: string | null; retryAfter?: string | null; text?: string; error?: unknown }> => {
        try {
          const res = await fetch(`${s.url}/v1/search`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${s.token}`, 'Notion-Version': '2025-09-03', 'Content-Type': 'application/json' },
            body: JSON.stringify({ page_size: 2 }),
            signal: AbortSignal.timeout(200),
          });
          const text = await res.text();
          let ok = res.status === 200;
          try {
            ok = ok && JSON.parse(text).object === 'list';
          } catch {
            ok = false;
          }
          return { ok, status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), text };
        } catch (error) {
          return { ok: false, error };
        }
      };
      const first = await attempt();
      expect(first.ok).toBe(false);
      if (kind === 'reset') expect(String(first.error)).toMatch(/fetch failed|terminated/);
      else if (kind === 'slow') expect(String(first.error)).toMatch(/TimeoutError/);
      else if (kind === 'truncated') {
        expect(first).toMatchObject({ status: 200, type: expect.stringContaining('application/json') });
        expect(() => JSON.parse(first.text!)).toThrow(SyntaxError);
        expect(first.text!.startsWith('{"object":"list"')).toBe(true);
      } else if (kind === '502') expect(first).toMatchObject({ status: 502, type: 'text/html' });
      else if (kind === 'html') expect(first).toMatchObject({ status: 200, type: expect.stringContaining('text/html') });
      else expect(first.status).toBe(Number(kind));
      if (kind === '529') {
        expect(JSON.parse(first.text!).code).toBe('service_overload');
        expect(['0', '1']).toContain(first.retryAfter);
      }
      if (kind === '502') expect(first.text).toContain('502 Bad Gateway');
      let tries = 1;
      let last = first;
      while (!last.ok && tries < 3) {
        last = await attempt();
        tries++;
      }
      expect(last.ok).toBe(true);
      expect(s.stats.faults[kind]).toBe(tries - 1);
    } finally {
      await s.close();
    }
  });

  it('never holds an answer back unless slow faults are asked for', async () => {
    const s = await startNotionServer({ workspace: WORKSPACE_PRESETS.tiny, faults: { rate: 1, seed: 3 } });
    try {
      for (let size = 1; size <= 40; size++) {
        await fetch(`${s.url}/v1/users?page_size=${size}`, { headers: { Authorization: `Bearer ${s.token}`, 'Notion-Version': '2025-09-03' } })
          .then((r) => r.text())
          .catch(() => undefined);
      }
      expect(s.stats.faultsInjected).toBe(40);
      expect(Object.keys(s.stats.faults).sort()).toEqual([...DEFAULT_FAULT_KINDS].sort());
      expect(DEFAULT_FAULT_KINDS).not.toContain('slow');
    } finally {
      await s.close();
    }
  });

  it('serves mutations: appended blocks, edited times, trashed pages, added rows', async () => {
    let now = Date.UTC(2026, 5, 1, 8, 30, 45);
    const ws = new Workspace(WORKSPACE_PRESETS.tiny, () => now);
    const s = await startNotionServer({ workspace: ws });
    try {
      const page = [...ws.pages()].find((p) => p.parent_type === 'workspace')!;
      const id = ws.appendBlock(page.id, { type: 'paragraph', text: 'fresh' });
      const kids = await collect(s, 'GET', `/v1/blocks/${page.id}/children`, '2025-09-03');
      expect(kids.results.at(-1)).toMatchObject({ id, type: 'paragraph', paragraph: { rich_text: [{ plain_text: 'fresh' }] }, created_time: '2026-06-01T08:30:00.000Z' });
      expect((await call(s, 'GET', `/v1/pages/${page.id}`)).body.last_edited_time).toBe('2026-06-01T08:30:00.000Z');
      ws.trashPage(page.id);
      const search = await collect(s, 'POST', '/v1/search', '2025-09-03');
      expect(search.results.some((r) => r.id === page.id)).toBe(false);
      expect((await call(s, 'GET', `/v1/pages/${page.id}`)).body.in_trash).toBe(true);
      now += 3_600_000;
      const row = ws.addRow(1);
      const changed = await collect(s, 'POST', `/v1/data_sources/${ws.dataSourceId(1)}/query`, '2025-09-03', {
        filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: '2026-06-01T09:00:00.000Z' } },
      });
      expect(changed.results.map((r) => r.id)).toEqual([row]);
    } finally {
      await s.close();
    }
  });

  it('delays responses by latencyMs', async () => {
    const s = await startNotionServer({ workspace: WORKSPACE_PRESETS.tiny, latencyMs: 60 });
    try {
      const started = performance.now();
      expect((await call(s, 'GET', '/v1/users')).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      await s.close();
    }
  });

  it('builds server options from command-line flags', () => {
    const o = serverOptionsFromArgs(['--preset', 'medium', '--seed', '9', '--rate', '180/60000', '--faults', '0.05', '--fault-kinds', '500,reset', '--fault-slow-ms', '250', '--latency', '5', '--markdown-limit', '40']);
    expect(o).toMatchObject({
      workspace: { ...WORKSPACE_PRESETS.medium, seed: 9 },
      markdownRecordLimit: 40,
      rateLimit: { requests: 180, windowMs: 60_000 },
      faults: { rate: 0.05, seed: 1, kinds: ['500', 'reset'], slowMs: 250 },
      latencyMs: 5,
    });
    expect(serverOptionsFromArgs(['--json', '{"workspace":"tiny","token":"t"}', '--rate', 'off'])).toMatchObject({ workspace: WORKSPACE_PRESETS.tiny, token: 't', rateLimit: false });
    expect(() => serverOptionsFromArgs(['--preset', 'huge'])).toThrow('Unknown preset');
  });
});
