import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notionState, reader, run, serve, type Served } from './cli-runs.js';
import { loadedOf, truthOf } from './loaded.js';

/**
 * The CLI's cursor options --initial-value, --end-value and --lag against the built-in server: the loaded
 * tables compared with the server's ground truth (test/proof/loaded.ts), with control runs.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-cursors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what a run loads, by the cursor options', () => {
  /** The page's edit time within [lo, hi] (either bound open when undefined), as the truth says. */
  const within = (lo: string | undefined, hi: string | undefined) => (p: { last_edited_time: string }) =>
    (lo === undefined || Date.parse(p.last_edited_time) >= Date.parse(lo)) && (hi === undefined || Date.parse(p.last_edited_time) <= Date.parse(hi));
  /** Two edit times of the workspace's pages, a third and two thirds of the way: used as bounds, inclusive. */
  const bounds = (s: Served): [string, string] => {
    const edited = [...s.ws.pages()].map((p) => p.last_edited_time).sort();
    return [edited[Math.floor(edited.length / 3)]!, edited[Math.floor((2 * edited.length) / 3)]!];
  };
  const loaded = async (path: string) => {
    const got = await loadedOf(reader(path).dataset());
    return { pages: got.pages, rows: got.rows, pagesWithBlocks: got.pagesWithBlocks, comments: got.comments };
  };
  const expected = (s: Served, lo?: string, hi?: string) => {
    const t = truthOf(s.ws, within(lo, hi));
    return { pages: t.pages, rows: t.rows, pagesWithBlocks: t.pagesWithBlocks, comments: t.pageComments };
  };

  it('--initial-value loads only pages and rows edited since then (inclusive), with --end-value only up to then too', async () => {
    const s = await serve(73);
    try {
      const [from, to] = bounds(s);
      const since = join(dir, 'since.duckdb');
      await run(s, since, '--initial-value', from);
      expect(await loaded(since)).toEqual(expected(s, from));
      expect(expected(s, from).pages.length).toBeLessThan([...s.ws.pages()].length);

      const window = join(dir, 'window.duckdb');
      await run(s, window, '--initial-value', from, '--end-value', to);
      expect(await loaded(window)).toEqual(expected(s, from, to));
      expect(expected(s, from, to).pages.length).toBeLessThan(expected(s, from).pages.length);
    } finally {
      await s.server.close();
    }
  }, 180_000);

  it('--end-value loads only what was edited up to then (inclusive) and leaves the cursors where they were: the next run fetches exactly the trees edited after it', async () => {
    const s = await serve(77);
    try {
      const [, to] = bounds(s);
      const until = join(dir, 'until.duckdb');
      await run(s, until, '--end-value', to);
      expect(await loaded(until)).toEqual(expected(s, undefined, to));
      expect((await notionState(until)).cursors).toEqual({ rows: {} });
      s.reset();
      await run(s, until);
      expect(s.treesFetched()).toEqual(truthOf(s.ws, (p) => Date.parse(p.last_edited_time) > Date.parse(to)).pages);
      expect(await loaded(until)).toEqual(expected(s));
    } finally {
      await s.server.close();
    }
  }, 180_000);

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
  }, 180_000);
});
