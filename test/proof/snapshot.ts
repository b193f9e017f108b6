import { DuckDBInstance } from '@duckdb/node-api';

/**
 * What a dataset holds, read straight from the database with the engine's own client (never through
 * notionflow's destination or dataset code): every table the catalog lists in the schema, with its
 * columns and types and every row, values included, sorted. Load bookkeeping is left out: the
 * `_dlt_load_id` of every row, and the load ids and times of the system tables (see {@link BOOKKEEPING},
 * {@link HISTORY}).
 */
export interface DatasetSnapshot {
  /** Table name → column name → type, as the catalog says. */
  readonly columns: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Table name → its rows as canonical JSON text (keys sorted), sorted. */
  readonly rows: Readonly<Record<string, readonly string[]>>;
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

/** Whether a column is load bookkeeping (see {@link BOOKKEEPING}). */
export function isBookkeeping(table: string, column: string): boolean {
  return (BOOKKEEPING['*'] ?? []).includes(column) || (BOOKKEEPING[table] ?? []).includes(column);
}

/**
 * JSON documents of the system tables, compared as documents: the pipeline state without the keys
 * naming the run that wrote it, and the stored schema with its tables and columns in name order (they
 * are listed in the order pages arrived, which retries change; `Schema.versionHash` ignores it too).
 */
const DOCUMENTS: Readonly<Record<string, Readonly<Record<string, (doc: unknown) => unknown>>>> = {
  _dlt_pipeline_state: { state: (doc) => without(doc, STATE_BOOKKEEPING) },
  _dlt_version: { schema: (doc) => schemaInNameOrder(doc) },
};

/** Canonical JSON of a row: object keys sorted at every depth, system-table documents parsed (see {@link DOCUMENTS}). */
export function canonicalRow(table: string, row: Readonly<Record<string, unknown>>): string {
  const documents = DOCUMENTS[table] ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = documents[k] && typeof v === 'string' ? documents[k](JSON.parse(v)) : v;
  return JSON.stringify(sortKeys(out));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
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

/** Builds a {@link DatasetSnapshot} from the catalog's columns and a reader of each table's rows. */
export async function snapshotOf(
  catalog: readonly { readonly table: string; readonly column: string; readonly type: string }[],
  readRows: (table: string, columns: readonly string[]) => Promise<readonly Record<string, unknown>[]>,
): Promise<DatasetSnapshot> {
  const columns: Record<string, Record<string, string>> = {};
  for (const { table, column, type } of catalog) (columns[table] ??= {})[column] = type;
  const rows: Record<string, string[]> = {};
  for (const table of Object.keys(columns).sort()) {
    const history = HISTORY[table];
    const kept = Object.keys(columns[table]!).filter((c) => !isBookkeeping(table, c)).sort();
    let read = await readRows(table, kept);
    if (history !== undefined) {
      const newest = read.reduce<Readonly<Record<string, unknown>> | undefined>((a, r) => (a === undefined || Number(r[history]) > Number(a[history]) ? r : a), undefined);
      read = newest === undefined ? [] : [Object.fromEntries(Object.entries(newest).filter(([k]) => k !== history))];
    }
    rows[table] = read.map((row) => canonicalRow(table, row)).sort();
  }
  return { columns, rows };
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
        const list = columns.map(quoteName).join(', ');
        const reader = await connection.runAndReadAll(`select ${list} from ${quoteName(dataset)}.${quoteName(table)}`);
        return reader.getRowObjectsJson();
      },
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The first difference between two snapshots, in one line (undefined when they are equal): a table
 * missing on one side, a column or type that differs, a row count, or the first row only one side has.
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
  return undefined;
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/** The items of `a` not in `b`, counting duplicates (multiset difference). */
function difference(a: readonly string[], b: readonly string[]): string[] {
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
