import { DATA_TYPES } from '../../src/schema/data-types.js';
import { DEFAULT_CAPABILITIES, defineCapabilities } from '../capabilities.js';
import type { Abortable, Destination, DestinationCapabilities, DestinationSession, OpenContext } from '../destination.js';
import { nativeImport, type Importer } from '../optional-import.js';
import { endpointOf, locationOf, validateBigQueryConfig, type BigQueryConfig } from './bigquery-config.js';
import { BigQueryDialect } from './bigquery-dialect.js';

/**
 * What BigQuery can do: every type (text_list as a REPEATED STRING column, which keeps no null items and
 * no NULL list), every disposition, one multi-statement transaction for data + state + load row but no
 * DDL in it, names quoted with backticks and kept as given, 300-character column names, load jobs of
 * NDJSON, SQL queries.
 */
export const BIGQUERY_CAPABILITIES: DestinationCapabilities = defineCapabilities({
  supportedTypes: DATA_TYPES,
  listsKeepNulls: false,
  supportsTransactionalDdl: false,
  maxIdentifierLength: 300,
  catalogScope: 'dataset',
  loadFormat: 'jsonl',
  queryable: true,
  // Each batch is one load job (seconds, and at most 1,500 per table and day): larger batches amortize them.
  preferredBatch: { maxRows: 100_000, maxBytes: 64 * 1024 * 1024 },
});

/** {@link BIGQUERY_CAPABILITIES} with `textLists: 'json'`: lists arrive as JSON arrays, kept exactly. */
const JSON_LIST_CAPABILITIES: DestinationCapabilities = defineCapabilities({
  ...BIGQUERY_CAPABILITIES,
  supportedTypes: DEFAULT_CAPABILITIES.supportedTypes,
  listsKeepNulls: true,
});

/**
 * The BigQuery destination, over the official `@google-cloud/bigquery` client (an optional peer
 * dependency, loaded on the first `open`, after `config` was checked here; missing, `open` fails with a
 * `MissingPackageError`; `importer` replaces `import()` in tests). Batches are load jobs (NDJSON) into
 * staging tables in `<dataset>_staging`; `commit` applies them (append, replace, delete-insert merge),
 * the state and the load row in one `BEGIN TRANSACTION … COMMIT TRANSACTION` script.
 *
 * @example
 * ```ts
 * import { bigquery } from 'notionflow/destinations/bigquery';
 * const destination = bigquery({ projectId: 'my-project', location: 'EU', keyFilename: 'loader-key.json' });
 * const session = await destination.open({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
 * const stored = await session.readState('notion_pipeline');
 * await session.close();
 * ```
 */
export function bigquery(config: BigQueryConfig, importer: Importer = nativeImport): Destination {
  const checked = validateBigQueryConfig(config);
  return {
    name: 'bigquery',
    capabilities: checked.textLists === 'json' ? JSON_LIST_CAPABILITIES : BIGQUERY_CAPABILITIES,
    // Backticks, names kept: `notion_data`.`pages` resolves in the project that runs the query.
    dialect: new BigQueryDialect(checked.projectId, locationOf(checked)),
    location: (ctx) => `${endpointOf(checked)}/projects/${checked.projectId}/datasets/${ctx.datasetName} (${locationOf(checked)})`,
    open: async (ctx: OpenContext, opts?: Abortable): Promise<DestinationSession> => {
      opts?.signal?.throwIfAborted();
      const { openBigQuerySession } = await import('./bigquery-engine.js');
      return openBigQuerySession(checked, ctx, importer);
    },
  };
}
