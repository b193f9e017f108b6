import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Destination } from '../../destinations/destination.js';
import { snowflake } from '../../destinations/snowflake/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, type NotionServer } from '../../src/server/index.js';
import { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';
import { expectCompleteUnits, expectEqualsCleanLoad, expectFailure } from './failed-load.js';
import { hooked } from './hooked-destination.js';
import { snowflakeSnapshot } from './snapshot.js';

/**
 * Snowflake refusing COPY mid-load (the fake answers `000606`, no active warehouse, as Snowflake does when
 * the warehouse is suspended): the load fails with one typed line naming Snowflake, the COPY and the
 * warehouse; only whole units are visible; once COPY works again a rerun equals a clean load. Every
 * statement is an HTTP round trip to the fake, so the workspace is a small one (10 pages and rows in
 * units of 4, no comments, plain names): the checks are those of `failing-destinations.test.ts`.
 */
const CACHE_VARS = ['HOME', 'XDG_CACHE_HOME', 'SF_OCSP_RESPONSE_CACHE_DIR', 'SF_TEMPORARY_CREDENTIAL_CACHE_DIR', 'SNOWFLAKE_CRL_ON_DISK_CACHE_DIR'];
const saved: Record<string, string | undefined> = {};
const dir = mkdtempSync(join(tmpdir(), 'nf-failing-sf-'));
let server: NotionServer;
let fake: FakeSnowflake;

beforeAll(async () => {
  // The driver's cache directories go to the test's temp dir, then back.
  for (const v of CACHE_VARS) {
    saved[v] = process.env[v];
    process.env[v] = dir;
  }
  server = await startNotionServer({
    workspace: { seed: 21, users: 2, databases: 1, rowsPerDatabase: 6, pages: 4, blocksPerPage: 6, maxDepth: 2, commentsPerPage: 0, hostileNames: false, unshared: 0 },
  });
  fake = await FakeSnowflake.start({ account: 'proofacct', users: [{ name: 'LOADER', password: 'proof-pw' }] });
});
afterAll(async () => {
  await fake?.close();
  await server?.close();
  for (const v of CACHE_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  rmSync(dir, { recursive: true, force: true });
});

const config = (database: string) => ({ accessUrl: fake.url, account: 'proofacct', username: 'LOADER', password: 'proof-pw', database });

async function run(destination: Destination): Promise<void> {
  await pipeline({ pipelineName: 'failing', destination, datasetName: 'notion_data', cwd: dir }).run(
    notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, checkpointPages: 4 }),
  );
}

describe('Snowflake refusing COPY (the fake, its warehouse suspended)', () => {
  it('fails naming the COPY and the warehouse, keeps whole units, and a rerun once it is back equals a clean load', async () => {
    await run(snowflake(config('CLEAN')));
    const clean = await snowflakeSnapshot(fake, 'CLEAN');
    // From the first commit of pages on, every COPY fails (that commit completes: its batches were copied before).
    let pageCommits = 0;
    const failing = hooked(snowflake(config('FAILING')), {
      beforeCommit: (_n, load) => void (load.writtenTables.includes('pages') && ++pageCommits === 1 && fake.failCopies(() => true)),
    });
    await expectFailure(run(failing), 'snowflake', /could not stage a batch of \d+ rows for "pages": .*No active warehouse selected/);
    fake.failCopies(undefined);
    expect(expectCompleteUnits(await snowflakeSnapshot(fake, 'FAILING'), clean)).toBeGreaterThan(0);
    await run(snowflake(config('FAILING')));
    expectEqualsCleanLoad(await snowflakeSnapshot(fake, 'FAILING'), clean);
  }, 240_000);
});
