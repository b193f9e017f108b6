import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Table, type RecordBatch } from 'apache-arrow';
import type pg from 'pg';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { OpenContext, QueryResult } from '../destination.js';
import { DestinationError } from '../errors.js';
import { nativeImport, type Importer } from '../optional-import.js';
import { runInOrder, runInTransaction, type SqlDriver, type SqlErrorInfo, type SqlStatement, type StagingTarget } from '../sql/sql-driver.js';
import type { ResolvedPostgresConfig } from './postgres-config.js';
import { copyChunks } from './postgres-copy-encoder.js';
import { loadPostgresDriver, type PostgresDriver } from './postgres-driver.js';
import { copyFromSql } from './postgres-sql.js';

/** PostgreSQL type oids the result parsers handle. */
const OID = { int8: 20, numeric: 1700, date: 1082, timestamptz: 1184, timestamp: 1114, json: 114, jsonb: 3802, bool: 16, int2: 21, int4: 23, float4: 700, float8: 701, textArray: 1009, varcharArray: 1015 } as const;

/**
 * One PostgreSQL connection, for the SQL core: statements one by one (the extended protocol takes one
 * at a time), batches streamed with `COPY … FROM STDIN` (binary by default), every value read as the
 * server's text and converted per column type. Every error's text is scrubbed of the password.
 */
export class PostgresClient implements SqlDriver {
  readonly #client: pg.Client;
  readonly #copyFrom: PostgresDriver['copyFrom'];
  readonly #config: ResolvedPostgresConfig;
  readonly #log: ((line: string) => void) | undefined;
  #closed = false;

  private constructor(client: pg.Client, driver: PostgresDriver, config: ResolvedPostgresConfig, log: ((line: string) => void) | undefined) {
    this.#client = client;
    this.#copyFrom = driver.copyFrom;
    this.#config = config;
    this.#log = log;
  }

  /**
   * Connect, importing the driver first (`importer` replaces `import()`; a missing package is a
   * `MissingPackageError`). A read-only connection (`ctx.readOnly`) has `default_transaction_read_only`
   * on, and each caller's query runs alone in a `READ ONLY` transaction.
   */
  static async connect(config: ResolvedPostgresConfig, ctx: Pick<OpenContext, 'readOnly' | 'log'>, importer: Importer = nativeImport): Promise<PostgresClient> {
    const driver = await loadPostgresDriver(importer);
    const options = ctx.readOnly ? `${config.client.options} -c default_transaction_read_only=on` : config.client.options;
    const client = new driver.pg.Client({ ...config.client, options, types: { getTypeParser: plainParser as never } });
    // A connection dropped while idle must not crash the process; the next call fails with a DestinationError.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new DestinationError('postgres', `could not connect to ${config.location}: ${scrub(err, config.password)}`, {
        cause: scrubbedCause(err, config.password),
        transient: isTransientError(err),
      });
    }
    return new PostgresClient(client, driver, config, ctx.log);
  }

  run(statements: readonly SqlStatement[]): Promise<void> {
    return runInOrder(statements, (st) => this.#client.query(st.sql, st.params as unknown[] | undefined));
  }

  transaction(statements: readonly SqlStatement[], starting?: (statement: SqlStatement) => void): Promise<void> {
    return runInTransaction(statements, (st) => this.#client.query(st.sql, st.params as unknown[] | undefined), starting);
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const result = await this.#read(sql, params);
    return result.rows.map((row) => plainRow(result.fields, row));
  }

  async stage(target: StagingTarget, batch: RecordBatch): Promise<void> {
    const sql = copyFromSql(target.table, target.columns, this.#config.copyFormat);
    this.#log?.(sql);
    const chunks = Readable.from(copyChunks(target.table, target.columns, batch, this.#config.copyFormat), { objectMode: false });
    await pipeline(chunks, this.#client.query(this.#copyFrom(sql)));
  }

  async query(sql: string, readOnly: boolean): Promise<QueryResult> {
    const result = await this.#userQuery(sql, readOnly);
    return { columns: result.fields.map((f) => f.name), rows: result.rows.map((row) => plainRow(result.fields, row)) };
  }

  async queryArrow(sql: string, readOnly: boolean): Promise<Table> {
    const result = await this.#userQuery(sql, readOnly);
    const columns = result.fields.map((f): ColumnSchema => ({ name: f.name, dataType: dataTypeOfOid(f.dataTypeID), nullable: true }));
    const rows = result.rows.map((row) => {
      const out: Record<string, unknown> = {};
      result.fields.forEach((f, i) => (out[f.name] = arrowValue(f.dataTypeID, row[i] as string | null)));
      return out;
    });
    return new Table(recordBatchOf(columns, rows));
  }

  describeError(err: unknown): SqlErrorInfo {
    return { message: scrub(err, this.#config.password), transient: isTransientError(err), cause: scrubbedCause(err, this.#config.password) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.end().catch(() => undefined);
  }

  /**
   * A caller's query. In a read-only session it runs alone (the extended protocol takes one statement)
   * inside `BEGIN READ ONLY … ROLLBACK`, so PostgreSQL itself refuses anything that writes.
   */
  async #userQuery(sql: string, readOnly: boolean): Promise<pg.QueryArrayResult<unknown[]>> {
    if (!readOnly) return this.#read(sql);
    await this.#client.query('BEGIN READ ONLY');
    try {
      return await this.#read(sql, [], 'extended');
    } finally {
      await this.#client.query('ROLLBACK').catch(() => undefined);
    }
  }

  /** Run a query with every value as its text form (parsed by {@link plainRow} / {@link arrowValue}). */
  #read(sql: string, values?: readonly unknown[], queryMode?: 'extended'): Promise<pg.QueryArrayResult<unknown[]>> {
    return this.#client.query({ text: sql, values: values as unknown[] | undefined, rowMode: 'array', ...(queryMode ? { queryMode } : {}) });
  }
}

/** pg's parser hook: keep every value as the server's text; {@link plainRow} converts per column. */
function plainParser(): (value: string) => string {
  return (value) => value;
}

/** A row of server text values as plain JS values, the way the DuckDB destination returns them. */
function plainRow(fields: readonly pg.FieldDef[], row: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) out[fields[i]!.name] = plainValue(fields[i]!.dataTypeID, row[i] as string | null);
  return out;
}

/**
 * One value as DuckDB's `query` returns it: integers as numbers (bigint beyond 2^53), numerics as
 * numbers, booleans, timestamps and dates as `Date` (dates at UTC midnight), JSON as its text, text[]
 * as an array of strings and nulls.
 */
function plainValue(oid: number, v: string | null): unknown {
  if (v === null) return null;
  switch (oid) {
    case OID.int2:
    case OID.int4:
      return Number(v);
    case OID.int8: {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    }
    case OID.float4:
    case OID.float8:
    case OID.numeric:
      return Number(v);
    case OID.bool:
      return v === 't';
    case OID.timestamptz:
    case OID.timestamp:
    case OID.date: {
      const ms = epochMs(oid, v);
      return Number.isNaN(ms) ? v : new Date(ms);
    }
    case OID.textArray:
    case OID.varcharArray:
      return textArrayItems(v);
    default:
      return v;
  }
}

/**
 * The items of a one-dimensional text[] in the server's text form: `{}`, `{a,"b \"c\"",NULL}`. The
 * server quotes an item that is empty, holds a delimiter, brace, quote, backslash or space, or reads
 * NULL, so an unquoted `NULL` is the null item. Other forms (several dimensions, custom bounds) stay text.
 */
function textArrayItems(v: string): (string | null)[] | string {
  if (v[0] !== '{' || v[1] === '{') return v;
  const items: (string | null)[] = [];
  let i = 1;
  while (i < v.length && v[i] !== '}') {
    let item = '';
    if (v[i] === '"') {
      for (i++; i < v.length && v[i] !== '"'; i++) item += v[i] === '\\' ? v[++i] : v[i];
      items.push(item);
      i++;
    } else {
      const end = v.slice(i).search(/[,}]/);
      item = v.slice(i, end < 0 ? v.length : i + end);
      items.push(item === 'NULL' ? null : item);
      i += item.length;
    }
    if (v[i] === ',') i++;
  }
  return items;
}

/** A value as `recordBatchOf` takes it for its column type: timestamps as epoch ms with the µs as fraction, dates as text. */
function arrowValue(oid: number, v: string | null): unknown {
  if (v === null || oid === OID.date) return v;
  if (oid === OID.timestamptz || oid === OID.timestamp) return epochMs(oid, v);
  return plainValue(oid, v);
}

/**
 * Epoch milliseconds (µs kept as the fraction) of a timestamp or date in the server's text form;
 * the session's TimeZone is UTC, so timestamptz reads `2024-01-02 03:04:05.123456+00`. NaN for
 * `infinity` and BC dates.
 */
function epochMs(oid: number, v: string): number {
  const m = /^(\d{4,})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-]\d\d)(?::?(\d\d))?)?$/.exec(v);
  if (!m) return NaN;
  const micros = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const offsetMin = oid === OID.timestamptz && m[8] ? Number(m[8]) * 60 + Math.sign(Number(m[8]) || 1) * Number(m[9] ?? 0) : 0;
  return ms + micros / 1000 - offsetMin * 60_000;
}

/** The notionflow type of a result column by its type oid (anything else reads as text). */
function dataTypeOfOid(oid: number): DataType {
  switch (oid) {
    case OID.int2:
    case OID.int4:
    case OID.int8:
      return 'bigint';
    case OID.float4:
    case OID.float8:
    case OID.numeric:
      return 'double';
    case OID.bool:
      return 'bool';
    case OID.timestamptz:
    case OID.timestamp:
      return 'timestamp';
    case OID.date:
      return 'date';
    case OID.json:
    case OID.jsonb:
      return 'json';
    case OID.textArray:
    case OID.varcharArray:
      return 'text_list';
    default:
      return 'text';
  }
}

/** Connection-level failures (refused, reset, server shutting down, serialization) may succeed when retried. */
function isTransientError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) || /^(08|40|53|57P)/.test(code);
}

/** The error's message with the password (if it ever appears) replaced by `***`. */
function scrub(err: unknown, password: string | undefined): string {
  const message = err instanceof Error ? err.message : String(err);
  return password ? message.replaceAll(password, '***') : message;
}

/** The cause to attach: the original error unless its message holds the password. */
function scrubbedCause(err: unknown, password: string | undefined): unknown {
  if (!password || !(err instanceof Error) || !err.message.includes(password)) return err;
  return new Error(scrub(err, password));
}
