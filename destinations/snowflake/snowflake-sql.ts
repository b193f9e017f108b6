import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { snowflakeColumnType, snowflakeStagingType } from './snowflake-type-mapper.js';

/**
 * Column of every staging table that numbers the staged rows in write order, so a merge keeps the last
 * staged row of a key. Upper case with a `_NF_` prefix; normalized names are lower case and cannot clash
 * with it unless a source column is literally named `_nf_stage_seq`.
 */
export const STAGE_SEQ_COLUMN = '_NF_STAGE_SEQ';

/** Name of the internal stage (in the staging schema) that receives the batch files. */
export const STAGE_NAME = 'NOTIONFLOW_STAGE';

/**
 * Quote an identifier for Snowflake, the one rule for every name notionflow generates: **upper-case it,
 * then quote it** (`order` → `"ORDER"`). Upper case is what Snowflake folds unquoted names to, so users can
 * query `select id from notion_data.pages` without quotes; the quotes make keywords (`order`, `select`)
 * safe. Normalized names are `[a-z_][a-z0-9_]*`, so upper-casing never merges two names.
 *
 * @example
 * ```ts
 * quoteIdent('order'); // '"ORDER"'
 * ```
 */
export function quoteIdent(name: string): string {
  return `"${name.toUpperCase().replaceAll('"', '""')}"`;
}

/** `"SCHEMA"."TABLE"`, both quoted. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * The schema that holds a dataset's staging tables and its stage (dlt's `<dataset>_staging`). Staging
 * tables are permanent TRANSIENT tables rather than TEMPORARY ones, so they are created before the commit
 * transaction (Snowflake DDL commits) and emptied inside it.
 */
export function stagingSchemaOf(dataset: string): string {
  return `${dataset}_staging`;
}

/** A comma-separated list of quoted column names. */
export function columnList(names: readonly string[]): string {
  return names.map(quoteIdent).join(', ');
}

/** `CREATE TABLE IF NOT EXISTS` for a target table. */
export function createTableSql(schema: string, table: string, columns: readonly ColumnSchema[]): string {
  const cols = columns.map((c) => `${quoteIdent(c.name)} ${snowflakeColumnType(c.dataType)}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (${cols.join(', ')})`;
}

/** `ALTER TABLE … ADD COLUMN` for a target table; new columns are nullable (old rows have no value). */
export function addColumnSql(schema: string, table: string, column: ColumnSchema): string {
  return `ALTER TABLE ${qualified(schema, table)} ADD COLUMN ${quoteIdent(column.name)} ${snowflakeColumnType(column.dataType)}`;
}

/** `CREATE TRANSIENT TABLE` for a staging table: the table's columns (JSON as text) plus the row sequence. */
export function createStagingSql(stagingSchema: string, table: string, columns: readonly ColumnSchema[]): string {
  const cols = columns.map((c) => `${quoteIdent(c.name)} ${snowflakeStagingType(c.dataType)}`);
  cols.push(`"${STAGE_SEQ_COLUMN}" NUMBER(19,0)`);
  return `CREATE TRANSIENT TABLE IF NOT EXISTS ${qualified(stagingSchema, table)} (${cols.join(', ')})`;
}

/** `ALTER TABLE … ADD COLUMN` for a staging table. */
export function addStagingColumnSql(stagingSchema: string, table: string, column: ColumnSchema): string {
  return `ALTER TABLE ${qualified(stagingSchema, table)} ADD COLUMN ${quoteIdent(column.name)} ${snowflakeStagingType(column.dataType)}`;
}

/** A single-quoted SQL string literal of a name notionflow generated (no backslashes, which Snowflake treats as escapes). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * `COPY INTO` a staging table from one file of the stage, then remove the file (`PURGE`). Parquet files
 * are matched by column name (missing columns load as NULL); CSV files list their columns in file order.
 */
export function copyIntoSql(stagingSchema: string, table: string, fileName: string, format: 'parquet' | 'csv', csvColumns: readonly string[]): string {
  const from = `FROM @${qualified(stagingSchema, STAGE_NAME)} FILES = (${quoteLiteral(fileName)})`;
  if (format === 'parquet') {
    return `COPY INTO ${qualified(stagingSchema, table)} ${from} FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_SENSITIVE PURGE = TRUE`;
  }
  const cols = csvColumns.map(quoteIdent).join(', ');
  return (
    `COPY INTO ${qualified(stagingSchema, table)} (${cols}) ${from} FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 ` +
    `FIELD_OPTIONALLY_ENCLOSED_BY = '"' EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () ` +
    `TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6TZH:TZM' DATE_FORMAT = 'YYYY-MM-DD') PURGE = TRUE`
  );
}

/** The staging-table expression that fills target column `column` (JSON text goes through PARSE_JSON, lists become ARRAYs). */
export function stagedValue(column: ColumnSchema): string {
  const name = quoteIdent(column.name);
  if (column.dataType === 'json') return `PARSE_JSON(${name})`;
  return column.dataType === 'text_list' ? `PARSE_JSON(${name})::ARRAY` : name;
}
