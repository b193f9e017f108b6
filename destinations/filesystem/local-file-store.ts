import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { FileStore } from './file-store.js';

/**
 * A {@link FileStore} over a local directory. `put` writes a temporary sibling and renames it, so a
 * reader never sees half a file (rename is atomic on one filesystem).
 */
export class LocalFileStore implements FileStore {
  readonly #root: string;
  #tmp = 0;

  constructor(root: string) {
    this.#root = root;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${++this.#tmp}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.#path(prefix);
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
      .map((e) => relative(this.#root, join(e.parentPath, e.name)).split(sep).join('/'));
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.#path(to);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.#path(from), target);
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(this.#path(k), { force: true })));
  }

  async deleteAll(prefix: string): Promise<void> {
    let dir = this.#path(prefix);
    await rm(dir, { recursive: true, force: true });
    // Remove parents left empty (`_staging/`), up to the root; rmdir refuses a folder that is not empty.
    for (dir = dirname(dir); dir.startsWith(this.#root) && dir !== this.#root; dir = dirname(dir)) {
      if (!(await rmdir(dir).then(() => true, () => false))) break;
    }
  }

  async localPath(key: string): Promise<string | undefined> {
    const path = this.#path(key);
    return existsSync(path) ? path : undefined;
  }

  async close(): Promise<void> {}

  #path(key: string): string {
    return join(this.#root, ...key.split('/'));
  }
}
