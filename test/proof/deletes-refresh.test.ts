import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reader, run, serve, victims } from './cli-runs.js';
import { column, loadedOf, truthOf } from './loaded.js';

/**
 * The CLI's --detect-deletes and --full-refresh against the built-in server: the loaded tables compared with the
 * server's ground truth (test/proof/loaded.ts), with a control run that shows the option mattered.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-deletes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what a run removes, by the CLI options', () => {
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
  }, 180_000);

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
  }, 180_000);

});
