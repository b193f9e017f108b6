import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { postgresColumnType } from './postgres-type-mapper.js';

/**
 * Quote an identifier for PostgreSQL: wrap it in double quotes and double any embedded quote. Every
 * schema, table and column name in generated SQL goes through here, so no name is ever SQL text.
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

/** `"schema"."table"`, both quoted. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * The qualified name of a table's staging twin: a TEMP table in the session's own `pg_temp` schema.
 * Temp tables are unlogged, invisible to other sessions and dropped with the connection, so staged
 * rows never leak, never collide with a concurrent load of the same dataset and need no cleanup.
 */
export function stagingName(table: string): string {
  return `pg_temp.${quoteIdent(table)}`;
}

/** `CREATE TABLE IF NOT EXISTS` for a target table. */
export function createTableSql(schema: string, table: string, columns: readonly ColumnSchema[]): string {
  const cols = columns.map((c) => `${quoteIdent(c.name)} ${postgresColumnType(c.dataType)}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (${cols.join(', ')})`;
}

/** `ALTER TABLE … ADD COLUMN` for a target table. New columns are always nullable: old rows have no value. */
export function addColumnSql(schema: string, table: string, column: ColumnSchema): string {
  return `ALTER TABLE ${qualified(schema, table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${postgresColumnType(column.dataType)}`;
}

/** `CREATE TEMP TABLE` for a staging table: the target's column types, no constraints. */
export function createStagingSql(table: string, columns: readonly ColumnSchema[]): string {
  const cols = columns.map((c) => `${quoteIdent(c.name)} ${postgresColumnType(c.dataType)}`);
  return `CREATE TEMP TABLE ${quoteIdent(table)} (${cols.join(', ')})`;
}

/** `ALTER TABLE … ADD COLUMN` for a staging table. */
export function addStagingColumnSql(table: string, column: ColumnSchema): string {
  return `ALTER TABLE ${stagingName(table)} ADD COLUMN ${quoteIdent(column.name)} ${postgresColumnType(column.dataType)}`;
}

/** `COPY <staging> (<columns>) FROM STDIN` in the given format. */
export function copyFromSql(table: string, columns: readonly ColumnSchema[], format: 'binary' | 'text'): string {
  return `COPY ${stagingName(table)} (${columnList(columns.map((c) => c.name))}) FROM STDIN WITH (FORMAT ${format})`;
}

/** A comma-separated list of quoted column names. */
export function columnList(names: readonly string[]): string {
  return names.map(quoteIdent).join(', ');
}
