import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { columnList, createStagingSql, createTableSql, qualified, quoteIdent, stagingName } from './duckdb-sql.js';
import { duckdbColumnType, duckdbStagingTypeName } from './duckdb-type-names.js';

/**
 * DuckDB's SQL. Tables are named with the file's catalog too (`"catalog"."dataset"."table"`): a dataset
 * named like the database file (`bench` in `bench.duckdb`) is otherwise an ambiguous reference. The
 * catalog is read when the connection opens ({@link DuckDBDialect.catalog}), before any SQL is built.
 *
 * Staging tables are TEMP tables (private to the connection, never written to the file); JSON is staged
 * as VARCHAR and cast at commit, which validates the documents. A merge materializes the matched root ids
 * once in a TEMP table rather than scanning the root per child table.
 */
export class DuckDBDialect implements SqlDialect {
  readonly name = 'duckdb';
  readonly staging = 'temporary';
  readonly mergedIdsTable = 'temp.main."_notionflow_merged_ids"';
  readonly maxInList = 50_000;
  /** The database's catalog name (`current_database()`), set when the connection opens. */
  catalog = 'memory';

  quoteIdent(name: string): string {
    return quoteIdent(name);
  }
  storedName(name: string): string {
    return name;
  }
  table(dataset: string, table: string): string {
    return qualified(this.catalog, dataset, table);
  }
  stagingTable(_dataset: string, table: string): string {
    return stagingName(table);
  }
  stagingSchema(): string {
    return 'temp';
  }
  param(index: number): string {
    return `$${index}`;
  }
  literal(value: string): string {
    return `'${value.replaceAll("'", "''")}'`;
  }
  now(): string {
    return 'now()';
  }
  asText(expr: string, type: DataType): string {
    return type === 'text' ? expr : `CAST(${expr} AS VARCHAR)`;
  }
  createDataset(dataset: string): readonly string[] {
    return [`CREATE SCHEMA IF NOT EXISTS ${qualified(this.catalog, dataset)}`];
  }
  dropDataset(dataset: string): readonly string[] {
    return [`DROP SCHEMA IF EXISTS ${qualified(this.catalog, dataset)} CASCADE`];
  }
  createTable(dataset: string, table: string, columns: readonly ColumnSchema[]): string {
    return createTableSql(this.table(dataset, table), columns);
  }
  addColumn(dataset: string, table: string, column: ColumnSchema): string {
    return `ALTER TABLE ${this.table(dataset, table)} ADD COLUMN ${quoteIdent(column.name)} ${duckdbColumnType(column.dataType)}`;
  }
  createStaging(_dataset: string, table: string, columns: readonly ColumnSchema[]): readonly string[] {
    return [`DROP TABLE IF EXISTS ${stagingName(table)}`, createStagingSql(table, columns)];
  }
  addStagingColumn(_dataset: string, table: string, column: ColumnSchema): string {
    return `ALTER TABLE ${stagingName(table)} ADD COLUMN ${quoteIdent(column.name)} ${duckdbStagingTypeName(column.dataType)}`;
  }
  emptyStaging(stagingTables: readonly string[]): readonly string[] {
    return stagingTables.map((t) => `DELETE FROM ${t}`);
  }
  deleteAll(target: string): string {
    return `DELETE FROM ${target}`;
  }
  stagedValue(column: ColumnSchema): string {
    return quoteIdent(column.name);
  }
  lastStagedPerKey(staging: string, key: readonly string[], columns: readonly ColumnSchema[]): string {
    // A TEMP table only ever appended to keeps insertion order in rowid.
    return `SELECT ${columnList(columns.map((c) => c.name))} FROM ${staging} QUALIFY row_number() OVER (PARTITION BY ${columnList(key)} ORDER BY rowid DESC) = 1`;
  }
}
