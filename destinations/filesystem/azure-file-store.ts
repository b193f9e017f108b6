import type * as AzureSdk from '@azure/storage-blob';
import { importOptional, type Importer } from '../optional-import.js';
import { cachedLocalPath, inParallel, type FileStore } from './file-store.js';
import type { FilesystemAzureOptions } from './filesystem-config.js';

/** `@azure/storage-blob` (an optional peer dependency). */
export type AzureModule = typeof AzureSdk;

/** Import `@azure/storage-blob`; not installed, a `MissingPackageError` saying `npm install @azure/storage-blob`. */
export async function loadAzureSdk(importer?: Importer): Promise<AzureModule> {
  const [azure] = (await importOptional('filesystem', ['@azure/storage-blob'], importer)) as [AzureModule];
  return azure;
}

/** Block size of uploads above `uploadData`'s single-request limit (256 MiB); our files stay below it. */
const BLOCK_BYTES = 16 * 1024 * 1024;

/**
 * A {@link FileStore} over an Azure Blob container (`az://container/prefix`, or
 * `abfss://container@account.dfs.core.windows.net/prefix`), as block blobs. Blob storage has no rename
 * (outside hierarchical namespaces), so `move` is a server-side copy + delete.
 */
export class AzureFileStore implements FileStore {
  readonly #container: AzureSdk.ContainerClient;
  readonly #prefix: string;

  constructor(container: string, prefix: string, options: FilesystemAzureOptions, account: string | undefined, azure: AzureModule) {
    this.#prefix = prefix ? `${prefix}/` : '';
    this.#container = serviceClient(options, account, azure).getContainerClient(container);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.#container.getBlockBlobClient(this.#key(key)).uploadData(body, { blockSize: BLOCK_BYTES, concurrency: 4 });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.#container.getBlobClient(this.#key(key)).downloadToBuffer();
    } catch (err) {
      if ((err as { statusCode?: unknown }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const blob of this.#container.listBlobsFlat({ prefix: this.#key(prefix) })) keys.push(blob.name.slice(this.#prefix.length));
    return keys;
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.#container.getBlobClient(this.#key(from));
    // Within one account the copy is authorized by this request's own credentials; it completes at once.
    const poller = await this.#container.getBlobClient(this.#key(to)).beginCopyFromURL(source.url);
    await poller.pollUntilDone();
    await source.deleteIfExists();
  }

  async delete(keys: readonly string[]): Promise<void> {
    await inParallel(keys, (k) => this.#container.getBlobClient(this.#key(k)).deleteIfExists());
  }

  async deleteAll(prefix: string): Promise<void> {
    await this.delete(await this.list(prefix));
  }

  localPath(key: string, cacheDir: string): Promise<string | undefined> {
    return cachedLocalPath(key, cacheDir, (k) => this.get(k));
  }

  async close(): Promise<void> {
    // The client keeps no connections of its own to release.
  }

  #key(key: string): string {
    return this.#prefix + key;
  }
}

/** A service client from a connection string, or from an account key and the account's (or `endpoint`'s) blob URL. */
function serviceClient(options: FilesystemAzureOptions, account: string | undefined, azure: AzureModule): AzureSdk.BlobServiceClient {
  if (options.connectionString) return azure.BlobServiceClient.fromConnectionString(options.connectionString);
  const name = options.accountName ?? account!;
  const endpoint = options.endpoint?.replace(/\/+$/, '') ?? `https://${name}.blob.core.windows.net`;
  return new azure.BlobServiceClient(endpoint, new azure.StorageSharedKeyCredential(name, options.accountKey!));
}
