import { existsSync } from 'node:fs';
import { PipelineNotFoundError } from '../../src/errors.js';
import type { OpenContext } from '../destination.js';
import { SqlSession, type SqlEngine } from '../sql/sql-session.js';
import { databasePath, type DuckDBConfig } from './duckdb-config.js';
import { DuckDBDialect } from './duckdb-dialect.js';
import { DuckDBDriver } from './duckdb-driver.js';
import { duckdbIntrospector } from './duckdb-introspector.js';

/**
 * A session on the DuckDB file of a pipeline (or on `config.instance`). A file that exists is opened at
 * once (a lock held by another load fails here); one that does not is created by the first call that
 * writes, and `readState` on it reads no state. A read-only session on a missing file is a
 * `PipelineNotFoundError`.
 */
export async function openDuckDBSession(config: DuckDBConfig, ctx: OpenContext): Promise<SqlSession> {
  const path = databasePath(config, ctx.pipelineName);
  const dialect = new DuckDBDialect();
  let driver: DuckDBDriver | undefined;
  const engine: SqlEngine = {
    dialect,
    introspector: duckdbIntrospector,
    exists: () => driver !== undefined || config.instance !== undefined || path === ':memory:' || existsSync(path),
    connect: async () => {
      driver = await DuckDBDriver.open(config, path, ctx.readOnly === true);
      dialect.catalog = driver.catalog;
      return driver;
    },
  };
  const session = new SqlSession(engine, ctx);
  if (engine.exists!()) await session.connect();
  else if (ctx.readOnly) throw new PipelineNotFoundError(ctx.pipelineName, path);
  return session;
}
