import type { RecordBatch, Table } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../../src/schema/table-schema.js';
import type { Abortable, DestinationSession, LoadCommit, OpenContext, QueryResult, StoredState } from '../destination.js';
import { DestinationError } from '../errors.js';
import { SYSTEM_TABLES, storedStateOf } from '../system-tables.js';
import { arrowOfRows } from './arrow-of-rows.js';
import { planCommit, planProbes } from './plan-commit.js';
import type { SqlDialect } from './sql-dialect.js';
import { SqlStatementError, type SqlDriver, type SqlIntrospector, type SqlStatement } from './sql-driver.js';

/** An engine as the SQL core sees it: its dialect, how to connect, how to read its catalog. */
export interface SqlEngine {
  readonly dialect: SqlDialect;
  readonly introspector: SqlIntrospector;
  /** Connect (called once, when the session first needs the database). */
  connect(): Promise<SqlDriver>;
  /**
   * Whether there is a database to read without creating one (DuckDB: the file exists). When false,
   * `readState` reads nothing and `dropDataset` drops nothing, without connecting. Default: always.
   */
  exists?(): boolean;
}

/**
 * The destination contract implemented once for every SQL engine: state, schema, system tables, staged
 * writes, atomic commits, rollback, queries and drop. What differs between engines is in their
 * {@link SqlEngine}: the dialect spells the SQL, the driver runs it and stages batches by the engine's
 * bulk path, the introspector reads the catalog.
 *
 * `write` stages each batch (in tables private to the connection, or in a staging schema), so nothing is
 * visible before `commit`; `commit` plans the unit's statements with {@link planCommit} and runs them in
 * one transaction: deletes, the staged rows with each table's disposition, emptying staging, the state
 * row, the schema version and the load row.
 */
export class SqlSession implements DestinationSession {
  readonly #engine: SqlEngine;
  readonly #dialect: SqlDialect;
  readonly #dataset: string;
  readonly #readOnly: boolean;
  readonly #log: ((line: string) => void) | undefined;
  #connecting: Promise<SqlDriver> | undefined;
  /** The driver once connected (error descriptions need it synchronously). */
  #connected: SqlDriver | undefined;
  /** The dataset's tables as they are in the database, read once, then kept up to date. */
  #catalog: Map<string, ColumnSchema[]> | undefined;
  /** Staging tables that exist (temporary: on this connection; persistent: in the staging schema), with their columns. */
  #staging: Map<string, ColumnSchema[]> | undefined;
  /** Staging tables emptied of an earlier session's leftovers (persistent staging). */
  readonly #stagingReady = new Set<string>();
  /** Tables with rows staged since the last commit. */
  readonly #staged = new Set<string>();
  #systemReady = false;
  #closed = false;

  /** SQL is built only once connected: a dialect may learn names from the connection (DuckDB's catalog). */
  constructor(engine: SqlEngine, ctx: OpenContext) {
    this.#engine = engine;
    this.#dialect = engine.dialect;
    this.#dataset = ctx.datasetName;
    this.#readOnly = ctx.readOnly === true;
    this.#log = ctx.log;
  }

  /** Connect now (a session usually connects on first use): open fails fast on a bad host or password. */
  async connect(): Promise<void> {
    await this.#driver();
  }

  async readState(pipelineName: string, opts?: Abortable): Promise<StoredState | undefined> {
    opts?.signal?.throwIfAborted();
    if (this.#engine.exists?.() === false) return undefined;
    const catalog = await this.#tables();
    if (!catalog.has('_dlt_pipeline_state')) return undefined;
    const c = (n: string) => this.#dialect.quoteIdent(n);
    const p1 = this.#dialect.param(1, 'text');
    const [state] = await this.#rows(
      `SELECT ${c('state')}, ${c('_dlt_load_id')} FROM ${this.#q('_dlt_pipeline_state')} WHERE ${c('pipeline_name')} = ${p1} ORDER BY ${c('version')} DESC LIMIT 1`,
      [pipelineName],
    );
    if (!state) return undefined;
    const loadId = String(state['_dlt_load_id']);
    let version: Record<string, unknown> | undefined;
    if (catalog.has('_dlt_version')) {
      // The schema the state was committed with (its load row names the hash); else the newest version.
      const [load] = catalog.has('_dlt_loads')
        ? await this.#rows(`SELECT ${c('schema_version_hash')} FROM ${this.#q('_dlt_loads')} WHERE ${c('load_id')} = ${p1} LIMIT 1`, [loadId])
        : [];
      const hash = load?.['schema_version_hash'];
      const columns = `${c('schema')}, ${c('version_hash')} FROM ${this.#q('_dlt_version')}`;
      if (typeof hash === 'string') [version] = await this.#rows(`SELECT ${columns} WHERE ${c('version_hash')} = ${p1} ORDER BY ${c('version')} DESC LIMIT 1`, [hash]);
      version ??= (await this.#rows(`SELECT ${columns} ORDER BY ${c('version')} DESC LIMIT 1`))[0];
    }
    return storedStateOf(state['state'], loadId, version && { schema: version['schema'], versionHash: version['version_hash'] });
  }

  async ensureSchema(tables: readonly TableSchema[], opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ensureSystemTables();
    for (const table of tables) await this.#ensureTable(table);
  }

  async write(table: string, batch: RecordBatch, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    const columns = (await this.#tables()).get(table);
    if (!columns) throw new DestinationError(this.#dialect.name, `table "${table}" does not exist; call ensureSchema first.`, { table });
    const staging = await this.#stagingOf(table, columns);
    if (batch.numRows === 0) return;
    const driver = await this.#driver();
    // Rows of a failed write may be left in staging; the rollback that must follow clears them.
    this.#staged.add(table);
    this.#log?.(`-- stage ${batch.numRows} rows of ${table}`);
    try {
      await driver.stage({ table, staging: this.#dialect.stagingTable(this.#dataset, table), columns: staging }, batch);
    } catch (err) {
      throw this.#error(`could not stage a batch of ${batch.numRows} rows for "${table}"`, err, table);
    }
  }

  async commit(load: LoadCommit, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ensureSystemTables();
    const driver = await this.#driver();
    const catalog = await this.#tables();
    const staging = (await this.#stagingTables())!;
    // Staged columns with their declared types (a staging table may hold JSON as text).
    const declared = new Map(load.tables.map((t) => [t.name, new Map(t.columns.map((c) => [c.name, c]))]));
    const typed = (table: string, c: ColumnSchema) => declared.get(table)?.get(c.name) ?? catalog.get(table)?.find((t) => t.name === c.name) ?? c;
    const staged = new Map([...this.#staged].map((n) => [n, staging.get(n)!.map((c) => typed(n, c))]));
    let sql: SqlStatement[] = [];
    try {
      const input = { load, dataset: this.#dataset, catalog, staged, dialect: this.#dialect };
      const probe = planProbes(input);
      const probes = probe && probe.read((await this.#rows(probe.sql))[0] ?? {});
      sql = planCommit(probes ? { ...input, probes } : input);
      this.#log?.('BEGIN');
      await driver.transaction(sql, (st) => this.#log?.(st.sql));
      this.#log?.('COMMIT');
    } catch (err) {
      const index = err instanceof SqlStatementError ? err.index : undefined;
      const table = err instanceof DestinationError ? err.table : index === undefined ? undefined : sql[index]?.table;
      const cause = err instanceof SqlStatementError ? err.cause : err;
      throw this.#error(`commit of load ${load.loadId} failed${table === undefined ? '' : ` at table "${table}"`}`, cause, table, load.loadId);
    }
    this.#staged.clear();
  }

  async rollback(opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    // Nothing is staged before the first connection.
    if (!this.#connecting || this.#staged.size === 0) return;
    try {
      const driver = await this.#driver();
      await driver.run(this.#dialect.emptyStaging([...this.#staged].map((n) => this.#dialect.stagingTable(this.#dataset, n))).map((s) => ({ sql: s })));
    } catch (err) {
      throw this.#error('rollback could not empty the staging tables', err);
    }
    this.#staged.clear();
  }

  async query(sql: string, opts?: Abortable): Promise<QueryResult> {
    opts?.signal?.throwIfAborted();
    const driver = await this.#driver();
    this.#log?.(sql);
    try {
      return await driver.query(sql, this.#readOnly);
    } catch (err) {
      throw this.#error('query failed', err);
    }
  }

  async queryArrow(sql: string, opts?: Abortable): Promise<Table> {
    opts?.signal?.throwIfAborted();
    const driver = await this.#driver();
    this.#log?.(sql);
    try {
      return driver.queryArrow ? await driver.queryArrow(sql, this.#readOnly) : arrowOfRows(await driver.query(sql, this.#readOnly));
    } catch (err) {
      throw this.#error('query failed', err);
    }
  }

  async dropDataset(opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    if (this.#engine.exists?.() === false) return;
    await this.#driver();
    await this.#run(this.#dialect.dropDataset(this.#dataset), 'could not drop the dataset');
    this.#catalog = undefined;
    this.#staging = undefined;
    this.#systemReady = false;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const driver = await this.#connecting?.catch(() => undefined);
    await driver?.close();
  }

  async #ensureSystemTables(): Promise<void> {
    if (this.#systemReady) return;
    await this.#tables(); // connects: a dialect may learn names (DuckDB's catalog) from the connection
    await this.#run(this.#dialect.createDataset(this.#dataset), `could not create the dataset "${this.#dataset}"`);
    for (const t of SYSTEM_TABLES) await this.#ensureTable(t);
    this.#systemReady = true;
  }

  /** Create a target table or add its missing columns (and the same columns to its staging table, when there is one). */
  async #ensureTable(table: TableSchema): Promise<void> {
    const catalog = await this.#tables();
    const d = this.#dialect;
    const have = catalog.get(table.name);
    const what = `could not create or alter table "${table.name}"`;
    if (!have) {
      await this.#run([d.createTable(this.#dataset, table.name, table.columns)], what, table.name);
      catalog.set(table.name, table.columns.map((c) => ({ ...c })));
    } else {
      const known = new Set(have.map((c) => c.name));
      for (const column of table.columns.filter((c) => !known.has(c.name))) {
        await this.#run([d.addColumn(this.#dataset, table.name, column)], what, table.name);
        have.push({ ...column, nullable: true });
      }
    }
    if (d.staging === 'persistent') await this.#stagingOf(table.name, catalog.get(table.name)!);
    else {
      const staging = this.#staging?.get(table.name);
      if (staging) await this.#addStagingColumns(table.name, staging, catalog.get(table.name)!);
    }
  }

  /**
   * The staging table of `table`, with its columns: created when missing (a temporary one at the first
   * write of the session), its missing columns added, and a persistent one emptied of leftovers the first
   * time this session uses it.
   */
  async #stagingOf(table: string, columns: readonly ColumnSchema[]): Promise<ColumnSchema[]> {
    const staging = (await this.#stagingTables())!;
    const d = this.#dialect;
    const what = `could not prepare the staging table of "${table}"`;
    let have = staging.get(table);
    if (!have) {
      await this.#run(d.createStaging(this.#dataset, table, columns), what, table);
      have = columns.map((c) => ({ ...c, nullable: true }));
      staging.set(table, have);
      this.#stagingReady.add(table);
      return have;
    }
    await this.#addStagingColumns(table, have, columns);
    if (!this.#stagingReady.has(table)) {
      await this.#run(d.emptyStaging([d.stagingTable(this.#dataset, table)]), what, table);
      this.#stagingReady.add(table);
    }
    return have;
  }

  async #addStagingColumns(table: string, have: ColumnSchema[], columns: readonly ColumnSchema[]): Promise<void> {
    const known = new Set(have.map((c) => c.name));
    for (const column of columns.filter((c) => !known.has(c.name))) {
      await this.#run([this.#dialect.addStagingColumn(this.#dataset, table, column)], `could not alter the staging table of "${table}"`, table);
      have.push({ ...column, nullable: true });
    }
  }

  /** The dataset's tables and columns, read from the catalog once per session. */
  async #tables(): Promise<Map<string, ColumnSchema[]>> {
    if (this.#catalog) return this.#catalog;
    const driver = await this.#driver();
    try {
      this.#catalog = await this.#engine.introspector.tables(driver, this.#dataset);
    } catch (err) {
      throw this.#error('could not read the catalog', err);
    }
    return this.#catalog;
  }

  /** The staging tables that exist: none yet for temporary staging; the staging schema's tables for persistent staging. */
  async #stagingTables(): Promise<Map<string, ColumnSchema[]>> {
    if (this.#staging) return this.#staging;
    if (this.#dialect.staging === 'temporary') return (this.#staging = new Map());
    const driver = await this.#driver();
    try {
      this.#staging = await this.#engine.introspector.tables(driver, this.#dialect.stagingSchema(this.#dataset));
    } catch (err) {
      throw this.#error('could not read the staging catalog', err);
    }
    return this.#staging;
  }

  #driver(): Promise<SqlDriver> {
    if (this.#closed) return Promise.reject(new DestinationError(this.#dialect.name, 'the session is closed.'));
    this.#connecting ??= this.#engine.connect().then((driver) => (this.#connected = driver));
    return this.#connecting;
  }

  #q(table: string): string {
    return this.#dialect.table(this.#dataset, table);
  }

  async #run(statements: readonly string[], what: string, table?: string): Promise<void> {
    const driver = await this.#driver();
    for (const sql of statements) this.#log?.(sql);
    try {
      await driver.run(statements.map((sql) => ({ sql })));
    } catch (err) {
      throw this.#error(what, err instanceof SqlStatementError ? err.cause : err, table);
    }
  }

  async #rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const driver = await this.#driver();
    this.#log?.(sql);
    try {
      return await driver.rows(sql, params);
    } catch (err) {
      throw this.#error('catalog query failed', err);
    }
  }

  #error(what: string, err: unknown, table?: string, loadId?: string): DestinationError {
    if (err instanceof DestinationError) return err;
    const info = this.#connected?.describeError(err);
    return new DestinationError(this.#dialect.name, `${what}: ${info?.message ?? (err instanceof Error ? err.message : String(err))}`, {
      cause: info ? info.cause : err,
      transient: info?.transient ?? false,
      ...(table !== undefined ? { table } : {}),
      ...(loadId !== undefined ? { loadId } : {}),
    });
  }
}
