/**
 * Contender "naive": what a user writes by hand with the official `@notionhq/client` — `collectPaginatedAPI`
 * for every listing, one request at a time, recursion over block children, and one prepared
 * `INSERT` of the raw JSON per object into a DuckDB file (one table per kind: id, JSON body).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, collectPaginatedAPI } from '@notionhq/client';
import { DuckDBInstance, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { contenderSettings, reportFigures } from '../lib/contender.js';

type Obj = { id: string; [key: string]: unknown };

const settings = contenderSettings();
const notion = new Client({ auth: settings.token, baseUrl: settings.url, notionVersion: settings.notionVersion, retry: false });
const dir = mkdtempSync(join(tmpdir(), 'nf-bench-naive-'));
const instance = await DuckDBInstance.create(join(dir, 'naive.duckdb'));
const db = await instance.connect();
const insert: Record<string, DuckDBPreparedStatement> = {};
for (const table of ['users', 'data_sources', 'pages', 'blocks', 'comments']) {
  await db.run(`CREATE TABLE ${table} (id VARCHAR, body JSON)`);
  insert[table] = await db.prepare(`INSERT INTO ${table} VALUES ($1, $2)`);
}
let objects = 0;
const save = async (table: string, item: Obj): Promise<void> => {
  const statement = insert[table]!;
  statement.bindVarchar(1, item.id);
  statement.bindVarchar(2, JSON.stringify(item));
  await statement.run();
  objects++;
};

const children = async (blockId: string): Promise<void> => {
  let blocks: Obj[];
  try {
    blocks = (await collectPaginatedAPI(notion.blocks.children.list, { block_id: blockId })) as Obj[];
  } catch {
    return; // not shared with the integration
  }
  for (const block of blocks) {
    await save('blocks', block);
    if (block['has_children'] === true && block['type'] !== 'child_page' && block['type'] !== 'child_database') await children(block.id);
  }
};

const start = performance.now();
for (const user of await collectPaginatedAPI(notion.users.list, {})) await save('users', user as Obj);
const sources = (await collectPaginatedAPI(notion.search, { filter: { property: 'object', value: 'data_source' } })) as Obj[];
for (const source of sources) await save('data_sources', source);
const seen = new Set<string>();
const pages = (await collectPaginatedAPI(notion.search, { filter: { property: 'object', value: 'page' } })) as Obj[];
for (const source of sources) pages.push(...((await collectPaginatedAPI(notion.dataSources.query, { data_source_id: source.id })) as Obj[]));
for (const page of pages) {
  if (seen.has(page.id)) continue;
  seen.add(page.id);
  await save('pages', page);
  await children(page.id);
  for (const comment of await collectPaginatedAPI(notion.comments.list, { block_id: page.id })) await save('comments', comment as Obj);
}
db.closeSync();
instance.closeSync();
rmSync(dir, { recursive: true, force: true });
reportFigures('naive', start, objects);
