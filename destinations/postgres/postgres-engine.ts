import type { OpenContext } from '../destination.js';
import type { Importer } from '../optional-import.js';
import { SqlSession } from '../sql/sql-session.js';
import { PostgresClient } from './postgres-client.js';
import type { ResolvedPostgresConfig } from './postgres-config.js';
import { postgresDialect } from './postgres-dialect.js';
import { postgresIntrospector } from './postgres-introspector.js';

/** A session on one PostgreSQL connection, connected at once (a bad host or password fails here). */
export async function openPostgresSession(config: ResolvedPostgresConfig, ctx: OpenContext, importer?: Importer): Promise<SqlSession> {
  const session = new SqlSession({ dialect: postgresDialect, introspector: postgresIntrospector, connect: () => PostgresClient.connect(config, ctx, importer) }, ctx);
  await session.connect();
  return session;
}
