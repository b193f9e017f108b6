import { DATA_TYPES } from '../../src/schema/data-types.js';
import { defineCapabilities } from '../capabilities.js';
import type { Abortable, Destination, DestinationCapabilities, DestinationSession, OpenContext } from '../destination.js';
import { DuckDBDialect } from './duckdb-dialect.js';
import { databasePath, validateDuckDBConfig, type DuckDBConfig } from './duckdb-config.js';

/** What DuckDB can do: every type (text_list as VARCHAR[]), every disposition, transactional DDL, SQL queries, appender ingest. */
export const DUCKDB_CAPABILITIES: DestinationCapabilities = defineCapabilities({
  supportedTypes: DATA_TYPES,
  loadFormat: 'appender',
  queryable: true,
  maxIdentifierLength: 255,
  // Larger batches amortize the per-write appender setup; a checkpoint cuts earlier anyway.
  preferredBatch: { maxRows: 10_000, maxBytes: 8 * 1024 * 1024 },
});

/**
 * The embedded DuckDB destination (the default). Each session opens the database file, stages batches in
 * TEMP tables through the appender and commits data, state and the load row in one transaction.
 *
 * DuckDB's native binding (68 MB) loads when the first session opens, not with this factory, so a
 * pipeline that uses another destination never loads it. The file is created by the first commit: a
 * run that fails before it leaves no file, and a read-only session (`ctx.readOnly`: `dataset()`, the
 * CLI's read commands) on a missing file is a `PipelineNotFoundError`.
 *
 * @example
 * ```ts
 * import { duckdb } from 'notionflow/destinations/duckdb';
 * const destination = duckdb({ path: 'notion.duckdb' });
 * const session = await destination.open({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
 * const stored = await session.readState('notion_pipeline');
 * await session.close();
 * ```
 */
export function duckdb(config: DuckDBConfig = {}): Destination {
  const checked = validateDuckDBConfig(config);
  return {
    name: 'duckdb',
    capabilities: DUCKDB_CAPABILITIES,
    dialect: new DuckDBDialect(),
    location: (ctx) => databasePath(checked, ctx.pipelineName),
    open: async (ctx: OpenContext, opts?: Abortable): Promise<DestinationSession> => {
      opts?.signal?.throwIfAborted();
      const { openDuckDBSession } = await import('./duckdb-engine.js');
      return openDuckDBSession(checked, ctx);
    },
  };
}
