import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { columnCodec, statusResult } from './rowset.js';
import { parseStatement, type FakeCommand } from './translate-sql.js';

/** A user the fake accepts: by password, or by a JWT signed with the key whose public half is `publicKey` (PEM). */
export interface FakeSnowflakeUser {
  readonly name: string;
  readonly password?: string;
  readonly publicKey?: string;
}

/** Options of {@link FakeSnowflake.start}. */
export interface FakeSnowflakeOptions {
  /** Account name the JWT `iss`/`sub` must carry. Default `TESTACCT`. */
  readonly account?: string;
  readonly users: readonly FakeSnowflakeUser[];
}

/** A `COPY INTO` the fake is about to run, as {@link FakeSnowflake.failCopies} sees it. */
export interface CopyAttempt {
  /** 1 for the first COPY after `failCopies` was called, 2 for the next, … */
  readonly n: number;
  /** The target table as the statement names it (`"DB"."SCHEMA"."TABLE"`). */
  readonly table: string;
}

/** One request the fake received (never with a password or token). */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly kind: 'login' | 'query' | 'upload' | 'head' | 'telemetry' | 'heartbeat' | 'logout' | 'token' | 'unknown';
  /** Login: the user and the authenticator. */
  readonly user?: string;
  readonly authenticator?: string;
  /** Query: the SQL text as sent, and how many bind values came with it. */
  readonly sqlText?: string;
  readonly bindCount?: number;
  readonly bindStage?: boolean;
  /** Query: DDL arrived inside an open transaction, which Snowflake commits first (the fake does the same). */
  readonly implicitCommit?: boolean;
  /** Upload: stored bytes. */
  readonly bytes?: number;
  readonly success: boolean;
  readonly errorCode?: string;
}

interface SfSession {
  readonly user: string;
  readonly database: string;
  readonly connection: DuckDBConnection;
  inTransaction: boolean;
}

interface Reply {
  readonly data: Record<string, unknown> | null;
  readonly code: string | null;
  readonly message: string | null;
  readonly success: boolean;
}

const GCS_BUCKET = 'fakebucket';
const GCS_TOKEN = 'fake-gcs-token';

/**
 * A local stand-in for Snowflake's HTTP protocol (the GS endpoints `snowflake-sdk` speaks), answering SQL
 * from an in-memory DuckDB: login (password or key-pair JWT), query-request with binds, PUT to internal
 * stages served as a GCS-typed stage by the fake itself (HEAD/PUT `/fakebucket/…`), `COPY INTO` from those
 * files, transactions, heartbeat, logout and telemetry. Every request goes to {@link requests}.
 *
 * Fidelity limits (reference/destinations-testing.md §2.4): the protocol is real, the SQL semantics are
 * DuckDB's behind a small translation (`translate-sql.ts`). Each login gets its own DuckDB connection, so
 * sessions and their transactions are separate, like in Snowflake.
 *
 * @example
 * ```ts
 * const fake = await FakeSnowflake.start({ users: [{ name: 'LOADER', password: 'pw' }] });
 * // snowflake-sdk: { accessUrl: fake.url, account: 'testacct', username: 'LOADER', password: 'pw', database: 'DB' }
 * await fake.close();
 * ```
 */
export class FakeSnowflake {
  readonly #server: Server;
  readonly #instance: DuckDBInstance;
  readonly #admin: DuckDBConnection;
  readonly #root: string;
  readonly #account: string;
  readonly #users: Map<string, FakeSnowflakeUser>;
  readonly #sessions = new Map<string, SfSession>();
  readonly #databases = new Set<string>();
  /** Stage key `DB.SCHEMA.NAME` → directory under the fake's root. */
  readonly #stages = new Map<string, string>();
  readonly #log: LoggedRequest[] = [];
  #failCopy: ((copy: CopyAttempt) => boolean) | undefined;
  #copies = 0;

  private constructor(server: Server, instance: DuckDBInstance, admin: DuckDBConnection, root: string, options: FakeSnowflakeOptions) {
    this.#server = server;
    this.#instance = instance;
    this.#admin = admin;
    this.#root = root;
    this.#account = (options.account ?? 'TESTACCT').toUpperCase();
    this.#users = new Map(options.users.map((u) => [u.name.toUpperCase(), u]));
  }

  /** Start the fake on 127.0.0.1 with a free port. */
  static async start(options: FakeSnowflakeOptions): Promise<FakeSnowflake> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const admin = await instance.connect();
    const root = await mkdtemp(join(tmpdir(), 'fake-snowflake-'));
    const server = createServer();
    const fake = new FakeSnowflake(server, instance, admin, root, options);
    server.on('request', (req, res) => void fake.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:PORT`, the driver's `accessUrl`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Every request so far, in arrival order. */
  get requests(): readonly LoggedRequest[] {
    return this.#log;
  }

  /** The SQL texts of the query requests so far. */
  get statements(): readonly string[] {
    return this.#log.filter((r) => r.kind === 'query' && r.sqlText !== undefined).map((r) => r.sqlText!);
  }

  /**
   * Make `COPY INTO` fail when `when` says so, as Snowflake does when the session's warehouse is
   * suspended (`000606`, no active warehouse); `undefined` stops failing (the warehouse is back). Copies
   * are counted from this call on.
   */
  failCopies(when: ((copy: CopyAttempt) => boolean) | undefined): void {
    this.#failCopy = when;
    this.#copies = 0;
  }

  /** Run SQL straight on the backing DuckDB (test inspection); `database` is the Snowflake database name. */
  async inspect(database: string, sql: string): Promise<Record<string, unknown>[]> {
    await this.#attach(database);
    const reader = await this.#admin.runAndReadAll(`USE ${quoteDuck(database)}; ${sql}`);
    return reader.getRowObjectsJS();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sessions.values()) s.connection.closeSync();
    this.#sessions.clear();
    this.#admin.closeSync();
    this.#instance.closeSync();
    await rm(this.#root, { recursive: true, force: true });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    try {
      const body = await readBody(req);
      if (path.startsWith(`/${GCS_BUCKET}/`)) return await this.#storage(req, res, path, body);
      const json = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      if (req.method === 'POST' && path === '/session/v1/login-request') return send(res, await this.#login(url, json));
      if (req.method === 'POST' && path === '/telemetry/send') return this.#simple(res, req, 'telemetry');
      if (req.method === 'POST' && path === '/session/heartbeat') return this.#simple(res, req, 'heartbeat', this.#session(req) !== undefined);
      if (req.method === 'POST' && path === '/session' && url.searchParams.get('delete') === 'true') return this.#logout(req, res);
      if (req.method === 'POST' && path === '/queries/v1/query-request') return send(res, await this.#query(req, json));
      this.#log.push({ method: req.method ?? '', path, kind: 'unknown', success: false });
      send(res, failure('390400', `fake-snowflake: unsupported endpoint ${req.method} ${path}`), 404);
    } catch (err) {
      send(res, failure('000603', `fake-snowflake internal error: ${(err as Error).message}`), 500);
    }
  }

  async #login(url: URL, json: Record<string, unknown>): Promise<Reply> {
    const data = (json['data'] ?? {}) as Record<string, unknown>;
    const userName = String(data['LOGIN_NAME'] ?? '');
    const authenticator = String(data['AUTHENTICATOR'] ?? 'SNOWFLAKE');
    const user = this.#users.get(userName.toUpperCase());
    const ok =
      user !== undefined &&
      (authenticator === 'SNOWFLAKE_JWT'
        ? this.#validJwt(String(data['TOKEN'] ?? ''), user)
        : authenticator === 'SNOWFLAKE' && user.password !== undefined && data['PASSWORD'] === user.password);
    const reply = ok ? await this.#openSession(user, url.searchParams.get('databaseName')) : failure('390100', 'Incorrect username or password was specified.');
    this.#log.push({ method: 'POST', path: url.pathname, kind: 'login', user: userName, authenticator, success: reply.success, ...(reply.code ? { errorCode: reply.code } : {}) });
    return reply;
  }

  /** A JWT signed with RS256 whose `iss` is `ACCOUNT.USER.SHA256:<fingerprint of the user's key>` and `sub` is `ACCOUNT.USER`. */
  #validJwt(token: string, user: FakeSnowflakeUser): boolean {
    const parts = token.split('.');
    if (parts.length !== 3 || user.publicKey === undefined) return false;
    const [header, payload, signature] = parts as [string, string, string];
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: string; sub?: string; exp?: number };
    if (head.alg !== 'RS256') return false;
    const key = createPublicKey(user.publicKey);
    const fingerprint = `SHA256:${createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64')}`;
    const subject = `${this.#account}.${user.name.toUpperCase()}`;
    if (claims.sub !== subject || claims.iss !== `${subject}.${fingerprint}`) return false;
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return false;
    return verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
  }

  async #openSession(user: FakeSnowflakeUser, database: string | null): Promise<Reply> {
    const connection = await this.#instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const db = database ?? 'DEFAULT_DB';
    await this.#attach(db);
    await connection.run(`USE ${quoteDuck(db)}`);
    const token = `session-${randomUUID()}`;
    this.#sessions.set(token, { user: user.name, database: db, connection, inTransaction: false });
    return ok({
      token,
      masterToken: `master-${randomUUID()}`,
      validityInSeconds: 3600,
      masterValidityInSeconds: 14400,
      sessionId: this.#sessions.size,
      displayUserName: user.name,
      serverVersion: 'fake-snowflake',
      sessionInfo: { databaseName: db, schemaName: null, warehouseName: null, roleName: 'PUBLIC' },
      parameters: [
        { name: 'TIMEZONE', value: 'UTC' },
        { name: 'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD', value: 65280 },
        { name: 'CLIENT_SESSION_KEEP_ALIVE', value: false },
      ],
    });
  }

  async #attach(database: string): Promise<void> {
    if (this.#databases.has(database)) return;
    this.#databases.add(database);
    await this.#admin.run(`ATTACH ':memory:' AS ${quoteDuck(database)}`);
  }

  async #logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = tokenOf(req);
    const session = token ? this.#sessions.get(token) : undefined;
    if (session) {
      if (session.inTransaction) await session.connection.run('ROLLBACK');
      session.connection.closeSync();
      this.#sessions.delete(token!);
    }
    this.#simple(res, req, 'logout', session !== undefined);
  }

  #simple(res: ServerResponse, req: IncomingMessage, kind: LoggedRequest['kind'], success = true): void {
    this.#log.push({ method: req.method ?? '', path: new URL(req.url ?? '/', this.url).pathname, kind, success });
    send(res, success ? ok(null) : failure('390104', 'Session no longer exists.'));
  }

  #session(req: IncomingMessage): SfSession | undefined {
    const token = tokenOf(req);
    return token ? this.#sessions.get(token) : undefined;
  }

  async #query(req: IncomingMessage, json: Record<string, unknown>): Promise<Reply> {
    const sqlText = String(json['sqlText'] ?? '');
    const bindings = json['bindings'] as Record<string, { type: string; value: unknown }> | undefined;
    const entry = { method: 'POST', path: '/queries/v1/query-request', kind: 'query' as const, sqlText, bindCount: bindings ? Object.keys(bindings).length : 0, bindStage: json['bindStage'] !== undefined };
    const session = this.#session(req);
    if (!session) {
      this.#log.push({ ...entry, success: false, errorCode: '390104' });
      return failure('390104', 'Session no longer exists. New login required to access the service.');
    }
    let implicitCommit = false;
    let reply: Reply;
    try {
      if (json['bindStage'] !== undefined) throw new SfError('fake-snowflake does not implement stage binds (bindStage).', '000002', '0A000');
      const command = parseStatement(sqlText);
      if (command.kind === 'sql' && command.ddl && session.inTransaction) {
        // Snowflake commits the open transaction before running DDL.
        await session.connection.run('COMMIT');
        session.inTransaction = false;
        implicitCommit = true;
      }
      reply = await this.#run(session, command, bindValues(bindings));
    } catch (err) {
      const sf = err instanceof SfError ? err : toSfError(err);
      reply = { data: { errorCode: sf.code, sqlState: sf.sqlState, queryId: randomUUID(), age: 0, internalError: false }, code: sf.code, message: sf.message, success: false };
    }
    this.#log.push({ ...entry, ...(implicitCommit ? { implicitCommit } : {}), success: reply.success, ...(reply.code ? { errorCode: reply.code } : {}) });
    return reply;
  }

  async #run(session: SfSession, command: FakeCommand, values: DuckDBValue[]): Promise<Reply> {
    switch (command.kind) {
      case 'create-stage': {
        const key = this.#stageKey(session, command.stage);
        if (this.#stages.has(key) && !command.ifNotExists) throw new SfError(`Object '${key}' already exists.`, '002002', '42710');
        if (!this.#stages.has(key)) {
          const dir = join(this.#root, ...key.split('.'));
          await mkdir(dir, { recursive: true });
          this.#stages.set(key, dir);
        }
        return resultReply(0x6000, statusResult(`Stage area ${command.stage.at(-1)} successfully created.`));
      }
      case 'put': {
        const key = this.#stageKey(session, command.stage);
        if (!this.#stages.has(key)) throw new SfError(`Stage '${key}' does not exist or not authorized.`, '002003', '02000');
        return ok({
          command: 'UPLOAD',
          src_locations: [command.localPath],
          parallel: 4,
          threshold: 200 * 1024 * 1024,
          autoCompress: command.autoCompress,
          overwrite: command.overwrite,
          sourceCompression: 'auto_detect',
          clientShowEncryptionParameter: false,
          queryId: randomUUID(),
          encryptionMaterial: null,
          stageInfo: {
            locationType: 'GCS',
            location: `${GCS_BUCKET}/${key.split('.').join('/')}/`,
            path: `${key.split('.').join('/')}/`,
            region: 'us-central1',
            endPoint: this.url,
            presignedUrl: null,
            isClientSideEncrypted: false,
            creds: { GCS_ACCESS_TOKEN: GCS_TOKEN },
          },
        });
      }
      case 'copy':
        return this.#copy(session, command);
      case 'transaction':
        await session.connection.run(command.sql);
        session.inTransaction = command.statement === 'BEGIN';
        return resultReply(0x5000, statusResult('Statement executed successfully.'));
      case 'sql':
        return this.#sql(session, command.sql, command.statement, values);
    }
  }

  async #sql(session: SfSession, sql: string, statement: string, values: DuckDBValue[]): Promise<Reply> {
    const reader = await session.connection.runAndReadAll(sql, values);
    if (statement === 'SELECT' || statement === 'WITH' || statement === 'SHOW' || statement === 'DESCRIBE') {
      const names = reader.columnNames();
      const codecs = reader.columnTypes().map((t, i) => columnCodec(foldedName(names[i]!, sql), t));
      const rowset = reader.getRows().map((row) => row.map((v, i) => codecs[i]!.encode(v)));
      return resultReply(0x1000, { rowtype: codecs.map((c) => c.rowType), rowset });
    }
    const changed = String(reader.getRows()[0]?.[0] ?? 0);
    const dml: Record<string, [number, string]> = {
      INSERT: [0x3100, 'number of rows inserted'],
      UPDATE: [0x3200, 'number of rows updated'],
      DELETE: [0x3300, 'number of rows deleted'],
      MERGE: [0x3400, 'number of rows merged'],
    };
    const kind = dml[statement];
    if (kind) return resultReply(kind[0], { rowtype: [{ ...statusResult('').rowtype[0]!, name: kind[1], type: 'fixed', precision: 19, scale: 0 }], rowset: [[changed]] });
    return resultReply(0x6000, statusResult('Statement executed successfully.'));
  }

  async #copy(session: SfSession, command: Extract<FakeCommand, { kind: 'copy' }>): Promise<Reply> {
    if (this.#failCopy?.({ n: ++this.#copies, table: command.table })) {
      throw new SfError("No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.", '000606', '57P03');
    }
    const key = this.#stageKey(session, command.stage);
    const dir = this.#stages.get(key);
    if (!dir) throw new SfError(`Stage '${key}' does not exist or not authorized.`, '002003', '02000');
    if (command.format === 'PARQUET' && !command.matchByColumnName) {
      throw new SfError('fake-snowflake: COPY of PARQUET without a transformation needs MATCH_BY_COLUMN_NAME.', '002019', '0A000');
    }
    const rowset: (string | null)[][] = [];
    for (const file of command.files) {
      const path = join(dir, file);
      await stat(path).catch(() => {
        throw new SfError(`Remote file '${file}' was not found in stage '${key}'.`, '091016', '22000');
      });
      const literal = `'${path.replaceAll("'", "''")}'`;
      const source =
        command.format === 'PARQUET'
          ? `read_parquet(${literal})`
          : `read_csv(${literal}, header = ${/SKIP_HEADER\s*=\s*1/i.test(command.formatOptions)}, all_varchar = true, quote = '"', escape = '"', allow_quoted_nulls = false)`;
      const sql =
        command.format === 'PARQUET'
          ? `INSERT INTO ${command.table} BY NAME SELECT * FROM ${source}`
          : `INSERT INTO ${command.table}${command.columns ? ` (${command.columns})` : ''} SELECT * FROM ${source}`;
      const reader = await session.connection.runAndReadAll(sql);
      const loaded = String(reader.getRows()[0]?.[0] ?? 0);
      rowset.push([file, 'LOADED', loaded, loaded, '1', '0', null, null, null, null]);
      if (command.purge) await rm(path, { force: true });
    }
    const names = ['file', 'status', 'rows_parsed', 'rows_loaded', 'error_limit', 'errors_seen', 'first_error', 'first_error_line', 'first_error_character', 'first_error_column_name'];
    const rowtype = names.map((n, i) => ({ ...statusResult('').rowtype[0]!, name: n, ...(i >= 2 && i <= 5 ? { type: 'fixed', precision: 19, scale: 0 } : {}) }));
    return resultReply(0x1000, { rowtype, rowset });
  }

  /** HEAD/PUT of stage files on the fake GCS endpoint (`/fakebucket/<DB>/<SCHEMA>/<STAGE>/<file>`). */
  async #storage(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): Promise<void> {
    const relative = decodeURIComponent(path.slice(GCS_BUCKET.length + 2));
    const file = join(this.#root, ...relative.split('/'));
    const authorized = req.headers.authorization === `Bearer ${GCS_TOKEN}`;
    const inside = file.startsWith(this.#root + '/') && !relative.split('/').includes('..');
    if (req.method === 'HEAD') {
      const size = authorized && inside ? await stat(file).then((s) => s.size, () => undefined) : undefined;
      this.#log.push({ method: 'HEAD', path, kind: 'head', success: size !== undefined });
      res.writeHead(size === undefined ? (authorized ? 404 : 401) : 200, size === undefined ? {} : { 'content-length': size });
      res.end();
      return;
    }
    if (req.method === 'PUT' && authorized && inside) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, body);
      this.#log.push({ method: 'PUT', path, kind: 'upload', bytes: body.length, success: true });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    this.#log.push({ method: req.method ?? '', path, kind: 'upload', success: false });
    res.writeHead(authorized ? 400 : 401);
    res.end();
  }

  /** `DB.SCHEMA.STAGE` of a (1- to 3-part) stage name; the session's database fills in. */
  #stageKey(session: SfSession, parts: readonly string[]): string {
    if (parts.length === 3) return parts.join('.');
    if (parts.length === 2) return [session.database, ...parts].join('.');
    throw new SfError(`fake-snowflake: name the stage with its schema (got ${parts.join('.')}).`, '090105', '22000');
  }
}

/** A Snowflake-shaped error (code + SQL state). */
class SfError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly sqlState: string,
  ) {
    super(message);
  }
}

/** Map a DuckDB error onto Snowflake's codes (compilation, constraint, conversion). */
function toSfError(err: unknown): SfError {
  const message = (err as Error).message ?? String(err);
  if (/^Catalog Error/.test(message)) return new SfError(`SQL compilation error: ${message}`, '002003', '42S02');
  if (/^Parser Error/.test(message)) return new SfError(`SQL compilation error: ${message}`, '001003', '42000');
  if (/^Constraint Error/.test(message)) return new SfError(message, '100072', '22000');
  if (/^(Conversion|Invalid Input) Error/.test(message)) return new SfError(message, '100038', '22018');
  if (/^Binder Error/.test(message)) return new SfError(`SQL compilation error: ${message}`, '000904', '42000');
  return new SfError(message, '000603', 'XX000');
}

/** Bind values of a query request (`{"1": {type, value}}`) in position order, typed for DuckDB. */
function bindValues(bindings: Record<string, { type: string; value: unknown }> | undefined): DuckDBValue[] {
  if (!bindings) return [];
  return Object.keys(bindings)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => {
      const { type, value } = bindings[k]!;
      if (value === null || value === undefined) return null;
      if (Array.isArray(value)) throw new SfError('fake-snowflake does not implement array binds.', '000002', '0A000');
      const text = String(value);
      switch (type) {
        case 'FIXED':
          return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
        case 'REAL':
          return Number(text);
        case 'BOOLEAN':
          return text === 'true' || text === '1';
        default:
          return text;
      }
    });
}

/** A result column's name as Snowflake reports it: upper case unless the SQL quoted it exactly so. */
function foldedName(name: string, sql: string): string {
  return sql.includes(`"${name}"`) ? name : name.toUpperCase();
}

function resultReply(statementTypeId: number, result: { rowtype: unknown[]; rowset: unknown[][] }): Reply {
  return ok({
    ...result,
    total: result.rowset.length,
    returned: result.rowset.length,
    queryId: randomUUID(),
    statementTypeId,
    version: 1,
    parameters: [],
    queryResultFormat: 'json',
  });
}

function ok(data: Record<string, unknown> | null): Reply {
  return { data, code: null, message: null, success: true };
}

function failure(code: string, message: string): Reply {
  return { data: { errorCode: code }, code, message, success: false };
}

function send(res: ServerResponse, reply: Reply, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(reply));
}

function tokenOf(req: IncomingMessage): string | undefined {
  return /Snowflake Token="([^"]+)"/.exec(req.headers.authorization ?? '')?.[1];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

function quoteDuck(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
