export { postgres, POSTGRES_CAPABILITIES } from './postgres-destination.js';
export { postgresDialect } from './postgres-dialect.js';
export { resolvePostgresConfig, type PostgresClientOptions, type PostgresConfig, type PostgresCredentials, type ResolvedPostgresConfig } from './postgres-config.js';
export { quoteIdent } from './postgres-sql.js';
export { postgresColumnType } from './postgres-type-mapper.js';
export { copyChunks } from './postgres-copy-encoder.js';
