/** One lexical token of a Redshift statement, with where it is in the text. */
export interface Token {
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct';
  /** Words upper-cased; quoted identifiers and strings decoded; everything else as written. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

const PUNCT = ['::', '->>', '->', '#>>', '#>', '@>', '<@', '<=', '>=', '<>', '!=', '||', '?|', '?&'];

/**
 * Split a statement into tokens as Redshift reads it: `'…'` strings with `''` and backslash escapes
 * (Redshift reads a backslash in a literal as an escape), `"…"` identifiers with `""`, `$n` parameters,
 * numbers, words, operators; comments dropped. Throws on an unterminated string, identifier or comment.
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`unterminated comment at ${i}`);
      i = end + 2;
    } else if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new Error(`unterminated string at ${i}`);
        const d = sql[j]!;
        if (d === '\\') {
          value += sql[j + 1] ?? '';
          j += 2;
        } else if (d === "'" && sql[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (d === "'") {
          break;
        } else {
          value += d;
          j++;
        }
      }
      out.push({ kind: 'string', value, start: i, end: j + 1 });
      i = j + 1;
    } else if (c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new Error(`unterminated identifier at ${i}`);
        if (sql[j] === '"' && sql[j + 1] === '"') {
          value += '"';
          j += 2;
        } else if (sql[j] === '"') {
          break;
        } else {
          value += sql[j++];
        }
      }
      out.push({ kind: 'quoted', value, start: i, end: j + 1 });
      i = j + 1;
    } else if (c === '$' && /\d/.test(sql[i + 1] ?? '')) {
      const m = /^\$\d+/.exec(sql.slice(i))!;
      out.push({ kind: 'param', value: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(sql[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(sql.slice(i))!;
      out.push({ kind: 'number', value: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i))!;
      out.push({ kind: 'word', value: m[0].toUpperCase(), start: i, end: i + m[0].length });
      i += m[0].length;
    } else {
      const p = PUNCT.find((op) => sql.startsWith(op, i)) ?? c;
      out.push({ kind: 'punct', value: p, start: i, end: i + p.length });
      i += p.length;
    }
  }
  return out;
}

/**
 * The statement as Redshift resolves its names: the text of every `"…"` identifier folded to lower case
 * (Redshift folds quoted identifiers unless `enable_case_sensitive_identifier` is on; PostgreSQL keeps
 * their case), then passed through `rename`; strings and everything else untouched.
 */
export function foldQuotedIdentifiers(sql: string, rename: (name: string) => string = (name) => name): string {
  let out = '';
  let at = 0;
  for (const t of tokenize(sql)) {
    if (t.kind !== 'quoted') continue;
    const name = rename(t.value.toLowerCase());
    if (name === t.value) continue;
    out += sql.slice(at, t.start) + `"${name.replaceAll('"', '""')}"`;
    at = t.end;
  }
  return out + sql.slice(at);
}
