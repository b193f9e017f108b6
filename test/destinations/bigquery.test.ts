import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { ConfigError } from '../../src/errors.js';
import type { TableSchema } from '../../src/schema/table-schema.js';
import { bigquery, BIGQUERY_CAPABILITIES, BigQueryDialect, type BigQueryConfig } from '../../destinations/bigquery/index.js';
import { BigQueryDriver } from '../../destinations/bigquery/bigquery-driver.js';
import { bigqueryScript, renumberParams } from '../../destinations/bigquery/bigquery-script.js';
import type { LoadCommit } from '../../destinations/destination.js';
import { DestinationError } from '../../destinations/errors.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import { recordConnections } from '../helpers/connections.js';
import { FakeBigQuery } from '../helpers/fake-bigquery/fake-bigquery.js';
import { runConformanceSuite } from './conformance.js';

const TOKEN = 'ya29.test-access-token-never-printed';
const PROJECT = 'notionflow-test';

/** An OAuth client holding the fake's token until far in the future: no token is ever fetched. */
function authClient(token = TOKEN): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: 4_102_444_800_000 });
  return client;
}

const savedDetection = process.env['METADATA_SERVER_DETECTION'];
// Every TCP connection this file's clients attempt; checked by the last test.
const connections = recordConnections();
let fake: FakeBigQuery;

beforeAll(async () => {
  // Without this, google-auth-library looks for a GCE metadata server before it gives up on ADC.
  process.env['METADATA_SERVER_DETECTION'] = 'none';
  fake = await FakeBigQuery.start({ token: TOKEN, project: PROJECT });
});

afterAll(async () => {
  connections.stop();
  await fake.close();
  if (savedDetection === undefined) delete process.env['METADATA_SERVER_DETECTION'];
  else process.env['METADATA_SERVER_DETECTION'] = savedDetection;
});

function config(extra: Partial<BigQueryConfig> = {}, on: FakeBigQuery = fake): BigQueryConfig {
  return { projectId: on.project, apiEndpoint: on.url, authClient: authClient(), ...extra };
}

// A fake (a fresh DuckDB) per test; pages of 50 rows make the client follow getQueryResults' pageToken.
runConformanceSuite('bigquery', BIGQUERY_CAPABILITIES, async () => {
  const own = await FakeBigQuery.start({ token: TOKEN, project: PROJECT, pageRows: 50 });
  return { destination: bigquery(config({}, own)), cleanup: () => own.close() };
});

describe('bigquery destination', () => {
  const pages: TableSchema = {
    name: 'pages',
    columns: [
      { name: 'id', dataType: 'text', nullable: false },
      { name: 'n', dataType: 'bigint', nullable: true },
      { name: 'j', dataType: 'json', nullable: true },
      { name: 'ts', dataType: 'timestamp', nullable: true },
      { name: 'tags', dataType: 'text_list', nullable: true },
      { name: '_dlt_id', dataType: 'text', nullable: false },
    ],
    primaryKey: ['id'],
    writeDisposition: 'merge',
  };
  const load = (loadId: string, extra: Partial<LoadCommit> = {}): LoadCommit => ({
    loadId,
    pipelineName: 'p',
    schemaName: 'notion',
    tables: [pages],
    schemaVersionHash: 'h1',
    schemaChanged: true,
    state: { cursor: loadId },
    writtenTables: ['pages'],
    replaceTables: [],
    final: true,
    ...extra,
  });
  const rows = Array.from({ length: 500 }, (_, i) => ({ id: `p${i}`, n: i, j: `{"i":${i}}`, ts: Date.UTC(2024, 0, 1) + i, tags: [`t${i % 3}`], _dlt_id: `d${i}` }));
  let datasetSeq = 0;

  async function loadOnce(cfg: BigQueryConfig, dataset: string, loadId: string): Promise<string[]> {
    const log: string[] = [];
    const session = new RuntimeSession(await bigquery(cfg).open({ pipelineName: 'p', datasetName: dataset, log: (l) => log.push(l) }));
    try {
      await session.readState('p');
      await session.ensureSchema([pages]);
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(0, 250)));
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(250)));
      await session.commit(load(loadId));
      const got = await session.query(`SELECT COUNT(*) AS n, SUM(n) AS s, MAX(ts) AS ts FROM \`${dataset}\`.\`pages\``);
      expect(got.rows).toEqual([{ n: 500, s: (499 * 500) / 2, ts: new Date(Date.UTC(2024, 0, 1) + 499) }]);
      const one = await session.query(`SELECT j, tags FROM \`${PROJECT}.${dataset}.pages\` WHERE id = 'p7'`);
      expect(JSON.parse(one.rows[0]!['j'] as string)).toEqual({ i: 7 });
      expect(one.rows[0]!['tags']).toEqual(['t1']);
    } finally {
      await session.close();
    }
    return log;
  }

  it('stages batches by NDJSON load jobs into <dataset>_staging and commits one transaction script with named parameters', async () => {
    const dataset = `loads_${++datasetSeq}`;
    const before = fake.requests.length;
    const log = await loadOnce(config(), dataset, 'l1');
    const requests = fake.requests.slice(before);

    // Two batches: two multipart uploads of load jobs into the staging table; no streaming inserts.
    const uploads = requests.filter((r) => r.kind.startsWith('upload'));
    expect(uploads.map((r) => [r.kind, r.table])).toEqual([
      ['upload:multipart', `${dataset}_staging.pages`],
      ['upload:multipart', `${dataset}_staging.pages`],
    ]);
    expect(requests.some((r) => r.path.includes('insertAll'))).toBe(false);

    // One query job holds the whole commit: BEGIN … COMMIT, one statement per line, after the loads.
    const queries = requests.filter((r) => r.kind === 'query');
    const commits = queries.filter((r) => r.sql!.startsWith('BEGIN TRANSACTION;'));
    expect(commits).toHaveLength(1);
    const commit = commits[0]!;
    expect(requests.indexOf(commit)).toBeGreaterThan(requests.indexOf(uploads[1]!));
    const lines = commit.sql!.split('\n');
    expect(lines.at(-1)).toBe('COMMIT TRANSACTION;');
    const target = `\`${PROJECT}\`.\`${dataset}\`.\`pages\``;
    const staging = `\`${PROJECT}\`.\`${dataset}_staging\`.\`pages\``;
    expect(lines).toContain(`DELETE FROM ${staging} WHERE TRUE;`);
    expect(lines.some((l) => l.startsWith(`INSERT INTO ${target} (\`id\`, \`n\`, \`j\`, \`ts\`, \`tags\`, \`_dlt_id\`) SELECT`) && l.includes(`FROM ${staging}`))).toBe(true);
    expect(lines.some((l) => /^(CREATE|ALTER|DROP)/.test(l))).toBe(false);
    // Parameters are named and numbered through the script: the state and load rows, never batch data.
    const names = Object.keys(commit.params!);
    expect(names).toEqual(names.map((_, i) => `p${i + 1}`));
    const values = Object.values(commit.params!);
    expect(values).toEqual(expect.arrayContaining(['p', 'l1', JSON.stringify({ cursor: 'l1' })]));
    expect(values.filter((v) => typeof v !== 'string' || /^[pd]\d+$/.test(v))).toEqual([]);
    expect(lines.some((l) => /@p1(?!\d)/.test(l) && l.includes('_dlt_loads'))).toBe(false);
    expect(lines.filter((l) => l.includes('`_dlt_loads`') && l.startsWith('INSERT'))[0]).toMatch(/VALUES \(@p\d+, @p\d+, 0, CURRENT_TIMESTAMP\(\), @p\d+\);$/);
    expect(log.join('\n')).not.toContain(TOKEN);

    // A second load merges by key instead of duplicating, and leaves the staging table empty.
    await loadOnce(config(), dataset, 'l2');
    expect(await fake.inspect(`SELECT count(*)::INT AS n FROM "${dataset}_staging"."pages"`)).toEqual([{ n: 0 }]);
    expect(await fake.inspect(`SELECT count(*)::INT AS n FROM "${dataset}"."pages"`)).toEqual([{ n: 500 }]);
  });

  it('creates BigQuery types: REPEATED STRING lists, JSON, REQUIRED keys, TIMESTAMP, INT64 (as the client reads the table)', async () => {
    const dataset = `types_${++datasetSeq}`;
    const before = fake.requests.length;
    await loadOnce(config(), dataset, 't1');
    const sql = fake.requests.slice(before).filter((r) => r.kind === 'query').map((r) => r.sql);
    expect(sql).toContain(
      `CREATE TABLE IF NOT EXISTS \`${PROJECT}\`.\`${dataset}\`.\`pages\` (\`id\` STRING NOT NULL, \`n\` INT64, \`j\` JSON, \`ts\` TIMESTAMP, \`tags\` ARRAY<STRING>, \`_dlt_id\` STRING NOT NULL)`,
    );
    const bq = new BigQuery({ projectId: PROJECT, apiEndpoint: fake.url, authClient: authClient() });
    const [metadata] = await bq.dataset(dataset).table('pages').getMetadata();
    expect((metadata as { schema: { fields: unknown[] } }).schema.fields).toEqual([
      { name: 'id', type: 'STRING', mode: 'REQUIRED' },
      { name: 'n', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'j', type: 'JSON', mode: 'NULLABLE' },
      { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: '_dlt_id', type: 'STRING', mode: 'REQUIRED' },
    ]);
    const [staged] = await bq.dataset(`${dataset}_staging`).table('pages').getMetadata();
    expect((staged as { schema: { fields: { name: string }[] } }).schema.fields.map((f) => f.name)).toEqual(['id', 'n', 'j', 'ts', 'tags', '_dlt_id', '_nf_stage_seq']);
  });

  it('stores text lists as BigQuery arrays: null items left out, a NULL list empty; textLists "json" keeps them exactly as JSON', async () => {
    const dataset = `lists_${++datasetSeq}`;
    const tagged: TableSchema = { name: 'tagged', columns: [{ name: 'id', dataType: 'text', nullable: false }, { name: 'tags', dataType: 'text_list', nullable: true }], writeDisposition: 'append' };
    const session = new RuntimeSession(await bigquery(config()).open({ pipelineName: 'p', datasetName: dataset }));
    try {
      await session.readState('p');
      await session.ensureSchema([tagged]);
      await session.write('tagged', recordBatchOf(tagged.columns, [{ id: 'a', tags: ['x', null, '"y",\\'] }, { id: 'b', tags: [] }, { id: 'c', tags: null }]));
      await session.commit(load('t1', { tables: [tagged], writtenTables: ['tagged'] }));
      expect((await session.query(`SELECT id, tags FROM \`${dataset}\`.\`tagged\` ORDER BY id`)).rows).toEqual([
        { id: 'a', tags: ['x', '"y",\\'] },
        { id: 'b', tags: [] },
        { id: 'c', tags: [] },
      ]);
    } finally {
      await session.close();
    }
    expect(BIGQUERY_CAPABILITIES.supportedTypes).toContain('text_list');
    expect(BIGQUERY_CAPABILITIES.listsKeepNulls).toBe(false);
    const json = bigquery(config({ textLists: 'json' })).capabilities;
    expect(json.supportedTypes).not.toContain('text_list');
    expect(json.listsKeepNulls).toBe(true);
    expect(Object.isFrozen(json)).toBe(true);
  });

  it('sends a batch above 5 MiB as a resumable upload (session, then one PUT of the data)', async () => {
    const dataset = `big_${++datasetSeq}`;
    const wide: TableSchema = { name: 'wide', columns: [{ name: 'id', dataType: 'bigint', nullable: false }, { name: 'body', dataType: 'text', nullable: true }], writeDisposition: 'append' };
    const body = (i: number) => `${i}:${'é'.repeat(600_000)}`;
    const before = fake.requests.length;
    const session = new RuntimeSession(await bigquery(config()).open({ pipelineName: 'p', datasetName: dataset }));
    try {
      await session.readState('p');
      await session.ensureSchema([wide]);
      await session.write('wide', recordBatchOf(wide.columns, Array.from({ length: 6 }, (_, i) => ({ id: i, body: body(i) }))));
      await session.commit(load('w1', { tables: [wide], writtenTables: ['wide'] }));
      const got = await session.query(`SELECT id, LENGTH(body) AS chars, SUBSTR(body, 1, 2) AS head FROM \`${dataset}\`.\`wide\` ORDER BY id`);
      expect(got.rows).toEqual(Array.from({ length: 6 }, (_, i) => ({ id: i, chars: body(i).length, head: `${i}:` })));
    } finally {
      await session.close();
    }
    const uploads = fake.requests.slice(before).filter((r) => r.kind.startsWith('upload'));
    expect(uploads.map((r) => r.kind)).toEqual(['upload:resumable', 'upload:data']);
    expect(uploads[1]!.bytes).toBeGreaterThan(5 * 1024 * 1024);
  });

  it('fails a write whose load job BigQuery rejects, with BigQuery\'s message and the table', async () => {
    const dataset = `rejected_${++datasetSeq}`;
    const docs: TableSchema = { name: 'docs', columns: [{ name: 'id', dataType: 'text', nullable: false }, { name: 'doc', dataType: 'json', nullable: true }], writeDisposition: 'append' };
    const session = new RuntimeSession(await bigquery(config()).open({ pipelineName: 'p', datasetName: dataset }));
    try {
      await session.readState('p');
      await session.ensureSchema([docs]);
      // A json column must hold JSON text; this one breaks the NDJSON line, and the job fails.
      const error = await session.write('docs', recordBatchOf(docs.columns, [{ id: 'a', doc: '{"ok":1}' }, { id: 'b', doc: '{not json' }])).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DestinationError);
      expect(error).toMatchObject({ table: 'docs', transient: false });
      expect((error as Error).message).toMatch(/^bigquery: could not stage a batch of 2 rows for "docs": Error while reading data, error message: JSON table encountered too many errors, giving up\. Rows: 2; errors: 1\. JSON parsing error.*\(reason invalid\)$/);
    } finally {
      await session.close();
    }
  });

  it('reads results page by page (getQueryResults with pageToken)', async () => {
    const paged = await FakeBigQuery.start({ token: TOKEN, project: PROJECT, pageRows: 40 });
    try {
      await loadOnce(config({}, paged), 'paged', 'g1');
      const session = await bigquery(config({}, paged)).open({ pipelineName: 'p', datasetName: 'paged' });
      const before = paged.requests.length;
      try {
        const result = await session.query!('SELECT n FROM `paged`.`pages` ORDER BY n');
        expect(result.rows.map((r) => r['n'])).toEqual(rows.map((r) => r.n));
      } finally {
        await session.close();
      }
      expect(paged.requests.slice(before).filter((r) => r.kind === 'results')).toHaveLength(Math.ceil(rows.length / 40));
    } finally {
      await paged.close();
    }
  });

  it('rolls a failed commit back as a whole and names the failing statement\'s table and the load', async () => {
    const dataset = `rollback_${++datasetSeq}`;
    const session = new RuntimeSession(await bigquery(config()).open({ pipelineName: 'p', datasetName: dataset }));
    try {
      await session.readState('p');
      await session.ensureSchema([pages]);
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(0, 3)));
      await session.commit(load('ok'));
      // A NULL key passes staging (nullable) and fails the merge's INSERT inside the transaction.
      await session.write('pages', recordBatchOf(pages.columns, [{ ...rows[3]!, id: null }]));
      const error = await session.commit(load('bad')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DestinationError);
      expect(error).toMatchObject({ table: 'pages', loadId: 'bad', transient: false });
      expect((error as Error).message).toMatch(/^bigquery: commit of load bad failed at table "pages": Query error: .*NOT NULL.* at \[\d+:1\] \(reason invalidQuery, HTTP 400\)$/);
      await session.rollback();
      expect((await session.readState('p'))?.state).toEqual({ cursor: 'ok' });
      expect((await session.query(`SELECT COUNT(*) AS n FROM \`${dataset}\`.\`pages\``)).rows).toEqual([{ n: 3 }]);
      expect((await session.query(`SELECT load_id FROM \`${dataset}\`.\`_dlt_loads\``)).rows).toEqual([{ load_id: 'ok' }]);
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(3, 5)));
      await session.commit(load('after'));
      expect((await session.query(`SELECT COUNT(*) AS n FROM \`${dataset}\`.\`pages\``)).rows).toEqual([{ n: 5 }]);
    } finally {
      await session.close();
    }
  });

  it('drops the dataset and its staging dataset (notionflow drop)', async () => {
    const dataset = `dropped_${++datasetSeq}`;
    await loadOnce(config(), dataset, 'd1');
    const session = await bigquery(config()).open({ pipelineName: 'p', datasetName: dataset });
    try {
      await session.dropDataset!();
      expect(await session.readState('p')).toBeUndefined();
    } finally {
      await session.close();
    }
    const schemas = await fake.inspect(`SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '${dataset}%'`);
    expect(schemas).toEqual([]);
  });

  it('maps API errors to one-line DestinationErrors with reason and status', async () => {
    const session = await bigquery(config()).open({ pipelineName: 'p', datasetName: 'd' });
    try {
      const error = await session.query!('SELECT * FROM `no_such_dataset`.`t`').then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DestinationError);
      expect((error as Error).message).toMatch(/^bigquery: query failed: Not found: .* \(reason notFound, HTTP 404\)$/);
      await expect(session.query!('SELECT * FROM "d"."t"')).rejects.toThrow(/^bigquery: query failed: .*\(reason invalidQuery, HTTP 400\)$/);
    } finally {
      await session.close();
    }
    const driver = await BigQueryDriver.open(config(), new BigQueryDialect(PROJECT, 'US'), 'd');
    const api = (code: number, reason: string, message: string) => Object.assign(new Error(message), { code, errors: [{ reason, message }] });
    expect(driver.describeError(api(503, 'backendError', 'Backend error.')).transient).toBe(true);
    expect(driver.describeError(api(403, 'rateLimitExceeded', 'Exceeded rate limits.')).transient).toBe(true);
    expect(driver.describeError(api(400, 'invalidQuery', 'Transaction is aborted due to concurrent update against table p:d.t.')).transient).toBe(true);
    expect(driver.describeError(api(400, 'invalidQuery', 'Syntax error')).transient).toBe(false);
    expect(driver.describeError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ transient: true, message: 'socket hang up (ECONNRESET)' });
  });

  it('refuses a wrong token with a DestinationError that holds no token; an accessToken authenticates by itself', async () => {
    const wrong = 'ya29.wrong-token-xyz';
    const session = await bigquery(config({ authClient: authClient(wrong) })).open({ pipelineName: 'p', datasetName: 'd' });
    const error = await session.readState('p').then(() => undefined, (e: unknown) => e);
    await session.close();
    expect(error).toBeInstanceOf(DestinationError);
    const e = error as DestinationError;
    expect(e.message).toMatch(/^bigquery: could not read the catalog: Request had invalid authentication credentials\..* \(reason authError, HTTP 401\)$/);
    expect(e.transient).toBe(false);
    const everything = JSON.stringify({ message: e.message, stack: e.stack, cause: String(e.cause), causeJson: e.cause, all: Object.entries(e.cause as object) });
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(TOKEN);

    // `accessToken` (what `gcloud auth print-access-token` prints) needs no client of the caller's.
    const { authClient: _none, ...withoutClient } = config();
    const viaToken = new RuntimeSession(await bigquery({ ...withoutClient, accessToken: TOKEN }).open({ pipelineName: 'p', datasetName: 'token_auth' }));
    try {
      expect(await viaToken.readState('p')).toBeUndefined();
      await viaToken.commit(load('a1', { tables: [], writtenTables: [] }));
      expect((await viaToken.readState('p'))?.state).toEqual({ cursor: 'a1' });
    } finally {
      await viaToken.close();
    }
  });

  it('judges read-only queries by a dry run: a refused statement never runs as a job', async () => {
    const dataset = `readonly_${++datasetSeq}`;
    await loadOnce(config(), dataset, 'r1');
    const reader = await bigquery(config()).open({ pipelineName: 'p', datasetName: dataset, readOnly: true });
    const before = fake.requests.length;
    try {
      await expect(reader.query!(`DELETE FROM \`${dataset}\`.\`pages\` WHERE TRUE`)).rejects.toThrow(/^bigquery: a read-only session runs only queries \(SELECT\); BigQuery reads this as a DELETE statement\.$/);
      await expect(reader.query!(`SELECT 1 AS one; DROP TABLE \`${dataset}\`.\`pages\``)).rejects.toThrow(/a SCRIPT statement/);
      expect((await reader.query!(`SELECT COUNT(*) AS n FROM \`${dataset}\`.\`pages\``)).rows).toEqual([{ n: 500 }]);
    } finally {
      await reader.close();
    }
    const kinds = fake.requests.slice(before).filter((r) => r.kind === 'dry-run' || r.kind === 'query').map((r) => r.kind);
    expect(kinds).toEqual(['dry-run', 'dry-run', 'dry-run', 'query']);
  });

  it('shows a location without secrets and checks its config before anything is imported', () => {
    expect(bigquery({ projectId: 'my-project', location: 'EU', accessToken: TOKEN }).location({ pipelineName: 'p', datasetName: 'notion_data' })).toBe(
      'https://bigquery.googleapis.com/projects/my-project/datasets/notion_data (EU)',
    );
    expect(() => bigquery({ projectId: '' })).toThrow(/^bigquery: `projectId` is required/);
    expect(() => bigquery({ projectId: 'My_Project' })).toThrow(ConfigError);
    expect(() => bigquery({ projectId: 'my-project', location: 'us east' })).toThrow(/location/);
    expect(() => bigquery({ projectId: 'my-project', apiEndpoint: 'http://127.0.0.1:1/path' })).toThrow(/apiEndpoint/);
    expect(() => bigquery({ projectId: 'my-project', textLists: 'csv' as never })).toThrow(/textLists/);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const key = { client_email: 'loader@my-project.iam.gserviceaccount.com', private_key: privateKey };
    expect(() => bigquery({ projectId: 'my-project', credentials: key })).not.toThrow();
    expect(() => bigquery({ projectId: 'my-project', credentials: JSON.stringify(key) })).not.toThrow();
    const broken = (() => {
      try {
        bigquery({ projectId: 'my-project', credentials: `${JSON.stringify(key).slice(0, -1)},` });
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(broken?.message).toMatch(/^bigquery: `credentials` is not JSON/);
    expect(broken?.message).not.toContain('PRIVATE KEY');
    expect(() => bigquery({ projectId: 'my-project', credentials: { client_email: 'x' } as never })).toThrow(/client_email and private_key/);
    expect(() => bigquery({ projectId: 'my-project', credentials: key, accessToken: TOKEN })).toThrow(/one of/);
  });
});

describe('bigquery scripts', () => {
  it('renumbers each statement\'s parameters through the script, never inside literals or quoted names', () => {
    expect(renumberParams("SELECT @p1, '@p1', \"@p2\", `@p1`, @p10, x@p1, 'it\\'s @p1' , @p2x", 4)).toBe("SELECT @p5, '@p1', \"@p2\", `@p1`, @p14, x@p1, 'it\\'s @p1' , @p2x");
    const script = bigqueryScript(
      [
        { sql: 'DELETE FROM `t` WHERE `a` = @p1 AND `b` = @p2', params: ['x', 'y'] },
        { sql: 'DELETE FROM `u` WHERE TRUE' },
        { sql: "INSERT INTO `v` VALUES (@p1, '@p1')", params: ['z'] },
      ],
      true,
    );
    expect(script.sql).toBe(
      ['BEGIN TRANSACTION;', 'DELETE FROM `t` WHERE `a` = @p1 AND `b` = @p2;', 'DELETE FROM `u` WHERE TRUE;', "INSERT INTO `v` VALUES (@p3, '@p1');", 'COMMIT TRANSACTION;'].join('\n'),
    );
    expect(script.params).toEqual({ p1: 'x', p2: 'y', p3: 'z' });
    expect([1, 2, 3, 4, 5].map((line) => script.statementAt(line))).toEqual([undefined, 0, 1, 2, undefined]);
  });

  it('keeps every literal on one line, so an error\'s line names its statement', () => {
    const d = new BigQueryDialect(PROJECT, 'US');
    expect(d.literal("a'b\\c\nd\re")).toBe("'a\\'b\\\\c\\nd\\re'");
    expect(d.quoteIdent('we`ird\\')).toBe('`we\\`ird\\\\`');
    expect(d.table('select', 'order')).toBe(`\`${PROJECT}\`.\`select\`.\`order\``);
    expect(d.deleteAll('`x`')).toBe('DELETE FROM `x` WHERE TRUE');
  });
});

// Last in the file: jest runs a file's tests in order, so this sees every connection of the tests above.
describe('bigquery destination network', () => {
  it('sent every connection of the BigQuery client to 127.0.0.1', () => {
    expect(connections.attempts.length).toBeGreaterThan(0);
    expect(connections.attempts.filter((a) => !a.startsWith('127.0.0.1:'))).toEqual([]);
  });
});
