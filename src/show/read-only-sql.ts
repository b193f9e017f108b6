/** The verdict of {@link checkReadOnlySql}: the one statement to run, or why it may not run. */
export type ReadOnlySqlCheck = { readonly ok: true; readonly sql: string } | { readonly ok: false; readonly reason: string };

/** What a read may start with (after any opening parentheses). */
const READ_STARTS = new Set(['select', 'with', 'values', 'from']);

/**
 * Words that make a single SELECT or WITH statement write (a data-modifying CTE, `SELECT … INTO`,
 * `FOR UPDATE`) or name a statement that is never a read. As bare words they are keywords in every
 * dialect, so a column of that name needs quotes anyway.
 */
const WRITE_WORDS = new Set([
  'insert', 'update', 'delete', 'merge', 'upsert', 'into', 'copy', 'call', 'drop', 'create', 'alter',
  'truncate', 'attach', 'detach', 'grant', 'revoke', 'pragma',
]);

/**
 * How a dialect reads the text: Snowflake (and PostgreSQL's `E'…'`) treat a backslash in a string as an
 * escape, and Snowflake also starts a comment with `//`. A query passes only when it reads as one
 * read-only statement under every mode, so a string that ends in one dialect and not in another cannot
 * hide a second statement.
 */
interface LexMode {
  readonly backslashEscapes: boolean;
  readonly slashComments: boolean;
}
const MODES: readonly LexMode[] = [
  { backslashEscapes: false, slashComments: false },
  { backslashEscapes: true, slashComments: true },
];

/** What the lexer saw outside strings, quoted names and comments. */
interface Lexed {
  readonly words: readonly string[];
  /** Offsets of the `;` characters. */
  readonly semicolons: readonly number[];
  /** Offset just past the last character that is not blank or a comment. */
  readonly end: number;
  readonly problem?: string;
}

/**
 * Decide whether `text` is one read-only query that the dashboard may run, and return it without a
 * trailing semicolon. This is a lexical guard, not a parser: it refuses several statements, anything not
 * starting with SELECT, WITH, VALUES or FROM, the words that make a SELECT write (see `WRITE_WORDS`),
 * unbalanced parentheses (the caller wraps the query in a subquery, which it must not escape),
 * unterminated strings and comments, nested comments and dollar quoting. The destination's own
 * read-only connection and the subquery wrap stay the real limits; this check gives the clear message.
 *
 * @example
 * ```ts
 * checkReadOnlySql('select count(*) from notion_data.pages;'); // { ok: true, sql: 'select count(*) from notion_data.pages' }
 * checkReadOnlySql('drop table notion_data.pages');           // { ok: false, reason: 'Only a read can run here: …' }
 * ```
 */
export function checkReadOnlySql(text: string): ReadOnlySqlCheck {
  // PostgreSQL and Snowflake dollar-quoted strings (`$$…$$`, `$tag$…$tag$`) would need a third mode.
  if (/\$[A-Za-z_0-9]*\$/.test(text)) return refuse('dollar-quoted strings ($$…$$) are not supported here; use single quotes.');
  const runs = MODES.map((mode) => lex(text, mode));
  for (const run of runs) {
    if (run.problem) return refuse(run.problem);
    if (run.words.length === 0) return refuse('the query is empty.');
  }
  const first = runs[0]!;
  const trailing = first.semicolons.length === 1 && first.semicolons[0] === first.end - 1;
  for (const run of runs) {
    const ok = run.semicolons.length === 0 || (trailing && run.semicolons.length === 1 && run.semicolons[0] === first.semicolons[0] && run.end === first.end);
    if (!ok) return refuse('one statement at a time: remove the ";" between statements.');
  }
  for (const run of runs) {
    const start = run.words[0]!;
    if (!READ_STARTS.has(start)) return refuse(`a query starts with SELECT, WITH, VALUES or FROM, not ${start.toUpperCase()}.`);
    const write = run.words.find((w) => WRITE_WORDS.has(w));
    if (write) return refuse(`the query uses ${write.toUpperCase()}. A column or table of that name needs double quotes: "${write}".`);
  }
  return { ok: true, sql: trailing ? text.slice(0, first.end - 1) : text };
}

function refuse(detail: string): ReadOnlySqlCheck {
  return { ok: false, reason: `Only a read can run here: ${detail}` };
}

function lex(text: string, mode: LexMode): Lexed {
  const words: string[] = [];
  const semicolons: number[] = [];
  let depth = 0;
  let end = 0;
  let i = 0;
  const fail = (problem: string): Lexed => ({ words, semicolons, end, problem });
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ((c === '-' && next === '-') || (mode.slashComments && c === '/' && next === '/')) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) return fail('a /* comment is not closed.');
      // PostgreSQL and DuckDB nest block comments, Snowflake does not: refuse what they would read differently.
      if (text.slice(i + 2, close).includes('/*')) return fail('nested /* comments */ are not supported here.');
      i = close + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const close = closingQuote(text, i, c === "'" && mode.backslashEscapes);
      if (close === -1) return fail(c === "'" ? 'a string (\') is not closed.' : 'a quoted name (") is not closed.');
      i = close + 1;
      end = i;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i))!;
      words.push(m[0].toLowerCase());
      i += m[0].length;
      end = i;
      continue;
    }
    if (c === ';') semicolons.push(i);
    if (c === '(') depth++;
    if (c === ')' && --depth < 0) return fail('a ")" has no matching "(".');
    i++;
    end = i;
  }
  if (depth !== 0) return fail('a "(" is not closed.');
  return { words, semicolons, end };
}

/** Offset of the quote that closes the string or name opened at `start`, or -1. A doubled quote is a quote. */
function closingQuote(text: string, start: number, backslashEscapes: boolean): number {
  const quote = text[start]!;
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return -1;
}
