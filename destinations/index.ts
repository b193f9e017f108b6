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
export { DestinationError, DestinationStateError } from './errors.js';
export { RuntimeSession, type SessionPhase } from './runtime-session.js';
export { duckdb, type DuckDBConfig } from './duckdb/index.js';
export { sink, type SinkFunction, type SinkContext, type SinkOptions } from './sink.js';
