import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../helpers/azurite.js';
import { FakeBigQuery } from '../helpers/fake-bigquery/fake-bigquery.js';
import { FakeGcs } from '../helpers/fake-gcs/fake-gcs.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { cli, PROGRESS_LINES_ONLY } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-cli-'));
let server: NotionServer;

beforeAll(async () => {
  server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 7 } });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('notionflow CLI', () => {
  it('run loads a Notion-compatible server named by NOTION_BASE_URL and prints a dlt-style summary', async () => {
    const path = join(dir, 'run.duckdb');
    const r = await cli(['run', '--duckdb-path', path, '--rate-limit', '0'], { NOTION_API_KEY: server.token, NOTION_BASE_URL: server.url });
    expect(r.stderr).toMatch(PROGRESS_LINES_ONLY);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Pipeline notion_pipeline load step completed in [\d.]+ seconds$/m);
    expect(r.stdout).toContain('destination duckdb and into dataset notion_data');
    expect(r.stdout).toContain(`The duckdb destination used ${path} location to store data`);
    expect(r.stdout).toMatch(/Load package \d+\.\d{6} is LOADED and contains no failed jobs/);
    expect(r.stdout).not.toContain(server.token);
    const info = await cli(['info', '--duckdb-path', path]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`blocks\\s+${[...server.workspace.blocks()].length}\\n`));
  });

  it('demo needs no token and loads the built-in workspace', async () => {
    const r = await cli(['demo', '--preset', 'tiny', '--duckdb-path', join(dir, 'demo.duckdb')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is LOADED and contains no failed jobs');
  });

  it('--base-url overrides NOTION_BASE_URL', async () => {
    const r = await cli(['run', '--base-url', server.url, '--duckdb-path', join(dir, 'flag.duckdb'), '-q'], {
      NOTION_API_KEY: server.token,
      NOTION_BASE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it.each([
    ['a missing token', ['run'], {}, /^notionflow: no Notion token: set NOTION_API_KEY/],
    ['an unknown flag', ['run', '--bogus'], { NOTION_API_KEY: 'x' }, /^notionflow: Unknown option '--bogus'/],
    ['an unknown command', ['frobnicate'], {}, /^notionflow: unknown command "frobnicate"/],
    ['an unknown destination', ['run', '--destination', 'oracle'], { NOTION_API_KEY: 'x' }, /^notionflow: Unknown destination "oracle"/],
    [
      'a redshift destination without settings',
      ['run', '--destination', 'redshift'],
      { NOTION_API_KEY: 'x', NOTIONFLOW__DESTINATION__REDSHIFT__HOST: 'cluster.example.com' },
      /^notionflow: the redshift destination needs destination\.redshift\.host, \.database, \.user and \.s3_bucket, with \.iam_role or \.aws_access_key_id/,
    ],
    [
      'a gs:// bucket without credentials',
      ['run', '--destination', 'filesystem'],
      { NOTION_API_KEY: 'x', NOTIONFLOW__DESTINATION__FILESYSTEM__BUCKET_URL: 'gs://lake/notion' },
      /^notionflow: the filesystem destination on gs:\/\/lake\/notion needs destination\.filesystem\.credentials\.client_email and \.private_key .*\.key_file, or \.endpoint_url/,
    ],
    [
      'bigquery without a project',
      ['run', '--destination', 'bigquery'],
      { NOTION_API_KEY: 'x', NOTIONFLOW__DESTINATION__BIGQUERY__LOCATION: 'EU' },
      /^notionflow: the bigquery destination needs destination\.bigquery\.project_id \(the Google Cloud project that runs the jobs\) or a service account key in destination\.bigquery\.credentials, or NOTIONFLOW__DESTINATION__BIGQUERY__PROJECT_ID$/m,
    ],
    [
      'an az:// container without credentials',
      ['run', '--destination', 'filesystem'],
      { NOTION_API_KEY: 'x', NOTIONFLOW__DESTINATION__FILESYSTEM__BUCKET_URL: 'az://lake/notion' },
      /^notionflow: the filesystem destination on az:\/\/lake\/notion needs destination\.filesystem\.credentials\.azure_storage_account_name and \.azure_storage_account_key, or \.azure_storage_connection_string/,
    ],
  ])('fails with one line for %s', async (_what, args, env, message) => {
    const r = await cli(args, env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails with one line naming the token problem for a bad token, without printing it', async () => {
    const r = await cli(['run', '--duckdb-path', join(dir, 'bad.duckdb')], { NOTION_API_KEY: 'wrong-token-123', NOTION_BASE_URL: server.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401/);
    expect(r.stderr).toMatch(/token/i);
    expect(r.stderr).not.toContain('wrong-token-123');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails with one line for an unreachable server', async () => {
    const r = await cli(['run', '--duckdb-path', join(dir, 'down.duckdb')], {
      NOTION_API_KEY: 'x',
      NOTION_BASE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unreachable|NOTION_BASE_URL/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('state shows the cursors and checkpoints; drop asks, then drops the dataset', async () => {
    const path = join(dir, 'state.duckdb');
    expect((await cli(['demo', '--preset', 'tiny', '--duckdb-path', path, '-q'])).code).toBe(0);
    const state = await cli(['state', '--duckdb-path', path]);
    expect(state.code).toBe(0);
    expect(state.stdout).toMatch(/pages cursor \(last_edited_time\): \d{4}-\d\d-\d\dT/);
    expect(state.stdout).toMatch(/page trees loaded \(checkpoints\): [1-9]\d*/);
    const refused = await cli(['drop', '--duckdb-path', path]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^notionflow: drop needs confirmation: rerun with --yes/);
    const dropped = await cli(['drop', '--yes', '--duckdb-path', path]);
    expect(dropped.code).toBe(0);
    expect((await cli(['info', '--duckdb-path', path])).stdout).toContain('nothing loaded yet');
    expect((await cli(['state', '--duckdb-path', path])).stdout).toContain('no state');
  });

  it('--destination postgres loads the same tables as duckdb, credentials from NOTIONFLOW__ variables', async () => {
    const pg = await startPostgres();
    try {
      const r = await cli(['run', '--destination', 'postgres', '--rate-limit', '0'], {
        NOTION_API_KEY: server.token,
        NOTION_BASE_URL: server.url,
        NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS: pg.connectionString,
      });
      expect(r.stderr).toMatch(PROGRESS_LINES_ONLY);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('to destination postgres and into dataset notion_data');
      const password = new URL(pg.connectionString).password;
      if (password) expect(r.stdout).not.toContain(password);
      const info = await cli(['info', '--destination', 'postgres'], { NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS: pg.connectionString });
      expect(info.stdout).toMatch(new RegExp(`blocks\\s+${[...server.workspace.blocks()].length}\\n`));
    } finally {
      await pg.stop();
    }
  });

  it('--destination bigquery loads into the BigQuery API at api_endpoint (config file) with an access_token (NOTIONFLOW__ variable), and info reads it back', async () => {
    const token = 'ya29.cli-token-never-printed';
    const fake = await FakeBigQuery.start({ token });
    try {
      const cwd = mkdtempSync(join(dir, 'bigquery-'));
      mkdirSync(join(cwd, '.notionflow'));
      writeFileSync(join(cwd, '.notionflow', 'config.toml'), `[destination.bigquery]\nproject_id = "${fake.project}"\napi_endpoint = "${fake.url}"\nlocation = "US"\n`);
      const env = { NOTIONFLOW__DESTINATION__BIGQUERY__ACCESS_TOKEN: token, METADATA_SERVER_DETECTION: 'none' };
      const r = await cli(['run', '--destination', 'bigquery', '--rate-limit', '0'], { NOTION_API_KEY: server.token, NOTION_BASE_URL: server.url, ...env }, cwd);
      expect(r.stderr).toMatch(PROGRESS_LINES_ONLY);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('to destination bigquery and into dataset notion_data');
      expect(r.stdout).toContain(`The bigquery destination used ${fake.url}/projects/${fake.project}/datasets/notion_data (US) location to store data`);
      expect(fake.requests.filter((q) => q.kind === 'upload:multipart').length).toBeGreaterThan(0);
      const info = await cli(['info', '--destination', 'bigquery'], env, cwd);
      expect(info.code).toBe(0);
      expect(info.stdout).toMatch(new RegExp(`blocks\\s+${[...server.workspace.blocks()].length}\\n`));
      for (const out of [r.stdout, r.stderr, info.stdout, info.stderr]) expect(out).not.toContain(token);
    } finally {
      await fake.close();
    }
  });

  it('--destination filesystem loads into gs:// (config file) and az:// (NOTIONFLOW__ variables) on local fakes', async () => {
    const [gcs, azurite] = await Promise.all([FakeGcs.start(), startAzurite()]);
    try {
      gcs.createBucket('cli-lake');
      await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('cli-lake').create();
      const cwd = mkdtempSync(join(dir, 'gcs-'));
      mkdirSync(join(cwd, '.notionflow'));
      writeFileSync(
        join(cwd, '.notionflow', 'config.toml'),
        `[destination.filesystem]\nbucket_url = "gs://cli-lake/notion"\n\n[destination.filesystem.credentials]\nendpoint_url = "${gcs.url}"\nproject_id = "test"\n`,
      );
      const env = { NOTION_API_KEY: server.token, NOTION_BASE_URL: server.url };
      const onGcs = await cli(['run', '--destination', 'filesystem', '--rate-limit', '0'], env, cwd);
      expect(onGcs.stderr).toMatch(PROGRESS_LINES_ONLY);
      expect(onGcs.code).toBe(0);
      expect(onGcs.stdout).toContain('The filesystem destination used gs://cli-lake/notion/notion_data location to store data');
      expect(gcs.objectNames('cli-lake')).toContainEqual(expect.stringMatching(/^notion\/notion_data\/blocks\/[\d.]+\.\d+\.parquet$/));

      const onAzure = await cli(['run', '--destination', 'filesystem', '--rate-limit', '0'], {
        ...env,
        NOTIONFLOW__DESTINATION__FILESYSTEM__BUCKET_URL: 'az://cli-lake/notion',
        NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      });
      expect(onAzure.stderr).toMatch(PROGRESS_LINES_ONLY);
      expect(onAzure.code).toBe(0);
      expect(onAzure.stdout).toContain('The filesystem destination used az://cli-lake/notion/notion_data location to store data');
      expect(onAzure.stdout).not.toContain('AccountKey');
      const info = await cli(['info', '--destination', 'filesystem'], {
        NOTIONFLOW__DESTINATION__FILESYSTEM__BUCKET_URL: 'az://cli-lake/notion',
        NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      });
      expect(info.stdout).toMatch(new RegExp(`blocks\\s+${[...server.workspace.blocks()].length}\\n`));
    } finally {
      await gcs.close();
      await azurite.stop();
    }
  });

  it('prints help for every command', async () => {
    for (const c of ['run', 'demo', 'info', 'state', 'drop']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: notionflow ${c}`);
    }
  });
});
