import type * as GcsSdk from '@google-cloud/storage';
import { importOptional, type Importer } from '../optional-import.js';
import { cachedLocalPath, inParallel, type FileStore } from './file-store.js';
import { parseServiceAccountKey, type FilesystemGcsOptions } from './filesystem-config.js';

/** `@google-cloud/storage` (an optional peer dependency). */
export type GcsModule = typeof GcsSdk;

/** Import `@google-cloud/storage`; not installed, a `MissingPackageError` saying `npm install @google-cloud/storage`. */
export async function loadGcsSdk(importer?: Importer): Promise<GcsModule> {
  const [gcs] = (await importOptional('filesystem', ['@google-cloud/storage'], importer)) as [GcsModule];
  return gcs;
}

/** Bodies above this size go up as a resumable upload, smaller ones in one multipart request (Google's advice: resumable above a few MiB). */
const RESUMABLE_BYTES = 8 * 1024 * 1024;

/**
 * A {@link FileStore} over `gs://bucket/prefix`, through the JSON API. GCS has no rename, so `move` is a
 * server-side rewrite + delete. Uploads are checked with CRC32C (the client's default).
 *
 * With a custom `endpoint` (an emulator) and no key, the client sends no credentials, and never looks
 * for the metadata server.
 */
export class GcsFileStore implements FileStore {
  readonly #bucket: GcsSdk.Bucket;
  readonly #prefix: string;

  constructor(bucket: string, prefix: string, options: FilesystemGcsOptions, gcs: GcsModule) {
    this.#prefix = prefix ? `${prefix}/` : '';
    const credentials = typeof options.credentials === 'string' ? parseServiceAccountKey(options.credentials) : options.credentials;
    const projectId = options.projectId ?? credentials?.project_id;
    const keyed = credentials !== undefined || options.keyFilename !== undefined;
    const storage = new gcs.Storage({
      ...(options.endpoint !== undefined ? { apiEndpoint: options.endpoint.replace(/\/+$/, ''), useAuthWithCustomEndpoint: keyed } : {}),
      ...(projectId !== undefined ? { projectId } : {}),
      ...(credentials !== undefined ? { credentials: { client_email: credentials.client_email, private_key: credentials.private_key } } : {}),
      ...(options.keyFilename !== undefined ? { keyFilename: options.keyFilename } : {}),
    });
    this.#bucket = storage.bucket(bucket);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.#bucket.file(this.#key(key)).save(Buffer.from(body.buffer, body.byteOffset, body.byteLength), {
      resumable: body.byteLength > RESUMABLE_BYTES,
      validation: 'crc32c',
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const [body] = await this.#bucket.file(this.#key(key)).download();
      return body;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const [files] = await this.#bucket.getFiles({ prefix: this.#key(prefix), autoPaginate: true });
    return files.map((f) => f.name.slice(this.#prefix.length));
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.#bucket.file(this.#key(from));
    await source.copy(this.#bucket.file(this.#key(to)));
    await source.delete({ ignoreNotFound: true });
  }

  async delete(keys: readonly string[]): Promise<void> {
    await inParallel(keys, (k) => this.#bucket.file(this.#key(k)).delete({ ignoreNotFound: true }));
  }

  async deleteAll(prefix: string): Promise<void> {
    await this.delete(await this.list(prefix));
  }

  localPath(key: string, cacheDir: string): Promise<string | undefined> {
    return cachedLocalPath(key, cacheDir, (k) => this.get(k));
  }

  async close(): Promise<void> {
    // The client holds no connections of its own (requests go through Node's global agent).
  }

  #key(key: string): string {
    return this.#prefix + key;
  }
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown }).code === 404;
}
