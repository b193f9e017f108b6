import { StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { DestinationError } from '../errors.js';

/**
 * Refuse `sql` unless DuckDB's own parser calls every statement in it a SELECT: no DDL, no DML, no
 * COPY, ATTACH, SET or PRAGMA. A syntax or binder error is a `DestinationError` too ("query failed").
 *
 * @example
 * ```ts
 * await assertSelectOnly(connection, 'drop table notion_data.pages', 'duckdb'); // throws: not a SELECT
 * ```
 */
export async function assertSelectOnly(connection: DuckDBConnection, sql: string, destination: string): Promise<void> {
  const failed = (err: unknown) => new DestinationError(destination, `query failed: ${(err as Error).message}`, { cause: err });
  const extracted = await connection.extractStatements(sql).catch((err: unknown) => Promise.reject(failed(err)));
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i).catch((err: unknown) => Promise.reject(failed(err)));
    const type = prepared.statementType;
    prepared.destroySync();
    if (type !== StatementType.SELECT) {
      throw new DestinationError(destination, `read-only: only SELECT queries run here, and this is a ${StatementType[type] ?? 'non-SELECT'} statement.`);
    }
  }
}
