import { existsSync } from 'node:fs';
import { DuckDBDateValue, DuckDBInstance, DuckDBListValue, DuckDBTimestampTZValue, DuckDBTypeId, type DuckDBConnection, type DuckDBListType, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { Table, type RecordBatch } from 'apache-arrow';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { PipelineNotFoundError } from '../../src/errors.js';
import type { DataType } from '../../src/schema/data-types.js';
import { DLT_COLUMNS, type ColumnSchema, type TableSchema } from '../../src/schema/table-schema.js';
import type { Abortable, DestinationSession, LoadCommit, OpenContext, QueryResult, StoredState } from '../destination.js';
import { DestinationError, DestinationLockedError } from '../errors.js';
import { SCHEMA_ENGINE_VERSION, STATE_ENGINE_VERSION, SYSTEM_TABLES, storedStateOf } from '../system-tables.js';
import { appendRecordBatch } from './duckdb-chunk-writer.js';
import { assertSelectOnly } from './duckdb-read-only.js';
import { DUCKDB_INSTANCE_OPTIONS, databasePath, type DuckDBConfig } from './duckdb-config.js';
import { addColumnSql, addStagingColumnSql, columnList, createStagingSql, createTableSql, qualified, quoteIdent, stagingName } from './duckdb-sql.js';

/** One statement of a commit, with the table it writes (named when it fails). */
interface Statement {
  readonly table: string;
  readonly text: string;
}

/** An open database: the instance (closed with the session when the session opened it), one connection, the file's catalog name. */
interface OpenDatabase {
  readonly instance: DuckDBInstance;
  readonly owned: boolean;
  readonly connection: DuckDBConnection;
  readonly catalog: string;
}

/** A TEMP table (private to the connection) holding the root ids one merge deletes the child rows of. */
const MERGED_IDS = 'temp.main."_notionflow_merged_ids"';

/**
 * A DuckDB session: one connection to the database file.
 *
 * `write` appends each batch through the appender into a TEMP staging table (private to the
 * connection, never written to the file), so nothing is visible and nothing survives a crash before
 * `commit`; `commit` applies the deletes, the staged rows with each table's disposition, the pipeline
 * state and the load row in one transaction. (Appending straight into the target tables inside an open
 * transaction measured faster, but `LoadCommit.deletes` must run before the unit's rows are applied,
 * which rows already in the table would defeat; see bench/README.md.) Uniqueness of merge keys is kept
 * by the merge itself (delete staged keys, insert the last staged row per key), not by a PRIMARY KEY:
 * a constraint would make an `append` root that sees the same id twice fail, and its index slows ingest.
 *
 * A file that does not exist yet is opened (and so created) by the first call that writes: `readState`
 * on it reads no state. A read-only session (`ctx.readOnly`) opens the file with `access_mode = READ_ONLY`
 * in an instance of its own, fails with `PipelineNotFoundError` when there is no file, and runs only
 * queries that DuckDB's parser calls SELECT. A file another process is loading into (it holds the file's
 * lock) is a `DestinationLockedError`.
 */
export class DuckDBSession implements DestinationSession {
  readonly #config: DuckDBConfig;
  readonly #path: string;
  readonly #readOnly: boolean;
  readonly #dataset: string;
  readonly #log: ((line: string) => void) | undefined;
  /** The database being opened, once something needed it (see {@link #ready}). */
  #opening: Promise<OpenDatabase> | undefined;
  /** The database, once open. */
  #db: OpenDatabase | undefined;
  /** Columns of the dataset's tables as they are in the database, loaded on first use. */
  #tables: Map<string, ColumnSchema[]> | undefined;
  /** Staging tables that exist on this connection. */
  readonly #staging = new Set<string>();
  /** Tables with rows staged since the last commit. */
  readonly #staged = new Set<string>();
  #systemReady = false;
  #closed = false;

  private constructor(config: DuckDBConfig, path: string, ctx: OpenContext) {
    this.#config = config;
    this.#path = path;
    this.#readOnly = ctx.readOnly === true;
    this.#dataset = ctx.datasetName;
    this.#log = ctx.log;
  }

  /** Open the database (or connect to `config.instance`) for one pipeline run; a file that does not exist yet is left to the first write. */
  static async open(config: DuckDBConfig, ctx: OpenContext): Promise<DuckDBSession> {
    const session = new DuckDBSession(config, databasePath(config, ctx.pipelineName), ctx);
    if (session.#exists()) await session.#ready();
    else if (session.#readOnly) throw new PipelineNotFoundError(ctx.pipelineName, session.#path);
    return session;
  }

  async readState(pipelineName: string, opts?: Abortable): Promise<StoredState | undefined> {
    opts?.signal?.throwIfAborted();
    if (!this.#exists()) return undefined;
    await this.#ready();
    const tables = await this.#existingTables();
    if (!tables.has('_dlt_pipeline_state')) return undefined;
    const [state] = await this.#rows(
      `SELECT state, _dlt_load_id, version_hash FROM ${this.#q('_dlt_pipeline_state')} WHERE pipeline_name = $1 ORDER BY version DESC LIMIT 1`,
      [pipelineName],
    );
    if (!state) return undefined;
    const loadId = String(state['_dlt_load_id']);
    // The schema the state was committed with: the load row names its hash; fall back to the newest version.
    const [version] = tables.has('_dlt_version')
      ? await this.#rows(
          `SELECT schema, version_hash FROM ${this.#q('_dlt_version')} ORDER BY (version_hash = (SELECT schema_version_hash FROM ${this.#q('_dlt_loads')} WHERE load_id = $1 LIMIT 1)) DESC NULLS LAST, version DESC LIMIT 1`,
          [loadId],
        )
      : [];
    return storedStateOf(state['state'], loadId, version && { schema: version['schema'], versionHash: version['version_hash'] });
  }

  async ensureSchema(tables: readonly TableSchema[], opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ready();
    await this.#ensureSystemTables();
    const existing = await this.#existingTables();
    for (const table of tables) {
      const have = existing.get(table.name);
      try {
        if (!have) {
          await this.#exec(createTableSql(this.#q(table.name), table.columns));
          existing.set(table.name, [...table.columns]);
          continue;
        }
        const known = new Set(have.map((c) => c.name));
        for (const column of table.columns) {
          if (known.has(column.name)) continue;
          await this.#exec(addColumnSql(this.#q(table.name), column));
          if (this.#staging.has(table.name)) await this.#exec(addStagingColumnSql(table.name, column));
          have.push({ ...column, nullable: true });
        }
      } catch (err) {
        throw this.#error(`could not create or alter table "${table.name}"`, err, table.name);
      }
    }
  }

  async write(table: string, batch: RecordBatch, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ready();
    const columns = (await this.#existingTables()).get(table);
    if (!columns) throw new DestinationError('duckdb', `table "${table}" does not exist; call ensureSchema first.`, { table });
    if (!this.#staging.has(table)) {
      try {
        await this.#exec(`DROP TABLE IF EXISTS ${stagingName(table)}`);
        await this.#exec(createStagingSql(table, columns));
      } catch (err) {
        throw this.#error(`could not create the staging table of "${table}"`, err, table);
      }
      this.#staging.add(table);
    }
    // Rows of a failed append may be left in staging; the rollback that must follow clears them.
    this.#staged.add(table);
    try {
      this.#log?.(`-- append ${batch.numRows} rows to staging table ${table}`);
      const appender = await this.#connection.createAppender(table, 'main', 'temp');
      try {
        appendRecordBatch(appender, table, columns, batch);
      } finally {
        appender.closeSync();
      }
    } catch (err) {
      throw this.#error(`could not write a batch to "${table}"`, err, table);
    }
  }

  async commit(load: LoadCommit, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ready();
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
    // Everything but two probes goes to DuckDB as one statement list: a round trip per statement costs
    // more than the statements when the event loop is busy with extraction.
    const sql: Statement[] = [];
    const on = (table: string, ...texts: string[]): void => {
      for (const text of texts) sql.push({ table, text });
    };
    for (const root of load.replaceTables) {
      for (const t of [root, ...descendantsOf(root).map((d) => d.name)]) if (existing.has(t)) on(t, `DELETE FROM ${this.#q(t)}`);
    }
    for (const spec of load.deletes ?? []) {
      if (!existing.has(spec.table) || spec.values.length === 0) continue;
      const where = `${quoteIdent(spec.column)} IN (${spec.values.map(sqlString).join(', ')})`;
      for (const d of descendantsOf(spec.table)) {
        on(d.name, `DELETE FROM ${this.#q(d.name)} WHERE ${quoteIdent(DLT_COLUMNS.rootId)} IN (SELECT ${quoteIdent(DLT_COLUMNS.id)} FROM ${this.#q(spec.table)} WHERE ${where})`);
      }
      on(spec.table, `DELETE FROM ${this.#q(spec.table)} WHERE ${where}`);
    }
    // Merge keys of the staged merge tables (a root's primary key, a child's _dlt_id).
    const keyOf = (name: string): string | undefined => {
      const root = rootOf(name);
      if (root?.writeDisposition !== 'merge' || (root.primaryKey?.length ?? 0) === 0) return undefined;
      return root.name === name ? columnList(root.primaryKey!) : quoteIdent(DLT_COLUMNS.id);
    };
    const merged = staged.filter((n) => keyOf(n) !== undefined);
    const roots = merged.filter((n) => rootOf(n)!.name === n && existing.has(n));
    for (const root of roots) {
      for (const child of descendantsOf(root)) {
        if (!(existing.get(child.name) ?? []).some((c) => c.name === DLT_COLUMNS.rootId)) {
          throw new DestinationError('duckdb', `child table "${child.name}" of merge table "${root}" has no ${DLT_COLUMNS.rootId} column.`, { table: child.name });
        }
      }
    }
    await this.#exec('BEGIN TRANSACTION');
    try {
      // Probes, one query: which staging tables hold a key twice (only those need the deduplicating
      // window) and which merge roots have staged keys in the target already (a first load has none:
      // then no child table is scanned).
      const probes = [
        ...merged.map((n) => `(SELECT count(*) = count(DISTINCT (${keyOf(n)!})) FROM ${stagingName(n)})`),
        ...roots.map((n) => `(SELECT count(*) > 0 FROM ${this.#q(n)} WHERE (${keyOf(n)!}) IN (SELECT ${keyOf(n)!} FROM ${stagingName(n)}))`),
      ];
      const answers = probes.length === 0 ? [] : await this.#firstRow(`SELECT ${probes.join(', ')}`);
      const unique = new Map(merged.map((n, i) => [n, answers[i] === true]));
      const matched = new Set(roots.filter((_, i) => answers[merged.length + i] === true));
      for (const name of staged) {
        const key = keyOf(name);
        if (key === undefined) {
          on(name, `INSERT INTO ${this.#q(name)} BY NAME SELECT * FROM ${stagingName(name)}`);
          continue;
        }
        if (matched.has(name)) sql.push(...this.#mergeDeletes(rootOf(name)!, descendantsOf(name)));
        const last = unique.get(name) ? '' : ` QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY rowid DESC) = 1`;
        on(name, `INSERT INTO ${this.#q(name)} BY NAME SELECT * FROM ${stagingName(name)}${last}`);
      }
      // Emptying staging is part of the transaction.
      for (const n of this.#staged) on(n, `DELETE FROM ${stagingName(n)}`);
      for (const { text } of sql) this.#log?.(text);
      await this.#connection.run(sql.map((st) => st.text).join(';\n'));
      await this.#writeLoad(load);
      await this.#exec('COMMIT');
    } catch (err) {
      await this.#exec('ROLLBACK').catch(() => undefined);
      const table = err instanceof DestinationError ? err.table : await this.#failingTable(sql, load);
      throw this.#error(`commit of load ${load.loadId} failed${table === undefined ? '' : ` at table "${table}"`}`, err, table, load.loadId);
    }
    this.#staged.clear();
  }

  async rollback(opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    // Nothing is staged before the database is open.
    if (!this.#db) return;
    try {
      for (const name of this.#staging) await this.#exec(`DELETE FROM ${stagingName(name)}`);
    } catch (err) {
      throw this.#error('rollback failed', err);
    }
    this.#staged.clear();
  }

  async query(sql: string, opts?: Abortable): Promise<QueryResult> {
    opts?.signal?.throwIfAborted();
    const reader = await this.#userQuery(sql);
    const rows = reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' && v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v;
      return out;
    });
    return { columns: reader.columnNames(), rows };
  }

  async queryArrow(sql: string, opts?: Abortable): Promise<Table> {
    opts?.signal?.throwIfAborted();
    const reader = await this.#userQuery(sql);
    const names = reader.columnNames();
    const types = reader.columnTypes().map(dataTypeOfDuckDB);
    const rows = reader.getRowObjects().map((row) => {
      const out: Record<string, unknown> = {};
      names.forEach((name, i) => (out[name] = plainValue(row[name]!, types[i]!)));
      return out;
    });
    return new Table(recordBatchOf(names.map((name, i) => ({ name, dataType: types[i]!, nullable: true })), rows));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const db = await this.#opening?.catch(() => undefined);
    if (!db) return;
    db.connection.closeSync();
    if (db.owned) db.instance.closeSync();
  }

  /** The state row, the schema version (when it changed) and the `_dlt_loads` row of a commit, in its transaction. */
  async #writeLoad(load: LoadCommit): Promise<void> {
    let table = '_dlt_pipeline_state';
    try {
      const stateJson = JSON.stringify(load.state);
      // One state row per load: a checkpoint replaces the previous checkpoint's row of the same load.
      await this.#exec(`DELETE FROM ${this.#q('_dlt_pipeline_state')} WHERE pipeline_name = $1 AND _dlt_load_id = $2`, [load.pipelineName, load.loadId]);
      await this.#exec(
        `INSERT INTO ${this.#q('_dlt_pipeline_state')} (version, engine_version, pipeline_name, state, created_at, version_hash, _dlt_load_id) ` +
          `SELECT coalesce(max(version), 0) + 1, ${STATE_ENGINE_VERSION}, $1, $2, now(), md5($2), $3 FROM ${this.#q('_dlt_pipeline_state')} WHERE pipeline_name = $1`,
        [load.pipelineName, stateJson, load.loadId],
      );
      if (load.schemaChanged) {
        table = '_dlt_version';
        const schemaJson = JSON.stringify({ name: load.schemaName, version_hash: load.schemaVersionHash, tables: load.tables });
        await this.#exec(
          `INSERT INTO ${this.#q('_dlt_version')} (version, engine_version, inserted_at, schema_name, version_hash, schema) ` +
            `SELECT coalesce(max(version), 0) + 1, ${SCHEMA_ENGINE_VERSION}, now(), $1, $2, $3 FROM ${this.#q('_dlt_version')} WHERE schema_name = $1`,
          [load.schemaName, load.schemaVersionHash, schemaJson],
        );
      }
      table = '_dlt_loads';
      await this.#exec(`DELETE FROM ${this.#q('_dlt_loads')} WHERE load_id = $1`, [load.loadId]);
      await this.#exec(
        `INSERT INTO ${this.#q('_dlt_loads')} (load_id, schema_name, status, inserted_at, schema_version_hash) VALUES ($1, $2, $3, now(), $4)`,
        [load.loadId, load.schemaName, load.final ? 0 : 1, load.schemaVersionHash],
      );
    } catch (err) {
      throw this.#error(`could not write the load's ${table} row`, err, table, load.loadId);
    }
  }

  /**
   * Delete half of a delete-insert merge of a root table whose staged keys are in the target already:
   * the matched target rows, and their rows in every child table (also tables that got no rows this
   * time: a list that became empty).
   */
  #mergeDeletes(root: TableSchema, descendants: readonly TableSchema[]): Statement[] {
    const target = this.#q(root.name);
    const staging = stagingName(root.name);
    const key = columnList(root.primaryKey!);
    const id = quoteIdent(DLT_COLUMNS.id);
    const matched = `(${key}) IN (SELECT ${key} FROM ${staging})`;
    const deleteRoot = { table: root.name, text: `DELETE FROM ${target} WHERE ${matched}` };
    if (descendants.length === 0) return [deleteRoot];
    return [
      { table: root.name, text: `CREATE OR REPLACE TEMP TABLE ${MERGED_IDS} AS SELECT ${id} FROM ${target} WHERE ${matched}` },
      ...descendants.map((d) => ({ table: d.name, text: `DELETE FROM ${this.#q(d.name)} WHERE ${quoteIdent(DLT_COLUMNS.rootId)} IN (SELECT ${id} FROM ${MERGED_IDS})` })),
      deleteRoot,
    ];
  }

  /** After a failed commit (rolled back): runs its statements one by one in a transaction rolled back again, to name the table that fails. */
  async #failingTable(sql: readonly Statement[], load: LoadCommit): Promise<string | undefined> {
    try {
      await this.#connection.run('BEGIN TRANSACTION');
      for (const { table, text } of sql) {
        try {
          await this.#connection.run(text);
        } catch {
          return table;
        }
      }
      return await this.#writeLoad(load).then(
        () => undefined,
        (err: unknown) => (err instanceof DestinationError ? err.table : undefined),
      );
    } catch {
      return undefined;
    } finally {
      await this.#connection.run('ROLLBACK').catch(() => undefined);
    }
  }

  async #ensureSystemTables(): Promise<void> {
    if (this.#systemReady) return;
    await this.#exec(`CREATE SCHEMA IF NOT EXISTS ${qualified(this.#db!.catalog, this.#dataset)}`);
    const existing = await this.#existingTables();
    for (const t of SYSTEM_TABLES) {
      if (existing.has(t.name)) continue;
      await this.#exec(createTableSql(this.#q(t.name), t.columns));
      existing.set(t.name, [...t.columns]);
    }
    this.#systemReady = true;
  }

  /** The dataset's tables and columns, read from the catalog once and then kept up to date by this session. */
  async #existingTables(): Promise<Map<string, ColumnSchema[]>> {
    if (this.#tables) return this.#tables;
    const rows = await this.#rows(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_catalog = $1 AND table_schema = $2 ORDER BY table_name, ordinal_position',
      [this.#db!.catalog, this.#dataset],
    );
    const tables = new Map<string, ColumnSchema[]>();
    for (const row of rows) {
      const name = String(row['table_name']);
      const columns = tables.get(name) ?? [];
      columns.push({ name: String(row['column_name']), dataType: dataTypeOfSqlType(String(row['data_type'])), nullable: true });
      tables.set(name, columns);
    }
    this.#tables = tables;
    return tables;
  }

  async dropDataset(opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    if (!this.#exists()) return;
    await this.#ready();
    await this.#exec(`DROP SCHEMA IF EXISTS ${quoteIdent(this.#db!.catalog)}.${quoteIdent(this.#dataset)} CASCADE`);
    this.#tables = undefined;
  }

  /** Whether there is a database to read: an instance, memory, or a file that exists. */
  #exists(): boolean {
    return this.#db !== undefined || this.#config.instance !== undefined || this.#path === ':memory:' || existsSync(this.#path);
  }

  /** The open database, opened (and a new file created) on first use. */
  #ready(): Promise<OpenDatabase> {
    this.#opening ??= openDatabase(this.#config, this.#path, this.#readOnly).then((db) => (this.#db = db));
    return this.#opening;
  }

  /** The connection; only called after {@link #ready}. */
  get #connection(): DuckDBConnection {
    return this.#db!.connection;
  }

  #q(table: string): string {
    return qualified(this.#db!.catalog, this.#dataset, table);
  }

  /** A caller's query (`query`, `queryArrow`). A read-only session runs only statements DuckDB's parser calls SELECT. */
  async #userQuery(sql: string) {
    await this.#ready();
    if (this.#readOnly) await assertSelectOnly(this.#connection, sql, 'duckdb');
    return this.#read(sql);
  }

  async #exec(sql: string, values?: DuckDBValue[]): Promise<void> {
    this.#log?.(sql);
    await this.#connection.run(sql, values);
  }

  async #read(sql: string, values?: DuckDBValue[]) {
    this.#log?.(sql);
    try {
      return await this.#connection.runAndReadAll(sql, values);
    } catch (err) {
      throw this.#error('query failed', err);
    }
  }

  /** The first row of a query, as plain values (no row: empty). */
  async #firstRow(sql: string): Promise<unknown[]> {
    this.#log?.(sql);
    return (await this.#connection.runAndReadAll(sql)).getRowsJS()[0] ?? [];
  }

  async #rows(sql: string, values?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    return (await this.#read(sql, values)).getRowObjectsJS();
  }

  #error(what: string, err: unknown, table?: string, loadId?: string): DestinationError {
    if (err instanceof DestinationError) return err;
    return new DestinationError('duckdb', `${what}: ${(err as Error).message}`, {
      cause: err,
      ...(table !== undefined ? { table } : {}),
      ...(loadId !== undefined ? { loadId } : {}),
    });
  }
}

/** The notionflow type of a DuckDB result column (anything unusual is read as text). */
function dataTypeOfDuckDB(type: DuckDBType): DataType {
  if (type.alias === 'JSON') return 'json';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'bool';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return 'bigint';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'double';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.LIST:
      return (type as DuckDBListType).valueType.typeId === DuckDBTypeId.VARCHAR ? 'text_list' : 'text';
    default:
      return 'text';
  }
}

/** The notionflow type of a column by its catalog type name (as `duckdbColumnType` wrote it). */
function dataTypeOfSqlType(sqlType: string): DataType {
  switch (sqlType) {
    case 'JSON':
      return 'json';
    case 'BIGINT':
      return 'bigint';
    case 'DOUBLE':
      return 'double';
    case 'BOOLEAN':
      return 'bool';
    case 'TIMESTAMP WITH TIME ZONE':
      return 'timestamp';
    case 'DATE':
      return 'date';
    case 'VARCHAR[]':
      return 'text_list';
    default:
      return 'text';
  }
}

/** A DuckDB value as the row value `recordBatchOf` takes for its column type (a VARCHAR[] item is a string or null). */
function plainValue(v: DuckDBValue, type: DataType): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (v instanceof DuckDBTimestampTZValue) return Number(v.micros) / 1000;
  if (v instanceof DuckDBDateValue) return new Date(v.days * 86_400_000);
  if (type === 'text_list' && v instanceof DuckDBListValue) return v.items;
  if (typeof (v as { micros?: unknown }).micros === 'bigint') return Number((v as { micros: bigint }).micros) / 1000;
  if (typeof (v as { toDouble?: unknown }).toDouble === 'function') return (v as { toDouble(): number }).toDouble();
  return String(v);
}

/** A SQL string literal (single quotes doubled). */
function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Open `config.instance` or the file at `path` (read-only: `access_mode = READ_ONLY`, in an instance of
 * its own) and connect. DuckDB's "could not set lock" becomes a {@link DestinationLockedError}.
 */
async function openDatabase(config: DuckDBConfig, path: string, readOnly: boolean): Promise<OpenDatabase> {
  let instance = config.instance;
  try {
    instance ??= await DuckDBInstance.create(path, { ...DUCKDB_INSTANCE_OPTIONS, ...(readOnly && path !== ':memory:' ? { access_mode: 'READ_ONLY' } : {}) });
    const connection = await instance.connect();
    const catalog = String((await connection.runAndReadAll('SELECT current_database()')).getRowsJS()[0]![0]);
    return { instance, owned: config.instance === undefined, connection, catalog };
  } catch (err) {
    if (instance && !config.instance) instance.closeSync();
    const message = (err as Error).message;
    if (message.includes('Could not set lock on file')) {
      const pid = /\(PID (\d+)\)/.exec(message)?.[1];
      throw new DestinationLockedError('duckdb', path, pid === undefined ? 'another process' : `process ${pid}`, { cause: err });
    }
    throw new DestinationError('duckdb', `could not open ${path}: ${message}`, { cause: err });
  }
}
