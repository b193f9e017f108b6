import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { ConfigError } from '../../src/errors.js';
import { startNotionServer, type NotionServer, type Workspace } from '../../src/server/index.js';
import { cli, PROGRESS_LINES_ONLY } from '../helpers/run-cli.js';
import { column, frozenWorkspace, loadedOf, truthOf } from './loaded.js';

/**
 * The CLI's load options that decide *what* a run loads — --detect-deletes, --full-refresh,
 * --initial-value, --end-value, --lag — each against the built-in server, the loaded tables compared with
 * the server's ground truth (test/proof/loaded.ts), and with a control run that shows the option mattered.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-incr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Served {
  readonly server: NotionServer;
  readonly ws: Workspace;
  /** Page ids whose tree (`GET /v1/blocks/<page id>/children`) was requested since the last `reset()`. */
  readonly treesFetched: () => string[];
  readonly reset: () => void;
}

async function serve(seed: number): Promise<Served> {
  const ws = frozenWorkspace(seed);
  let paths: string[] = [];
  const server = await startNotionServer({ workspace: ws, onRequest: (method, path) => void paths.push(`${method} ${path}`) });
  const pageIds = () => new Set([...ws.pages()].map((p) => p.id));
  return {
    server,
    ws,
    treesFetched: () => {
      const pages = pageIds();
      const fetched = paths.map((p) => /^GET \/v1\/blocks\/([^/]+)\/children/.exec(p)?.[1]).filter((id): id is string => id !== undefined && pages.has(id));
      return [...new Set(fetched)].sort();
    },
    reset: () => void (paths = []),
  };
}

/** `notionflow run` into `path` from the server, with `flags`; must succeed quietly. */
async function run(s: Served, path: string, ...flags: string[]): Promise<void> {
  const r = await cli(['run', '--duckdb-path', path, '--rate-limit', '0', '--progress', 'log', ...flags], { NOTION_API_KEY: s.server.token, NOTION_BASE_URL: s.server.url });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(PROGRESS_LINES_ONLY) });
}

/** The CLI's pipeline on `path`, for reading what it loaded. */
const reader = (path: string): Pipeline => pipeline({ destination: duckdb({ path }) });

/** The Notion source's stored state (cursors, trees) of the CLI's pipeline on `path`. */
async function notionState(path: string): Promise<{ cursors: { pages?: string; rows: Record<string, string> }; trees: Record<string, string> }> {
  const p = reader(path);
  const session = await p.destination.open({ pipelineName: p.pipelineName, datasetName: p.datasetName, readOnly: true });
  try {
    const stored = await session.readState(p.pipelineName);
    return (stored!.state['sources'] as Record<string, never>)['notion'];
  } finally {
    await session.close();
  }
}

/** A top-level page with blocks and comments, and a database row, that `deletePage` takes. */
function victims(ws: Workspace): string[] {
  const all = [...ws.pages()];
  const blocksOf = new Set([...ws.blocks()].map((b) => b.page_id));
  const commented = new Set([...ws.comments()].map((c) => c.page_id));
  const parents = new Set(all.map((p) => p.parent_id));
  const page = all.find((p) => {
    if (p.parent_type !== 'workspace' || parents.has(p.id) || !blocksOf.has(p.id) || !commented.has(p.id)) return false;
    try {
      ws.deletePage(p.id);
      return true;
    } catch (error) {
      if (error instanceof ConfigError) return false; // a synced original: other pages' content would change
      throw error;
    }
  });
  const row = all.find((p) => p.parent_type === 'database_id' && blocksOf.has(p.id) && commented.has(p.id));
  if (!page || !row) throw new Error('the test workspace needs a deletable top-level page and a row, both with blocks and comments');
  ws.deletePage(row.id);
  return [page.id, row.id];
}

describe('what a run loads, by the CLI options', () => {
  it('--detect-deletes removes pages gone without notice (deleted, unshared) from every table; without it they stay', async () => {
    const s = await serve(75);
    try {
      const [withFlag, without] = [join(dir, 'detect.duckdb'), join(dir, 'no-detect.duckdb')];
      await run(s, withFlag);
      await run(s, without);
      const gone = victims(s.ws);
      const truth = truthOf(s.ws);
      expect(truth.pages).not.toEqual(expect.arrayContaining(gone));

      await run(s, withFlag, '--detect-deletes');
      await run(s, without);
      const detected = await loadedOf(reader(withFlag).dataset());
      expect(detected).toEqual({ pages: truth.pages, rows: truth.rows, pagesWithBlocks: truth.pagesWithBlocks, comments: truth.pageComments, content: truth.pagesWithBlocks });
      // The control: no listing shows the deleted pages, so only the scan of every id removes them.
      const kept = await loadedOf(reader(without).dataset());
      const [page, row] = gone as [string, string];
      expect(kept).toMatchObject({ pages: expect.arrayContaining([page, row]), rows: expect.arrayContaining([row]), pagesWithBlocks: expect.arrayContaining([page, row]), content: expect.arrayContaining([page, row]) });
      expect(kept.pages).toEqual([...truth.pages, ...gone].sort());
    } finally {
      await s.server.close();
    }
  });

  it('--full-refresh ignores the state: every tree fetched again, every table replaced by this load alone', async () => {
    const s = await serve(76);
    try {
      const path = join(dir, 'full.duckdb');
      await run(s, path);
      const gone = victims(s.ws);
      s.reset();
      await run(s, path, '--full-refresh');
      const truth = truthOf(s.ws);
      expect(s.treesFetched()).toEqual(truth.pages);
      const ds = reader(path).dataset();
      expect(await loadedOf(ds)).toEqual({ pages: truth.pages, rows: truth.rows, pagesWithBlocks: truth.pagesWithBlocks, comments: truth.pageComments, content: truth.pagesWithBlocks });
      expect((await column(ds, 'pages')).filter((id) => gone.includes(id))).toEqual([]);
      // Replaced, not merged: every row of every data table is the second load's.
      const [, second] = await column(ds, '_dlt_loads', 'load_id');
      const dataTables = (await ds.sql(`select table_name from information_schema.columns where table_schema = 'notion_data' and column_name = '_dlt_load_id' and table_name not like '\\_dlt%' escape '\\'`)).map((r) => String(r['table_name']));
      expect(dataTables.length).toBeGreaterThan(5);
      for (const t of dataTables) expect({ [t]: await column(ds, t, '_dlt_load_id') }).toEqual({ [t]: [second] });
    } finally {
      await s.server.close();
    }
  });

  it('--initial-value loads only pages and rows edited since then (inclusive); --end-value only up to then, leaving the cursors where they were', async () => {
    const s = await serve(73);
    try {
      const edited = [...s.ws.pages()].map((p) => p.last_edited_time).sort();
      const [from, to] = [edited[Math.floor(edited.length / 3)]!, edited[Math.floor((2 * edited.length) / 3)]!];
      const within = (lo: string | undefined, hi: string | undefined) => (p: { last_edited_time: string }) =>
        (lo === undefined || Date.parse(p.last_edited_time) >= Date.parse(lo)) && (hi === undefined || Date.parse(p.last_edited_time) <= Date.parse(hi));
      const loaded = async (path: string) => {
        const got = await loadedOf(reader(path).dataset());
        return { pages: got.pages, rows: got.rows, pagesWithBlocks: got.pagesWithBlocks, comments: got.comments };
      };
      const expected = (lo?: string, hi?: string) => {
        const t = truthOf(s.ws, within(lo, hi));
        return { pages: t.pages, rows: t.rows, pagesWithBlocks: t.pagesWithBlocks, comments: t.pageComments };
      };

      const since = join(dir, 'since.duckdb');
      await run(s, since, '--initial-value', from);
      expect(await loaded(since)).toEqual(expected(from));
      expect(expected(from).pages.length).toBeLessThan(edited.length);

      const window = join(dir, 'window.duckdb');
      await run(s, window, '--initial-value', from, '--end-value', to);
      expect(await loaded(window)).toEqual(expected(from, to));

      const until = join(dir, 'until.duckdb');
      await run(s, until, '--end-value', to);
      expect(await loaded(until)).toEqual(expected(undefined, to));
      const state = await notionState(until);
      expect(state.cursors).toEqual({ rows: {} });
      // The cursors did not move: the next run lists everything and fetches exactly the trees edited after the end value.
      s.reset();
      await run(s, until);
      expect(s.treesFetched()).toEqual(truthOf(s.ws, (p) => Date.parse(p.last_edited_time) > Date.parse(to)).pages);
      expect(await loaded(until)).toEqual(expected());
    } finally {
      await s.server.close();
    }
  });

  it('--lag re-reads pages and rows edited before the cursor (clock skew): an edit stamped 30 minutes early is loaded with --lag 3600, missed without', async () => {
    const s = await serve(74);
    try {
      const [lagged, plain] = [join(dir, 'lag.duckdb'), join(dir, 'no-lag.duckdb')];
      await run(s, lagged, '--lag', '3600');
      await run(s, plain);
      const { cursors } = await notionState(plain);
      // A standalone page and a row edited "late": stamped 30 minutes before their listing's cursor.
      const pages = [...s.ws.pages()];
      const page = pages.find((p) => p.parent_type !== 'database_id' && p.last_edited_time !== cursors.pages)!;
      const row = pages.find((p) => p.parent_type === 'database_id' && p.last_edited_time !== cursors.rows[p.data_source_id!])!;
      for (const [p, cursor] of [[page, cursors.pages!], [row, cursors.rows[row.data_source_id!]!]] as const) {
        s.ws.clock = () => Date.parse(cursor) - 30 * 60_000;
        s.ws.editPage(p.id, { title: `late edit of ${p.id}` });
      }
      const edited = (id: string) => [...s.ws.pages()].find((p) => p.id === id)!.last_edited_time;
      expect(Date.parse(edited(page.id))).toBeLessThan(Date.parse(cursors.pages!));

      await run(s, lagged, '--lag', '3600');
      await run(s, plain);
      const times = async (path: string) =>
        Object.fromEntries((await reader(path).dataset().sql(`select id, last_edited_time from notion_data.pages where id in ('${page.id}', '${row.id}')`)).map((r) => [r['id'], new Date(r['last_edited_time'] as string).toISOString()]));
      expect(await times(lagged)).toEqual({ [page.id]: edited(page.id), [row.id]: edited(row.id) });
      expect(await times(plain)).toEqual({ [page.id]: page.last_edited_time, [row.id]: row.last_edited_time });
      // Everything else is as in the truth, on both.
      const truth = truthOf(s.ws);
      expect((await loadedOf(reader(lagged).dataset())).pages).toEqual(truth.pages);
    } finally {
      await s.server.close();
    }
  });
});
