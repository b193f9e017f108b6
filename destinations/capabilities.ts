import type { DestinationCapabilities } from './destination.js';
import { DATA_TYPES } from '../src/schema/data-types.js';

/** The defaults every destination starts from; a destination overrides only what differs. */
export const DEFAULT_CAPABILITIES: DestinationCapabilities = Object.freeze({
  supportedTypes: DATA_TYPES,
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert'],
  supportsTransactions: true,
  supportsTransactionalDdl: true,
  maxIdentifierLength: 63,
  caseSensitiveIdentifiers: true,
  timestampPrecision: 6,
  preferredBatch: { maxRows: 10_000, maxBytes: 8 * 1024 * 1024 },
  loadFormat: 'insert',
  queryable: false,
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
