import type { StoredState } from '../../destinations/destination.js';
import { PROPERTY_MAPPING_TABLE } from '../notion/typed-tables.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { DLT_COLUMNS } from '../schema/table-schema.js';

/** A table as the destination's `information_schema.columns` lists it. */
export interface CatalogTable {
  readonly name: string;
  /** Columns in their stored order, with the destination's own type names. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

/** Columns a page of rows is ordered by, first present wins: a row id, then the system tables' keys. */
const PAGE_ORDER = [DLT_COLUMNS.id, 'load_id', 'version', 'id'];

/**
 * Everything the dashboard reads from a pipeline's destination, through `pipeline.dataset()` and a
 * read session for the stored state. SQL is the portable subset DuckDB, PostgreSQL, Snowflake and the
 * filesystem reader all answer (`information_schema.columns`, `count(*)`, `union all`, `limit`/`offset`),
 * with identifiers quoted as the destination stores them (Snowflake folds to upper case). Calls run one
 * at a time: an embedded database is opened once per query, never twice at once.
 */
export class DatasetView {
  readonly #pipeline: Pipeline;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(pipeline: Pipeline) {
    this.#pipeline = pipeline;
  }

  /** The dataset's tables and columns, sorted by table name; empty when nothing was loaded or the destination cannot be queried. */
  async catalog(): Promise<CatalogTable[]> {
    if (!this.#pipeline.destination.capabilities.queryable) return [];
    const schema = this.#stored(this.#pipeline.datasetName).replaceAll("'", "''");
    const rows = await this.sql(
      `select table_name, column_name, data_type from ${this.#pipeline.dataset().catalogView('columns')} where table_schema = '${schema}' order by table_name, ordinal_position`,
    );
    const tables = new Map<string, { name: string; type: string }[]>();
    for (const r of rows) {
      const table = this.#name(String(r['table_name']));
      const columns = tables.get(table) ?? [];
      columns.push({ name: this.#name(String(r['column_name'])), type: String(r['data_type']) });
      tables.set(table, columns);
    }
    return [...tables].map(([name, columns]) => ({ name, columns })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Row count of each table, in one query. */
  async rowCounts(tables: readonly string[]): Promise<Record<string, number>> {
    if (tables.length === 0) return {};
    const rows = await this.sql(tables.map((t, i) => `select ${i} as t, count(*) as n from ${this.#qualified(t)}`).join(' union all '));
    return Object.fromEntries(rows.map((r) => [tables[Number(r['t'])]!, Number(r['n'])]));
  }

  /** Rows per load id of each table (tables with a `_dlt_load_id` column), in one query: load id → table → rows. */
  async rowsByLoad(tables: readonly string[]): Promise<Record<string, Record<string, number>>> {
    if (tables.length === 0) return {};
    const loadId = this.#ident(DLT_COLUMNS.loadId);
    const rows = await this.sql(
      tables.map((t, i) => `select ${i} as t, ${loadId} as load_id, count(*) as n from ${this.#qualified(t)} group by ${loadId}`).join(' union all '),
    );
    const out: Record<string, Record<string, number>> = {};
    for (const r of rows) (out[String(r['load_id'])] ??= {})[tables[Number(r['t'])]!] = Number(r['n']);
    return out;
  }

  /** The newest loads from `_dlt_loads`, newest first. */
  async loads(limit: number): Promise<Record<string, unknown>[]> {
    const q = (n: string) => this.#ident(n);
    return this.sql(
      `select ${q('load_id')} as load_id, ${q('schema_name')} as schema_name, ${q('status')} as status, ${q('inserted_at')} as inserted_at ` +
        `from ${this.#qualified('_dlt_loads')} order by ${q('load_id')} desc limit ${limit}`,
    );
  }

  /** One page of a table's rows, in a stable order when the table has a key column. */
  async page(table: CatalogTable, offset: number, limit: number): Promise<Record<string, unknown>[]> {
    const key = PAGE_ORDER.find((k) => table.columns.some((c) => c.name === k));
    const order = key === undefined ? '' : ` order by ${this.#ident(key)}`;
    return this.sql(`select * from ${this.#qualified(table.name)}${order} limit ${limit} offset ${offset}`);
  }

  /** The typed tables' columns with the Notion properties they hold (`notion_properties`). */
  async propertyMapping(): Promise<Record<string, unknown>[]> {
    const cols = ['table_name', 'column_name', 'cell', 'database_title', 'property_id', 'property_name', 'property_type', 'deleted'];
    return this.sql(`select ${cols.map((c) => `${this.#ident(c)} as ${c}`).join(', ')} from ${this.#qualified(PROPERTY_MAPPING_TABLE)} order by table_name, column_name`);
  }

  /** The pipeline's stored state and schema, read through a read-only session of the destination. */
  async storedState(): Promise<StoredState | undefined> {
    const p = this.#pipeline;
    return this.#serial(async () => {
      const session = await p.destination.open({ pipelineName: p.pipelineName, datasetName: p.datasetName, readOnly: true });
      try {
        return await session.readState(p.pipelineName);
      } finally {
        await session.close();
      }
    });
  }

  /** Run SQL through `pipeline.dataset()`; column names come back as notionflow spells them. */
  async sql(query: string): Promise<Record<string, unknown>[]> {
    return this.#serial(() => this.#pipeline.dataset().sql(query));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A name as the destination stores it. */
  #stored(name: string): string {
    return this.#pipeline.dataset().storedName(name);
  }

  /** A stored name as notionflow spells it (lower case where the destination folded it). */
  #name(stored: string): string {
    return this.#pipeline.destination.capabilities.caseSensitiveIdentifiers ? stored : stored.toLowerCase();
  }

  /** `"dataset"."table"`, as the destination stores the names. */
  #qualified(table: string): string {
    return this.#pipeline.dataset().qualified(table);
  }

  #ident(name: string): string {
    return this.#pipeline.dataset().quoted(name);
  }
}
