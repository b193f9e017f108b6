import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import type { Bind } from 'snowflake-sdk';
import { DLT_COLUMNS, type ColumnSchema, type TableSchema } from '../../src/schema/table-schema.js';
import type { Abortable, DeleteSpec, DestinationSession, LoadCommit, OpenContext, QueryResult, StoredState } from '../destination.js';
import { DestinationError } from '../errors.js';
import type { Importer } from '../optional-import.js';
import { ParquetWriter } from '../duckdb/duckdb-parquet-writer.js';
import { SCHEMA_ENGINE_VERSION, STATE_ENGINE_VERSION, SYSTEM_TABLES, storedStateOf } from '../system-tables.js';
import type { SnowflakeConfig } from './snowflake-config.js';
import { SnowflakeConnection, describe, redact } from './snowflake-connection.js';
import {
  STAGE_NAME,
  STAGE_SEQ_COLUMN,
  addColumnSql,
  addStagingColumnSql,
  columnList,
  copyIntoSql,
  createStagingSql,
  createTableSql,
  qualified,
  quoteIdent,
  stagedValue,
  stagingSchemaOf,
} from './snowflake-sql.js';
import { writeStageFile } from './snowflake-stage-file.js';


/** Most values of a `DeleteSpec` bound in one DELETE statement. */
const DELETE_CHUNK = 1000;


/**
 * A Snowflake session: one logged-in driver connection.
 *
 * `ensureSchema` runs all DDL (Snowflake DDL commits implicitly, so none may run inside the commit
 * transaction): the dataset schema, target tables, and in `<dataset>_staging` a TRANSIENT staging twin of
 * each table plus the internal stage. `write` encodes the batch as a Parquet (or CSV) file, `PUT`s it to the
 * stage and `COPY`s it into the staging table, so nothing reaches a target table before `commit`. `commit`
 * applies the staged rows (append, replace, delete-insert merge), the state row, the schema version and the
 * load row in one `BEGIN … COMMIT`, and empties the staging tables in the same transaction.
 *
 * Staging tables are shared by sessions on the same dataset: like dlt, one pipeline writes a dataset at a time.
 */
export class SnowflakeSession implements DestinationSession {
  readonly #connection: SnowflakeConnection;
  readonly #config: SnowflakeConfig;
  readonly #dataset: string;
  readonly #staging: string;
  readonly #log: ((line: string) => void) | undefined;
  readonly #tmpDir: string;
  readonly #readOnly: boolean;
  /** Writes the Parquet batch files (DuckDB, opened on the first one). */
  readonly #parquet = new ParquetWriter();
  /** Makes this session's file names unique: COPY skips a file name it already loaded. */
  readonly #filePrefix = randomUUID();
  /** Lower-case column names of the dataset's and staging schema's tables as they are in Snowflake. */
  #catalog: Map<string, Set<string>> | undefined;
  /** The latest schema `ensureSchema` was given for each table (column types). */
  readonly #schemas = new Map<string, TableSchema>();
  /** Staging tables this session created or cleared of leftovers. */
  readonly #stagingReady = new Set<string>();
  readonly #staged = new Set<string>();
  #datasetReady = false;
  #seq = 0n;
  #files = 0;
  #closed = false;

  private constructor(connection: SnowflakeConnection, config: SnowflakeConfig, ctx: OpenContext, tmpDir: string) {
    this.#connection = connection;
    this.#config = config;
    this.#dataset = ctx.datasetName;
    this.#staging = stagingSchemaOf(ctx.datasetName);
    this.#log = ctx.log;
    this.#tmpDir = tmpDir;
    this.#readOnly = ctx.readOnly === true;
  }

  /** Log in and prepare a local directory for the batch files. `importer` replaces `import()` of the driver (tests). */
  static async open(config: SnowflakeConfig, ctx: OpenContext, importer?: Importer): Promise<SnowflakeSession> {
    const connection = await SnowflakeConnection.connect(config, importer);
    try {
      const tmpDir = await mkdtemp(join(tmpdir(), 'notionflow-snowflake-'));
      return new SnowflakeSession(connection, config, ctx, tmpDir);
    } catch (err) {
      await connection.destroy();
      throw new DestinationError('snowflake', `could not create a directory for batch files: ${(err as Error).message}`, { cause: err });
    }
  }

  async readState(pipelineName: string, opts?: Abortable): Promise<StoredState | undefined> {
    opts?.signal?.throwIfAborted();
    const catalog = await this.#existingTables();
    if (!catalog.has(this.#key(this.#dataset, '_dlt_pipeline_state'))) return undefined;
    const [state] = await this.#rows(
      `SELECT "STATE", "_DLT_LOAD_ID" FROM ${this.#q('_dlt_pipeline_state')} WHERE "PIPELINE_NAME" = ? ORDER BY "VERSION" DESC LIMIT 1`,
      [pipelineName],
    );
    if (!state) return undefined;
    const loadId = String(state['_DLT_LOAD_ID']);
    let version: Record<string, unknown> | undefined;
    if (catalog.has(this.#key(this.#dataset, '_dlt_version'))) {
      // The schema the state was committed with (its load row names the hash); else the newest version.
      const [load] = await this.#rows(`SELECT "SCHEMA_VERSION_HASH" FROM ${this.#q('_dlt_loads')} WHERE "LOAD_ID" = ? LIMIT 1`, [loadId]);
      const hash = load?.['SCHEMA_VERSION_HASH'];
      if (typeof hash === 'string') {
        [version] = await this.#rows(`SELECT "SCHEMA", "VERSION_HASH" FROM ${this.#q('_dlt_version')} WHERE "VERSION_HASH" = ? ORDER BY "VERSION" DESC LIMIT 1`, [hash]);
      }
      version ??= (await this.#rows(`SELECT "SCHEMA", "VERSION_HASH" FROM ${this.#q('_dlt_version')} ORDER BY "VERSION" DESC LIMIT 1`))[0];
    }
    return storedStateOf(state['STATE'], loadId, version && { schema: version['SCHEMA'], versionHash: version['VERSION_HASH'] });
  }

  async ensureSchema(tables: readonly TableSchema[], opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ensureDataset();
    for (const table of tables) {
      await this.#ensureTable(table);
      await this.#ensureStagingTable(table);
      this.#schemas.set(table.name, table);
    }
  }

  async write(table: string, batch: RecordBatch, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    if (!this.#stagingReady.has(table)) throw new DestinationError('snowflake', `table "${table}" has no staging table; call ensureSchema first.`, { table });
    if (batch.numRows === 0) return;
    const format = this.#config.stageFormat ?? 'parquet';
    const fileName = `${this.#filePrefix}-${table}-${++this.#files}.${format}`;
    const localPath = join(this.#tmpDir, fileName);
    try {
      const columns = await writeStageFile(localPath, batch, this.#seq, format, this.#parquet);
      this.#seq += BigInt(batch.numRows);
      this.#log?.(`PUT ${fileName} @${qualified(this.#staging, STAGE_NAME)}`);
      await this.#connection.put(localPath, qualified(this.#staging, STAGE_NAME));
      await this.#exec(copyIntoSql(this.#staging, table, fileName, format, columns));
    } catch (err) {
      throw this.#error(`could not stage a batch of ${batch.numRows} rows`, err, table);
    } finally {
      await rm(localPath, { force: true });
    }
    this.#staged.add(table);
  }

  async commit(load: LoadCommit, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    await this.#ensureDataset();
    const catalog = await this.#existingTables();
    const exists = (t: string) => catalog.has(this.#key(this.#dataset, t));
    const byName = new Map(load.tables.map((t) => [t.name, t]));
    const rootOf = (name: string): TableSchema | undefined => {
      let t = byName.get(name);
      while (t?.parent !== undefined) t = byName.get(t.parent);
      return t;
    };
    const descendantsOf = (root: string) => load.tables.filter((t) => t.name !== root && rootOf(t.name)?.name === root && exists(t.name));
    // Staged tables, parents before children (the order of the schema).
    const staged = [...load.tables.map((t) => t.name).filter((n) => this.#staged.has(n)), ...[...this.#staged].filter((n) => !byName.has(n))];
    let current: string | undefined;
    await this.#exec('BEGIN');
    try {
      for (const root of load.replaceTables) {
        for (const t of [root, ...descendantsOf(root).map((d) => d.name)]) {
          current = t;
          if (exists(t)) await this.#exec(`DELETE FROM ${this.#q(t)}`);
        }
      }
      for (const spec of load.deletes ?? []) {
        if (!exists(spec.table) || spec.values.length === 0) continue;
        current = spec.table;
        await this.#deleteRows(spec, descendantsOf(spec.table));
      }
      for (const name of staged) {
        current = name;
        const root = rootOf(name);
        const merge = root?.writeDisposition === 'merge' && (root.primaryKey?.length ?? 0) > 0;
        if (!merge) await this.#insertStaged(name);
        else if (root!.name === name) await this.#mergeRoot(root!, descendantsOf(name), (t) => (current = t));
        else await this.#insertStaged(name, [DLT_COLUMNS.id]);
      }
      current = '_dlt_pipeline_state';
      const stateJson = JSON.stringify(load.state);
      // One state row per load: a checkpoint replaces the previous checkpoint's row of the same load.
      await this.#exec(`DELETE FROM ${this.#q('_dlt_pipeline_state')} WHERE "PIPELINE_NAME" = ? AND "_DLT_LOAD_ID" = ?`, [load.pipelineName, load.loadId]);
      await this.#exec(
        `INSERT INTO ${this.#q('_dlt_pipeline_state')} ("VERSION", "ENGINE_VERSION", "PIPELINE_NAME", "STATE", "CREATED_AT", "VERSION_HASH", "_DLT_LOAD_ID") ` +
          `SELECT COALESCE(MAX("VERSION"), 0) + 1, ${STATE_ENGINE_VERSION}, ?, ?, CURRENT_TIMESTAMP(), MD5(?), ? FROM ${this.#q('_dlt_pipeline_state')} WHERE "PIPELINE_NAME" = ?`,
        [load.pipelineName, stateJson, stateJson, load.loadId, load.pipelineName],
      );
      if (load.schemaChanged) {
        current = '_dlt_version';
        const schemaJson = JSON.stringify({ name: load.schemaName, version_hash: load.schemaVersionHash, tables: load.tables });
        await this.#exec(
          `INSERT INTO ${this.#q('_dlt_version')} ("VERSION", "ENGINE_VERSION", "INSERTED_AT", "SCHEMA_NAME", "VERSION_HASH", "SCHEMA") ` +
            `SELECT COALESCE(MAX("VERSION"), 0) + 1, ${SCHEMA_ENGINE_VERSION}, CURRENT_TIMESTAMP(), ?, ?, ? FROM ${this.#q('_dlt_version')} WHERE "SCHEMA_NAME" = ?`,
          [load.schemaName, load.schemaVersionHash, schemaJson, load.schemaName],
        );
      }
      current = '_dlt_loads';
      await this.#exec(`DELETE FROM ${this.#q('_dlt_loads')} WHERE "LOAD_ID" = ?`, [load.loadId]);
      await this.#exec(
        `INSERT INTO ${this.#q('_dlt_loads')} ("LOAD_ID", "SCHEMA_NAME", "STATUS", "INSERTED_AT", "SCHEMA_VERSION_HASH") VALUES (?, ?, ?, CURRENT_TIMESTAMP(), ?)`,
        [load.loadId, load.schemaName, load.final ? 0 : 1, load.schemaVersionHash],
      );
      for (const name of this.#staged) await this.#exec(`DELETE FROM ${qualified(this.#staging, name)}`);
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
      for (const name of this.#staged) await this.#exec(`DELETE FROM ${qualified(this.#staging, name)}`);
    } catch (err) {
      throw this.#error('rollback could not empty the staging tables', err);
    }
    this.#staged.clear();
  }

  /**
   * Run a query. In a read-only session it runs as a derived table, `SELECT * FROM (<sql>)`: Snowflake has
   * no read-only transaction (and its DDL commits at once), but its parser accepts only a query there, and
   * the driver sends one statement per request, so DDL and DML are refused by Snowflake itself.
   */
  async query(sql: string, opts?: Abortable): Promise<QueryResult> {
    opts?.signal?.throwIfAborted();
    let result;
    try {
      result = await this.#run(this.#readOnly ? `SELECT * FROM (\n${sql.trimEnd().replace(/;$/, '')}\n)` : sql);
    } catch (err) {
      throw this.#error(this.#readOnly ? 'query failed (read-only: only a single SELECT runs here, as SELECT * FROM (<query>))' : 'query failed', err);
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

  /** Insert a staging table's rows into its target; with `dedupeBy`, only the last staged row per key. */
  async #insertStaged(name: string, dedupeBy?: readonly string[]): Promise<void> {
    const columns = this.#columnsOf(name);
    const qualify = dedupeBy ? ` QUALIFY ROW_NUMBER() OVER (PARTITION BY ${columnList(dedupeBy)} ORDER BY "${STAGE_SEQ_COLUMN}" DESC) = 1` : '';
    await this.#exec(
      `INSERT INTO ${this.#q(name)} (${columnList(columns.map((c) => c.name))}) SELECT ${columns.map(stagedValue).join(', ')} FROM ${qualified(this.#staging, name)}${qualify}`,
    );
  }

  /**
   * Delete the rows of root table `spec.table` whose `spec.column` is one of `spec.values`, and first the
   * rows of its descendants that belong to them, in the open transaction. The values are `?` binds, at
   * most {@link DELETE_CHUNK} per statement.
   */
  async #deleteRows(spec: DeleteSpec, descendants: readonly TableSchema[]): Promise<void> {
    const root = this.#q(spec.table);
    for (let i = 0; i < spec.values.length; i += DELETE_CHUNK) {
      const values = spec.values.slice(i, i + DELETE_CHUNK);
      const match = `${quoteIdent(spec.column)} IN (${values.map(() => '?').join(', ')})`;
      for (const d of descendants) {
        await this.#exec(`DELETE FROM ${this.#q(d.name)} WHERE ${quoteIdent(DLT_COLUMNS.rootId)} IN (SELECT ${quoteIdent(DLT_COLUMNS.id)} FROM ${root} WHERE ${match})`, values);
      }
      await this.#exec(`DELETE FROM ${root} WHERE ${match}`, values);
    }
  }

  /** Delete-insert merge of a root table with its descendants, in the open transaction. */
  async #mergeRoot(root: TableSchema, descendants: readonly TableSchema[], at: (table: string) => void): Promise<void> {
    const target = this.#q(root.name);
    const staging = qualified(this.#staging, root.name);
    const keyMatch = root.primaryKey!.map((k) => `${target}.${quoteIdent(k)} = ${staging}.${quoteIdent(k)}`).join(' AND ');
    const id = quoteIdent(DLT_COLUMNS.id);
    const rootId = quoteIdent(DLT_COLUMNS.rootId);
    // Child rows of every merged root go, also in child tables that got no rows this time (a list that became empty).
    for (const child of descendants) {
      at(child.name);
      if (!this.#columnsOf(child.name).some((c) => c.name === DLT_COLUMNS.rootId)) {
        throw new DestinationError('snowflake', `child table "${child.name}" of merge table "${root.name}" has no ${DLT_COLUMNS.rootId} column.`, { table: child.name });
      }
      await this.#exec(
        `DELETE FROM ${this.#q(child.name)} WHERE ${rootId} IN (SELECT ${target}.${id} FROM ${target} JOIN ${staging} ON ${keyMatch} UNION ALL SELECT ${id} FROM ${staging})`,
      );
    }
    at(root.name);
    await this.#exec(`DELETE FROM ${target} USING ${staging} WHERE ${keyMatch}`);
    await this.#insertStaged(root.name, root.primaryKey!);
  }

  async #ensureDataset(): Promise<void> {
    if (this.#datasetReady) return;
    try {
      await this.#exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#dataset)}`);
      await this.#exec(`CREATE TRANSIENT SCHEMA IF NOT EXISTS ${quoteIdent(this.#staging)}`);
      await this.#exec(`CREATE STAGE IF NOT EXISTS ${qualified(this.#staging, STAGE_NAME)}`);
      for (const t of SYSTEM_TABLES) await this.#ensureTable(t);
    } catch (err) {
      throw this.#error(`could not create schema "${this.#dataset}"`, err);
    }
    this.#datasetReady = true;
  }

  /** Create a target table or add its missing columns. */
  async #ensureTable(table: TableSchema): Promise<void> {
    const catalog = await this.#existingTables();
    const key = this.#key(this.#dataset, table.name);
    try {
      const have = catalog.get(key);
      if (!have) {
        await this.#exec(createTableSql(this.#dataset, table.name, table.columns));
        catalog.set(key, new Set(table.columns.map((c) => c.name)));
        return;
      }
      for (const column of table.columns) {
        if (have.has(column.name)) continue;
        await this.#exec(addColumnSql(this.#dataset, table.name, column));
        have.add(column.name);
      }
    } catch (err) {
      throw this.#error(`could not create or alter table "${table.name}"`, err, table.name);
    }
  }

  /** Create a staging table or add its missing columns; the first time in a session, drop leftover rows. */
  async #ensureStagingTable(table: TableSchema): Promise<void> {
    const catalog = await this.#existingTables();
    const key = this.#key(this.#staging, table.name);
    try {
      const have = catalog.get(key);
      if (!have) {
        await this.#exec(createStagingSql(this.#staging, table.name, table.columns));
        catalog.set(key, new Set(table.columns.map((c) => c.name)));
      } else {
        for (const column of table.columns) {
          if (have.has(column.name)) continue;
          await this.#exec(addStagingColumnSql(this.#staging, table.name, column));
          have.add(column.name);
        }
        if (!this.#stagingReady.has(table.name)) await this.#exec(`DELETE FROM ${qualified(this.#staging, table.name)}`);
      }
    } catch (err) {
      throw this.#error(`could not prepare the staging table of "${table.name}"`, err, table.name);
    }
    this.#stagingReady.add(table.name);
  }

  /** The dataset's and staging schema's tables with their columns, read from the catalog once per session. */
  async #existingTables(): Promise<Map<string, Set<string>>> {
    if (this.#catalog) return this.#catalog;
    const rows = await this.#rows(
      'SELECT "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME" FROM INFORMATION_SCHEMA.COLUMNS WHERE "TABLE_SCHEMA" IN (?, ?) AND "TABLE_CATALOG" = CURRENT_DATABASE()',
      [this.#dataset.toUpperCase(), this.#staging.toUpperCase()],
    );
    const catalog = new Map<string, Set<string>>();
    for (const row of rows) {
      const key = this.#key(String(row['TABLE_SCHEMA']), String(row['TABLE_NAME']));
      const columns = catalog.get(key) ?? new Set<string>();
      columns.add(String(row['COLUMN_NAME']).toLowerCase());
      catalog.set(key, columns);
    }
    this.#catalog = catalog;
    return catalog;
  }

  /** The columns of a table as `ensureSchema` last described it. */
  #columnsOf(table: string): readonly ColumnSchema[] {
    const schema = this.#schemas.get(table);
    if (!schema) throw new DestinationError('snowflake', `table "${table}" was never passed to ensureSchema in this session.`, { table });
    return schema.columns;
  }

  #key(schema: string, table: string): string {
    return `${schema.toLowerCase()}.${table.toLowerCase()}`;
  }

  #q(table: string): string {
    return qualified(this.#dataset, table);
  }

  async #exec(sql: string, binds?: readonly Bind[]): Promise<void> {
    await this.#run(sql, binds);
  }

  async #rows(sql: string, binds?: readonly Bind[]): Promise<readonly Record<string, unknown>[]> {
    try {
      return (await this.#run(sql, binds)).rows;
    } catch (err) {
      throw this.#error('catalog query failed', err);
    }
  }

  #run(sql: string, binds?: readonly Bind[]) {
    this.#log?.(sql);
    return this.#connection.execute(sql, binds);
  }

  #error(what: string, err: unknown, table?: string, loadId?: string): DestinationError {
    if (err instanceof DestinationError) return err;
    return new DestinationError('snowflake', `${what}: ${describe(err)}`, {
      cause: redact(err),
      ...(table !== undefined ? { table } : {}),
      ...(loadId !== undefined ? { loadId } : {}),
    });
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
