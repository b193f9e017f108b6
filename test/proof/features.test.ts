import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Vector } from 'apache-arrow';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource, type NotionSourceOptions } from '../../src/resources/notion-source.js';
import { startNotionServer, type NotionServer } from '../../src/server/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { cli, PROGRESS_LINES_ONLY } from '../helpers/run-cli.js';
import { column, frozenWorkspace, loadedOf, tables, truthOf } from './loaded.js';

/** Checkpoints by time (virtual), --comments, Dataset.rows()/toArrow() and a rate-limited server, each against the built-in server's truth. */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = (server: NotionServer, extra: Partial<NotionSourceOptions> = {}) => notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, ...extra });

describe('checkpointSeconds (--checkpoint-seconds), on the pipeline clock', () => {
  it('closes a unit when its first page has waited that long, though neither the page nor the object limit is near', async () => {
    // More pages than one search answer holds (100): the listing delivers pages in several answers.
    const ws = frozenWorkspace(81, { rowsPerDatabase: 60 });
    const server = await startNotionServer({ workspace: ws });
    try {
      const units = { checkpointPages: 10_000, checkpointObjects: 1e9, checkpointSeconds: 7 };
      // A clock that stands still: the one unit's timer never falls due and is cancelled when the listing ends.
      const still = new ManualClock(Date.now());
      const control = pipeline({ pipelineName: 'units_still', destination: duckdb({ path: join(dir, 'still.duckdb') }), scheduler: still });
      const one = await control.run(source(server, units));
      expect({ delays: still.delays, fired: still.fired, cancelled: still.cancelled }).toEqual({ delays: [7_000], fired: 0, cancelled: 1 });

      // A clock on which every wait is over at once: each unit closes as soon as its first pages are in.
      const clock = new ManualClock(Date.now(), { instant: true });
      const timed = pipeline({ pipelineName: 'units_timed', destination: duckdb({ path: join(dir, 'timed.duckdb') }), scheduler: clock });
      const many = await timed.run(source(server, units));
      // Every unit started one timer of exactly 7 s; each fired (closing its unit) but possibly the last, cancelled at the end.
      const timers = clock.delays.length;
      expect(new Set(clock.delays)).toEqual(new Set([7_000]));
      expect(clock.fired).toBeGreaterThan(0);
      expect(clock.fired + clock.cancelled).toBe(timers);
      // Each unit is one commit: this many more than the control's single unit.
      expect(many.commits - one.commits).toBe(timers - 1);
      const truth = truthOf(ws);
      for (const p of [control, timed]) {
        expect(await loadedOf(p.dataset())).toEqual({ pages: truth.pages, rows: truth.rows, pagesWithBlocks: truth.pagesWithBlocks, comments: truth.pageComments, content: truth.pagesWithBlocks });
      }
    } finally {
      await server.close();
    }
  }, 180_000);

  it('--checkpoint-seconds reaches the source: 0 is refused in one line naming the option', async () => {
    const r = await cli(['run', '--checkpoint-seconds', '0', '--duckdb-path', join(dir, 'never.duckdb')], { NOTION_API_KEY: 'x', NOTION_BASE_URL: 'http://127.0.0.1:9' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: 'notionflow: checkpointSeconds must be a positive number, got 0.\n' });
  });
});

describe('--comments', () => {
  it('all: page and block comments, each with its page; none: no comments table and no comment request', async () => {
    const ws = frozenWorkspace(82);
    let commentRequests = 0;
    const server = await startNotionServer({ workspace: ws, onRequest: (_m, path) => void (path.startsWith('/v1/comments') && commentRequests++) });
    const env = { NOTION_API_KEY: server.token, NOTION_BASE_URL: server.url };
    try {
      const truth = [...ws.comments()];
      expect(truth.filter((c) => c.parent_id !== c.page_id).length).toBeGreaterThan(0);
      const all = join(dir, 'comments-all.duckdb');
      const r = await cli(['run', '--comments', 'all', '--duckdb-path', all, '--rate-limit', '0', '--progress', 'log'], env);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(PROGRESS_LINES_ONLY) });
      const loaded = await pipeline({ destination: duckdb({ path: all }) }).dataset().sql('select id, page_id, coalesce(parent__block_id, parent__page_id) as parent from notion_data.comments order by id');
      expect(loaded).toEqual(truth.map((c) => ({ id: c.id, page_id: c.page_id, parent: c.parent_id })).sort((a, b) => (a.id < b.id ? -1 : 1)));
      // One listing per page and per block, no more: a child page's comments are its own page's, a child database has none.
      expect(commentRequests).toBe(ws.minimalRequests({ notionVersion: '2025-09-03', comments: 'all' }).comments);

      commentRequests = 0;
      const none = join(dir, 'comments-none.duckdb');
      expect((await cli(['run', '--comments', 'none', '--duckdb-path', none, '--rate-limit', '0', '-q'], env)).code).toBe(0);
      const ds = pipeline({ destination: duckdb({ path: none }) }).dataset();
      expect((await tables(ds)).filter((t) => t.startsWith('comments'))).toEqual([]);
      expect(commentRequests).toBe(0);
      expect(await column(ds, 'pages')).toEqual(truthOf(ws).pages);
    } finally {
      await server.close();
    }
  }, 180_000);
});

describe('Dataset.rows() and toArrow()', () => {
  it('return what was loaded: users as plain objects, blocks as an Arrow table, a typed table by its name', async () => {
    const ws = frozenWorkspace(83);
    const server = await startNotionServer({ workspace: ws });
    try {
      const p = pipeline({ pipelineName: 'dataset_api', destination: duckdb({ path: join(dir, 'dataset.duckdb') }) });
      await p.run(source(server));
      const ds = p.dataset();

      const users = await ds.table('users').rows();
      expect(users.map((u) => ({ id: u['id'], name: u['name'], type: u['type'] })).sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1)))
        .toEqual([...ws.users()].map((u) => ({ id: u.id, name: u.name, type: u.type })).sort((a, b) => (a.id < b.id ? -1 : 1)));

      const blocks = await ds.table('blocks').toArrow();
      const vector = (name: string): Vector => blocks.getChild(name)!;
      const got = [...Array(blocks.numRows).keys()].map((i) => ({
        id: vector('id').get(i) as string,
        page_id: vector('page_id').get(i) as string,
        parent_id: vector('parent_id').get(i) as string,
        depth: Number(vector('depth').get(i)),
        position: Number(vector('position').get(i)),
        type: vector('type').get(i) as string,
      }));
      // Under 2025-09-03 (the default) a meeting_notes block is called transcription.
      const typeName = (type: string) => (type === 'meeting_notes' ? 'transcription' : type);
      const truth = [...ws.blocks()].map((b) => ({ id: b.id, page_id: b.page_id, parent_id: b.parent_id, depth: b.depth, position: b.position, type: typeName(b.type) }));
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      expect(got.sort(byId)).toEqual(truth.sort(byId));

      const [typed] = await ds.sql(`select table_name, data_source_id from notion_data.notion_properties limit 1`);
      const rows = await ds.table(String(typed!['table_name'])).rows();
      expect(rows.map((r) => r['id']).sort()).toEqual(ws.rows(String(typed!['data_source_id'])).sort());
      expect(await ds.table('blocks').count()).toBe(truth.length);
    } finally {
      await server.close();
    }
  });
});

describe('a rate-limited server', () => {
  it('answers 429 with Retry-After beyond its budget: the load waits, completes exactly, and counts every 429 and wait', async () => {
    const ws = frozenWorkspace(84);
    // Virtual time, shared by the server's windows and the pipeline's waits: between waits no time passes,
    // so the budget runs out whatever this machine's speed, and every Retry-After is over at once.
    const clock = new ManualClock(Date.now(), { instant: true });
    // 20 requests a second per token, with no client-side budget: the server's 429s are what paces the load.
    const server = await startNotionServer({ workspace: ws, rateLimit: { requests: 20, windowMs: 1_000 }, clock: () => clock.now() });
    try {
      const p = pipeline({ pipelineName: 'rate_limited', destination: duckdb({ path: join(dir, 'limited.duckdb') }), scheduler: clock });
      const info = await p.run(source(server));
      const limited = server.stats.rateLimited;
      expect(limited).toBeGreaterThan(0);
      const { requests } = info.trace;
      expect(requests.total).toBe(server.stats.total);
      expect(requests.byStatus['429']).toBe(limited);
      expect(requests.retriesByClass['429']).toBe(limited);
      expect(requests.rateLimitWaits).toBe(limited);
      // Waits overlap (requests in flight get the same 429): counted once, and the load took as many
      // windows of virtual time as the server's budget needs (Retry-After: the rest of the current second).
      expect(requests.rateLimitWaitMs).toBeGreaterThan(0);
      const windows = Math.ceil((server.stats.total - limited) / 20);
      expect(clock.now() - Date.parse(info.trace.startedAt)).toBeGreaterThanOrEqual((windows - 1) * 1_000);
      const truth = truthOf(ws);
      expect(await loadedOf(p.dataset())).toEqual({ pages: truth.pages, rows: truth.rows, pagesWithBlocks: truth.pagesWithBlocks, comments: truth.pageComments, content: truth.pagesWithBlocks });
      expect(await p.dataset().table('blocks').count()).toBe(truth.blocks.length);
    } finally {
      await server.close();
    }
  }, 180_000);
});
