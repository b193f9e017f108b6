import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { tablesOfColumns, type SqlDriver, type SqlIntrospector } from '../sql/sql-driver.js';
import { dataTypeOfRedshiftType } from './redshift-type-mapper.js';

/**
 * Reads a Redshift schema's tables and columns from `information_schema.columns` (local tables; names as
 * Redshift stores them, lower case). A column's type is its domain's name where it has one, else its data
 * type: Redshift reports SUPER columns as `super`.
 */
export const redshiftIntrospector: SqlIntrospector = {
  async tables(driver: SqlDriver, schema: string): Promise<Map<string, ColumnSchema[]>> {
    const rows = await driver.rows(
      'SELECT table_name, column_name, coalesce(domain_name, data_type) AS data_type FROM information_schema.columns ' +
        'WHERE table_schema = CAST($1 AS VARCHAR(128)) ORDER BY table_name, ordinal_position',
      [schema.toLowerCase()],
    );
    return tablesOfColumns(
      rows.map((row) => ({
        table: String(row['table_name']),
        column: { name: String(row['column_name']), dataType: dataTypeOfRedshiftType(String(row['data_type'])), nullable: true },
      })),
    );
  },
};
