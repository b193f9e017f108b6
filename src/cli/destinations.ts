import { readFile } from 'node:fs/promises';
import type { Destination } from '../../destinations/destination.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { ConfigError } from '../errors.js';

/** A destination the CLI can build by name. */
export interface CliDestination {
  /** Its settings and what to install, for `notionflow --help`. */
  readonly help: string;
  /** Build it from its `destination.<name>` config section. */
  create(config: ResolvedConfig): Promise<Destination>;
}

/**
 * The destinations the CLI can build by name, the default first. Each module is imported only when
 * chosen, and each destination imports its driver only when a session opens, after its settings were
 * checked: a driver that is not installed costs nothing, and a missing one says what to install.
 */
export const DESTINATIONS: Readonly<Record<string, CliDestination>> = {
  duckdb: {
    help: 'an embedded file; path (default ./<pipeline-name>.duckdb)',
    create: async (config) => {
      const { duckdb } = await import('../../destinations/duckdb/duckdb-destination.js');
      const path = config.string('destination.duckdb.path');
      return duckdb(path === undefined ? {} : { path });
    },
  },
  postgres: {
    help: 'credentials = postgresql://user:password@host:port/database\nneeds: npm install pg pg-copy-streams',
    create: async (config) => {
      const { postgres } = await import('../../destinations/postgres/postgres-destination.js');
      const raw = config.get('destination.postgres.credentials');
      if (raw === undefined) {
        throw new ConfigError(
          'the postgres destination needs destination.postgres.credentials (postgresql://user:password@host:port/database), or NOTIONFLOW__DESTINATION__POSTGRES__CREDENTIALS',
        );
      }
      const copyFormat = config.string('destination.postgres.copy_format') as 'binary' | 'text' | undefined;
      return postgres({
        credentials: typeof raw === 'object' ? (config.section('destination.postgres.credentials') as never) : String(raw),
        ...(copyFormat ? { copyFormat } : {}),
      });
    },
  },
  filesystem: {
    help: 'bucket_url = ./lake | file:///… | s3://bucket/prefix, format = parquet (default) | jsonl;\ns3 credentials: aws_access_key_id, aws_secret_access_key, endpoint_url, region_name\ns3 needs: npm install @aws-sdk/client-s3 @aws-sdk/lib-storage',
    create: async (config) => {
      const { filesystem } = await import('../../destinations/filesystem/filesystem-destination.js');
      const bucketUrl = config.string('destination.filesystem.bucket_url');
      if (bucketUrl === undefined) {
        throw new ConfigError('the filesystem destination needs destination.filesystem.bucket_url (a local path, file:// or s3://bucket/prefix)');
      }
      const format = config.string('destination.filesystem.format') as 'parquet' | 'jsonl' | undefined;
      const creds = 'destination.filesystem.credentials';
      const accessKeyId = config.secret(`${creds}.aws_access_key_id`);
      const secretAccessKey = config.secret(`${creds}.aws_secret_access_key`);
      const endpoint = config.string(`${creds}.endpoint_url`);
      const region = config.string(`${creds}.region_name`);
      return filesystem({
        bucketUrl,
        ...(format !== undefined ? { format } : {}),
        ...(accessKeyId && secretAccessKey
          ? { s3: { accessKeyId: accessKeyId.reveal(), secretAccessKey: secretAccessKey.reveal(), ...(endpoint !== undefined ? { endpoint } : {}), ...(region !== undefined ? { region } : {}) } }
          : {}),
      });
    },
  },
  snowflake: {
    help: 'account (or access_url), username, password or private_key / private_key_path,\ndatabase, warehouse, role, stage_format = parquet | csv\nneeds: npm install snowflake-sdk',
    create: async (config) => {
      const { snowflake } = await import('../../destinations/snowflake/snowflake-destination.js');
      const s = (key: string): string | undefined => config.string(`destination.snowflake.${key}`);
      const keyPath = s('private_key_path');
      return snowflake({
        account: s('account'),
        accessUrl: s('access_url'),
        username: s('username') ?? '',
        password: config.secret('destination.snowflake.password')?.reveal(),
        privateKey: config.secret('destination.snowflake.private_key')?.reveal() ?? (keyPath === undefined ? undefined : await readFile(keyPath, 'utf8')),
        database: s('database') ?? '',
        warehouse: s('warehouse'),
        role: s('role'),
        stageFormat: s('stage_format') as 'parquet' | 'csv' | undefined,
      });
    },
  },
};

/** Build the destination named `name`; an unknown name is a ConfigError listing the known ones. */
export async function createDestination(name: string, config: ResolvedConfig): Promise<Destination> {
  const destination = DESTINATIONS[name];
  if (!destination) throw new ConfigError(`Unknown destination "${name}": use one of ${Object.keys(DESTINATIONS).join(', ')}.`);
  return destination.create(config);
}
