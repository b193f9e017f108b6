import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { tablesOfColumns, type SqlDriver, type SqlIntrospector } from '../sql/sql-driver.js';
import { dataTypeOfPostgresType } from './postgres-type-mapper.js';

/** Reads a PostgreSQL schema's tables from `information_schema.columns`. */
export const postgresIntrospector: SqlIntrospector = {
  async tables(driver: SqlDriver, schema: string): Promise<Map<string, ColumnSchema[]>> {
    const rows = await driver.rows(
      'SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
      [schema],
    );
    return tablesOfColumns(
      rows.map((row) => ({
        table: String(row['table_name']),
        column: { name: String(row['column_name']), dataType: dataTypeOfPostgresType(String(row['data_type']), String(row['udt_name'])), nullable: true },
      })),
    );
  },
};
