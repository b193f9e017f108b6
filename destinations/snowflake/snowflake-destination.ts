import { DATA_TYPES } from '../../src/schema/data-types.js';
import { defineCapabilities } from '../capabilities.js';
import type { Abortable, Destination, DestinationCapabilities, DestinationSession, OpenContext } from '../destination.js';
import { nativeImport, type Importer } from '../optional-import.js';
import { endpointOf, validateSnowflakeConfig, type SnowflakeConfig } from './snowflake-config.js';
import { snowflakeDialect } from './snowflake-dialect.js';
import { openSnowflakeSession } from './snowflake-engine.js';

/**
 * What Snowflake can do: every type (text_list as ARRAY), every disposition, a transaction for data + state
 * + load row but not for DDL (Snowflake DDL commits), identifiers folded to upper case, 255-character names,
 * bulk loads of staged files (`PUT` + `COPY INTO`), SQL queries.
 */
export const SNOWFLAKE_CAPABILITIES: DestinationCapabilities = defineCapabilities({
  supportedTypes: DATA_TYPES,
  supportsTransactionalDdl: false,
  caseSensitiveIdentifiers: false,
  maxIdentifierLength: 255,
  loadFormat: 'parquet',
  queryable: true,
  // Each batch is one PUT + one COPY round trip: larger files amortize them.
  preferredBatch: { maxRows: 100_000, maxBytes: 64 * 1024 * 1024 },
});

/**
 * The Snowflake destination, over the official `snowflake-sdk` driver (an optional peer dependency, loaded
 * on the first `open`, after `config` was checked here; missing, `open` fails with a `MissingPackageError`;
 * `importer` replaces `import()` in tests). Batches go to a Parquet (or CSV) file, `PUT` to an internal stage and `COPY INTO` a
 * staging table; `commit` merges them into the dataset's tables with the state and the load row in one
 * transaction. Names are upper-cased and quoted (see `quoteIdent`): `notion_data.pages` can be queried unquoted.
 *
 * @example
 * ```ts
 * import { snowflake } from 'notionflow/destinations/snowflake';
 * const destination = snowflake({ account: 'myorg-myaccount', username: 'LOADER', privateKey: pem, database: 'RAW', warehouse: 'LOAD_WH' });
 * const session = await destination.open({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
 * const stored = await session.readState('notion_pipeline');
 * await session.close();
 * ```
 */
export function snowflake(config: SnowflakeConfig, importer: Importer = nativeImport): Destination {
  const checked = validateSnowflakeConfig(config);
  return {
    name: 'snowflake',
    capabilities: SNOWFLAKE_CAPABILITIES,
    dialect: snowflakeDialect,
    location: (ctx) => `${endpointOf(checked)}/${checked.database}/${ctx.datasetName}`,
    open: (ctx: OpenContext, opts?: Abortable): Promise<DestinationSession> => {
      opts?.signal?.throwIfAborted();
      return openSnowflakeSession(checked, ctx, importer);
    },
  };
}
