import type { DataType } from '../../src/schema/data-types.js';
import type { TableSchema } from '../../src/schema/table-schema.js';
import type { FileStore } from './file-store.js';
import { FilesystemLayout } from './filesystem-layout.js';

/** One committed data file, as its load marker lists it. */
export interface MarkerFile {
  readonly table: string;
  /** File name inside `<dataset>/<table>/`. */
  readonly file: string;
  readonly format: 'parquet' | 'jsonl';
  readonly rows: number;
  /** The file's columns and their types (every file of a table may have a different subset). */
  readonly columns: readonly { readonly name: string; readonly data_type: DataType }[];
}

/**
 * `<dataset>/_dlt_loads/<load_id>.json`, the `_dlt_loads` row of a load plus the list of its files.
 * It is written last: **a reader trusts only data files listed in a marker** (files of a load without a
 * marker, or not listed in it, belong to an unfinished or failed commit and are ignored).
 */
export interface LoadMarker {
  readonly load_id: string;
  readonly schema_name: string;
  /** 0 when the load is complete (its last commit), 1 while more commits of the load may follow. */
  readonly status: number;
  readonly inserted_at: string;
  readonly schema_version_hash: string;
  readonly files: readonly MarkerFile[];
  /**
   * The state file of this commit, relative to `<dataset>/_dlt_pipeline_state/` (`<pipeline>/<load_id>__<hash>.json`).
   * Readers take a load's state from here only, so state and files always come from the same commit.
   */
  readonly state_file: string;
}

/**
 * `<dataset>/_dlt_pipeline_state/<pipeline>/<load_id>__<hash>.json`, the `_dlt_pipeline_state` row of a load.
 * Named by the hash of the state (as dlt names its state files), so a later commit of the same load writes a
 * new file instead of overwriting the one the current marker names.
 */
export interface StateFile {
  readonly version: number;
  readonly engine_version: number;
  readonly pipeline_name: string;
  readonly state: Readonly<Record<string, unknown>>;
  readonly created_at: string;
  readonly version_hash: string;
  readonly _dlt_load_id: string;
  /** The schema the state was committed with (not a dlt column; saves reading the marker). */
  readonly schema_version_hash: string;
}

/** `<dataset>/_dlt_version/<version_hash>.json`, the `_dlt_version` row of a schema version. */
export interface VersionFile {
  readonly version: number;
  readonly engine_version: number;
  readonly inserted_at: string;
  readonly schema_name: string;
  readonly version_hash: string;
  readonly schema: { readonly name: string; readonly version_hash: string; readonly tables: readonly TableSchema[] };
}

/** Read and parse a JSON file, or undefined when it does not exist. */
export async function readJson<T>(store: FileStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as T);
}

/** Encode a value as a JSON file body. */
export function jsonBody(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** The load ids that have a marker (committed loads), oldest first. */
export async function committedLoadIds(store: FileStore, dataset: string): Promise<string[]> {
  const dir = FilesystemLayout.loadsDir(dataset);
  return (await store.list(dir))
    .filter((k) => k.endsWith('.json') && !k.slice(dir.length).includes('/'))
    .map((k) => k.slice(dir.length, -'.json'.length))
    .sort(compareLoadIds);
}

/**
 * Order load ids oldest first, comparing runs of digits as numbers ("natural" order): notionflow's ids
 * (`1732398000.123456`, Unix time with six decimals) sort by time, and `load-10` comes after `load-9`.
 */
export function compareLoadIds(a: string, b: string): number {
  const x = a.match(/\d+|\D+/g) ?? [];
  const y = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    if (/^\d/.test(p) && /^\d/.test(q)) {
      const d = BigInt(p) - BigInt(q);
      if (d !== 0n) return d < 0n ? -1 : 1;
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
