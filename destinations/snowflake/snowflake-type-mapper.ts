import type { DataType } from '../../src/schema/data-types.js';

/**
 * The Snowflake column type of each notionflow data type, in target tables.
 * bigint → NUMBER(19,0) (fits every int64); timestamp → TIMESTAMP_TZ(6) (µs, the offset is kept, UTC here);
 * json → VARIANT (filled with PARSE_JSON at commit).
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
  }
}

/**
 * The type of a column in a staging table. JSON is staged as its text (VARCHAR): a staged file carries
 * strings, and `PARSE_JSON` at commit turns them into VARIANT values (and rejects invalid documents).
 */
export function snowflakeStagingType(dataType: DataType): string {
  return dataType === 'json' ? 'VARCHAR' : snowflakeColumnType(dataType);
}
