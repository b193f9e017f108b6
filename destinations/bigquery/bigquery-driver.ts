import { randomUUID } from 'node:crypto';
import type { BigQuery, BigQueryOptions, Job, JobLoadMetadata, Query, TableField } from '@google-cloud/bigquery';
import { Table, type RecordBatch } from 'apache-arrow';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import type { DataType } from '../../src/schema/data-types.js';
import type { QueryResult } from '../destination.js';
import { DestinationError } from '../errors.js';
import { importOptional, type Importer } from '../optional-import.js';
import { SqlStatementError, type SqlDriver, type SqlErrorInfo, type SqlStatement, type StagingTarget } from '../sql/sql-driver.js';
import { endpointOf, locationOf, serviceAccountKey, type BigQueryConfig } from './bigquery-config.js';
import { STAGE_SEQ_COLUMN, type BigQueryDialect } from './bigquery-dialect.js';
import { ndjsonOf } from './bigquery-ndjson.js';
import { bigqueryScript } from './bigquery-script.js';

/**
 * The largest NDJSON body sent as one multipart upload (the client's own load path); larger ones go as a
 * resumable upload. Google's upload guides keep multipart uploads to small files (5 MB), as the Python
 * client does.
 */
export const MULTIPART_MAX_BYTES = 5 * 1024 * 1024;

/** Error reasons of the BigQuery API (and of failed jobs) that a retry may get past. */
const TRANSIENT_REASONS = new Set(['backendError', 'internalError', 'rateLimitExceeded', 'jobBackendError', 'jobInternalError', 'jobRateLimitExceeded']);
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED']);

/** What the API says about a failed request or job: `ApiError` of `@google-cloud/common`. */
interface ApiErrorShape {
  readonly message?: string;
  readonly code?: number | string;
  readonly errors?: readonly { readonly reason?: string; readonly message?: string }[];
}

/** A query job's result: the schema of its rows and the rows as the REST API has them (`{ f: [{ v }] }`). */
interface RawResult {
  readonly fields: readonly TableField[];
  readonly rows: readonly RawRow[];
}
interface RawRow {
  readonly f: readonly { readonly v: unknown }[];
}

/**
 * One BigQuery client, for the SQL core. Every statement is a query job (`jobs.insert`, then
 * `getQueryResults` page by page); a list of statements is one multi-statement script, and a
 * transaction is one script from `BEGIN TRANSACTION` to `COMMIT TRANSACTION` with named parameters, so a
 * commit is a single job. Batches are staged by load jobs: NDJSON uploaded with the job (multipart,
 * or resumable above {@link MULTIPART_MAX_BYTES}) into the staging table, never streaming inserts.
 *
 * Errors keep BigQuery's message and reason; the client attaches the HTTP request (with its
 * `Authorization` header) to its errors, so the cause kept is a copy without it, and configured secrets
 * are scrubbed from every message.
 */
export class BigQueryDriver implements SqlDriver {
  readonly #bq: BigQuery;
  readonly #dialect: BigQueryDialect;
  readonly #dataset: string;
  readonly #location: string;
  readonly #endpoint: string;
  readonly #project: string;
  readonly #secrets: readonly string[];
  /** Numbers staged rows across this session's batches (staging tables are emptied at their first use in a session). */
  #seq = 0n;

  private constructor(bq: BigQuery, config: BigQueryConfig, dialect: BigQueryDialect, dataset: string, secrets: readonly string[]) {
    this.#bq = bq;
    this.#dialect = dialect;
    this.#dataset = dataset;
    this.#location = locationOf(config);
    this.#endpoint = endpointOf(config);
    this.#project = config.projectId;
    this.#secrets = secrets;
  }

  /**
   * Import `@google-cloud/bigquery` (an optional peer; missing, a `MissingPackageError`) and make a
   * client. Nothing is sent yet: the first query authenticates. With `accessToken`, the token is
   * wrapped in an `OAuth2Client` of `google-auth-library` (installed with the BigQuery client).
   */
  static async open(config: BigQueryConfig, dialect: BigQueryDialect, dataset: string, importer?: Importer): Promise<BigQueryDriver> {
    const packages = config.accessToken !== undefined && config.authClient === undefined ? ['@google-cloud/bigquery', 'google-auth-library'] : ['@google-cloud/bigquery'];
    const [module, auth] = (await importOptional('bigquery', packages, importer)) as [BigQueryModule, AuthModule | undefined];
    const { BigQuery } = module.BigQuery ? module : module.default!;
    const key = config.credentials === undefined ? undefined : serviceAccountKey(config.credentials);
    let authClient = config.authClient;
    if (authClient === undefined && config.accessToken !== undefined) {
      const OAuth2Client = auth!.OAuth2Client ?? auth!.default!.OAuth2Client;
      const client = new OAuth2Client();
      client.setCredentials({ access_token: config.accessToken });
      authClient = client;
    }
    const options: BigQueryOptions = {
      projectId: config.projectId,
      location: locationOf(config),
      ...(config.apiEndpoint !== undefined ? { apiEndpoint: endpointOf(config) } : {}),
      ...(authClient !== undefined ? { authClient: authClient as BigQueryOptions['authClient'] } : {}),
      ...(key !== undefined ? { credentials: key } : {}),
      ...(config.keyFilename !== undefined ? { keyFilename: config.keyFilename } : {}),
      userAgent: 'notionflow',
    };
    const secrets = [config.accessToken, key?.private_key, typeof config.credentials === 'string' ? config.credentials : undefined].filter((s): s is string => s !== undefined && s !== '');
    return new BigQueryDriver(new BigQuery(options), config, dialect, dataset, secrets);
  }

  async run(statements: readonly SqlStatement[]): Promise<void> {
    if (statements.length === 0) return;
    if (statements.length === 1) {
      try {
        await this.#query(statements[0]!.sql, paramsOf(statements[0]!));
      } catch (err) {
        throw new SqlStatementError(0, err);
      }
      return;
    }
    await this.#script(statements, false);
  }

  /** The whole transaction goes to BigQuery as one script job, so `starting` sees every statement just before that job is sent. */
  async transaction(statements: readonly SqlStatement[], starting?: (statement: SqlStatement) => void): Promise<void> {
    if (statements.length === 0) return;
    for (const st of statements) starting?.(st);
    await this.#script(statements, true);
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const result = await this.#query(sql, params && paramsOf({ sql, params }));
    return [...plainRows(result).rows];
  }

  /**
   * Load a batch into its staging table: NDJSON rows numbered for {@link STAGE_SEQ_COLUMN}, appended by
   * one load job that must load every row (no bad records allowed, no unknown fields ignored).
   */
  async stage(target: StagingTarget, batch: RecordBatch): Promise<void> {
    const body = ndjsonOf(target.table, target.columns, batch, STAGE_SEQ_COLUMN, this.#seq);
    this.#seq += BigInt(batch.numRows);
    const load: JobLoadMetadata = {
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition: 'WRITE_APPEND',
      createDisposition: 'CREATE_NEVER',
      ignoreUnknownValues: false,
      maxBadRecords: 0,
    };
    const staging = this.#dialect.stagingSchema(this.#dataset);
    const job = body.length <= MULTIPART_MAX_BYTES ? await this.#multipartLoad(staging, target.table, load, body) : await this.#resumableLoad(staging, target.table, load, body);
    const output = Number((job.metadata as { statistics?: { load?: { outputRows?: string } } }).statistics?.load?.outputRows);
    if (output !== batch.numRows) {
      throw new DestinationError('bigquery', `load job ${job.id ?? ''} loaded ${Number.isNaN(output) ? 'an unknown number of' : output} rows of ${batch.numRows} into the staging table of "${target.table}".`, { table: target.table });
    }
  }

  async query(sql: string, readOnly: boolean): Promise<QueryResult> {
    return plainRows(await this.#userQuery(sql, readOnly));
  }

  /** A caller's query as an Arrow table: columns typed by the result schema (REPEATED STRING a text list, RECORD and other arrays JSON). */
  async queryArrow(sql: string, readOnly: boolean): Promise<Table> {
    const result = await this.#userQuery(sql, readOnly);
    const { columns, rows } = plainRows(result);
    const schema = result.fields.map((f, i) => ({ name: columns[i]!, dataType: dataTypeOfField(f), nullable: true }));
    return new Table(recordBatchOf(schema, rows));
  }

  describeError(err: unknown): SqlErrorInfo {
    const e = (err instanceof SqlStatementError ? err.cause : err) as ApiErrorShape & { code?: unknown };
    const reason = e?.errors?.find((x) => x.reason !== undefined)?.reason;
    const status = typeof e?.code === 'number' ? e.code : undefined;
    const network = typeof e?.code === 'string' ? e.code : undefined;
    const details = [reason !== undefined ? `reason ${reason}` : '', status !== undefined ? `HTTP ${status}` : '', network ?? ''].filter(Boolean);
    const text = this.#scrub(e?.message ?? String(err));
    const message = `${text}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
    const transient =
      (status !== undefined && TRANSIENT_STATUS.has(status)) ||
      (reason !== undefined && TRANSIENT_REASONS.has(reason)) ||
      (network !== undefined && TRANSIENT_NETWORK.has(network)) ||
      // Two transactions on one table: the later one aborts, and succeeds when run again.
      /concurrent update|aborted due to concurrent/i.test(text);
    const cause = Object.assign(new Error(text), { name: err instanceof Error ? err.name : 'Error', code: e?.code, reason });
    return { message, transient, cause };
  }

  async close(): Promise<void> {
    // The client holds no connection of its own (each request uses the shared HTTP agent).
  }

  /**
   * A caller's query. In a read-only session BigQuery's own parser judges it first: a dry run (free, runs
   * nothing) reports the statement type, and anything but a `SELECT` (DML, DDL, a script) is refused.
   */
  async #userQuery(sql: string, readOnly: boolean): Promise<RawResult> {
    if (readOnly) {
      const [, meta] = await this.#bq.createQueryJob({ query: sql, location: this.#location, dryRun: true });
      const type = (meta as { statistics?: { query?: { statementType?: string } } }).statistics?.query?.statementType;
      if (type !== 'SELECT') {
        throw new DestinationError('bigquery', `a read-only session runs only queries (SELECT); BigQuery reads this as ${type === undefined ? 'another statement' : `a ${type} statement`}.`);
      }
    }
    return this.#query(sql);
  }

  /** Run statements as one script (a transaction with `transaction`); a failure names the statement by its line. */
  async #script(statements: readonly SqlStatement[], transaction: boolean): Promise<void> {
    const script = bigqueryScript(statements, transaction);
    try {
      await this.#query(script.sql, Object.keys(script.params).length > 0 ? script.params : undefined);
    } catch (err) {
      const line = /\bat \[(\d+):\d+\]/.exec((err as Error)?.message ?? '')?.[1];
      throw new SqlStatementError(line === undefined ? undefined : script.statementAt(Number(line)), err);
    }
  }

  /** One query job: inserted, then its results read page by page (the client waits for the job on each call). */
  async #query(sql: string, params?: Record<string, unknown>): Promise<RawResult> {
    const options: Query = { query: sql, location: this.#location };
    if (params) {
      options.params = params;
      // The client infers a parameter's type from its value; a NULL has none, so it is a STRING.
      const nulls = Object.keys(params).filter((k) => params[k] === null || params[k] === undefined);
      if (nulls.length > 0) options.types = Object.fromEntries(nulls.map((k) => [k, 'STRING']));
    }
    const [job] = await this.#bq.createQueryJob(options);
    const rows: RawRow[] = [];
    let fields: readonly TableField[] = [];
    let next: Record<string, unknown> | null = { autoPaginate: false, skipParsing: true };
    while (next) {
      const [page, following, response] = (await job.getQueryResults(next)) as unknown as [RawRow[], Record<string, unknown> | null, { schema?: { fields?: TableField[] } }];
      rows.push(...page);
      fields = response?.schema?.fields ?? fields;
      next = following;
    }
    return { fields, rows };
  }

  /** The client's load path: job metadata and data in one `multipart/related` upload, then the job polled until done. */
  async #multipartLoad(dataset: string, table: string, load: JobLoadMetadata, body: Buffer): Promise<Job> {
    const stream = this.#bq.dataset(dataset).table(table).createWriteStream(load);
    return new Promise<Job>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('complete', (job: Job) => resolve(job));
      stream.end(body);
    });
  }

  /**
   * A resumable upload (the client has none): the job resource `POST`ed to
   * `/upload/bigquery/v2/projects/<p>/jobs?uploadType=resumable`, which answers with a session URL in
   * `Location`; then the data `PUT` to it in one request, which answers with the job. Both requests go
   * through the client's authenticated request (its credentials, retries and user agent).
   */
  async #resumableLoad(dataset: string, table: string, load: JobLoadMetadata, body: Buffer): Promise<Job> {
    const jobId = `notionflow_${randomUUID().replaceAll('-', '')}`;
    const resource = {
      jobReference: { projectId: this.#project, jobId, location: this.#location },
      configuration: { load: { ...load, destinationTable: { projectId: this.#project, datasetId: dataset, tableId: table } } },
    };
    const [, started] = await this.#request({
      method: 'POST',
      uri: `${this.#endpoint}/upload/bigquery/v2/projects/${encodeURIComponent(this.#project)}/jobs`,
      qs: { uploadType: 'resumable' },
      headers: { 'X-Upload-Content-Type': 'application/octet-stream', 'X-Upload-Content-Length': String(body.length) },
      json: resource,
    });
    const session = (started as { headers?: Record<string, string> }).headers?.['location'];
    if (!session) throw new DestinationError('bigquery', `the resumable upload of load job ${jobId} got no session URL.`, { table });
    await this.#request({ method: 'PUT', uri: session, body, headers: { 'Content-Type': 'application/octet-stream' } });
    const job = this.#bq.job(jobId, { location: this.#location });
    await job.promise();
    return job;
  }

  #request(reqOpts: Record<string, unknown>): Promise<[unknown, unknown]> {
    return new Promise((resolve, reject) => {
      this.#bq.makeAuthenticatedRequest(reqOpts as never, ((err: Error | null, body: unknown, response: unknown) => (err ? reject(err) : resolve([body, response]))) as never);
    });
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, '***');
    return out;
  }
}

/** The module of `@google-cloud/bigquery` (its classes, under `default` too when imported as CommonJS). */
type BigQueryModule = { BigQuery: typeof BigQuery; default?: { BigQuery: typeof BigQuery } };
/** The part of `google-auth-library` the driver uses. */
interface OAuth2ClientLike {
  setCredentials(credentials: { access_token: string }): void;
}
type AuthModule = { OAuth2Client?: new () => OAuth2ClientLike; default?: { OAuth2Client: new () => OAuth2ClientLike } };

/** A statement's parameters by name (`p1`, `p2`, …), as the dialect numbered them. */
function paramsOf(st: SqlStatement): Record<string, unknown> | undefined {
  if (!st.params || st.params.length === 0) return undefined;
  return Object.fromEntries(st.params.map((v, i) => [`p${i + 1}`, v]));
}

/** True when the API says a dataset or table is not there (HTTP 404, reason `notFound`). */
export function isNotFound(err: unknown): boolean {
  const e = (err instanceof SqlStatementError ? err.cause : err) as ApiErrorShape;
  return e?.code === 404 || (e?.errors ?? []).some((x) => x.reason === 'notFound');
}

/** The notionflow type of a result field, for an Arrow column. */
function dataTypeOfField(field: TableField): DataType {
  if (field.mode === 'REPEATED') return field.type === 'STRING' ? 'text_list' : 'json';
  switch (field.type) {
    case 'INTEGER':
    case 'INT64':
      return 'bigint';
    case 'FLOAT':
    case 'FLOAT64':
      return 'double';
    case 'BOOLEAN':
    case 'BOOL':
      return 'bool';
    case 'TIMESTAMP':
      return 'timestamp';
    case 'DATE':
      return 'date';
    case 'JSON':
    case 'RECORD':
    case 'STRUCT':
      return 'json';
    default:
      return 'text';
  }
}

/** Rows of a query as plain values, keyed by lower-case column name. */
function plainRows(result: RawResult): QueryResult {
  const columns = result.fields.map((f) => String(f.name).toLowerCase());
  const rows = result.rows.map((row) => {
    const out: Record<string, unknown> = {};
    result.fields.forEach((field, i) => (out[columns[i]!] = plainField(field, row.f[i]?.v)));
    return out;
  });
  return { columns, rows };
}

/**
 * A REST cell as a plain value: INT64 a number (a bigint beyond 2^53), FLOAT64 a number, BOOL a
 * boolean, TIMESTAMP (µs since the epoch, the client's `useInt64Timestamp`) a Date, DATE a Date at
 * midnight UTC, JSON its text, REPEATED an array, RECORD an object; anything else its text.
 */
function plainField(field: TableField, v: unknown): unknown {
  if (field.mode === 'REPEATED') return Array.isArray(v) ? v.map((item: { v: unknown }) => plainValue(field, item.v)) : [];
  return plainValue(field, v);
}

function plainValue(field: TableField, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (field.type) {
    case 'INTEGER':
    case 'INT64': {
      const n = BigInt(String(v));
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'FLOAT':
    case 'FLOAT64':
      return Number(v);
    case 'BOOLEAN':
    case 'BOOL':
      return v === 'true' || v === true;
    case 'TIMESTAMP': {
      const micros = BigInt(String(v));
      const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
      return new Date(Number(ms));
    }
    case 'DATE':
      return new Date(`${String(v)}T00:00:00Z`);
    case 'RECORD':
    case 'STRUCT': {
      const out: Record<string, unknown> = {};
      const cells = (v as RawRow).f;
      (field.fields ?? []).forEach((f, i) => (out[String(f.name).toLowerCase()] = plainField(f, cells[i]?.v)));
      return out;
    }
    default:
      return String(v);
  }
}
