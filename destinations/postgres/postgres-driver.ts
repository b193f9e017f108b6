import type pg from 'pg';
import type { from as copyFromFn } from 'pg-copy-streams';
import { importOptional, nativeImport, type Importer } from '../optional-import.js';

/** The two driver packages of the postgres destination, imported when a session opens. */
export interface PostgresDriver {
  readonly pg: typeof pg;
  readonly copyFrom: typeof copyFromFn;
}

/**
 * Import `pg` and `pg-copy-streams` (optional peer dependencies). Not installed: a `MissingPackageError`
 * saying `npm install pg pg-copy-streams`.
 */
export async function loadPostgresDriver(importer: Importer = nativeImport): Promise<PostgresDriver> {
  const [pgModule, copyStreams] = (await importOptional('postgres', ['pg', 'pg-copy-streams'], importer)) as [{ default: typeof pg }, { default: { from: typeof copyFromFn } }];
  return { pg: pgModule.default, copyFrom: copyStreams.default.from };
}
