/**
 * Contender "naive": what a competent user writes by hand with the official `@notionhq/client` — the
 * SDK's own retries on (its default: 429 and 529 wait for `Retry-After`, 5xx back off), every request
 * through one promise pool of `--concurrency` (default 8, notionSource's default; with `--rate
 * REQUESTS/WINDOW_MS` the requests are also spaced evenly to that budget), `collectPaginatedAPI` for
 * every listing, data source queries and block trees walked concurrently, and the objects bulk-loaded
 * with DuckDB's appender, one table per kind (id, raw JSON body), into a DuckDB file.
 *
 * "Naive" only in what it leaves out: no normalization into columns, no schema, no incremental state,
 * no relation completion beyond 25 items, no checkpoints (a crash loses the run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIResponseError, Client, collectPaginatedAPI } from '@notionhq/client';
import { DuckDBInstance, type DuckDBAppender } from '@duckdb/node-api';
import { contenderSettings, reportFigures } from '../lib/contender.js';
import { Pool, Spacer } from '../lib/pool.js';

type Obj = { id: string; [key: string]: unknown };

const settings = contenderSettings();
const notion = new Client({ auth: settings.token, baseUrl: settings.url, notionVersion: settings.notionVersion });
const pool = new Pool(settings.concurrency);
const spacer = typeof settings.rate === 'object' ? new Spacer(settings.rate.requests, settings.rate.windowMs) : undefined;
let requests = 0;
/** `fn` with each call waiting for a place in the pool (and its turn in the budget). */
const bounded =
  <A, R>(fn: (args: A) => Promise<R>) =>
  (args: A): Promise<R> =>
    pool.run(async () => {
      await spacer?.turn();
      requests++;
      return fn(args);
    });
const listUsers = bounded(notion.users.list);
const search = bounded(notion.search);
const queryDataSource = bounded(notion.dataSources.query);
const listChildren = bounded(notion.blocks.children.list);
const listComments = bounded(notion.comments.list);

const dir = mkdtempSync(join(tmpdir(), 'nf-bench-naive-'));
const instance = await DuckDBInstance.create(join(dir, 'naive.duckdb'));
const db = await instance.connect();
const appenders: Record<string, DuckDBAppender> = {};
for (const table of ['users', 'data_sources', 'pages', 'blocks', 'comments']) {
  await db.run(`CREATE TABLE ${table} (id VARCHAR, body JSON)`);
  appenders[table] = await db.createAppender(table);
}
let objects = 0;
const save = (table: string, items: readonly Obj[]): void => {
  const appender = appenders[table]!;
  for (const item of items) {
    appender.appendVarchar(item.id);
    appender.appendVarchar(JSON.stringify(item));
    appender.endRow();
  }
  objects += items.length;
};

const children = async (blockId: string): Promise<void> => {
  let blocks: Obj[];
  try {
    blocks = (await collectPaginatedAPI(listChildren, { block_id: blockId })) as Obj[];
  } catch (error) {
    if (error instanceof APIResponseError && error.status === 404) return; // not shared with the integration
    throw error;
  }
  save('blocks', blocks);
  await Promise.all(blocks.filter((b) => b['has_children'] === true && b['type'] !== 'child_page' && b['type'] !== 'child_database').map((b) => children(b.id)));
};

const seen = new Set<string>();
const loadPages = (pages: readonly Obj[]): Promise<unknown> => {
  const fresh = pages.filter((p) => !seen.has(p.id) && seen.add(p.id));
  save('pages', fresh);
  return Promise.all(
    fresh.map((page) =>
      Promise.all([children(page.id), collectPaginatedAPI(listComments, { block_id: page.id }).then((comments) => save('comments', comments as Obj[]))]),
    ),
  );
};

const start = performance.now();
await Promise.all([
  collectPaginatedAPI(listUsers, {}).then((users) => save('users', users as Obj[])),
  collectPaginatedAPI(search, { filter: { property: 'object', value: 'page' } }).then((pages) => loadPages(pages as Obj[])),
  collectPaginatedAPI(search, { filter: { property: 'object', value: 'data_source' } }).then((sources) => {
    save('data_sources', sources as Obj[]);
    return Promise.all(sources.map((source) => collectPaginatedAPI(queryDataSource, { data_source_id: source.id }).then((rows) => loadPages(rows as Obj[]))));
  }),
]);
for (const appender of Object.values(appenders)) appender.closeSync();
db.closeSync();
instance.closeSync();
rmSync(dir, { recursive: true, force: true });
reportFigures('naive', start, objects, { requests });
