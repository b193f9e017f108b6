import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { tablesOfColumns, type SqlDriver, type SqlIntrospector } from '../sql/sql-driver.js';
import { STAGE_SEQ_COLUMN, type BigQueryDialect } from './bigquery-dialect.js';
import { isNotFound } from './bigquery-driver.js';
import { dataTypeOfBigQueryType } from './bigquery-type-mapper.js';

/**
 * Reads a dataset's tables from its `INFORMATION_SCHEMA.COLUMNS` view (one query job for every table). A
 * dataset that does not exist has no tables. The staging tables' row number ({@link STAGE_SEQ_COLUMN})
 * is not a column of the table it stages.
 */
export function bigqueryIntrospector(dialect: BigQueryDialect): SqlIntrospector {
  return {
    async tables(driver: SqlDriver, schema: string): Promise<Map<string, ColumnSchema[]>> {
      let rows: Record<string, unknown>[];
      try {
        rows = await driver.rows(`SELECT table_name, column_name, data_type FROM ${dialect.dataset(schema)}.INFORMATION_SCHEMA.COLUMNS ORDER BY table_name, ordinal_position`);
      } catch (err) {
        if (isNotFound(err)) return new Map();
        throw err;
      }
      return tablesOfColumns(
        rows
          .filter((row) => row['column_name'] !== STAGE_SEQ_COLUMN)
          .map((row) => ({ table: String(row['table_name']), column: { name: String(row['column_name']), dataType: dataTypeOfBigQueryType(String(row['data_type'])), nullable: true } })),
      );
    },
  };
}
