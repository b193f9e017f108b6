import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { startNotionServer, Workspace, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';

/**
 * Crash safety, as a user meets it: the CLI process is killed with SIGKILL in the middle of fetching; a
 * rerun must then produce exactly what a clean load produces, and must not fetch again any page tree
 * committed before the kill. Kills at proven points of writes and commits, on DuckDB and PostgreSQL, are
 * in test/proof/kill-matrix.test.ts.
 */
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'nf-crash-'));
const now = Date.now();
const workspace = new Workspace({ ...WORKSPACE_PRESETS.tiny, seed: 31 }, () => now);
let server: NotionServer;
let requests: string[] = [];
let onRequest: (() => void) | undefined;

beforeAll(async () => {
  server = await startNotionServer({
    workspace,
    onRequest: (m, p) => {
      requests.push(`${m} ${p}`);
      onRequest?.();
    },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Run `notionflow run` from the TypeScript sources; `killWhen` sees each request the server gets. */
function cli(path: string, killWhen?: { request?: (n: number) => boolean }): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', join(root, 'test/helpers/ts-loader.mjs'), join(root, 'src/cli/bin.ts'), 'run', '--duckdb-path', path, '--rate-limit', '0', '--checkpoint-pages', '5', '-v', '-q'],
      // In the test's temp directory: the run's trace (.notionflow/) stays out of the checkout.
      { cwd: dir, env: { ...process.env, NOTION_API_KEY: server.token, NOTION_BASE_URL: server.url }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    let count = 0;
    const kill = () => child.kill('SIGKILL');
    if (killWhen?.request) onRequest = () => killWhen.request!(++count) && kill();
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      onRequest = undefined;
      resolve({ code, signal, stderr });
    });
  });
}

async function snapshot(p: Pipeline): Promise<Record<string, unknown[]>> {
  const ds = p.dataset();
  const tables = await ds.sql(`select table_name from information_schema.tables where table_schema = 'notion_data' and table_name not like '\\_dlt%' escape '\\' order by 1`);
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) out[String(table_name)] = await ds.sql(`select * exclude (_dlt_load_id) from notion_data."${String(table_name)}" order by _dlt_id`);
  return out;
}

async function committedTrees(path: string): Promise<string[]> {
  const session = await duckdb({ path }).open({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
  try {
    const stored = await session.readState('notion_pipeline');
    const notion = ((stored?.state['sources'] ?? {}) as Record<string, { trees?: Record<string, string> }>)['notion'];
    return Object.keys(notion?.trees ?? {});
  } finally {
    await session.close();
  }
}

let clean: Record<string, unknown[]>;

describe('a run killed with SIGKILL, then run again', () => {
  beforeAll(async () => {
    const path = join(dir, 'clean.duckdb');
    const r = await cli(path);
    expect(r.code).toBe(0);
    clean = await snapshot(pipeline({ destination: duckdb({ path }) }));
    expect(clean['blocks']!.length).toBe([...workspace.blocks()].length);
  });

  it('killed while fetching (at the 90th request): the rerun equals a clean load and fetches no committed tree again', async () => {
    const killWhen = { request: (n: number) => n === 90 };
    const path = join(dir, `killed-${Math.random().toString(36).slice(2)}.duckdb`);
    const killed = await cli(path, killWhen);
    expect(killed.signal).toBe('SIGKILL');
    const committed = await committedTrees(path);

    requests = [];
    const rerun = await cli(path);
    expect(rerun.code).toBe(0);
    const refetched = requests.filter((r) => committed.some((id) => r.startsWith(`GET /v1/blocks/${id}/children`)));
    expect(refetched).toEqual([]);
    expect(await snapshot(pipeline({ destination: duckdb({ path }) }))).toEqual(clean);
  });
});
