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
};

/** Build the destination named `name`; an unknown name is a ConfigError listing the known ones. */
export async function createDestination(name: string, config: ResolvedConfig): Promise<Destination> {
  const factory = DESTINATION_FACTORIES[name];
  if (!factory) throw new ConfigError(`Unknown destination "${name}": use one of ${Object.keys(DESTINATION_FACTORIES).join(', ')}.`);
  return factory(config);
}
