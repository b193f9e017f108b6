import { DATA_TYPES } from '../../src/schema/data-types.js';
import { defineCapabilities } from '../capabilities.js';
import type { Abortable, Destination, DestinationCapabilities, DestinationSession, OpenContext } from '../destination.js';
import { nativeImport, type Importer } from '../optional-import.js';
import { resolvePostgresConfig, type PostgresConfig } from './postgres-config.js';
import { postgresDialect } from './postgres-dialect.js';
import { openPostgresSession } from './postgres-engine.js';

/** What PostgreSQL can do: every type (text_list as text[]), every disposition, transactional DDL, SQL queries, COPY ingest, 63-byte names. */
export const POSTGRES_CAPABILITIES: DestinationCapabilities = defineCapabilities({
  supportedTypes: DATA_TYPES,
  loadFormat: 'copy',
  queryable: true,
  maxIdentifierLength: 63,
  // One COPY per batch: larger batches amortize the round trips; a checkpoint cuts earlier anyway.
  preferredBatch: { maxRows: 50_000, maxBytes: 32 * 1024 * 1024 },
});

/**
 * The PostgreSQL destination. Each session holds one connection, streams batches with
 * `COPY … FROM STDIN` (binary by default) into TEMP staging tables and commits data, state and the
 * load row in one transaction.
 *
 * The driver (`pg` and `pg-copy-streams`, optional peer dependencies) is imported when the first session
 * opens, after `config` was checked here; when it is not installed, `open` fails with a
 * `MissingPackageError` saying `npm install pg pg-copy-streams`. `importer` replaces `import()` (tests).
 *
 * @example
 * ```ts
 * import { postgres } from 'notionflow/destinations/postgres';
 * const destination = postgres({ credentials: 'postgresql://loader:secret@localhost:5432/analytics' });
 * destination.location({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
 * // 'postgresql://loader@localhost:5432/analytics (schema notion_data)'
 * const session = await destination.open({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
 * await session.close();
 * ```
 */
export function postgres(config: PostgresConfig, importer: Importer = nativeImport): Destination {
  const resolved = resolvePostgresConfig(config);
  return {
    name: 'postgres',
    capabilities: POSTGRES_CAPABILITIES,
    dialect: postgresDialect,
    location: (ctx) => `${resolved.location} (schema ${ctx.datasetName})`,
    open: async (ctx: OpenContext, opts?: Abortable): Promise<DestinationSession> => {
      opts?.signal?.throwIfAborted();
      return openPostgresSession(resolved, ctx, importer);
    },
  };
}
