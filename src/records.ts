import type { RecordBatch } from 'apache-arrow';
import type { DataType } from './schema/data-types.js';
import type { WriteDisposition } from './schema/table-schema.js';

/**
 * A page of objects of one resource, as they travel from the resources through the operators:
 * one Notion API result page (or the expanded items of one) tagged with the resource it belongs to.
 * The resource name is the root table name (`users`, `pages`, `blocks`, …).
 */
export interface ResourcePage<T = Record<string, unknown>> {
  readonly resource: string;
  readonly items: readonly T[];
  /**
   * The table's shape when the source knows it (Notion's typed database tables, `page_content`): the
   * items are already flat rows keyed by column name — lists stay list values, nothing becomes a child
   * table — and their columns are declared with these types instead of inferred.
   */
  readonly table?: TableDeclaration;
}

/** A root table whose columns a source declares (see {@link ResourcePage.table}). */
export interface TableDeclaration {
  readonly primaryKey: readonly string[];
  readonly writeDisposition: WriteDisposition;
  /** Every column the rows may hold (besides `_dlt_load_id` and `_dlt_id`), in table order. */
  readonly columns: readonly { readonly name: string; readonly dataType: DataType }[];
}

/**
 * A row of one table after normalization. Values, by column type:
 * text → string; bigint → number (safe integer) or bigint; double → number; bool → boolean;
 * timestamp → number (epoch milliseconds, UTC); date → string `YYYY-MM-DD`; json → string (JSON text);
 * text_list → array of strings and nulls (`[]` is an empty list); missing → null or absent.
 */
export type Row = Record<string, unknown>;

/** Rows of one table produced from one {@link ResourcePage}. */
export interface TableRows {
  readonly table: string;
  /** The parent table of a child table (`pages` for `pages__properties__tags__multi_select`). */
  readonly parent?: string;
  readonly rows: Row[];
  /** Set for the rows of a declared table (see {@link ResourcePage.table}). */
  readonly declared?: TableDeclaration;
}

/** What `normalize` emits per {@link ResourcePage}: the rows of the root table and of its child tables. */
export interface NormalizedPage {
  readonly resource: string;
  readonly tables: readonly TableRows[];
}

/** An Arrow RecordBatch for one table; its schema is that table's schema when the batch was cut. */
export interface TableBatch {
  readonly table: string;
  readonly batch: RecordBatch;
}
