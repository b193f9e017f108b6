import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { postgres } from '../../destinations/postgres/index.js';
import { HOSTILE_RENAME } from '../../src/server/index.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { expectTruth, hostileTexts, loadTarget, read, run, type Loaded, type Target } from './hostile-truth.js';

/**
 * The hostile workspace (see hostile-truth.ts) into DuckDB and a real PostgreSQL 15: the first run,
 * during which a page is unshared and a database renamed, holds the server's truth with NUL and lone
 * surrogates as U+FFFD (the whole load used to fail on PostgreSQL at the first NUL); a second run,
 * once the page is shared again, loads its blocks and the new title and keeps the typed table.
 */
let dir: string;
let pg: PostgresServer;
const loads = new Map<string, { target: Target; loaded: Loaded }>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nf-hostile-'));
  pg = await startPostgres();
  loads.set('duckdb', await loadTarget('duckdb', duckdb({ path: join(dir, 'hostile.duckdb') }), dir));
  loads.set('postgres', await loadTarget('postgres', postgres({ credentials: pg.connectionString }), dir));
}, 180_000);

afterAll(async () => {
  for (const { target } of loads.values()) await target.server.close();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each(['duckdb', 'postgres'])('a hostile workspace into %s', (name) => {
  it('loads while a page is unshared and a database renamed, and reports the page it could not read', () => {
    const { target } = loads.get(name)!;
    expect([...target.events].sort()).toEqual(['renamed', 'unshared']);
    expect(target.runs[0]!.source.unreachable.map((u) => u.id)).toContain(target.hostile.unshareCandidateId);
  });

  it('holds the server truth, NUL and lone surrogates as U+FFFD', async () => {
    const { target, loaded } = loads.get(name)!;
    await expectTruth(target, loaded, target.titleBefore);
  });

  it('a second run loads the page shared again and the new title, and keeps the typed table', async () => {
    const { target } = loads.get(name)!;
    target.hostile.workspace.setPageShared(target.hostile.unshareCandidateId, true);
    target.runs.push(await run(target));
    const got = await read(target);
    expect(got.blocks.some((b) => b.page_id === target.hostile.unshareCandidateId)).toBe(true);
    await expectTruth(target, got, HOSTILE_RENAME);
  }, 120_000);
});

it('DuckDB and PostgreSQL store the same hostile text', () => {
  const [duck, postgresLoad] = ['duckdb', 'postgres'].map((n) => loads.get(n)!);
  expect(hostileTexts(postgresLoad!.target, postgresLoad!.loaded)).toEqual(hostileTexts(duck!.target, duck!.loaded));
});
