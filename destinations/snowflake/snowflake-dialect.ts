import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import {
  STAGE_NAME,
  STAGE_SEQ_COLUMN,
  addColumnSql,
  addStagingColumnSql,
  columnList,
  createStagingSql,
  createTableSql,
  qualified,
  quoteIdent,
  stagedValue,
  stagingSchemaOf,
} from './snowflake-sql.js';

/**
 * Snowflake's SQL. Names are upper-cased and quoted (see `quoteIdent`). Snowflake DDL commits at once, so
 * staging is persistent: TRANSIENT twins of the tables in `<dataset>_staging`, created by `ensureSchema`
 * before any transaction, emptied inside the commit. Each staged row carries {@link STAGE_SEQ_COLUMN}, its
 * position in write order, so a merge keeps the last staged row of a key.
 */
export const snowflakeDialect: SqlDialect = {
  name: 'snowflake',
  staging: 'persistent',
  maxInList: 1000,
  quoteIdent,
  storedName: (name) => name.toUpperCase(),
  table: (dataset, table) => qualified(dataset, table),
  stagingTable: (dataset, table) => qualified(stagingSchemaOf(dataset), table),
  stagingSchema: stagingSchemaOf,
  param: () => '?',
  // Snowflake string literals treat the backslash as an escape.
  literal: (value) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`,
  now: () => 'CURRENT_TIMESTAMP()',
  asText: (expr: string, type: DataType) => (type === 'text' ? expr : `TO_VARCHAR(${expr})`),
  createDataset: (dataset) => [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(dataset)}`,
    `CREATE TRANSIENT SCHEMA IF NOT EXISTS ${quoteIdent(stagingSchemaOf(dataset))}`,
    `CREATE STAGE IF NOT EXISTS ${qualified(stagingSchemaOf(dataset), STAGE_NAME)}`,
  ],
  dropDataset: (dataset) => [`DROP SCHEMA IF EXISTS ${quoteIdent(stagingSchemaOf(dataset))} CASCADE`, `DROP SCHEMA IF EXISTS ${quoteIdent(dataset)} CASCADE`],
  createTable: (dataset, table, columns) => createTableSql(dataset, table, columns),
  addColumn: (dataset, table, column) => addColumnSql(dataset, table, column),
  createStaging: (dataset, table, columns) => [createStagingSql(stagingSchemaOf(dataset), table, columns)],
  addStagingColumn: (dataset, table, column) => addStagingColumnSql(stagingSchemaOf(dataset), table, column),
  emptyStaging: (tables) => tables.map((t) => `DELETE FROM ${t}`),
  deleteAll: (target) => `DELETE FROM ${target}`,
  stagedValue: (column: ColumnSchema) => stagedValue(column),
  lastStagedPerKey: (staging, key, columns) =>
    `SELECT ${columns.map(stagedValue).join(', ')} FROM ${staging} QUALIFY ROW_NUMBER() OVER (PARTITION BY ${columnList(key)} ORDER BY "${STAGE_SEQ_COLUMN}" DESC) = 1`,
};
