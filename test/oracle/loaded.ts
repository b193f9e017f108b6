import { DuckDBInstance } from '@duckdb/node-api';

/**
 * What a DuckDB file holds, read with DuckDB's own client (not the product's `dataset()`): every table
 * of a schema as the database catalog lists it, with its columns and rows (timestamps as `Date`,
 * BIGINT as `bigint`, lists as arrays).
 */
export interface LoadedTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/** Runs `fn` on a read-only connection to the file, closed afterwards. */
export async function withDuckDB<T>(path: string, fn: (sql: (query: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return await fn(async (query) => (await connection.runAndReadAll(query)).getRowObjectsJS() as Record<string, unknown>[]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Names of every table of every schema in the file, from the catalog: `schema.table`. */
export async function catalogTables(path: string): Promise<{ readonly schema: string; readonly table: string }[]> {
  return withDuckDB(path, async (sql) =>
    (await sql(`select schema_name, table_name from duckdb_tables() order by 1, 2`)).map((r) => ({ schema: String(r['schema_name']), table: String(r['table_name']) })),
  );
}

/** Every table of `schema`, whole. */
export async function readSchema(path: string, schema: string): Promise<Map<string, LoadedTable>> {
  return withDuckDB(path, async (sql) => {
    const columns = await sql(`select table_name, column_name from information_schema.columns where table_schema = '${schema}' order by table_name, ordinal_position`);
    const out = new Map<string, LoadedTable>();
    for (const name of new Set(columns.map((c) => String(c['table_name'])))) {
      const rows = await sql(`select * from ${quote(schema)}.${quote(name)}`);
      out.set(name, { name, columns: columns.filter((c) => c['table_name'] === name).map((c) => String(c['column_name'])), rows });
    }
    return out;
  });
}

/** A table and the key that must be unique in it. */
export interface KeyCount {
  readonly table: string;
  readonly key: string;
  readonly rows: number;
  readonly distinct: number;
}

/**
 * For every table of `schema` in the catalog: its rows and its distinct keys. The key of a child table
 * (one with `_dlt_parent_id`) is `_dlt_id`; of dlt's system tables, `load_id` (`_dlt_loads`),
 * `version_hash` (`_dlt_version`) and `pipeline_name, version` (`_dlt_pipeline_state`); of
 * `page_content`, `page_id`; of every other table, `id`; and every table with `_dlt_id` is checked on
 * `_dlt_id` too. A table none of these rules covers is reported with key `?`, so none slips through.
 */
export async function keyCounts(path: string, schema: string): Promise<KeyCount[]> {
  return withDuckDB(path, async (sql) => {
    const columns = await sql(`select table_name, column_name from information_schema.columns where table_schema = '${schema}'`);
    const tables = (await sql(`select table_name from information_schema.tables where table_schema = '${schema}' order by 1`)).map((r) => String(r['table_name']));
    const out: KeyCount[] = [];
    for (const table of tables) {
      const has = (c: string) => columns.some((r) => r['table_name'] === table && r['column_name'] === c);
      const keys: string[][] = [];
      if (has('_dlt_parent_id')) keys.push(['_dlt_id']);
      else if (table === '_dlt_loads') keys.push(['load_id']);
      else if (table === '_dlt_version') keys.push(['version_hash']);
      else if (table === '_dlt_pipeline_state') keys.push(['pipeline_name', 'version']);
      else if (table === 'page_content') keys.push(['page_id']);
      else if (has('id')) keys.push(['id']);
      if (has('_dlt_id') && !keys.some((k) => k.length === 1 && k[0] === '_dlt_id')) keys.push(['_dlt_id']);
      if (keys.length === 0) out.push({ table, key: '?', rows: -1, distinct: -2 });
      for (const key of keys) {
        const list = key.map(quote).join(', ');
        // Rows with a null key part count as rows but not as distinct keys.
        const [r] = await sql(`select (select count(*) from ${quote(schema)}.${quote(table)}) as n,
          (select count(*) from (select distinct ${list} from ${quote(schema)}.${quote(table)} where ${key.map((k) => `${quote(k)} is not null`).join(' and ')})) as d`);
        out.push({ table, key: key.join(', '), rows: Number(r!['n']), distinct: Number(r!['d']) });
      }
    }
    return out;
  });
}
