import type { Table } from 'apache-arrow';
import type { Destination, DestinationSession, QueryResult } from '../../destinations/destination.js';
import { ConfigError } from '../errors.js';
import { quoteIdentifier } from '../schema/naming.js';

/**
 * Read access to what a pipeline loaded: `table(name)` for one table, `sql()` for anything else.
 * Each call opens a short read-only session (`OpenContext.readOnly`) and closes it, so it never holds
 * the destination open and never changes it: `sql('drop table …')` fails and the table stays.
 *
 * @example
 * ```ts
 * const ds = p.dataset();
 * const pages = await ds.table('pages').rows();
 * const arrow = await ds.table('blocks').toArrow();
 * const byType = await ds.sql('select type, count(*) n from notion_data.blocks group by 1');
 * ```
 */
export class Dataset {
  readonly #destination: Destination;
  readonly #pipelineName: string;
  readonly datasetName: string;

  constructor(destination: Destination, pipelineName: string, datasetName: string) {
    if (!destination.capabilities.queryable) {
      throw new ConfigError(`The ${destination.name} destination cannot be queried: dataset() needs a queryable destination (duckdb, postgres, snowflake, bigquery or filesystem).`);
    }
    this.#destination = destination;
    this.#pipelineName = pipelineName;
    this.datasetName = datasetName;
  }

  /**
   * One table of the dataset, by the name notionflow gave it (`pages`, `projects`): on a destination
   * that folds quoted names to upper case (Snowflake), the name is folded the same way.
   */
  table(name: string): Relation {
    return new Relation(this, `select * from ${this.qualified(name)}`);
  }

  /** A name as the destination stores it, asked of its dialect: Snowflake folds quoted names to upper case, most keep them. */
  storedName(name: string): string {
    return this.#destination.dialect?.storedName(name) ?? name;
  }

  /** A name quoted and folded as the destination stores it (`"PAGES"` on Snowflake, `` `pages` `` on BigQuery), for SQL of your own. */
  quoted(name: string): string {
    return this.#destination.dialect?.quoteIdent(name) ?? quoteIdentifier(name);
  }

  /** `"dataset"."table"`, quoted and folded as the destination stores them, for SQL of your own. */
  qualified(table: string): string {
    return `${this.quoted(this.datasetName)}.${this.quoted(table)}`;
  }

  /**
   * The `information_schema` view `view` that lists this dataset's tables or columns (filter it by
   * `table_schema`): `information_schema.columns`, or on BigQuery the dataset's own
   * `` `notion_data`.INFORMATION_SCHEMA.COLUMNS ``.
   */
  catalogView(view: 'tables' | 'columns'): string {
    return this.#destination.capabilities.catalogScope === 'dataset' ? `${this.quoted(this.datasetName)}.INFORMATION_SCHEMA.${view.toUpperCase()}` : `information_schema.${view}`;
  }

  /**
   * Run a read-only SQL query; rows come back as plain objects. Anything but a read is refused by the
   * destination (a `DestinationError`); a pipeline never loaded is a `PipelineNotFoundError`.
   */
  async sql(query: string): Promise<Record<string, unknown>[]> {
    return (await this.query(query)).rows as Record<string, unknown>[];
  }

  /** @internal */
  async query(query: string): Promise<QueryResult> {
    return this.#withSession((s) => s.query!(query));
  }

  /** @internal */
  async queryArrow(query: string): Promise<Table> {
    return this.#withSession(async (s) => {
      if (!s.queryArrow) throw new ConfigError(`The ${this.#destination.name} destination cannot return Arrow tables; use rows().`);
      return s.queryArrow(query);
    });
  }

  async #withSession<T>(fn: (s: DestinationSession) => Promise<T>): Promise<T> {
    const session = await this.#destination.open({ pipelineName: this.#pipelineName, datasetName: this.datasetName, readOnly: true });
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  }
}

/** A query over one table: read it as rows or as an Arrow table, or count it. */
export class Relation {
  readonly #dataset: Dataset;
  readonly #sql: string;

  constructor(dataset: Dataset, sql: string) {
    this.#dataset = dataset;
    this.#sql = sql;
  }

  /** The SQL this relation runs. */
  get sql(): string {
    return this.#sql;
  }

  async rows(): Promise<Record<string, unknown>[]> {
    return this.#dataset.sql(this.#sql);
  }

  async toArrow(): Promise<Table> {
    return this.#dataset.queryArrow(this.#sql);
  }

  async count(): Promise<number> {
    const [row] = await this.#dataset.sql(`select count(*) as n from (${this.#sql}) t`);
    return Number(row?.['n'] ?? 0);
  }
}
