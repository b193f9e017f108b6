import { createHash } from 'node:crypto';

/** Separator between the parts of a flattened path (`properties__status__select__name`), as in dlt. */
export const PATH_SEPARATOR = '__';

const REDUCE_ALPHABET: Record<string, string> = { '+': 'x', '-': '_', '*': 'x', '@': 'a', '|': 'l' };
const RE_REDUCE = /[+\-*@|]/g;
const RE_NON_ALPHANUMERIC = /[^a-zA-Z\d_]+/g;
const RE_BREAK_1 = /([^_])([A-Z][a-z]+)/g;
const RE_BREAK_2 = /([a-z0-9])([A-Z])/g;
const RE_LEADING_DIGITS = /^\d/;
const RE_UNDERSCORES = /_+/g;
const RE_TRAILING_UNDERSCORES = /_+$/;

const cache = new Map<string, string>();

/**
 * dlt's `snake_case` naming convention for one identifier part: the result matches `[a-z_][a-z0-9_]*`,
 * so it is safe in any SQL dialect once quoted. `"Due Date"` → `due_date`, `"drop table x;--"` →
 * `drop_table_xxxx`, `" Name "` → `name`, `"🚀"` → `x`, `"ÄÖ"` → `x`. Surrounding whitespace is stripped first,
 * as dlt does; an empty or blank name (which dlt rejects) becomes `x`, so a load never fails on a name.
 * Distinct names can collide; `RelationalNormalizer` breaks collisions inside one object.
 */
export function normalizeIdentifier(identifier: string): string {
  let out = cache.get(identifier);
  if (out !== undefined) return out;
  let s = identifier.trim() || '_';
  s = s.replace(RE_REDUCE, (c) => REDUCE_ALPHABET[c]!);
  s = s.replace(RE_NON_ALPHANUMERIC, '_');
  s = s.replace(RE_BREAK_1, '$1_$2').replace(RE_BREAK_2, '$1_$2').toLowerCase();
  if (RE_LEADING_DIGITS.test(s)) s = `_${s}`;
  const trailing = RE_TRAILING_UNDERSCORES.exec(s);
  if (trailing) s = s.slice(0, trailing.index) + 'x'.repeat(trailing[0].length);
  out = s.replace(RE_UNDERSCORES, '_');
  if (cache.size > 100_000) cache.clear();
  cache.set(identifier, out);
  return out;
}

/**
 * Shorten a normalized path to `maxLength` characters, keeping a readable prefix and a hash of the
 * whole so distinct long names stay distinct (dlt's `shorten_identifier`).
 */
export function shortenIdentifier(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  const tag = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, Math.max(1, maxLength - tag.length - 1))}_${tag}`;
}

/** A short, stable suffix for a source key, used to break collisions between keys that normalize alike. */
export function collisionTag(sourceKey: string): string {
  return createHash('sha256').update(sourceKey).digest('hex').slice(0, 6);
}

/** Quote an identifier for SQL with double quotes, doubling embedded quotes (ANSI). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
