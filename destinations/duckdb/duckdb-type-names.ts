import type { DataType } from '../../src/schema/data-types.js';

/**
 * The DuckDB column type of each notionflow data type, in target tables.
 * timestamp → TIMESTAMPTZ (µs, UTC instant); json → JSON (the bundled json extension's VARCHAR alias);
 * text_list → VARCHAR[].
 */
export function duckdbColumnType(dataType: DataType): string {
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
    case 'text_list':
      return 'VARCHAR[]';
  }
}

/**
 * The SQL name of a staging column's type (see `duckdbStagingType`): JSON is staged as VARCHAR. Plain
 * strings, so SQL can be built without loading DuckDB's native binding.
 */
export function duckdbStagingTypeName(dataType: DataType): string {
  return dataType === 'json' ? 'VARCHAR' : duckdbColumnType(dataType);
}
