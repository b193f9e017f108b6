import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { postgres } from '../../destinations/postgres/index.js';
import type { Destination } from '../../destinations/destination.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { startNotionServer, Workspace, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { runTs } from '../helpers/node-child.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';

/**
 * The kill matrix: a load killed with SIGKILL at a point proven by a deterministic hook (see
 * test/helpers/kill-child.ts) — before a commit, inside its transaction, right after it, and while a
 * unit's batches are being staged — on DuckDB and on PostgreSQL. Each rerun must equal a clean load of
 * the same workspace, table by table and value by value, and must fetch no page tree committed before the
 * kill again.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-kill-'));
const now = Date.now();
const workspace = new Workspace({ ...WORKSPACE_PRESETS.tiny, seed: 47 }, () => now);
let server: NotionServer;
let pg: PostgresServer;
let requests: string[] = [];
let datasets = 0;

beforeAll(async () => {
  [server, pg] = await Promise.all([startNotionServer({ workspace, onRequest: (m, p) => void requests.push(`${m} ${p}`) }), startPostgres()]);
});
afterAll(async () => {
  await Promise.all([server?.close(), pg?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

type Target = { readonly duckdb: string } | { readonly postgres: string };

function load(target: Target, dataset: string, kill: Record<string, unknown> = {}) {
  return runTs(['test/helpers/kill-child.ts', JSON.stringify({ destination: target, dataset, baseUrl: server.url, token: server.token, ...kill })], { cwd: dir });
}

function destinationOf(target: Target): Destination {
  return 'duckdb' in target ? duckdb({ path: target.duckdb }) : postgres({ credentials: target.postgres });
}

/** Every table of the dataset (from the catalog), rows ordered by `_dlt_id`, load ids left out. */
async function snapshot(target: Target, dataset: string): Promise<Record<string, unknown[]>> {
  const ds = pipeline({ pipelineName: 'notion_pipeline', datasetName: dataset, destination: destinationOf(target) }).dataset();
  const tables = await ds.sql(`select table_name from information_schema.tables where table_schema = '${dataset}' and table_name not like '\\_dlt%' escape '\\' order by 1`);
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) {
    const rows = await ds.sql(`select * from ${ds.qualified(String(table_name))} order by "_dlt_id"`);
    out[String(table_name)] = rows.map(({ _dlt_load_id: _, ...rest }) => rest);
  }
  return out;
}

/** Page ids whose block trees the last committed state holds. */
async function committedTrees(target: Target, dataset: string): Promise<string[]> {
  const session = await destinationOf(target).open({ pipelineName: 'notion_pipeline', datasetName: dataset });
  try {
    const stored = await session.readState('notion_pipeline');
    const notion = ((stored?.state['sources'] ?? {}) as Record<string, { trees?: Record<string, string> }>)['notion'];
    return Object.keys(notion?.trees ?? {});
  } finally {
    await session.close();
  }
}

const POINTS = [
  ['before-commit', { point: 'before-commit', commit: 3 }],
  ['in-commit', { point: 'in-commit', commit: 3 }],
  ['after-commit', { point: 'after-commit', commit: 3 }],
  ['staging', { point: 'staging', commit: 3, stage: 4 }],
] as const;

describe.each([
  ['duckdb', (name: string): Target => ({ duckdb: join(dir, `${name}-file.duckdb`) })],
  ['postgres', (): Target => ({ postgres: pg.connectionString })],
])('a load killed on %s', (_name, targetOf) => {
  let clean: Record<string, unknown[]>;

  beforeAll(async () => {
    const dataset = `clean_${++datasets}`;
    const target = targetOf(dataset);
    const run = await load(target, dataset);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).commits).toBeGreaterThan(3);
    clean = await snapshot(target, dataset);
    expect(clean['blocks']!.length).toBe([...workspace.blocks()].length);
  }, 120_000);

  it.each(POINTS)('%s: the kill lands there, and the rerun equals a clean load without refetching a committed tree', async (point, kill) => {
    const dataset = `killed_${++datasets}`;
    const target = targetOf(dataset);
    const killed = await load(target, dataset, kill);
    expect(killed.code).toBeNull();
    expect(killed.stderr).toContain(`KILLED ${point} ${kill.point === 'staging' ? kill.commit - 1 : kill.commit}`);
    const committed = await committedTrees(target, dataset);
    // Before and inside commit 3 only two commits count; right after it, three.
    expect(committed.length).toBeGreaterThan(0);

    requests = [];
    const rerun = await load(target, dataset);
    expect(rerun.code).toBe(0);
    expect(requests.filter((r) => committed.some((id) => r.startsWith(`GET /v1/blocks/${id}/children`)))).toEqual([]);
    expect(await snapshot(target, dataset)).toEqual(clean);
  }, 180_000);
});
