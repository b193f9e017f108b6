import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RecordBatch, Table } from 'apache-arrow';
import type pg from 'pg';
import type { OpenContext, QueryResult } from '../destination.js';
import { DestinationError } from '../errors.js';
import { nativeImport, type Importer } from '../optional-import.js';
import { runInOrder, runInTransaction, type SqlDriver, type SqlErrorInfo, type SqlStatement, type StagingTarget } from '../sql/sql-driver.js';
import type { ResolvedPostgresConfig } from './postgres-config.js';
import { copyChunks } from './postgres-copy-encoder.js';
import { loadPostgresDriver, type PostgresDriver } from './postgres-driver.js';
import { copyFromSql } from './postgres-sql.js';
import { arrowTableOf, isTransientError, plainParser, plainRow } from './postgres-values.js';

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
    return arrowTableOf(result.fields, result.rows);
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

  /** Run a query with every value as its text form (parsed by {@link plainRow} / {@link arrowTableOf}). */
  #read(sql: string, values?: readonly unknown[], queryMode?: 'extended'): Promise<pg.QueryArrayResult<unknown[]>> {
    return this.#client.query({ text: sql, values: values as unknown[] | undefined, rowMode: 'array', ...(queryMode ? { queryMode } : {}) });
  }
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
