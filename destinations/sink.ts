import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import type { TableSchema } from '../src/schema/table-schema.js';
import { DATA_TYPES } from '../src/schema/data-types.js';
import { defineCapabilities } from './capabilities.js';
import type { Destination, DestinationCapabilities, DestinationSession, LoadCommit, OpenContext, StoredState } from './destination.js';
import { DestinationError } from './errors.js';

/** What a sink function is told with each batch. */
export interface SinkContext {
  readonly pipelineName: string;
  readonly datasetName: string;
  /** The table's schema when the batch was cut (columns, parent, primary key, write disposition). */
  readonly table: TableSchema;
}

/** A user's sink: receives every batch, in order, one at a time. */
export type SinkFunction = (table: string, batch: RecordBatch, context: SinkContext) => Promise<void> | void;

/** Options of {@link sink}. */
export interface SinkOptions {
  /** Shown in load info. Default `sink`. */
  readonly name?: string;
  /**
   * Where the pipelines' states are kept between runs, one `<pipeline_name>/state.json` each (pipelines
   * sharing a sink keep their own). Default `.notionflow/sinks` in the working directory.
   */
  readonly stateDir?: string;
  /** Called once per commit, after every batch of that commit was delivered. */
  readonly onCommit?: (load: LoadCommit) => Promise<void> | void;
  /**
   * Capabilities to override (a sink that can merge may say so). Default: append only, not queryable,
   * every type (leave `text_list` out of `supportedTypes` to get lists as JSON text instead).
   */
  readonly capabilities?: Partial<DestinationCapabilities>;
}

/**
 * A destination made of one function: every Arrow batch is handed to `fn` as soon as it is cut.
 *
 * **Delivery guarantee: at least once.** A batch is delivered before its load commits; if the run
 * fails or is killed before the commit, the next run delivers those rows again. Every row carries
 * `_dlt_load_id` and a deterministic `_dlt_id` (the same object gets the same id in every load), so a
 * sink deduplicates by `_dlt_id` (keep the row of the newest `_dlt_load_id`). Each pipeline's state is
 * kept in a JSON file of its own (see `stateDir`), written after `onCommit` succeeded.
 *
 * @example
 * ```ts
 * const toQueue = sink(async (table, batch, { pipelineName }) => {
 *   for (const row of batch) await queue.send({ table, row: row.toJSON() });
 * });
 * await pipeline({ destination: toQueue }).run(notionSource({ apiKey }));
 * ```
 */
export function sink(fn: SinkFunction, options: SinkOptions = {}): Destination {
  const name = options.name ?? 'sink';
  const capabilities = defineCapabilities({
    // Batches reach the sink as they are: text_list columns as Arrow List<Utf8> vectors.
    supportedTypes: DATA_TYPES,
    writeDispositions: ['append'],
    mergeStrategies: [],
    supportsTransactions: false,
    supportsTransactionalDdl: false,
    maxIdentifierLength: 255,
    loadFormat: 'custom',
    queryable: false,
    // A sink gets the deletes in onCommit's load; whether it applies them is its business: say so with `capabilities`.
    appliesDeletes: false,
    ...options.capabilities,
  });
  const stateFile = (pipelineName: string): string => {
    // A pipeline name is one directory level: never a path out of the state directory.
    if (!/^[\w-]+$/.test(pipelineName)) throw new DestinationError(name, `pipeline name "${pipelineName}" cannot name a state file: use letters, digits, "_" and "-".`);
    return resolve(options.stateDir ?? join('.notionflow', 'sinks'), pipelineName, 'state.json');
  };
  return {
    name,
    capabilities,
    location: (ctx) => `${name} (state in ${stateFile(ctx.pipelineName)})`,
    open: async (ctx) => new SinkSession(fn, options, name, ctx, stateFile),
  };
}

class SinkSession implements DestinationSession {
  readonly #fn: SinkFunction;
  readonly #options: SinkOptions;
  readonly #name: string;
  readonly #ctx: OpenContext;
  readonly #stateFile: (pipelineName: string) => string;
  readonly #tables = new Map<string, TableSchema>();

  constructor(fn: SinkFunction, options: SinkOptions, name: string, ctx: OpenContext, stateFile: (pipelineName: string) => string) {
    this.#fn = fn;
    this.#options = options;
    this.#name = name;
    this.#ctx = ctx;
    this.#stateFile = stateFile;
  }

  async readState(pipeline: string): Promise<StoredState | undefined> {
    const file = this.#stateFile(pipeline);
    try {
      return JSON.parse(await readFile(file, 'utf8')) as StoredState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new DestinationError(this.#name, `cannot read the state file ${file}: delete it to start over.`, { cause: error });
    }
  }

  async ensureSchema(tables: readonly TableSchema[]): Promise<void> {
    for (const t of tables) this.#tables.set(t.name, t);
  }

  async write(table: string, batch: RecordBatch): Promise<void> {
    try {
      await this.#fn(table, batch, { pipelineName: this.#ctx.pipelineName, datasetName: this.#ctx.datasetName, table: this.#tables.get(table)! });
    } catch (error) {
      throw new DestinationError(this.#name, `the sink function failed on table ${table}: ${(error as Error).message}`, { cause: error, table });
    }
  }

  async commit(load: LoadCommit): Promise<void> {
    await this.#options.onCommit?.(load);
    const stored: StoredState = { state: load.state, tables: load.tables, schemaVersionHash: load.schemaVersionHash, loadId: load.loadId };
    const file = this.#stateFile(load.pipelineName);
    await mkdir(dirname(file), { recursive: true });
    // Write then rename: a crash leaves the old state or the new one, never half a file.
    await writeFile(`${file}.tmp`, JSON.stringify(stored));
    await rename(`${file}.tmp`, file);
  }

  async rollback(): Promise<void> {}

  async close(): Promise<void> {}
}
