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
  /** Synced-block originals whose children were loaded (a reference met later does not list them again). */
  readonly synced_originals?: readonly string[];
  /** When the last complete run started (this machine's clock), for the boundary-minute rule. */
  readonly run_started_at?: string;
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
