import { asyncScheduler, interval, map, merge, throttleTime, type Observable, type SchedulerLike } from 'rxjs';
import type { SourceProgress } from '../resources/resource.js';

/** Everything a progress renderer shows, recomputed for each event (see {@link ProgressEvent}). */
export interface ProgressSnapshot {
  /** Since the run started. */
  readonly elapsedMs: number;
  /** Per resource (`pages`, `rows`, `blocks`, `comments`): objects done, and `known` in all once a listing said so. */
  readonly resources: Readonly<Record<string, { readonly done: number; readonly known?: number }>>;
  /**
   * HTTP attempts: `ok` (2xx), `retried` (retries sent), `rateLimited` (429 answers), `failed`
   * (requests given up on, each once) and `total` (every attempt, retries included).
   */
  readonly requests: { readonly ok: number; readonly retried: number; readonly rateLimited: number; readonly failed: number; readonly total: number };
  /** The wait requests are held in now, for a countdown: a Retry-After pause or the request budget (`untilMs` in epoch ms). */
  readonly wait?: { readonly reason: 'retry-after' | 'budget'; readonly untilMs: number };
  /** Rows written per table so far (root and child tables). */
  readonly rowsByTable: Readonly<Record<string, number>>;
  /** Commits made so far. */
  readonly commits: number;
  /** Time left, when the source knows the requests left (see {@link estimateEtaMs}); never a guess before that. */
  readonly etaMs?: number;
}

/** What `Pipeline.run` tells `onProgress`: `progress` at most every 250 ms while it runs, then one `done` (also after a failure). */
export type ProgressEvent = { readonly kind: 'progress'; readonly snapshot: ProgressSnapshot } | { readonly kind: 'done'; readonly snapshot: ProgressSnapshot };

/**
 * The record of one run, saved after it (failed ones too) by `saveTrace` and returned in
 * `LoadInfo.trace`: what `notionflow trace` and the dashboard show. Holds no token or password:
 * `error` is one line with secrets removed.
 */
export interface RunTrace {
  readonly pipelineName: string;
  /** Empty when the run failed before the destination was opened. */
  readonly loadId: string;
  readonly destinationName: string;
  readonly datasetName: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** ISO 8601. */
  readonly finishedAt: string;
  readonly status: 'completed' | 'failed';
  /** The error of a failed run: its name and the first line of its message, secrets removed. */
  readonly error?: string;
  /**
   * Steps as the pipeline sees them: `open` (the destination session and its state), `extract` (the
   * source's stream, normalized, batched and written as it arrives), and one `commit` per commit.
   */
  readonly steps: readonly { readonly name: string; readonly startedAt: string; readonly finishedAt: string; readonly ms: number }[];
  /**
   * HTTP attempts (`total`), by endpoint template (`GET /v1/blocks/:id/children`) and status, retries
   * by cause (`429`, `529`, `5xx`, `409`, `reset`, `timeout`, `truncated`, …), and the waits for a
   * 429's Retry-After (count, and wall-clock milliseconds).
   */
  readonly requests: {
    readonly total: number;
    readonly byEndpoint: Readonly<Record<string, number>>;
    readonly byStatus: Readonly<Record<string, number>>;
    readonly retriesByClass: Readonly<Record<string, number>>;
    readonly rateLimitWaits: number;
    readonly rateLimitWaitMs: number;
  };
  /** Rows written per table (a failed run's rows were rolled back unless committed before). */
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly commits: number;
}

/** What {@link progressSnapshot} is computed from. */
export interface ProgressFigures {
  readonly elapsedMs: number;
  /** The clock's now, to drop a wait that is over. */
  readonly nowMs: number;
  /** The source's live figures; undefined when it keeps none. */
  readonly source: SourceProgress | undefined;
  readonly rowsByTable: Readonly<Record<string, number>>;
  readonly commits: number;
}

/**
 * The snapshot of a run's figures. A pure function: `Pipeline.run` calls it for every event.
 *
 * @example
 * ```ts
 * const snapshot = progressSnapshot({ elapsedMs: 5000, nowMs: Date.now(), source: source.report().progress, rowsByTable: { pages: 10 }, commits: 0 });
 * ```
 */
export function progressSnapshot(figures: ProgressFigures): ProgressSnapshot {
  const { source } = figures;
  const stats = source?.requests;
  const wait = stats?.wait !== undefined && stats.wait.untilMs > figures.nowMs ? stats.wait : undefined;
  const etaMs = estimateEtaMs(source?.remainingRequests, source?.budget, { requests: stats?.requests ?? 0, elapsedMs: figures.elapsedMs });
  return {
    elapsedMs: figures.elapsedMs,
    resources: source?.resources ?? {},
    requests: {
      ok: stats?.ok ?? 0,
      retried: stats?.retries ?? 0,
      rateLimited: stats?.rateLimited ?? 0,
      failed: stats?.failed ?? 0,
      total: stats?.requests ?? 0,
    },
    ...(wait ? { wait: { reason: wait.reason, untilMs: wait.untilMs } } : {}),
    rowsByTable: { ...figures.rowsByTable },
    commits: figures.commits,
    ...(etaMs === undefined ? {} : { etaMs }),
  };
}

/**
 * Time left for `remainingRequests`, in milliseconds, or undefined when they are unknown.
 *
 * Requests are what a Notion load waits on (the budget, 180 a minute by default, is the bottleneck),
 * so the time left is the requests left ÷ the rate they go at: the budget's rate (its current one,
 * lowered after 429s when adaptive) or, when slower, the rate observed so far (latency or a slow
 * destination hold it back); without a budget, the observed rate alone. The Notion source knows the
 * requests left only once its listings are done (pages left × requests per page so far), so there
 * is no ETA before that.
 *
 * @example
 * ```ts
 * estimateEtaMs(360, { requests: 180, windowMs: 60_000 }, { requests: 900, elapsedMs: 300_000 }); // 120_000
 * ```
 */
export function estimateEtaMs(
  remainingRequests: number | undefined,
  budget: { readonly requests: number; readonly windowMs: number } | undefined,
  observed: { readonly requests: number; readonly elapsedMs: number },
): number | undefined {
  if (remainingRequests === undefined) return undefined;
  if (remainingRequests <= 0) return 0;
  const budgetRate = budget !== undefined && Number.isFinite(budget.requests) ? budget.requests / budget.windowMs : Infinity;
  const observedRate = observed.elapsedMs > 0 && observed.requests > 0 ? observed.requests / observed.elapsedMs : Infinity;
  const rate = Math.min(budgetRate, observedRate);
  return Number.isFinite(rate) && rate > 0 ? Math.round(remainingRequests / rate) : undefined;
}

/** Options of {@link progressEvents}. */
export interface ProgressEventsOptions {
  /** Timers. Default `asyncScheduler` (virtual time under `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
  /** Events at most this often. Default `250`. */
  readonly periodMs?: number;
  /** An event at least this often while nothing changes, so elapsed time and countdowns move. Default `1000`. */
  readonly heartbeatMs?: number;
}

/**
 * `progress` events for a run: one when something changes (then at most one per `periodMs`, the
 * last change of a period sent at its end), and one per `heartbeatMs` while nothing does. Each
 * event carries a fresh `snapshot()`. Never completes; unsubscribe when the run ends.
 *
 * @example
 * ```ts
 * const events = progressEvents(changes$, () => progressSnapshot(figures())).subscribe(onProgress);
 * ```
 */
export function progressEvents(changes: Observable<unknown>, snapshot: () => ProgressSnapshot, options: ProgressEventsOptions = {}): Observable<ProgressEvent> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return merge(changes, interval(options.heartbeatMs ?? 1000, scheduler)).pipe(
    throttleTime(options.periodMs ?? 250, scheduler, { leading: true, trailing: true }),
    map((): ProgressEvent => ({ kind: 'progress', snapshot: snapshot() })),
  );
}
