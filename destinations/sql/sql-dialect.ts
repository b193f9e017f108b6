import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';

/**
 * How one SQL engine spells things: names, types, parameters and the few statements that differ between
 * engines. A dialect is pure (no connection, no I/O), so everything the core builds from it — schema DDL,
 * commit plans, state reads — can be unit-tested without a database, in the manner of kysely's dialects.
 *
 * Every name notionflow generates goes through {@link SqlDialect.quoteIdent}, so no name is ever SQL
 * text; values are parameters or {@link SqlDialect.literal}s.
 */
export interface SqlDialect {
  /** The destination's name (`duckdb`, `postgres`, …), used in errors. */
  readonly name: string;
  /** Quote one identifier, folding it the way the engine stores it (Snowflake: upper case). */
  quoteIdent(name: string): string;
  /** A name as the engine stores it, unquoted (Snowflake folds to upper case; most keep it). */
  storedName(name: string): string;
  /** The qualified name of a table of the dataset. */
  table(dataset: string, table: string): string;
  /** The qualified name of a table's staging twin. */
  stagingTable(dataset: string, table: string): string;
  /** Placeholder of the `index`-th (1-based) parameter of a statement, of type `type`. Each placeholder is used once. */
  param(index: number, type: DataType): string;
  /** A string literal. */
  literal(value: string): string;
  /** The current time, as a timestamp expression. */
  now(): string;
  /** `expr` of column type `type` as text (to compare it with string values). */
  asText(expr: string, type: DataType): string;

  /** Statements that create the dataset (and, with persistent staging, the staging schema). */
  createDataset(dataset: string): readonly string[];
  /** Statements that drop the dataset with all its tables. */
  dropDataset(dataset: string): readonly string[];
  /** `CREATE TABLE` of a target table. */
  createTable(dataset: string, table: string, columns: readonly ColumnSchema[]): string;
  /** `ALTER TABLE … ADD COLUMN` of a target table (always nullable: old rows have no value). */
  addColumn(dataset: string, table: string, column: ColumnSchema): string;

  /**
   * Where staging tables live. `temporary`: private to the connection, created at the first write of a
   * session (DuckDB, PostgreSQL). `persistent`: tables in a staging schema, created by `ensureSchema`
   * before any transaction (engines whose DDL commits) and emptied at first use.
   */
  readonly staging: 'temporary' | 'persistent';
  /** The schema that holds persistent staging tables (dlt's `<dataset>_staging`); unused with temporary staging. */
  stagingSchema(dataset: string): string;
  /** Statements that create a staging table with `columns` (a temporary one may replace a leftover). */
  createStaging(dataset: string, table: string, columns: readonly ColumnSchema[]): readonly string[];
  /** `ALTER TABLE … ADD COLUMN` of a staging table. */
  addStagingColumn(dataset: string, table: string, column: ColumnSchema): string;
  /** Statements that empty the given staging tables (qualified names). */
  emptyStaging(stagingTables: readonly string[]): readonly string[];

  /** `DELETE` every row of a target table. */
  deleteAll(target: string): string;
  /** The expression that fills target column `column` from the staging column of the same name. */
  stagedValue(column: ColumnSchema): string;
  /**
   * A `SELECT` of `columns` (staged values) from `staging`, keeping only the last staged row per `key`
   * (rows staged later win): the insert half of a delete-insert merge.
   */
  lastStagedPerKey(staging: string, key: readonly string[], columns: readonly ColumnSchema[]): string;
  /**
   * A table, private to the connection, that a merge may fill with the matched root ids before deleting
   * their child rows (DuckDB: faster than a subquery per child table); undefined: a subquery per table.
   */
  readonly mergedIdsTable?: string;
  /** Most values in one `IN (…)` list; longer delete lists are split. */
  readonly maxInList: number;
}
