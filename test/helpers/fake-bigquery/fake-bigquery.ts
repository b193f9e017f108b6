import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { encodeResult, type BigQueryField, type ResultRow } from './rows.js';
import { duckString, FakeBigQueryError, translateQuery, type Statement } from './translate-sql.js';

/** Options of {@link FakeBigQuery.start}. */
export interface FakeBigQueryOptions {
  /** The one project the fake serves. Default `notionflow-test`. */
  readonly project?: string;
  /** The location it reports for datasets and jobs. Default `US`. */
  readonly location?: string;
  /** The bearer token every request must carry; undefined: any (or none). */
  readonly token?: string;
  /** Rows per page of `getQueryResults` when the client sets no `maxResults`; small values make the client page. Default 1000. */
  readonly pageRows?: number;
}

/** One request the fake received (never with its token). */
export interface FakeBigQueryRequest {
  readonly method: string;
  readonly path: string;
  /** `query` (jobs.insert of a query), `dry-run`, `results` (getQueryResults), `job` (jobs.get), `upload:multipart`, `upload:resumable`, `upload:data`, `table` (tables.get), `unauthorized`, `unknown`. */
  readonly kind: string;
  /** Query jobs: the SQL as sent, and the named parameters with their values. */
  readonly sql?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Uploads: bytes of data, and the load job's destination `dataset.table`. */
  readonly bytes?: number;
  readonly table?: string;
  /** The client's address, as the server saw it. */
  readonly remoteAddress: string;
}

interface FakeJob {
  readonly id: string;
  readonly resource: Record<string, unknown>;
  /** Query jobs: the fields and encoded rows of the last statement's result. */
  readonly fields?: readonly BigQueryField[];
  readonly rows?: readonly ResultRow[];
  readonly error?: FakeBigQueryError;
}

interface ResumableSession {
  readonly job: Record<string, unknown>;
}

interface QueryParameter {
  readonly name?: string;
  readonly parameterType?: { readonly type?: string };
  readonly parameterValue?: { readonly value?: unknown };
}

/**
 * A local stand-in for the BigQuery REST API (v2) on 127.0.0.1, for the real `@google-cloud/bigquery`
 * client with `apiEndpoint`, backed by an in-memory DuckDB (datasets are DuckDB schemas):
 *
 * - `jobs.insert` of query jobs (also dry runs, which report the statement type) and
 *   `getQueryResults` with pages (`maxResults`, `pageToken`); `jobs.get`;
 * - multi-statement scripts, with `BEGIN TRANSACTION` … `COMMIT TRANSACTION` as one DuckDB transaction,
 *   rolled back when a statement fails (the error says `at [line:column]`, as BigQuery's do);
 * - load jobs of NDJSON by multipart upload (`/upload/bigquery/v2/projects/<p>/jobs?uploadType=multipart`)
 *   and by resumable upload (`uploadType=resumable`, then a `PUT` of the data to the session URL);
 * - `tables.get` (the schema as BigQuery fields). Datasets and tables are created and changed by SQL DDL
 *   (`CREATE SCHEMA`, `CREATE TABLE`, `ALTER TABLE … ADD COLUMN`), which is what the loader sends.
 *
 * BigQuery's rules the fake enforces: arrays hold no NULL (a NULL array is `[]`, a null item fails the
 * load), REQUIRED fields, unknown NDJSON fields fail a load, a bearer token when configured, and the SQL
 * rules listed in `translate-sql.ts`. Jobs finish while their request is answered, so `jobs.insert`
 * answers `RUNNING` and the client reads the outcome afterwards, as it does from BigQuery.
 *
 * @example
 * ```ts
 * const fake = await FakeBigQuery.start({ token: 'fake-token' });
 * // new BigQuery({ projectId: fake.project, apiEndpoint: fake.url, authClient })
 * await fake.close();
 * ```
 */
export class FakeBigQuery {
  readonly project: string;
  readonly location: string;
  readonly #server: Server;
  readonly #instance: DuckDBInstance;
  readonly #db: DuckDBConnection;
  readonly #root: string;
  readonly #token: string | undefined;
  readonly #pageRows: number;
  readonly #jobs = new Map<string, FakeJob>();
  readonly #sessions = new Map<string, ResumableSession>();
  readonly #log: FakeBigQueryRequest[] = [];
  /** Jobs run one at a time on the one DuckDB connection. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(server: Server, instance: DuckDBInstance, db: DuckDBConnection, root: string, options: FakeBigQueryOptions) {
    this.#server = server;
    this.#instance = instance;
    this.#db = db;
    this.#root = root;
    this.project = options.project ?? 'notionflow-test';
    this.location = options.location ?? 'US';
    this.#token = options.token;
    this.#pageRows = options.pageRows ?? 1000;
  }

  /** Start the fake on 127.0.0.1 with a free port. */
  static async start(options: FakeBigQueryOptions = {}): Promise<FakeBigQuery> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const db = await instance.connect();
    await db.run("SET TimeZone = 'UTC'");
    // GoogleSQL functions the loader's SQL uses, as DuckDB macros (see translate-sql.ts).
    await db.run('CREATE MACRO bq_to_json_string(x) AS CAST(to_json(x) AS VARCHAR); CREATE MACRO bq_parse_json(x) AS CAST(x AS JSON)');
    const root = await mkdtemp(join(tmpdir(), 'fake-bigquery-'));
    const server = createServer();
    const fake = new FakeBigQuery(server, instance, db, root, options);
    server.on('request', (req, res) => void fake.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:PORT`, the client's `apiEndpoint`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Every request so far, in arrival order. */
  get requests(): readonly FakeBigQueryRequest[] {
    return this.#log;
  }

  /** The SQL of the query jobs so far (dry runs left out). */
  get queries(): readonly string[] {
    return this.#log.filter((r) => r.kind === 'query').map((r) => r.sql!);
  }

  /** Run DuckDB SQL on the backing database (test inspection). */
  async inspect(sql: string): Promise<Record<string, unknown>[]> {
    return this.#serial(async () => (await this.#db.runAndReadAll(sql)).getRowObjectsJS());
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.#queue.catch(() => undefined);
    this.#db.closeSync();
    this.#instance.closeSync();
    await rm(this.#root, { recursive: true, force: true });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const log = (kind: string, extra: Partial<FakeBigQueryRequest> = {}): void => {
      this.#log.push({ method, path: url.pathname, kind, remoteAddress: req.socket.remoteAddress ?? '', ...extra });
    };
    try {
      const body = await readBody(req);
      if (this.#token !== undefined && req.headers.authorization !== `Bearer ${this.#token}`) {
        log('unauthorized');
        throw new FakeBigQueryError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
      }
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const upload = parts[0] === 'upload';
      const [api, version, projects, project, collection, id, sub, subId] = upload ? parts.slice(1) : parts;
      if (api !== 'bigquery' || version !== 'v2' || projects !== 'projects') throw new FakeBigQueryError(404, 'notFound', `fake-bigquery: no route ${method} ${url.pathname}`);
      if (project !== this.project) throw new FakeBigQueryError(404, 'notFound', `Not found: Project ${project ?? ''}`);
      if (upload && collection === 'jobs' && id === undefined) return await this.#upload(req, res, url, body, log);
      if (collection === 'jobs' && method === 'POST' && id === undefined) return this.#json(res, 200, await this.#insertJob(JSON.parse(body.toString('utf8')) as Record<string, unknown>, log));
      if (collection === 'jobs' && method === 'GET' && id !== undefined) {
        log('job');
        return this.#json(res, 200, this.#job(id).resource);
      }
      if (collection === 'queries' && method === 'GET' && id !== undefined) {
        log('results');
        return this.#json(res, 200, this.#results(id, url));
      }
      if (collection === 'datasets' && id !== undefined && sub === 'tables' && subId !== undefined && method === 'GET') {
        log('table');
        return this.#json(res, 200, await this.#table(id, subId));
      }
      log('unknown');
      throw new FakeBigQueryError(404, 'notFound', `fake-bigquery: no route ${method} ${url.pathname}`);
    } catch (err) {
      const e = err instanceof FakeBigQueryError ? err : new FakeBigQueryError(500, 'internalError', `fake-bigquery: ${(err as Error).message}`);
      this.#json(res, e.status, errorBody(e));
    }
  }

  /** `jobs.insert` of a query job: run now, answer `RUNNING` (the client reads the outcome with getQueryResults). */
  async #insertJob(resource: Record<string, unknown>, log: (kind: string, extra?: Partial<FakeBigQueryRequest>) => void): Promise<Record<string, unknown>> {
    const configuration = (resource['configuration'] ?? {}) as { query?: { query?: string; queryParameters?: QueryParameter[] }; dryRun?: boolean };
    const query = configuration.query;
    if (!query?.query) throw new FakeBigQueryError(400, 'invalid', 'fake-bigquery: only query jobs are inserted without an upload');
    const params = paramValues(query.queryParameters ?? []);
    log(configuration.dryRun ? 'dry-run' : 'query', { sql: query.query, params: Object.fromEntries(params) });
    const reference = this.#reference(resource);
    // Parse (and name) errors answer the insert itself, as BigQuery's do.
    const statements = translateQuery(query.query, this.#catalog());
    const type = statements.length === 1 ? statements[0]!.type : 'SCRIPT';
    if (configuration.dryRun) {
      return { kind: 'bigquery#job', jobReference: reference, configuration, status: { state: 'DONE' }, statistics: { query: { statementType: type, totalBytesProcessed: '0' } } };
    }
    const job = await this.#serial(async () => {
      try {
        return await this.#runQuery(reference, configuration, statements, params, type);
      } finally {
        if (statements.some((st) => st.type.endsWith('_SCHEMA'))) await this.#refreshSchemas();
      }
    });
    this.#jobs.set(reference.jobId, job);
    return { ...job.resource, status: { state: 'RUNNING' } };
  }

  async #runQuery(
    reference: JobReference,
    configuration: Record<string, unknown>,
    statements: readonly Statement[],
    params: ReadonlyMap<string, DuckDBValue>,
    type: string,
  ): Promise<FakeJob> {
    const script = statements.length > 1;
    let inTransaction = false;
    let last: { fields: BigQueryField[]; rows: ResultRow[] } | undefined;
    let affected = 0;
    for (const st of statements) {
      try {
        if (st.type === 'BEGIN_TRANSACTION') {
          if (inTransaction) throw new FakeBigQueryError(400, 'invalidQuery', 'Transaction is already in progress');
          await this.#db.run('BEGIN TRANSACTION');
          inTransaction = true;
        } else if (st.type === 'COMMIT_TRANSACTION' || st.type === 'ROLLBACK_TRANSACTION') {
          if (!inTransaction) throw new FakeBigQueryError(400, 'invalidQuery', 'There is no active transaction');
          await this.#db.run(st.type === 'COMMIT_TRANSACTION' ? 'COMMIT' : 'ROLLBACK');
          inTransaction = false;
        } else {
          if (inTransaction && /^(CREATE|DROP|ALTER)_(TABLE|SCHEMA)/.test(st.type) && !/^CREATE\s+TEMP/i.test(st.sql)) {
            throw new FakeBigQueryError(400, 'invalidQuery', `${st.type} statements on permanent tables are not supported inside a transaction`);
          }
          const values: Record<string, DuckDBValue> = {};
          for (const name of st.params) {
            if (!params.has(name)) throw new FakeBigQueryError(400, 'invalidQuery', `Query parameter '${name}' not found`);
            values[name] = params.get(name)!;
          }
          const reader = await this.#db.runAndReadAll(st.sql, st.params.length > 0 ? values : undefined);
          if (st.type === 'SELECT') last = encodeResult(reader);
          else affected += Number(reader.rowsChanged ?? 0);
        }
      } catch (err) {
        if (inTransaction) await this.#db.run('ROLLBACK').catch(() => undefined);
        const e = asBigQueryError(err);
        // A script's failure says where: `Query error: … at [line:column]`.
        const located = script ? new FakeBigQueryError(e.status, e.reason, `Query error: ${e.message} at [${st.line}:${st.column}]`) : e;
        return { id: reference.jobId, resource: jobResource(reference, configuration, { type }, located), error: located };
      }
    }
    if (inTransaction) {
      await this.#db.run('ROLLBACK');
      const e = new FakeBigQueryError(400, 'invalidQuery', 'Transaction was never committed');
      return { id: reference.jobId, resource: jobResource(reference, configuration, { type }, e), error: e };
    }
    return {
      id: reference.jobId,
      resource: jobResource(reference, configuration, { type, affected }),
      fields: last?.fields ?? [],
      rows: last?.rows ?? [],
    };
  }

  /** `getQueryResults`: the job's error, or one page of its rows. */
  #results(id: string, url: URL): Record<string, unknown> {
    const job = this.#job(id);
    if (job.error) throw job.error;
    const rows = job.rows ?? [];
    const start = Number(url.searchParams.get('pageToken') ?? 0);
    const size = Number(url.searchParams.get('maxResults') ?? this.#pageRows);
    const page = rows.slice(start, start + size);
    const int64 = url.searchParams.get('formatOptions.useInt64Timestamp') === 'true';
    return {
      kind: 'bigquery#getQueryResultsResponse',
      jobReference: job.resource['jobReference'],
      jobComplete: true,
      totalRows: String(rows.length),
      ...(job.fields && job.fields.length > 0 ? { schema: { fields: job.fields }, rows: int64 ? page : page.map((r) => secondsTimestamps(r, job.fields!)) } : {}),
      ...(start + size < rows.length ? { pageToken: String(start + size) } : {}),
    };
  }

  /** Uploads of load jobs: multipart (metadata and data), or a resumable session then its data. */
  async #upload(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, log: (kind: string, extra?: Partial<FakeBigQueryRequest>) => void): Promise<void> {
    const type = url.searchParams.get('uploadType');
    const sessionId = url.searchParams.get('upload_id');
    if (sessionId !== null && req.method === 'PUT') {
      const session = this.#sessions.get(sessionId);
      if (!session) throw new FakeBigQueryError(404, 'notFound', `fake-bigquery: no upload session ${sessionId}`);
      this.#sessions.delete(sessionId);
      log('upload:data', { bytes: body.length, table: destinationOf(session.job) });
      return this.#json(res, 200, await this.#load(session.job, body));
    }
    if (type === 'multipart' && req.method === 'POST') {
      const { metadata, data } = parseMultipart(String(req.headers['content-type'] ?? ''), body);
      log('upload:multipart', { bytes: data.length, table: destinationOf(metadata) });
      return this.#json(res, 200, await this.#load(metadata, data));
    }
    if (type === 'resumable' && req.method === 'POST') {
      const job = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      log('upload:resumable', { table: destinationOf(job) });
      const id = randomUUID();
      this.#sessions.set(id, { job });
      res.writeHead(200, { location: `${this.url}/upload/bigquery/v2/projects/${this.project}/jobs?uploadType=resumable&upload_id=${id}`, 'content-length': 0 });
      res.end();
      return;
    }
    throw new FakeBigQueryError(400, 'invalid', `fake-bigquery: unsupported upload ${req.method} uploadType=${type}`);
  }

  /** Run a load job of NDJSON into an existing table and answer its resource (`RUNNING`; jobs.get says DONE). */
  async #load(resource: Record<string, unknown>, data: Buffer): Promise<Record<string, unknown>> {
    const reference = this.#reference(resource);
    const configuration = (resource['configuration'] ?? {}) as { load?: Record<string, unknown> };
    const load = configuration.load ?? {};
    const job = await this.#serial(async (): Promise<FakeJob> => {
      try {
        const rows = await this.#loadRows(load, data);
        return { id: reference.jobId, resource: jobResource(reference, configuration, { outputRows: rows }) };
      } catch (err) {
        const e = asBigQueryError(err);
        return { id: reference.jobId, resource: jobResource(reference, configuration, {}, e), error: e };
      }
    });
    this.#jobs.set(reference.jobId, job);
    return { ...job.resource, status: { state: 'RUNNING' } };
  }

  async #loadRows(load: Record<string, unknown>, data: Buffer): Promise<number> {
    const target = (load['destinationTable'] ?? {}) as { datasetId?: string; tableId?: string };
    if (load['sourceFormat'] !== 'NEWLINE_DELIMITED_JSON') throw new FakeBigQueryError(400, 'invalid', `fake-bigquery: only NEWLINE_DELIMITED_JSON loads are supported, not ${String(load['sourceFormat'])}`);
    if ((load['writeDisposition'] ?? 'WRITE_APPEND') !== 'WRITE_APPEND') throw new FakeBigQueryError(400, 'invalid', 'fake-bigquery: only WRITE_APPEND loads are supported');
    const columns = await this.#columns(String(target.datasetId), String(target.tableId));
    const fields = columns.map((c) => c.field);
    const byName = new Map(fields.map((f) => [f.name, f]));
    const lines = data.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    lines.forEach((line, i) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw loadError(i, 'JSON parsing error in row starting at this position: Parser terminated before end of string');
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw loadError(i, 'JSON object expected');
      const record = row as Record<string, unknown>;
      for (const [name, value] of Object.entries(record)) {
        const field = byName.get(name);
        if (!field) throw loadError(i, `No such field: ${name}.`);
        if (field.mode === 'REPEATED') {
          if (value !== null && !Array.isArray(value)) throw loadError(i, `Array specified for non-repeated field: ${name}.`);
          if (Array.isArray(value) && value.some((v) => v === null)) throw loadError(i, `Only optional fields can be set to NULL. Field: ${name}; Value: NULL`);
        }
      }
      for (const field of fields) {
        if (field.mode === 'REQUIRED' && (record[field.name] === undefined || record[field.name] === null)) throw loadError(i, `Missing required field: ${field.name}.`);
      }
    });
    if (lines.length === 0) return 0;
    const file = join(this.#root, `${randomUUID()}.ndjson`);
    await writeFile(file, data);
    const names = columns.map((c) => `"${c.field.name.replaceAll('"', '""')}"`).join(', ');
    const types = columns.map((c) => `${duckString(c.field.name)}: ${duckString(c.duckType)}`).join(', ');
    try {
      await this.#db.run(
        `INSERT INTO "${target.datasetId!.replaceAll('"', '""')}"."${target.tableId!.replaceAll('"', '""')}" (${names}) ` +
          `SELECT ${names} FROM read_json(${duckString(file)}, format = 'newline_delimited', columns = {${types}}, maximum_object_size = ${Math.max(...lines.map((l) => Buffer.byteLength(l))) + 1024})`,
      );
    } finally {
      await rm(file, { force: true });
    }
    return lines.length;
  }

  /** The columns of a table from DuckDB's catalog: as BigQuery fields (a VARCHAR[] is a REPEATED STRING), with their DuckDB types. */
  async #columns(dataset: string, table: string): Promise<{ field: BigQueryField; duckType: string }[]> {
    const rows = (await this.#db.runAndReadAll(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = ${duckString(dataset)} AND table_name = ${duckString(table)} ORDER BY ordinal_position`,
    )).getRowObjectsJS() as { column_name: string; data_type: string; is_nullable: string }[];
    if (rows.length === 0) throw new FakeBigQueryError(404, 'notFound', `Not found: Table ${this.project}:${dataset}.${table}`);
    return rows.map((r) => {
      const repeated = r.data_type.endsWith('[]');
      const type = BIGQUERY_TYPE[repeated ? r.data_type.slice(0, -2) : r.data_type] ?? 'STRING';
      return { field: { name: r.column_name, type, mode: repeated ? 'REPEATED' : r.is_nullable === 'YES' ? 'NULLABLE' : 'REQUIRED' }, duckType: r.data_type };
    });
  }

  async #table(dataset: string, table: string): Promise<Record<string, unknown>> {
    const fields = (await this.#serial(() => this.#columns(dataset, table))).map((c) => c.field);
    return { kind: 'bigquery#table', id: `${this.project}:${dataset}.${table}`, tableReference: { projectId: this.project, datasetId: dataset, tableId: table }, schema: { fields }, type: 'TABLE', location: this.location };
  }

  #job(id: string): FakeJob {
    const job = this.#jobs.get(id);
    if (!job) throw new FakeBigQueryError(404, 'notFound', `Not found: Job ${this.project}:${this.location}.${id}`);
    return job;
  }

  #reference(resource: Record<string, unknown>): JobReference {
    const ref = (resource['jobReference'] ?? {}) as Partial<JobReference>;
    return { projectId: this.project, jobId: ref.jobId ?? randomUUID(), location: ref.location ?? this.location };
  }

  /** What the translation asks of the catalog (synchronously: the datasets as of the last job that changed them). */
  #catalog() {
    return { project: this.project, location: this.location, hasDataset: (name: string) => this.#schemas.has(name) };
  }

  /** DuckDB's schemas, read again after each job that creates or drops one. */
  #schemas = new Set<string>();

  async #refreshSchemas(): Promise<void> {
    const rows = (await this.#db.runAndReadAll('SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()')).getRowObjectsJS();
    this.#schemas = new Set(rows.map((r) => String(r['schema_name'])));
  }

  /** Run `fn` when the jobs before it are done. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #json(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

interface JobReference {
  readonly projectId: string;
  readonly jobId: string;
  readonly location: string;
}

/** BigQuery's name of each DuckDB column type the loader creates. */
const BIGQUERY_TYPE: Readonly<Record<string, string>> = {
  VARCHAR: 'STRING',
  BIGINT: 'INTEGER',
  DOUBLE: 'FLOAT',
  BOOLEAN: 'BOOLEAN',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
  DATE: 'DATE',
  JSON: 'JSON',
};

function jobResource(
  reference: JobReference,
  configuration: Record<string, unknown>,
  stats: { type?: string; affected?: number; outputRows?: number },
  error?: FakeBigQueryError,
): Record<string, unknown> {
  const errorResult = error && { reason: error.reason, location: 'query', message: error.message };
  const now = String(Date.now());
  return {
    kind: 'bigquery#job',
    id: `${reference.projectId}:${reference.location}.${reference.jobId}`,
    jobReference: reference,
    configuration,
    status: { state: 'DONE', ...(errorResult ? { errorResult, errors: [errorResult] } : {}) },
    statistics: {
      creationTime: now,
      startTime: now,
      endTime: now,
      ...(stats.type !== undefined ? { query: { statementType: stats.type, totalBytesProcessed: '0', ...(stats.affected ? { numDmlAffectedRows: String(stats.affected) } : {}) } } : {}),
      ...(stats.outputRows !== undefined ? { load: { outputRows: String(stats.outputRows), inputFiles: '1', badRecords: '0' } } : {}),
    },
  };
}

function errorBody(e: FakeBigQueryError): Record<string, unknown> {
  return { error: { code: e.status, message: e.message, errors: [{ message: e.message, domain: 'global', reason: e.reason }], status: e.status === 404 ? 'NOT_FOUND' : e.status === 401 ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT' } };
}

/** A DuckDB error as BigQuery's: the first line of the message; missing tables and schemas are `notFound`. */
function asBigQueryError(err: unknown): FakeBigQueryError {
  if (err instanceof FakeBigQueryError) return err;
  const message = ((err as Error).message ?? String(err)).split('\n')[0]!;
  if (/^Catalog Error: (Table|Schema) with name/.test(message)) return new FakeBigQueryError(404, 'notFound', `Not found: ${message}`);
  return new FakeBigQueryError(400, 'invalidQuery', message);
}

function loadError(row: number, message: string): FakeBigQueryError {
  return new FakeBigQueryError(400, 'invalid', `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${row + 1}; errors: 1. ${message}`);
}

/** Named query parameters as DuckDB values (INT64 as bigint, FLOAT64 as number, BOOL as boolean, the rest as text). */
function paramValues(parameters: readonly QueryParameter[]): Map<string, DuckDBValue> {
  const out = new Map<string, DuckDBValue>();
  for (const p of parameters) {
    if (p.name === undefined) throw new FakeBigQueryError(400, 'invalidQuery', 'fake-bigquery: only named parameters are supported');
    const raw = p.parameterValue?.value;
    const type = p.parameterType?.type ?? 'STRING';
    if (raw === undefined || raw === null) out.set(p.name, null);
    else if (type === 'INT64') out.set(p.name, BigInt(String(raw)));
    else if (type === 'FLOAT64') out.set(p.name, Number(raw));
    else if (type === 'BOOL') out.set(p.name, raw === 'true' || raw === true);
    else out.set(p.name, String(raw));
  }
  return out;
}

function destinationOf(job: Record<string, unknown>): string {
  const t = ((job['configuration'] as { load?: { destinationTable?: { datasetId?: string; tableId?: string } } } | undefined)?.load?.destinationTable ?? {});
  return `${t.datasetId ?? ''}.${t.tableId ?? ''}`;
}

/** A row with its TIMESTAMP cells as float seconds, the REST default without `formatOptions.useInt64Timestamp`. */
function secondsTimestamps(row: ResultRow, fields: readonly BigQueryField[]): ResultRow {
  return { f: row.f.map((cell, i) => (fields[i]!.type === 'TIMESTAMP' && typeof cell.v === 'string' ? { v: String(Number(cell.v) / 1e6) } : cell)) };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A `multipart/related` upload: the JSON job resource, then the data. */
function parseMultipart(contentType: string, body: Buffer): { metadata: Record<string, unknown>; data: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new FakeBigQueryError(400, 'invalid', `fake-bigquery: no multipart boundary in "${contentType}"`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    parts.push(part.subarray(headerEnd + 4, part.length - 2));
    at = next;
  }
  if (parts.length !== 2) throw new FakeBigQueryError(400, 'invalid', `fake-bigquery: expected 2 multipart parts, got ${parts.length}`);
  return { metadata: JSON.parse(parts[0]!.toString('utf8')) as Record<string, unknown>, data: parts[1]! };
}
