import { map, type MonoTypeOperatorFunction } from 'rxjs';
import { applySchema } from '../src/schema/infer.js';
import type { Schema } from '../src/schema/schema.js';
import type { NormalizedPage } from '../src/records.js';

/**
 * Type every row against a shared, growing {@link Schema}.
 *
 * <span class="informal">New tables and columns are added on first sight; values are coerced in place;
 * a value that conflicts with its column's type goes to a variant column `<col>__v_<type>`.</span>
 *
 * @param schema The schema to grow; `toRecordBatches` and the destination read the same instance.
 * @param maxIdentifierLength Longest identifier the destination accepts (variant names are shortened to it).
 * @see normalize
 */
export function inferSchema(schema: Schema, maxIdentifierLength = 63): MonoTypeOperatorFunction<NormalizedPage> {
  return map((page) => {
    applySchema(schema, page, maxIdentifierLength);
    return page;
  });
}
