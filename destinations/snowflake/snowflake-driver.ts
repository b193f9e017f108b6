import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import type { Bind } from 'snowflake-sdk';
import type { OpenContext, QueryResult } from '../destination.js';
import { DestinationError } from '../errors.js';
import type { Importer } from '../optional-import.js';
import { ParquetWriter } from '../duckdb/duckdb-parquet-writer.js';
import { runInOrder, runInTransaction, type SqlDriver, type SqlErrorInfo, type SqlStatement, type StagingTarget } from '../sql/sql-driver.js';
import type { SnowflakeConfig } from './snowflake-config.js';
import { SnowflakeConnection, describe, redact } from './snowflake-connection.js';
import { STAGE_NAME, copyIntoSql, qualified, stagingSchemaOf } from './snowflake-sql.js';
import { writeStageFile } from './snowflake-stage-file.js';

/**
 * One logged-in Snowflake connection, for the SQL core. `stage` encodes the batch as a Parquet (or CSV)
 * file, `PUT`s it to the dataset's internal stage and `COPY`s it into the staging table. One statement per
 * request (the driver sends no statement lists).
 */
export class SnowflakeDriver implements SqlDriver {
  readonly #connection: SnowflakeConnection;
  readonly #config: SnowflakeConfig;
  readonly #stagingSchema: string;
  readonly #tmpDir: string;
  readonly #log: ((line: string) => void) | undefined;
  /** Writes the Parquet batch files (DuckDB, opened on the first one). */
  readonly #parquet = new ParquetWriter();
  /** Makes this session's file names unique: COPY skips a file name it already loaded. */
  readonly #filePrefix = randomUUID();
  #seq = 0n;
  #files = 0;
  #closed = false;

  private constructor(connection: SnowflakeConnection, config: SnowflakeConfig, ctx: OpenContext, tmpDir: string) {
    this.#connection = connection;
    this.#config = config;
    this.#stagingSchema = stagingSchemaOf(ctx.datasetName);
    this.#tmpDir = tmpDir;
    this.#log = ctx.log;
  }

  /** Log in and prepare a local directory for the batch files. `importer` replaces `import()` of the driver (tests). */
  static async connect(config: SnowflakeConfig, ctx: OpenContext, importer?: Importer): Promise<SnowflakeDriver> {
    const connection = await SnowflakeConnection.connect(config, importer);
    try {
      return new SnowflakeDriver(connection, config, ctx, await mkdtemp(join(tmpdir(), 'notionflow-snowflake-')));
    } catch (err) {
      await connection.destroy();
      throw new DestinationError('snowflake', `could not create a directory for batch files: ${(err as Error).message}`, { cause: err });
    }
  }

  run(statements: readonly SqlStatement[]): Promise<void> {
    return runInOrder(statements, (st) => this.#connection.execute(st.sql, st.params as Bind[] | undefined));
  }

  transaction(statements: readonly SqlStatement[], starting?: (statement: SqlStatement) => void): Promise<void> {
    return runInTransaction(statements, (st) => this.#connection.execute(st.sql, st.params as Bind[] | undefined), starting);
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const result = await this.#connection.execute(sql, params as Bind[] | undefined);
    return result.rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [i, name] of result.columns.entries()) out[name.toLowerCase()] = plainValue(row[name], result.types[i]!);
      return out;
    });
  }

  async stage(target: StagingTarget, batch: RecordBatch): Promise<void> {
    const format = this.#config.stageFormat ?? 'parquet';
    const fileName = `${this.#filePrefix}-${target.table}-${++this.#files}.${format}`;
    const localPath = join(this.#tmpDir, fileName);
    try {
      const columns = await writeStageFile(localPath, batch, this.#seq, format, this.#parquet);
      this.#seq += BigInt(batch.numRows);
      const stage = qualified(this.#stagingSchema, STAGE_NAME);
      this.#log?.(`PUT ${fileName} @${stage}`);
      await this.#connection.put(localPath, stage);
      const copy = copyIntoSql(this.#stagingSchema, target.table, fileName, format, columns);
      this.#log?.(copy);
      await this.#connection.execute(copy);
    } finally {
      await rm(localPath, { force: true });
    }
  }

  /**
   * Run a caller's query. Read-only, it runs as a derived table, `SELECT * FROM (<sql>)`: Snowflake has no
   * read-only transaction (and its DDL commits at once), but its parser accepts only a query there, and the
   * driver sends one statement per request, so DDL and DML are refused by Snowflake itself.
   */
  async query(sql: string, readOnly: boolean): Promise<QueryResult> {
    let result;
    try {
      result = await this.#connection.execute(readOnly ? `SELECT * FROM (\n${sql.trimEnd().replace(/;$/, '')}\n)` : sql);
    } catch (err) {
      if (!readOnly) throw err;
      throw new DestinationError('snowflake', `query failed (read-only: only a single SELECT runs here, as SELECT * FROM (<query>)): ${describe(err)}`, { cause: redact(err) });
    }
    // Snowflake reports folded (upper-case) names; notionflow's names are lower case.
    const columns = result.columns.map((c) => c.toLowerCase());
    const rows = result.rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [i, name] of result.columns.entries()) out[columns[i]!] = plainValue(row[name], result.types[i]!);
      return out;
    });
    return { columns, rows };
  }

  describeError(err: unknown): SqlErrorInfo {
    return { message: describe(err), transient: false, cause: redact(err) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#connection.destroy();
    } finally {
      await this.#parquet.close();
      await rm(this.#tmpDir, { recursive: true, force: true });
    }
  }
}

/**
 * A driver value as a plain JS value: the driver's Date subclasses (TIMESTAMP_*, DATE) become plain Dates,
 * and an ARRAY (fetched as its JSON text, like VARIANT) becomes a JS array.
 */
function plainValue(v: unknown, type: string): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return new Date(v.getTime());
  if (type === 'array' && typeof v === 'string') return JSON.parse(v);
  return v;
}
