/** What the sink benchmarks share: one load of Arrow batches through a destination, and a median. */
import type { RecordBatch } from 'apache-arrow';
import type { Destination } from '../../destinations/destination.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import type { TableSchema } from '../../src/schema/table-schema.js';

/** Options of {@link loadBatches}. */
export interface LoadOptions {
  /** The load's id (default `'1'`); a second load into the same tables needs another. */
  readonly loadId?: string;
  /** Whether the load changed the schema (default true: the first load creates the table). */
  readonly schemaChanged?: boolean;
  /** The destination's statement log (`OpenContext.log`), to see and time what a commit runs. */
  readonly log?: (line: string) => void;
}

/**
 * Write `batches` into `table` through `destination` as a pipeline does (read state, ensure the schema,
 * write, one final commit) and return the still open session, so the caller can check and close it.
 * Only the public `Destination` interface is used, so the same code loads into any revision's destinations.
 */
export async function loadBatches(destination: Destination, table: TableSchema, batches: readonly RecordBatch[], options: LoadOptions = {}): Promise<RuntimeSession> {
  const loadId = options.loadId ?? '1';
  const session = new RuntimeSession(await destination.open({ pipelineName: 'bench', datasetName: 'bench', ...(options.log ? { log: options.log } : {}) }));
  await session.readState('bench');
  await session.ensureSchema([table]);
  for (const b of batches) await session.write(table.name, b);
  await session.commit({
    loadId,
    pipelineName: 'bench',
    schemaName: 'bench',
    tables: [table],
    schemaVersionHash: 'h',
    schemaChanged: options.schemaChanged ?? true,
    state: {},
    writtenTables: [table.name],
    replaceTables: [],
    final: true,
  });
  return session;
}

/** The middle value (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One run of a sink path, as the sink scripts print their runs with `--json` (bench/run.ts compares them across revisions). */
export interface SinkRun {
  readonly path: string;
  readonly rows: number;
  /** The path's timed part (see each script's doc). */
  readonly seconds: number;
  readonly peakRssMb: number;
}
