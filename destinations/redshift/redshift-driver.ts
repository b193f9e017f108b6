import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type { RecordBatch, Table } from 'apache-arrow';
import type pg from 'pg';
import type { QueryResult } from '../destination.js';
import { DestinationError } from '../errors.js';
import type { ParquetWriter } from '../duckdb/duckdb-parquet-writer.js';
import { importOptional, type Importer } from '../optional-import.js';
import { arrowTableOf, isTransientError, plainParser, plainRow } from '../postgres/postgres-values.js';
import { runInOrder, runInTransaction, type SqlDriver, type SqlErrorInfo, type SqlStatement, type StagingTarget } from '../sql/sql-driver.js';
import type { ResolvedRedshiftConfig } from './redshift-config.js';
import { literal } from './redshift-dialect.js';
import { stageFileOf } from './redshift-stage-file.js';
import { REDSHIFT_MAX_VARCHAR_BYTES } from './redshift-type-mapper.js';

/** The driver packages of the redshift destination (optional peer dependencies). */
export interface RedshiftPackages {
  readonly pg: typeof pg;
  readonly s3: typeof ClientS3;
}

/** Import `pg` and `@aws-sdk/client-s3`; not installed, a `MissingPackageError` saying `npm install pg @aws-sdk/client-s3`. */
export async function loadRedshiftPackages(importer?: Importer): Promise<RedshiftPackages> {
  const [pgModule, s3] = (await importOptional('redshift', ['pg', '@aws-sdk/client-s3'], importer)) as [{ default: typeof pg }, typeof ClientS3];
  return { pg: pgModule.default, s3 };
}

/** Where a driver works: the dataset (its staged files go under `<prefix><dataset>/`) and the statement log. */
export interface RedshiftDriverContext {
  readonly datasetName: string;
  readonly log?: (line: string) => void;
}

/**
 * One connection to Redshift, as the SQL core uses it: statements over the PostgreSQL wire protocol
 * (`pg`), and batches staged by Redshift's bulk path: each batch is written as a Parquet file (DuckDB),
 * uploaded to the S3 staging bucket and loaded with `COPY <staging> FROM 's3://…' … FORMAT AS PARQUET`,
 * then the file is deleted.
 *
 * Every error it describes is scrubbed of the config's secrets (password, keys, role): `COPY` carries the
 * authorization in its text, so the statement is logged with it masked and never put in an error.
 */
export class RedshiftDriver implements SqlDriver {
  readonly #client: pg.Client;
  readonly #packages: RedshiftPackages;
  readonly #config: ResolvedRedshiftConfig;
  readonly #ctx: RedshiftDriverContext;
  /** Files of this connection go under their own folder, so two loads never share a key. */
  readonly #session = randomUUID();
  #s3: ClientS3.S3Client | undefined;
  #parquet: Promise<ParquetWriter> | undefined;
  #dir: Promise<string> | undefined;
  #files = 0;
  /** The next staged row's number (see `STAGE_SEQ_COLUMN`). */
  #seq = 0n;
  #closed = false;

  private constructor(client: pg.Client, packages: RedshiftPackages, config: ResolvedRedshiftConfig, ctx: RedshiftDriverContext) {
    this.#client = client;
    this.#packages = packages;
    this.#config = config;
    this.#ctx = ctx;
  }

  /**
   * Import the driver packages (`importer` replaces `import()`; a missing package is a
   * `MissingPackageError`) and connect, with the session's time zone UTC (timestamps read back as UTC text).
   */
  static async connect(config: ResolvedRedshiftConfig, ctx: RedshiftDriverContext, importer?: Importer): Promise<RedshiftDriver> {
    const packages = await loadRedshiftPackages(importer);
    const client = new packages.pg.Client({ ...config.client, types: { getTypeParser: plainParser as never } });
    // A connection dropped while idle must not crash the process; the next call fails with a DestinationError.
    client.on('error', () => undefined);
    const driver = new RedshiftDriver(client, packages, config, ctx);
    try {
      await client.connect();
      await client.query("SET timezone TO 'UTC'");
    } catch (err) {
      await client.end().catch(() => undefined);
      const info = driver.describeError(err);
      throw new DestinationError('redshift', `could not connect to ${config.location}: ${info.message}`, { cause: info.cause, transient: info.transient });
    }
    return driver;
  }

  run(statements: readonly SqlStatement[]): Promise<void> {
    return runInOrder(statements, (st) => this.#exec(st));
  }

  transaction(statements: readonly SqlStatement[]): Promise<void> {
    return runInTransaction(statements, (st) => this.#exec(st));
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const result = await this.#client.query({ text: sql, values: params as unknown[] | undefined, rowMode: 'array' });
    const fields = lowerCased(result.fields);
    return result.rows.map((row: unknown[]) => plainRow(fields, row));
  }

  async stage(target: StagingTarget, batch: RecordBatch): Promise<void> {
    const file = stageFileOf(target, batch, this.#seq);
    this.#seq += BigInt(batch.numRows);
    const n = ++this.#files;
    const path = join(await this.#tempDir(), `${n}.parquet`);
    let body: Uint8Array;
    try {
      await (await this.#parquetWriter()).write(path, file.columns, [file.batch]);
      body = await readFile(path);
    } finally {
      await rm(path, { force: true });
    }
    const { bucket, prefix } = this.#config.s3;
    // COPY reads every object whose key starts with the path: `<n>.parquet` is the prefix of no other file.
    const key = `${prefix}${encodeURIComponent(this.#ctx.datasetName)}/${this.#session}/${n}.parquet`;
    const s3 = this.#s3Client();
    await s3.send(new this.#packages.s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const auth = this.#config.copyAuthorization;
    const copy = (authorization: string) => `COPY ${target.staging} FROM ${literal(`s3://${bucket}/${key}`)} ${auth.kind} ${authorization} FORMAT AS PARQUET`;
    this.#ctx.log?.(copy("'***'"));
    try {
      await this.#client.query(copy(literal(auth.value)));
    } catch (err) {
      await s3.send(new this.#packages.s3.DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
      throw err;
    }
    await s3.send(new this.#packages.s3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  /**
   * A caller's query. Read-only, it runs alone (the extended protocol takes one statement) inside
   * `BEGIN READ ONLY … ROLLBACK`, so Redshift itself refuses anything that writes.
   */
  async query(sql: string, readOnly: boolean): Promise<QueryResult> {
    const result = await this.#userQuery(sql, readOnly);
    const fields = lowerCased(result.fields);
    return { columns: fields.map((f) => f.name), rows: result.rows.map((row) => plainRow(fields, row)) };
  }

  async queryArrow(sql: string, readOnly: boolean): Promise<Table> {
    const result = await this.#userQuery(sql, readOnly);
    return arrowTableOf(lowerCased(result.fields), result.rows);
  }

  describeError(err: unknown): SqlErrorInfo {
    const message = err instanceof Error ? err.message : String(err);
    const scrubbed = this.#config.secrets.reduce((m, secret) => m.replaceAll(secret, '***'), message);
    const s3Status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const transient =
      isTransientError(err) ||
      // Concurrent transactions on the same tables: Redshift aborts one (error 1023); the retry succeeds.
      /Serializable isolation violation/i.test(message) ||
      (s3Status !== undefined && (s3Status >= 500 || s3Status === 429)) ||
      (err as { $retryable?: unknown }).$retryable !== undefined;
    return { message: scrubbed, transient, cause: scrubbed === message ? err : new Error(scrubbed) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.end().catch(() => undefined);
    this.#s3?.destroy();
    await (await this.#parquet?.catch(() => undefined))?.close();
    const dir = await this.#dir?.catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  /** One statement; a string parameter longer than a VARCHAR holds fails here, named, rather than as Redshift's "value too long". */
  async #exec(st: SqlStatement): Promise<void> {
    for (const p of st.params ?? []) {
      if (typeof p === 'string' && p.length > REDSHIFT_MAX_VARCHAR_BYTES / 3 && Buffer.byteLength(p) > REDSHIFT_MAX_VARCHAR_BYTES) {
        throw new Error(`a value of ${Buffer.byteLength(p)} bytes is longer than Redshift's VARCHAR holds (${REDSHIFT_MAX_VARCHAR_BYTES} bytes).`);
      }
    }
    await this.#client.query(st.sql, st.params as unknown[] | undefined);
  }

  async #userQuery(sql: string, readOnly: boolean): Promise<pg.QueryArrayResult<unknown[]>> {
    if (!readOnly) return this.#client.query({ text: sql, rowMode: 'array' });
    await this.#client.query('BEGIN READ ONLY');
    try {
      // `queryMode` is pg's (one statement per query, parameters or not), missing from its types.
      return await this.#client.query({ text: sql, values: [], rowMode: 'array', ...{ queryMode: 'extended' as const } });
    } finally {
      await this.#client.query('ROLLBACK').catch(() => undefined);
    }
  }

  #s3Client(): ClientS3.S3Client {
    const { region, endpoint, credentials } = this.#config.s3;
    // Checksums only where an operation requires them: S3-compatible servers store aws-chunked bodies verbatim.
    this.#s3 ??= new this.#packages.s3.S3Client({
      region,
      ...(endpoint !== undefined ? { endpoint, forcePathStyle: true } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return this.#s3;
  }

  /** DuckDB (a native binding) loads with the first staged batch, not with the destination. */
  #parquetWriter(): Promise<ParquetWriter> {
    this.#parquet ??= import('../duckdb/duckdb-parquet-writer.js').then((m) => new m.ParquetWriter());
    return this.#parquet;
  }

  #tempDir(): Promise<string> {
    this.#dir ??= mkdtemp(join(tmpdir(), 'notionflow-redshift-'));
    return this.#dir;
  }
}

/** Result fields with lower-case names (Redshift returns them folded already; a case-sensitive cluster may not). */
function lowerCased(fields: readonly pg.FieldDef[]): pg.FieldDef[] {
  return fields.map((f) => (f.name === f.name.toLowerCase() ? f : { ...f, name: f.name.toLowerCase() }));
}
