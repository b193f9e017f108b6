import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { cli, PROGRESS_LINES_ONLY, type CliRun } from '../helpers/run-cli.js';

/**
 * The CLI's filesystem destination factory (src/cli/destinations.ts): settings from NOTIONFLOW__ variables
 * and from .notionflow/ files, and what landed read back without notionflow — the files themselves, S3
 * objects read by DuckDB — against the server's truth (gs:// and az:// are in test/e2e/cli.test.ts).
 */
interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverServer;

const dir = mkdtempSync(join(tmpdir(), 'nf-proof-cli-dest-'));
let notion: NotionServer;
let truthPages: string[];
let truthBlocks: number;

beforeAll(async () => {
  notion = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 91 } });
  truthPages = [...notion.workspace.pages()].map((p) => p.id).sort();
  truthBlocks = [...notion.workspace.blocks()].length;
});
afterAll(async () => {
  await notion.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `notionflow run --destination <name>` in `cwd` with `env`, which must succeed. */
async function run(destination: string, env: Record<string, string>, cwd: string): Promise<CliRun> {
  const r = await cli(['run', '--destination', destination, '--rate-limit', '0', '--progress', 'log'], { NOTION_API_KEY: notion.token, NOTION_BASE_URL: notion.url, ...env }, cwd);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(PROGRESS_LINES_ONLY) });
  return r;
}

/** A project directory with `.notionflow/<file>` holding `toml`. */
function project(name: string, files: Record<string, string>): string {
  const cwd = join(dir, name);
  mkdirSync(join(cwd, '.notionflow'), { recursive: true });
  for (const [file, toml] of Object.entries(files)) writeFileSync(join(cwd, '.notionflow', file), toml);
  return cwd;
}

/** Rows of a SQL query on an in-memory DuckDB. */
async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('notionflow run --destination filesystem', () => {
  it('a local bucket_url and format = jsonl from NOTIONFLOW__ variables: JSON lines files, one row per page and block', async () => {
    const lake = join(dir, 'lake');
    const r = await run('filesystem', { NOTIONFLOW__DESTINATION__FILESYSTEM__BUCKET_URL: lake, NOTIONFLOW__DESTINATION__FILESYSTEM__FORMAT: 'jsonl' }, mkdtempSync(join(dir, 'cwd-')));
    expect(r.stdout).toContain(`The filesystem destination used ${join(lake, 'notion_data')} location to store data`);
    const rowsOf = (table: string) =>
      readdirSync(join(lake, 'notion_data', table)).flatMap((file) => {
        expect(file).toMatch(/\.jsonl$/);
        return readFileSync(join(lake, 'notion_data', table, file), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string });
      });
    expect(rowsOf('pages').map((p) => p.id).sort()).toEqual(truthPages);
    expect(rowsOf('blocks')).toHaveLength(truthBlocks);
  });

  it('an s3:// bucket with credentials from .notionflow/ (keys in secrets.toml): Parquet objects DuckDB reads back', async () => {
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3rver'), resetOnClose: true });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({ region: 'eu-west-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'cli-lake' }));
      const cwd = project('s3', {
        'config.toml': `[destination.filesystem]\nbucket_url = "s3://cli-lake/notion"\n\n[destination.filesystem.credentials]\nendpoint_url = "${endpoint}"\nregion_name = "eu-west-1"\n`,
        'secrets.toml': '[destination.filesystem.credentials]\naws_access_key_id = "S3RVER"\naws_secret_access_key = "S3RVER"\n',
      });
      const r = await run('filesystem', {}, cwd);
      expect(r.stdout).toContain('The filesystem destination used s3://cli-lake/notion/notion_data location to store data');
      expect(r.stdout).not.toContain('S3RVER');
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'cli-lake', Prefix: 'notion/notion_data/pages/' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      expect(keys.length).toBeGreaterThan(0);
      const ids: string[] = [];
      for (const [i, key] of keys.entries()) {
        expect(key).toMatch(/\.parquet$/);
        const body = await (await client.send(new GetObjectCommand({ Bucket: 'cli-lake', Key: key }))).Body!.transformToByteArray();
        const file = join(dir, `pages-${i}.parquet`);
        writeFileSync(file, body);
        ids.push(...(await duck(`select id from read_parquet('${file}')`)).map((row) => String(row['id'])));
      }
      expect(ids.sort()).toEqual(truthPages);
    } finally {
      client.destroy();
      await s3.close();
    }
  });
});
