/**
 * The Snowflake SQL surface the fake understands, translated to DuckDB. Deliberately small and explicit
 * (reference/destinations-testing.md §2.4): anything it does not know reaches DuckDB unchanged and fails there
 * loudly, with a Snowflake-shaped error.
 */

/** A statement the fake handles itself instead of handing it to DuckDB. */
export type FakeCommand =
  | { readonly kind: 'sql'; readonly sql: string; readonly ddl: boolean; readonly statement: string }
  | { readonly kind: 'transaction'; readonly sql: string; readonly statement: 'BEGIN' | 'COMMIT' | 'ROLLBACK' }
  | { readonly kind: 'create-stage'; readonly stage: readonly string[]; readonly ifNotExists: boolean }
  | { readonly kind: 'put'; readonly localPath: string; readonly stage: readonly string[]; readonly autoCompress: boolean; readonly overwrite: boolean }
  | {
      readonly kind: 'copy';
      readonly table: string;
      readonly columns: string | undefined;
      readonly stage: readonly string[];
      readonly files: readonly string[];
      readonly format: 'PARQUET' | 'CSV';
      readonly formatOptions: string;
      readonly matchByColumnName: boolean;
      readonly purge: boolean;
    };

const IDENT = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)`;
const NAME = String.raw`${IDENT}(?:\.${IDENT}){0,2}`;

/** Recognize and translate one Snowflake statement. */
export function parseStatement(sqlText: string): FakeCommand {
  const text = sqlText.trim().replace(/;\s*$/, '');
  let m = /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?STAGE\s+(IF\s+NOT\s+EXISTS\s+)?(\S+)\s*$/i.exec(text);
  if (m) return { kind: 'create-stage', stage: splitName(m[2]!), ifNotExists: Boolean(m[1]) };
  m = /^PUT\s+'?file:\/\/(.+?)'?\s*'?@([^\s']+)'?((?:\s+\w+\s*=\s*\w+)*)\s*$/is.exec(text);
  if (m) {
    const options = parseOptions(m[3] ?? '');
    const stagePath = m[2]!.split('/')[0]!;
    return {
      kind: 'put',
      localPath: m[1]!.replaceAll("''", "'"),
      stage: splitName(stagePath),
      autoCompress: (options.get('AUTO_COMPRESS') ?? 'TRUE') === 'TRUE',
      overwrite: (options.get('OVERWRITE') ?? 'FALSE') === 'TRUE',
    };
  }
  m = new RegExp(String.raw`^COPY\s+INTO\s+(${NAME})\s*(?:\(([^)]*)\))?\s*FROM\s+@(${NAME})\s+FILES\s*=\s*\(([^)]*)\)\s*FILE_FORMAT\s*=\s*`, 'is').exec(text);
  if (m) {
    const rest = text.slice(m[0].length);
    const [format, after] = balancedParens(rest);
    const typeMatch = /TYPE\s*=\s*'?(PARQUET|CSV)'?/i.exec(format);
    if (!typeMatch) throw new Error(`fake-snowflake: unsupported FILE_FORMAT (${format})`);
    const options = parseOptions(after);
    return {
      kind: 'copy',
      table: m[1]!,
      columns: m[2],
      stage: splitName(m[3]!),
      files: [...m[4]!.matchAll(/'((?:[^']|'')*)'/g)].map((f) => f[1]!.replaceAll("''", "'")),
      format: typeMatch[1]!.toUpperCase() as 'PARQUET' | 'CSV',
      formatOptions: format,
      matchByColumnName: (options.get('MATCH_BY_COLUMN_NAME') ?? 'NONE') !== 'NONE',
      purge: options.get('PURGE') === 'TRUE',
    };
  }
  if (/^COPY\s/i.test(text)) throw new Error('fake-snowflake: unsupported COPY form (expected COPY INTO t [(cols)] FROM @stage FILES = (…) FILE_FORMAT = (…))');
  m = /^ALTER\s+SESSION\s+SET\s+TIMEZONE\s*=\s*'([^']+)'$/i.exec(text);
  if (m) return { kind: 'sql', sql: `SET TimeZone = '${m[1]}'`, ddl: false, statement: 'ALTER' };
  m = /^(BEGIN|START)(\s+(TRANSACTION|WORK))?$/i.exec(text);
  if (m) return { kind: 'transaction', sql: 'BEGIN TRANSACTION', statement: 'BEGIN' };
  if (/^COMMIT(\s+WORK)?$/i.test(text)) return { kind: 'transaction', sql: 'COMMIT', statement: 'COMMIT' };
  if (/^ROLLBACK(\s+WORK)?$/i.test(text)) return { kind: 'transaction', sql: 'ROLLBACK', statement: 'ROLLBACK' };
  const statement = (/^\s*(\w+)/.exec(text)?.[1] ?? '').toUpperCase();
  const ddl = ['CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'USE'].includes(statement);
  return { kind: 'sql', sql: translateSql(text), ddl, statement };
}

/**
 * Translate Snowflake types and functions to DuckDB outside quoted identifiers and string literals:
 * NUMBER(p,0) → BIGINT/HUGEINT, NUMBER → DECIMAL(38,0), FLOAT → DOUBLE, TIMESTAMP_TZ → TIMESTAMPTZ,
 * TIMESTAMP_NTZ → TIMESTAMP, VARIANT → JSON, ARRAY → VARCHAR[] (the fake's arrays hold strings and nulls
 * only: notionflow's text lists; `PARSE_JSON(x)::ARRAY` casts a JSON array), PARSE_JSON(x) → json(x),
 * CURRENT_TIMESTAMP() → current_timestamp, TRANSIENT tables and schemas → plain ones, `:N` binds → `$N`.
 */
export function translateSql(sql: string): string {
  return mapUnquoted(sql, (part) =>
    part
      .replace(/\bCREATE\s+TRANSIENT\s+(TABLE|SCHEMA)\b/gi, 'CREATE $1')
      .replace(/\bNUMBER\s*\(\s*(\d+)\s*,\s*0\s*\)/gi, (_, p: string) => (Number(p) <= 19 ? 'BIGINT' : 'HUGEINT'))
      .replace(/\bNUMBER\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/gi, 'DECIMAL($1,$2)')
      .replace(/\bNUMBER\b/gi, 'DECIMAL(38,0)')
      .replace(/\bFLOAT\b/gi, 'DOUBLE')
      .replace(/\bTIMESTAMP_TZ(\s*\(\s*\d\s*\))?/gi, 'TIMESTAMPTZ')
      .replace(/\bTIMESTAMP_NTZ(\s*\(\s*\d\s*\))?/gi, 'TIMESTAMP')
      .replace(/\bVARIANT\b/gi, 'JSON')
      .replace(/\bARRAY\b/gi, 'VARCHAR[]')
      .replace(/\bPARSE_JSON\s*\(/gi, 'json(')
      .replace(/\bCURRENT_TIMESTAMP\s*\(\s*\)/gi, 'current_timestamp')
      .replace(/(?<![:\w]):(\d+)\b/g, '$$$1'),
  );
}

/** Apply `fn` to the parts of `sql` outside "quoted identifiers" and 'string literals'. */
function mapUnquoted(sql: string, fn: (part: string) => string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const next = sql.slice(i).search(/["']/);
    if (next < 0) {
      out += fn(sql.slice(i));
      break;
    }
    out += fn(sql.slice(i, i + next));
    const quote = sql[i + next]!;
    let j = i + next + 1;
    for (;;) {
      if (j >= sql.length) break;
      if (sql[j] === quote) {
        if (sql[j + 1] === quote) j += 2;
        else break;
      } else j++;
    }
    out += sql.slice(i + next, j + 1);
    i = j + 1;
  }
  return out;
}

/** `"A"."b".c` → ['A', 'b', 'C']: quoted parts kept, unquoted parts folded to upper case (Snowflake's rule). */
export function splitName(name: string): string[] {
  return [...name.matchAll(new RegExp(IDENT, 'g'))].map(([part]) => (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part.toUpperCase()));
}

/** `KEY = VALUE` options (values upper-cased, quotes dropped). */
function parseOptions(text: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const m of text.matchAll(/(\w+)\s*=\s*('?)([^\s')]+)\2/g)) options.set(m[1]!.toUpperCase(), m[3]!.toUpperCase());
  return options;
}

/** Split `( … ) rest` at the matching parenthesis: the inside and the rest. */
function balancedParens(text: string): [string, string] {
  if (!text.startsWith('(')) throw new Error('fake-snowflake: expected "(" after FILE_FORMAT =');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") inString = !inString;
    if (inString) continue;
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return [text.slice(1, i), text.slice(i + 1)];
  }
  throw new Error('fake-snowflake: unbalanced parentheses in FILE_FORMAT');
}
