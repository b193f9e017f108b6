/** A value as the dashboard sends it to the page: plain JSON. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Bytes shown of a binary value before it is cut. */
const MAX_BYTES_SHOWN = 64;

/**
 * A query result value as plain JSON, whatever the destination's driver returned: a bigint becomes a
 * number when it is exact as one and a string otherwise, a Date its ISO string, bytes their hex (cut
 * after {@link MAX_BYTES_SHOWN}), lists and structs element by element. `JSON.stringify` alone throws on
 * a bigint and turns a Map into `{}`.
 *
 * @example
 * ```ts
 * toJsonValue(12n);                        // 12
 * toJsonValue(2n ** 64n);                  // '18446744073709551616'
 * toJsonValue(new Date(0));                // '1970-01-01T00:00:00.000Z'
 * toJsonValue(new Uint8Array([1, 255]));   // '\\x01ff'
 * ```
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.subarray(0, MAX_BYTES_SHOWN)).toString('hex');
    return `\\x${hex}${value.length > MAX_BYTES_SHOWN ? `… (${value.length} bytes)` : ''}`;
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]));
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
  return out;
}
