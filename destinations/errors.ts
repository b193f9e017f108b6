import { NotionflowError, type NotionflowErrorOptions } from '../src/errors.js';

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
