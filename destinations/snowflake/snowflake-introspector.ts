import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { tablesOfColumns, type SqlDriver, type SqlIntrospector } from '../sql/sql-driver.js';
import { STAGE_SEQ_COLUMN } from './snowflake-sql.js';

/**
 * Reads a Snowflake schema's tables from `INFORMATION_SCHEMA.COLUMNS` of the current database. Names come
 * back lower case (notionflow's names; Snowflake stores them upper-cased); a staging table's row sequence
 * column is left out, as it is no column of the table.
 */
export const snowflakeIntrospector: SqlIntrospector = {
  async tables(driver: SqlDriver, schema: string): Promise<Map<string, ColumnSchema[]>> {
    const rows = await driver.rows(
      'SELECT "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE" FROM INFORMATION_SCHEMA.COLUMNS WHERE "TABLE_SCHEMA" = ? AND "TABLE_CATALOG" = CURRENT_DATABASE() ORDER BY "TABLE_NAME", "ORDINAL_POSITION"',
      [schema.toUpperCase()],
    );
    return tablesOfColumns(
      rows
        .filter((row) => row['column_name'] !== STAGE_SEQ_COLUMN)
        .map((row) => ({
          table: String(row['table_name']).toLowerCase(),
          column: { name: String(row['column_name']).toLowerCase(), dataType: dataTypeOf(String(row['data_type'])), nullable: true },
        })),
    );
  },
};

/** The notionflow type of a Snowflake `DATA_TYPE` (as `snowflakeColumnType` wrote it); anything else reads as text. */
function dataTypeOf(type: string): DataType {
  switch (type.toUpperCase()) {
    case 'NUMBER':
      return 'bigint';
    case 'FLOAT':
      return 'double';
    case 'BOOLEAN':
      return 'bool';
    case 'TIMESTAMP_TZ':
      return 'timestamp';
    case 'DATE':
      return 'date';
    case 'VARIANT':
      return 'json';
    case 'ARRAY':
      return 'text_list';
    default:
      return 'text';
  }
}
