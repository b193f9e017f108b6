import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesystem } from '../../destinations/filesystem/index.js';
import { snowflake } from '../../destinations/snowflake/index.js';
import { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';
import { expectTruth, hostileTexts, loadTarget, type Loaded, type Target } from './hostile-truth.js';

/**
 * The hostile workspace (see hostile-truth.ts) into the filesystem destination (Parquet and JSON
 * lines) and Snowflake (the real snowflake-sdk against the local fake): each holds the server's truth
 * with NUL and lone surrogates as U+FFFD, the same text as DuckDB and PostgreSQL (hostile-input.test.ts).
 */
const SNOWFLAKE_PASSWORD = 'hostile-pw';
/** The Snowflake driver's cache directories go to a temp dir for this file, then back. */
const CACHE_VARS = ['HOME', 'XDG_CACHE_HOME', 'SF_OCSP_RESPONSE_CACHE_DIR', 'SF_TEMPORARY_CREDENTIAL_CACHE_DIR', 'SNOWFLAKE_CRL_ON_DISK_CACHE_DIR'];
const NAMES = ['filesystem (parquet)', 'filesystem (jsonl)', 'snowflake'];

let dir: string;
let fake: FakeSnowflake;
const saved: Record<string, string | undefined> = {};
const loads = new Map<string, { target: Target; loaded: Loaded }>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nf-hostile-files-'));
  for (const v of CACHE_VARS) {
    saved[v] = process.env[v];
    process.env[v] = dir;
  }
  fake = await FakeSnowflake.start({ account: 'hostile', users: [{ name: 'LOADER', password: SNOWFLAKE_PASSWORD }] });
  loads.set(NAMES[0]!, await loadTarget(NAMES[0]!, filesystem({ bucketUrl: join(dir, 'lake-parquet') }), dir));
  loads.set(NAMES[1]!, await loadTarget(NAMES[1]!, filesystem({ bucketUrl: join(dir, 'lake-jsonl'), format: 'jsonl' }), dir));
  loads.set(NAMES[2]!, await loadTarget(NAMES[2]!, snowflake({ accessUrl: fake.url, account: 'hostile', username: 'LOADER', password: SNOWFLAKE_PASSWORD, database: 'HOSTILE' }), dir));
}, 180_000);

afterAll(async () => {
  for (const { target } of loads.values()) await target.server.close();
  await fake?.close();
  for (const v of CACHE_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  await rm(dir, { recursive: true, force: true });
});

describe.each(NAMES)('a hostile workspace into %s', (name) => {
  it('loads while a page is unshared and a database renamed, and holds the server truth, NUL and lone surrogates as U+FFFD', async () => {
    const { target, loaded } = loads.get(name)!;
    expect([...target.events].sort()).toEqual(['renamed', 'unshared']);
    expect(target.runs[0]!.source.unreachable.map((u) => u.id)).toContain(target.hostile.unshareCandidateId);
    await expectTruth(target, loaded, target.titleBefore);
  });
});

it('Parquet, JSON lines and Snowflake store the same hostile text', () => {
  const [reference, ...others] = NAMES.map((n) => loads.get(n)!);
  for (const other of others) expect(hostileTexts(other.target, other.loaded)).toEqual(hostileTexts(reference!.target, reference!.loaded));
});
