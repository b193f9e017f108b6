import { asyncScheduler, BehaviorSubject, concatMap, defer, filter, lastValueFrom, map, take, tap, type Observable, type SchedulerLike } from 'rxjs';
import type { Destination } from '../../destinations/destination.js';
import { duckdb } from '../../destinations/duckdb/duckdb-destination.js';
import { isFlushSignal, toRecordBatches } from '../../operators/to-record-batches.js';
import { writeBatch } from '../../operators/write-to.js';
import { RelationalNormalizer } from '../normalize/relational.js';
import { applySchema } from '../schema/infer.js';
import { ConfigError } from '../errors.js';
import type { Checkpoint, Source } from '../resources/resource.js';
import { normalizeIdentifier } from '../schema/naming.js';
import { Dataset } from './dataset.js';
import { openLoad } from './load.js';
import type { LoadInfo } from './load-info.js';
import type { ProgressEvent } from './progress.js';
import { RunMonitor } from './run-monitor.js';
import { saveTrace, traceFile } from './trace-store.js';

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  /** Names the state and, for DuckDB, the file `<pipelineName>.duckdb`. Default `notion_pipeline`. */
  readonly pipelineName?: string;
  /** Default `duckdb()` (embedded, file in the working directory). */
  readonly destination?: Destination;
  /** Schema / folder the tables go to. Default `notion_data`. */
  readonly datasetName?: string;
  /** Cut batches at this many rows or bytes, whichever comes first. Default: the destination's preferred batch. */
  readonly batch?: { readonly maxRows?: number; readonly maxBytes?: number };
  /**
   * Batches cut but not yet written that the pipeline tolerates before it stops sending requests
   * (backpressure). Default 4.
   */
  readonly maxBatchesInFlight?: number;
  /** Receives the destination's SQL / file log lines. */
  readonly log?: (line: string) => void;
  /** Directory holding `.notionflow/`, where each run's trace is saved (see `traceFile`). Default `process.cwd()`. */
  readonly cwd?: string;
  /**
   * Clock of the run's timings, of its progress events' timers and of the source's timers (its request
   * budget, retry waits, checkpoint seconds). Default `asyncScheduler`.
   */
  readonly scheduler?: SchedulerLike;
}

/** Options of {@link Pipeline.run}. */
export interface RunOptions {
  /** Ignore the stored state: reload everything and replace the tables' contents. Default false. */
  readonly fullRefresh?: boolean;
  /**
   * Told how the run is going: a `progress` event at most every 250 ms while the source is extracted
   * (and every second while nothing changes, so countdowns move), then one `done` event once the run
   * is over, after a failure too.
   * `progressRenderer` (the CLI's) draws them; draw your own from the snapshot. An error it throws
   * for a `progress` event fails the run (rolled back).
   */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * A named pipeline bound to a destination and a dataset: `run` loads a source, `dataset` queries what
 * was loaded.
 *
 * @example
 * ```ts
 * const p = pipeline({ pipelineName: 'notion_pipeline', destination: duckdb(), datasetName: 'notion_data' });
 * const info = await p.run(notionSource({ apiKey: process.env.NOTION_API_KEY! }));
 * const pages = await p.dataset().table('pages').rows();
 * ```
 */
export class Pipeline {
  readonly pipelineName: string;
  readonly datasetName: string;
  readonly destination: Destination;
  readonly #options: PipelineOptions;
  readonly #scheduler: SchedulerLike;

  constructor(options: PipelineOptions = {}) {
    this.pipelineName = checkName('pipelineName', options.pipelineName ?? 'notion_pipeline');
    this.datasetName = checkName('datasetName', options.datasetName ?? 'notion_data');
    this.destination = options.destination ?? duckdb();
    const maxInFlight = options.maxBatchesInFlight ?? 4;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new ConfigError(`maxBatchesInFlight must be a positive integer, got ${maxInFlight}.`);
    this.#options = options;
    this.#scheduler = options.scheduler ?? asyncScheduler;
  }

  /**
   * Extract the source, normalize, batch and load it as one load; nothing is visible in the destination
   * before the commit at the end. Resolves with the load info; rejects (after rolling back) on failure.
   * Either way the run's trace is saved (see `saveTrace`) and `onProgress` gets a last `done` event.
   *
   * @example
   * ```ts
   * const renderer = progressRenderer(defaultProgressMode(process.stderr), { stream: process.stderr });
   * try {
   *   const info = await p.run(notionSource({ apiKey: process.env.NOTION_API_KEY! }), { onProgress: renderer.onProgress });
   *   console.log(info.trace.requests.byEndpoint);
   * } finally {
   *   renderer.stop();
   * }
   * ```
   */
  async run(source: Source, options: RunOptions = {}): Promise<LoadInfo> {
    const monitor = new RunMonitor({
      pipelineName: this.pipelineName,
      destinationName: this.destination.name,
      datasetName: this.datasetName,
      source,
      scheduler: this.#scheduler,
    });
    const { onProgress } = options;
    // A callback (or a source's report) that throws must not throw into the client's request
    // handling: the error is kept and fails the run at its next item.
    let progressFailure: { readonly error: unknown } | undefined;
    const fail = (error: unknown): void => {
      progressFailure ??= { error };
    };
    const events =
      onProgress === undefined
        ? undefined
        : monitor.events().subscribe({
            next: (event) => {
              try {
                onProgress(event);
              } catch (error) {
                fail(error);
              }
            },
            error: fail,
          });
    const checkProgress = (): void => {
      if (progressFailure) throw progressFailure.error;
    };
    let info: Omit<LoadInfo, 'trace'>;
    try {
      info = await this.#load(source, options, monitor, () => {
        events?.unsubscribe();
        checkProgress();
      }, checkProgress);
    } catch (error) {
      events?.unsubscribe();
      // The run's own error is the one to report, whatever happens to its trace or `done` event.
      attempt(() => saveTrace(monitor.trace('failed', error), this.#options.cwd));
      attempt(() => onProgress?.({ kind: 'done', snapshot: monitor.snapshot() }));
      throw error;
    }
    const trace = monitor.trace('completed');
    const notes = [...info.source.notes];
    try {
      saveTrace(trace, this.#options.cwd);
    } catch (error) {
      // The data is committed: a trace that cannot be written is worth a note, not a failed run.
      notes.push(`trace not saved to ${traceFile(this.pipelineName, this.#options.cwd)}: ${(error as Error).message}`);
    }
    onProgress?.({ kind: 'done', snapshot: monitor.snapshot() });
    return { ...info, source: { ...info.source, notes }, trace };
  }

  /** The load itself; `extracted` is called once the source's stream is done, before the final commit. */
  async #load(source: Source, options: RunOptions, monitor: RunMonitor, extracted: () => void, check: () => void): Promise<Omit<LoadInfo, 'trace'>> {
    const caps = this.destination.capabilities;
    const load = await monitor.step('open', () =>
      openLoad(this.destination, {
        pipelineName: this.pipelineName,
        datasetName: this.datasetName,
        schemaName: source.name,
        resources: source.resources,
        ...(options.fullRefresh ? { fullRefresh: true } : {}),
        ...(this.#options.log ? { log: this.#options.log } : {}),
      }),
    );
    monitor.loadId = load.loadId;
    try {
      const { schema, session } = load;
      const written = new Set<string>();
      const inFlight = new BehaviorSubject(0);
      const maxInFlight = this.#options.maxBatchesInFlight ?? 4;
      // Requests wait while too many batches are cut but not yet written: a slow destination slows extraction.
      const ready = (): Observable<void> => inFlight.pipe(filter((n) => n < maxInFlight), take(1), map(() => undefined));
      const normalizer = new RelationalNormalizer(load.normalizerOptions);
      const sources = { ...((load.state['sources'] ?? {}) as Record<string, Readonly<Record<string, unknown>>>) };
      const sourceState = sources[source.name];

      const commit = (unit: { state: Record<string, unknown>; final: boolean; deletes?: Checkpoint['deletes'] }): Promise<void> =>
        monitor.step('commit', async () => {
          await load.commitUnit({ state: unit.state, writtenTables: [...written], final: unit.final, ...(unit.deletes ? { deletes: unit.deletes } : {}) });
          written.clear();
          monitor.committed();
        });

      await monitor.step('extract', () =>
        lastValueFrom(
          source
            .extract({
              ready,
              onProgress: monitor.changed,
              scheduler: this.#scheduler,
              ...(sourceState ? { state: sourceState } : {}),
              ...(options.fullRefresh ? { fullRefresh: true } : {}),
            })
            .pipe(
              // normalize + inferSchema, letting checkpoints through in order (they cut batches below).
              map((item) => {
                check();
                if (isFlushSignal(item)) return item;
                const page = normalizer.normalizePage(item);
                applySchema(schema, page, caps.maxIdentifierLength);
                return page;
              }),
              toRecordBatches<Checkpoint>(schema, {
                maxRows: this.#options.batch?.maxRows ?? caps.preferredBatch.maxRows,
                maxBytes: this.#options.batch?.maxBytes ?? caps.preferredBatch.maxBytes,
              }),
              tap((item) => {
                if (!isFlushSignal(item)) inFlight.next(inFlight.value + 1);
              }),
              concatMap((item) =>
                defer(async () => {
                  if (isFlushSignal(item)) {
                    if (Object.keys(item.state).length > 0) sources[source.name] = item.state;
                    return commit({ state: { sources }, final: false, ...(item.deletes ? { deletes: item.deletes } : {}) });
                  }
                  const { table, rows } = await writeBatch(session, schema, item);
                  written.add(table);
                  monitor.wrote(table, rows);
                  inFlight.next(inFlight.value - 1);
                }),
              ),
            ),
          { defaultValue: undefined },
        ),
      );
      extracted();
      // The last commit marks the load complete (and carries any rows written after the last checkpoint).
      await commit({ state: { sources }, final: true });
      await load.close();
      const report = source.report();
      return {
        pipelineName: this.pipelineName,
        destinationName: this.destination.name,
        destinationLocation: this.destination.location({ pipelineName: this.pipelineName, datasetName: this.datasetName }),
        datasetName: this.datasetName,
        loadId: load.loadId,
        startedAt: new Date(monitor.startedAt),
        finishedAt: new Date(this.#scheduler.now()),
        rowCounts: { ...monitor.rowCounts },
        failedJobs: [],
        commits: monitor.commits,
        source: { ...report, notes: [...report.notes, ...load.notes] },
      };
    } catch (error) {
      await load.rollback().catch(() => undefined);
      throw error;
    } finally {
      await load.close();
      await source.close();
    }
  }

  /** Query what this pipeline loaded (destinations with `capabilities.queryable`). */
  dataset(): Dataset {
    return new Dataset(this.destination, this.pipelineName, this.datasetName);
  }
}

/** Create a {@link Pipeline}. */
export function pipeline(options: PipelineOptions = {}): Pipeline {
  return new Pipeline(options);
}

function attempt(work: () => void): void {
  try {
    work();
  } catch {
    // Deliberately ignored (see the caller).
  }
}

function checkName(option: string, value: string): string {
  if (typeof value !== 'string' || value === '' || normalizeIdentifier(value) !== value) {
    throw new ConfigError(`${option} "${value}" is not a valid name: use lower-case letters, digits and underscores (for example "${normalizeIdentifier(String(value)) || 'notion_data'}").`);
  }
  return value;
}
