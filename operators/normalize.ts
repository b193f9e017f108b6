import { map, type OperatorFunction } from 'rxjs';
import { RelationalNormalizer, type NormalizerOptions } from '../src/normalize/relational.js';
import type { NormalizedPage, ResourcePage } from '../src/records.js';

/**
 * Flatten each page of resource objects into relational rows, the way dlt does.
 *
 * <span class="informal">Nested objects become `a__b` columns, arrays become child tables linked by
 * `_dlt_parent_id`/`_dlt_root_id`, names become snake_case; values are left untyped for `inferSchema`.</span>
 *
 * @example
 * ```ts
 * rows$.pipe(normalize({ loadId, primaryKeyOf: (t) => (t === 'pages' ? 'id' : undefined) }), inferSchema(schema))
 * ```
 * @see inferSchema
 * @see toRecordBatches
 */
export function normalize(options: NormalizerOptions): OperatorFunction<ResourcePage, NormalizedPage> {
  return (source) => {
    // One normalizer per subscription: its name caches are per run, never shared between runs.
    const normalizer = new RelationalNormalizer(options);
    return source.pipe(map((page) => normalizer.normalizePage(page)));
  };
}
