import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { ConfigError } from '../../src/errors.js';
import type { Row } from '../../src/records.js';
import type { ColumnSchema, TableSchema } from '../../src/schema/table-schema.js';
import type { LoadCommit } from '../../destinations/destination.js';
import { DestinationError } from '../../destinations/errors.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import { copyChunks, postgres, POSTGRES_CAPABILITIES, quoteIdent, resolvePostgresConfig, type PostgresConfig } from '../../destinations/postgres/index.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { runConformanceSuite } from './conformance.js';

let server: PostgresServer;
let admin: pg.Client;
let databaseSeq = 0;

beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

/** A fresh empty database on the shared server, and how to drop it. */
async function freshDatabase(): Promise<{ readonly url: string; readonly drop: () => Promise<void> }> {
  const name = `nf_test_${++databaseSeq}`;
  await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  return {
    url: server.connectionString.replace(/\/postgres$/, `/${name}`),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}

for (const copyFormat of ['binary', 'text'] as const) {
  runConformanceSuite(`postgres (${copyFormat} COPY)`, POSTGRES_CAPABILITIES, async () => {
    const db = await freshDatabase();
    return { destination: postgres({ credentials: db.url, copyFormat }), cleanup: db.drop };
  });
}

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

/** Write `rows` into a fresh table through a session and return what a plain pg client reads back. */
async function roundTrip(config: Omit<PostgresConfig, 'credentials'>, table: TableSchema, rows: Row[], log?: (line: string) => void) {
  const db = await freshDatabase();
  const session = new RuntimeSession(await postgres({ credentials: db.url, ...config }).open({ pipelineName: 'p', datasetName: 'd', ...(log ? { log } : {}) }));
  try {
    await session.readState('p');
    await session.ensureSchema([table]);
    await session.write(table.name, recordBatchOf(table.columns, rows));
    await session.commit(loadOf([table]));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(`SELECT * FROM d.${quoteIdent(table.name)} ORDER BY 1`)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  } finally {
    await session.close();
    await db.drop();
  }
}

describe('postgres destination', () => {
  const texts: TableSchema = { name: 'texts', columns: [col('id', 'bigint', false), col('s', 'text'), col('j', 'json')], writeDisposition: 'append' };
  const nasty = [
    'tab\there',
    'new\nline',
    'carriage\rreturn\r\n',
    'back\\slash \\N \\. \\t',
    '\\',
    '\\.',
    '\t\n\\',
    'quote " and \' apostrophe',
    'ünï€ødé 🚀 𝄞 你好',
    '\u0001\u001f\u007f control',
    'x'.repeat(1 << 20) + '\\\t\n' + 'é'.repeat(300_000),
  ];

  for (const copyFormat of ['binary', 'text'] as const) {
    it(`${copyFormat} COPY keeps tabs, newlines, backslashes, control characters, unicode and 1 MB strings`, async () => {
      const rows: Row[] = nasty.map((s, i) => ({ id: i, s, j: JSON.stringify({ s }) }));
      rows.push({ id: 99, s: null, j: null }, { id: 100, s: '', j: '""' });
      const got = await roundTrip({ copyFormat }, texts, rows);
      expect(got.map((r) => [Number(r['id']), r['s'], r['j']])).toEqual([
        ...nasty.map((s, i) => [i, s, { s }]),
        [99, null, null],
        [100, '', ''],
      ]);
    });

    it(`${copyFormat} COPY keeps text lists: nasty items, NULL and quote-needing items, empty and null lists`, async () => {
      const table: TableSchema = { name: 'lists', columns: [col('id', 'bigint', false), col('l', 'text_list')], writeDisposition: 'append' };
      const items = [...nasty, 'NULL', 'null', '', ' ', '{', '}', ',', '"', '{"a,b"}\\', null];
      const rows: Row[] = [{ id: 1, l: items }, { id: 2, l: [] }, { id: 3, l: null }, { id: 4, l: [null] }, { id: 5, l: [''] }];
      // pg's own text[] parser reads them back, independently of the session's.
      const got = await roundTrip({ copyFormat }, table, rows);
      expect(got.map((r) => [Number(r['id']), r['l']])).toEqual(rows.map((r) => [r['id'], r['l']]));
    });

    it(`${copyFormat} COPY keeps extreme numbers, timestamps with microseconds and dates`, async () => {
      const table: TableSchema = {
        name: 'nums',
        columns: [col('id', 'bigint', false), col('n', 'bigint'), col('d', 'double'), col('ts', 'timestamp'), col('day', 'date')],
        writeDisposition: 'append',
      };
      const rows: Row[] = [
        { id: 1, n: 9_223_372_036_854_775_807n, d: Number.NaN, ts: 1_700_000_000_123.456, day: '1969-12-31' },
        { id: 2, n: -9_223_372_036_854_775_808n, d: Number.POSITIVE_INFINITY, ts: -1.5, day: '1999-12-31' },
        { id: 3, n: -1, d: Number.NEGATIVE_INFINITY, ts: Date.UTC(1999, 11, 31, 23, 59, 59, 999), day: '2000-01-01' },
        { id: 4, n: 4_294_967_296, d: 5e-324, ts: Date.UTC(2000, 0, 1), day: '2024-02-29' },
      ];
      const got = await roundTrip({ copyFormat }, { ...table }, rows);
      const client = got.map((r) => [r['id'], r['n'], r['d'], (r['ts'] as Date).toISOString(), r['day']]);
      // pg's default parsers: int8 as string, dates in local time; compare the text forms.
      expect(client.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
        ['1', '9223372036854775807', Number.NaN, '2023-11-14T22:13:20.123Z'],
        ['2', '-9223372036854775808', Number.POSITIVE_INFINITY, '1969-12-31T23:59:59.998Z'],
        ['3', '-1', Number.NEGATIVE_INFINITY, '1999-12-31T23:59:59.999Z'],
        ['4', '4294967296', 5e-324, '2000-01-01T00:00:00.000Z'],
      ]);
      const db = await freshDatabase();
      const session = new RuntimeSession(await postgres({ credentials: db.url, copyFormat }).open({ pipelineName: 'p', datasetName: 'd' }));
      try {
        await session.readState('p');
        await session.ensureSchema([table]);
        await session.write('nums', recordBatchOf(table.columns, rows));
        await session.commit(loadOf([table]));
        const text = await session.query(`SELECT id, ts::text AS ts, day::text AS day FROM d.nums ORDER BY id`);
        expect(text.rows).toEqual([
          { id: 1, ts: '2023-11-14 22:13:20.123456+00', day: '1969-12-31' },
          { id: 2, ts: '1969-12-31 23:59:59.9985+00', day: '1999-12-31' },
          { id: 3, ts: '1999-12-31 23:59:59.999+00', day: '2000-01-01' },
          { id: 4, ts: '2000-01-01 00:00:00+00', day: '2024-02-29' },
        ]);
        const plain = await session.query('SELECT n, ts, day FROM d.nums WHERE id = 4');
        expect(plain.rows).toEqual([{ n: 4_294_967_296, ts: new Date(Date.UTC(2000, 0, 1)), day: new Date(Date.UTC(2024, 1, 29)) }]);
        const big = await session.query('SELECT n FROM d.nums WHERE id = 1');
        expect(big.rows).toEqual([{ n: 9_223_372_036_854_775_807n }]);
        const arrow = await session.queryArrow!('SELECT id, n, ts, day FROM d.nums WHERE id IN (1, 4) ORDER BY id');
        expect(arrow.numRows).toBe(2);
        expect(arrow.getChild('ts')!.data[0]!.values[0]).toBe(1_700_000_000_123_456n);
        expect(arrow.getChild('n')!.get(1)).toBe(4_294_967_296n);
        expect(arrow.getChild('day')!.get(1)).toBe(Date.UTC(2024, 1, 29));
      } finally {
        await session.close();
        await db.drop();
      }
    });
  }

  it('rejects NUL characters with a DestinationError naming the table', async () => {
    await expect(roundTrip({}, texts, [{ id: 1, s: 'a\u0000b', j: null }])).rejects.toMatchObject({ name: 'DestinationError', table: 'texts' });
    const lists: TableSchema = { name: 'lists', columns: [col('id', 'bigint', false), col('l', 'text_list')], writeDisposition: 'append' };
    for (const copyFormat of ['binary', 'text'] as const) {
      await expect(roundTrip({ copyFormat }, lists, [{ id: 1, l: ['ok', 'a\u0000b'] }])).rejects.toMatchObject({ name: 'DestinationError', table: 'lists' });
    }
  });

  it('logs SQL with every identifier quoted and never a value', async () => {
    const lines: string[] = [];
    const table: TableSchema = {
      name: 'order',
      columns: [col('select', 'text', false), col('label', 'text'), col('_dlt_id', 'text')],
      primaryKey: ['select'],
      writeDisposition: 'merge',
    };
    await roundTrip({}, table, [{ select: 'secret-value', label: 'x', _dlt_id: 'i' }], (l) => lines.push(l));
    expect(lines).toContain('COPY pg_temp."order" ("select", "label", "_dlt_id") FROM STDIN WITH (FORMAT binary)');
    expect(lines).toContain('SELECT (SELECT count(*) = count(DISTINCT "select") FROM pg_temp."order") AS "p0", (SELECT count(*) > 0 FROM "d"."order" WHERE "select" IN (SELECT "select" FROM pg_temp."order")) AS "p1"');
    expect(lines.join('\n')).not.toContain('secret-value');
    // Outside double quotes, no dataset, table or column name of ours appears (catalog columns of information_schema aside).
    const unquoted = lines.map((l) => l.replace(/"(?:[^"]|"")*"/g, '""').replace(/'[^']*'/g, "''"));
    const names = /\b(label|_dlt_\w+|load_id|schema_name|status|inserted_at|schema_version_hash|version|engine_version|pipeline_name|state|created_at|version_hash|schema)\b/i;
    expect(unquoted.filter((l) => names.test(l.replace(/information_schema\.\w+|CREATE SCHEMA/g, '')))).toEqual([]);
  });

  it('keeps the password out of location(), errors and their causes', async () => {
    const password = 'pa55-w0rd-VERY-secret';
    const url = server.connectionString.replace('postgres@', `postgres:${password}@`).replace(/\/postgres$/, '/no_such_database');
    const destination = postgres({ credentials: url });
    const location = destination.location({ pipelineName: 'p', datasetName: 'd' });
    expect(location).toBe(`postgresql://postgres@127.0.0.1:${server.port}/no_such_database (schema d)`);
    const error = await destination.open({ pipelineName: 'p', datasetName: 'd' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toMatch(/no_such_database/);
    const everything = JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack, cause: String((error as Error).cause) });
    expect(everything).not.toContain(password);
    const fields = postgres({ credentials: { host: '127.0.0.1', port: server.port, user: 'u', password, database: 'x' } });
    expect(fields.location({ pipelineName: 'p', datasetName: 'd' })).not.toContain(password);
  });

  it('validates its config when built, without echoing the credentials', () => {
    expect(() => postgres({ credentials: '' })).toThrow(ConfigError);
    expect(() => postgres({ credentials: 'mysql://u:hunter2@h/db' })).toThrow(/postgresql:\/\//);
    expect(() => postgres({ credentials: 'not a url hunter2' })).toThrow(ConfigError);
    expect(() => postgres({ credentials: 'not a url hunter2' })).not.toThrow(/hunter2/);
    expect(() => postgres({ credentials: 'postgresql://u@h:99999/db' })).toThrow(ConfigError);
    expect(() => postgres({ credentials: 'postgresql://u@h/db', copyFormat: 'csv' as never })).toThrow(ConfigError);
    expect(() => postgres({ credentials: 'postgresql://u@h/db?sslmode=prefer' })).toThrow(/sslmode/);
    expect(() => postgres({ credentials: 'postgresql://u@h/db?connect_timeout=3' })).toThrow(/connect_timeout/);
    expect(resolvePostgresConfig({ credentials: 'postgresql://u@h/db?sslmode=verify-full' }).client.ssl).toEqual({ rejectUnauthorized: true });
    expect(resolvePostgresConfig({ credentials: 'postgresql://u@h/db?sslmode=require' }).client.ssl).toEqual({ rejectUnauthorized: false });
    expect(resolvePostgresConfig({ credentials: 'postgresql://u@h/db' }).client.ssl).toBeUndefined();
    expect(resolvePostgresConfig({ credentials: { host: 'h', port: '6543' as never, user: 'u', database: 'db' } }).client.port).toBe(6543);
    expect(postgres({ credentials: 'postgresql://u%40x:p@h/my%20db' }).location({ pipelineName: 'p', datasetName: 'd' })).toBe(
      'postgresql://u%40x@h:5432/my%20db (schema d)',
    );
  });

  it('rolls back the whole commit (data, state, load row) when one statement fails', async () => {
    const db = await freshDatabase();
    const table: TableSchema = { name: 'pages', columns: [col('id', 'text', false)], writeDisposition: 'append' };
    const session = new RuntimeSession(await postgres({ credentials: db.url }).open({ pipelineName: 'p', datasetName: 'd' }));
    try {
      await session.readState('p');
      await session.ensureSchema([table]);
      await session.write('pages', recordBatchOf(table.columns, [{ id: 'a' }]));
      // A NULL load id violates NOT NULL in _dlt_pipeline_state, after the data rows were inserted.
      const bad = loadOf([table], { loadId: null as never });
      await expect(session.commit(bad)).rejects.toBeInstanceOf(DestinationError);
      await session.rollback();
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        expect((await client.query('SELECT count(*)::int AS n FROM d.pages')).rows).toEqual([{ n: 0 }]);
        expect((await client.query('SELECT count(*)::int AS n FROM d._dlt_pipeline_state')).rows).toEqual([{ n: 0 }]);
      } finally {
        await client.end();
      }
    } finally {
      await session.close();
      await db.drop();
    }
  });
});

describe('copyChunks (text format)', () => {
  it('formats timestamps (µs) and dates like toISOString, across centuries, leap days and before 1970', () => {
    const table: TableSchema = { name: 't', columns: [col('ts', 'timestamp'), col('day', 'date')], writeDisposition: 'append' };
    const rows: Row[] = [];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 4_294_967_296);
    for (let i = 0; i < 5000; i++) {
      // Years ~1600…2400: beyond 2255 the µs no longer fit a double exactly (the bigint path).
      const ms = (rnd() - 0.47) * 2.6e13 + rnd();
      rows.push({ ts: ms, day: new Date(Math.floor(ms / 86_400_000) * 86_400_000).toISOString().slice(0, 10) });
    }
    rows.push({ ts: Date.UTC(2000, 1, 29, 23, 59, 59, 999), day: '2000-02-29' }, { ts: -0.001, day: '1969-12-31' }, { ts: null, day: null });
    const batch = recordBatchOf(table.columns, rows);
    const text = Buffer.concat([...copyChunks('t', table.columns, batch, 'text')]).toString('utf8');
    const micros = batch.getChild('ts')!.data[0]!.values as BigInt64Array;
    const days = batch.getChild('day')!.data[0]!.values as Int32Array;
    const expected = rows.map((r, i) => {
      if (r['ts'] === null) return '\\N\t\\N';
      const us = micros[i]!;
      const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
      const iso = new Date(Number(ms)).toISOString();
      const ts = `${iso.slice(0, -1)}${String(us - ms * 1000n).padStart(3, '0')}Z`;
      return `${ts}\t${new Date(days[i]! * 86_400_000).toISOString().slice(0, 10)}`;
    });
    expect(text.split('\n').slice(0, -1)).toEqual(expected);
    expect(text.split('\n')[rows.length - 2]).toBe('1969-12-31T23:59:59.999999Z\t1969-12-31');
  });

  it('sends a column the batch lacks as NULL, and frames binary COPY with header and trailer', () => {
    const columns = [col('a', 'text'), col('b', 'bigint')];
    const batch = recordBatchOf([columns[0]!], [{ a: 'x' }, { a: 'y' }]);
    expect(Buffer.concat([...copyChunks('t', columns, batch, 'text')]).toString()).toBe('x\t\\N\ny\t\\N\n');
    const binary = Buffer.concat([...copyChunks('t', columns, batch, 'binary')]);
    expect(binary.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect(binary.subarray(-2)).toEqual(Buffer.from([0xff, 0xff]));
    // Per row: field count 2, "x" (length 1), NULL (length -1).
    expect(binary.subarray(19, 19 + 13)).toEqual(Buffer.from([0, 2, 0, 0, 0, 1, 0x78, 0xff, 0xff, 0xff, 0xff, 0, 2]));
  });

  it('refuses a batch whose Arrow type does not match the column', () => {
    const batch = recordBatchOf([col('a', 'text')], [{ a: '1' }]);
    expect(() => [...copyChunks('t', [col('a', 'bigint')], batch, 'binary')]).toThrow(DestinationError);
  });
});
