import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import type { RetryCause } from '../../src/client/retry-policy.js';
import type { LoadInfo } from '../../src/pipeline/load-info.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { FAULT_KINDS, startNotionServer, WORKSPACE_PRESETS, type FaultKind, type FaultOptions, type ServerStats } from '../../src/server/index.js';
import { duckdbSnapshot, firstDifference, type DatasetSnapshot } from './snapshot.js';

/**
 * The fault matrix: the same workspace loaded under each fault class alone (5% of requests, a seeded
 * schedule), then under all of them at once (each at 5%), must land exactly what a clean load lands,
 * every table row by row, and the run trace must count each injected fault as one retry of its cause.
 *
 * The server decides each fault from (seed, request, attempt), so the schedule is the same on every run
 * whatever the order requests arrive in. Retry delays are capped at a few ms (Retry-After included).
 * A `slow` answer is held `SLOW_MS`; runs with slow answers give the client `SHORT_TIMEOUT_MS` instead of
 * Notion's 60 s, so a timeout costs 2 s, not a minute. Eight requests are in flight at once against a
 * server in the same process, so on a busy machine an ordinary answer can also come later than that (at
 * 400 ms, 8 attempts of a search in a row did, with 16 processes on 2 cores): those runs check that every
 * slow answer was timed out on (the server saw the client hang up) and retried, and allow extra timeouts;
 * the other runs keep the default 60 s timeout and count exactly.
 */
const RATE = 0.05;
const SEED = 12;
const WORKSPACE = { ...WORKSPACE_PRESETS.tiny, seed: SEED };
const SHORT_TIMEOUT_MS = 2000;
const SLOW_MS = 30_000;
const RETRY = { baseMs: 1, maxMs: 5, maxRetryAfterMs: 5 };

/** The retry cause the client must count each fault class under (`RunTrace.requests.retriesByClass`). */
const CAUSE: Readonly<Record<FaultKind, RetryCause>> = {
  '500': '5xx',
  '502': '5xx',
  '503': '5xx',
  '504': '5xx',
  '409': '409',
  '529': '529',
  reset: 'reset',
  truncated: 'truncated',
  html: 'invalid_body',
  slow: 'timeout',
};

/** The status each error-status class answers with, which the trace counts in `byStatus`. */
const STATUS: Readonly<Partial<Record<FaultKind, number>>> = { '500': 500, '502': 502, '503': 503, '504': 504, '409': 409, '529': 529 };

const dir = mkdtempSync(join(tmpdir(), 'nf-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  readonly info: LoadInfo;
  readonly server: ServerStats;
  readonly snapshot: DatasetSnapshot;
}

async function load(name: string, faults?: FaultOptions): Promise<Outcome> {
  const slow = faults?.kinds?.includes('slow') ?? false;
  const server = await startNotionServer({ workspace: WORKSPACE, ...(faults ? { faults } : {}) });
  const path = join(dir, `${name}.duckdb`);
  try {
    const p = pipeline({ pipelineName: 'faults', destination: duckdb({ path }), cwd: dir });
    const info = await p.run(
      notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, ...(slow ? { timeoutMs: SHORT_TIMEOUT_MS } : {}), retry: RETRY, checkpointPages: 10 }),
    );
    return { info, server: server.stats, snapshot: await duckdbSnapshot(path) };
  } finally {
    await server.close();
  }
}

/**
 * Checks that each injected fault was retried once under its cause and nothing else was retried, but
 * timeouts: with slow answers, every one must have been timed out on and retried, and an ordinary answer
 * later than the short timeout may add a timeout.
 */
function expectRetries(outcome: Outcome): void {
  const expected: Partial<Record<RetryCause, number>> = {};
  for (const [kind, n] of Object.entries(outcome.server.faults) as [FaultKind, number][]) expected[CAUSE[kind]] = (expected[CAUSE[kind]] ?? 0) + n;
  const retries = { ...outcome.info.trace.requests.retriesByClass } as Partial<Record<RetryCause, number>>;
  const slow = outcome.server.faults.slow ?? 0;
  if (slow > 0) {
    expect(outcome.server.abandoned).toBe(slow);
    expect(retries.timeout).toBeGreaterThanOrEqual(slow);
    retries.timeout = slow;
  }
  expect(retries).toEqual(expected);
  for (const [kind, status] of Object.entries(STATUS) as [FaultKind, number][]) {
    expect({ kind, seen: outcome.info.trace.requests.byStatus[status] ?? 0 }).toEqual({ kind, seen: outcome.server.faults[kind] ?? 0 });
  }
}

let clean: Outcome;

beforeAll(async () => {
  clean = await load('clean');
  expect(clean.info.trace.requests.retriesByClass).toEqual({});
  expect(clean.snapshot.rows['blocks']?.length).toBeGreaterThan(100);
});

describe('each fault class alone, on 5% of requests', () => {
  it.each(FAULT_KINDS)('%s: every fault is retried under its cause and the data equals a clean load', async (kind) => {
    const outcome = await load(`only-${kind}`, { rate: RATE, seed: SEED, kinds: [kind], slowMs: SLOW_MS });
    const injected = outcome.server.faults[kind] ?? 0;
    expect(injected).toBeGreaterThan(0);
    expect(outcome.server.faultsInjected).toBe(injected);
    expectRetries(outcome);
    expect(firstDifference(outcome.snapshot, clean.snapshot)).toBeUndefined();
  });
});

describe('every fault class at once, each on 5% of requests', () => {
  it('every class occurs, every fault is retried under its cause, and the data equals a clean load', async () => {
    const outcome = await load('all', { rate: RATE * FAULT_KINDS.length, seed: SEED, kinds: FAULT_KINDS, slowMs: SLOW_MS });
    for (const kind of FAULT_KINDS) expect({ kind, injected: (outcome.server.faults[kind] ?? 0) > 0 }).toEqual({ kind, injected: true });
    expectRetries(outcome);
    expect(firstDifference(outcome.snapshot, clean.snapshot)).toBeUndefined();
  });
});
