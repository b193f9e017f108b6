/**
 * The destination contract and the pieces every destination shares. Destinations themselves are
 * imported from their own subpath (`notionflow/destinations/duckdb`, …) so that a driver is only
 * loaded when it is used.
 */
export type {
  Abortable,
  Destination,
  DestinationCapabilities,
  DestinationSession,
  LoadCommit,
  DeleteSpec,
  OpenContext,
  QueryResult,
  StoredState,
} from './destination.js';
export { DEFAULT_CAPABILITIES, defineCapabilities } from './capabilities.js';
export { DestinationError, DestinationLockedError, DestinationStateError, MissingPackageError } from './errors.js';
export type { Importer } from './optional-import.js';
export { RuntimeSession, type SessionPhase } from './runtime-session.js';
// From the factory's own modules, not ./duckdb/index.js: DuckDB's native binding loads only when a session opens.
export { duckdb } from './duckdb/duckdb-destination.js';
export type { DuckDBConfig } from './duckdb/duckdb-config.js';
export { sink, type SinkFunction, type SinkContext, type SinkOptions } from './sink.js';
