import type { RecordBatch, Table } from 'apache-arrow';
import type { DataType } from '../src/schema/data-types.js';
import type { TableSchema, WriteDisposition } from '../src/schema/table-schema.js';
import type { SqlDialect } from './sql/sql-dialect.js';

/** Options every async destination call accepts. */
export interface Abortable {
  readonly signal?: AbortSignal;
}

/**
 * What a destination can do. The pipeline reads these and never branches on a destination's name.
 * Build it with `defineCapabilities()` so new fields get defaults.
 */
export interface DestinationCapabilities {
  /**
   * Column types the destination stores natively. Every destination stores the scalar types and `json`;
   * `text_list` only where listed: without it the pipeline declares list columns as `json` instead
   * (see `DEFAULT_CAPABILITIES`), so such a destination never receives a List column.
   */
  readonly supportedTypes: readonly DataType[];
  readonly writeDispositions: readonly WriteDisposition[];
  /** `delete-insert`: delete the rows whose key is staged, then insert the staged rows. */
  readonly mergeStrategies: readonly ('delete-insert' | 'upsert')[];
  /** Data, state and the load row commit in one transaction. */
  readonly supportsTransactions: boolean;
  /** DDL can run inside that transaction. */
  readonly supportsTransactionalDdl: boolean;
  /** Longest identifier the destination accepts, in bytes; longer names are shortened with a hash. */
  readonly maxIdentifierLength: number;
  /** Whether quoted identifiers keep their case (Snowflake and Redshift fold them). */
  readonly caseSensitiveIdentifiers: boolean;
  /**
   * Longest text value the destination stores, in UTF-8 bytes: a longer one is cut to the longest prefix
   * of whole characters that fits (Redshift: 65535, its VARCHAR limit). Infinity: no limit.
   */
  readonly maxTextBytes: number;
  /**
   * Whether a stored `text_list` keeps null items and a NULL list apart from an empty one. BigQuery's
   * REPEATED fields do neither: null items are left out and a NULL list reads back as `[]`.
   */
  readonly listsKeepNulls: boolean;
  /**
   * Where the `information_schema` views readers query live: one set per database
   * (`information_schema.columns`: DuckDB, PostgreSQL, Snowflake) or one per dataset
   * (`<dataset>.INFORMATION_SCHEMA.COLUMNS`: BigQuery).
   */
  readonly catalogScope: 'database' | 'dataset';
  /** Precision of stored timestamps: 3 = ms, 6 = µs, 9 = ns. */
  readonly timestampPrecision: 3 | 6 | 9;
  /** The batch size the destination writes best; `toRecordBatches` cuts at whichever comes first. */
  readonly preferredBatch: { readonly maxRows: number; readonly maxBytes: number };
  /** How the destination ingests a batch (informational, shown in the load info). */
  readonly loadFormat: 'appender' | 'insert' | 'copy' | 'parquet' | 'jsonl' | 'arrow' | 'custom';
  /** Whether `session.query()` is available (the `dataset()` API needs it). */
  readonly queryable: boolean;
  /**
   * Whether a commit applies `LoadCommit.deletes` (a replaced block tree's old rows, trashed pages).
   * Append-only destinations (files, most custom sinks) do not: the load info says so, and readers
   * deduplicate by `_dlt_id`, keeping the newest `_dlt_load_id`.
   */
  readonly appliesDeletes: boolean;
}

/** What the pipeline tells a destination when it opens a session. */
export interface OpenContext {
  readonly pipelineName: string;
  /** Dataset (schema, folder) the tables live in. */
  readonly datasetName: string;
  /**
   * Receives one line per SQL statement or file operation, for debugging; never sees secrets. SQL
   * destinations call it synchronously as each commit statement goes to the engine, inside the
   * transaction, with `BEGIN` before the first and `COMMIT` once committed, and with `-- stage …` before
   * each batch is staged: crash tests kill the process from here (test/helpers/kill-child.ts).
   */
  readonly log?: (line: string) => void;
  /**
   * Open for reading only (`dataset()`, the CLI's read commands): the session creates nothing, and its
   * `query`/`queryArrow` refuse anything but a read, by the database's own means (a read-only
   * connection or transaction, the parser's statement type), never by matching the SQL text. A
   * destination with nothing at its location (no DuckDB file) fails to open with a
   * `PipelineNotFoundError`. Default false.
   */
  readonly readOnly?: boolean;
}

/** The pipeline state as stored in `_dlt_pipeline_state`, with the schema of `_dlt_version`. */
export interface StoredState {
  /** JSON-serialisable pipeline state (cursors, checkpoints). */
  readonly state: Readonly<Record<string, unknown>>;
  /** The stored schema's tables, so inference resumes with the same types. */
  readonly tables: readonly TableSchema[];
  readonly schemaVersionHash: string;
  /** Load id of the load that wrote this state. */
  readonly loadId: string;
}

/**
 * Rows to delete in a commit, before its staged rows are applied: the rows of root table `table` whose
 * `column` holds one of `values`, and the rows of its descendant tables that belong to them (by
 * `_dlt_root_id`). The pipeline uses it to replace a page's block tree and comments, and for trash and
 * hard deletes.
 */
export interface DeleteSpec {
  readonly table: string;
  readonly column: string;
  readonly values: readonly string[];
}

/**
 * One atomic commit: everything written since the previous commit, plus state and the load row.
 * A long load commits several times (checkpoints); every commit of a load replaces that load's
 * `_dlt_pipeline_state` row, so the state table keeps one row per load.
 */
export interface LoadCommit {
  readonly loadId: string;
  readonly pipelineName: string;
  /** Schema name in `_dlt_loads` / `_dlt_version` (the source name, e.g. `notion`). */
  readonly schemaName: string;
  /** The complete current schema (every table ever seen), so merges can clear child tables that got no rows. */
  readonly tables: readonly TableSchema[];
  readonly schemaVersionHash: string;
  /** True when the schema changed since the stored version: write a `_dlt_version` row. */
  readonly schemaChanged: boolean;
  readonly state: Readonly<Record<string, unknown>>;
  /** Tables that received rows since the previous commit (with their disposition). */
  readonly writtenTables: readonly string[];
  /**
   * Root tables to empty before this commit's rows are applied (write disposition `replace`,
   * first commit of the load only). Their child tables are emptied too.
   */
  readonly replaceTables: readonly string[];
  /** True for the last commit of a load: the `_dlt_loads` row gets status 0 then. */
  readonly final: boolean;
  /** Rows to delete before the staged rows are applied (tables that do not exist yet are skipped). */
  readonly deletes?: readonly DeleteSpec[];
}

/** A result set from `session.query()`: column names and rows of plain JS values. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * One connection's worth of work against a destination.
 *
 * Order (enforced by `RuntimeSession`): `readState` → (`ensureSchema`* → `write`* → `commit`)* → `close`,
 * with `rollback` instead of `commit` after an error. Nothing written becomes visible before `commit`.
 */
export interface DestinationSession {
  /** The last committed state of this pipeline, or undefined on a first run. */
  readState(pipelineName: string, opts?: Abortable): Promise<StoredState | undefined>;
  /** Create missing tables and add missing columns so the destination matches `tables`. Idempotent. */
  ensureSchema(tables: readonly TableSchema[], opts?: Abortable): Promise<void>;
  /** Stage a batch for `table` (whose schema was ensured). Its schema is a prefix-compatible subset of the table's. */
  write(table: string, batch: RecordBatch, opts?: Abortable): Promise<void>;
  /** Apply staged rows with each table's disposition, store state and the load row, atomically. */
  commit(load: LoadCommit, opts?: Abortable): Promise<void>;
  /** Discard everything staged since the last commit. */
  rollback(opts?: Abortable): Promise<void>;
  /** Run a read-only SQL query (destinations with `capabilities.queryable`). */
  query?(sql: string, opts?: Abortable): Promise<QueryResult>;
  /**
   * Run a read-only SQL query and return the result as an Arrow table (what `dataset().table(x).toArrow()`
   * uses). Optional even for queryable destinations; fall back to `query` when absent.
   */
  queryArrow?(sql: string, opts?: Abortable): Promise<Table>;
  /** Drop the dataset: every table of it, with the pipelines' state (`notionflow drop`). Optional. */
  dropDataset?(opts?: Abortable): Promise<void>;
  /** Release connections and files. Idempotent. */
  close(): Promise<void>;
}

/**
 * A destination: a name, frozen capabilities and a way to open sessions.
 *
 * @example
 * ```ts
 * const dest = duckdb({ path: 'notion.duckdb' });
 * const session = await dest.open({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
 * ```
 */
export interface Destination {
  /** Short name shown in load info (`duckdb`, `postgres`, …). */
  readonly name: string;
  readonly capabilities: DestinationCapabilities;
  /** Where the data goes (file path, URL without credentials); shown in load info. Never contains secrets. */
  location(ctx: Pick<OpenContext, 'pipelineName' | 'datasetName'>): string;
  /**
   * How a SQL destination names things, for SQL written against it (`dataset().table()`, the CLI, the
   * dashboard). Absent: ANSI double quotes, names kept as they are.
   */
  readonly dialect?: Pick<SqlDialect, 'quoteIdent' | 'storedName'>;
  open(ctx: OpenContext, opts?: Abortable): Promise<DestinationSession>;
}
