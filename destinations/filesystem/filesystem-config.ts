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

/** Options of the {@link filesystem} destination. */
export interface FilesystemConfig {
  /** Where datasets go: a local directory (`./out`, `/data/notion`), `file:///…`, or `s3://bucket/prefix`. */
  readonly bucketUrl: string;
  /** File format of the data files. Default `parquet`. */
  readonly format?: 'parquet' | 'jsonl';
  /** Credentials and endpoint for `s3://` URLs; required for them. */
  readonly s3?: FilesystemS3Options;
  /**
   * A table's staged batches are written out as one file once they hold about this many bytes (Arrow
   * size), so memory stays bounded and files stay large enough to read fast. Default 64 MiB.
   */
  readonly maxFileBytes?: number;
}

/** Where a bucket URL points: a local directory, or a bucket and key prefix on S3. */
export type BucketLocation =
  | { readonly kind: 'local'; readonly root: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

/** Default of {@link FilesystemConfig.maxFileBytes}. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Check a {@link FilesystemConfig} when the destination is built, not mid-run; returns where the bucket URL points. */
export function validateFilesystemConfig(config: FilesystemConfig): BucketLocation {
  if (typeof config.bucketUrl !== 'string' || config.bucketUrl.trim() === '') {
    throw new ConfigError('filesystem: `bucketUrl` must be a local path, file:///… or s3://bucket/prefix.');
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
  return location;
}

/**
 * Parse a bucket URL.
 *
 * @example
 * ```ts
 * parseBucketUrl('s3://lake/notion'); // { kind: 's3', bucket: 'lake', prefix: 'notion' }
 * parseBucketUrl('./out');            // { kind: 'local', root: '/abs/cwd/out' }
 * ```
 */
export function parseBucketUrl(url: string): BucketLocation {
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`filesystem: "${bucket}" is not a valid S3 bucket name.`);
    return { kind: 's3', bucket, prefix };
  }
  if (url.startsWith('file://')) {
    try {
      return { kind: 'local', root: fileURLToPath(url) };
    } catch (err) {
      throw new ConfigError(`filesystem: cannot read the file URL "${url}".`, { cause: err });
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new ConfigError(`filesystem: unsupported bucket URL scheme in "${url.split('://')[0]}://"; use a local path, file:// or s3://.`);
  }
  return { kind: 'local', root: isAbsolute(url) ? url : resolve(url) };
}

/** The bucket URL as load info shows it: never credentials (they are not part of it). */
export function displayBucketUrl(location: BucketLocation): string {
  if (location.kind === 'local') return location.root;
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}
