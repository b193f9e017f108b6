/**
 * The GoogleSQL the fake understands, translated to DuckDB, token by token. Deliberately small: this is
 * the fake's fidelity limit (reference/destinations-testing.md §4). What it translates:
 *
 * - names: backtick-quoted names (also a whole `` `project.dataset.table` `` path) become DuckDB quoted
 *   names; a `project.dataset.table` path loses its project (datasets are DuckDB schemas of one catalog);
 *   `dataset.INFORMATION_SCHEMA.COLUMNS` and `.TABLES` become queries of DuckDB's catalog (BigQuery's type names);
 * - literals: `'…'` and `"…"` are strings with backslash escapes (a double-quoted text is a string in
 *   GoogleSQL, never a name);
 * - named parameters `@name` become `$name`;
 * - types: STRING, INT64, FLOAT64, BOOL, TIMESTAMP, JSON, DATE, BYTES, `ARRAY<T>`;
 * - `CURRENT_TIMESTAMP()`, `TO_JSON_STRING(x)`, `PARSE_JSON(x)`; `OPTIONS (…)` clauses are dropped;
 * - scripts: statements split at `;`, `BEGIN TRANSACTION` / `COMMIT TRANSACTION` / `ROLLBACK TRANSACTION`.
 *
 * What BigQuery refuses and DuckDB would accept is refused here too, where the loader could get it wrong:
 * `DELETE` without `WHERE`, `QUALIFY` without `WHERE`/`GROUP BY`/`HAVING`, DDL inside a transaction,
 * queries over 1,024k characters. Everything else reaches DuckDB as it is and fails there, as a BigQuery
 * shaped error. Not emulated: BigQuery's own function library, case-insensitive column names (DuckDB's
 * names are case-insensitive for tables too), type coercion rules, DML quotas.
 */

/** A BigQuery API error: HTTP status, reason (`invalidQuery`, `notFound`, …) and message. */
export class FakeBigQueryError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'FakeBigQueryError';
  }
}

/** BigQuery's statement type (`statistics.query.statementType`): `SELECT`, `INSERT`, `CREATE_TABLE`, `SCRIPT`, … */
export type StatementType = string;

/** One statement of a query, translated. */
export interface Statement {
  readonly type: StatementType;
  /** The DuckDB SQL (empty for transaction control). */
  readonly sql: string;
  /** Names of the parameters it uses (`$name` in {@link sql}). */
  readonly params: readonly string[];
  /** The 1-based line and column where the statement starts in the query text. */
  readonly line: number;
  readonly column: number;
}

/** What the translation needs to know about the fake's catalog. */
export interface Catalog {
  readonly project: string;
  readonly location: string;
  hasDataset(name: string): boolean;
}

/** BigQuery's limit on the text of a query. */
export const MAX_QUERY_CHARS = 1024 * 1024;

type Token =
  | { readonly kind: 'str' | 'ident' | 'word' | 'param' | 'punct' | 'space'; readonly text: string; readonly value: string; readonly at: number }
  | { readonly kind: 'num'; readonly text: string; readonly value: string; readonly at: number };

const TYPES: Readonly<Record<string, string>> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  BYTES: 'BLOB',
  JSON: 'JSON',
  DATE: 'DATE',
};

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\', "'": "'", '"': '"', '`': '`', '?': '?', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** DuckDB's catalog as BigQuery's `INFORMATION_SCHEMA.COLUMNS` or `.TABLES` of one dataset (the columns readers use). */
function informationSchema(dataset: string, view: 'COLUMNS' | 'TABLES'): string {
  const where = `WHERE table_catalog = current_database() AND table_schema = ${duckString(dataset)}`;
  if (view === 'TABLES') return `(SELECT table_schema, table_name, 'BASE TABLE' AS table_type FROM information_schema.tables ${where})`;
  return (
    "(SELECT table_schema, table_name, column_name, ordinal_position, CASE WHEN is_nullable = 'YES' THEN 'YES' ELSE 'NO' END AS is_nullable, " +
    "CASE data_type WHEN 'VARCHAR' THEN 'STRING' WHEN 'BIGINT' THEN 'INT64' WHEN 'DOUBLE' THEN 'FLOAT64' WHEN 'BOOLEAN' THEN 'BOOL' " +
    "WHEN 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP' WHEN 'VARCHAR[]' THEN 'ARRAY<STRING>' ELSE data_type END AS data_type " +
    `FROM information_schema.columns ${where})`
  );
}

/** Split a query into its statements and translate each to DuckDB. */
export function translateQuery(query: string, catalog: Catalog): Statement[] {
  if (query.length > MAX_QUERY_CHARS) {
    throw new FakeBigQueryError(400, 'invalidQuery', `The query is too large. The maximum standard SQL query length is 1024.00K characters, including comments and white space characters.`);
  }
  const tokens = tokenize(query);
  const statements: Statement[] = [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && !(tokens[i]!.kind === 'punct' && tokens[i]!.text === ';')) continue;
    const body = tokens.slice(start, i);
    start = i + 1;
    const first = body.findIndex((t) => t.kind !== 'space');
    if (first < 0) continue;
    const { line, column } = position(query, body[first]!.at);
    statements.push({ ...translateStatement(body.slice(first), catalog), line, column });
  }
  return statements;
}

function position(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}

function translateStatement(tokens: readonly Token[], catalog: Catalog): Omit<Statement, 'line' | 'column'> {
  const words = tokens.filter((t) => t.kind === 'word').map((t) => t.value.toUpperCase());
  const [w0, w1] = words;
  if (w0 === 'BEGIN' && (w1 === undefined || w1 === 'TRANSACTION')) return { type: 'BEGIN_TRANSACTION', sql: '', params: [] };
  if (w0 === 'COMMIT') return { type: 'COMMIT_TRANSACTION', sql: '', params: [] };
  if (w0 === 'ROLLBACK') return { type: 'ROLLBACK_TRANSACTION', sql: '', params: [] };
  const type = statementType(words);
  if (type === 'DELETE' && !words.includes('WHERE')) throw new FakeBigQueryError(400, 'invalidQuery', 'Syntax error: DELETE must have a WHERE clause');
  if (words.includes('QUALIFY') && !words.some((w) => w === 'WHERE' || w === 'GROUP' || w === 'HAVING')) {
    throw new FakeBigQueryError(400, 'invalidQuery', 'QUALIFY clause must be used in conjunction with WHERE or GROUP BY or HAVING clause');
  }
  const params: string[] = [];
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'ident' || (t.kind === 'word' && tokens[i + 1]?.text === '.' && isName(tokens[i + 2]))) {
      // A name path: parts joined by dots with nothing between them.
      const parts: { value: string; quoted: boolean }[] = [];
      let j = i;
      for (;;) {
        const p = tokens[j]!;
        if (p.kind === 'ident') parts.push(...p.value.split('.').map((value) => ({ value, quoted: true })));
        else parts.push({ value: p.value, quoted: false });
        if (tokens[j + 1]?.text === '.' && isName(tokens[j + 2])) j += 2;
        else break;
      }
      i = j;
      out += namePath(parts, catalog, type === 'CREATE_SCHEMA' || type === 'DROP_SCHEMA');
      continue;
    }
    if (t.kind === 'str') out += duckString(t.value);
    else if (t.kind === 'param') {
      params.push(t.value);
      out += `$${t.value}`;
    } else if (t.kind === 'word') {
      const upper = t.value.toUpperCase();
      const next = nextSolid(tokens, i);
      if (upper === 'OPTIONS' && tokens[next]?.text === '(') {
        i = closingParen(tokens, next);
      } else if (upper === 'ARRAY' && tokens[next]?.text === '<') {
        const inner = nextSolid(tokens, next);
        const close = nextSolid(tokens, inner);
        if (tokens[close]?.text !== '>') throw new FakeBigQueryError(400, 'invalidQuery', 'fake-bigquery: only ARRAY<scalar> types are supported');
        out += `${TYPES[tokens[inner]!.value.toUpperCase()] ?? tokens[inner]!.value}[]`;
        i = close;
      } else if (upper === 'CURRENT_TIMESTAMP' && tokens[next]?.text === '(' && tokens[nextSolid(tokens, next)]?.text === ')') {
        out += 'current_timestamp';
        i = nextSolid(tokens, next);
      } else if (upper === 'TO_JSON_STRING' || upper === 'PARSE_JSON') {
        out += upper === 'TO_JSON_STRING' ? 'bq_to_json_string' : 'bq_parse_json';
      } else out += TYPES[upper] ?? t.text;
    } else out += t.text;
  }
  return { type, sql: out, params };
}

/** The DuckDB text of a name path (see the module comment). */
function namePath(parts: readonly { value: string; quoted: boolean }[], catalog: Catalog, schema: boolean): string {
  let rest = parts;
  // `project.dataset.table`, or `project.dataset` where a schema is named.
  if (rest.length >= (schema ? 2 : 3) && rest[0]!.value === catalog.project) rest = rest.slice(1);
  const view = rest[2]?.value.toUpperCase();
  if (rest.length === 3 && rest[1]!.value.toUpperCase() === 'INFORMATION_SCHEMA' && (view === 'COLUMNS' || view === 'TABLES')) {
    const dataset = rest[0]!.value;
    if (!catalog.hasDataset(dataset)) throw new FakeBigQueryError(404, 'notFound', `Not found: Dataset ${catalog.project}:${dataset} was not found in location ${catalog.location}`);
    return informationSchema(dataset, view);
  }
  return rest.map((p) => (p.quoted ? `"${p.value.replaceAll('"', '""')}"` : p.value)).join('.');
}

function isName(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'ident' || t.kind === 'word');
}

function nextSolid(tokens: readonly Token[], i: number): number {
  let j = i + 1;
  while (tokens[j]?.kind === 'space') j++;
  return j;
}

/** The index of the `)` that closes the `(` at `open`. */
function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  throw new FakeBigQueryError(400, 'invalidQuery', 'Syntax error: Unclosed parenthesis');
}

function statementType(words: readonly string[]): StatementType {
  const [w0, w1] = words;
  switch (w0) {
    case 'SELECT':
    case 'WITH':
      return 'SELECT';
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
      return w0;
    case 'TRUNCATE':
      return 'TRUNCATE_TABLE';
    case 'ALTER':
      return 'ALTER_TABLE';
    case 'DROP':
      return w1 === 'SCHEMA' ? 'DROP_SCHEMA' : 'DROP_TABLE';
    case 'CREATE': {
      const rest = words.slice(1, 6);
      if (rest.includes('SCHEMA')) return 'CREATE_SCHEMA';
      return words.includes('AS') && words.includes('SELECT') ? 'CREATE_TABLE_AS_SELECT' : 'CREATE_TABLE';
    }
    default:
      // Anything else (GRANT, CALL, …) by its first word; a query in parentheses by its SELECT.
      return w0 ?? 'SELECT';
  }
}

/** A DuckDB string literal. */
export function duckString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const at = i;
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i]!)) i++;
      tokens.push({ kind: 'space', text: sql.slice(at, i), value: '', at });
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      tokens.push({ kind: 'space', text: ' ', value: '', at });
    } else if (c === "'" || c === '"' || c === '`') {
      if (c !== '`' && sql.startsWith(c.repeat(3), i)) throw new FakeBigQueryError(400, 'invalidQuery', 'fake-bigquery: triple-quoted strings are not supported');
      let value = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new FakeBigQueryError(400, 'invalidQuery', `Syntax error: Unclosed ${c === '`' ? 'identifier' : 'string'} literal at [${position(sql, at).line}:${position(sql, at).column}]`);
        const d = sql[i]!;
        if (d === '\\') {
          const e = sql[i + 1] ?? '';
          if (!(e in ESCAPES)) throw new FakeBigQueryError(400, 'invalidQuery', `Syntax error: Illegal escape sequence: \\${e}`);
          value += ESCAPES[e];
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else if (d === '\n' && c !== '`') {
          throw new FakeBigQueryError(400, 'invalidQuery', 'Syntax error: Unclosed string literal');
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: c === '`' ? 'ident' : 'str', text: sql.slice(at, i), value, at });
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < sql.length && /\w/.test(sql[i]!)) i++;
      tokens.push({ kind: 'param', text: sql.slice(at, i), value: sql.slice(at + 1, i), at });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /\w/.test(sql[i]!)) i++;
      tokens.push({ kind: 'word', text: sql.slice(at, i), value: sql.slice(at, i), at });
    } else if (/\d/.test(c)) {
      while (i < sql.length && /[\d.eE]/.test(sql[i]!)) i++;
      tokens.push({ kind: 'num', text: sql.slice(at, i), value: sql.slice(at, i), at });
    } else {
      const two = sql.slice(i, i + 2);
      const text = ['<=', '>=', '<>', '!=', '||'].includes(two) ? two : c;
      i += text.length;
      tokens.push({ kind: 'punct', text, value: text, at });
    }
  }
  return tokens;
}
