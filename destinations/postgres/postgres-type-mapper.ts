import type { DataType } from '../../src/schema/data-types.js';

/**
 * The PostgreSQL column type of each notionflow data type. timestamp → timestamptz (µs, an instant);
 * json → jsonb (validated and indexable; key order and whitespace are not kept).
 */
export function postgresColumnType(dataType: DataType): string {
  switch (dataType) {
    case 'text':
      return 'text';
    case 'bigint':
      return 'bigint';
    case 'double':
      return 'double precision';
    case 'bool':
      return 'boolean';
    case 'timestamp':
      return 'timestamptz';
    case 'date':
      return 'date';
    case 'json':
      return 'jsonb';
  }
}

/** The notionflow type of a column by its `information_schema.columns.data_type` (anything else reads as text). */
export function dataTypeOfPostgresType(sqlType: string): DataType {
  switch (sqlType) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      return 'bigint';
    case 'double precision':
    case 'real':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'timestamp with time zone':
      return 'timestamp';
    case 'date':
      return 'date';
    case 'jsonb':
    case 'json':
      return 'json';
    default:
      return 'text';
  }
}
