import { readFile } from 'node:fs/promises';
import type { Destination } from '../../destinations/destination.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { ConfigError } from '../errors.js';

/**
 * The destinations the CLI can build by name, each from its `destination.<name>` config section.
 * Each is imported only when chosen, so a driver that is not installed costs nothing.
 */
export const DESTINATION_FACTORIES: Readonly<Record<string, (config: ResolvedConfig) => Promise<Destination>>> = {
  duckdb: async (config) => {
    const { duckdb } = await import('../../destinations/duckdb/index.js');
    const path = config.string('destination.duckdb.path');
    return duckdb(path === undefined ? {} : { path });
  },
  postgres: async (config) => {
    const { postgres } = await import('../../destinations/postgres/index.js');
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
  filesystem: async (config) => {
    const { filesystem } = await import('../../destinations/filesystem/index.js');
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
  snowflake: async (config) => {
    const { snowflake } = await import('../../destinations/snowflake/index.js');
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
};

/** Build the destination named `name`; an unknown name is a ConfigError listing the known ones. */
export async function createDestination(name: string, config: ResolvedConfig): Promise<Destination> {
  const factory = DESTINATION_FACTORIES[name];
  if (!factory) throw new ConfigError(`Unknown destination "${name}": use one of ${Object.keys(DESTINATION_FACTORIES).join(', ')}.`);
  return factory(config);
}
