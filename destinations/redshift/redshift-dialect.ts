import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { REDSHIFT_MAX_VARCHAR_BYTES, redshiftColumnType, redshiftStagingType } from './redshift-type-mapper.js';

/**
 * The first column of every staging table: the staged rows numbered in write order, so that a merge keeps
 * the last staged row of a key (Redshift has no row order of its own, no `ctid`). First, because a Parquet
 * `COPY` loads by position and columns added later go to the end. Normalized names cannot clash with it
 * unless a source column is literally named `_nf_stage_seq`.
 */
export const STAGE_SEQ_COLUMN = '_nf_stage_seq';

/**
 * Quote an identifier for Redshift, the one rule for every name notionflow generates: **lower-case it,
 * then quote it** (`Order` → `"order"`). Redshift folds quoted names to lower case itself (unless
 * `enable_case_sensitive_identifier` is on), so writing them folded keeps the SQL meaning the same on every
 * cluster; the quotes make keywords (`order`, `select`) safe.
 *
 * @example
 * ```ts
 * quoteIdent('order'); // '"order"'
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.toLowerCase().replaceAll('"', '""')}"`;
}

/**
 * A Redshift string literal. Redshift reads a backslash in a literal as an escape (`QUOTE_LITERAL` doubles
 * them), so backslashes are doubled as well as quotes.
 */
export function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

const VARCHAR = `VARCHAR(${REDSHIFT_MAX_VARCHAR_BYTES})`;

/** How Redshift spells the SQL core's statements: the common subset of Redshift and PostgreSQL, nothing else. */
export const redshiftDialect: SqlDialect = {
  name: 'redshift',
  quoteIdent,
  storedName: (name) => name.toLowerCase(),
  table: (dataset, table) => `${quoteIdent(dataset)}.${quoteIdent(table)}`,
  // A TEMP table lives in the session's own schema, which Redshift searches first; it cannot be named, so the
  // staging table is referred to unqualified (and only after this session created it).
  stagingTable: (_dataset, table) => quoteIdent(table),
  // Parameters are typed: Redshift infers no type for a bare `$n` in a select list.
  param: (index: number, type: DataType) => `CAST($${index} AS ${type === 'bigint' ? 'BIGINT' : VARCHAR})`,
  literal,
  // GETDATE() is the statement's time (seconds) and runs on compute nodes; now() is leader-node only.
  now: () => 'GETDATE()',
  asText: (expr, type) => (type === 'text' ? expr : type === 'json' ? `JSON_SERIALIZE(${expr})` : `CAST(${expr} AS ${VARCHAR})`),

  createDataset: (dataset) => [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(dataset)}`],
  dropDataset: (dataset) => [`DROP SCHEMA IF EXISTS ${quoteIdent(dataset)} CASCADE`],
  createTable: (dataset, table, columns) =>
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(dataset)}.${quoteIdent(table)} (${columns.map((c) => `${quoteIdent(c.name)} ${redshiftColumnType(c.dataType)}${c.nullable ? '' : ' NOT NULL'}`).join(', ')})`,
  // Redshift adds one column per statement and has no ADD COLUMN IF NOT EXISTS; the core adds only missing ones.
  addColumn: (dataset, table, column) => `ALTER TABLE ${quoteIdent(dataset)}.${quoteIdent(table)} ADD COLUMN ${quoteIdent(column.name)} ${redshiftColumnType(column.dataType)}`,

  staging: 'temporary',
  // Unused: staging tables are TEMP tables.
  stagingSchema: (dataset) => dataset,
  createStaging: (_dataset, table, columns) => [
    `CREATE TEMP TABLE ${quoteIdent(table)} (${[`${quoteIdent(STAGE_SEQ_COLUMN)} BIGINT NOT NULL`, ...columns.map(stagingColumn)].join(', ')})`,
  ],
  addStagingColumn: (_dataset, table, column) => `ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${stagingColumn(column)}`,
  // DELETE, not TRUNCATE: TRUNCATE commits the transaction it runs in.
  emptyStaging: (tables) => tables.map((t) => `DELETE FROM ${t}`),

  deleteAll: (target) => `DELETE FROM ${target}`,
  stagedValue: (column) => (column.dataType === 'json' ? `JSON_PARSE(${quoteIdent(column.name)})` : quoteIdent(column.name)),
  lastStagedPerKey: (staging, key, columns) => {
    const rn = quoteIdent('_nf_stage_rn');
    const keys = key.map(quoteIdent).join(', ');
    return (
      `SELECT ${columns.map((c) => redshiftDialect.stagedValue(c)).join(', ')} FROM ` +
      `(SELECT *, ROW_NUMBER() OVER (PARTITION BY ${keys} ORDER BY ${quoteIdent(STAGE_SEQ_COLUMN)} DESC) AS ${rn} FROM ${staging}) AS ${quoteIdent('s')} ` +
      `WHERE ${rn} = 1`
    );
  },
  maxInList: 1000,
  // State and schema longer than a VARCHAR are stored in parts (the core splits them).
  maxTextBytes: REDSHIFT_MAX_VARCHAR_BYTES,
};

function stagingColumn(column: ColumnSchema): string {
  return `${quoteIdent(column.name)} ${redshiftStagingType(column.dataType)}`;
}
