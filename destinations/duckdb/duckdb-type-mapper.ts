import { BIGINT, BOOLEAN, DATE, DOUBLE, LIST, TIMESTAMPTZ, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import type { DataType } from '../../src/schema/data-types.js';

export { duckdbColumnType } from './duckdb-type-names.js';

const TEXT_LIST = LIST(VARCHAR);

/**
 * The type of a column in a staging table and in the data chunks appended to it. JSON is staged as
 * VARCHAR so that the appender takes raw string bytes and the cast at commit validates the documents.
 */
export function duckdbStagingType(dataType: DataType): DuckDBType {
  switch (dataType) {
    case 'text':
    case 'json':
      return VARCHAR;
    case 'bigint':
      return BIGINT;
    case 'double':
      return DOUBLE;
    case 'bool':
      return BOOLEAN;
    case 'timestamp':
      return TIMESTAMPTZ;
    case 'date':
      return DATE;
    case 'text_list':
      return TEXT_LIST;
  }
}
