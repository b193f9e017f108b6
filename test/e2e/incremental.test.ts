import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource, type NotionSourceOptions } from '../../src/resources/notion-source.js';
import { startNotionServer, Workspace, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-incr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A workspace whose clock stands still: edits land in the minute of the first run, file URLs stay the same. */
function frozenWorkspace(seed: number): Workspace {
  const now = Date.now();
  return new Workspace({ ...WORKSPACE_PRESETS.tiny, seed }, () => now);
}

async function serve(ws: Workspace, log?: string[]): Promise<NotionServer> {
  return startNotionServer({ workspace: ws, ...(log ? { onRequest: (m: string, p: string) => log.push(`${m} ${p}`) } : {}) });
}

function run(p: Pipeline, server: NotionServer, extra: Partial<NotionSourceOptions> = {}) {
  return p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, checkpointPages: 10, ...extra }));
}

/**
 * Every data table of a pipeline, row for row, without the load id; `withoutRollups` leaves out the
 * rollup columns (of typed tables, by the mapping, and of the raw tables, by name) and rollup child tables.
 */
async function snapshot(p: Pipeline, options: { withoutRollups?: boolean } = {}): Promise<Record<string, unknown[]>> {
  const ds = p.dataset();
  const tables = await ds.sql(`select table_name from information_schema.tables where table_schema = 'notion_data' and table_name not like '\\_dlt%' escape '\\' order by 1`);
  const rollups = options.withoutRollups
    ? new Set((await ds.sql(`select table_name || '.' || column_name as c from notion_data.notion_properties where property_type like 'rollup%'`)).map((r) => String(r['c'])))
    : new Set<string>();
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) {
    const table = String(table_name);
    if (options.withoutRollups && table.includes('__rollup')) continue;
    const columns = (await ds.sql(`select column_name from information_schema.columns where table_schema = 'notion_data' and table_name = '${table}' order by ordinal_position`))
      .map((r) => String(r['column_name']))
      .filter((c) => c !== '_dlt_load_id' && !(options.withoutRollups && (rollups.has(`${table}.${c}`) || c.includes('__rollup'))));
    out[table] = await ds.sql(`select ${columns.map((c) => `"${c}"`).join(', ')} from notion_data."${table}" order by _dlt_id`);
  }
  return out;
}

const treeRequests = (log: string[]) => log.filter((l) => /^GET \/v1\/blocks\/[^/]+\/children/.test(l));

describe('incremental loads', () => {
  it('a second run with no change makes only the listings and requests no block', async () => {
    const ws = frozenWorkspace(21);
    const log: string[] = [];
    const server = await serve(ws, log);
    try {
      const p = pipeline({ pipelineName: 'inc_nochange', destination: duckdb({ path: join(dir, 'nochange.duckdb') }) });
      await run(p, server);
      const before = await snapshot(p);
      log.length = 0;
      const info = await run(p, server);
      const endpoints = new Set(log.map((l) => l.replace(/\?.*$/, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')));
      expect([...endpoints].sort()).toEqual(['GET /v1/users', 'POST /v1/data_sources/:id/query', 'POST /v1/search']);
      expect(log.length).toBeLessThanOrEqual(2 + 1 + 1 + [...ws.dataSources()].length); // users, search ×3 (sources, pages, trash) at one page each
      expect(info.source.notes).toContain('block trees: 0 fetched, ' + [...ws.pages()].length + ' unchanged');
      expect(await snapshot(p)).toEqual(before);
    } finally {
      await server.close();
    }
  });

  it('after edits in the same minute, fetches exactly the edited trees and equals a clean load of the edited workspace', async () => {
    const ws = frozenWorkspace(22);
    const log: string[] = [];
    const server = await serve(ws, log);
    try {
      const p = pipeline({ pipelineName: 'inc_edit', destination: duckdb({ path: join(dir, 'edit.duckdb') }) });
      await run(p, server, { hardDelete: true });

      const pages = [...ws.pages()];
      const standalone = pages.filter((x) => x.parent_type !== 'database_id');
      const rows = pages.filter((x) => x.parent_type === 'database_id');
      const blocksOf = (id: string) => [...ws.blocks()].filter((b) => b.page_id === id);
      // Renaming a page changes the text of every mention of it elsewhere, without touching those pages'
      // last_edited_time (Notion renders mentions with the current title): rename only unmentioned pages.
      const hrefTables = await p.dataset().sql(`select table_name from information_schema.columns where table_schema = 'notion_data' and column_name = 'href'`);
      const mentioned = new Set<string>();
      for (const { table_name } of hrefTables) {
        for (const r of await p.dataset().sql(`select href from notion_data."${String(table_name)}" where href is not null`)) mentioned.add(String(r['href']));
      }
      const unmentioned = (x: { id: string }) => ![...mentioned].some((h) => h.includes(x.id.replace(/-/g, '')));
      const [appended, deleted, moved] = standalone.filter((x) => blocksOf(x.id).length >= 3);
      ws.appendBlock(appended!.id, { type: 'paragraph', text: 'a new paragraph' });
      ws.deleteBlock(blocksOf(deleted!.id).find((b) => b.depth === 0)!.id);
      const movedBlocks = blocksOf(moved!.id).filter((b) => b.depth === 0);
      ws.moveBlock(movedBlocks[0]!.id, moved!.id, movedBlocks.length - 1);
      const renamedRow = rows.find(unmentioned);
      if (!renamedRow) throw new Error('the test workspace needs a row no page mentions');
      ws.editPage(renamedRow.id, { title: 'Renamed row' });
      ws.trashPage(rows.find((r) => r !== renamedRow && unmentioned(r))!.id);
      const added = ws.addRow(0);
      const edited = [appended!.id, deleted!.id, moved!.id, renamedRow.id, added];

      log.length = 0;
      await run(p, server, { hardDelete: true });
      const fetchedTrees = new Set(treeRequests(log).map((l) => l.split('/')[3]!).filter((id) => pages.some((x) => x.id === id) || id === added));
      expect([...fetchedTrees].sort()).toEqual([...edited].sort());

      const clean = pipeline({ pipelineName: 'inc_clean', destination: duckdb({ path: join(dir, 'clean.duckdb') }) });
      await run(clean, server);
      // Rollups read the related rows' current values (the renamed row's title shows in other rows' rollups)
      // without those rows' last_edited_time moving, as in Notion: compared without rollup columns.
      const [got, want] = [await snapshot(p, { withoutRollups: true }), await snapshot(clean, { withoutRollups: true })];
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const table of Object.keys(want)) expect({ table, rows: got[table] }).toEqual({ table, rows: want[table] });
    } finally {
      await server.close();
    }
  });

  it('keeps a trashed page flagged in_trash and removes its blocks', async () => {
    const ws = frozenWorkspace(23);
    const server = await serve(ws);
    try {
      const p = pipeline({ pipelineName: 'inc_trash', destination: duckdb({ path: join(dir, 'trash.duckdb') }) });
      await run(p, server);
      const victim = [...ws.pages()].find((x) => x.parent_type === 'workspace' && [...ws.blocks()].some((b) => b.page_id === x.id))!;
      ws.trashPage(victim.id);
      await run(p, server);
      const ds = p.dataset();
      const [row] = await ds.sql(`select in_trash from notion_data.pages where id = '${victim.id}'`);
      expect(row?.['in_trash']).toBe(true);
      const [blocks] = await ds.sql(`select count(*) as n from notion_data.blocks where page_id = '${victim.id}'`);
      expect(Number(blocks!['n'])).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('sizes checkpoint units by the blocks and comments they hold, and loads the same rows whatever the units', async () => {
    const ws = frozenWorkspace(7);
    const server = await serve(ws);
    try {
      const whole = pipeline({ pipelineName: 'units_whole', destination: duckdb({ path: join(dir, 'units-whole.duckdb') }) });
      const small = pipeline({ pipelineName: 'units_small', destination: duckdb({ path: join(dir, 'units-small.duckdb') }) });
      const one = await run(whole, server, { checkpointPages: 10_000 });
      const many = await run(small, server, { checkpointPages: 10_000, checkpointObjects: 100 });
      // 67 pages, ~190 blocks and comments: one unit (then the final commit) against units of a page or
      // two (sized from a guess of 200 objects a page while the listing runs ahead, then from the trees).
      expect(one.commits).toBeLessThanOrEqual(3);
      expect(many.commits).toBeGreaterThan(20);
      expect(await snapshot(small)).toEqual(await snapshot(whole));
    } finally {
      await server.close();
    }
  });
});
