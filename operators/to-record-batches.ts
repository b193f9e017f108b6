import { Observable, type OperatorFunction } from 'rxjs';
import { DEFAULT_BATCH_POLICY, type BatchPolicy } from '../src/arrow/batch-policy.js';
import { TableBuffer } from '../src/arrow/table-buffer.js';
import { SchemaError } from '../src/errors.js';
import type { NormalizedPage, TableBatch } from '../src/records.js';
import type { Schema } from '../src/schema/schema.js';

/**
 * An in-band marker that makes {@link toRecordBatches} cut every buffered table at once, so that a
 * checkpoint unit (a page and its block tree) ends in batches of its own. The marker is forwarded
 * downstream right after the batches it cut, so the writer knows when to commit. Extend it to carry
 * checkpoint data: `{ kind: 'flush', checkpoint }`; the same object comes out.
 */
export interface FlushSignal {
  readonly kind: 'flush';
}

/** A {@link FlushSignal} without payload. */
export const FLUSH: FlushSignal = Object.freeze({ kind: 'flush' });

/** True for a {@link FlushSignal} (as opposed to a page or a batch). */
export function isFlushSignal(value: unknown): value is FlushSignal {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'flush';
}

/**
 * Buffer normalized rows per table and emit Arrow batches.
 *
 * <span class="informal">Like `bufferCount`, one buffer per table: a table's rows go out as one
 * {@link TableBatch} when its buffer reaches `maxRows` rows or about `maxBytes` bytes (whichever first;
 * the page that crosses the limit is included), on a {@link FlushSignal}, and when the source completes.</span>
 *
 * A batch's schema is its table's columns in `schema` at the moment of the cut, so rows buffered before a
 * column was added get null there. Batches cut together (flush or completion) come out parents before
 * children. On error, buffered rows are dropped: they were never committed, and the error is forwarded.
 *
 * ## Example
 * ```ts
 * pages$.pipe(
 *   normalize(),
 *   inferSchema(schema),
 *   toRecordBatches(schema, destination.capabilities.preferredBatch),
 * ).subscribe(({ table, batch }) => console.log(table, batch.numRows));
 * ```
 *
 * @param schema The schema `inferSchema` grows; it must know every table that arrives.
 * @param policy When to cut a table's batch (defaults in {@link DEFAULT_BATCH_POLICY}).
 * @return Batches, and every {@link FlushSignal} forwarded after the batches it cut.
 * @see inferSchema
 */
export function toRecordBatches(schema: Schema, policy?: BatchPolicy): OperatorFunction<NormalizedPage, TableBatch>;
/** With flush signals in the stream: name their type (`toRecordBatches<FlushSignal>(schema)`). */
export function toRecordBatches<F extends FlushSignal>(schema: Schema, policy?: BatchPolicy): OperatorFunction<NormalizedPage | F, TableBatch | F>;
export function toRecordBatches<F extends FlushSignal>(
  schema: Schema,
  policy: BatchPolicy = {},
): OperatorFunction<NormalizedPage | F, TableBatch | F> {
  const maxRows = policy.maxRows ?? DEFAULT_BATCH_POLICY.maxRows;
  const maxBytes = policy.maxBytes ?? DEFAULT_BATCH_POLICY.maxBytes;
  const maxTotalBytes = policy.maxTotalBytes ?? DEFAULT_BATCH_POLICY.maxTotalBytes;
  return (source) =>
    new Observable<TableBatch | F>((subscriber) => {
      const buffers = new Map<string, TableBuffer>();
      const cutAll = (): void => {
        for (const table of schema.tables) {
          const buffer = buffers.get(table.name);
          if (buffer && buffer.rowCount > 0) subscriber.next({ table: table.name, batch: buffer.flush(table) });
        }
      };
      const add = (page: NormalizedPage): void => {
        for (const { table, rows } of page.tables) {
          const tableSchema = schema.table(table);
          if (!tableSchema) throw new SchemaError(`Table "${table}" is not in schema "${schema.name}": run inferSchema before toRecordBatches.`);
          let buffer = buffers.get(table);
          if (!buffer) buffers.set(table, (buffer = new TableBuffer()));
          buffer.push(rows);
          if (buffer.rowCount >= maxRows || buffer.byteSize >= maxBytes) subscriber.next({ table, batch: buffer.flush(tableSchema) });
        }
        // Over the total budget: cut the largest buffers until the total is back under half of it.
        let total = 0;
        for (const b of buffers.values()) total += b.byteSize;
        if (total < maxTotalBytes) return;
        const bySize = [...buffers].filter(([, b]) => b.rowCount > 0).sort(([, a], [, b]) => b.byteSize - a.byteSize);
        for (const [table, buffer] of bySize) {
          if (total < maxTotalBytes / 2) break;
          total -= buffer.byteSize;
          subscriber.next({ table, batch: buffer.flush(schema.table(table)!) });
        }
      };
      return source.subscribe({
        next: (value) => {
          // Building a batch throws on a value that does not fit its column: send that downstream as an error.
          try {
            if (isFlushSignal(value)) {
              cutAll();
              subscriber.next(value);
            } else {
              add(value);
            }
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => {
          buffers.clear();
          subscriber.error(err);
        },
        complete: () => {
          try {
            cutAll();
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.complete();
        },
      });
    });
}
