import { PipelineNotFoundError } from '../errors.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { RunTrace } from '../pipeline/progress.js';
import { readTrace, traceFile } from '../pipeline/trace-store.js';
import { PROPERTY_MAPPING_TABLE } from '../notion/typed-tables.js';
import type { TableSchema } from '../schema/table-schema.js';
import { DLT_COLUMNS } from '../schema/table-schema.js';
import type { CatalogTable, DatasetView } from './dataset-view.js';
import { toJsonValue, type JsonValue } from './json-value.js';
import { checkReadOnlySql } from './read-only-sql.js';

/** Rows in one page of the data section. */
export const PAGE_SIZE = 50;
/** Rows the SQL box shows at most. */
export const SQL_ROW_LIMIT = 500;
/** Loads the history lists at most. */
const LOAD_HISTORY_LIMIT = 100;
/** Larger objects and arrays in the state view are shown as their size. */
const MAX_ENTRIES_SHOWN = 20;
/** Keys whose values the dashboard never shows. */
const SECRET_KEY = /secret|token|password|passwd|api_?key|credential|private_?key|auth/i;

/** One load of `_dlt_loads`, with what the trace adds when it is that load's. */
export interface LoadEntry {
  readonly loadId: string;
  readonly schemaName: string | null;
  readonly status: number;
  /** The status in words: `completed`, or why the load is not. */
  readonly statusText: string;
  /** When the load started (its id is the start time). */
  readonly startedAt: string | null;
  /** When its last commit was made. */
  readonly insertedAt: string | null;
  /** From the trace, or from the start to the final commit; null when unknown. */
  readonly durationMs: number | null;
  /** Rows that carry this load id now, per table. */
  readonly rows: Readonly<Record<string, number>>;
  /** Rows this load wrote per table (from the trace; null without one). */
  readonly rowsWritten: Readonly<Record<string, number>> | null;
  /** Requests made to Notion (from the trace; null without one). */
  readonly requests: number | null;
}

/** The first page: the pipeline, where it loads to, the last load and every table's row count. */
export interface OverviewSection {
  readonly pipelineName: string;
  readonly destination: { readonly name: string; readonly location: string };
  readonly datasetName: string;
  readonly lastLoad: LoadEntry | null;
  readonly tables: readonly { readonly name: string; readonly parent: string | null; readonly rows: number }[];
  /** The last run as the trace tells it, or null before the first traced run. */
  readonly lastRun: { readonly status: RunTrace['status']; readonly loadId: string | null; readonly finishedAt: string; readonly error: string | null } | null;
  /** Why there are no tables: nothing is stored at the destination's location yet. */
  readonly notFound: string | null;
}

/** A table of the schema: the stored schema's (notionflow types) and any other the destination holds. */
export interface SchemaTable {
  readonly name: string;
  readonly parent: string | null;
  readonly writeDisposition: string | null;
  readonly primaryKey: readonly string[];
  readonly columns: readonly { readonly name: string; readonly dataType: string; readonly nullable: boolean | null }[];
  /** False for a table the stored schema does not list (the `_dlt_*` system tables). */
  readonly inStoredSchema: boolean;
}

/** A typed table's columns with the Notion properties they hold. */
export interface TypedTable {
  readonly table: string;
  readonly databaseTitle: string;
  readonly columns: readonly { readonly column: string; readonly cell: string; readonly propertyId: string; readonly propertyName: string; readonly propertyType: string; readonly deleted: boolean }[];
}

/** A page of rows or a query result: column names and rows as arrays in their order. */
export interface RowsResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly JsonValue[])[];
}

/** One page of a table in the data section. */
export interface RowsPage extends RowsResult {
  readonly table: string;
  /** From 0. */
  readonly page: number;
  readonly pageSize: number;
  /** Rows in the whole table. */
  readonly total: number;
}

/** What one source's stored state says: where its next run resumes. */
export interface SourceState {
  readonly name: string;
  readonly notionVersion: string | null;
  /** The newest `last_edited_time` seen by search. */
  readonly pagesCursor: string | null;
  /** Per data source (or database): its typed table and its rows cursor. */
  readonly rowCursors: readonly { readonly id: string; readonly table: string | null; readonly cursor: string | null }[];
  /** Pages whose block trees were loaded and committed. */
  readonly checkpoints: number;
  readonly runStartedAt: string | null;
}

/** The outcome of the SQL box: rows, or the reason they could not be read. */
export type SqlOutcome = ({ readonly ok: true; readonly truncated: boolean } & RowsResult) | { readonly ok: false; readonly error: string };

/**
 * The dashboard's sections as JSON, one method each. Data comes from the destination through
 * {@link DatasetView}; the run trace from `.notionflow/pipelines/<pipeline>/trace.json` under `cwd`.
 */
export class Sections {
  readonly #pipeline: Pipeline;
  readonly #view: DatasetView;
  readonly #cwd: string;

  constructor(pipeline: Pipeline, view: DatasetView, cwd: string) {
    this.#pipeline = pipeline;
    this.#view = view;
    this.#cwd = cwd;
  }

  /** The pipeline's name, destination and dataset: what the page's header shows, known without a query. */
  pipeline(): Pick<OverviewSection, 'pipelineName' | 'destination' | 'datasetName'> {
    const p = this.#pipeline;
    return { pipelineName: p.pipelineName, destination: { name: p.destination.name, location: p.destination.location(p) }, datasetName: p.datasetName };
  }

  /** The first page's figures; a pipeline with nothing stored yet gets `notFound` instead of tables. */
  async overview(): Promise<OverviewSection> {
    const trace = this.#trace();
    const base = {
      ...this.pipeline(),
      lastRun: trace ? { status: trace.status, loadId: trace.loadId || null, finishedAt: trace.finishedAt, error: trace.error ?? null } : null,
    };
    try {
      const catalog = await this.#view.catalog();
      const names = catalog.map((t) => t.name);
      const counts = await this.#view.rowCounts(names);
      const stored = await this.#view.storedState();
      const parents = new Map((stored?.tables ?? []).map((t) => [t.name, t.parent ?? null]));
      const [lastLoad] = await this.#loadEntries(catalog, trace, 1);
      const tables = systemLast(names).map((name) => ({ name, parent: parents.get(name) ?? null, rows: counts[name] ?? 0 }));
      return { ...base, lastLoad: lastLoad ?? null, tables, notFound: null };
    } catch (error) {
      // A pipeline that never loaded still has a name, a destination and perhaps a failed run's trace.
      if (!(error instanceof PipelineNotFoundError)) throw error;
      return { ...base, lastLoad: null, tables: [], notFound: error.message };
    }
  }

  /** Each load of `_dlt_loads`, newest first. */
  async loads(): Promise<{ readonly loads: readonly LoadEntry[] }> {
    return { loads: await this.#loadEntries(await this.#view.catalog(), this.#trace(), LOAD_HISTORY_LIMIT) };
  }

  /** The stored schema's tables (with the destination's other tables) and the typed tables' Notion properties. */
  async schema(): Promise<{ readonly schemaVersionHash: string | null; readonly tables: readonly SchemaTable[]; readonly typedTables: readonly TypedTable[] }> {
    const catalog = await this.#view.catalog();
    const stored = await this.#view.storedState();
    const known = new Set((stored?.tables ?? []).map((t) => t.name));
    const tables: SchemaTable[] = [
      ...(stored?.tables ?? []).map(storedTable),
      ...catalog.filter((t) => !known.has(t.name)).map((t) => ({
        name: t.name, parent: null, writeDisposition: null, primaryKey: [], inStoredSchema: false,
        columns: t.columns.map((c) => ({ name: c.name, dataType: c.type, nullable: null })),
      })),
    ];
    const typed = new Map<string, { table: string; databaseTitle: string; columns: TypedTable['columns'][number][] }>();
    if (catalog.some((t) => t.name === PROPERTY_MAPPING_TABLE)) {
      for (const m of await this.#view.propertyMapping()) {
        const table = String(m['table_name']);
        const entry = typed.get(table) ?? { table, databaseTitle: String(m['database_title'] ?? ''), columns: [] };
        typed.set(table, entry);
        entry.columns.push({
          column: String(m['column_name']), cell: String(m['cell']), propertyId: String(m['property_id']),
          propertyName: String(m['property_name']), propertyType: String(m['property_type']), deleted: m['deleted'] === true,
        });
      }
    }
    return { schemaVersionHash: stored?.schemaVersionHash || null, tables: systemLastBy(tables, (t) => t.name), typedTables: [...typed.values()] };
  }

  /** The stored state: per source its cursors and checkpoints, and the whole state with secrets and large maps left out. */
  async state(): Promise<{ readonly loadId: string | null; readonly sources: readonly SourceState[]; readonly state: JsonValue }> {
    const stored = await this.#view.storedState();
    if (!stored) return { loadId: null, sources: [], state: null };
    const sources = (stored.state['sources'] ?? {}) as Record<string, Record<string, unknown>>;
    return {
      loadId: stored.loadId,
      sources: Object.entries(sources).map(([name, s]): SourceState => {
        const cursors = (s['cursors'] ?? {}) as { pages?: unknown; rows?: Record<string, unknown> };
        const typed = (s['typed_tables'] ?? {}) as Record<string, { table?: unknown }>;
        return {
          name,
          notionVersion: text(s['notion_version']),
          pagesCursor: text(cursors.pages),
          rowCursors: Object.entries(cursors.rows ?? {}).map(([id, at]) => ({ id, table: text(typed[id]?.table), cursor: text(at) })),
          checkpoints: Object.keys((s['trees'] ?? {}) as object).length,
          runStartedAt: text(s['run_started_at']),
        };
      }),
      state: summarized(stored.state),
    };
  }

  /** Page `page` (from 0) of a table's rows; undefined for a table the dataset does not have. */
  async rows(table: string, page: number): Promise<RowsPage | undefined> {
    const entry = (await this.#view.catalog()).find((t) => t.name === table);
    if (!entry) return undefined;
    const total = (await this.#view.rowCounts([table]))[table] ?? 0;
    const columns = entry.columns.map((c) => c.name);
    const rows = await this.#view.page(entry, page * PAGE_SIZE, PAGE_SIZE);
    return { table, page, pageSize: PAGE_SIZE, total, columns, rows: rows.map((r) => columns.map((c) => toJsonValue(r[c]))) };
  }

  /** Run the SQL box's query if it is one read; a refusal or the destination's error comes back as `error`. */
  async sql(query: string): Promise<SqlOutcome> {
    const check = checkReadOnlySql(query);
    if (!check.ok) return { ok: false, error: check.reason };
    let rows: Record<string, unknown>[];
    try {
      // A subquery can only be a query: the destination's parser refuses a statement in it. The query
      // stays on line 1 (as errors cite it); the newline keeps a trailing `--` comment from hiding the limit.
      rows = await this.#view.sql(`select * from (${check.sql}\n) as q limit ${SQL_ROW_LIMIT + 1}`);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const columns = rows[0] ? Object.keys(rows[0]) : [];
    return { ok: true, truncated: rows.length > SQL_ROW_LIMIT, columns, rows: rows.slice(0, SQL_ROW_LIMIT).map((r) => columns.map((c) => toJsonValue(r[c]))) };
  }

  /** The last run's trace, or null before the first traced run. */
  trace(): { readonly path: string; readonly trace: RunTrace | null } {
    return { path: traceFile(this.#pipeline.pipelineName, this.#cwd), trace: this.#trace() ?? null };
  }

  #trace(): RunTrace | undefined {
    return readTrace(this.#pipeline.pipelineName, this.#cwd);
  }

  async #loadEntries(catalog: readonly CatalogTable[], trace: RunTrace | undefined, limit: number): Promise<LoadEntry[]> {
    if (!catalog.some((t) => t.name === '_dlt_loads')) return [];
    const loads = await this.#view.loads(limit);
    const withLoadId = catalog.filter((t) => !t.name.startsWith('_dlt_') && t.columns.some((c) => c.name === DLT_COLUMNS.loadId)).map((t) => t.name);
    const rows = loads.length === 0 ? {} : await this.#view.rowsByLoad(withLoadId);
    return loads.map((l) => loadEntry(l, rows[String(l['load_id'])] ?? {}, trace));
  }
}

function loadEntry(row: Record<string, unknown>, rows: Record<string, number>, trace: RunTrace | undefined): LoadEntry {
  const loadId = String(row['load_id']);
  const status = Number(row['status']);
  const started = Number(loadId) * 1000;
  const insertedAt = instant(row['inserted_at']);
  const traced = trace?.loadId === loadId ? trace : undefined;
  const traceMs = traced ? Date.parse(traced.finishedAt) - Date.parse(traced.startedAt) : NaN;
  const commitMs = status === 0 && insertedAt !== null && Number.isFinite(started) ? Date.parse(insertedAt) - started : NaN;
  return {
    loadId,
    schemaName: text(row['schema_name']),
    status,
    statusText: status === 0 ? 'completed' : status === 1 ? 'not finished: checkpoints committed, the final commit is missing (failed, stopped or still running)' : `status ${status}`,
    startedAt: Number.isFinite(started) ? new Date(started).toISOString() : null,
    insertedAt,
    durationMs: Number.isFinite(traceMs) ? traceMs : Number.isFinite(commitMs) ? Math.max(0, Math.round(commitMs)) : null,
    rows,
    rowsWritten: traced?.rowCounts ?? null,
    requests: traced?.requests.total ?? null,
  };
}

function storedTable(t: TableSchema): SchemaTable {
  return {
    name: t.name,
    parent: t.parent ?? null,
    writeDisposition: t.writeDisposition,
    primaryKey: t.primaryKey ?? [],
    columns: t.columns.map((c) => ({ name: c.name, dataType: c.dataType, nullable: c.nullable })),
    inStoredSchema: true,
  };
}

/**
 * `value` as JSON with the values of secret-named keys hidden, and each object or array below the top
 * level that has more than {@link MAX_ENTRIES_SHOWN} entries shown as its size (the state's page trees
 * run to hundreds of thousands).
 */
function summarized(value: unknown): JsonValue {
  const walk = (v: unknown, depth: number): JsonValue => {
    if (typeof v !== 'object' || v === null || v instanceof Date) return toJsonValue(v);
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (depth > 0 && entries.length > MAX_ENTRIES_SHOWN) return `${entries.length} entries`;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    return Object.fromEntries(entries.map(([k, x]) => [k, SECRET_KEY.test(k) ? '(hidden)' : walk(x, depth + 1)]));
  };
  return walk(value, 0);
}

function systemLast(names: readonly string[]): string[] {
  return systemLastBy(names, (n) => n);
}

/** Data tables by name, then the `_dlt_*` system tables. */
function systemLastBy<T>(items: readonly T[], name: (item: T) => string): T[] {
  const key = (item: T) => `${name(item).startsWith('_dlt_') ? 1 : 0}${name(item)}`;
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function instant(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const t = value instanceof Date ? value.getTime() : Date.parse(String(value));
  return Number.isFinite(t) ? new Date(t).toISOString() : String(value);
}
