import type { OpenContext } from '../destination.js';
import type { Importer } from '../optional-import.js';
import { SqlSession } from '../sql/sql-session.js';
import type { ResolvedRedshiftConfig } from './redshift-config.js';
import { redshiftDialect } from './redshift-dialect.js';
import { RedshiftDriver } from './redshift-driver.js';
import { redshiftIntrospector } from './redshift-introspector.js';

/**
 * A session on one Redshift connection, connected at once (a bad host or password fails here). Staging
 * tables are TEMP tables of the connection: concurrent loads of one dataset never share them.
 */
export async function openRedshiftSession(config: ResolvedRedshiftConfig, ctx: OpenContext, importer?: Importer): Promise<SqlSession> {
  const connect = () => RedshiftDriver.connect(config, { datasetName: ctx.datasetName, ...(ctx.log ? { log: ctx.log } : {}) }, importer);
  const session = new SqlSession({ dialect: redshiftDialect, introspector: redshiftIntrospector, connect }, ctx);
  await session.connect();
  return session;
}
