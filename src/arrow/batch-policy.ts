/**
 * When `toRecordBatches` cuts a table's buffered rows into a batch: at whichever limit comes first.
 * Destinations state theirs in `capabilities.preferredBatch`.
 */
export interface BatchPolicy {
  /** Cut when a table has this many rows buffered. Default 10,000. */
  readonly maxRows?: number;
  /** Cut when a table's buffered rows reach about this many bytes. Default 8 MiB. */
  readonly maxBytes?: number;
  /**
   * Cut the largest buffers when all tables together hold about this many bytes. Default 32 MiB.
   * A Notion load fills dozens of child tables at once; without a total, each could hold up to
   * `maxBytes` as JS objects until the end of the load.
   */
  readonly maxTotalBytes?: number;
}

/** The limits used when a {@link BatchPolicy} leaves one out. */
export const DEFAULT_BATCH_POLICY: Required<BatchPolicy> = Object.freeze({ maxRows: 10_000, maxBytes: 8 * 1024 * 1024, maxTotalBytes: 32 * 1024 * 1024 });
