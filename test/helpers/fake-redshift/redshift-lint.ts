import { tokenize, type Token } from './redshift-tokens.js';

/** The rules of {@link lintRedshiftSql}: SQL that PostgreSQL runs and Redshift rejects or reads differently. */
export type RedshiftLintRule =
  | 'on-conflict'
  | 'returning'
  | 'array'
  | 'type'
  | 'varchar-length'
  | 'now'
  | 'temp-table'
  | 'values-source'
  | 'truncate-in-transaction'
  | 'postgres-only'
  | 'copy'
  | 'add-column'
  | 'unsupported-ddl'
  | 'identifier'
  | 'row-in-subquery';

/** One thing Redshift would not accept, in one statement. */
export interface RedshiftLintFinding {
  readonly rule: RedshiftLintRule;
  readonly message: string;
  readonly sql: string;
}

/** Types Redshift lacks, or accepts with another meaning (`TEXT` is VARCHAR(256)). */
const TYPES = new Set(['TEXT', 'JSON', 'JSONB', 'UUID', 'BYTEA', 'SERIAL', 'BIGSERIAL', 'SMALLSERIAL', 'INET', 'CIDR', 'MONEY', 'XML', 'TSVECTOR', 'CITEXT', 'HSTORE', 'JSONPATH']);
/** Time functions that are PostgreSQL's or leader-node-only on Redshift; GETDATE() and SYSDATE run everywhere. */
const NOW = new Set(['NOW', 'CLOCK_TIMESTAMP', 'STATEMENT_TIMESTAMP', 'TRANSACTION_TIMESTAMP', 'TIMEOFDAY', 'CURRENT_TIMESTAMP', 'LOCALTIMESTAMP']);
const VARCHARS = new Set(['VARCHAR', 'NVARCHAR']);
const CHARS = new Set(['CHAR', 'NCHAR', 'BPCHAR', 'CHARACTER']);
const DDL = new Set(['INDEX', 'SEQUENCE', 'DOMAIN', 'EXTENSION', 'TRIGGER', 'TYPE', 'RULE', 'POLICY']);
const MAX_VARCHAR = 65535;
const MAX_CHAR = 4096;
const MAX_IDENTIFIER_BYTES = 127;

/**
 * Check one statement against what Redshift accepts, by its tokens (strings and quoted names are never
 * read as keywords): no `ON CONFLICT`, no `RETURNING`, no arrays (types, constructors, `ANY(array)`,
 * `unnest`), no `TEXT`/`JSONB`/… types, no VARCHAR over 65535 bytes (nor CHAR over 4096), no `now()` and
 * kin, no temp-table syntax Redshift lacks (`CREATE OR REPLACE TABLE`, `ON COMMIT`, `UNLOGGED`, `pg_temp`),
 * no `VALUES` as a table source, no `TRUNCATE` inside a transaction (it commits), no PostgreSQL-only syntax
 * (`DISTINCT ON`, `ctid`, `::regclass`, `LATERAL`, `generate_series`, JSON operators), `COPY` only from
 * `s3://` with an authorization (a Parquet one without a column list or `REGION`), one `ADD COLUMN` per
 * `ALTER` and no `IF NOT EXISTS` on it, no indexes/sequences/domains/…, quoted names lower case (Redshift
 * folds them) and at most 127 bytes, no multi-column `IN (SELECT …)`.
 *
 * @example
 * ```ts
 * lintRedshiftSql('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING'); // [{ rule: 'on-conflict', … }]
 * ```
 */
export function lintRedshiftSql(sql: string, context: { readonly inTransaction?: boolean } = {}): RedshiftLintFinding[] {
  const findings: RedshiftLintFinding[] = [];
  const add = (rule: RedshiftLintRule, message: string) => findings.push({ rule, message, sql });
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch (err) {
    add('postgres-only', `cannot be read: ${(err as Error).message}`);
    return findings;
  }
  const word = (i: number, ...values: string[]) => tokens[i]?.kind === 'word' && (values.length === 0 || values.includes(tokens[i]!.value));
  const punct = (i: number, value: string) => tokens[i]?.kind === 'punct' && tokens[i]!.value === value;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'quoted') {
      if (t.value !== t.value.toLowerCase()) add('identifier', `"${t.value}" has upper-case letters: Redshift folds quoted names to lower case`);
      if (Buffer.byteLength(t.value) > MAX_IDENTIFIER_BYTES) add('identifier', `"${t.value.slice(0, 20)}…" is ${Buffer.byteLength(t.value)} bytes: Redshift names have at most ${MAX_IDENTIFIER_BYTES}`);
      continue;
    }
    if (t.kind === 'word' && Buffer.byteLength(t.value) > MAX_IDENTIFIER_BYTES) add('identifier', `${t.value.slice(0, 20)}… is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
    if (t.kind === 'punct') {
      if (t.value === '[' || t.value === ']') add('array', 'array subscripts and array types do not exist on Redshift');
      if (['->', '->>', '#>', '#>>', '@>', '<@', '?|', '?&'].includes(t.value)) add('postgres-only', `the ${t.value} operator is PostgreSQL's (jsonb, arrays)`);
      if (t.value === '::' && word(i + 1, 'REGCLASS', 'REGTYPE', 'OID')) add('postgres-only', `::${tokens[i + 1]!.value.toLowerCase()} is PostgreSQL's`);
      continue;
    }
    if (t.kind !== 'word') continue;
    const v = t.value;
    const prev = tokens[i - 1];
    // A word right after a dot is a qualified name's part, not a keyword.
    if (prev?.kind === 'punct' && prev.value === '.') continue;
    if (v === 'ON' && word(i + 1, 'CONFLICT')) add('on-conflict', 'Redshift has no INSERT … ON CONFLICT: delete-insert or MERGE');
    if (v === 'ON' && word(i + 1, 'COMMIT')) add('temp-table', 'Redshift temp tables have no ON COMMIT clause');
    if (v === 'RETURNING') add('returning', 'Redshift has no RETURNING');
    if (v === 'ARRAY' || v === 'UNNEST' || v === 'ARRAY_AGG') add('array', `${v} is PostgreSQL's: Redshift has no arrays`);
    if ((v === 'ANY' || v === 'SOME' || v === 'ALL') && punct(i + 1, '(') && !word(i + 2, 'SELECT')) add('array', `${v}(…) over an array is PostgreSQL's: Redshift takes only a subquery`);
    if (TYPES.has(v) && !punct(i + 1, '(')) add('type', `${v} is not a Redshift type${v === 'TEXT' ? ' (it means VARCHAR(256))' : ''}: VARCHAR(n), SUPER, …`);
    if (VARCHARS.has(v) || (v === 'CHARACTER' && word(i + 1, 'VARYING'))) {
      const at = v === 'CHARACTER' ? i + 2 : i + 1;
      const n = punct(at, '(') ? tokens[at + 1] : undefined;
      if (n === undefined) add('varchar-length', `${v} without a length is VARCHAR(256) on Redshift`);
      else if (n.kind === 'number' && Number(n.value) > MAX_VARCHAR) add('varchar-length', `VARCHAR(${n.value}) is over Redshift's ${MAX_VARCHAR} bytes`);
    } else if (CHARS.has(v) && punct(i + 1, '(') && tokens[i + 2]?.kind === 'number' && Number(tokens[i + 2]!.value) > MAX_CHAR) {
      add('varchar-length', `CHAR(${tokens[i + 2]!.value}) is over Redshift's ${MAX_CHAR} bytes`);
    }
    if (NOW.has(v)) add('now', `${v.toLowerCase()} is PostgreSQL's or leader-node only on Redshift: GETDATE() or SYSDATE`);
    if (v === 'CREATE' && word(i + 1, 'OR') && word(i + 2, 'REPLACE') && word(i + 3, 'TABLE', 'TEMP', 'TEMPORARY', 'LOCAL')) add('temp-table', 'Redshift has no CREATE OR REPLACE TABLE');
    if (v === 'UNLOGGED' || (v === 'GLOBAL' && word(i + 1, 'TEMP', 'TEMPORARY'))) add('temp-table', `${v} tables do not exist on Redshift`);
    if (v === 'PG_TEMP' && punct(i + 1, '.')) add('temp-table', 'pg_temp is not a schema name on Redshift: name temp tables unqualified');
    if (v === 'VALUES' && (punct(i - 1, '(') || word(i - 1, 'FROM', 'JOIN', 'UNION', 'INTERSECT', 'EXCEPT', 'AS') || punct(i - 1, ','))) add('values-source', 'Redshift takes VALUES only in INSERT, not as a table');
    if (v === 'TRUNCATE' && context.inTransaction) add('truncate-in-transaction', 'TRUNCATE commits the open transaction on Redshift: DELETE FROM');
    if (v === 'DISTINCT' && word(i + 1, 'ON')) add('postgres-only', 'DISTINCT ON is PostgreSQL\'s: ROW_NUMBER() OVER (…)');
    if (v === 'CTID' || v === 'XMIN' || v === 'LATERAL' || v === 'GENERATE_SERIES') add('postgres-only', `${v.toLowerCase()} is PostgreSQL's`);
    if (v === 'FILTER' && punct(i + 1, '(') && word(i + 2, 'WHERE')) add('postgres-only', 'aggregate FILTER (WHERE …) is PostgreSQL\'s');
    if (v === 'CREATE' && (word(i + 1, ...DDL) || (word(i + 1, 'UNIQUE') && word(i + 2, 'INDEX')))) add('unsupported-ddl', `Redshift has no CREATE ${tokens[i + 1]!.value}`);
    if (v === 'ADD' && word(i + 1, 'COLUMN') && word(i + 2, 'IF')) add('add-column', 'Redshift has no ADD COLUMN IF NOT EXISTS');
    if (v === 'ALTER' && word(i + 1, 'TABLE') && tokens.filter((x) => x.kind === 'word' && x.value === 'ADD').length > 1) add('add-column', 'Redshift adds one column per ALTER TABLE');
    if (v === 'IN' && punct(i - 1, ')') && punct(i + 1, '(') && word(i + 2, 'SELECT') && rowValueBefore(tokens, i - 1)) {
      add('row-in-subquery', 'Redshift takes only one column in IN (SELECT …)');
    }
    if (v === 'COPY' && i === 0) checkCopy(tokens, add);
  }
  return findings;
}

/** Whether the parenthesised group ending at `close` holds a top-level comma: `(a, b) IN (SELECT …)`. */
function rowValueBefore(tokens: readonly Token[], close: number): boolean {
  let depth = 0;
  for (let j = close; j >= 0; j--) {
    const t = tokens[j]!;
    if (t.kind !== 'punct') continue;
    if (t.value === ')') depth++;
    else if (t.value === '(' && --depth === 0) return false;
    else if (t.value === ',' && depth === 1) return true;
  }
  return false;
}

/** `COPY <table> FROM 's3://…' <authorization> FORMAT AS PARQUET`, the only COPY a loader can send Redshift. */
function checkCopy(tokens: readonly Token[], add: (rule: RedshiftLintRule, message: string) => void): void {
  const from = tokens.findIndex((t) => t.kind === 'word' && t.value === 'FROM');
  const source = tokens[from + 1];
  if (from < 0 || source?.kind !== 'string') {
    add('copy', `Redshift COPY reads from S3 (FROM 's3://…'), not ${source?.value ?? 'nothing'}`);
    return;
  }
  if (!source.value.startsWith('s3://')) add('copy', `Redshift COPY reads from s3://, not ${source.value.split(':')[0]}`);
  const words = new Set(tokens.slice(from + 2).filter((t) => t.kind === 'word').map((t) => t.value));
  if (!words.has('IAM_ROLE') && !words.has('CREDENTIALS') && !words.has('ACCESS_KEY_ID')) add('copy', 'Redshift COPY needs IAM_ROLE, CREDENTIALS or ACCESS_KEY_ID');
  if (words.has('PARQUET')) {
    if (tokens.slice(0, from).some((t) => t.kind === 'punct' && t.value === '(')) add('copy', 'a Parquet COPY loads by position: no column list');
    for (const option of ['REGION', 'MAXERROR', 'ACCEPTANYDATE', 'TRUNCATECOLUMNS', 'DELIMITER', 'GZIP'].filter((o) => words.has(o))) add('copy', `a Parquet COPY takes no ${option}`);
  }
}
