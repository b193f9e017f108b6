import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { tablesOfColumns, type SqlDriver, type SqlIntrospector } from '../sql/sql-driver.js';

/** Reads a DuckDB schema's tables from `information_schema.columns` of the connection's own catalog. */
export const duckdbIntrospector: SqlIntrospector = {
  async tables(driver: SqlDriver, schema: string): Promise<Map<string, ColumnSchema[]>> {
    const rows = await driver.rows(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = $1 ORDER BY table_name, ordinal_position',
      [schema],
    );
    return tablesOfColumns(
      rows.map((row) => ({ table: String(row['table_name']), column: { name: String(row['column_name']), dataType: dataTypeOfSqlType(String(row['data_type'])), nullable: true } })),
    );
  },
};

/** The notionflow type of a column by its catalog type name (as `duckdbColumnType` wrote it). */
function dataTypeOfSqlType(sqlType: string): DataType {
  switch (sqlType) {
    case 'JSON':
      return 'json';
    case 'BIGINT':
      return 'bigint';
    case 'DOUBLE':
      return 'double';
    case 'BOOLEAN':
      return 'bool';
    case 'TIMESTAMP WITH TIME ZONE':
      return 'timestamp';
    case 'DATE':
      return 'date';
    case 'VARCHAR[]':
      return 'text_list';
    default:
      return 'text';
  }
}
