import type { OpenContext } from '../destination.js';
import type { Importer } from '../optional-import.js';
import { SqlSession, type SqlEngine } from '../sql/sql-session.js';
import { locationOf, type BigQueryConfig } from './bigquery-config.js';
import { BigQueryDialect } from './bigquery-dialect.js';
import { BigQueryDriver } from './bigquery-driver.js';
import { bigqueryIntrospector } from './bigquery-introspector.js';

/**
 * A session on a BigQuery dataset. The client is made (and its package imported) here, so a missing
 * package fails `open`; nothing is sent before the session's first call.
 */
export async function openBigQuerySession(config: BigQueryConfig, ctx: OpenContext, importer?: Importer): Promise<SqlSession> {
  const dialect = new BigQueryDialect(config.projectId, locationOf(config));
  const engine: SqlEngine = {
    dialect,
    introspector: bigqueryIntrospector(dialect),
    connect: () => BigQueryDriver.open(config, dialect, ctx.datasetName, importer),
  };
  const session = new SqlSession(engine, ctx);
  await session.connect();
  return session;
}
