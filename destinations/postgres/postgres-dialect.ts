import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { addColumnSql, addStagingColumnSql, columnList, createStagingSql, createTableSql, qualified, quoteIdent, stagingName } from './postgres-sql.js';

/**
 * PostgreSQL's SQL. Staging tables are TEMP tables in the session's own `pg_temp` schema: unlogged,
 * invisible to other sessions and dropped with the connection, so staged rows never leak and never
 * collide with a concurrent load of the same dataset. Parameters carry their type (`$1::text`), so an
 * `INSERT … SELECT` of parameters never leaves one untyped.
 */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  staging: 'temporary',
  maxInList: 10_000,
  quoteIdent,
  storedName: (name) => name,
  table: (dataset, table) => qualified(dataset, table),
  stagingTable: (_dataset, table) => stagingName(table),
  stagingSchema: () => 'pg_temp',
  param: (index, type) => `$${index}::${type === 'bigint' ? 'bigint' : 'text'}`,
  literal: (value) => `'${value.replaceAll("'", "''")}'`,
  now: () => 'now()',
  asText: (expr: string, type: DataType) => (type === 'text' ? expr : `${expr}::text`),
  createDataset: (dataset) => [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(dataset)}`],
  dropDataset: (dataset) => [`DROP SCHEMA IF EXISTS ${quoteIdent(dataset)} CASCADE`],
  createTable: (dataset, table, columns) => createTableSql(dataset, table, columns),
  addColumn: (dataset, table, column) => addColumnSql(dataset, table, column),
  createStaging: (_dataset, table, columns) => [`DROP TABLE IF EXISTS ${stagingName(table)}`, createStagingSql(table, columns)],
  addStagingColumn: (_dataset, table, column) => addStagingColumnSql(table, column),
  emptyStaging: (tables) => (tables.length === 0 ? [] : [`TRUNCATE ${tables.join(', ')}`]),
  deleteAll: (target) => `DELETE FROM ${target}`,
  stagedValue: (column: ColumnSchema) => quoteIdent(column.name),
  // ctid order is insertion order in a staging table only ever appended to.
  lastStagedPerKey: (staging, key, columns) =>
    `SELECT ${columnList(columns.map((c) => c.name))} FROM (SELECT DISTINCT ON (${columnList(key)}) * FROM ${staging} ORDER BY ${columnList(key)}, ctid DESC) AS s`,
};
