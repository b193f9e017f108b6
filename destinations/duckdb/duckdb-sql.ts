import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { duckdbColumnType, duckdbStagingTypeName } from './duckdb-type-names.js';

/**
 * Quote an identifier for DuckDB: wrap it in double quotes and double any embedded quote. Every schema,
 * table and column name in generated SQL goes through here, so no name is ever SQL text.
 *
 * @example
 * ```ts
 * quoteIdent('order'); // '"order"'
 * quoteIdent('a"b');   // '"a""b"'
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A dotted name with every part quoted: `"catalog"."schema"."table"`. Sessions name tables with the
 * catalog too, because a dataset named like the database file (`bench` in `bench.duckdb`) is otherwise
 * an ambiguous reference.
 */
export function qualified(...parts: readonly string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** The qualified name of a table's staging twin: a TEMP table, private to the connection and never persisted. */
export function stagingName(table: string): string {
  return `temp.main.${quoteIdent(table)}`;
}

/** `CREATE TABLE IF NOT EXISTS` for a target table; `target` is a {@link qualified} name. */
export function createTableSql(target: string, columns: readonly ColumnSchema[]): string {
  const cols = columns.map((c) => `${quoteIdent(c.name)} ${duckdbColumnType(c.dataType)}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE IF NOT EXISTS ${target} (${cols.join(', ')})`;
}


/** `CREATE TEMP TABLE` for a staging table. */
export function createStagingSql(table: string, columns: readonly ColumnSchema[]): string {
  const cols = columns.map((c) => `${quoteIdent(c.name)} ${duckdbStagingTypeName(c.dataType)}`);
  return `CREATE TEMP TABLE IF NOT EXISTS ${quoteIdent(table)} (${cols.join(', ')})`;
}


/** A comma-separated list of quoted column names. */
export function columnList(names: readonly string[]): string {
  return names.map(quoteIdent).join(', ');
}
