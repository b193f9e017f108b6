import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { OAuth2Client } from 'google-auth-library';
import { bigquery } from '../../destinations/bigquery/index.js';
import type { Destination } from '../../destinations/destination.js';
import { duckdb } from '../../destinations/duckdb/index.js';
import { filesystem } from '../../destinations/filesystem/index.js';
import { postgres } from '../../destinations/postgres/index.js';
import { redshift } from '../../destinations/redshift/index.js';
import { snowflake } from '../../destinations/snowflake/index.js';
import type { LoadInfo } from '../../src/pipeline/load-info.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { startAzurite, type Azurite } from '../helpers/azurite.js';
import { FakeBigQuery } from '../helpers/fake-bigquery/fake-bigquery.js';
import { FakeGcs } from '../helpers/fake-gcs/fake-gcs.js';
import { RedshiftEmulator } from '../helpers/fake-redshift/redshift-emulator.js';
import { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { quoteIdentifier } from '../../src/schema/naming.js';
import { valueOf } from './typed-truth.js';

/** s3rver ships no types; this is the part the test uses. */
interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverServer;
const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const SNOWFLAKE_PASSWORD = 'e2e-pw';
const BIGQUERY_TOKEN = 'ya29.e2e-token';
/** The Snowflake driver's cache directories go to a temp dir for this file, then back; google-auth-library looks for no metadata server. */
const CACHE_VARS = ['HOME', 'XDG_CACHE_HOME', 'SF_OCSP_RESPONSE_CACHE_DIR', 'SF_TEMPORARY_CREDENTIAL_CACHE_DIR', 'SNOWFLAKE_CRL_ON_DISK_CACHE_DIR'];
const ENV = { METADATA_SERVER_DETECTION: 'none' };

const PIPELINE = 'e2e_destinations';
const DATASET = 'notion_data';

/** One destination under test, its pipeline, and what its two runs loaded. */
interface Target {
  readonly name: string;
  readonly destination: Destination;
  readonly pipeline: Pipeline;
  readonly runs: LoadInfo[];
  first?: TableCounts;
  second?: TableCounts;
}

/** Per data table: all rows, distinct `_dlt_id`s, and rows per load id. */
interface TableCounts {
  readonly rows: Record<string, number>;
  readonly distinctIds: Record<string, number>;
  readonly byLoad: Record<string, Record<string, number>>;
}

/** An identifier as the destination stores it (Snowflake folds to upper case), quoted as its dialect does (BigQuery: backticks). */
function ident(destination: Destination, name: string): string {
  return destination.dialect?.quoteIdent(name) ?? quoteIdentifier(destination.capabilities.caseSensitiveIdentifiers ? name : name.toUpperCase());
}

/** The data tables of the stored schema, and their counts, in one query per destination. */
async function countTables(t: Target): Promise<TableCounts> {
  const session = await t.destination.open({ pipelineName: PIPELINE, datasetName: DATASET });
  let tables: string[];
  try {
    const stored = await session.readState(PIPELINE);
    tables = (stored?.tables ?? []).map((x) => x.name).filter((n) => !n.startsWith('_dlt')).sort();
  } finally {
    await session.close();
  }
  expect(tables.length).toBeGreaterThan(0);
  const q = (n: string) => ident(t.destination, n);
  const sql = tables
    .map(
      (name) =>
        `SELECT '${name}' AS ${q('t')}, ${q('_dlt_load_id')} AS ${q('load_id')}, COUNT(*) AS ${q('n')} ` +
        `FROM ${q(DATASET)}.${q(name)} GROUP BY ${q('_dlt_load_id')}`,
    )
    .join(' UNION ALL ');
  const counts: TableCounts = {
    rows: Object.fromEntries(tables.map((n) => [n, 0])),
    distinctIds: Object.fromEntries(tables.map((n) => [n, 0])),
    byLoad: {},
  };
  for (const r of await t.pipeline.dataset().sql(sql)) {
    const table = String(r['t']);
    const n = Number(r['n']);
    counts.rows[table]! += n;
    (counts.byLoad[String(r['load_id'])] ??= {})[table] = n;
  }
  // Distinct ids across loads (a row id loaded twice on an append-only destination counts once).
  const distinct = tables.map((name) => `SELECT '${name}' AS ${q('t')}, COUNT(DISTINCT ${q('_dlt_id')}) AS ${q('ids')} FROM ${q(DATASET)}.${q(name)}`).join(' UNION ALL ');
  for (const r of await t.pipeline.dataset().sql(distinct)) counts.distinctIds[String(r['t'])] = Number(r['ids']);
  return counts;
}

let notion: NotionServer;
let pgServer: PostgresServer;
let fake: FakeSnowflake;
let redshiftEmulator: RedshiftEmulator;
let fakeBigQuery: FakeBigQuery;
let s3: S3rverServer;
let s3Client: S3Client;
let gcs: FakeGcs;
let azurite: Azurite;
let dir: string;
const savedEnv: Record<string, string | undefined> = {};
const targets: Target[] = [];

const run = (t: Target) => t.pipeline.run(notionSource({ apiKey: notion.token, baseUrl: notion.url, rateLimit: false }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nf-e2e-dest-'));
  for (const v of CACHE_VARS) {
    savedEnv[v] = process.env[v];
    process.env[v] = dir;
  }
  for (const [k, v] of Object.entries(ENV)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  notion = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 9 } });
  pgServer = await startPostgres();
  fake = await FakeSnowflake.start({ account: 'e2eacct', users: [{ name: 'LOADER', password: SNOWFLAKE_PASSWORD }] });
  redshiftEmulator = await RedshiftEmulator.start(pgServer);
  const redshiftDb = await redshiftEmulator.database();
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3rver'), resetOnClose: true });
  const { port } = await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  s3Client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await s3Client.send(new CreateBucketCommand({ Bucket: 'e2e' }));
  [gcs, azurite, fakeBigQuery] = await Promise.all([FakeGcs.start(), startAzurite(), FakeBigQuery.start({ token: BIGQUERY_TOKEN })]);
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: BIGQUERY_TOKEN, expiry_date: 4_102_444_800_000 });
  gcs.createBucket('e2e');
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('e2e').create();

  const destinations: [string, Destination][] = [
    ['duckdb', duckdb({ path: join(dir, 'e2e.duckdb') })],
    ['postgres', postgres({ credentials: pgServer.connectionString })],
    ['snowflake', snowflake({ accessUrl: fake.url, account: 'e2eacct', username: 'LOADER', password: SNOWFLAKE_PASSWORD, database: 'E2E' })],
    // PostgreSQL with Redshift's COPY from S3 (s3rver) emulated; every statement it is sent is linted below.
    ['redshift', redshiftEmulator.watch(redshift(redshiftEmulator.config(redshiftDb.name), redshiftEmulator.importer))],
    ['bigquery', bigquery({ projectId: fakeBigQuery.project, apiEndpoint: fakeBigQuery.url, authClient })],
    ['filesystem (local parquet)', filesystem({ bucketUrl: join(dir, 'lake') })],
    ['filesystem (s3rver parquet)', filesystem({ bucketUrl: 's3://e2e/lake', s3: { endpoint, ...S3_CREDENTIALS } })],
    ['filesystem (gcs fake parquet)', filesystem({ bucketUrl: 'gs://e2e/lake', gcs: { endpoint: gcs.url } })],
    ['filesystem (azurite jsonl)', filesystem({ bucketUrl: 'az://e2e/lake', format: 'jsonl', azure: { connectionString: azurite.connectionString } })],
  ];
  for (const [name, destination] of destinations) {
    const t: Target = { name, destination, pipeline: pipeline({ pipelineName: PIPELINE, destination, datasetName: DATASET }), runs: [] };
    targets.push(t);
    t.runs.push(await run(t));
    t.first = await countTables(t);
    t.runs.push(await run(t));
    t.second = await countTables(t);
  }
}, 600_000);

afterAll(async () => {
  await notion?.close();
  await redshiftEmulator?.close();
  await pgServer?.stop();
  await fake?.close();
  s3Client?.destroy();
  await s3?.close();
  await gcs?.close();
  await azurite?.stop();
  await fakeBigQuery?.close();
  for (const v of [...CACHE_VARS, ...Object.keys(ENV)]) {
    if (savedEnv[v] === undefined) delete process.env[v];
    else process.env[v] = savedEnv[v];
  }
  await rm(dir, { recursive: true, force: true });
});

const merging = () => targets.filter((t) => t.destination.capabilities.writeDispositions.includes('merge'));
const appendOnly = () => targets.filter((t) => !t.destination.capabilities.writeDispositions.includes('merge'));

describe('the built-in Notion workspace loaded into every destination', () => {
  it('a first load gives the same tables and the same row count per table on every destination', () => {
    const [reference, ...others] = targets;
    expect(reference!.name).toBe('duckdb');
    expect(others).toHaveLength(8);
    expect(reference!.first!.rows['blocks']).toBeGreaterThan(0);
    expect(reference!.first!.rows['pages']).toBe([...notion.workspace.pages()].length);
    for (const t of others) expect({ [t.name]: t.first!.rows }).toEqual({ [t.name]: reference!.first!.rows });
    // Every row written is counted once, and every row of the first load has its own id.
    for (const t of targets) {
      expect({ [t.name]: t.first!.distinctIds }).toEqual({ [t.name]: t.first!.rows });
      expect({ [t.name]: t.first!.rows }).toEqual({ [t.name]: { ...t.first!.rows, ...t.runs[0]!.rowCounts } });
    }
  });

  it('every destination keeps one state row and one complete load row per load, though each load committed in several units', async () => {
    for (const t of targets) {
      expect(t.runs[0]!.commits).toBeGreaterThan(1);
      const q = (n: string) => ident(t.destination, n);
      const states = await t.pipeline.dataset().sql(`SELECT ${q('_dlt_load_id')} AS ${q('id')} FROM ${q(DATASET)}.${q('_dlt_pipeline_state')} ORDER BY 1`);
      const loads = await t.pipeline.dataset().sql(`SELECT ${q('load_id')} AS ${q('id')}, ${q('status')} AS ${q('status')} FROM ${q(DATASET)}.${q('_dlt_loads')} ORDER BY 1`);
      const ids = t.runs.map((r) => r.loadId);
      expect({ [t.name]: states.map((r) => r['id']) }).toEqual({ [t.name]: ids });
      expect({ [t.name]: loads.map((r) => [r['id'], Number(r['status'])]) }).toEqual({ [t.name]: ids.map((id) => [id, 0]) });
    }
  });

  it('a second run leaves every count unchanged on the merging destinations (duckdb, postgres, snowflake, redshift, bigquery)', () => {
    expect(merging().map((t) => t.name)).toEqual(['duckdb', 'postgres', 'snowflake', 'redshift', 'bigquery']);
    for (const t of merging()) {
      expect({ [t.name]: t.second!.rows }).toEqual({ [t.name]: t.first!.rows });
      expect(t.runs[1]!.loadId).not.toBe(t.runs[0]!.loadId);
    }
  });

  it('a second run on the append-only filesystem keeps every first-load row and appends what the run loaded again (no row deleted, no id new)', () => {
    expect(appendOnly().map((t) => t.name)).toEqual(['filesystem (local parquet)', 'filesystem (s3rver parquet)', 'filesystem (gcs fake parquet)', 'filesystem (azurite jsonl)']);
    const reference = targets[0]!.first!.rows;
    for (const t of appendOnly()) {
      const [first, second] = t.runs.map((r) => r.loadId);
      // Rows of the first load are untouched: deletes (tree replacement) are ignored, files never rewritten.
      expect({ [t.name]: t.second!.byLoad[first!] }).toEqual({ [t.name]: t.first!.byLoad[first!] });
      // The second load's rows are exactly what the run reported writing, added on top.
      const appended = t.second!.byLoad[second!] ?? {};
      expect(Object.values(appended).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(appended).toEqual(Object.fromEntries(Object.entries(t.runs[1]!.rowCounts).filter(([, n]) => n > 0)));
      for (const [table, n] of Object.entries(t.second!.rows)) expect({ [table]: n }).toEqual({ [table]: t.first!.rows[table]! + (appended[table] ?? 0) });
      // Re-read rows carry the ids they had: the distinct rows are the merging destinations' rows.
      expect({ [t.name]: t.second!.distinctIds }).toEqual({ [t.name]: reference });
    }
  });

  it('sends Redshift only SQL it accepts: the dialect lint finds nothing in two loads and their queries', () => {
    expect(redshiftEmulator.copies.length).toBeGreaterThan(0);
    expect(redshiftEmulator.lintFindings()).toEqual([]);
  });

  it('answers dataset().table(name) by the names notionflow gave, on every destination (Snowflake folds them)', async () => {
    const [typed] = await targets[0]!.pipeline.dataset().sql(`SELECT table_name FROM ${DATASET}.notion_properties LIMIT 1`);
    const typedTable = String(typed!['table_name']);
    // Snowflake stores quoted names upper-cased (the fake, backed by DuckDB, would also resolve them lower-case).
    const snowflakeTarget = targets.find((t) => t.name === 'snowflake')!;
    expect(snowflakeTarget.pipeline.dataset().table('pages').sql).toBe(`select * from "${DATASET.toUpperCase()}"."PAGES"`);
    expect(targets[0]!.pipeline.dataset().table('pages').sql).toBe(`select * from "${DATASET}"."pages"`);
    for (const t of targets) {
      const pages = await t.pipeline.dataset().table('pages').count();
      expect({ [t.name]: pages }).toEqual({ [t.name]: t.first!.rows['pages'] });
      expect({ [t.name]: (await t.pipeline.dataset().table(typedTable).rows()).length }).toEqual({ [t.name]: t.first!.rows[typedTable] });
    }
  });

  it('writes the same typed tables, list columns included, on every destination (Parquet read back by DuckDB)', async () => {
    const [reference, ...others] = targets;
    const typedTables = (await reference!.pipeline.dataset().sql(`SELECT DISTINCT table_name FROM ${DATASET}.notion_properties ORDER BY 1`)).map((r) => String(r['table_name']));
    expect(typedTables.length).toBeGreaterThan(0);
    const [listColumn] = await reference!.pipeline.dataset().sql(`SELECT table_name, column_name FROM ${DATASET}.notion_properties WHERE property_type = 'multi_select' LIMIT 1`);
    expect(listColumn).toBeDefined();
    const rowsOf = async (t: Target, table: string) => {
      const q = (n: string) => ident(t.destination, n);
      const first = t.runs[0]!.loadId;
      const rows = await t.pipeline.dataset().sql(`SELECT * FROM ${q(DATASET)}.${q(table)} WHERE ${q('_dlt_load_id')} = '${first}' ORDER BY ${q('id')}`);
      // Compared by value: names folded to lower case, timestamps as epoch ms, lists as arrays; load ids differ per destination.
      return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.toLowerCase().startsWith('_dlt_load_id')).map(([k, v]) => [k.toLowerCase(), valueOf(v)])));
    };
    for (const table of typedTables) {
      const expected = await rowsOf(reference!, table);
      if (table === listColumn!['table_name']) expect(expected.some((r) => Array.isArray(r[String(listColumn!['column_name'])]) && (r[String(listColumn!['column_name'])] as unknown[]).length > 0)).toBe(true);
      for (const t of others) expect({ [t.name]: table, rows: await rowsOf(t, table) }).toEqual({ [t.name]: table, rows: expected });
    }
  });
});
