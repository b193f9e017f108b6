import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { appendRecordBatch } from './duckdb-chunk-writer.js';
import { createStagingSql, stagingName } from './duckdb-sql.js';

/** The TEMP table a file's rows pass through. */
const FILE_TABLE = 'notionflow_parquet_file';

/**
 * Writes Arrow batches as Snappy-compressed Parquet files with DuckDB, a dependency already (no
 * parquet-wasm): the batches go through the appender into a TEMP table of an in-memory database, then
 * `COPY … TO 'file' (FORMAT parquet)`. Column types follow the DuckDB staging types: text and json as
 * UTF-8 strings, bigint INT64, double, boolean, timestamp as µs UTC instants, date, text_list as a list
 * of strings. The database is opened on the first `write`; `close` releases it.
 *
 * @example
 * ```ts
 * const writer = new ParquetWriter();
 * await writer.write('/tmp/pages.parquet', columns, batches);
 * await writer.close();
 * ```
 */
export class ParquetWriter {
  #db: Promise<{ readonly instance: DuckDBInstance; readonly connection: DuckDBConnection }> | undefined;

  /** Write `batches` (fields named like `columns`; a column a batch lacks is null) as one Parquet file at `path`, replacing it. */
  async write(path: string, columns: readonly ColumnSchema[], batches: readonly RecordBatch[]): Promise<void> {
    const { connection } = await this.#open();
    await connection.run(`DROP TABLE IF EXISTS ${stagingName(FILE_TABLE)}`);
    await connection.run(createStagingSql(FILE_TABLE, columns));
    try {
      const appender = await connection.createAppender(FILE_TABLE, 'main', 'temp');
      try {
        for (const batch of batches) appendRecordBatch(appender, FILE_TABLE, columns, batch);
      } finally {
        appender.closeSync();
      }
      await connection.run(`COPY ${stagingName(FILE_TABLE)} TO '${path.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION snappy)`);
    } finally {
      await connection.run(`DROP TABLE IF EXISTS ${stagingName(FILE_TABLE)}`);
    }
  }

  /** Close the in-memory database. Idempotent. */
  async close(): Promise<void> {
    const db = await this.#db?.catch(() => undefined);
    this.#db = undefined;
    db?.connection.closeSync();
    db?.instance.closeSync();
  }

  #open() {
    this.#db ??= (async () => {
      // Spilled pages go to the system temp directory, not to `.tmp` in the working directory.
      const instance = await DuckDBInstance.create(':memory:', {
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        temp_directory: join(tmpdir(), 'notionflow-duckdb.tmp'),
      });
      return { instance, connection: await instance.connect() };
    })();
    return this.#db;
  }
}
