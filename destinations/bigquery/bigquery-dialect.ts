import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { bigqueryColumnType } from './bigquery-type-mapper.js';

/**
 * Column of every staging table that numbers the staged rows in write order, so a merge keeps the last
 * staged row of a key (a load job keeps no row order). Normalized names cannot clash with it unless a
 * source column is literally named `_nf_stage_seq`; the introspector leaves it out of the columns.
 */
export const STAGE_SEQ_COLUMN = '_nf_stage_seq';

/**
 * GoogleSQL as BigQuery speaks it. Every name is quoted with backticks (`order` → `` `order` ``), and
 * tables are named in full, `` `project`.`dataset`.`table` ``, so no statement depends on a default
 * dataset. Parameters are named (`@p1`, `@p2`, …); string literals use backslash escapes and never span
 * a line, so that each statement of a script is one line and an error's `[line:column]` names it.
 *
 * Staging tables are persistent, in the dataset `<dataset>_staging` (dlt's name): BigQuery DDL cannot run
 * in a transaction, so they are created by `ensureSchema`, filled by load jobs, and emptied inside the
 * commit transaction. BigQuery's `DELETE` needs a `WHERE`, hence `WHERE TRUE`.
 */
export class BigQueryDialect implements SqlDialect {
  readonly name = 'bigquery';
  readonly staging = 'persistent' as const;
  /** BigQuery accepts queries of up to 1,024k characters; a thousand Notion ids take about 40k. */
  readonly maxInList = 1000;
  readonly #project: string;
  readonly #location: string;

  /** @param project the project that holds the datasets; @param location where new datasets are created. */
  constructor(project: string, location: string) {
    this.#project = project;
    this.#location = location;
  }

  quoteIdent(name: string): string {
    return `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
  }

  /** BigQuery keeps names as they are given. */
  storedName(name: string): string {
    return name;
  }

  /** `` `project`.`dataset` ``. */
  dataset(dataset: string): string {
    return `${this.quoteIdent(this.#project)}.${this.quoteIdent(dataset)}`;
  }

  table(dataset: string, table: string): string {
    return `${this.dataset(dataset)}.${this.quoteIdent(table)}`;
  }

  stagingTable(dataset: string, table: string): string {
    return this.table(this.stagingSchema(dataset), table);
  }

  param(index: number): string {
    return `@p${index}`;
  }

  literal(value: string): string {
    return `'${value.replace(/[\\'\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`))}'`;
  }

  now(): string {
    return 'CURRENT_TIMESTAMP()';
  }

  asText(expr: string, type: DataType): string {
    if (type === 'text') return expr;
    return type === 'json' || type === 'text_list' ? `TO_JSON_STRING(${expr})` : `CAST(${expr} AS STRING)`;
  }

  createDataset(dataset: string): readonly string[] {
    const options = ` OPTIONS (location = ${this.literal(this.#location)})`;
    return [`CREATE SCHEMA IF NOT EXISTS ${this.dataset(dataset)}${options}`, `CREATE SCHEMA IF NOT EXISTS ${this.dataset(this.stagingSchema(dataset))}${options}`];
  }

  dropDataset(dataset: string): readonly string[] {
    return [`DROP SCHEMA IF EXISTS ${this.dataset(dataset)} CASCADE`, `DROP SCHEMA IF EXISTS ${this.dataset(this.stagingSchema(dataset))} CASCADE`];
  }

  createTable(dataset: string, table: string, columns: readonly ColumnSchema[]): string {
    // A REPEATED field has no NOT NULL (its mode is REPEATED, not REQUIRED).
    const cols = columns.map((c) => `${this.#column(c)}${c.nullable || c.dataType === 'text_list' ? '' : ' NOT NULL'}`);
    return `CREATE TABLE IF NOT EXISTS ${this.table(dataset, table)} (${cols.join(', ')})`;
  }

  addColumn(dataset: string, table: string, column: ColumnSchema): string {
    return `ALTER TABLE ${this.table(dataset, table)} ADD COLUMN IF NOT EXISTS ${this.#column(column)}`;
  }

  stagingSchema(dataset: string): string {
    return `${dataset}_staging`;
  }

  createStaging(dataset: string, table: string, columns: readonly ColumnSchema[]): readonly string[] {
    const cols = [...columns.map((c) => this.#column(c)), `${this.quoteIdent(STAGE_SEQ_COLUMN)} INT64`];
    return [`CREATE TABLE IF NOT EXISTS ${this.stagingTable(dataset, table)} (${cols.join(', ')})`];
  }

  addStagingColumn(dataset: string, table: string, column: ColumnSchema): string {
    return `ALTER TABLE ${this.stagingTable(dataset, table)} ADD COLUMN IF NOT EXISTS ${this.#column(column)}`;
  }

  emptyStaging(stagingTables: readonly string[]): readonly string[] {
    return stagingTables.map((t) => this.deleteAll(t));
  }

  deleteAll(target: string): string {
    return `DELETE FROM ${target} WHERE TRUE`;
  }

  stagedValue(column: ColumnSchema): string {
    // Staging columns have the target's types: the load job already parsed JSON, timestamps and lists.
    return this.quoteIdent(column.name);
  }

  lastStagedPerKey(staging: string, key: readonly string[], columns: readonly ColumnSchema[]): string {
    const select = columns.map((c) => this.stagedValue(c)).join(', ');
    const partition = key.map((k) => this.quoteIdent(k)).join(', ');
    // QUALIFY needs a WHERE, GROUP BY or HAVING clause in BigQuery.
    return `SELECT ${select} FROM ${staging} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY ${this.quoteIdent(STAGE_SEQ_COLUMN)} DESC) = 1`;
  }

  #column(column: ColumnSchema): string {
    return `${this.quoteIdent(column.name)} ${bigqueryColumnType(column.dataType)}`;
  }
}
