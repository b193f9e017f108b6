import { concatMap, defer, type OperatorFunction } from 'rxjs';
import type { DestinationSession } from '../destinations/destination.js';
import type { Schema } from '../src/schema/schema.js';
import type { TableBatch } from '../src/records.js';

/** What `writeTo` emits after each batch reached the destination's staging. */
export interface WriteProgress {
  readonly table: string;
  readonly rows: number;
}

/**
 * Hand each batch to a destination session, one at a time, in order.
 *
 * <span class="informal">Before a batch is written, every table the schema added or widened since the
 * previous write is created or altered (`ensureSchema`), so the destination always has the columns a
 * batch carries.</span>
 *
 * Writes are serialized (`concatMap`): a slow destination shows up as batches waiting here, which is
 * what the pipeline's backpressure gate counts. The one Promise boundary of the flow; tested against a
 * real destination, not with marbles (STYLE.md rule 3).
 *
 * @param session An open session (wrapped by `RuntimeSession`).
 * @param schema The schema `inferSchema` grows.
 */
export function writeTo(session: DestinationSession, schema: Schema): OperatorFunction<TableBatch, WriteProgress> {
  return concatMap((batch) => defer(() => writeBatch(session, schema, batch)));
}

/** Catch the destination up with the schema, then stage one batch (what `writeTo` does per batch). */
export async function writeBatch(session: DestinationSession, schema: Schema, { table, batch }: TableBatch): Promise<WriteProgress> {
  const changes = schema.takeChanges();
  if (changes.tables.length > 0) await session.ensureSchema(changes.tables);
  await session.write(table, batch);
  return { table, rows: batch.numRows };
}
