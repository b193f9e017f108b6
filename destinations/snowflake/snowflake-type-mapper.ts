import type { DataType } from '../../src/schema/data-types.js';

/**
 * The Snowflake column type of each notionflow data type, in target tables.
 * bigint → NUMBER(19,0) (fits every int64); timestamp → TIMESTAMP_TZ(6) (µs, the offset is kept, UTC here);
 * json → VARIANT (filled with PARSE_JSON at commit); text_list → ARRAY (of strings and JSON nulls).
 */
export function snowflakeColumnType(dataType: DataType): string {
  switch (dataType) {
    case 'text':
      return 'VARCHAR';
    case 'bigint':
      return 'NUMBER(19,0)';
    case 'double':
      return 'FLOAT';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP_TZ(6)';
    case 'date':
      return 'DATE';
    case 'json':
      return 'VARIANT';
    case 'text_list':
      return 'ARRAY';
  }
}

/**
 * The type of a column in a staging table. JSON and text lists are staged as JSON text (VARCHAR): a staged
 * file carries strings, and `PARSE_JSON` at commit turns them into VARIANT and ARRAY values (and rejects
 * invalid documents). A list staged as text loads the same from Parquet and CSV files and does not depend on
 * how a file format's nested types map to Snowflake's semi-structured ones.
 */
export function snowflakeStagingType(dataType: DataType): string {
  return dataType === 'json' || dataType === 'text_list' ? 'VARCHAR' : snowflakeColumnType(dataType);
}
