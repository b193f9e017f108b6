import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { QueryResult } from '../destination.js';
import { DestinationError } from '../errors.js';
import type { FileStore } from './file-store.js';
import { FilesystemLayout as L } from './filesystem-layout.js';
import { committedLoadIds, readJson, type LoadMarker, type StateFile, type VersionFile } from './filesystem-manifest.js';
import { assertSelectOnly } from '../duckdb/duckdb-read-only.js';
import { duckdbColumnType } from '../duckdb/duckdb-type-names.js';

/** The system tables the reader rebuilds from the marker, state and schema files. */
const SYSTEM_TABLES: Readonly<Record<string, readonly (readonly [string, DataType])[]>> = {
  _dlt_loads: [['load_id', 'text'], ['schema_name', 'text'], ['status', 'bigint'], ['inserted_at', 'timestamp'], ['schema_version_hash', 'text']],
  _dlt_pipeline_state: [['version', 'bigint'], ['engine_version', 'bigint'], ['pipeline_name', 'text'], ['state', 'text'], ['created_at', 'timestamp'], ['version_hash', 'text'], ['_dlt_load_id', 'text']],
  _dlt_version: [['version', 'bigint'], ['engine_version', 'bigint'], ['inserted_at', 'timestamp'], ['schema_name', 'text'], ['version_hash', 'text'], ['schema', 'text']],
};

/**
 * SQL over the committed files of a dataset, through an in-memory DuckDB: each table becomes a view
 * `"<dataset>"."<table>"` over `read_parquet` / `read_json` of the files its load markers list (files of
 * loads without a marker are never read), with every column of the table (null where a file lacks it) and
 * the same types as the duckdb destination. `_dlt_loads`, `_dlt_pipeline_state` and `_dlt_version` are
 * rebuilt from the marker, state and schema files. Every query sees the files as they are when it starts.
 *
 * S3 objects are downloaded once into a temporary directory (DuckDB's httpfs cannot be installed offline),
 * so querying a large S3 dataset costs its size in local disk.
 *
 * Queries are read-only: only what DuckDB's parser calls a SELECT runs (no COPY … TO, no DDL), so a
 * query can neither write files nor change the views.
 */
export class FilesystemReader {
  readonly #store: FileStore;
  readonly #dataset: string;
  readonly #log: ((line: string) => void) | undefined;
  #instance: DuckDBInstance | undefined;
  #connection: DuckDBConnection | undefined;
  #cacheDir: string | undefined;

  constructor(store: FileStore, dataset: string, log?: (line: string) => void) {
    this.#store = store;
    this.#dataset = dataset;
    this.#log = log;
  }

  /** Run `sql` against the committed files; `extraTables` adds tables (and columns) known only to the session. */
  async query(sql: string, extraTables: ReadonlyMap<string, readonly ColumnSchema[]> = new Map()): Promise<QueryResult> {
    try {
      const con = await this.#connect();
      await this.#refresh(con, extraTables);
      await assertSelectOnly(con, sql, 'filesystem');
      this.#log?.(sql);
      const reader = await con.runAndReadAll(sql);
      const rows = reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' && v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v;
        return out;
      });
      return { columns: reader.columnNames(), rows };
    } catch (err) {
      if (err instanceof DestinationError) throw err;
      throw new DestinationError('filesystem', `query failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Close DuckDB and delete downloaded files. Idempotent. */
  async close(): Promise<void> {
    this.#connection?.closeSync();
    this.#instance?.closeSync();
    this.#connection = undefined;
    this.#instance = undefined;
    if (this.#cacheDir) await rm(this.#cacheDir, { recursive: true, force: true });
    this.#cacheDir = undefined;
  }

  async #connect(): Promise<DuckDBConnection> {
    if (this.#connection) return this.#connection;
    this.#cacheDir = await mkdtemp(join(tmpdir(), 'notionflow-fs-'));
    this.#instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    this.#connection = await this.#instance.connect();
    return this.#connection;
  }

  /** Recreate the dataset schema: one view per table, system tables from the JSON files. */
  async #refresh(con: DuckDBConnection, extraTables: ReadonlyMap<string, readonly ColumnSchema[]>): Promise<void> {
    const markers: LoadMarker[] = [];
    for (const id of await committedLoadIds(this.#store, this.#dataset)) {
      const m = await readJson<LoadMarker>(this.#store, L.loadMarker(this.#dataset, id));
      if (m) markers.push(m);
    }
    const versions = new Map<string, VersionFile>();
    for (const key of await this.#store.list(`${this.#dataset}/_dlt_version/`)) {
      const v = await readJson<VersionFile>(this.#store, key);
      if (v) versions.set(v.version_hash, v);
    }
    // Columns of each table: the session's, then the stored schemas (newest first), then the files' own.
    const columns = new Map<string, Map<string, DataType>>();
    const add = (table: string, name: string, type: DataType) => {
      const cols = columns.get(table) ?? new Map<string, DataType>();
      if (!cols.has(name)) cols.set(name, type);
      columns.set(table, cols);
    };
    for (const [t, cols] of extraTables) for (const c of cols) add(t, c.name, c.dataType);
    for (const v of [...versions.values()].sort((a, b) => b.version - a.version)) for (const t of v.schema.tables) for (const c of t.columns) add(t.name, c.name, c.dataType);
    for (const m of [...markers].reverse()) for (const f of m.files) for (const c of f.columns) add(f.table, c.name, c.data_type);
    for (const name of Object.keys(SYSTEM_TABLES)) columns.delete(name);

    const ds = quote(this.#dataset);
    await con.run(`DROP SCHEMA IF EXISTS ${ds} CASCADE`);
    await con.run(`CREATE SCHEMA ${ds}`);
    for (const [table, cols] of columns) {
      const present = await this.#presentFiles(table, markers);
      await con.run(`CREATE VIEW ${ds}.${quote(table)} AS ${await this.#tableSelect(cols, present)}`);
    }
    await this.#systemTables(con, markers, versions);
  }

  /** The committed files of `table` that exist (a replace deletes older ones), as local paths by format. */
  async #presentFiles(table: string, markers: readonly LoadMarker[]): Promise<{ parquet: string[]; jsonl: string[]; columns: Set<string> }> {
    const out = { parquet: [] as string[], jsonl: [] as string[], columns: new Set<string>() };
    const listed = markers.flatMap((m) => m.files.filter((f) => f.table === table));
    if (listed.length === 0) return out;
    const existing = new Set(await this.#store.list(L.tableDir(this.#dataset, table)));
    for (const f of listed) {
      const key = L.dataFile(this.#dataset, table, f.file);
      if (!existing.has(key)) continue;
      const path = await this.#store.localPath(key, this.#cacheDir!);
      if (path === undefined) continue;
      out[f.format].push(path);
      for (const c of f.columns) out.columns.add(c.name);
    }
    return out;
  }

  async #tableSelect(cols: ReadonlyMap<string, DataType>, files: { parquet: string[]; jsonl: string[]; columns: Set<string> }): Promise<string> {
    const list = (expr: (name: string, type: string) => string) => [...cols].map(([name, t]) => `${expr(name, duckdbColumnType(t))} AS ${quote(name)}`).join(', ');
    const selects: string[] = [];
    const fromFiles = (source: string) => `SELECT ${list((n, t) => (files.columns.has(n) ? `CAST(${quote(n)} AS ${t})` : `CAST(NULL AS ${t})`))} FROM ${source}`;
    if (files.parquet.length > 0) selects.push(fromFiles(`read_parquet(${pathList(files.parquet)}, union_by_name = true)`));
    if (files.jsonl.length > 0) {
      const spec = [...cols].filter(([n]) => files.columns.has(n)).map(([n, t]) => `${literal(n)}: ${literal(duckdbColumnType(t))}`);
      selects.push(fromFiles(`read_json(${pathList(files.jsonl)}, format = 'newline_delimited', columns = {${spec.join(', ')}})`));
    }
    if (selects.length === 0) return `SELECT ${list((_, t) => `CAST(NULL AS ${t})`)} WHERE false`;
    return selects.join(' UNION ALL ');
  }

  async #systemTables(con: DuckDBConnection, markers: readonly LoadMarker[], versions: ReadonlyMap<string, VersionFile>): Promise<void> {
    // One state row per load: the state file its marker names.
    const states: StateFile[] = [];
    for (const m of markers) {
      const s = await readJson<StateFile>(this.#store, L.stateFile(this.#dataset, m.state_file));
      if (s) states.push(s);
    }
    const rows: Record<string, readonly DuckDBValue[][]> = {
      _dlt_loads: markers.map((m) => [m.load_id, m.schema_name, m.status, m.inserted_at, m.schema_version_hash]),
      _dlt_pipeline_state: states.map((s) => [s.version, s.engine_version, s.pipeline_name, JSON.stringify(s.state), s.created_at, s.version_hash, s._dlt_load_id]),
      _dlt_version: [...versions.values()].map((v) => [v.version, v.engine_version, v.inserted_at, v.schema_name, v.version_hash, JSON.stringify(v.schema)]),
    };
    for (const [name, cols] of Object.entries(SYSTEM_TABLES)) {
      const target = `${quote(this.#dataset)}.${quote(name)}`;
      await con.run(`CREATE TABLE ${target} (${cols.map(([n, t]) => `${quote(n)} ${duckdbColumnType(t)}`).join(', ')})`);
      const params = cols.map(([, t], i) => `CAST($${i + 1} AS ${duckdbColumnType(t)})`).join(', ');
      for (const row of rows[name]!) await con.run(`INSERT INTO ${target} VALUES (${params})`, row.map((v) => (typeof v === 'number' ? String(v) : v)));
    }
  }
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function pathList(paths: readonly string[]): string {
  return `[${paths.map(literal).join(', ')}]`;
}
