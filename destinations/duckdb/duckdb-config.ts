import { resolve } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { ConfigError } from '../../src/errors.js';

/** Options of the {@link duckdb} destination. */
export interface DuckDBConfig {
  /**
   * Database file. Default `<pipelineName>.duckdb` in the working directory. `:memory:` keeps the
   * database in memory (gone when the session closes).
   */
  readonly path?: string;
  /**
   * An instance you opened yourself (for example to share it with your own queries). Sessions connect
   * to it and leave it open when they close; `path` is then only what load info shows. Default: each
   * session opens the file and closes it again.
   */
  readonly instance?: DuckDBInstance;
}

/**
 * Options every instance notionflow opens gets: the extensions notionflow needs (json, parquet) are
 * built in, and nothing may be downloaded. A load commits many units; with DuckDB's default 16 MB WAL
 * threshold each commit also checkpointed the WAL into the file. The WAL now grows to 1 GB and is
 * checkpointed when the instance closes (committed units stay durable in the WAL meanwhile).
 */
export const DUCKDB_INSTANCE_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  checkpoint_threshold: '1GB',
  // DuckDB's buffer pool defaults to 80% of RAM and keeps what it wrote resident; a loader needs little
  // of it (pages beyond the limit are evicted to the file or spilled), so its memory stays flat.
  memory_limit: '256MB',
});

/** Check a {@link DuckDBConfig} when the destination is built, not mid-run. */
export function validateDuckDBConfig(config: DuckDBConfig): DuckDBConfig {
  if (config.path !== undefined && (typeof config.path !== 'string' || config.path.trim() === '')) {
    throw new ConfigError('duckdb: `path` must be a non-empty file path (or ":memory:").');
  }
  // Checked by shape: importing @duckdb/node-api here would load DuckDB's native binding with the factory.
  if (config.instance !== undefined && typeof (config.instance as { connect?: unknown } | null)?.connect !== 'function') {
    throw new ConfigError('duckdb: `instance` must be a DuckDBInstance from @duckdb/node-api.');
  }
  return config;
}

/** The database file a session opens: `config.path`, or `<pipelineName>.duckdb` in the working directory. */
export function databasePath(config: DuckDBConfig, pipelineName: string): string {
  const path = config.path ?? `${pipelineName}.duckdb`;
  return path === ':memory:' ? path : resolve(path);
}
