import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { DESTINATIONS } from '../../src/cli/destinations.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { ConfigError } from '../../src/errors.js';
import type { ColumnSchema, TableSchema } from '../../src/schema/table-schema.js';
import type { LoadCommit } from '../../destinations/destination.js';
import { DestinationError } from '../../destinations/errors.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import { REDSHIFT_CAPABILITIES, redshift, RedshiftDriver, resolveRedshiftConfig, type RedshiftConfig } from '../../destinations/redshift/index.js';
import { closedUrl } from '../helpers/closed-url.js';
import { recordConnections } from '../helpers/connections.js';
import { EMULATOR_BUCKET, RedshiftEmulator } from '../helpers/fake-redshift/redshift-emulator.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { runConformanceSuite } from './conformance.js';

let server: PostgresServer;
let emulator: RedshiftEmulator;
// Every TCP connection this file's clients attempt (pg, the S3 client); checked by the last test.
const connections = recordConnections();

beforeAll(async () => {
  server = await startPostgres();
  emulator = await RedshiftEmulator.start(server);
}, 60_000);

afterAll(async () => {
  connections.stop();
  await emulator?.close();
  await server?.stop();
});

runConformanceSuite('redshift', REDSHIFT_CAPABILITIES, async () => {
  const db = await emulator.database();
  return { destination: emulator.watch(redshift(emulator.config(db.name), emulator.importer)), cleanup: db.drop };
});

const col = (name: string, dataType: ColumnSchema['dataType'], nullable = true): ColumnSchema => ({ name, dataType, nullable });

function loadOf(tables: readonly TableSchema[], extra: Partial<LoadCommit> = {}): LoadCommit {
  return {
    loadId: 'l1',
    pipelineName: 'p',
    schemaName: 'notion',
    tables,
    schemaVersionHash: 'h',
    schemaChanged: true,
    state: {},
    writtenTables: tables.map((t) => t.name),
    replaceTables: [],
    final: true,
    ...extra,
  };
}

/** A session on a fresh database of the emulated cluster; `body` runs in it, then everything is closed and dropped. */
async function withSession<T>(
  body: (session: RuntimeSession, sql: (text: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
  config: Partial<RedshiftConfig> = {},
  log?: (line: string) => void,
): Promise<T> {
  const db = await emulator.database();
  const destination = emulator.watch(redshift({ ...emulator.config(db.name), ...config }, emulator.importer));
  const session = new RuntimeSession(await destination.open({ pipelineName: 'p', datasetName: 'd', ...(log ? { log } : {}) }));
  // A plain client of the same database reads what is stored, independently of the session.
  const client = new pg.Client({ connectionString: server.connectionString.replace(/\/postgres$/, `/${db.name}`) });
  await client.connect();
  try {
    await session.readState('p');
    return await body(session, async (text) => (await client.query(text)).rows as Record<string, unknown>[]);
  } finally {
    await client.end();
    await session.close();
    await db.drop();
  }
}

describe('redshift destination', () => {
  const texts: TableSchema = { name: 'texts', columns: [col('id', 'bigint', false), col('s', 'text'), col('j', 'json')], writeDisposition: 'append' };

  it('loads through S3: one Parquet file per batch, COPY … FORMAT AS PARQUET, the file deleted; access keys authorize COPY too', async () => {
    const { iamRole: _role, ...keys } = emulator.config('unused');
    for (const config of [{}, { iamRole: undefined, s3: keys.s3 }]) {
      const log: string[] = [];
      const copies = emulator.copies.length;
      const got = await withSession(
        async (session, sql) => {
          await session.ensureSchema([texts]);
          await session.write('texts', recordBatchOf(texts.columns, [{ id: 1, s: 'a', j: '{"k":[1]}' }]));
          await session.write('texts', recordBatchOf(texts.columns, [{ id: 2, s: null, j: null }]));
          await session.commit(loadOf([texts]));
          return sql('SELECT id, s, j FROM d.texts ORDER BY id');
        },
        config as Partial<RedshiftConfig>,
        (l) => log.push(l),
      );
      expect(got).toEqual([
        { id: '1', s: 'a', j: { k: [1] } },
        { id: '2', s: null, j: null },
      ]);
      const sent = emulator.copies.slice(copies).map((c) => c.sql);
      expect(sent).toHaveLength(2);
      const auth = config === undefined || !('s3' in config) ? /IAM_ROLE 'arn:aws:iam::123456789012:role\/notionflow-copy'/ : /CREDENTIALS 'aws_access_key_id=S3RVER;aws_secret_access_key=S3RVER'/;
      for (const c of sent) expect(c).toMatch(new RegExp(`^COPY "texts" FROM 's3://${EMULATOR_BUCKET}/notionflow/staging/d/[0-9a-f-]{36}/\\d+\\.parquet' ${auth.source} FORMAT AS PARQUET$`));
      // The log shows each COPY with its authorization masked.
      expect(log.filter((l) => l.startsWith('COPY'))).toEqual(sent.map((c) => c.replace(/(IAM_ROLE|CREDENTIALS) '[^']*'/, "$1 '***'")));
      expect(log.join('\n')).not.toMatch(/S3RVER|arn:aws/);
      // Every staged file was deleted after its COPY.
      expect((await emulator.s3.client.send(new ListObjectsV2Command({ Bucket: EMULATOR_BUCKET }))).KeyCount).toBe(0);
    }
  });

  it('cuts text longer than 65535 bytes at the last whole character, and refuses JSON that long naming table and column', async () => {
    const fits = 'é'.repeat(32_767) + 'x'; // 65535 bytes exactly
    const straddles = 'x'.repeat(65_533) + '𝄞'; // the 4-byte character would end at byte 65537
    const threeByte = '€'.repeat(21_846); // 65538 bytes: 21845 whole characters fit
    const got = await withSession(async (session, sql) => {
      await session.ensureSchema([texts]);
      await session.write('texts', recordBatchOf(texts.columns, [{ id: 1, s: fits }, { id: 2, s: straddles }, { id: 3, s: threeByte }, { id: 4, s: 'short' }]));
      await session.commit(loadOf([texts]));
      const stored = await sql('SELECT id, octet_length(s) AS bytes, s FROM d.texts ORDER BY id');

      const big = JSON.stringify({ text: 'y'.repeat(70_000) });
      const error = await session.write('texts', recordBatchOf(texts.columns, [{ id: 5, s: 'ok', j: big }])).then(
        () => undefined,
        (err: unknown) => err,
      );
      await session.rollback();
      return { stored, error };
    });
    expect(got.stored.map((r) => [r['id'], r['bytes']])).toEqual([
      ['1', 65_535],
      ['2', 65_533],
      ['3', 65_535],
      ['4', 5],
    ]);
    expect(got.stored.map((r) => r['s'])).toEqual([fits, 'x'.repeat(65_533), '€'.repeat(21_845), 'short']);
    expect(got.error).toBeInstanceOf(DestinationError);
    expect(got.error).toMatchObject({ table: 'texts', transient: false });
    expect((got.error as Error).message).toMatch(/JSON value of column "j" is 70011 bytes; Redshift parses JSON of at most 65535 bytes/);
  });

  it('stores a state and a schema longer than a VARCHAR holds in parts of whole characters, and reads them back whole', async () => {
    // 30000 characters fit PostgreSQL's VARCHAR(65535) (characters), not Redshift's (90000 bytes).
    const state = { big: '€'.repeat(30_000), more: '𝄞'.repeat(20_000) };
    const wide: TableSchema = { name: 'wide', columns: Array.from({ length: 1500 }, (_, i) => col(`property_number_${i}_with_a_long_name`, 'text')), writeDisposition: 'append' };
    const db = await emulator.database();
    const destination = emulator.watch(redshift(emulator.config(db.name), emulator.importer));
    const client = new pg.Client({ connectionString: server.connectionString.replace(/\/postgres$/, `/${db.name}`) });
    await client.connect();
    try {
      const writer = new RuntimeSession(await destination.open({ pipelineName: 'p', datasetName: 'd' }));
      await writer.readState('p');
      await writer.ensureSchema([wide]);
      await writer.commit(loadOf([wide], { state: { small: 1 } }));
      await writer.commit(loadOf([wide], { loadId: 'l2', state }));
      await writer.close();
      const stored = await client.query('SELECT octet_length("state") AS n FROM d._dlt_pipeline_state WHERE "_dlt_load_id" = $1 ORDER BY "version"', ['l2']);
      expect(stored.rows.length).toBe(3);
      for (const r of stored.rows) expect(Number(r.n)).toBeLessThanOrEqual(65_535);
      const schemas = await client.query('SELECT octet_length("schema") AS n FROM d._dlt_version ORDER BY "version"');
      // One copy of the hash's parts: the second commit's write of the same schema replaced the first.
      expect(schemas.rows.length).toBeGreaterThan(1);
      const reader = new RuntimeSession(await destination.open({ pipelineName: 'p', datasetName: 'd' }));
      const read = await reader.readState('p');
      await reader.close();
      expect(read?.state).toEqual(state);
      expect(read?.loadId).toBe('l2');
      expect(read?.tables).toEqual([wide]);
    } finally {
      await client.end();
      await db.drop();
    }
  });

  it('refuses a parameter longer than a VARCHAR holds (in bytes) before Redshift would', async () => {
    const db = await emulator.database();
    const driver = await RedshiftDriver.connect(resolveRedshiftConfig(emulator.config(db.name)), { datasetName: 'd' }, emulator.importer);
    try {
      const error = await driver.run([{ sql: 'SELECT CAST($1 AS VARCHAR(65535))', params: ['€'.repeat(30_000)] }]).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect((error as Error).message).toBe("a value of 90000 bytes is longer than Redshift's VARCHAR holds (65535 bytes).");
    } finally {
      await driver.close();
      await db.drop();
    }
  });

  it('writes literals as Redshift reads them: quotes and backslashes in delete values', async () => {
    const pages: TableSchema = { name: 'pages', columns: [col('id', 'text', false), col('_dlt_id', 'text', false)], primaryKey: ['id'], writeDisposition: 'merge' };
    const ids = ["it's", 'back\\slash', "\\'", 'plain'];
    const left = await withSession(async (session, sql) => {
      await session.ensureSchema([pages]);
      await session.write('pages', recordBatchOf(pages.columns, ids.map((id, i) => ({ id, _dlt_id: `r${i}` }))));
      await session.commit(loadOf([pages]));
      await session.commit(loadOf([pages], { loadId: 'l2', deletes: [{ table: 'pages', column: 'id', values: ids.slice(0, 3) }] }));
      return sql('SELECT id FROM d.pages');
    });
    expect(left).toEqual([{ id: 'plain' }]);
  });

  it('stores a dataset named in upper case in lower case, as Redshift folds it, and takes names of up to 127 bytes', async () => {
    const db = await emulator.database();
    const destination = emulator.watch(redshift(emulator.config(db.name), emulator.importer));
    const long = `c${'_é'.repeat(42)}`; // 127 bytes: over PostgreSQL's 63, within Redshift's 127
    const table: TableSchema = { name: `t_${'x'.repeat(120)}`, columns: [col('id', 'text', false), col(long, 'text')], writeDisposition: 'append' };
    try {
      for (let run = 1; run <= 2; run++) {
        const session = new RuntimeSession(await destination.open({ pipelineName: 'p', datasetName: 'Notion_Data' }));
        await session.readState('p');
        await session.ensureSchema([table]);
        await session.write(table.name, recordBatchOf(table.columns, [{ id: `a${run}`, [long]: 'v' }]));
        await session.commit(loadOf([table], { loadId: `l${run}` }));
        const rows = (await session.query(`SELECT * FROM "NOTION_DATA"."${table.name}" ORDER BY 1`)).rows;
        expect(rows).toEqual(Array.from({ length: run }, (_, i) => ({ id: `a${i + 1}`, [long]: 'v' })));
        await session.close();
      }
      expect(Buffer.byteLength(long)).toBe(127);
      expect(destination.dialect?.storedName('Notion_Data')).toBe('notion_data');
    } finally {
      await db.drop();
    }
  });

  it('keeps every secret out of errors, their causes and the log: a COPY refused for a role the cluster does not have', async () => {
    const role = 'arn:aws:iam::123456789012:role/Not-Associated-Secret';
    const password = 'pa55-VERY-secret';
    const log: string[] = [];
    const error = await withSession(
      async (session) => {
        await session.ensureSchema([texts]);
        return session.write('texts', recordBatchOf(texts.columns, [{ id: 1, s: 'a' }])).then(
          () => undefined,
          (err: unknown) => err,
        );
      },
      { iamRole: role, password },
      (l) => log.push(l),
    );
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(/could not stage a batch of 1 rows for "texts": .*not authorized to assume IAM Role \*\*\*/);
    const everything = JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack, cause: String((error as Error).cause), log });
    expect(everything).not.toContain(role);
    expect(everything).not.toContain(password);
  });

  it('says what is transient: a refused connection (naming the location, never the password), a serialization abort, S3 5xx and throttling', async () => {
    const password = 'hunter2-secret';
    const port = Number(new URL(await closedUrl()).port);
    const refused = await redshift({ ...emulator.config('x'), port, password }, emulator.importer).open({ pipelineName: 'p', datasetName: 'd' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DestinationError);
    expect(refused).toMatchObject({ transient: true });
    expect((refused as Error).message).toMatch(new RegExp(`^redshift: could not connect to redshift://postgres@127\\.0\\.0\\.1:${port}/x: .*ECONNREFUSED`));
    expect((refused as Error).message.split('\n')).toHaveLength(1);

    const db = await emulator.database();
    const driver = await RedshiftDriver.connect(resolveRedshiftConfig({ ...emulator.config(db.name), password }), { datasetName: 'd' }, emulator.importer);
    try {
      const syntax = await driver.rows('SELEC 1').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(driver.describeError(syntax)).toMatchObject({ transient: false, message: expect.stringMatching(/syntax error/) });
      expect(driver.describeError(Object.assign(new Error('could not serialize access'), { code: '40001' })).transient).toBe(true);
      expect(driver.describeError(new Error('1023: Serializable isolation violation on table - 123, transactions forming the cycle are: 1, 2')).transient).toBe(true);
      expect(driver.describeError(Object.assign(new Error('Service Unavailable'), { $metadata: { httpStatusCode: 503 } })).transient).toBe(true);
      expect(driver.describeError(Object.assign(new Error('SlowDown'), { $metadata: { httpStatusCode: 429 } })).transient).toBe(true);
      expect(driver.describeError(Object.assign(new Error('Access Denied'), { $metadata: { httpStatusCode: 403 } })).transient).toBe(false);
      const leaked = driver.describeError(new Error(`password authentication failed: ${password}`));
      expect(leaked.message).toBe('password authentication failed: ***');
      expect(String(leaked.cause)).not.toContain(password);
    } finally {
      await driver.close();
      await db.drop();
    }
  });

  it('validates its config when built, with one line naming the setting, never a secret', () => {
    const base = emulator.config('db');
    const line = (make: () => unknown) => {
      try {
        make();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message.split('\n')).toHaveLength(1);
        return (err as Error).message;
      }
      throw new Error('no ConfigError');
    };
    expect(line(() => redshift({ ...base, host: '' }))).toMatch(/`host` is required \(destination\.redshift\.host\)/);
    expect(line(() => redshift({ ...base, database: undefined as never }))).toMatch(/`database` is required/);
    expect(line(() => redshift({ ...base, user: ' ' }))).toMatch(/`user` is required/);
    expect(line(() => redshift({ ...base, port: 70_000 }))).toMatch(/`port`/);
    expect(line(() => redshift({ ...base, s3: undefined as never }))).toMatch(/`s3\.bucket` is required.*destination\.redshift\.s3_bucket/);
    expect(line(() => redshift({ ...base, s3: { ...base.s3, bucket: 's3://b/p' } }))).toMatch(/`s3\.bucket`/);
    expect(line(() => redshift({ ...base, iamRole: undefined, s3: { bucket: 'b' } }))).toMatch(/COPY needs an authorization: set `iamRole`.*or the staging keys/);
    expect(line(() => redshift({ ...base, iamRole: 'role/x' }))).toMatch(/IAM role ARN/);
    expect(line(() => redshift({ ...base, s3: { bucket: 'b', accessKeyId: 'AKIA' } }))).toMatch(/set both/);
    expect(line(() => redshift({ ...base, s3: { bucket: 'b', accessKeyId: 'AKIA', secretAccessKey: 'x;token=evil' } }))).not.toContain('evil');
    expect(line(() => redshift({ ...base, sslmode: 'prefer' as never }))).toMatch(/sslmode/);
    expect(line(() => redshift({ ...base, s3: { ...base.s3, endpoint: 'localhost:9000' } }))).toMatch(/s3\.endpoint/);
    const secret = redshift({ ...base, password: 'pw-secret', port: '5439' as never, s3: { bucket: 'b', prefix: '/a/b/', accessKeyId: 'AKIA', secretAccessKey: 'sk-secret' } });
    expect(secret.location({ pipelineName: 'p', datasetName: 'Notion_Data' })).toBe('redshift://postgres@127.0.0.1:5439/db (schema notion_data, staging s3://b/a/b/)');
    expect(resolveRedshiftConfig({ ...base, sslmode: undefined as never }).client.ssl).toEqual({ rejectUnauthorized: false });
    expect(resolveRedshiftConfig({ ...base, sslmode: 'verify-full' }).client.ssl).toEqual({ rejectUnauthorized: true });
  });

  it('is built by the CLI from [destination.redshift] and NOTIONFLOW__DESTINATION__REDSHIFT__ settings; without them, one line naming them', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'notionflow-redshift-cli-'));
    const db = await emulator.database();
    try {
      await mkdir(join(cwd, '.notionflow'));
      await writeFile(join(cwd, '.notionflow', 'config.toml'), `[destination.redshift]\nhost = "127.0.0.1"\nport = ${server.port}\nuser = "postgres"\nsslmode = "disable"\ns3_bucket = "${EMULATOR_BUCKET}"\ns3_prefix = "cli"\n`);
      const env = {
        NOTIONFLOW__DESTINATION__REDSHIFT__DATABASE: db.name,
        NOTIONFLOW__DESTINATION__REDSHIFT__IAM_ROLE: 'arn:aws:iam::123456789012:role/from-env',
        NOTIONFLOW__DESTINATION__REDSHIFT__PASSWORD: 'env-password-secret',
      };
      const destination = await DESTINATIONS['redshift']!.create(resolveConfig({ cwd, env }));
      expect(destination.name).toBe('redshift');
      expect(destination.location({ pipelineName: 'p', datasetName: 'd' })).toBe(`redshift://postgres@127.0.0.1:${server.port}/${db.name} (schema d, staging s3://${EMULATOR_BUCKET}/cli/)`);
      // The settings reach the connection: a session opens on the emulated cluster's database and reads its (empty) state.
      const session = await destination.open({ pipelineName: 'p', datasetName: 'd' });
      expect(await session.readState('p')).toBeUndefined();
      await session.close();
      await expect(DESTINATIONS['redshift']!.create(resolveConfig({ cwd: join(cwd, 'nowhere'), env: {} }))).rejects.toThrow(
        /^the redshift destination needs destination\.redshift\.host, \.database, \.user and \.s3_bucket, with \.iam_role or \.aws_access_key_id and \.aws_secret_access_key/,
      );
      await expect(DESTINATIONS['redshift']!.create(resolveConfig({ cwd, env: { NOTIONFLOW__DESTINATION__REDSHIFT__DATABASE: 'x' } }))).rejects.toThrow(/COPY needs an authorization/);
    } finally {
      await db.drop();
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('connects only to 127.0.0.1 (PostgreSQL and s3rver)', () => {
    expect(connections.attempts.length).toBeGreaterThan(0);
    expect(connections.attempts.filter((a) => !a.startsWith('127.0.0.1:'))).toEqual([]);
  });
});

describe('redshift: the SQL it sent', () => {
  it('passes the Redshift dialect lint: every statement of the conformance suite and the tests above', () => {
    expect(emulator.statements.length).toBeGreaterThan(100);
    expect(emulator.copies.length).toBeGreaterThan(10);
    expect(emulator.lintFindings()).toEqual([]);
  });
});
