import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The few object operations the filesystem destination needs, over a local directory or a prefix in an
 * object store (S3, GCS, Azure Blob).
 * Keys are relative, `/`-separated paths (`notion_data/pages/1732398000.123456.1.parquet`).
 */
export interface FileStore {
  /** Write `body` to `key`, replacing it. A reader sees the whole object or nothing. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** The bytes of `key`, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key under `prefix` (a folder, ending in `/`), in any order. */
  list(prefix: string): Promise<string[]>;
  /** Move `from` to `to` (a rename on disk; copy + delete in object stores). */
  move(from: string, to: string): Promise<void>;
  /** Delete `keys`; keys that do not exist are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** Delete everything under `prefix` (a folder, ending in `/`), and the folder itself on disk. */
  deleteAll(prefix: string): Promise<void>;
  /**
   * A local path holding the bytes of `key`, for readers that need files (DuckDB), or undefined when
   * `key` does not exist. Objects in a store are downloaded into `cacheDir` once.
   */
  localPath(key: string, cacheDir: string): Promise<string | undefined>;
  /** Release clients. Idempotent. */
  close(): Promise<void>;
}

/** How many object operations {@link inParallel} runs at once. */
const PARALLEL = 8;

/** Run `fn` over `items`, at most eight at a time (deletes and moves of many files). */
export async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

/**
 * `localPath` of an object store: `key` downloaded with `get` into `cacheDir` once, then the cached copy.
 * Data files are never rewritten (every name carries its load id), so a cached copy stays valid.
 */
export async function cachedLocalPath(key: string, cacheDir: string, get: (key: string) => Promise<Uint8Array | undefined>): Promise<string | undefined> {
  const path = join(cacheDir, ...key.split('/'));
  if (existsSync(path)) return path;
  const body = await get(key);
  if (!body) return undefined;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
  return path;
}
