import type { TypedTableState } from '../notion/typed-tables.js';

/**
 * The Notion source's part of the pipeline state, as stored in `_dlt_pipeline_state`
 * (`state.sources.notion`). Cursors are `last_edited_time` high-water marks in Notion's own clock;
 * `trees` says which `last_edited_time` each loaded page's block tree belongs to.
 */
export interface NotionState {
  readonly notion_version: string;
  /** High-water marks: the newest `last_edited_time` seen by search, and per data source / database. */
  readonly cursors: { readonly pages?: string; readonly rows: Readonly<Record<string, string>> };
  /** Page id → the page's `last_edited_time` when its block tree (and comments) were loaded. */
  readonly trees: Readonly<Record<string, string>>;
  /** Synced-block originals whose children were loaded with their own page (a reference met later does not list them again; originals listed from a reference are listed again with it). */
  readonly synced_originals?: readonly string[];
  /** When the last complete run started (this machine's clock), for the boundary-minute rule. */
  readonly run_started_at?: string;
  /** Data source (or database) id → its typed table: name, columns by property (see `src/notion/typed-tables.ts`). */
  readonly typed_tables?: Readonly<Record<string, TypedTableState>>;
}

/** Options of incremental loading, as in dlt's `dlt.sources.incremental`. */
export interface IncrementalOptions {
  /** Cursor to start from when there is no state (ISO 8601). Default: load everything. */
  readonly initialValue?: string;
  /** Load only objects edited on or before this instant; the cursors are then not advanced (a backfill). */
  readonly endValue?: string;
  /** Re-read this many seconds before the cursor (clock skew, late indexing). Default 0. */
  readonly lagSeconds?: number;
}

const MINUTE = 60_000;

/** The state of a previous run, or undefined when it does not apply (none, or another API version). */
export function readNotionState(state: Readonly<Record<string, unknown>> | undefined, version: string): NotionState | undefined {
  const s = state as Partial<NotionState> | undefined;
  if (!s || s.notion_version !== version || typeof s.trees !== 'object' || s.trees === null) return undefined;
  return {
    notion_version: version,
    cursors: { rows: {}, ...(s.cursors ?? {}) },
    trees: s.trees,
    ...(Array.isArray(s.synced_originals) ? { synced_originals: s.synced_originals } : {}),
    ...(s.run_started_at ? { run_started_at: s.run_started_at } : {}),
    ...(s.typed_tables ? { typed_tables: s.typed_tables } : {}),
  };
}

/** `t` rounded down to the minute, as Notion rounds `last_edited_time`. */
export function floorMinute(t: number): number {
  return Math.floor(t / MINUTE) * MINUTE;
}

/** The later of two ISO instants (either may be missing). */
export function maxTime(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

type Obj = Record<string, unknown> & { readonly id: string };

/**
 * The incremental bookkeeping of one run: the stored cursors and trees, what this run has seen, and the
 * state to commit after each unit.
 */
export class IncrementalState {
  readonly prev: NotionState | undefined;
  /** Page id → `last_edited_time` of its loaded block tree; updated as units commit. */
  readonly trees: Map<string, string>;
  readonly #pagesCursor: string | undefined;
  readonly #rowCursors: Map<string, string>;
  #newPagesCursor: string | undefined;
  readonly #newRowCursors: Map<string, string>;
  readonly #boundary: number;
  readonly #lagMs: number;
  readonly #initialValue: string | undefined;
  readonly #endValue: string | undefined;
  readonly #runStartedAt: string;

  constructor(prev: NotionState | undefined, options: { readonly lagMs: number; readonly initialValue: string | undefined; readonly endValue: string | undefined; readonly runStartedAt: string }) {
    this.prev = prev;
    this.trees = new Map(Object.entries(prev?.trees ?? {}));
    this.#pagesCursor = prev?.cursors.pages ?? options.initialValue;
    this.#rowCursors = new Map(Object.entries(prev?.cursors.rows ?? {}));
    this.#newPagesCursor = this.#pagesCursor;
    this.#newRowCursors = new Map(this.#rowCursors);
    this.#lagMs = options.lagMs;
    this.#initialValue = options.initialValue;
    this.#endValue = options.endValue;
    this.#runStartedAt = options.runStartedAt;
    // Pages edited in the minute the previous run started (or later) may have changed after it read
    // them without their minute-rounded last_edited_time moving: re-read those trees.
    this.#boundary = prev?.run_started_at === undefined ? Infinity : floorMinute(Date.parse(prev.run_started_at)) - options.lagMs;
  }

  /** Search results edited before this instant are older than the cursor (the boundary minute is read again). */
  get pageThreshold(): number {
    return this.#since(this.#pagesCursor);
  }

  /**
   * The server-side filter of a container's row query: `last_edited_time` from its cursor (unless
   * `full`: a typed table new to this pipeline needs every row) and up to the end value.
   */
  rowFilter(containerId: string, full: boolean): unknown {
    const cursor = full ? this.#initialValue : (this.#rowCursors.get(containerId) ?? this.#initialValue);
    const bounds = [
      ...(cursor === undefined ? [] : [{ timestamp: 'last_edited_time', last_edited_time: { on_or_after: new Date(this.#since(cursor)).toISOString() } }]),
      ...(this.#endValue === undefined ? [] : [{ timestamp: 'last_edited_time', last_edited_time: { on_or_before: this.#endValue } }]),
    ];
    return bounds.length === 0 ? undefined : bounds.length === 1 ? bounds[0] : { and: bounds };
  }

  /** Whether a page was edited within the end value (always, without one). */
  inRange(p: Obj): boolean {
    return this.#endValue === undefined || Date.parse(String(p['last_edited_time'])) <= Date.parse(this.#endValue);
  }

  /** Whether a page's block tree must be fetched (again). */
  needsTree(p: Obj): boolean {
    const edited = String(p['last_edited_time']);
    return this.trees.get(p.id) !== edited || Date.parse(edited) >= this.#boundary;
  }

  notePage(p: Obj): void {
    this.#newPagesCursor = maxTime(this.#newPagesCursor, String(p['last_edited_time']));
  }

  noteRow(containerId: string, row: Obj): void {
    this.#newRowCursors.set(containerId, maxTime(this.#newRowCursors.get(containerId), String(row['last_edited_time']))!);
  }

  /** The state to commit: cursors advance only with the final commit of a run without an end value. */
  snapshot(final: boolean, extra: { readonly synced_originals: readonly string[]; readonly typed_tables?: Readonly<Record<string, TypedTableState>> }, version: string): NotionState {
    const advance = final && this.#endValue === undefined;
    const pages = advance ? this.#newPagesCursor : this.#pagesCursor;
    return {
      notion_version: version,
      cursors: { ...(pages === undefined ? {} : { pages }), rows: Object.fromEntries(advance ? this.#newRowCursors : this.#rowCursors) },
      trees: Object.fromEntries(this.trees),
      synced_originals: extra.synced_originals,
      ...(advance ? { run_started_at: this.#runStartedAt } : this.prev?.run_started_at ? { run_started_at: this.prev.run_started_at } : {}),
      ...(extra.typed_tables ? { typed_tables: extra.typed_tables } : {}),
    };
  }

  #since(cursor: string | undefined): number {
    return cursor === undefined ? -Infinity : Date.parse(cursor) - this.#lagMs;
  }
}
