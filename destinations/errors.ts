import { ConfigError, NotionflowError, type NotionflowErrorOptions } from '../src/errors.js';

/** A destination failed to write, commit or read. `table` and `loadId` say where. */
export class DestinationError extends NotionflowError {
  readonly destination: string;
  readonly table: string | undefined;
  readonly loadId: string | undefined;

  constructor(
    destination: string,
    message: string,
    options: NotionflowErrorOptions & { readonly table?: string; readonly loadId?: string } = {},
  ) {
    super('destination_error', `${destination}: ${message}`, options);
    this.name = 'DestinationError';
    this.destination = destination;
    this.table = options.table;
    this.loadId = options.loadId;
  }
}

/** A session method was called out of order (for example `write` before `ensureSchema`, or after `close`). */
export class DestinationStateError extends NotionflowError {
  constructor(message: string) {
    super('destination_state_error', message);
    this.name = 'DestinationStateError';
  }
}

/**
 * Another process holds the destination's lock: a load is running. Transient: the same call succeeds
 * once that load has finished.
 */
export class DestinationLockedError extends DestinationError {
  constructor(destination: string, location: string, holder: string, options: NotionflowErrorOptions = {}) {
    super(destination, `a load is running on ${location} (${holder} holds its lock); try again when it has finished.`, { ...options, transient: true });
    this.name = 'DestinationLockedError';
  }
}

/** A destination's optional driver packages are not installed. Raised when a session opens, after the config was checked. */
export class MissingPackageError extends ConfigError {
  /** The packages to install. */
  readonly packages: readonly string[];

  constructor(destination: string, packages: readonly string[], options?: NotionflowErrorOptions) {
    super(`${destination}: the ${destination} destination needs ${packages.join(' and ')}, not installed here: npm install ${packages.join(' ')}`, options);
    this.name = 'MissingPackageError';
    this.packages = packages;
  }
}
