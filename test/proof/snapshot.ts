import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';

/**
 * What a dataset holds, read straight from where it is stored with the engine's own client (never
 * through notionflow's destination or dataset code): every table the catalog lists, with its columns
 * and types and every row, values included, sorted. Load bookkeeping is left out: the `_dlt_load_id` of
 * every row, and the load ids and times of the system tables (see {@link BOOKKEEPING}, {@link HISTORY}).
 */
export interface DatasetSnapshot {
  /** Table name → column name → type, as the catalog says. */
  readonly columns: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Table name → its rows as canonical JSON text (keys sorted at every depth), sorted. */
  readonly rows: Readonly<Record<string, readonly string[]>>;
  /** The newest committed pipeline state, without the keys naming the run that wrote it; undefined when none. */
  readonly state: unknown;
}

/**
 * Columns that say when and in which load a row was written, not what was loaded: they differ between
 * two loads of the same workspace by design. `*` applies to every table.
 */
export const BOOKKEEPING: Readonly<Record<string, readonly string[]>> = {
  '*': ['_dlt_load_id'],
  _dlt_loads: ['load_id', 'inserted_at'],
  // version_hash is the md5 of the state text, which holds the run's load id and start time.
  _dlt_pipeline_state: ['created_at', 'version_hash'],
  _dlt_version: ['inserted_at'],
};

/**
 * History tables, reduced to their newest row (by the column named, itself left out): `_dlt_version`
 * keeps a schema version per commit that grew the schema, and which columns a commit had seen depends on
 * which pages arrived before it, so only the last version is what was loaded.
 */
export const HISTORY: Readonly<Record<string, string>> = { _dlt_version: 'version' };

/** Keys of the stored pipeline state that name the run that wrote it, not what it loaded. */
const STATE_BOOKKEEPING = ['last_load_id', 'run_started_at'];

/**
 * JSON documents of the system tables, compared as documents: the pipeline state without the keys
 * naming the run that wrote it, and the stored schema with its tables and columns in name order (they
 * are listed in the order pages arrived, which retries change; `Schema.versionHash` ignores it too).
 */
const DOCUMENTS: Readonly<Record<string, Readonly<Record<string, (doc: unknown) => unknown>>>> = {
  _dlt_pipeline_state: { state: (doc) => withoutStateBookkeeping(doc) },
  _dlt_version: { schema: (doc) => schemaInNameOrder(doc) },
};

/** Whether a column is load bookkeeping (see {@link BOOKKEEPING}). */
export function isBookkeeping(table: string, column: string): boolean {
  return (BOOKKEEPING['*'] ?? []).includes(column) || (BOOKKEEPING[table] ?? []).includes(column);
}

/** Whether a table is one of dlt's system tables (`_dlt_loads`, `_dlt_pipeline_state`, `_dlt_version`). */
export function isSystemTable(table: string): boolean {
  return table.startsWith('_dlt_');
}

/** A pipeline state document without the keys naming the run that wrote it. */
export function withoutStateBookkeeping(state: unknown): unknown {
  return without(state, STATE_BOOKKEEPING);
}

/** Canonical JSON of a row: object keys sorted at every depth, system-table documents parsed (see {@link DOCUMENTS}). */
export function canonicalRow(table: string, row: Readonly<Record<string, unknown>>): string {
  const documents = DOCUMENTS[table] ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = documents[k] && typeof v === 'string' ? documents[k](JSON.parse(v)) : v;
  return JSON.stringify(sortKeys(out), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, sortKeys(record[k])]));
}

/** `doc` without the given keys, at any depth. */
function without(doc: unknown, keys: readonly string[]): unknown {
  if (Array.isArray(doc)) return doc.map((d) => without(d, keys));
  if (doc === null || typeof doc !== 'object') return doc;
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !keys.includes(k)).map(([k, v]) => [k, without(v, keys)]));
}

function schemaInNameOrder(doc: unknown): unknown {
  const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const schema = doc as { tables?: { name: string; columns?: { name: string }[] }[] };
  return { ...schema, tables: (schema.tables ?? []).map((t) => ({ ...t, columns: [...(t.columns ?? [])].sort(byName) })).sort(byName) };
}

/** Options of {@link snapshotOf}. */
export interface SnapshotOptions {
  /**
   * The destination only appends (files, sinks): rows are read as its documented readers read them,
   * one per `_dlt_id`, the one of the newest `_dlt_load_id`.
   */
  readonly appendOnly?: boolean;
  /** The newest committed state, for stores that keep it outside a `_dlt_pipeline_state` table. */
  readonly state?: unknown;
}

/** Builds a {@link DatasetSnapshot} from the catalog's columns and a reader of each table's rows (all columns). */
export async function snapshotOf(
  catalog: readonly { readonly table: string; readonly column: string; readonly type: string }[],
  readRows: (table: string, columns: readonly string[]) => Promise<readonly Record<string, unknown>[]>,
  options: SnapshotOptions = {},
): Promise<DatasetSnapshot> {
  const columns: Record<string, Record<string, string>> = {};
  for (const { table, column, type } of catalog) (columns[table] ??= {})[column] = type;
  const rows: Record<string, string[]> = {};
  let state = options.state;
  for (const table of Object.keys(columns).sort()) {
    let read = await readRows(table, Object.keys(columns[table]!));
    if (options.appendOnly && !isSystemTable(table)) read = newestPerId(read);
    const history = HISTORY[table];
    if (history !== undefined) read = newestBy(read, history).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== history)));
    if (table === '_dlt_pipeline_state') {
      const [newest] = newestBy(read, 'version');
      state = newest === undefined ? undefined : withoutStateBookkeeping(JSON.parse(String(newest['state'])));
    }
    rows[table] = read
      .map((row) => canonicalRow(table, Object.fromEntries(Object.entries(row).filter(([c]) => !isBookkeeping(table, c)))))
      .sort();
  }
  return { columns, rows, state };
}

/** The row with the greatest numeric `column`, as a list of at most one. */
function newestBy(rows: readonly Record<string, unknown>[], column: string): Record<string, unknown>[] {
  const newest = rows.reduce<Record<string, unknown> | undefined>((a, r) => (a === undefined || Number(r[column]) > Number(a[column]) ? r : a), undefined);
  return newest === undefined ? [] : [newest];
}

/** One row per `_dlt_id`: the one with the newest `_dlt_load_id` (load ids are epoch seconds). */
function newestPerId(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const byId = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const id = String(row['_dlt_id']);
    const kept = byId.get(id);
    if (kept === undefined || Number(row['_dlt_load_id']) > Number(kept['_dlt_load_id'])) byId.set(id, row);
  }
  return [...byId.values()];
}

/** `"name"`, with embedded quotes doubled (table and column names are hostile in the built-in workspace). */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The {@link DatasetSnapshot} of schema `dataset` in the DuckDB file at `path`, opened read-only. */
export async function duckdbSnapshot(path: string, dataset = 'notion_data'): Promise<DatasetSnapshot> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const catalog = await connection.runAndReadAll(
      'select table_name, column_name, data_type from information_schema.columns where table_schema = $1 order by table_name, ordinal_position',
      [dataset],
    );
    return await snapshotOf(
      catalog.getRowObjectsJson().map((r) => ({ table: String(r['table_name']), column: String(r['column_name']), type: String(r['data_type']) })),
      async (table, columns) => {
        const reader = await connection.runAndReadAll(`select ${columns.map(quoteName).join(', ')} from ${quoteName(dataset)}.${quoteName(table)}`);
        return reader.getRowObjectsJson();
      },
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The {@link DatasetSnapshot} of schema `dataset` of a PostgreSQL database, read with `pg`. */
export async function postgresSnapshot(connectionString: string, dataset = 'notion_data'): Promise<DatasetSnapshot> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const catalog = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      'select table_name, column_name, data_type from information_schema.columns where table_schema = $1 order by table_name, ordinal_position',
      [dataset],
    );
    return await snapshotOf(
      catalog.rows.map((r) => ({ table: r.table_name, column: r.column_name, type: r.data_type })),
      async (table, columns) => (await client.query(`select ${columns.map(quoteName).join(', ')} from ${quoteName(dataset)}.${quoteName(table)}`)).rows,
    );
  } finally {
    await client.end();
  }
}

/**
 * The {@link DatasetSnapshot} of schema `dataset` of database `database` in the Snowflake fake, read from
 * the DuckDB behind it. Snowflake folds quoted names to upper case; they are lower-cased back here, as
 * notionflow names them.
 */
export async function snowflakeSnapshot(fake: FakeSnowflake, database: string, dataset = 'notion_data'): Promise<DatasetSnapshot> {
  const schema = dataset.toUpperCase();
  const catalog = await fake.inspect(
    database,
    `select table_name, column_name, data_type from information_schema.columns where table_catalog = '${database}' and table_schema = '${schema}' order by table_name, ordinal_position`,
  );
  const lower = (row: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
  return snapshotOf(
    catalog.map((r) => ({ table: String(r['table_name']).toLowerCase(), column: String(r['column_name']).toLowerCase(), type: String(r['data_type']) })),
    async (table, columns) =>
      (await fake.inspect(database, `select ${columns.map((c) => quoteName(c.toUpperCase())).join(', ')} from ${quoteName(schema)}.${quoteName(table.toUpperCase())}`)).map(lower),
  );
}

/** A load marker of the filesystem destination, as its documented layout has it (`<dataset>/_dlt_loads/<load_id>.json`). */
interface Marker {
  readonly load_id: string;
  readonly status: number;
  readonly state_file: string;
  readonly files: readonly { readonly table: string; readonly file: string; readonly format: string; readonly columns: readonly { readonly name: string; readonly data_type: string }[] }[];
}

/**
 * The {@link DatasetSnapshot} of the data tables of a local filesystem destination at `root`, read the way
 * its layout documents: only files a load marker lists are committed; rows are one per `_dlt_id`, the
 * newest load's. Read with DuckDB's `read_parquet` / `read_json`; the state is the newest marker's.
 */
export async function filesystemSnapshot(root: string, dataset = 'notion_data'): Promise<DatasetSnapshot> {
  const loadsDir = join(root, dataset, '_dlt_loads');
  const names = await readdir(loadsDir).catch(() => [] as string[]);
  const markers = await Promise.all(names.filter((n) => n.endsWith('.json')).map(async (n) => JSON.parse(await readFile(join(loadsDir, n), 'utf8')) as Marker));
  markers.sort((a, b) => Number(a.load_id) - Number(b.load_id));
  const newest = markers.at(-1);
  const state = newest === undefined ? undefined : withoutStateBookkeeping((JSON.parse(await readFile(join(root, dataset, '_dlt_pipeline_state', newest.state_file), 'utf8')) as { state: unknown }).state);
  const files = new Map<string, { parquet: string[]; jsonl: string[] }>();
  const types = new Map<string, Map<string, Set<string>>>();
  for (const m of markers) {
    for (const f of m.files) {
      const entry = files.get(f.table) ?? { parquet: [], jsonl: [] };
      (f.format === 'jsonl' ? entry.jsonl : entry.parquet).push(join(root, dataset, f.table, f.file));
      files.set(f.table, entry);
      const columns = types.get(f.table) ?? new Map<string, Set<string>>();
      for (const c of f.columns) columns.set(c.name, (columns.get(c.name) ?? new Set()).add(c.data_type));
      types.set(f.table, columns);
    }
  }
  const catalog = [...types].flatMap(([table, columns]) => [...columns].map(([column, t]) => ({ table, column, type: [...t].sort().join('|') })));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
  try {
    return await snapshotOf(
      catalog,
      async (table, columns) => {
        const { parquet, jsonl } = files.get(table)!;
        const rows: Record<string, unknown>[] = [];
        const read = async (source: string): Promise<void> => {
          const reader = await connection.runAndReadAll(`select * from ${source}`);
          for (const row of reader.getRowObjectsJson()) rows.push(Object.fromEntries(columns.map((c) => [c, row[c] ?? null])));
        };
        if (parquet.length > 0) await read(`read_parquet([${parquet.map(literal).join(', ')}], union_by_name = true)`);
        if (jsonl.length > 0) await read(`read_json([${jsonl.map(literal).join(', ')}], format = 'newline_delimited', union_by_name = true)`);
        return rows;
      },
      { appendOnly: true, state },
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The {@link DatasetSnapshot} of rows a sink received: `tables` maps each table to its columns and the
 * rows delivered (every delivery, duplicates included; read as one per `_dlt_id`, the newest load's).
 */
export function rowsSnapshot(
  tables: ReadonlyMap<string, { readonly columns: Readonly<Record<string, string>>; readonly rows: readonly Record<string, unknown>[] }>,
  state: unknown,
): Promise<DatasetSnapshot> {
  const catalog = [...tables].flatMap(([table, t]) => Object.entries(t.columns).map(([column, type]) => ({ table, column, type })));
  return snapshotOf(catalog, async (table) => tables.get(table)!.rows, { appendOnly: true, state: state === undefined ? undefined : withoutStateBookkeeping(state) });
}

/** Only the data tables of a snapshot (no `_dlt_…` system table), for stores whose system tables differ in kind. */
export function dataTables(snapshot: DatasetSnapshot): DatasetSnapshot {
  const keep = <T>(record: Readonly<Record<string, T>>): Record<string, T> => Object.fromEntries(Object.entries(record).filter(([t]) => !isSystemTable(t)));
  return { columns: keep(snapshot.columns), rows: keep(snapshot.rows), state: snapshot.state };
}

/**
 * The first difference between two snapshots, in one line (undefined when they are equal): a table
 * missing on one side, a column or type that differs, the first row only one side has, or the state.
 * A readable failure message where a deep `toEqual` diff of thousands of rows would not be.
 */
export function firstDifference(actual: DatasetSnapshot, expected: DatasetSnapshot): string | undefined {
  const tables = [...new Set([...Object.keys(actual.columns), ...Object.keys(expected.columns)])].sort();
  for (const table of tables) {
    const a = actual.columns[table];
    const e = expected.columns[table];
    if (a === undefined || e === undefined) return `table ${table} is ${a === undefined ? 'missing' : 'extra'}`;
    if (JSON.stringify(sortedEntries(a)) !== JSON.stringify(sortedEntries(e))) {
      return `table ${table} has columns ${JSON.stringify(sortedEntries(a))}, expected ${JSON.stringify(sortedEntries(e))}`;
    }
  }
  for (const table of tables) {
    const a = actual.rows[table] ?? [];
    const e = expected.rows[table] ?? [];
    const onlyExpected = difference(e, a);
    const onlyActual = difference(a, e);
    if (onlyExpected.length > 0 || onlyActual.length > 0) {
      const sample = onlyExpected.length > 0 ? `missing ${onlyExpected[0]}` : `unexpected ${onlyActual[0]}`;
      return `table ${table}: ${a.length} rows, expected ${e.length}; ${onlyExpected.length} missing, ${onlyActual.length} unexpected; ${sample.slice(0, 400)}`;
    }
  }
  const [as, es] = [canonicalRow('', { state: actual.state }), canonicalRow('', { state: expected.state })];
  if (as !== es) return `the pipeline state differs: ${as.slice(0, 300)}, expected ${es.slice(0, 300)}`;
  return undefined;
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/** The items of `a` not in `b`, counting duplicates (multiset difference). */
export function difference(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}
