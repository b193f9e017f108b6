export { duckdb, DUCKDB_CAPABILITIES } from './duckdb-destination.js';
export { DuckDBDialect } from './duckdb-dialect.js';
export { DUCKDB_INSTANCE_OPTIONS, type DuckDBConfig } from './duckdb-config.js';
export { quoteIdent } from './duckdb-sql.js';
export { duckdbColumnType } from './duckdb-type-mapper.js';
export { appendRecordBatch } from './duckdb-chunk-writer.js';
