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
