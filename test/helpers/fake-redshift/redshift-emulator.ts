import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import type { Destination, DestinationSession } from '../../../destinations/destination.js';
import { nativeImport, type Importer } from '../../../destinations/optional-import.js';
import type { RedshiftConfig } from '../../../destinations/redshift/index.js';
import type { PostgresServer } from '../postgres-server.js';
import { startS3rver, S3RVER_CREDENTIALS, type S3rver } from '../s3rver.js';
import { lintRedshiftSql, type RedshiftLintFinding } from './redshift-lint.js';
import { foldQuotedIdentifiers, tokenize } from './redshift-tokens.js';

/** The IAM role the emulated cluster has: a `COPY … IAM_ROLE` naming another one is refused, as Redshift would. */
export const EMULATOR_IAM_ROLE = 'arn:aws:iam::123456789012:role/notionflow-copy';
/** The staging bucket on the emulator's s3rver. */
export const EMULATOR_BUCKET = 'redshift-staging';

/** One statement a driver sent, as it sent it (before the emulator folded its names). */
export interface SentStatement {
  readonly sql: string;
  readonly inTransaction: boolean;
}

const TEMPLATE = 'nf_redshift_template';

/** The in-memory DuckDB that reads the staged Parquet files. */
interface Duck {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
}

/**
 * Redshift, as far as a loader sees it, on the real PostgreSQL the tests start: the real `pg` driver speaks
 * the wire protocol to it; what Redshift does differently is emulated **here, in the test harness**, through
 * the `importer` a test passes to `redshift(config, importer)` (its `pg` is a `pg` whose `Client` is
 * wrapped):
 *
 * - `COPY <table> FROM 's3://bucket/key' IAM_ROLE … | CREDENTIALS … FORMAT AS PARQUET` is carried out by
 *   the harness: it lists the objects under the key prefix on s3rver with the real S3 client, reads each
 *   Parquet file with DuckDB, checks it as a Parquet COPY would (as many columns as the table, in its
 *   order, compatible types, strings no longer than their VARCHAR's **bytes**, a known authorization) and
 *   inserts the rows into the (temp) table;
 * - quoted identifiers are folded to lower case, as Redshift does, and names of 64 to 127 bytes (Redshift's
 *   limit, over PostgreSQL's 63) are sent as unique short aliases and mapped back in results;
 * - string literals read backslashes as escapes (`standard_conforming_strings` off), as Redshift does;
 * - each test database (made from a template) has `SUPER` as `CREATE DOMAIN super AS jsonb`, and
 *   `JSON_PARSE`, `JSON_SERIALIZE` and `GETDATE()` as SQL functions.
 *
 * Every statement a driver sends is kept in {@link statements}; {@link lintFindings} runs the Redshift
 * dialect lint over them, leaving out the callers' own queries ({@link watch} records those).
 */
export class RedshiftEmulator {
  readonly s3: S3rver;
  readonly #postgres: PostgresServer;
  readonly #admin: pg.Client;
  readonly #duck: Duck;
  readonly #dir: string;
  /** Every statement the drivers sent. */
  readonly statements: SentStatement[] = [];
  /** Queries of callers (`session.query`), which the lint leaves out: they are not the destination's SQL. */
  readonly callerSql = new Set<string>();
  /** COPY statements carried out, with the rows each loaded. */
  readonly copies: { readonly sql: string; readonly rows: number }[] = [];
  #databases = 0;
  /** PostgreSQL's short names of names longer than its 63 bytes, to the Redshift names (see {@link #shortName}). */
  readonly #aliases = new Map<string, string>();

  private constructor(postgres: PostgresServer, admin: pg.Client, s3: S3rver, duck: Duck, dir: string) {
    this.#postgres = postgres;
    this.#admin = admin;
    this.s3 = s3;
    this.#duck = duck;
    this.#dir = dir;
  }

  /** Start s3rver with the staging bucket and prepare the template database on `postgres`. */
  static async start(postgres: PostgresServer): Promise<RedshiftEmulator> {
    const admin = new pg.Client({ connectionString: postgres.connectionString });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE}`);
    const template = new pg.Client({ connectionString: postgres.connectionString.replace(/\/postgres$/, `/${TEMPLATE}`) });
    await template.connect();
    try {
      await template.query(`
        CREATE DOMAIN super AS jsonb;
        CREATE FUNCTION json_parse(text) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT AS 'SELECT $1::jsonb';
        CREATE FUNCTION json_serialize(jsonb) RETURNS varchar LANGUAGE sql IMMUTABLE AS 'SELECT coalesce($1::text, ''null'')';
        CREATE FUNCTION getdate() RETURNS timestamp LANGUAGE sql STABLE AS 'SELECT localtimestamp(0)';
      `);
    } finally {
      await template.end();
    }
    const s3 = await startS3rver();
    await s3.createBucket(EMULATOR_BUCKET);
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const dir = await mkdtemp(join(tmpdir(), 'notionflow-redshift-emulator-'));
    return new RedshiftEmulator(postgres, admin, s3, { instance, connection: await instance.connect() }, dir);
  }

  /** A fresh empty database (the emulated cluster's database), and how to drop it. */
  async database(): Promise<{ readonly name: string; readonly drop: () => Promise<void> }> {
    const name = `nf_redshift_${++this.#databases}`;
    await this.#admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    return { name, drop: async () => void (await this.#admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
  }

  /** A config for `database` of the emulated cluster: COPY authorized by the cluster's IAM role, staging on s3rver. */
  config(database: string, extra: Partial<RedshiftConfig> = {}): RedshiftConfig {
    return {
      host: '127.0.0.1',
      port: this.#postgres.port,
      database,
      user: 'postgres',
      sslmode: 'disable',
      s3: { bucket: EMULATOR_BUCKET, prefix: 'notionflow/staging', endpoint: this.s3.endpoint, ...S3RVER_CREDENTIALS },
      iamRole: EMULATOR_IAM_ROLE,
      ...extra,
    };
  }

  /** The importer to pass to `redshift(config, importer)`: `pg` with the emulating client; every other package as it is. */
  readonly importer: Importer = async (specifier) => {
    if (specifier !== 'pg') return nativeImport(specifier);
    return { default: { ...pg, Client: this.#clientClass() } };
  };

  /** `destination` with its sessions' `query`/`queryArrow` texts recorded as callers' SQL. */
  watch(destination: Destination): Destination {
    const caller = this.callerSql;
    return {
      ...destination,
      location: (ctx) => destination.location(ctx),
      open: async (ctx, opts) => {
        const s = await destination.open(ctx, opts);
        const session: DestinationSession = {
          readState: (p, o) => s.readState(p, o),
          ensureSchema: (t, o) => s.ensureSchema(t, o),
          write: (t, b, o) => s.write(t, b, o),
          commit: (l, o) => s.commit(l, o),
          rollback: (o) => s.rollback(o),
          query: (sql, o) => (caller.add(sql), s.query!(sql, o)),
          queryArrow: (sql, o) => (caller.add(sql), s.queryArrow!(sql, o)),
          dropDataset: (o) => s.dropDataset!(o),
          close: () => s.close(),
        };
        return session;
      },
    };
  }

  /** The Redshift dialect lint over every statement the drivers sent, callers' queries left out. */
  lintFindings(): RedshiftLintFinding[] {
    return this.statements.filter((s) => !this.callerSql.has(s.sql)).flatMap((s) => lintRedshiftSql(s.sql, { inTransaction: s.inTransaction }));
  }

  async close(): Promise<void> {
    await this.#admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`).catch(() => undefined);
    await this.#admin.end();
    await this.s3.close();
    this.#duck.connection.closeSync();
    this.#duck.instance.closeSync();
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** A `pg.Client` that speaks to PostgreSQL as Redshift would answer. */
  #clientClass(): typeof pg.Client {
    const emulator = this;
    return class RedshiftClient extends pg.Client {
      #inTransaction = false;

      constructor(config: pg.ClientConfig) {
        // Redshift reads backslashes in string literals as escapes.
        super({ ...config, options: '-c standard_conforming_strings=off -c escape_string_warning=off' });
      }

      // pg's overloads; the drivers use the promise forms with a text or a config object.
      override query(config: unknown, values?: unknown, callback?: unknown): never {
        const text = typeof config === 'string' ? config : (config as { text?: unknown } | undefined)?.text;
        if (typeof text !== 'string' || typeof values === 'function' || callback !== undefined) return (super.query as (...a: unknown[]) => never)(config, values, callback);
        emulator.statements.push({ sql: text, inTransaction: this.#inTransaction });
        const first = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase();
        const folded = foldQuotedIdentifiers(text, (name) => emulator.#shortName(name));
        const run = (sql: string, params?: unknown[]) => (super.query as (c: string, v?: unknown[]) => Promise<pg.QueryResult>)(sql, params);
        let result: Promise<unknown>;
        if (first === 'COPY' && /\bFROM\s+'s3:\/\//i.test(folded)) result = emulator.#copy(folded, run);
        else result = (super.query as (...a: unknown[]) => Promise<pg.QueryResult>)(typeof config === 'string' ? folded : { ...(config as object), text: folded }, values).then((r) => emulator.#longNames(r));
        if (first === 'BEGIN' || first === 'START') this.#inTransaction = true;
        if (first === 'COMMIT' || first === 'ROLLBACK' || first === 'END' || first === 'ABORT') this.#inTransaction = false;
        return result as never;
      }
    };
  }

  /**
   * The name PostgreSQL stores for a Redshift name: itself up to PostgreSQL's 63 bytes; a longer one (Redshift
   * takes 127) as a unique short alias, mapped back in results by {@link #longNames}.
   */
  #shortName(name: string): string {
    if (Buffer.byteLength(name) <= 63) return name;
    const alias = `nf_long_${createHash('md5').update(name).digest('hex')}`;
    this.#aliases.set(alias, name);
    return alias;
  }

  /** A result with every alias of {@link #shortName} (column names and catalog values) back to its Redshift name. */
  #longNames(result: pg.QueryResult): pg.QueryResult {
    if (this.#aliases.size === 0 || !Array.isArray(result.rows)) return result;
    const long = (v: unknown) => (typeof v === 'string' ? (this.#aliases.get(v) ?? v) : v);
    for (const f of result.fields ?? []) f.name = long(f.name) as string;
    result.rows = result.rows.map((row: unknown) => (Array.isArray(row) ? row.map(long) : Object.fromEntries(Object.entries(row as object).map(([k, v]) => [long(k), long(v)]))));
    return result;
  }

  /** Carry out a Redshift `COPY … FROM 's3://…' … FORMAT AS PARQUET` on the connection `run` sends to. */
  async #copy(sql: string, run: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>): Promise<Partial<pg.QueryResult>> {
    const tokens = tokenize(sql);
    const from = tokens.findIndex((t) => t.kind === 'word' && t.value === 'FROM');
    const table = sql.slice(tokens[1]!.start, tokens[from - 1]!.end);
    const source = tokens[from + 1]!.value;
    const [authKind, authValue] = [tokens[from + 2], tokens[from + 3]];
    const rest = tokens.slice(from + 4).map((t) => t.value).join(' ');
    if (rest !== 'FORMAT AS PARQUET') throw new Error(`emulated Redshift: this harness carries out only COPY … FORMAT AS PARQUET, got "${rest}"`);
    if (table.includes('(')) throw new Error('emulated Redshift: a Parquet COPY loads by position: no column list');
    if (authKind?.value === 'IAM_ROLE') {
      // Redshift's own message names the role.
      if (authValue?.value !== EMULATOR_IAM_ROLE) throw new Error(`emulated Redshift: User arn:aws:redshift:us-east-1:123456789012:dbuser:emulated/postgres is not authorized to assume IAM Role ${authValue?.value}`);
    } else if (authKind?.value === 'CREDENTIALS') {
      const expected = `aws_access_key_id=${S3RVER_CREDENTIALS.accessKeyId};aws_secret_access_key=${S3RVER_CREDENTIALS.secretAccessKey}`;
      if (authValue?.value !== expected) throw new Error('emulated Redshift: S3ServiceException: The AWS Access Key Id you provided does not exist in our records.');
    } else {
      throw new Error('emulated Redshift: COPY needs IAM_ROLE or CREDENTIALS');
    }
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
    if (!m) throw new Error(`emulated Redshift: not an S3 path: ${source}`);
    const [, bucket, prefix] = m as unknown as [string, string, string];
    // COPY loads every object whose key starts with the path.
    const listed = await this.s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    if (keys.length === 0) throw new Error(`emulated Redshift: The specified S3 prefix '${prefix}' does not exist`);
    const target = (
      await run(
        'SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
        [table],
      )
    ).rows as { name: string; type: string }[];
    if (target.length === 0) throw new Error(`emulated Redshift: relation ${table} does not exist`);
    let loaded = 0;
    for (const key of keys) {
      const object = await this.s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const path = join(this.#dir, `${this.copies.length}-${loaded}.parquet`);
      await writeFile(path, await object.Body!.transformToByteArray());
      try {
        loaded += await this.#insertParquet(path, table, target, run);
      } finally {
        await rm(path, { force: true });
      }
    }
    this.copies.push({ sql, rows: loaded });
    return { command: 'COPY', rowCount: loaded, rows: [], fields: [] };
  }

  /** Check a Parquet file against the table's columns as Redshift would, then insert its rows. */
  async #insertParquet(path: string, table: string, target: readonly { name: string; type: string }[], run: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>): Promise<number> {
    const file = `read_parquet('${path.replaceAll("'", "''")}')`;
    const described = (await this.#duck.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${file}`)).getRowsJS().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
    if (described.length !== target.length) {
      throw new Error(`emulated Redshift: the Parquet file has ${described.length} columns and ${table} has ${target.length}; a columnar COPY needs as many, in order`);
    }
    const casts = described.map((c, i) => {
      const column = target[i]!;
      const compatible = PARQUET_FOR_TYPE.find(([re]) => re.test(column.type))?.[1];
      if (compatible !== c.type) throw new Error(`emulated Redshift: column ${i + 1} of the Parquet file (${c.name} ${c.type}) does not load into ${column.name} ${column.type}`);
      const q = `"${c.name.replaceAll('"', '""')}"`;
      return c.type === 'TIMESTAMP WITH TIME ZONE' ? `CAST(CAST(${q} AS TIMESTAMP) AS VARCHAR) || '+00'` : `CAST(${q} AS VARCHAR)`;
    });
    const rows = (await this.#duck.connection.runAndReadAll(`SELECT ${casts.join(', ')} FROM ${file}`)).getRowsJS() as (string | null)[][];
    target.forEach((column, i) => {
      const limit = /^character varying\((\d+)\)$/.exec(column.type)?.[1];
      if (limit === undefined) return;
      const long = rows.find((r) => r[i] !== null && Buffer.byteLength(r[i]!) > Number(limit));
      if (long) throw new Error(`emulated Redshift: Spectrum Scan Error: the length of the data column ${column.name} is longer than the length defined in the table (${Buffer.byteLength(long[i]!)} > ${limit} bytes)`);
    });
    const perInsert = Math.max(1, Math.floor(30_000 / target.length));
    for (let at = 0; at < rows.length; at += perInsert) {
      const chunk = rows.slice(at, at + perInsert);
      const tuples = chunk.map((_, r) => `(${target.map((_, c) => `$${r * target.length + c + 1}`).join(', ')})`);
      await run(`INSERT INTO ${table} VALUES ${tuples.join(', ')}`, chunk.flat());
    }
    return rows.length;
  }
}

/** Which DuckDB type of a Parquet column loads into which column type (by `format_type`). */
const PARQUET_FOR_TYPE: readonly (readonly [RegExp, string])[] = [
  [/^bigint$/, 'BIGINT'],
  [/^double precision$/, 'DOUBLE'],
  [/^boolean$/, 'BOOLEAN'],
  [/^date$/, 'DATE'],
  [/^timestamp with time zone$/, 'TIMESTAMP WITH TIME ZONE'],
  [/^character varying\(\d+\)$/, 'VARCHAR'],
];
