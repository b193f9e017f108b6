import type { OpenContext } from '../destination.js';
import type { Importer } from '../optional-import.js';
import { SqlSession } from '../sql/sql-session.js';
import type { SnowflakeConfig } from './snowflake-config.js';
import { snowflakeDialect } from './snowflake-dialect.js';
import { SnowflakeDriver } from './snowflake-driver.js';
import { snowflakeIntrospector } from './snowflake-introspector.js';

/**
 * A session on one Snowflake connection, logged in at once (a bad account or key fails here). Staging
 * tables live in `<dataset>_staging` and are shared by sessions on the same dataset: like dlt, one pipeline
 * writes a dataset at a time.
 */
export async function openSnowflakeSession(config: SnowflakeConfig, ctx: OpenContext, importer?: Importer): Promise<SqlSession> {
  const session = new SqlSession({ dialect: snowflakeDialect, introspector: snowflakeIntrospector, connect: () => SnowflakeDriver.connect(config, ctx, importer) }, ctx);
  await session.connect();
  return session;
}
