import type { DataType } from '../../src/schema/data-types.js';

/**
 * The BigQuery column type of each notionflow data type: text → STRING, bigint → INT64, double →
 * FLOAT64, bool → BOOL, timestamp → TIMESTAMP (µs, UTC), date → DATE, json → JSON, text_list →
 * ARRAY<STRING> (a REPEATED STRING field). Staging tables use the same types.
 */
export function bigqueryColumnType(dataType: DataType): string {
  switch (dataType) {
    case 'text':
      return 'STRING';
    case 'bigint':
      return 'INT64';
    case 'double':
      return 'FLOAT64';
    case 'bool':
      return 'BOOL';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'json':
      return 'JSON';
    case 'text_list':
      return 'ARRAY<STRING>';
  }
}

/** The notionflow type of a column by its `INFORMATION_SCHEMA.COLUMNS.data_type` (as {@link bigqueryColumnType} wrote it). */
export function dataTypeOfBigQueryType(sqlType: string): DataType {
  switch (sqlType) {
    case 'INT64':
      return 'bigint';
    case 'FLOAT64':
      return 'double';
    case 'BOOL':
      return 'bool';
    case 'TIMESTAMP':
      return 'timestamp';
    case 'DATE':
      return 'date';
    case 'JSON':
      return 'json';
    case 'ARRAY<STRING>':
      return 'text_list';
    default:
      return 'text';
  }
}
