import { BehaviorSubject, concatMap, defer, filter, lastValueFrom, map, take, tap, type Observable } from 'rxjs';
import type { Destination } from '../../destinations/destination.js';
import { duckdb } from '../../destinations/duckdb/index.js';
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
}

/** Options of {@link Pipeline.run}. */
export interface RunOptions {
  /** Ignore the stored state: reload everything and replace the tables' contents. Default false. */
  readonly fullRefresh?: boolean;
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

  constructor(options: PipelineOptions = {}) {
    this.pipelineName = checkName('pipelineName', options.pipelineName ?? 'notion_pipeline');
    this.datasetName = checkName('datasetName', options.datasetName ?? 'notion_data');
    this.destination = options.destination ?? duckdb();
    const maxInFlight = options.maxBatchesInFlight ?? 4;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new ConfigError(`maxBatchesInFlight must be a positive integer, got ${maxInFlight}.`);
    this.#options = options;
  }

  /**
   * Extract the source, normalize, batch and load it as one load; nothing is visible in the destination
   * before the commit at the end. Resolves with the load info; rejects (after rolling back) on failure.
   */
  async run(source: Source, options: RunOptions = {}): Promise<LoadInfo> {
    const startedAt = new Date();
    const caps = this.destination.capabilities;
    const load = await openLoad(this.destination, {
      pipelineName: this.pipelineName,
      datasetName: this.datasetName,
      schemaName: source.name,
      resources: source.resources,
      ...(options.fullRefresh ? { fullRefresh: true } : {}),
      ...(this.#options.log ? { log: this.#options.log } : {}),
    });
    try {
      const { schema, session } = load;
      const rowCounts: Record<string, number> = {};
      const written = new Set<string>();
      const inFlight = new BehaviorSubject(0);
      const maxInFlight = this.#options.maxBatchesInFlight ?? 4;
      // Requests wait while too many batches are cut but not yet written: a slow destination slows extraction.
      const ready = (): Observable<void> => inFlight.pipe(filter((n) => n < maxInFlight), take(1), map(() => undefined));
      const normalizer = new RelationalNormalizer(load.normalizerOptions);
      const sources = { ...((load.state['sources'] ?? {}) as Record<string, Readonly<Record<string, unknown>>>) };
      const sourceState = sources[source.name];
      let commits = 0;

      const commit = async (checkpoint: Checkpoint): Promise<void> => {
        if (Object.keys(checkpoint.state).length > 0) sources[source.name] = checkpoint.state;
        await load.commitUnit({ state: { sources }, writtenTables: [...written], final: false, ...(checkpoint.deletes ? { deletes: checkpoint.deletes } : {}) });
        written.clear();
        commits++;
      };

      await lastValueFrom(
        source
          .extract({ ready, ...(sourceState ? { state: sourceState } : {}), ...(options.fullRefresh ? { fullRefresh: true } : {}) })
          .pipe(
            // normalize + inferSchema, letting checkpoints through in order (they cut batches below).
            map((item) => {
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
                if (isFlushSignal(item)) return commit(item);
                const { table, rows } = await writeBatch(session, schema, item);
                written.add(table);
                rowCounts[table] = (rowCounts[table] ?? 0) + rows;
                inFlight.next(inFlight.value - 1);
              }),
            ),
          ),
        { defaultValue: undefined },
      );
      // The last commit marks the load complete (and carries any rows written after the last checkpoint).
      await load.commitUnit({ state: { sources }, writtenTables: [...written], final: true });
      await load.close();
      const report = source.report();
      return {
        pipelineName: this.pipelineName,
        destinationName: this.destination.name,
        destinationLocation: this.destination.location({ pipelineName: this.pipelineName, datasetName: this.datasetName }),
        datasetName: this.datasetName,
        loadId: load.loadId,
        startedAt,
        finishedAt: new Date(),
        rowCounts,
        failedJobs: [],
        commits: commits + 1,
        source: { ...report, notes: [...report.notes, ...new Set(load.notes)] },
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

function checkName(option: string, value: string): string {
  if (typeof value !== 'string' || value === '' || normalizeIdentifier(value) !== value) {
    throw new ConfigError(`${option} "${value}" is not a valid name: use lower-case letters, digits and underscores (for example "${normalizeIdentifier(String(value)) || 'notion_data'}").`);
  }
  return value;
}
