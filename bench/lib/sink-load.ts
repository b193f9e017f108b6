/** What the sink benchmarks share: one load of Arrow batches through a destination, and a median. */
import type { RecordBatch } from 'apache-arrow';
import type { Destination } from '../../destinations/destination.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import type { TableSchema } from '../../src/schema/table-schema.js';

/**
 * Write `batches` into `table` through `destination` as a pipeline does (read state, ensure the schema,
 * write, one final commit) and return the still open session, so the caller can check and close it.
 */
export async function loadBatches(destination: Destination, table: TableSchema, batches: readonly RecordBatch[]): Promise<RuntimeSession> {
  const session = new RuntimeSession(await destination.open({ pipelineName: 'bench', datasetName: 'bench' }));
  await session.readState('bench');
  await session.ensureSchema([table]);
  for (const b of batches) await session.write(table.name, b);
  await session.commit({
    loadId: '1',
    pipelineName: 'bench',
    schemaName: 'bench',
    tables: [table],
    schemaVersionHash: 'h',
    schemaChanged: true,
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
