import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import { importOptional, type Importer } from '../optional-import.js';
import { cachedLocalPath, inParallel, type FileStore } from './file-store.js';
import type { FilesystemS3Options } from './filesystem-config.js';

/** The AWS SDK packages an S3 store runs on (optional peer dependencies). */
interface S3Sdk {
  readonly s3: typeof ClientS3;
  readonly storage: typeof LibStorage;
}

/**
 * Import `@aws-sdk/client-s3` and `@aws-sdk/lib-storage`; not installed, a `MissingPackageError` saying
 * `npm install @aws-sdk/client-s3 @aws-sdk/lib-storage`.
 */
export async function loadS3Sdk(importer?: Importer): Promise<S3Sdk> {
  const [s3, storage] = (await importOptional('filesystem', ['@aws-sdk/client-s3', '@aws-sdk/lib-storage'], importer)) as [typeof ClientS3, typeof LibStorage];
  return { s3, storage };
}

/** Bodies above this size go up as a multipart upload (`@aws-sdk/lib-storage`); S3's part minimum is 5 MiB. */
const MULTIPART_BYTES = 16 * 1024 * 1024;
/**
 * A {@link FileStore} over `s3://bucket/prefix`. S3 has no rename, so `move` is copy + delete.
 *
 * Checksums are computed only when an operation requires them (`WHEN_REQUIRED`): the SDK default sends
 * streamed bodies `aws-chunked` with a trailer, which S3-compatible servers such as s3rver store verbatim.
 */
export class S3FileStore implements FileStore {
  readonly #sdk: S3Sdk;
  readonly #client: ClientS3.S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(bucket: string, prefix: string, options: FilesystemS3Options, sdk: S3Sdk) {
    this.#sdk = sdk;
    this.#bucket = bucket;
    this.#prefix = prefix ? `${prefix}/` : '';
    this.#client = new sdk.s3.S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const params = { Bucket: this.#bucket, Key: this.#key(key), Body: body };
    if (body.byteLength <= MULTIPART_BYTES) {
      await this.#client.send(new this.#sdk.s3.PutObjectCommand(params));
      return;
    }
    await new this.#sdk.storage.Upload({ client: this.#client, params, partSize: MULTIPART_BYTES, queueSize: 4 }).done();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.#client.send(new this.#sdk.s3.GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return await out.Body!.transformToByteArray();
    } catch (err) {
      if (err instanceof this.#sdk.s3.NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.#client.send(
        new this.#sdk.s3.ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#key(prefix), ...(token !== undefined ? { ContinuationToken: token } : {}) }),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.#prefix.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  async move(from: string, to: string): Promise<void> {
    const source = `${this.#bucket}/${this.#key(from).split('/').map(encodeURIComponent).join('/')}`;
    await this.#client.send(new this.#sdk.s3.CopyObjectCommand({ Bucket: this.#bucket, Key: this.#key(to), CopySource: source }));
    await this.#client.send(new this.#sdk.s3.DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(from) }));
  }

  async delete(keys: readonly string[]): Promise<void> {
    await inParallel(keys, (k) => this.#client.send(new this.#sdk.s3.DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(k) })));
  }

  async deleteAll(prefix: string): Promise<void> {
    await this.delete(await this.list(prefix));
  }

  localPath(key: string, cacheDir: string): Promise<string | undefined> {
    return cachedLocalPath(key, cacheDir, (k) => this.get(k));
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  #key(key: string): string {
    return this.#prefix + key;
  }
}
