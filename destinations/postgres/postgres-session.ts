import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RecordBatch, Table } from 'apache-arrow';
import type pg from 'pg';
import { DLT_COLUMNS, type ColumnSchema, type TableSchema } from '../../src/schema/table-schema.js';
import type { Abortable, DeleteSpec, DestinationSession, LoadCommit, OpenContext, QueryResult, StoredState } from '../destination.js';
import { DestinationError } from '../errors.js';
import { nativeImport, type Importer } from '../optional-import.js';
import { SCHEMA_ENGINE_VERSION, STATE_ENGINE_VERSION, SYSTEM_TABLES, storedStateOf } from '../system-tables.js';
import type { ResolvedPostgresConfig } from './postgres-config.js';
import { copyChunks } from './postgres-copy-encoder.js';
import { loadPostgresDriver, type PostgresDriver } from './postgres-driver.js';
import { addColumnSql, addStagingColumnSql, columnList, copyFromSql, createStagingSql, createTableSql, qualified, quoteIdent, stagingName } from './postgres-sql.js';
import { dataTypeOfPostgresType } from './postgres-type-mapper.js';
import { arrowTableOf, isTransientError, plainParser, plainRow } from './postgres-values.js';

/**
 * A PostgreSQL session: one connection.
 *
 * `write` streams each batch with `COPY … FROM STDIN` into a TEMP staging table (private to the
 * connection, unlogged, gone when it closes), so nothing is visible before `commit`; `commit` applies
 * the staged rows, the pipeline state and the load row in one transaction (DDL included: PostgreSQL's
 * DDL is transactional). Merge keys are kept unique by the merge itself (delete staged keys, insert the
 * last staged row per key), not by a PRIMARY KEY, as on DuckDB.
 */
export class PostgresSession implements DestinationSession {
  readonly #client: pg.Client;
  readonly #copyFrom: PostgresDriver['copyFrom'];
  readonly #config: ResolvedPostgresConfig;
  readonly #readOnly: boolean;
  readonly #dataset: string;
  readonly #log: ((line: string) => void) | undefined;
  /** Columns of the dataset's tables as they are in the database, loaded on first use. */
  #tables: Map<string, ColumnSchema[]> | undefined;
  /** Staging tables created by this session, with their columns in COPY order. */
  readonly #staging = new Map<string, ColumnSchema[]>();
  readonly #staged = new Set<string>();
  #systemReady = false;
  #closed = false;

  private constructor(client: pg.Client, driver: PostgresDriver, config: ResolvedPostgresConfig, ctx: OpenContext) {
    this.#client = client;
    this.#copyFrom = driver.copyFrom;
    this.#config = config;
    this.#readOnly = ctx.readOnly === true;
    this.#dataset = ctx.datasetName;
    this.#log = ctx.log;
  }

  /**
   * Connect for one pipeline run, importing the driver first (`importer` replaces `import()`; a missing
   * package is a `MissingPackageError`). A read-only session (`ctx.readOnly`) connects with
   * `default_transaction_read_only` on and runs each query alone in a `READ ONLY` transaction.
   */
  static async open(config: ResolvedPostgresConfig, ctx: OpenContext, importer: Importer = nativeImport): Promise<PostgresSession> {
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
    return new PostgresSession(client, driver, config, ctx);
  }

  async readState(pipelineName: string, opts?: Abortable): Promise<StoredState | undefined> {
    opts?.signal?.throwIfAborted();
    const tables = await this.#existingTables();
    if (!tables.has('_dlt_pipeline_state')) return undefined;
    const [state] = await this.#rows(
      `SELECT "state", "_dlt_load_id" FROM ${this.#q('_dlt_pipeline_state')} WHERE "pipeline_name" = $1 ORDER BY "version" DESC LIMIT 1`,
      [pipelineName],
    );
    if (!state) return undefined;
    const loadId = String(state['_dlt_load_id']);
    // The schema the state was committed with: the load row names its hash; fall back to the newest version.
    const [version] = tables.has('_dlt_version')
      ? await this.#rows(
          `SELECT "schema", "version_hash" FROM ${this.#q('_dlt_version')} ORDER BY ("version_hash" = (SELECT "schema_version_hash" FROM ${this.#q('_dlt_loads')} WHERE "load_id" = $1 LIMIT 1)) DESC NULLS LAST, "version" DESC LIMIT 1`,
          [loadId],
        )
      : [];
    return storedStateOf(state['state'], loadId, version && { schema: version['schema'], versionHash: version['version_hash'] });
  }

  async ensureSchema(tables: readonly TableSchema[], opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ensureSystemTables();
    const existing = await this.#existingTables();
    for (const table of tables) {
      const have = existing.get(table.name);
      try {
        if (!have) {
          await this.#exec(createTableSql(this.#dataset, table.name, table.columns));
          existing.set(table.name, [...table.columns]);
          continue;
        }
        const known = new Set(have.map((c) => c.name));
        for (const column of table.columns) {
          if (known.has(column.name)) continue;
          await this.#exec(addColumnSql(this.#dataset, table.name, column));
          const staging = this.#staging.get(table.name);
          if (staging) {
            await this.#exec(addStagingColumnSql(table.name, column));
            staging.push({ ...column, nullable: true });
          }
          have.push({ ...column, nullable: true });
        }
      } catch (err) {
        throw this.#error(`could not create or alter table "${table.name}"`, err, table.name);
      }
    }
  }

  async write(table: string, batch: RecordBatch, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    const columns = (await this.#existingTables()).get(table);
    if (!columns) throw new DestinationError('postgres', `table "${table}" does not exist; call ensureSchema first.`, { table });
    let staging = this.#staging.get(table);
    if (!staging) {
      staging = [...columns];
      try {
        await this.#exec(`DROP TABLE IF EXISTS ${stagingName(table)}`);
        await this.#exec(createStagingSql(table, staging));
      } catch (err) {
        throw this.#error(`could not create the staging table of "${table}"`, err, table);
      }
      this.#staging.set(table, staging);
    }
    if (batch.numRows === 0) return;
    const sql = copyFromSql(table, staging, this.#config.copyFormat);
    this.#log?.(sql);
    try {
      const chunks = Readable.from(copyChunks(table, staging, batch, this.#config.copyFormat), { objectMode: false });
      await pipeline(chunks, this.#client.query(this.#copyFrom(sql)), ...(opts?.signal ? [{ signal: opts.signal }] : []));
    } catch (err) {
      throw this.#error(`could not copy a batch into the staging table of "${table}"`, err, table);
    }
    this.#staged.add(table);
  }

  async commit(load: LoadCommit, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ensureSystemTables();
    const existing = await this.#existingTables();
    const byName = new Map(load.tables.map((t) => [t.name, t]));
    const rootOf = (name: string): TableSchema | undefined => {
      let t = byName.get(name);
      while (t?.parent !== undefined) t = byName.get(t.parent);
      return t;
    };
    const descendantsOf = (root: string) => load.tables.filter((t) => t.name !== root && rootOf(t.name)?.name === root && existing.has(t.name));
    // Staged tables, parents before children (the order of the schema).
    const staged = [...load.tables.map((t) => t.name).filter((n) => this.#staged.has(n)), ...[...this.#staged].filter((n) => !byName.has(n))];
    let current: string | undefined;
    await this.#exec('BEGIN');
    try {
      for (const root of load.replaceTables) {
        for (const t of [root, ...descendantsOf(root).map((d) => d.name)]) {
          current = t;
          if (existing.has(t)) await this.#exec(`DELETE FROM ${this.#q(t)}`);
        }
      }
      for (const spec of load.deletes ?? []) {
        if (!existing.has(spec.table) || spec.values.length === 0) continue;
        current = spec.table;
        await this.#deleteRows(spec, existing.get(spec.table)!, descendantsOf(spec.table));
      }
      for (const name of staged) {
        current = name;
        const root = rootOf(name);
        const merge = root?.writeDisposition === 'merge' && (root.primaryKey?.length ?? 0) > 0;
        const cols = columnList(this.#staging.get(name)!.map((c) => c.name));
        if (!merge) await this.#exec(`INSERT INTO ${this.#q(name)} (${cols}) SELECT ${cols} FROM ${stagingName(name)}`);
        else if (root!.name === name) await this.#mergeRoot(root!, cols, descendantsOf(name), (t) => (current = t));
        else {
          // Child rows: the last staged row per _dlt_id (ctid order is insertion order in a staging table only ever appended to).
          const id = quoteIdent(DLT_COLUMNS.id);
          await this.#exec(
            `INSERT INTO ${this.#q(name)} (${cols}) SELECT ${cols} FROM (SELECT DISTINCT ON (${id}) * FROM ${stagingName(name)} ORDER BY ${id}, ctid DESC) AS s`,
          );
        }
      }
      current = '_dlt_pipeline_state';
      const stateJson = JSON.stringify(load.state);
      // One state row per load: a checkpoint replaces the previous checkpoint's row of the same load.
      await this.#exec(`DELETE FROM ${this.#q('_dlt_pipeline_state')} WHERE "pipeline_name" = $1 AND "_dlt_load_id" = $2`, [load.pipelineName, load.loadId]);
      await this.#exec(
        `INSERT INTO ${this.#q('_dlt_pipeline_state')} ("version", "engine_version", "pipeline_name", "state", "created_at", "version_hash", "_dlt_load_id") ` +
          `SELECT coalesce(max("version"), 0) + 1, ${STATE_ENGINE_VERSION}, $1, $2, now(), md5($2), $3 FROM ${this.#q('_dlt_pipeline_state')} WHERE "pipeline_name" = $1`,
        [load.pipelineName, stateJson, load.loadId],
      );
      if (load.schemaChanged) {
        current = '_dlt_version';
        const schemaJson = JSON.stringify({ name: load.schemaName, version_hash: load.schemaVersionHash, tables: load.tables });
        await this.#exec(
          `INSERT INTO ${this.#q('_dlt_version')} ("version", "engine_version", "inserted_at", "schema_name", "version_hash", "schema") ` +
            `SELECT coalesce(max("version"), 0) + 1, ${SCHEMA_ENGINE_VERSION}, now(), $1, $2, $3 FROM ${this.#q('_dlt_version')} WHERE "schema_name" = $1`,
          [load.schemaName, load.schemaVersionHash, schemaJson],
        );
      }
      current = '_dlt_loads';
      await this.#exec(`DELETE FROM ${this.#q('_dlt_loads')} WHERE "load_id" = $1`, [load.loadId]);
      await this.#exec(
        `INSERT INTO ${this.#q('_dlt_loads')} ("load_id", "schema_name", "status", "inserted_at", "schema_version_hash") VALUES ($1, $2, $3, now(), $4)`,
        [load.loadId, load.schemaName, load.final ? 0 : 1, load.schemaVersionHash],
      );
      if (this.#staged.size > 0) await this.#exec(`TRUNCATE ${[...this.#staged].map(stagingName).join(', ')}`);
      await this.#exec('COMMIT');
    } catch (err) {
      await this.#exec('ROLLBACK').catch(() => undefined);
      throw this.#error(`commit of load ${load.loadId} failed at table "${current}"`, err, current, load.loadId);
    }
    this.#staged.clear();
  }

  async rollback(opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    try {
      if (this.#staging.size > 0) await this.#exec(`TRUNCATE ${[...this.#staging.keys()].map(stagingName).join(', ')}`);
    } catch (err) {
      throw this.#error('could not empty the staging tables', err);
    }
    this.#staged.clear();
  }

  async query(sql: string, opts?: Abortable): Promise<QueryResult> {
    opts?.signal?.throwIfAborted();
    const result = await this.#userQuery(sql);
    return { columns: result.fields.map((f) => f.name), rows: result.rows.map((row) => plainRow(result.fields, row)) };
  }

  async queryArrow(sql: string, opts?: Abortable): Promise<Table> {
    opts?.signal?.throwIfAborted();
    const result = await this.#userQuery(sql);
    return arrowTableOf(result.fields, result.rows);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.end().catch(() => undefined);
  }

  /**
   * Delete the rows of root table `spec.table` whose `spec.column` is one of `spec.values`, and first the
   * rows of its descendants that belong to them, in the open transaction. The values travel as one
   * text[] parameter; a column of another type is compared as text.
   */
  async #deleteRows(spec: DeleteSpec, columns: readonly ColumnSchema[], descendants: readonly TableSchema[]): Promise<void> {
    const column = columns.find((c) => c.name === spec.column);
    const match = `${quoteIdent(spec.column)}${column?.dataType === 'text' ? '' : '::text'} = ANY($1::text[])`;
    const values = [[...spec.values]];
    for (const d of descendants) {
      await this.#exec(
        `DELETE FROM ${this.#q(d.name)} WHERE ${quoteIdent(DLT_COLUMNS.rootId)} IN (SELECT ${quoteIdent(DLT_COLUMNS.id)} FROM ${this.#q(spec.table)} WHERE ${match})`,
        values,
      );
    }
    await this.#exec(`DELETE FROM ${this.#q(spec.table)} WHERE ${match}`, values);
  }

  /** Delete-insert merge of a root table with its descendants, in the open transaction. */
  async #mergeRoot(root: TableSchema, cols: string, descendants: readonly TableSchema[], at: (table: string) => void): Promise<void> {
    const target = this.#q(root.name);
    const staging = stagingName(root.name);
    const key = columnList(root.primaryKey!);
    const id = quoteIdent(DLT_COLUMNS.id);
    const rootId = quoteIdent(DLT_COLUMNS.rootId);
    // Child rows of every merged root go, also in child tables that got no rows this time (a list that became empty).
    for (const child of descendants) {
      at(child.name);
      const columns = (await this.#existingTables()).get(child.name) ?? [];
      if (!columns.some((c) => c.name === DLT_COLUMNS.rootId)) {
        throw new DestinationError('postgres', `child table "${child.name}" of merge table "${root.name}" has no ${DLT_COLUMNS.rootId} column.`, { table: child.name });
      }
      await this.#exec(
        `DELETE FROM ${this.#q(child.name)} WHERE ${rootId} IN (SELECT ${id} FROM ${target} WHERE (${key}) IN (SELECT ${key} FROM ${staging}) UNION ALL SELECT ${id} FROM ${staging})`,
      );
    }
    at(root.name);
    await this.#exec(`DELETE FROM ${target} WHERE (${key}) IN (SELECT ${key} FROM ${staging})`);
    await this.#exec(`INSERT INTO ${target} (${cols}) SELECT ${cols} FROM (SELECT DISTINCT ON (${key}) * FROM ${staging} ORDER BY ${key}, ctid DESC) AS s`);
  }

  async #ensureSystemTables(): Promise<void> {
    if (this.#systemReady) return;
    try {
      await this.#exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#dataset)}`);
      const existing = await this.#existingTables();
      for (const t of SYSTEM_TABLES) {
        if (existing.has(t.name)) continue;
        await this.#exec(createTableSql(this.#dataset, t.name, t.columns));
        existing.set(t.name, [...t.columns]);
      }
    } catch (err) {
      throw this.#error('could not create the dataset schema and system tables', err);
    }
    this.#systemReady = true;
  }

  /** The dataset's tables and columns, read from the catalog once and then kept up to date by this session. */
  async #existingTables(): Promise<Map<string, ColumnSchema[]>> {
    if (this.#tables) return this.#tables;
    const rows = await this.#rows(
      'SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
      [this.#dataset],
    );
    const tables = new Map<string, ColumnSchema[]>();
    for (const row of rows) {
      const name = String(row['table_name']);
      const columns = tables.get(name) ?? [];
      columns.push({ name: String(row['column_name']), dataType: dataTypeOfPostgresType(String(row['data_type']), String(row['udt_name'])), nullable: true });
      tables.set(name, columns);
    }
    this.#tables = tables;
    return tables;
  }

  #q(table: string): string {
    return qualified(this.#dataset, table);
  }

  async #exec(sql: string, values?: unknown[]): Promise<void> {
    this.#log?.(sql);
    await this.#client.query(sql, values);
  }

  /**
   * A caller's query. In a read-only session it runs alone (the extended protocol takes one statement)
   * inside `BEGIN READ ONLY … ROLLBACK`, so PostgreSQL itself refuses anything that writes.
   */
  async #userQuery(sql: string): Promise<pg.QueryArrayResult<unknown[]>> {
    if (!this.#readOnly) return this.#read(sql);
    await this.#exec('BEGIN READ ONLY');
    try {
      return await this.#read(sql, [], 'extended');
    } finally {
      await this.#exec('ROLLBACK').catch(() => undefined);
    }
  }

  /** Run a query with every value as its text form (parsed by {@link plainRow} / {@link arrowValue}). */
  async #read(sql: string, values?: unknown[], queryMode?: 'extended'): Promise<pg.QueryArrayResult<unknown[]>> {
    this.#log?.(sql);
    try {
      return await this.#client.query({ text: sql, values, rowMode: 'array', ...(queryMode ? { queryMode } : {}) });
    } catch (err) {
      throw this.#error('query failed', err);
    }
  }

  async #rows(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]> {
    const result = await this.#read(sql, values);
    return result.rows.map((row) => plainRow(result.fields, row));
  }

  #error(what: string, err: unknown, table?: string, loadId?: string): DestinationError {
    if (err instanceof DestinationError) return err;
    return new DestinationError('postgres', `${what}: ${scrub(err, this.#config.password)}`, {
      cause: scrubbedCause(err, this.#config.password),
      transient: isTransientError(err),
      ...(table !== undefined ? { table } : {}),
      ...(loadId !== undefined ? { loadId } : {}),
    });
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
