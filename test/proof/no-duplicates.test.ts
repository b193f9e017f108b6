import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource, type NotionSourceOptions } from '../../src/resources/notion-source.js';
import { startNotionServer, Workspace, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { checkDataset } from '../oracle/dataset.js';
import { catalogTables, keyCounts } from '../oracle/loaded.js';
import { fullLoadRequests } from '../oracle/requests.js';
import { editWorkspace, type Edits } from './edits.js';

/**
 * No row twice, in any table of the dataset, after the runs most likely to write one twice: a run under
 * transient faults (retried requests), a run that failed mid-way and was run again (committed units,
 * then the rest) and an incremental run after edits (re-fetched trees replacing the old ones, a trashed
 * page and row, each cursor's minute read again). Tables merge by id and staging drops duplicate keys, so
 * comparing id lists would not show a duplicate: for every table of the database catalog, its rows are
 * counted against its distinct keys (test/oracle/loaded.ts `keyCounts`), and every value is compared with
 * the truth (test/oracle/dataset.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-dups-'));
const CLOCK = Date.UTC(2026, 0, 1, 10, 0);
const FAST_RETRY = { baseMs: 5, maxMs: 50, maxRetryAfterMs: 50 };
const version = '2025-09-03';
/** Each test runs one or two loads of a tiny workspace (seconds of CPU); the bound leaves room for a shared, busy machine. */
const LOAD_TIMEOUT = 120_000;

const ws = new Workspace({ ...WORKSPACE_PRESETS.tiny, seed: 12 }, () => CLOCK);
let faulty: NotionServer;
let clean: NotionServer;
let edits: Edits | undefined;

beforeAll(async () => {
  // Two servers over one workspace: one injects transient faults, one does not.
  faulty = await startNotionServer({ workspace: ws, faults: { rate: 0.06, seed: 12 } });
  clean = await startNotionServer({ workspace: ws });
});
afterAll(async () => {
  await Promise.all([faulty.close(), clean.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function source(server: NotionServer, extra: Partial<NotionSourceOptions> = {}) {
  return notionSource({ apiKey: server.token, baseUrl: server.url, notionVersion: version, rateLimit: false, retry: FAST_RETRY, ...extra });
}

/** Every table of the dataset, from the catalog, has unique keys, and the whole dataset equals the truth. */
async function expectExact(path: string): Promise<void> {
  const keys = await keyCounts(path, 'notion_data');
  const catalog = (await catalogTables(path)).filter((t) => t.schema === 'notion_data').map((t) => t.table);
  expect(keys.map((k) => k.table).filter((t, i, all) => all.indexOf(t) === i)).toEqual(catalog);
  expect(keys.filter((k) => k.rows !== k.distinct)).toEqual([]);
  expect(keys.find((k) => k.table === 'blocks')!.rows).toBe([...ws.blocks()].length);
  const check = await checkDataset(path, 'notion_data', ws, { version, comments: 'pages', ...(edits ? { trashed: [edits.trashedPage, edits.trashedRow] } : {}) });
  expect(check.differences.slice(0, 20)).toEqual([]);
  expect(check.unexpectedTables).toEqual([]);
  // Nothing but the dataset: no staging schema left behind.
  expect([...new Set((await catalogTables(path)).map((t) => t.schema))]).toEqual(['notion_data']);
}

describe('no duplicate rows in any table', () => {
  const faultedPath = join(dir, 'faulted.duckdb');
  const resumedPath = join(dir, 'resumed.duckdb');
  let faulted: Pipeline;
  let resumed: Pipeline;

  it('after a run under transient faults', async () => {
    faulted = pipeline({ pipelineName: 'faulted', destination: duckdb({ path: faultedPath }) });
    await faulted.run(source(faulty));
    // Each injected fault costs exactly one more request than the oracle's minimum.
    expect(faulty.stats.faultsInjected).toBeGreaterThan(5);
    expect(faulty.stats.total).toBe(fullLoadRequests(ws, { version, comments: 'pages' }).total + faulty.stats.faultsInjected);
    await expectExact(faultedPath);
  }, LOAD_TIMEOUT);

  it('the key count finds a row twice, in a root table and in a child table', async () => {
    const copy = join(dir, 'tampered.duckdb');
    copyFileSync(faultedPath, copy);
    if (existsSync(`${faultedPath}.wal`)) copyFileSync(`${faultedPath}.wal`, `${copy}.wal`);
    const instance = await DuckDBInstance.create(copy);
    const connection = await instance.connect();
    for (const table of ['users', 'blocks__paragraph__rich_text']) await connection.run(`insert into notion_data.${table} select * from notion_data.${table} limit 1`);
    connection.closeSync();
    instance.closeSync();
    const twice = (await keyCounts(copy, 'notion_data')).filter((k) => k.rows !== k.distinct).map((k) => `${k.table} (${k.key})`);
    expect(twice.sort()).toEqual(['blocks__paragraph__rich_text (_dlt_id)', 'users (_dlt_id)', 'users (id)']);
  });

  it('after a run that failed mid-way, committed part of the load, and was run again', async () => {
    // The server goes away once the destination has committed two units: the run fails at its next
    // request (one attempt per request), with part of the load committed.
    const failing = await startNotionServer({ workspace: ws });
    let commits = 0;
    const log = (line: string) => void (/^COMMIT/.test(line.trim()) && ++commits === 2 && failing.close());
    const interrupted = pipeline({ pipelineName: 'resumed', destination: duckdb({ path: resumedPath }), log });
    await expect(interrupted.run(source(failing, { retry: { maxAttempts: 1 }, checkpointPages: 10 }))).rejects.toMatchObject({ name: 'NotionTransportError' });
    expect(commits).toBeGreaterThanOrEqual(2);
    await failing.close();
    const partial = await keyCounts(resumedPath, 'notion_data');
    expect(partial.filter((k) => k.rows !== k.distinct)).toEqual([]);
    const blocks = partial.find((k) => k.table === 'blocks')?.rows ?? 0;
    expect(blocks).toBeGreaterThan(0);
    expect(blocks).toBeLessThan([...ws.blocks()].length);

    clean.resetStats();
    resumed = pipeline({ pipelineName: 'resumed', destination: duckdb({ path: resumedPath }) });
    await resumed.run(source(clean));
    // The rerun fetched only the trees the failed run had not committed.
    const full = fullLoadRequests(ws, { version, comments: 'pages' }).byEndpoint['GET /v1/blocks/:id/children']!;
    expect(clean.stats.byEndpoint['GET /v1/blocks/:id/children']).toBeLessThan(full);
    await expectExact(resumedPath);
  }, LOAD_TIMEOUT);

  it('after an incremental run over edits of every kind, under faults', async () => {
    edits = editWorkspace(ws);
    await faulted.run(source(faulty));
    await expectExact(faultedPath);
  }, LOAD_TIMEOUT);
});
