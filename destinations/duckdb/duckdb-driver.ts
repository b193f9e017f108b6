import { DuckDBDateValue, DuckDBInstance, DuckDBListValue, DuckDBTimestampTZValue, DuckDBTypeId, type DuckDBConnection, type DuckDBListType, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { Table, type RecordBatch } from 'apache-arrow';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import type { DataType } from '../../src/schema/data-types.js';
import type { QueryResult } from '../destination.js';
import { DestinationError, DestinationLockedError } from '../errors.js';
import { SqlStatementError, runInOrder, type SqlDriver, type SqlErrorInfo, type SqlStatement, type StagingTarget } from '../sql/sql-driver.js';
import { appendRecordBatch } from './duckdb-chunk-writer.js';
import { DUCKDB_INSTANCE_OPTIONS, type DuckDBConfig } from './duckdb-config.js';
import { assertSelectOnly } from './duckdb-read-only.js';

/**
 * One DuckDB connection, for the SQL core. A transaction's statements without parameters go to DuckDB
 * as one statement list: a round trip per statement costs more than the statements when the event loop
 * is busy with extraction. Batches are staged through the appender.
 */
export class DuckDBDriver implements SqlDriver {
  readonly #instance: DuckDBInstance;
  readonly #owned: boolean;
  readonly #connection: DuckDBConnection;
  /** The database's catalog name (`current_database()`). */
  readonly catalog: string;
  #closed = false;

  private constructor(instance: DuckDBInstance, owned: boolean, connection: DuckDBConnection, catalog: string) {
    this.#instance = instance;
    this.#owned = owned;
    this.#connection = connection;
    this.catalog = catalog;
  }

  /**
   * Open `config.instance` or the file at `path` (read-only: `access_mode = READ_ONLY`, in an instance of
   * its own) and connect. DuckDB's "could not set lock" becomes a {@link DestinationLockedError}.
   */
  static async open(config: DuckDBConfig, path: string, readOnly: boolean): Promise<DuckDBDriver> {
    let instance = config.instance;
    try {
      instance ??= await DuckDBInstance.create(path, { ...DUCKDB_INSTANCE_OPTIONS, ...(readOnly && path !== ':memory:' ? { access_mode: 'READ_ONLY' } : {}) });
      const connection = await instance.connect();
      const catalog = String((await connection.runAndReadAll('SELECT current_database()')).getRowsJS()[0]![0]);
      return new DuckDBDriver(instance, config.instance === undefined, connection, catalog);
    } catch (err) {
      if (instance && !config.instance) instance.closeSync();
      const message = (err as Error).message;
      if (message.includes('Could not set lock on file')) {
        const pid = /\(PID (\d+)\)/.exec(message)?.[1];
        throw new DestinationLockedError('duckdb', path, pid === undefined ? 'another process' : `process ${pid}`, { cause: err });
      }
      throw new DestinationError('duckdb', `could not open ${path}: ${message}`, { cause: err });
    }
  }

  run(statements: readonly SqlStatement[]): Promise<void> {
    return runInOrder(statements, (st) => this.#connection.run(st.sql, st.params as DuckDBValue[] | undefined));
  }

  async transaction(statements: readonly SqlStatement[], starting?: (statement: SqlStatement) => void): Promise<void> {
    await this.#connection.run('BEGIN TRANSACTION');
    try {
      for (const group of groups(statements)) {
        for (const st of group.statements) starting?.(st);
        if (group.params) await this.#connection.run(group.sql, group.params as DuckDBValue[]);
        else await this.#connection.run(group.sql);
      }
      await this.#connection.run('COMMIT');
    } catch (err) {
      await this.#connection.run('ROLLBACK').catch(() => undefined);
      throw new SqlStatementError(await this.#failingStatement(statements), err);
    }
  }

  async rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const reader = await this.#connection.runAndReadAll(sql, params as DuckDBValue[] | undefined);
    return reader.getRowObjectsJS().map(lowerCaseKeys);
  }

  async stage(target: StagingTarget, batch: RecordBatch): Promise<void> {
    const appender = await this.#connection.createAppender(target.table, 'main', 'temp');
    try {
      appendRecordBatch(appender, target.table, target.columns, batch);
    } finally {
      appender.closeSync();
    }
  }

  async query(sql: string, readOnly: boolean): Promise<QueryResult> {
    const reader = await this.#userQuery(sql, readOnly);
    const rows = reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' && v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v;
      return out;
    });
    return { columns: reader.columnNames(), rows };
  }

  async queryArrow(sql: string, readOnly: boolean): Promise<Table> {
    const reader = await this.#userQuery(sql, readOnly);
    const names = reader.columnNames();
    const types = reader.columnTypes().map(dataTypeOfDuckDB);
    const rows = reader.getRowObjects().map((row) => {
      const out: Record<string, unknown> = {};
      names.forEach((name, i) => (out[name] = plainValue(row[name]!, types[i]!)));
      return out;
    });
    return new Table(recordBatchOf(names.map((name, i) => ({ name, dataType: types[i]!, nullable: true })), rows));
  }

  describeError(err: unknown): SqlErrorInfo {
    return { message: err instanceof Error ? err.message : String(err), transient: false, cause: err };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.closeSync();
    if (this.#owned) this.#instance.closeSync();
  }

  /** A caller's query. A read-only session runs only statements DuckDB's parser calls SELECT. */
  async #userQuery(sql: string, readOnly: boolean) {
    if (readOnly) await assertSelectOnly(this.#connection, sql, 'duckdb');
    return this.#connection.runAndReadAll(sql);
  }

  /** After a failed transaction (rolled back): runs its statements one by one in a transaction rolled back again, to find the one that fails. */
  async #failingStatement(statements: readonly SqlStatement[]): Promise<number | undefined> {
    try {
      await this.#connection.run('BEGIN TRANSACTION');
      for (const [i, st] of statements.entries()) {
        try {
          await this.#connection.run(st.sql, st.params as DuckDBValue[] | undefined);
        } catch {
          return i;
        }
      }
      return undefined;
    } catch {
      return undefined;
    } finally {
      await this.#connection.run('ROLLBACK').catch(() => undefined);
    }
  }
}

/** Consecutive statements without parameters joined into one statement list; each parameterized one alone. */
function groups(statements: readonly SqlStatement[]): (SqlStatement & { readonly statements: readonly SqlStatement[] })[] {
  const out: (SqlStatement & { readonly statements: readonly SqlStatement[] })[] = [];
  let plain: SqlStatement[] = [];
  const flush = () => {
    if (plain.length > 0) out.push({ sql: plain.map((st) => st.sql).join(';\n'), statements: plain });
    plain = [];
  };
  for (const st of statements) {
    if (st.params && st.params.length > 0) {
      flush();
      out.push({ ...st, statements: [st] });
    } else plain.push(st);
  }
  flush();
  return out;
}

function lowerCaseKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k.toLowerCase()] = v;
  return out;
}

/** The notionflow type of a DuckDB result column (anything unusual is read as text). */
function dataTypeOfDuckDB(type: DuckDBType): DataType {
  if (type.alias === 'JSON') return 'json';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'bool';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return 'bigint';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'double';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.LIST:
      return (type as DuckDBListType).valueType.typeId === DuckDBTypeId.VARCHAR ? 'text_list' : 'text';
    default:
      return 'text';
  }
}

/** A DuckDB value as the row value `recordBatchOf` takes for its column type (a VARCHAR[] item is a string or null). */
function plainValue(v: DuckDBValue, type: DataType): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (v instanceof DuckDBTimestampTZValue) return Number(v.micros) / 1000;
  if (v instanceof DuckDBDateValue) return new Date(v.days * 86_400_000);
  if (type === 'text_list' && v instanceof DuckDBListValue) return v.items;
  if (typeof (v as { micros?: unknown }).micros === 'bigint') return Number((v as { micros: bigint }).micros) / 1000;
  if (typeof (v as { toDouble?: unknown }).toDouble === 'function') return (v as { toDouble(): number }).toDouble();
  return String(v);
}
