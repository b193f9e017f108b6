import type { RecordBatch, Table } from 'apache-arrow';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { QueryResult } from '../destination.js';

/** One statement, with its parameters and the table it writes (named in the error when it fails). */
export interface SqlStatement {
  readonly sql: string;
  readonly params?: readonly unknown[];
  readonly table?: string;
}

/** A failure of one statement of a list the driver ran: `index` is its position, when the driver knows it. */
export class SqlStatementError extends Error {
  readonly index: number | undefined;

  constructor(index: number | undefined, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'SqlStatementError';
    this.index = index;
  }
}

/** What a driver says about an engine error: a message with every secret removed, and whether retrying may succeed. */
export interface SqlErrorInfo {
  readonly message: string;
  readonly transient: boolean;
  /** The cause to attach (the original error, unless its text held a secret). */
  readonly cause: unknown;
}

/** A staging table a batch goes into: its qualified name and its columns, in the order the engine has them. */
export interface StagingTarget {
  readonly table: string;
  readonly staging: string;
  readonly columns: readonly ColumnSchema[];
}

/**
 * One connection to an engine, as the SQL core uses it. A driver knows its client library and nothing of
 * the load: it runs statement lists, reads rows, and stages batches by the engine's bulk path.
 */
export interface SqlDriver {
  /** Run statements in order, outside a transaction (DDL). */
  run(statements: readonly SqlStatement[]): Promise<void>;
  /**
   * Run statements in one transaction, in as few round trips as the engine allows, calling `starting`
   * with each statement as it goes to the engine (inside the transaction: the session logs there, and
   * crash tests kill the process there). On failure roll back and reject with a {@link SqlStatementError}.
   * An engine without transactions runs them in order.
   */
  transaction(statements: readonly SqlStatement[], starting?: (statement: SqlStatement) => void): Promise<void>;
  /** Rows of a query of the core's own (catalog, state), keyed by lower-case column name. */
  rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Append a batch to a staging table by the engine's bulk path (appender, COPY, load job, …). */
  stage(target: StagingTarget, batch: RecordBatch): Promise<void>;
  /**
   * A caller's query (`dataset().sql()`), with lower-case column names and plain values. With `readOnly`
   * the engine itself must refuse anything but a read (a read-only connection or transaction, the parser).
   */
  query(sql: string, readOnly: boolean): Promise<QueryResult>;
  /** A caller's query as an Arrow table, where the engine has a way to it. */
  queryArrow?(sql: string, readOnly: boolean): Promise<Table>;
  /** The scrubbed message of an engine error and whether it is transient. */
  describeError(err: unknown): SqlErrorInfo;
  /** Release the connection. Idempotent. */
  close(): Promise<void>;
}

/** Reads an engine's catalog. */
export interface SqlIntrospector {
  /** The tables of `schema` with their columns, in table order; names as notionflow wrote them (lower case). */
  tables(driver: SqlDriver, schema: string): Promise<Map<string, ColumnSchema[]>>;
}

/** Run statements one by one with `execute`; a failure is a {@link SqlStatementError} naming its position. */
export async function runInOrder(
  statements: readonly SqlStatement[],
  execute: (statement: SqlStatement) => Promise<unknown>,
  starting?: (statement: SqlStatement) => void,
): Promise<void> {
  for (const [i, st] of statements.entries()) {
    try {
      starting?.(st);
      await execute(st);
    } catch (err) {
      throw new SqlStatementError(i, err);
    }
  }
}

/**
 * Run statements one by one between `BEGIN` and `COMMIT` (for engines that take one statement per
 * request); on failure `ROLLBACK` and reject with a {@link SqlStatementError}.
 */
export async function runInTransaction(
  statements: readonly SqlStatement[],
  execute: (statement: SqlStatement) => Promise<unknown>,
  starting?: (statement: SqlStatement) => void,
): Promise<void> {
  await execute({ sql: 'BEGIN' });
  try {
    await runInOrder(statements, execute, starting);
    await execute({ sql: 'COMMIT' });
  } catch (err) {
    await execute({ sql: 'ROLLBACK' }).catch(() => undefined);
    throw err instanceof SqlStatementError ? err : new SqlStatementError(undefined, err);
  }
}

/** Catalog rows (one per column, in table order) grouped into tables: what an introspector returns. */
export function tablesOfColumns(rows: readonly { readonly table: string; readonly column: ColumnSchema }[]): Map<string, ColumnSchema[]> {
  const tables = new Map<string, ColumnSchema[]>();
  for (const { table, column } of rows) {
    const columns = tables.get(table) ?? [];
    columns.push(column);
    tables.set(table, columns);
  }
  return tables;
}
