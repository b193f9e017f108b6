import { Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { Source } from '../resources/resource.js';
import { errorLine } from './error-line.js';
import { progressEvents, progressSnapshot, type ProgressEvent, type ProgressSnapshot, type RunTrace } from './progress.js';

/** What a {@link RunMonitor} needs to know of its run. */
export interface RunMonitorInit {
  readonly pipelineName: string;
  readonly destinationName: string;
  readonly datasetName: string;
  readonly source: Source;
  /** The clock of timings and timers of progress events. */
  readonly scheduler: SchedulerLike;
}

interface Step {
  readonly name: string;
  readonly started: number;
  finished?: number;
}

/**
 * What one `Pipeline.run` measures about itself: steps and their times, rows written, commits, and
 * the source's live figures; from them the {@link ProgressSnapshot}s of its progress events and, at
 * the end, its {@link RunTrace}. Time is read from the scheduler only.
 */
export class RunMonitor {
  /** When the run started, in the scheduler's clock. */
  readonly startedAt: number;
  /** Set once the destination is open. */
  loadId = '';
  /** Rows written per table. */
  readonly rowCounts: Record<string, number> = {};
  #commits = 0;
  readonly #init: RunMonitorInit;
  readonly #steps: Step[] = [];
  readonly #changes = new Subject<void>();

  constructor(init: RunMonitorInit) {
    this.#init = init;
    this.startedAt = init.scheduler.now();
  }

  /** Tells the monitor its figures changed (the source's `onProgress`). */
  readonly changed = (): void => this.#changes.next();

  /** Commits made so far. */
  get commits(): number {
    return this.#commits;
  }

  /** Runs `work` as the step `name`, timed whether it succeeds or fails. */
  async step<T>(name: string, work: () => Promise<T>): Promise<T> {
    const step: Step = { name, started: this.#init.scheduler.now() };
    this.#steps.push(step);
    try {
      return await work();
    } finally {
      step.finished = this.#init.scheduler.now();
    }
  }

  /** Counts `rows` rows written to `table`. */
  wrote(table: string, rows: number): void {
    this.rowCounts[table] = (this.rowCounts[table] ?? 0) + rows;
    this.changed();
  }

  /** Counts one commit. */
  committed(): void {
    this.#commits++;
    this.changed();
  }

  /** The figures now. */
  snapshot(): ProgressSnapshot {
    const now = this.#init.scheduler.now();
    return progressSnapshot({
      elapsedMs: now - this.startedAt,
      nowMs: now,
      source: this.#init.source.report().progress,
      rowsByTable: this.rowCounts,
      commits: this.#commits,
    });
  }

  /** `progress` events while subscribed: at most every 250 ms, and every second while nothing changes. */
  events(): Observable<ProgressEvent> {
    return progressEvents(this.#changes, () => this.snapshot(), { scheduler: this.#init.scheduler });
  }

  /** The run's trace, as it stands: `error` (of a failed run) as one line without secrets. */
  trace(status: RunTrace['status'], error?: unknown): RunTrace {
    const { pipelineName, destinationName, datasetName, source, scheduler } = this.#init;
    const now = scheduler.now();
    const stats = source.report().progress?.requests;
    const redact = source.redact === undefined ? undefined : (text: string) => source.redact!(text);
    return {
      pipelineName,
      loadId: this.loadId,
      destinationName,
      datasetName,
      startedAt: iso(this.startedAt),
      finishedAt: iso(now),
      status,
      ...(status === 'failed' ? { error: errorLine(error, redact) } : {}),
      steps: this.#steps.map((s) => {
        const finished = s.finished ?? now;
        return { name: s.name, startedAt: iso(s.started), finishedAt: iso(finished), ms: finished - s.started };
      }),
      requests: {
        total: stats?.requests ?? 0,
        byEndpoint: { ...stats?.byEndpoint },
        byStatus: Object.fromEntries(Object.entries(stats?.byStatus ?? {})),
        retriesByClass: { ...stats?.retriesByClass },
        rateLimitWaits: stats?.rateLimitWaits ?? 0,
        rateLimitWaitMs: stats?.rateLimitWaitMs ?? 0,
      },
      rowCounts: { ...this.rowCounts },
      commits: this.#commits,
    };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
