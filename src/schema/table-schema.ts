import type { DataType } from './data-types.js';

/** How a load's rows combine with what a table already holds (dlt's write dispositions). */
export type WriteDisposition = 'append' | 'replace' | 'merge';

/** One column of a table. */
export interface ColumnSchema {
  /** Normalized name, safe to quote as an identifier (see `src/schema/naming.ts`). */
  readonly name: string;
  readonly dataType: DataType;
  /** False only for primary-key and `_dlt_*` link columns. */
  readonly nullable: boolean;
  /** Set on a variant column `<col>__v_<type>` created by a type conflict on `<col>`. */
  readonly variantOf?: string;
}

/**
 * A table as notionflow knows it: resource tables (`pages`, `blocks`, …), their child tables
 * (`pages__properties__tags__multi_select`, linked by `_dlt_parent_id`/`_dlt_root_id`) and system tables.
 * Columns only ever get added, in the order they were first seen.
 */
export interface TableSchema {
  readonly name: string;
  readonly columns: readonly ColumnSchema[];
  /** The parent table of a child table; undefined for root tables. */
  readonly parent?: string;
  /** Primary key of a root table (`['id']` for the Notion resource tables). */
  readonly primaryKey?: readonly string[];
  /** Root tables carry their own; child tables follow their root. */
  readonly writeDisposition: WriteDisposition;
}

/** The columns dlt puts on every row, and notionflow too. */
export const DLT_COLUMNS = {
  loadId: '_dlt_load_id',
  id: '_dlt_id',
  parentId: '_dlt_parent_id',
  listIdx: '_dlt_list_idx',
  rootId: '_dlt_root_id',
} as const;
