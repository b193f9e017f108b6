import { DestinationError } from '../errors.js';
import type { SqlStatement } from '../sql/sql-driver.js';

/** Several statements as one BigQuery script: its text, its named parameters, and which statement each line holds. */
export interface BigQueryScript {
  readonly sql: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The index in the statement list of the statement on (1-based) line `n`, or undefined (BEGIN, COMMIT). */
  statementAt(line: number): number | undefined;
}

/**
 * Join statements into one multi-statement query (a script, one job), one statement per line. With
 * `transaction`, the script is `BEGIN TRANSACTION;` … `COMMIT TRANSACTION;`: BigQuery rolls the
 * transaction back when a statement fails, and the error's `at [line:column]` names the statement.
 *
 * Each statement numbers its parameters from `@p1`; in the script they are renumbered to one sequence
 * (the second statement's `@p1` becomes `@p3` after a first statement with two), outside string literals
 * and quoted names.
 *
 * @example
 * ```ts
 * const script = bigqueryScript([{ sql: 'DELETE FROM `p`.`d`.`t` WHERE `id` = @p1', params: ['a'] }], true);
 * // script.sql: 'BEGIN TRANSACTION;\nDELETE FROM `p`.`d`.`t` WHERE `id` = @p1;\nCOMMIT TRANSACTION;'
 * ```
 */
export function bigqueryScript(statements: readonly SqlStatement[], transaction: boolean): BigQueryScript {
  const lines: string[] = transaction ? ['BEGIN TRANSACTION;'] : [];
  const first = lines.length + 1;
  const params: Record<string, unknown> = {};
  let offset = 0;
  for (const st of statements) {
    const n = st.params?.length ?? 0;
    const sql = offset === 0 || n === 0 ? st.sql : renumberParams(st.sql, offset);
    if (sql.includes('\n')) throw new DestinationError('bigquery', `a statement of a script spans lines (a name with a line break?): ${sql.slice(0, 80)}`);
    lines.push(`${sql};`);
    for (let i = 0; i < n; i++) params[`p${offset + i + 1}`] = st.params![i];
    offset += n;
  }
  if (transaction) lines.push('COMMIT TRANSACTION;');
  return {
    sql: lines.join('\n'),
    params,
    statementAt: (line) => (line >= first && line < first + statements.length ? line - first : undefined),
  };
}

/**
 * `sql` with every parameter `@p<n>` renamed `@p<n + offset>`, leaving string literals (`'…'`, `"…"`,
 * backslash escapes) and quoted names (`` `…` ``) as they are.
 */
export function renumberParams(sql: string, offset: number): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = closingQuote(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '@' && !/[\w@]/.test(sql[i - 1] ?? ' ')) {
      const m = /^@p(\d+)(?!\w)/.exec(sql.slice(i, i + 24));
      if (m) {
        out += `@p${Number(m[1]) + offset}`;
        i += m[0].length;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index just past the quote that closes the one at `start` (a backslash escapes the next character). */
function closingQuote(sql: string, start: number): number {
  const quote = sql[start];
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === '\\') i++;
    else if (sql[i] === quote) return i + 1;
  }
  return sql.length;
}
