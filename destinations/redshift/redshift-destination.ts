import { defineCapabilities } from '../capabilities.js';
import type { Abortable, Destination, DestinationCapabilities, DestinationSession, OpenContext } from '../destination.js';
import type { Importer } from '../optional-import.js';
import { resolveRedshiftConfig, type RedshiftConfig } from './redshift-config.js';
import { redshiftDialect } from './redshift-dialect.js';
import { openRedshiftSession } from './redshift-engine.js';
import { REDSHIFT_MAX_VARCHAR_BYTES } from './redshift-type-mapper.js';

/**
 * What Redshift can do: the scalar types and json (SUPER), no list type (lists arrive as json), every
 * disposition (delete-insert merge), data + state + load row in one transaction, quoted names folded to
 * lower case, 127-byte names, text of at most 65535 bytes, bulk loads of Parquet files from S3, SQL queries.
 */
export const REDSHIFT_CAPABILITIES: DestinationCapabilities = defineCapabilities({
  caseSensitiveIdentifiers: false,
  maxIdentifierLength: 127,
  maxTextBytes: REDSHIFT_MAX_VARCHAR_BYTES,
  loadFormat: 'parquet',
  queryable: true,
  // Each batch is one upload and one COPY (seconds on a cluster): larger files amortize them.
  preferredBatch: { maxRows: 100_000, maxBytes: 64 * 1024 * 1024 },
});

/**
 * The Amazon Redshift destination, on the SQL core (`SqlSession`) over `pg` (Redshift speaks the
 * PostgreSQL wire protocol) and `@aws-sdk/client-s3`, optional peer dependencies imported when a session
 * opens, after `config` was checked here; missing, `open` fails with a `MissingPackageError`
 * (`importer` replaces `import()` in tests).
 *
 * Each batch is written as a Parquet file, uploaded to the S3 staging bucket and loaded with
 * `COPY … FROM 's3://…' IAM_ROLE … FORMAT AS PARQUET` into a TEMP staging table of the session; `commit`
 * merges the staged rows (delete-insert) with the state and the load row in one transaction. Text longer
 * than Redshift's 65535-byte VARCHAR is cut on a character boundary; JSON longer than that fails the write.
 *
 * @example
 * ```ts
 * import { redshift } from 'notionflow/destinations/redshift';
 * const destination = redshift({
 *   host: 'examplecluster.abc123.us-west-2.redshift.amazonaws.com', database: 'dev', user: 'loader', password,
 *   s3: { bucket: 'my-staging-bucket', prefix: 'notionflow', region: 'us-west-2' },
 *   iamRole: 'arn:aws:iam::123456789012:role/RedshiftCopy',
 * });
 * const session = await destination.open({ pipelineName: 'notion_pipeline', datasetName: 'notion_data' });
 * await session.close();
 * ```
 */
export function redshift(config: RedshiftConfig, importer?: Importer): Destination {
  const resolved = resolveRedshiftConfig(config);
  return {
    name: 'redshift',
    capabilities: REDSHIFT_CAPABILITIES,
    dialect: redshiftDialect,
    location: (ctx) => `${resolved.location} (schema ${ctx.datasetName.toLowerCase()}, staging s3://${resolved.s3.bucket}/${resolved.s3.prefix})`,
    open: async (ctx: OpenContext, opts?: Abortable): Promise<DestinationSession> => {
      opts?.signal?.throwIfAborted();
      return openRedshiftSession(resolved, ctx, importer);
    },
  };
}
