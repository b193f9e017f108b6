/** What every destination gets in place of a character it cannot store: U+FFFD REPLACEMENT CHARACTER. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * `text` in a form every destination stores as it is: each NUL (U+0000, which PostgreSQL's text and
 * jsonb cannot hold) and each lone surrogate (half of a UTF-16 pair, which UTF-8 cannot encode) becomes
 * {@link REPLACEMENT_CHARACTER}; nothing else changes, and text that needs no change is returned as is.
 * Applied once, by the normalizer, so DuckDB, PostgreSQL, Snowflake, the filesystem and custom sinks
 * all get the same text.
 *
 * @example
 * ```ts
 * storableText('a\u0000b\uD800c'); // 'a\uFFFDb\uFFFDc'
 * ```
 */
export function storableText(text: string): string {
  if (text.isWellFormed() && !text.includes('\0')) return text;
  return text.toWellFormed().replaceAll('\0', REPLACEMENT_CHARACTER);
}

/**
 * A value with every string in it made storable by {@link storableText}: strings, items of arrays, and
 * keys and values of plain objects, at any depth. Other values, and arrays or objects that need no
 * change, are returned as they are.
 */
export function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const clean = storableValue(item);
      if (clean !== item) (out ??= value.slice())[i] = clean;
    }
    return out ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]) => {
    const k = storableText(key);
    const v = storableValue(item);
    if (k !== key || v !== item) changed = true;
    return [k, v] as const;
  });
  return changed ? Object.fromEntries(entries) : value;
}
