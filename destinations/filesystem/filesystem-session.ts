import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import type { ColumnSchema, TableSchema } from '../../src/schema/table-schema.js';
import type { Abortable, DestinationSession, LoadCommit, OpenContext, QueryResult, StoredState } from '../destination.js';
import { ParquetWriter } from '../duckdb/duckdb-parquet-writer.js';
import { DestinationError } from '../errors.js';
import { inParallel, type FileStore } from './file-store.js';
import { conformBatch, encodeJsonl, type FileFormat } from './filesystem-file-writer.js';
import { FilesystemLayout as L } from './filesystem-layout.js';
import { committedLoadIds, compareLoadIds, jsonBody, readJson, type LoadMarker, type MarkerFile, type StateFile, type VersionFile } from './filesystem-manifest.js';
import { FilesystemReader } from './filesystem-reader.js';

/** `engine_version` of state and schema files, as dlt writes them. */
const STATE_ENGINE_VERSION = 4;
const SCHEMA_ENGINE_VERSION = 10;

/** Open files of all tables together hold at most this many times `maxFileBytes` before the largest is written out. */
const BUFFERED_FILES = 4;

/** Batches of one table waiting to become one file; all have `columns`. */
interface OpenFile {
  readonly columns: readonly ColumnSchema[];
  readonly batches: RecordBatch[];
  bytes: number;
}

/** A data file written to staging, waiting for the commit. */
interface StagedFile {
  readonly table: string;
  readonly key: string;
  readonly n: number;
  readonly rows: number;
  readonly columns: readonly ColumnSchema[];
}

/** What a session needs besides the store. */
export interface FilesystemSessionOptions {
  readonly format: FileFormat;
  readonly maxFileBytes: number;
}

/**
 * A filesystem session: data files under `<bucket_url>/<dataset>/`, see `FilesystemLayout`.
 *
 * `write` conforms each batch to its table's current columns and buffers it; a table's buffer becomes a
 * file in `_staging/<session id>/` when it reaches `maxFileBytes`, when the table's columns change (one
 * schema per file: the file rotates), when all buffers together pass four times `maxFileBytes` (the
 * largest goes), and at commit. A `_staging/` folder left by a crashed process may be deleted whenever
 * no load is running. The load id is known only at commit, so staged files
 * are named `<n>.<ext>` and get their final name `<load_id>.<n>.<ext>` when they move into place.
 *
 * `commit`: move the staged files into `<dataset>/<table>/`, delete the previous files of `replace` tables
 * and their descendants, write the state file (and the schema file when it changed), and write the load
 * marker LAST. Readers trust only files listed in a marker, so a commit that fails half-way leaves nothing
 * visible (the moved files are deleted again when possible; any left over stay invisible). Replace is not
 * atomic: its deletes happen before the marker, as in dlt, so a crash between them leaves the table empty.
 *
 * A load committed several times (checkpoints) rewrites its marker at every commit: the marker lists the
 * files of all its commits so far and names the state file of the newest one. Each state file has a new
 * name (`<load_id>__<state hash>.json`) and the previous one is deleted only after the new marker is in
 * place, so whatever commit fails, the marker, its files and its state always belong together.
 *
 * Merge is not supported (capabilities say so, and the pipeline appends instead, as dlt's filesystem does),
 * and neither are row deletes: `LoadCommit.deletes` is ignored, so a replaced block tree or a trashed page
 * leaves its older rows in place (dlt's filesystem destination is append-only too).
 */
export class FilesystemSession implements DestinationSession {
  readonly #store: FileStore;
  readonly #dataset: string;
  readonly #options: FilesystemSessionOptions;
  readonly #log: ((line: string) => void) | undefined;
  readonly #stagingDir: string;
  /** The columns of every table ensured in this session. */
  readonly #tables = new Map<string, ColumnSchema[]>();
  readonly #open = new Map<string, OpenFile>();
  #staged: StagedFile[] = [];
  /** The marker of each load committed in this session, so a later commit of the same load keeps its files. */
  readonly #committed = new Map<string, LoadMarker>();
  #fileSeq = 0;
  /** Arrow bytes held in all open files. */
  #bufferedBytes = 0;
  #reader: FilesystemReader | undefined;
  /** Parquet files are written by DuckDB into this local directory, then put into the store. */
  #parquet: { readonly writer: ParquetWriter; readonly dir: string } | undefined;
  #closed = false;

  constructor(store: FileStore, ctx: OpenContext, options: FilesystemSessionOptions) {
    this.#store = store;
    this.#dataset = ctx.datasetName;
    this.#options = options;
    this.#log = ctx.log;
    this.#stagingDir = L.stagingDir(ctx.datasetName, randomUUID());
  }

  async readState(pipelineName: string, opts?: Abortable): Promise<StoredState | undefined> {
    opts?.signal?.throwIfAborted();
    return this.#guard('could not read the pipeline state', undefined, undefined, async () => {
      const state = await this.#latestState(pipelineName);
      if (!state) return undefined;
      const version = await this.#versionFor(state.schema_version_hash);
      return {
        state: state.state,
        tables: version?.schema.tables ?? [],
        schemaVersionHash: version?.version_hash ?? '',
        loadId: state._dlt_load_id,
      };
    });
  }

  async ensureSchema(tables: readonly TableSchema[], opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    for (const table of tables) {
      const have = this.#tables.get(table.name);
      const known = new Set(have?.map((c) => c.name));
      const added = table.columns.filter((c) => !known.has(c.name));
      if (have && added.length === 0) continue;
      // One schema per file: a table whose columns grew starts a new file.
      if (this.#open.has(table.name)) await this.#flush(table.name);
      this.#tables.set(table.name, [...(have ?? []), ...added]);
    }
  }

  async write(table: string, batch: RecordBatch, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    const columns = this.#tables.get(table);
    if (!columns) throw new DestinationError('filesystem', `table "${table}" is unknown; call ensureSchema first.`, { table });
    const conformed = conformBatch(table, columns, batch);
    let file = this.#open.get(table);
    if (!file) {
      file = { columns: [...columns], batches: [], bytes: 0 };
      this.#open.set(table, file);
    }
    const bytes = conformed.data.children.reduce((sum, d) => sum + d.byteLength, 0);
    file.batches.push(conformed);
    file.bytes += bytes;
    this.#bufferedBytes += bytes;
    if (file.bytes >= this.#options.maxFileBytes) await this.#flush(table);
    // Many tables each below the file size can still add up: write out the largest buffers first.
    while (this.#bufferedBytes >= BUFFERED_FILES * this.#options.maxFileBytes) {
      const [largest] = [...this.#open].sort(([, a], [, b]) => b.bytes - a.bytes)[0]!;
      await this.#flush(largest);
    }
  }

  async commit(load: LoadCommit, opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    if (load.deletes?.length) this.#log?.(`ignore ${load.deletes.length} row delete(s): files are append-only`);
    /** Files this commit put in place; deleted again if it fails. */
    const written: string[] = [];
    let step = 'staging';
    try {
      for (const table of [...this.#open.keys()]) await this.#flush(table);
      step = 'replace';
      const replaced = await this.#filesOfReplacedTables(load);
      step = 'move';
      const files: MarkerFile[] = [];
      await inParallel(this.#staged, async (f) => {
        const file = L.fileName(load.loadId, f.n, this.#options.format);
        const target = L.dataFile(this.#dataset, f.table, file);
        this.#log?.(`move ${f.key} -> ${target}`);
        await this.#store.move(f.key, target);
        written.push(target);
        files.push({ table: f.table, file, format: this.#options.format, rows: f.rows, columns: f.columns.map((c) => ({ name: c.name, data_type: c.dataType })) });
      });
      step = 'replace';
      if (replaced.length > 0) {
        this.#log?.(`delete ${replaced.length} file(s) of replaced tables`);
        await this.#store.delete(replaced);
      }
      step = '_dlt_pipeline_state';
      const stateJson = JSON.stringify(load.state);
      const now = new Date().toISOString();
      const stateHash = createHash('md5').update(stateJson).digest('hex');
      const state: StateFile = {
        version: ((await this.#latestState(load.pipelineName))?.version ?? 0) + 1,
        engine_version: STATE_ENGINE_VERSION,
        pipeline_name: load.pipelineName,
        state: load.state,
        created_at: now,
        version_hash: stateHash,
        _dlt_load_id: load.loadId,
        schema_version_hash: load.schemaVersionHash,
      };
      // A new file per state: the one the current marker names stays intact until the new marker replaces it.
      const stateName = L.stateName(load.pipelineName, load.loadId, stateHash);
      const previous = this.#committed.get(load.loadId);
      await this.#put(L.stateFile(this.#dataset, stateName), state);
      if (previous?.state_file !== stateName) written.push(L.stateFile(this.#dataset, stateName));
      if (load.schemaChanged) {
        step = '_dlt_version';
        const versions = (await this.#store.list(`${this.#dataset}/_dlt_version/`)).length;
        const version: VersionFile = {
          version: versions + 1,
          engine_version: SCHEMA_ENGINE_VERSION,
          inserted_at: now,
          schema_name: load.schemaName,
          version_hash: load.schemaVersionHash,
          schema: { name: load.schemaName, version_hash: load.schemaVersionHash, tables: load.tables },
        };
        await this.#put(L.versionFile(this.#dataset, load.schemaVersionHash), version);
      }
      step = '_dlt_loads';
      const marker: LoadMarker = {
        load_id: load.loadId,
        schema_name: load.schemaName,
        status: load.final ? 0 : 1,
        inserted_at: now,
        schema_version_hash: load.schemaVersionHash,
        files: [...(previous?.files ?? []), ...files.sort((a, b) => compareLoadIds(a.file, b.file))],
        state_file: stateName,
      };
      await this.#put(L.loadMarker(this.#dataset, load.loadId), marker);
      this.#committed.set(load.loadId, marker);
      // One state file per load: the previous commit's is named by no marker any more.
      if (previous && previous.state_file !== stateName) await this.#store.delete([L.stateFile(this.#dataset, previous.state_file)]).catch(() => undefined);
    } catch (err) {
      // No marker names the moved files or the new state file, so they are invisible; delete them so they do not linger.
      await this.#store.delete(written).catch(() => undefined);
      throw err instanceof DestinationError
        ? err
        : new DestinationError('filesystem', `commit of load ${load.loadId} failed at ${step}: ${(err as Error).message}`, { cause: err, loadId: load.loadId });
    }
    this.#staged = [];
    await this.#store.deleteAll(this.#stagingDir).catch(() => undefined);
  }

  async rollback(opts?: Abortable): Promise<void> {
    opts?.signal?.throwIfAborted();
    this.#open.clear();
    this.#bufferedBytes = 0;
    this.#staged = [];
    await this.#guard('could not delete staged files', undefined, undefined, () => this.#store.deleteAll(this.#stagingDir));
  }

  async query(sql: string, opts?: Abortable): Promise<QueryResult> {
    opts?.signal?.throwIfAborted();
    this.#reader ??= new FilesystemReader(this.#store, this.#dataset, this.#log);
    return this.#reader.query(sql, this.#tables);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#open.clear();
    try {
      if (this.#staged.length > 0) await this.#store.deleteAll(this.#stagingDir).catch(() => undefined);
      await this.#reader?.close();
      await this.#parquet?.writer.close();
      if (this.#parquet) await rm(this.#parquet.dir, { recursive: true, force: true });
    } finally {
      await this.#store.close();
    }
  }

  /** Write the buffered batches of `table` as one staged file. */
  async #flush(table: string): Promise<void> {
    const open = this.#open.get(table);
    if (!open) return;
    this.#open.delete(table);
    this.#bufferedBytes -= open.bytes;
    const n = ++this.#fileSeq;
    const key = `${this.#stagingDir}${table}/${n}.${this.#options.format}`;
    const rows = open.batches.reduce((sum, b) => sum + b.numRows, 0);
    await this.#guard(`could not write a ${this.#options.format} file`, table, undefined, async () => {
      const body = this.#options.format === 'parquet' ? await this.#encodeParquet(n, open) : encodeJsonl(open.columns, open.batches);
      this.#log?.(`put ${key} (${rows} rows, ${body.byteLength} bytes)`);
      await this.#store.put(key, body);
    });
    this.#staged.push({ table, key, n, rows, columns: open.columns });
  }

  /** One file's batches as Parquet bytes, written by DuckDB to a local file first (so S3 uploads a finished file). */
  async #encodeParquet(n: number, open: OpenFile): Promise<Uint8Array> {
    this.#parquet ??= { writer: new ParquetWriter(), dir: await mkdtemp(join(tmpdir(), 'notionflow-parquet-')) };
    const path = join(this.#parquet.dir, `${n}.parquet`);
    try {
      await this.#parquet.writer.write(path, open.columns, open.batches);
      return await readFile(path);
    } finally {
      await rm(path, { force: true });
    }
  }

  /** The data files now in place for every `replace` root of this commit and its descendants. */
  async #filesOfReplacedTables(load: LoadCommit): Promise<string[]> {
    const byName = new Map(load.tables.map((t) => [t.name, t]));
    const isUnder = (name: string, root: string): boolean => {
      for (let t = byName.get(name); t; t = t.parent === undefined ? undefined : byName.get(t.parent)) if (t.name === root) return true;
      return false;
    };
    const tables = new Set<string>();
    for (const root of load.replaceTables) {
      tables.add(root);
      for (const t of load.tables) if (isUnder(t.name, root)) tables.add(t.name);
    }
    const keys: string[] = [];
    for (const t of tables) {
      const dir = L.tableDir(this.#dataset, t);
      keys.push(...(await this.#store.list(dir)).filter((k) => !k.slice(dir.length).includes('/')));
    }
    return keys;
  }

  /** The state file named by the newest load marker of `pipelineName` (the state of its newest commit). */
  async #latestState(pipelineName: string): Promise<StateFile | undefined> {
    for (const id of (await committedLoadIds(this.#store, this.#dataset)).reverse()) {
      const marker = await readJson<LoadMarker>(this.#store, L.loadMarker(this.#dataset, id));
      if (marker?.state_file.startsWith(`${pipelineName}/`)) return readJson<StateFile>(this.#store, L.stateFile(this.#dataset, marker.state_file));
    }
    return undefined;
  }

  /** The schema file of `hash`, or the newest one when it is missing. */
  async #versionFor(hash: string): Promise<VersionFile | undefined> {
    const exact = hash ? await readJson<VersionFile>(this.#store, L.versionFile(this.#dataset, hash)) : undefined;
    if (exact) return exact;
    let newest: VersionFile | undefined;
    for (const key of await this.#store.list(`${this.#dataset}/_dlt_version/`)) {
      const v = await readJson<VersionFile>(this.#store, key);
      if (v && (!newest || v.version > newest.version)) newest = v;
    }
    return newest;
  }

  async #put(key: string, value: unknown): Promise<void> {
    this.#log?.(`put ${key}`);
    await this.#store.put(key, jsonBody(value));
  }

  async #guard<T>(what: string, table: string | undefined, loadId: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DestinationError) throw err;
      throw new DestinationError('filesystem', `${what}: ${(err as Error).message}`, {
        cause: err,
        ...(table !== undefined ? { table } : {}),
        ...(loadId !== undefined ? { loadId } : {}),
      });
    }
  }
}
