import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { SqlDriver, SqlIntrospector } from '../sql/sql-driver.js';

/** Reads a DuckDB schema's tables from `information_schema.columns` of the connection's own catalog. */
export const duckdbIntrospector: SqlIntrospector = {
  async tables(driver: SqlDriver, schema: string): Promise<Map<string, ColumnSchema[]>> {
    const rows = await driver.rows(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = $1 ORDER BY table_name, ordinal_position',
      [schema],
    );
    const tables = new Map<string, ColumnSchema[]>();
    for (const row of rows) {
      const name = String(row['table_name']);
      const columns = tables.get(name) ?? [];
      columns.push({ name: String(row['column_name']), dataType: dataTypeOfSqlType(String(row['data_type'])), nullable: true });
      tables.set(name, columns);
    }
    return tables;
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
