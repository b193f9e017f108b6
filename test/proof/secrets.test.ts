import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Destination } from '../../destinations/destination.js';
import { duckdb } from '../../destinations/duckdb/index.js';
import { filesystem } from '../../destinations/filesystem/index.js';
import { postgres } from '../../destinations/postgres/index.js';
import { sink } from '../../destinations/sink.js';
import { snowflake } from '../../destinations/snowflake/index.js';
import { formatLoadInfo } from '../../src/pipeline/load-info.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, type NotionServer } from '../../src/server/index.js';
import { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';
import { runTs } from '../helpers/node-child.js';
import { POSTGRES_BIN, startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { cli } from '../helpers/run-cli.js';

/**
 * Secrets never written anywhere: loads into every destination (DuckDB, PostgreSQL, the filesystem on
 * a local directory and on S3, Snowflake by password and by key pair, a custom sink), from code and
 * from the CLI with `-v`, succeeding and failing (a wrong token, password or secret key), with
 * distinctive secrets; then every byte they wrote is searched for each secret: database files (raw
 * and every table's rows), a `pg_dump`, lake files (raw, and Parquet read back), state and trace
 * files, the drivers' home and cache directories, stdout and stderr, SQL logs, load info and errors.
 */

const RUN = randomBytes(6).toString('hex');
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const SECRETS = {
  notionToken: `secret_NFTOKEN_${RUN}`,
  wrongNotionToken: `secret_NFWRONGTOKEN_${RUN}`,
  postgresPassword: `NFPGPASS_${RUN}`,
  wrongPostgresPassword: `NFPGWRONG_${RUN}`,
  snowflakePassword: `NFSFPASS_${RUN}`,
  wrongSnowflakePassword: `NFSFWRONG_${RUN}`,
  s3SecretKey: `NFS3SECRET_${RUN}`,
  wrongS3SecretKey: `NFS3WRONG_${RUN}`,
  snowflakePrivateKey: KEY.privateKey,
};
/** What is searched for: each secret, and each line of the private key's body (a key leaks by parts too, or on one line). */
const NEEDLES: [string, Buffer][] = [
  ...Object.entries(SECRETS).map(([name, value]): [string, Buffer] => [name, Buffer.from(value)]),
  ...KEY.privateKey
    .split('\n')
    .filter((line) => line.length >= 40 && !line.startsWith('-----'))
    .map((line, i): [string, Buffer] => [`snowflakePrivateKey line ${i + 1}`, Buffer.from(line)]),
];
/** A workspace of each kind of object, as small as can be: secrets do not depend on volume. */
const SMALLEST = { seed: 5, users: 2, databases: 1, rowsPerDatabase: 4, pages: 3, blocksPerPage: 4, maxDepth: 2, commentsPerPage: 1, hostileNames: false, unshared: 0 };
const S3_ACCESS_KEY = `NFACCESS${RUN}`.toUpperCase();
/** s3rver does not check SigV4 signatures (a wrong secret alone passes): a wrong key id, with a wrong secret, makes S3 refuse. */
const WRONG_S3_ACCESS_KEY = `NFWRONGACCESS${RUN}`.toUpperCase();
const SNOWFLAKE_ACCOUNT = 'secrets';
/** The drivers' home and cache directories go to a temp dir for this file (searched too), then back. */
const HOME_VARS = ['HOME', 'XDG_CACHE_HOME', 'SF_OCSP_RESPONSE_CACHE_DIR', 'SF_TEMPORARY_CREDENTIAL_CACHE_DIR', 'SNOWFLAKE_CRL_ON_DISK_CACHE_DIR'];

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const requireCjs = createRequire(import.meta.url);
const S3rver = requireCjs('s3rver') as new (options: Record<string, unknown>) => S3rverServer;
/** s3rver checks request signatures against its account registry: the distinctive key pair is added to it. */
const s3Accounts = requireCjs('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void } };

let dir: string;
let work: string;
let notion: NotionServer;
let pg: PostgresServer;
let fake: FakeSnowflake;
let s3: S3rverServer;
let s3Endpoint: string;
const saved: Record<string, string | undefined> = {};
/** Everything printed, logged, returned or thrown, by where it came from. */
const outputs: [string, string][] = [];
/** Every hit: `<secret> in <where>`. */
const findings: string[] = [];
/** What was searched, for the test that checks the search covered what it should. */
const searched: string[] = [];

function scan(where: string, content: Buffer | string): void {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  searched.push(where);
  for (const [name, needle] of NEEDLES) if (bytes.includes(needle)) findings.push(`${name} in ${where}`);
}

/** An error as everything that could print it: message, stack, every own property at any depth, JSON. */
function errorText(error: unknown): string {
  const own = (e: unknown): unknown => (e instanceof Error ? Object.fromEntries(Object.getOwnPropertyNames(e).map((k) => [k, own((e as never)[k])])) : e);
  let json = '';
  try {
    json = JSON.stringify(own(error));
  } catch {
    json = '(circular)';
  }
  return [String(error), (error as Error)?.stack ?? '', inspect(error, { depth: 8, showHidden: true }), json].join('\n');
}

const destinations = (): [string, Destination][] => [
  ['duckdb', duckdb({ path: join(work, 'secrets.duckdb') })],
  ['postgres', postgres({ credentials: pg.connectionString })],
  ['filesystem local', filesystem({ bucketUrl: join(dir, 'lake') })],
  ['filesystem s3', filesystem({ bucketUrl: 's3://secrets/lake', s3: { endpoint: s3Endpoint, accessKeyId: S3_ACCESS_KEY, secretAccessKey: SECRETS.s3SecretKey } })],
  ['snowflake password', snowflake({ accessUrl: fake.url, account: SNOWFLAKE_ACCOUNT, username: 'LOADER', password: SECRETS.snowflakePassword, database: 'BYPASSWORD' })],
  ['snowflake key pair', snowflake({ accessUrl: fake.url, account: SNOWFLAKE_ACCOUNT, username: 'KEYUSER', privateKey: SECRETS.snowflakePrivateKey, database: 'BYKEY' })],
  ['sink', sink(async (table, batch) => void outputs.push([`sink batch ${table}`, JSON.stringify(batch.toArray().map((r) => r.toJSON()), (_k, v) => (typeof v === 'bigint' ? String(v) : v))]), { stateDir: join(work, '.notionflow', 'sinks', 'secrets_sink') })],
];

/** Destinations given a wrong secret: each load fails. */
const wrongDestinations = (): [string, Destination][] => [
  ['postgres, wrong password', postgres({ credentials: pg.connectionString.replace(SECRETS.postgresPassword, SECRETS.wrongPostgresPassword) })],
  ['filesystem s3, wrong key', filesystem({ bucketUrl: 's3://secrets/wrong', s3: { endpoint: s3Endpoint, accessKeyId: WRONG_S3_ACCESS_KEY, secretAccessKey: SECRETS.wrongS3SecretKey } })],
  ['snowflake, wrong password', snowflake({ accessUrl: fake.url, account: SNOWFLAKE_ACCOUNT, username: 'LOADER', password: SECRETS.wrongSnowflakePassword, database: 'WRONG' })],
];

/** The CLI's settings for each destination, all from the environment as a deployment would set them. */
function cliEnv(): Record<string, Record<string, string>> {
  const sf = { NOTIONFLOW__DESTINATION__SNOWFLAKE__ACCESS_URL: fake.url, NOTIONFLOW__DESTINATION__SNOWFLAKE__ACCOUNT: SNOWFLAKE_ACCOUNT };
  return {
    postgres: { NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS: pg.connectionString },
    filesystem: {
      NOTIONFLOW__DESTINATION__FILESYSTEM__BUCKET_URL: 's3://secrets/cli',
      NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
      NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: SECRETS.s3SecretKey,
      NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL: s3Endpoint,
    },
    snowflake: { ...sf, NOTIONFLOW__DESTINATION__SNOWFLAKE__USERNAME: 'LOADER', NOTIONFLOW__DESTINATION__SNOWFLAKE__PASSWORD: SECRETS.snowflakePassword, NOTIONFLOW__DESTINATION__SNOWFLAKE__DATABASE: 'CLIPASSWORD' },
    snowflake_key: { ...sf, NOTIONFLOW__DESTINATION__SNOWFLAKE__USERNAME: 'KEYUSER', NOTIONFLOW__DESTINATION__SNOWFLAKE__PRIVATE_KEY: SECRETS.snowflakePrivateKey, NOTIONFLOW__DESTINATION__SNOWFLAKE__DATABASE: 'CLIKEY' },
  };
}

/** Every file under `root` (names too), raw; DuckDB files and Parquet files also as every row they hold. */
async function scanTree(root: string): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    scan(`the name ${path}`, path);
    if (!entry.isFile()) continue;
    scan(path, await readFile(path));
    if (entry.name.endsWith('.duckdb')) scan(`${path} (every row)`, await duckdbRows(path));
    if (entry.name.endsWith('.parquet')) scan(`${path} (every row)`, await parquetRows(path));
  }
}

/** Every row of every table of a DuckDB file, as JSON: compressed strings are searched decompressed. */
async function duckdbRows(path: string): Promise<string> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables = (await connection.runAndReadAll(`select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'`)).getRowObjectsJS();
    const out: string[] = [];
    for (const t of tables) out.push(JSON.stringify((await connection.runAndReadAll(`select * from "${String(t['table_schema'])}"."${String(t['table_name'])}"`)).getRowObjectsJson()));
    expect(out.length).toBeGreaterThan(3);
    return out.join('\n');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function parquetRows(path: string): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return JSON.stringify((await connection.runAndReadAll(`select * from read_parquet('${path.replace(/'/g, "''")}')`)).getRowObjectsJson());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Every row of every table of a fake Snowflake database. */
async function snowflakeRows(database: string): Promise<string> {
  const tables = await fake.inspect(database, `select table_schema, table_name from information_schema.tables where table_catalog = '${database}'`);
  expect(tables.length).toBeGreaterThan(3);
  const out: string[] = [];
  for (const t of tables) out.push(JSON.stringify(await fake.inspect(database, `select * from "${String(t['table_schema'])}"."${String(t['table_name'])}"`), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  return out.join('\n');
}

/** A plain-text dump of the whole PostgreSQL database (pg_dump, the password given through PGPASSWORD). */
async function pgDump(): Promise<string> {
  const { stdout } = await promisify(execFile)(join(POSTGRES_BIN, 'pg_dump'), ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'postgres'], {
    env: { ...process.env, PGPASSWORD: SECRETS.postgresPassword },
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** A pipeline name for a case's name. */
const slug = (name: string): string => name.toLowerCase().replace(/\W+/g, '_').replace(/_+$/, '');

const source = (token: string) => notionSource({ apiKey: token, baseUrl: notion.url, rateLimit: false });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nf-secrets-'));
  work = join(dir, 'work');
  await Promise.all(['work', 'cli', 'home', 'lake', 's3rver'].map((d) => mkdir(join(dir, d), { recursive: true })));
  for (const v of HOME_VARS) {
    saved[v] = process.env[v];
    process.env[v] = join(dir, 'home');
  }
  notion = await startNotionServer({ workspace: SMALLEST, token: SECRETS.notionToken });
  s3Accounts.DUMMY_ACCOUNT.createKeyPair(S3_ACCESS_KEY, SECRETS.s3SecretKey);
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3rver') });
  s3Endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: SECRETS.s3SecretKey } });
  await client.send(new CreateBucketCommand({ Bucket: 'secrets' }));
  client.destroy();
  [pg, fake] = await Promise.all([
    startPostgres({ password: SECRETS.postgresPassword }),
    FakeSnowflake.start({ account: SNOWFLAKE_ACCOUNT, users: [{ name: 'LOADER', password: SECRETS.snowflakePassword }, { name: 'KEYUSER', publicKey: KEY.publicKey }] }),
  ]);

  // From code: every destination loads (side by side); every wrong secret fails.
  await Promise.all(
    destinations().map(async ([name, destination]) => {
      const sql: string[] = [];
      const p = pipeline({ pipelineName: `code_${slug(name)}`, destination, cwd: work, log: (line) => sql.push(line) });
      const info = await p.run(source(SECRETS.notionToken));
      outputs.push([`${name}: load info (JSON)`, JSON.stringify(info)], [`${name}: load info (printed)`, `${formatLoadInfo(info)}\n${inspect(info, { depth: Infinity })}`], [`${name}: SQL log`, sql.join('\n')]);
    }),
  );
  const failures: [string, Destination, string][] = [
    ['wrong Notion token', duckdb({ path: join(work, 'wrong.duckdb') }), SECRETS.wrongNotionToken],
    ...wrongDestinations().map(([name, destination]): [string, Destination, string] => [name, destination, SECRETS.notionToken]),
  ];
  await Promise.all(
    failures.map(async ([name, destination, token]) => {
      const p = pipeline({ pipelineName: `code_${slug(name)}`, destination, cwd: work });
      const error = await p.run(source(token)).then(() => new Error(`${name}: the load did not fail`), (e: unknown) => e);
      outputs.push([`${name}: thrown error`, errorText(error)]);
    }),
  );

  // From the CLI with -v: PostgreSQL and Snowflake (key pair) in their own processes, side by side (all
  // the process prints, drivers' output included), the others in this one; then the read commands.
  const env = cliEnv();
  const base = { NOTION_API_KEY: SECRETS.notionToken, NOTION_BASE_URL: notion.url, ...Object.fromEntries(HOME_VARS.map((v) => [v, join(dir, 'home')])) };
  const cliArgs = (name: string) => ['--pipeline-name', `cli_${name}`, '--destination', name.replace(/_key$/, '')];
  const runArgs = ['--rate-limit', '0', '--progress', 'log', '-v'];
  const cliRuns = await Promise.all(
    ['postgres', 'snowflake_key'].map(async (name) => [name, await runTs(['src/cli/bin.ts', 'run', ...cliArgs(name), ...runArgs], { cwd: join(dir, 'cli'), env: { ...base, ...env[name]! } })] as const),
  );
  for (const name of ['filesystem', 'snowflake']) cliRuns.push([name, await cli(['run', ...cliArgs(name), ...runArgs], { ...base, ...env[name]! }, join(dir, 'cli'))]);
  for (const [name, r] of cliRuns) {
    outputs.push([`notionflow run -v (${name}): exit code, stdout and stderr`, `${r.code}\n${r.stdout}\n${r.stderr}`]);
    expect({ name, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ name, code: 0, stderr: '' });
  }
  // `info` reads every table: on the filesystem over S3 that takes a minute (see the report), so trace, state, loads and schema there.
  const reads: [string, string[]][] = [
    ['postgres', ['info', 'trace', 'state', 'loads', 'schema']],
    ['snowflake_key', ['info', 'trace', 'state', 'loads', 'schema']],
    ['filesystem', ['trace', 'state', 'loads', 'schema']],
  ];
  for (const [name, commands] of reads) {
    for (const command of commands) {
      const r = await cli([command, ...cliArgs(name)], { ...base, ...env[name]! }, join(dir, 'cli'));
      outputs.push([`notionflow ${command} (${name})`, `${r.code}\n${r.stdout}\n${r.stderr}`]);
      expect({ name, command, code: r.code }).toEqual({ name, command, code: 0 });
    }
  }
  const wrongCli: [string, Record<string, string>, string][] = [
    ['wrong Notion token', { ...base, NOTION_API_KEY: SECRETS.wrongNotionToken }, 'duckdb'],
    ['wrong Postgres password', { ...base, NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS: pg.connectionString.replace(SECRETS.postgresPassword, SECRETS.wrongPostgresPassword) }, 'postgres'],
    ['wrong Snowflake password', { ...base, ...env['snowflake']!, NOTIONFLOW__DESTINATION__SNOWFLAKE__PASSWORD: SECRETS.wrongSnowflakePassword }, 'snowflake'],
    ['wrong S3 key', { ...base, ...env['filesystem']!, NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: WRONG_S3_ACCESS_KEY, NOTIONFLOW__DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: SECRETS.wrongS3SecretKey }, 'filesystem'],
  ];
  for (const [name, settings, destination] of wrongCli) {
    const r = await cli(['run', '--pipeline-name', `cli_wrong_${destination}`, '--destination', destination, ...runArgs], settings, join(dir, 'cli'));
    outputs.push([`notionflow run -v, ${name}: exit code, stdout and stderr`, `${r.code}\n${r.stdout}\n${r.stderr}`]);
    expect({ name, code: r.code }).toEqual({ name, code: 1 });
  }

  // Everything written: files, the PostgreSQL database, the Snowflake databases.
  for (const root of ['work', 'cli', 'home', 'lake', 's3rver']) await scanTree(join(dir, root));
  scan('pg_dump of the PostgreSQL database', await pgDump());
  for (const database of ['BYPASSWORD', 'BYKEY', 'CLIPASSWORD', 'CLIKEY']) scan(`Snowflake database ${database} (every row)`, await snowflakeRows(database));
  for (const [where, text] of outputs) scan(where, text);
}, 300_000);

afterAll(async () => {
  await notion?.close();
  await pg?.stop();
  await fake?.close();
  await s3?.close();
  s3Accounts.DUMMY_ACCOUNT.revokeAccessKey(S3_ACCESS_KEY);
  for (const v of HOME_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  await rm(dir, { recursive: true, force: true });
});

describe('secrets', () => {
  it('are written nowhere: not in any file, database, dump, output, log, load info or error', () => {
    expect(findings).toEqual([]);
  });

  it('are found where they are given: the search itself works, for every secret and every line of the key', () => {
    const before = findings.length;
    scan('control: the settings the CLI was given', [JSON.stringify(cliEnv()), ...Object.values(SECRETS)].join('\n'));
    const control = findings.splice(before).map((f) => f.replace(/ in control: .*$/, ''));
    expect(control.sort()).toEqual(NEEDLES.map(([name]) => name).sort());
  });

  it('the search covered what every destination wrote, the failures and the CLI output', () => {
    const has = (pattern: RegExp) => expect({ pattern: String(pattern), found: searched.some((w) => pattern.test(w)) }).toEqual({ pattern: String(pattern), found: true });
    has(/secrets\.duckdb \(every row\)$/);
    has(/^pg_dump/);
    has(/lake\/.*\.parquet \(every row\)$/);
    has(/s3rver\/secrets\/lake\//);
    has(/s3rver\/secrets\/cli\//);
    has(/\.notionflow\/sinks\/secrets_sink\/[^/]+\/state\.json$/);
    has(/work\/\.notionflow\/pipelines\/code_postgres\/trace\.json$/);
    has(/work\/\.notionflow\/pipelines\/code_postgres_wrong_password\/trace\.json$/);
    has(/cli\/\.notionflow\/pipelines\/cli_snowflake\/trace\.json$/);
    has(/^Snowflake database CLIKEY/);
    has(/^sink batch pages$/);
    for (const name of ['wrong Notion token', 'postgres, wrong password', 'filesystem s3, wrong key', 'snowflake, wrong password']) has(new RegExp(`^${name}: thrown error$`));
    has(/^notionflow run -v \(snowflake_key\)/);
  });

  it('the failures failed for the reason given, in one line naming it', () => {
    const text = (where: string) => outputs.find(([w]) => w === where)![1];
    expect(text('wrong Notion token: thrown error')).toMatch(/401|unauthorized|token/i);
    expect(text('postgres, wrong password: thrown error')).toMatch(/password authentication failed/);
    expect(text('snowflake, wrong password: thrown error')).toMatch(/password|authenticat|login/i);
    expect(text('filesystem s3, wrong key: thrown error')).toMatch(/InvalidAccessKeyId|access key/i);
  });
});
