import { Field } from 'apache-arrow';
import { arrowTypeOf, DATA_TYPE_METADATA_KEY } from '../../src/arrow/arrow-types.js';
import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';

/**
 * The Arrow field a column has in a data file. Parquet stores the Arrow types as they are
 * (timestamp → TIMESTAMP(µs, UTC-adjusted), date → DATE, json → UTF8 tagged `notionflow.type=json` in
 * the embedded Arrow schema). Every field is nullable: a column added mid-load is null in older rows.
 */
export function fileFieldOf(column: ColumnSchema): Field {
  return new Field(column.name, arrowTypeOf(column.dataType), true, new Map([[DATA_TYPE_METADATA_KEY, column.dataType]]));
}

/** The DuckDB type a column has when the reader exposes data files as tables (the types of the duckdb destination). */
export function readerSqlType(dataType: DataType): string {
  switch (dataType) {
    case 'text':
      return 'VARCHAR';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'date':
      return 'DATE';
    case 'json':
      return 'JSON';
  }
}
