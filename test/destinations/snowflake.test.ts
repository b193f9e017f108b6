import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { ConfigError } from '../../src/errors.js';
import type { TableSchema } from '../../src/schema/table-schema.js';
import type { LoadCommit } from '../../destinations/destination.js';
import { DestinationError } from '../../destinations/errors.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import { snowflake, SNOWFLAKE_CAPABILITIES, type SnowflakeConfig } from '../../destinations/snowflake/index.js';
import { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';
import { runConformanceSuite } from './conformance.js';

const PASSWORD = 'pw-Sup3r-secret';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let fake: FakeSnowflake;
let home: string;
const savedEnv: Record<string, string | undefined> = {};
/** Keep the driver's cache directories (OCSP, CRL, credentials) in a temp dir; restored after the file. */
const CACHE_VARS = ['HOME', 'XDG_CACHE_HOME', 'SF_OCSP_RESPONSE_CACHE_DIR', 'SF_TEMPORARY_CREDENTIAL_CACHE_DIR', 'SNOWFLAKE_CRL_ON_DISK_CACHE_DIR'];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'notionflow-sf-home-'));
  for (const v of CACHE_VARS) {
    savedEnv[v] = process.env[v];
    process.env[v] = home;
  }
  fake = await FakeSnowflake.start({
    account: 'testacct',
    users: [
      { name: 'LOADER', password: PASSWORD },
      { name: 'KEYUSER', publicKey },
    ],
  });
});

afterAll(async () => {
  await fake.close();
  for (const v of CACHE_VARS) {
    if (savedEnv[v] === undefined) delete process.env[v];
    else process.env[v] = savedEnv[v];
  }
  await rm(home, { recursive: true, force: true });
});

let dbSeq = 0;
/** Password login as LOADER unless `extra` brings a private key; the database is the current `DB<dbSeq>`. */
function config(extra: Partial<SnowflakeConfig> = {}): SnowflakeConfig {
  const auth = extra.privateKey !== undefined ? {} : { password: PASSWORD };
  return { accessUrl: fake.url, account: 'testacct', username: 'LOADER', ...auth, database: `DB${dbSeq}`, ...extra };
}

// A fresh database per test (each one a separate in-memory DuckDB catalog of the fake).
runConformanceSuite('snowflake', SNOWFLAKE_CAPABILITIES, async () => {
  dbSeq++;
  return { destination: snowflake(config()), cleanup: async () => undefined };
});
runConformanceSuite('snowflake (CSV stage files)', SNOWFLAKE_CAPABILITIES, async () => {
  dbSeq++;
  return { destination: snowflake(config({ stageFormat: 'csv' })), cleanup: async () => undefined };
});

describe('snowflake destination', () => {
  const pages: TableSchema = {
    name: 'pages',
    columns: [
      { name: 'id', dataType: 'text', nullable: false },
      { name: 'n', dataType: 'bigint', nullable: true },
      { name: 'j', dataType: 'json', nullable: true },
      { name: 'ts', dataType: 'timestamp', nullable: true },
      { name: '_dlt_id', dataType: 'text', nullable: false },
    ],
    primaryKey: ['id'],
    writeDisposition: 'merge',
  };
  const load = (loadId: string): LoadCommit => ({
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
  });
  const rows = Array.from({ length: 500 }, (_, i) => ({ id: `p${i}`, n: i, j: `{"i":${i}}`, ts: Date.UTC(2024, 0, 1) + i, _dlt_id: `d${i}` }));

  async function loadOnce(cfg: SnowflakeConfig, loadId: string): Promise<{ log: string[] }> {
    const log: string[] = [];
    const session = new RuntimeSession(await snowflake(cfg).open({ pipelineName: 'p', datasetName: 'notion_data', log: (l) => log.push(l) }));
    try {
      await session.readState('p');
      await session.ensureSchema([pages]);
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(0, 250)));
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(250)));
      await session.commit(load(loadId));
      const got = await session.query('SELECT COUNT(*) AS "N", SUM("N") AS "S", MAX("TS") AS "TS" FROM "NOTION_DATA"."PAGES"');
      expect(got.rows).toEqual([{ n: 500, s: (499 * 500) / 2, ts: new Date(Date.UTC(2024, 0, 1) + 499) }]);
      const json = await session.query(`SELECT "J" FROM "NOTION_DATA"."PAGES" WHERE "ID" = 'p7'`);
      expect(JSON.parse(json.rows[0]!['j'] as string)).toEqual({ i: 7 });
    } finally {
      await session.close();
    }
    return { log };
  }

  it('bulk-loads with PUT + COPY INTO and merges in one transaction, never row-by-row INSERTs', async () => {
    dbSeq++;
    const before = fake.requests.length;
    const { log } = await loadOnce(config(), 'l1');
    const requests = fake.requests.slice(before);
    const sql = requests.filter((r) => r.kind === 'query').map((r) => r.sqlText!);

    expect(sql[0]).toBe("ALTER SESSION SET TIMEZONE = 'UTC'");
    // Two batches: two PUT commands, two uploads of the files to the stage, two COPY INTO the staging table.
    expect(sql.filter((s) => s.startsWith('PUT '))).toHaveLength(2);
    expect(requests.filter((r) => r.kind === 'upload' && r.success && (r.bytes ?? 0) > 0)).toHaveLength(2);
    const copies = sql.filter((s) => s.startsWith('COPY INTO "NOTION_DATA_STAGING"."PAGES"'));
    expect(copies).toHaveLength(2);
    expect(copies[0]).toMatch(/FILE_FORMAT = \(TYPE = PARQUET\) MATCH_BY_COLUMN_NAME = CASE_SENSITIVE PURGE = TRUE$/);

    // Data reaches the target only as INSERT … SELECT from staging; the only VALUES insert is the load row.
    const inserts = sql.filter((s) => /^INSERT/i.test(s));
    expect(inserts.filter((s) => /VALUES/i.test(s)).every((s) => s.includes('"_DLT_LOADS"'))).toBe(true);
    expect(inserts.some((s) => s.startsWith('INSERT INTO "NOTION_DATA"."PAGES"') && s.includes('FROM "NOTION_DATA_STAGING"."PAGES"') && s.includes('PARSE_JSON("J")'))).toBe(true);
    // Binds carry only the state and load rows (a handful of scalars), never batch data.
    expect(Math.max(...requests.map((r) => r.bindCount ?? 0))).toBeLessThanOrEqual(5);

    // One transaction from BEGIN to COMMIT: the merge, the state and the load row; no DDL inside it.
    const begin = sql.indexOf('BEGIN');
    const commit = sql.indexOf('COMMIT');
    expect(begin).toBeGreaterThan(sql.indexOf(copies[1]!));
    const inside = sql.slice(begin + 1, commit);
    // A first load: the probe before BEGIN found no staged key in the target, so the merge only inserts.
    expect(sql.slice(0, begin).some((s) => s.startsWith('SELECT (SELECT count(*) = count(DISTINCT "ID") FROM "NOTION_DATA_STAGING"."PAGES")'))).toBe(true);
    expect(inside.some((s) => s.startsWith('INSERT INTO "NOTION_DATA"."PAGES"'))).toBe(true);
    expect(inside.some((s) => s.includes('"_DLT_PIPELINE_STATE"'))).toBe(true);
    expect(inside.some((s) => s.includes('"_DLT_LOADS"'))).toBe(true);
    expect(inside.some((s) => /^(CREATE|ALTER|DROP)/.test(s))).toBe(false);
    expect(requests.some((r) => r.implicitCommit)).toBe(false);
    expect(log.filter((l) => l.startsWith('PUT '))).toHaveLength(2);
    expect(log.join('\n')).not.toContain(PASSWORD);

    // The staged files were purged after loading; a second load merges instead of duplicating.
    await loadOnce(config(), 'l2');
    const db = `DB${dbSeq}`;
    expect(await fake.inspect(db, 'SELECT count(*)::INT AS n FROM "NOTION_DATA_STAGING"."PAGES"')).toEqual([{ n: 0 }]);
  });

  it('loads CSV stage files too', async () => {
    dbSeq++;
    const before = fake.requests.length;
    await loadOnce(config({ stageFormat: 'csv' }), 'c1');
    const requests = fake.requests.slice(before);
    const copies = requests.filter((r) => r.kind === 'query' && r.sqlText!.startsWith('COPY INTO')).map((r) => r.sqlText!);
    expect(copies).toHaveLength(2);
    expect(copies[0]).toMatch(/^COPY INTO "NOTION_DATA_STAGING"."PAGES" \("ID", "N", "J", "TS", "_DLT_ID", "_NF_STAGE_SEQ"\) FROM @"NOTION_DATA_STAGING"."NOTIONFLOW_STAGE" FILES = \(.*\) FILE_FORMAT = \(TYPE = CSV SKIP_HEADER = 1 /);
    expect(requests.filter((r) => r.kind === 'upload' && r.path.endsWith('.csv'))).toHaveLength(2);
  });

  for (const stageFormat of ['parquet', 'csv'] as const) {
    it(`stages text lists as JSON text in ${stageFormat} files and stores them in an ARRAY column`, async () => {
      dbSeq++;
      const tagged: TableSchema = {
        name: 'tagged',
        columns: [
          { name: 'id', dataType: 'text', nullable: false },
          { name: 'tags', dataType: 'text_list', nullable: true },
        ],
        writeDisposition: 'append',
      };
      const before = fake.requests.length;
      const session = new RuntimeSession(await snowflake(config({ stageFormat })).open({ pipelineName: 'p', datasetName: 'notion_data' }));
      try {
        await session.readState('p');
        await session.ensureSchema([tagged]);
        await session.write('tagged', recordBatchOf(tagged.columns, [{ id: 'a', tags: ['x', null, '"y",\\'] }, { id: 'b', tags: [] }, { id: 'c', tags: null }]));
        await session.commit({ ...load('t1'), tables: [tagged], writtenTables: ['tagged'] });
      } finally {
        await session.close();
      }
      const sql = fake.requests.slice(before).filter((r) => r.kind === 'query').map((r) => r.sqlText!);
      expect(sql).toContain('CREATE TABLE IF NOT EXISTS "NOTION_DATA"."TAGGED" ("ID" VARCHAR NOT NULL, "TAGS" ARRAY)');
      expect(sql).toContain('CREATE TRANSIENT TABLE IF NOT EXISTS "NOTION_DATA_STAGING"."TAGGED" ("ID" VARCHAR, "TAGS" VARCHAR, "_NF_STAGE_SEQ" NUMBER(19,0))');
      expect(sql.some((s) => s.startsWith('INSERT INTO "NOTION_DATA"."TAGGED"') && s.includes('PARSE_JSON("TAGS")::ARRAY'))).toBe(true);
      const stored = await fake.inspect(`DB${dbSeq}`, 'SELECT "ID" AS id, "TAGS" AS tags, typeof("TAGS") AS type FROM "NOTION_DATA"."TAGGED" ORDER BY 1');
      expect(stored).toEqual([
        { id: 'a', tags: ['x', null, '"y",\\'], type: 'VARCHAR[]' },
        { id: 'b', tags: [], type: 'VARCHAR[]' },
        { id: 'c', tags: null, type: 'VARCHAR[]' },
      ]);
    });
  }

  it('logs in with a key pair: a RS256 JWT for the user reaches the fake', async () => {
    dbSeq++;
    const before = fake.requests.length;
    await loadOnce(config({ username: 'KEYUSER', privateKey }), 'k1');
    const login = fake.requests.slice(before).find((r) => r.kind === 'login');
    expect(login).toMatchObject({ user: 'KEYUSER', authenticator: 'SNOWFLAKE_JWT', success: true });
  });

  it('rejects a key pair the user does not own', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await expect(snowflake(config({ username: 'KEYUSER', privateKey: other.privateKey })).open({ pipelineName: 'p', datasetName: 'd' })).rejects.toThrow(/login as "KEYUSER" .* failed: Incorrect username or password was specified\. \(code 390100/);
  });

  it('turns a wrong password into a DestinationError without the secret', async () => {
    const wrong = 'wrong-Pa55word-xyz';
    const error = await snowflake(config({ password: wrong }))
      .open({ pipelineName: 'p', datasetName: 'd' })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DestinationError);
    const e = error as DestinationError;
    expect(e.message).toMatch(/^snowflake: login as "LOADER" at http:\/\/127\.0\.0\.1:\d+ failed: Incorrect username or password was specified\. \(code 390100/);
    expect(e.transient).toBe(false);
    const everything = JSON.stringify({ message: e.message, stack: e.stack, cause: String(e.cause), causeJson: e.cause });
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(PASSWORD);
    expect(JSON.stringify(fake.requests)).not.toContain(wrong);
  });

  it('rolls a failed commit back as a whole and reports table and load id', async () => {
    dbSeq++;
    const session = new RuntimeSession(await snowflake(config()).open({ pipelineName: 'p', datasetName: 'notion_data' }));
    try {
      await session.readState('p');
      await session.ensureSchema([pages]);
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(0, 3)));
      await session.commit(load('ok'));
      // A NULL in the NOT NULL key column passes staging and fails the merge inside the transaction.
      await session.write('pages', recordBatchOf(pages.columns, [{ ...rows[3]!, id: null }]));
      const error = await session.commit(load('bad')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DestinationError);
      expect(error).toMatchObject({ table: 'pages', loadId: 'bad' });
      expect((error as Error).message).toMatch(/commit of load bad failed at table "pages": .*\(code 100072/);
      await session.rollback();
      expect((await session.readState('p'))?.state).toEqual({ cursor: 'ok' });
      expect((await session.query('SELECT COUNT(*) AS "N" FROM "NOTION_DATA"."PAGES"')).rows).toEqual([{ n: 3 }]);
      expect((await session.query('SELECT "LOAD_ID" FROM "NOTION_DATA"."_DLT_LOADS"')).rows).toEqual([{ load_id: 'ok' }]);
      // The next unit commits only its own rows.
      await session.write('pages', recordBatchOf(pages.columns, rows.slice(3, 5)));
      await session.commit(load('after'));
      expect((await session.query('SELECT COUNT(*) AS "N" FROM "NOTION_DATA"."PAGES"')).rows).toEqual([{ n: 5 }]);
    } finally {
      await session.close();
    }
  });

  it('maps SQL errors to DestinationError with the Snowflake code', async () => {
    dbSeq++;
    const session = await snowflake(config()).open({ pipelineName: 'p', datasetName: 'd' });
    try {
      await expect(session.query!('SELECT * FROM "NO_SUCH"."TABLE"')).rejects.toThrow(/snowflake: query failed: SQL compilation error: [\s\S]*\(code 002003, SQL state 42S02\)/);
    } finally {
      await session.close();
    }
  });

  it('shows a location without secrets and validates its config', () => {
    const dest = snowflake(config({ database: 'RAW' }));
    expect(dest.location({ pipelineName: 'p', datasetName: 'notion_data' })).toBe(`${fake.url}/RAW/notion_data`);
    expect(snowflake({ account: 'myorg-acct', username: 'u', privateKey, database: 'RAW' }).location({ pipelineName: 'p', datasetName: 'd' })).toBe('https://myorg-acct.snowflakecomputing.com/RAW/d');
    expect(() => snowflake({ username: 'u', password: 'p', database: 'd' })).toThrow(ConfigError);
    expect(() => snowflake({ account: 'a', username: 'u', database: 'd' })).toThrow(/password.*privateKey/);
    expect(() => snowflake({ account: 'a', username: 'u', password: 'p', database: 'd', stageFormat: 'xml' as never })).toThrow(ConfigError);
    expect(() => snowflake({ account: 'a', username: 'u', privateKey: 'not a key', database: 'd' })).toThrow(ConfigError);
  });
});
