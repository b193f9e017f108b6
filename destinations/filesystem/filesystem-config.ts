import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/errors.js';

/** S3 connection settings of the {@link filesystem} destination (used when `bucketUrl` is `s3://…`). */
export interface FilesystemS3Options {
  /** Endpoint of an S3-compatible service (MinIO, s3rver, R2). Default: AWS for `region`. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Address buckets as `endpoint/bucket` instead of `bucket.endpoint`. Default `true` when `endpoint` is set, else `false`. */
  readonly forcePathStyle?: boolean;
}

/**
 * Google Cloud Storage settings of the {@link filesystem} destination (used when `bucketUrl` is `gs://…`).
 * One of `credentials`, `keyFilename` or `endpoint` is required.
 */
export interface FilesystemGcsOptions {
  /** A service account key: the JSON key file's text or its parsed object (`client_email`, `private_key`, `project_id`). */
  readonly credentials?: string | GcsServiceAccountKey;
  /** Path of a service account JSON key file. */
  readonly keyFilename?: string;
  /** Project of the bucket. Default: the key's `project_id`. */
  readonly projectId?: string;
  /**
   * JSON API endpoint of a GCS emulator (`http://127.0.0.1:4443`). The client sends no credentials to a
   * custom endpoint unless `credentials` or `keyFilename` is also set.
   */
  readonly endpoint?: string;
}

/** The fields of a service account key the client needs. */
export interface GcsServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly project_id?: string;
}

/**
 * Azure Blob Storage settings of the {@link filesystem} destination (used when `bucketUrl` is `az://…` or
 * `abfss://…`). Either `connectionString`, or `accountName` with `accountKey`, is required.
 */
export interface FilesystemAzureOptions {
  /** A storage connection string (`DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…`). */
  readonly connectionString?: string;
  /** The storage account. Taken from the URL for `abfss://container@account.dfs.core.windows.net/…`. */
  readonly accountName?: string;
  readonly accountKey?: string;
  /** Blob service endpoint, e.g. azurite's `http://127.0.0.1:10000/devstoreaccount1`. Default `https://<account>.blob.core.windows.net`. */
  readonly endpoint?: string;
}

/** Options of the {@link filesystem} destination. */
export interface FilesystemConfig {
  /**
   * Where datasets go: a local directory (`./out`, `/data/notion`), `file:///…`, `s3://bucket/prefix`,
   * `gs://bucket/prefix`, `az://container/prefix` or `abfss://container@account.dfs.core.windows.net/prefix`.
   */
  readonly bucketUrl: string;
  /** File format of the data files. Default `parquet`. */
  readonly format?: 'parquet' | 'jsonl';
  /** Credentials and endpoint for `s3://` URLs; required for them. */
  readonly s3?: FilesystemS3Options;
  /** Credentials or emulator endpoint for `gs://` URLs; required for them. */
  readonly gcs?: FilesystemGcsOptions;
  /** Credentials and endpoint for `az://` and `abfss://` URLs; required for them. */
  readonly azure?: FilesystemAzureOptions;
  /**
   * A table's staged batches are written out as one file once they hold about this many bytes (Arrow
   * size), so memory stays bounded and files stay large enough to read fast. Default 64 MiB.
   */
  readonly maxFileBytes?: number;
}

/** Where a bucket URL points: a local directory, or a bucket (container) and key prefix on S3, GCS or Azure. */
export type BucketLocation =
  | { readonly kind: 'local'; readonly root: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'gcs'; readonly bucket: string; readonly prefix: string }
  | {
      readonly kind: 'azure';
      readonly bucket: string;
      readonly prefix: string;
      /** The account named by an `abfss://container@account.dfs.core.windows.net` URL. */
      readonly account?: string;
      /** How the URL was written (`az` or `abfss`), to show it back unchanged. */
      readonly scheme: 'az' | 'abfss';
    };

const URL_KINDS = 'a local path, file:///…, s3://, gs://, az:// or abfss://';

/** Default of {@link FilesystemConfig.maxFileBytes}. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Check a {@link FilesystemConfig} when the destination is built, not mid-run; returns where the bucket URL points. */
export function validateFilesystemConfig(config: FilesystemConfig): BucketLocation {
  if (typeof config.bucketUrl !== 'string' || config.bucketUrl.trim() === '') {
    throw new ConfigError(`filesystem: \`bucketUrl\` must be ${URL_KINDS}.`);
  }
  if (config.format !== undefined && config.format !== 'parquet' && config.format !== 'jsonl') {
    throw new ConfigError(`filesystem: \`format\` must be "parquet" or "jsonl", got "${String(config.format)}".`);
  }
  if (config.maxFileBytes !== undefined && !(Number.isFinite(config.maxFileBytes) && config.maxFileBytes > 0)) {
    throw new ConfigError('filesystem: `maxFileBytes` must be a positive number.');
  }
  const location = parseBucketUrl(config.bucketUrl);
  if (location.kind === 's3') {
    const s3 = config.s3;
    if (!s3 || !s3.accessKeyId || !s3.secretAccessKey) {
      throw new ConfigError(`filesystem: ${displayBucketUrl(location)} needs s3.accessKeyId and s3.secretAccessKey (secrets: destination.filesystem.credentials).`);
    }
    if (s3.endpoint !== undefined && !/^https?:\/\//.test(s3.endpoint)) {
      throw new ConfigError('filesystem: `s3.endpoint` must be an http:// or https:// URL.');
    }
  }
  if (location.kind === 'gcs') {
    const gcs = config.gcs;
    if (!gcs || (!gcs.credentials && !gcs.keyFilename && !gcs.endpoint)) {
      throw new ConfigError(
        `filesystem: ${displayBucketUrl(location)} needs gcs.credentials (a service account key), gcs.keyFilename or gcs.endpoint (secrets: destination.filesystem.credentials).`,
      );
    }
    if (gcs.endpoint !== undefined && !/^https?:\/\//.test(gcs.endpoint)) throw new ConfigError('filesystem: `gcs.endpoint` must be an http:// or https:// URL.');
    if (typeof gcs.credentials === 'string') parseServiceAccountKey(gcs.credentials);
  }
  if (location.kind === 'azure') {
    const azure = config.azure;
    if (!azure || (!azure.connectionString && !((azure.accountName ?? location.account) && azure.accountKey))) {
      throw new ConfigError(
        `filesystem: ${displayBucketUrl(location)} needs azure.connectionString, or azure.accountName and azure.accountKey (secrets: destination.filesystem.credentials).`,
      );
    }
    if (azure.endpoint !== undefined && !/^https?:\/\//.test(azure.endpoint)) throw new ConfigError('filesystem: `azure.endpoint` must be an http:// or https:// URL.');
  }
  return location;
}

/** A service account key's JSON text, parsed; a ConfigError (without the key's text) when it is not one. */
export function parseServiceAccountKey(text: string): GcsServiceAccountKey {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw new ConfigError('filesystem: `gcs.credentials` is not JSON; pass the service account key file\'s contents, or its path as gcs.keyFilename.');
  }
  const { client_email, private_key } = (key ?? {}) as Partial<GcsServiceAccountKey>;
  if (typeof client_email !== 'string' || typeof private_key !== 'string') {
    throw new ConfigError('filesystem: `gcs.credentials` needs client_email and private_key (a service account key).');
  }
  return key as GcsServiceAccountKey;
}

/** `bucket/prefix` split at the first slash, the prefix without leading or trailing slashes. */
function splitBucket(rest: string): { bucket: string; prefix: string } {
  const slash = rest.indexOf('/');
  return { bucket: slash < 0 ? rest : rest.slice(0, slash), prefix: slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '') };
}

/**
 * Parse a bucket URL.
 *
 * @example
 * ```ts
 * parseBucketUrl('s3://lake/notion'); // { kind: 's3', bucket: 'lake', prefix: 'notion' }
 * parseBucketUrl('gs://lake/notion'); // { kind: 'gcs', bucket: 'lake', prefix: 'notion' }
 * parseBucketUrl('az://lake/notion'); // { kind: 'azure', bucket: 'lake', prefix: 'notion', scheme: 'az' }
 * parseBucketUrl('./out');            // { kind: 'local', root: '/abs/cwd/out' }
 * ```
 */
export function parseBucketUrl(url: string): BucketLocation {
  if (url.startsWith('s3://')) {
    const { bucket, prefix } = splitBucket(url.slice('s3://'.length));
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`filesystem: "${bucket}" is not a valid S3 bucket name.`);
    return { kind: 's3', bucket, prefix };
  }
  if (url.startsWith('gs://')) {
    const { bucket, prefix } = splitBucket(url.slice('gs://'.length));
    // GCS allows dotted names up to 222 characters, each dot-separated part at most 63.
    if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket) || bucket.split('.').some((p) => p.length > 63)) {
      throw new ConfigError(`filesystem: "${bucket}" is not a valid GCS bucket name.`);
    }
    return { kind: 'gcs', bucket, prefix };
  }
  if (url.startsWith('az://') || url.startsWith('abfss://')) {
    const scheme = url.startsWith('az://') ? 'az' : 'abfss';
    const { bucket: authority, prefix } = splitBucket(url.slice(`${scheme}://`.length));
    let bucket = authority;
    let account: string | undefined;
    if (scheme === 'abfss') {
      const match = /^([^@]+)@([a-z0-9]+)\.dfs\.core\.windows\.net$/.exec(authority);
      if (!match) throw new ConfigError(`filesystem: "${url}" is not an abfss://container@account.dfs.core.windows.net/prefix URL.`);
      [, bucket, account] = match as unknown as [string, string, string];
    }
    if (!/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`filesystem: "${bucket}" is not a valid Azure container name.`);
    return { kind: 'azure', bucket, prefix, scheme, ...(account !== undefined ? { account } : {}) };
  }
  if (url.startsWith('file://')) {
    try {
      return { kind: 'local', root: fileURLToPath(url) };
    } catch (err) {
      throw new ConfigError(`filesystem: cannot read the file URL "${url}".`, { cause: err });
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new ConfigError(`filesystem: unsupported bucket URL scheme in "${url.split('://')[0]}://"; use ${URL_KINDS}.`);
  }
  return { kind: 'local', root: isAbsolute(url) ? url : resolve(url) };
}

/** The bucket URL as load info shows it: never credentials (they are not part of it). */
export function displayBucketUrl(location: BucketLocation): string {
  if (location.kind === 'local') return location.root;
  const path = location.prefix ? `/${location.prefix}` : '';
  if (location.kind === 'azure' && location.scheme === 'abfss') return `abfss://${location.bucket}@${location.account}.dfs.core.windows.net${path}`;
  const scheme = location.kind === 'azure' ? 'az' : location.kind === 's3' ? 's3' : 'gs';
  return `${scheme}://${location.bucket}${path}`;
}
