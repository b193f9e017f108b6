import type { Observable, SchedulerLike } from 'rxjs';
import type { ClientStats } from '../client/notion-client.js';
import type { DeleteSpec } from '../../destinations/destination.js';
import type { FlushSignal } from '../../operators/to-record-batches.js';
import type { ResourcePage } from '../records.js';
import type { DataType } from '../schema/data-types.js';
import type { WriteDisposition } from '../schema/table-schema.js';

/** A resource's table: its name, primary key and write disposition. */
export interface ResourceDef {
  readonly name: string;
  readonly primaryKey?: readonly string[];
  readonly writeDisposition: WriteDisposition;
  /**
   * Column types to use instead of inference, by the end of the normalized column name (e.g.
   * `{ __number: 'double' }`): a column whose first value happens to be `3` must not become bigint
   * when the property holds `3.5` on the next row.
   */
  readonly typeHints?: Readonly<Record<string, DataType>>;
}

/** What a source reports besides its data, shown in the load info. */
export interface SourceReport {
  /** Objects the integration could not read (404), with the reason. */
  readonly unreachable: readonly { readonly id: string; readonly pageId?: string; readonly reason: string }[];
  /** Free-form facts about what was loaded (e.g. `comments: pages`). */
  readonly notes: readonly string[];
  /** HTTP requests made, by outcome. */
  readonly requests: Readonly<Record<string, number>>;
  /**
   * Live figures of the extraction under way (the last one's, once it ended), for progress displays
   * and the run trace. Sources that keep none leave it out.
   */
  readonly progress?: SourceProgress;
}

/** How far one resource is: objects done, and how many there are in all once a listing has said so. */
export interface ResourceProgress {
  readonly done: number;
  /** Undefined while unknown (a listing still running): never a guess. */
  readonly known?: number;
}

/** What a source tells the pipeline about an extraction while it runs (see {@link ExtractContext.onProgress}). */
export interface SourceProgress {
  /** By resource: for the Notion source `pages`, `rows`, `blocks` and `comments`. */
  readonly resources: Readonly<Record<string, ResourceProgress>>;
  /** The requests sent so far, with the wait the client is in. */
  readonly requests: ClientStats;
  /** Requests still to send, when the source can tell (the Notion source: once every listing is done). */
  readonly remainingRequests?: number;
  /** The request budget now (requests per window; `Infinity` without one), for an ETA. */
  readonly budget?: { readonly requests: number; readonly windowMs: number };
}

/**
 * A commit point in a source's stream: everything emitted before it is one unit (for the Notion
 * source: whole pages with their block trees and comments). The pipeline cuts batches, writes them and
 * commits them with `state` and `deletes` in one transaction.
 */
export interface Checkpoint extends FlushSignal {
  /** The source's complete state after this unit (stored in `_dlt_pipeline_state` under `sources.<name>`). */
  readonly state: Readonly<Record<string, unknown>>;
  /** Rows to delete in the same commit (a page's old block tree, trashed pages). */
  readonly deletes?: readonly DeleteSpec[];
}

/** Everything a source needs from the pipeline at extraction time. */
export interface ExtractContext {
  /** The source's state as the last commit stored it; undefined on a first run. */
  readonly state?: Readonly<Record<string, unknown>>;
  /** Ignore the stored state and load everything again. */
  readonly fullRefresh?: boolean;
  /**
   * Resolves when the pipeline can take more data: every request waits on it, which is how a slow
   * destination slows extraction down (backpressure) instead of growing a queue.
   */
  readonly ready?: () => Observable<void>;
  /**
   * Called whenever the figures of {@link SourceReport.progress} change: a request answered, a wait
   * started or ended, objects listed or emitted. It only signals; the pipeline reads `report()` at
   * most every 250 ms. Must not throw.
   */
  readonly onProgress?: () => void;
  /**
   * The pipeline's clock (`PipelineOptions.scheduler`), for the source's own timers: the Notion source's
   * request budget and Retry-After / backoff waits, and its units closing after `checkpointSeconds`.
   * Default `asyncScheduler`.
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * A source: named resources and one Observable of their pages. `extract` is cold; each subscription
 * is one extraction. `close` releases connections.
 */
export interface Source {
  readonly name: string;
  readonly resources: readonly ResourceDef[];
  extract(context?: ExtractContext): Observable<ResourcePage | Checkpoint>;
  report(): SourceReport;
  /**
   * Removes the source's secrets (its token) from `text`: the pipeline passes every error message it
   * keeps (the run trace) through it. Optional; the pipeline also removes what looks like a credential.
   */
  redact?(text: string): string;
  close(): Promise<void>;
}
