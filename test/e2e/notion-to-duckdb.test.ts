import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import type { NotionVersion } from '../../src/client/notion-client.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';

/** Transient faults are retried after a few ms instead of Notion-sized backoffs, to keep the suite fast. */
const FAST_RETRY = { baseMs: 5, maxMs: 50 };
const dir = mkdtempSync(join(tmpdir(), 'nf-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function counts(p: Pipeline): Promise<Record<string, number>> {
  const ds = p.dataset();
  const tables = await ds.sql(`select table_name from information_schema.tables where table_schema = 'notion_data' and table_name not like '\\_dlt%' escape '\\' order by 1`);
  const out: Record<string, number> = {};
  for (const { table_name } of tables) out[String(table_name)] = await ds.table(String(table_name)).count();
  return out;
}

const cases: Array<{ seed: number; version: NotionVersion }> = [
  { seed: 1, version: '2025-09-03' },
  { seed: 2, version: '2022-06-28' },
  { seed: 3, version: '2025-09-03' },
];

describe.each(cases)('a load of the built-in workspace (seed $seed, $version, faults on)', ({ seed, version }) => {
  let server: NotionServer;
  let p: Pipeline;
  let firstCounts: Record<string, number>;

  beforeAll(async () => {
    server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed }, faults: { rate: 0.05, seed } });
    p = pipeline({ pipelineName: `e2e_${seed}`, destination: duckdb({ path: join(dir, `e2e_${seed}.duckdb`) }), datasetName: 'notion_data' });
    const info = await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, notionVersion: version, rateLimit: false, retry: FAST_RETRY }));
    expect(server.stats.faultsInjected).toBeGreaterThan(0);
    expect(info.source.unreachable.map((u) => u.id).sort()).toEqual([...server.workspace.unreachable()].map((u) => u.synced_from).sort());
    firstCounts = await counts(p);
  });
  afterAll(async () => server.close());

  it('loads every user, page, row and data source exactly once', async () => {
    const ds = p.dataset();
    const ws = server.workspace;
    const ids = async (table: string) => (await ds.sql(`select id from notion_data.${table} order by id`)).map((r) => r['id']);
    expect(await ids('users')).toEqual([...ws.users()].map((u) => u.id).sort());
    expect(await ids('pages')).toEqual([...ws.pages()].map((x) => x.id).sort());
    const containers = version === '2022-06-28' ? [...ws.databases()].map((d) => d.id) : [...ws.dataSources()].map((d) => d.id);
    expect(await ids(version === '2022-06-28' ? 'databases' : 'data_sources')).toEqual(containers.sort());
    const pageComments = [...ws.comments()].filter((c) => c.parent_id === c.page_id).map((c) => c.id);
    expect(await ids('comments')).toEqual(pageComments.sort());
  });

  it('loads every reachable block once, with its parent, page, depth and sibling position', async () => {
    const rows = await p.dataset().sql('select id, parent_id, page_id, depth, position from notion_data.blocks order by id');
    const truth = [...server.workspace.blocks()]
      .map((b) => ({ id: b.id, parent_id: b.parent_id, page_id: b.page_id, depth: b.depth, position: b.position }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(rows.length).toBe(truth.length);
    expect(rows).toEqual(truth);
  });

  it('links every child row to an existing parent and root', async () => {
    const ds = p.dataset();
    const orphans = await ds.sql(`
      select count(*) as n from notion_data.pages__properties__related__relation c
      left join notion_data.pages p on p._dlt_id = c._dlt_root_id where p._dlt_id is null`);
    expect(Number(orphans[0]!['n'])).toBe(0);
    const dup = await ds.sql('select count(*) - count(distinct _dlt_id) as d from notion_data.blocks__paragraph__rich_text');
    expect(Number(dup[0]!['d'])).toBe(0);
  });

  it('a second run of the same workspace changes no row count, in any table', async () => {
    await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, notionVersion: version, rateLimit: false, retry: FAST_RETRY }));
    expect(await counts(p)).toEqual(firstCounts);
    const loads = await p.dataset().sql('select count(*) as n from notion_data._dlt_loads where status = 0');
    expect(Number(loads[0]!['n'])).toBe(2);
  });
});

describe('relations over 25 references', () => {
  it('are loaded complete from the page property endpoint', async () => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 5 } });
    try {
      const p = pipeline({ pipelineName: 'rel', destination: duckdb({ path: join(dir, 'rel.duckdb') }) });
      await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
      const [row] = await p.dataset().sql(`
        select p.id, any_value(p.properties__related__id) as pid, count(*) as n from notion_data.pages p join notion_data.pages__properties__related__relation r on r._dlt_parent_id = p._dlt_id
        group by p.id order by n desc limit 1`);
      expect(Number(row!['n'])).toBeGreaterThan(25);
      const page = await (await fetch(`${server.url}/v1/pages/${String(row!['id'])}/properties/${String(row!['pid'])}?page_size=100`, {
        headers: { authorization: `Bearer ${server.token}`, 'notion-version': '2025-09-03' },
      })).json() as { results: unknown[] };
      expect(Number(row!['n'])).toBe(page.results.length);
    } finally {
      await server.close();
    }
  });
});
