import { DATA_TYPES } from '../../src/schema/data-types.js';
import { defineCapabilities } from '../capabilities.js';
import type { Destination, DestinationCapabilities, DestinationSession, OpenContext } from '../destination.js';
import { nativeImport, type Importer } from '../optional-import.js';
import type { FileStore } from './file-store.js';
import { DEFAULT_MAX_FILE_BYTES, displayBucketUrl, validateFilesystemConfig, type BucketLocation, type FilesystemConfig } from './filesystem-config.js';
import { FilesystemSession } from './filesystem-session.js';
import { LocalFileStore } from './local-file-store.js';

/**
 * What the filesystem destination can do: every type (text_list as a Parquet list column or a JSON array
 * of strings), append and replace (merge falls back to append, as in dlt's filesystem destination), no
 * transactions (the load marker is the commit point), queryable through an in-memory DuckDB over the
 * committed files. Files are never rewritten, so rows cannot be deleted:
 * `LoadCommit.deletes` (block-tree replacement, trash, hard deletes) is ignored, and a table keeps every
 * row every load appended to it.
 */
function capabilitiesOf(format: 'parquet' | 'jsonl'): DestinationCapabilities {
  return defineCapabilities({
    supportedTypes: DATA_TYPES,
    writeDispositions: ['append', 'replace'],
    mergeStrategies: [],
    supportsTransactions: false,
    supportsTransactionalDdl: false,
    maxIdentifierLength: 255,
    preferredBatch: { maxRows: 100_000, maxBytes: 32 * 1024 * 1024 },
    loadFormat: format,
    queryable: true,
    // Files are append-only: a replaced block tree or a trashed page keeps its earlier rows.
    appliesDeletes: false,
  });
}

/**
 * The filesystem destination: Parquet (or JSON lines) files in a local directory, on S3, GCS or Azure Blob, in dlt's
 * layout `<bucket_url>/<dataset>/<table>/<load_id>.<n>.<ext>`. Each commit writes a load marker
 * `<dataset>/_dlt_loads/<load_id>.json` LAST, listing the load's files: **readers must only trust files
 * listed in a marker** (the built-in `query()` does). Pipeline state and schema are JSON files under
 * `_dlt_pipeline_state/` and `_dlt_version/`.
 *
 * @example
 * ```ts
 * const local = filesystem({ bucketUrl: './lake' });
 * const s3 = filesystem({
 *   bucketUrl: 's3://my-bucket/notion',
 *   s3: { region: 'eu-west-1', accessKeyId: 'AKIA…', secretAccessKey: '…' },
 * });
 * const gcs = filesystem({ bucketUrl: 'gs://my-bucket/notion', gcs: { keyFilename: './sa.json' } });
 * const azure = filesystem({ bucketUrl: 'az://my-container/notion', azure: { accountName: 'acct', accountKey: '…' } });
 * ```
 *
 * Parquet is written by DuckDB (a dependency). `s3://` needs `@aws-sdk/client-s3` and
 * `@aws-sdk/lib-storage`, `gs://` needs `@google-cloud/storage`, `az://` and `abfss://` need
 * `@azure/storage-blob` (optional peer dependencies), imported when a session opens, after `config`
 * was checked here: when they are missing, `open` fails with a `MissingPackageError`. `importer`
 * replaces `import()` (tests).
 */
export function filesystem(config: FilesystemConfig, importer: Importer = nativeImport): Destination {
  const location = validateFilesystemConfig(config);
  const format = config.format ?? 'parquet';
  const maxFileBytes = config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  return {
    name: 'filesystem',
    capabilities: capabilitiesOf(format),
    location: ({ datasetName }) => `${displayBucketUrl(location)}/${datasetName}`,
    async open(ctx: OpenContext, opts): Promise<DestinationSession> {
      opts?.signal?.throwIfAborted();
      const store = await openStore(location, config, importer);
      return new FilesystemSession(store, ctx, { format, maxFileBytes });
    },
  };
}

async function openStore(location: BucketLocation, config: FilesystemConfig, importer: Importer): Promise<FileStore> {
  // Each object store's SDK loads only when its URL scheme is used.
  switch (location.kind) {
    case 'local':
      return new LocalFileStore(location.root);
    case 's3': {
      const { S3FileStore, loadS3Sdk } = await import('./s3-file-store.js');
      return new S3FileStore(location.bucket, location.prefix, config.s3!, await loadS3Sdk(importer));
    }
    case 'gcs': {
      const { GcsFileStore, loadGcsSdk } = await import('./gcs-file-store.js');
      return new GcsFileStore(location.bucket, location.prefix, config.gcs!, await loadGcsSdk(importer));
    }
    case 'azure': {
      const { AzureFileStore, loadAzureSdk } = await import('./azure-file-store.js');
      return new AzureFileStore(location.bucket, location.prefix, config.azure!, location.account, await loadAzureSdk(importer));
    }
  }
}
