import type { DataType } from '../../src/schema/data-types.js';

/**
 * The PostgreSQL column type of each notionflow data type. timestamp → timestamptz (µs, an instant);
 * json → jsonb (validated and indexable; key order and whitespace are not kept); text_list → text[].
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
    case 'text_list':
      return 'text[]';
  }
}

/**
 * The notionflow type of a column by its `information_schema.columns` `data_type` and `udt_name`
 * (an array is `ARRAY` with the element type in `udt_name`: `_text`); anything else reads as text.
 */
export function dataTypeOfPostgresType(sqlType: string, udtName: string): DataType {
  switch (sqlType) {
    case 'ARRAY':
      return udtName === '_text' || udtName === '_varchar' ? 'text_list' : 'text';
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
