import type { DestinationCapabilities } from './destination.js';
import { DATA_TYPES } from '../src/schema/data-types.js';

/**
 * The defaults every destination starts from; a destination overrides only what differs.
 *
 * `supportedTypes` defaults to every type but `text_list`: list columns are opt-in, so a destination that
 * stores them natively says so (`supportedTypes: DATA_TYPES`), and for any other the pipeline declares a
 * `text_list` column as `json` (a JSON array of strings) before the destination ever sees it.
 */
export const DEFAULT_CAPABILITIES: DestinationCapabilities = Object.freeze({
  supportedTypes: DATA_TYPES.filter((t) => t !== 'text_list'),
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert'],
  supportsTransactions: true,
  supportsTransactionalDdl: true,
  maxIdentifierLength: 63,
  caseSensitiveIdentifiers: true,
  maxTextBytes: Number.POSITIVE_INFINITY,
  listsKeepNulls: true,
  catalogScope: 'database',
  timestampPrecision: 6,
  preferredBatch: { maxRows: 10_000, maxBytes: 8 * 1024 * 1024 },
  loadFormat: 'insert',
  queryable: false,
  appliesDeletes: true,
} as const);

/**
 * Build a frozen capabilities object from the defaults and a destination's overrides.
 *
 * @example
 * ```ts
 * const caps = defineCapabilities({ loadFormat: 'appender', queryable: true, maxIdentifierLength: 255 });
 * ```
 */
export function defineCapabilities(overrides: Partial<DestinationCapabilities>): DestinationCapabilities {
  return Object.freeze({ ...DEFAULT_CAPABILITIES, ...overrides });
}
