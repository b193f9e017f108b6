import { inspect } from 'node:util';

/**
 * A secret value (a token, a password) that never prints: `String()`, `JSON.stringify()`, template
 * strings and `util.inspect` all show `***`. Read it with `reveal()` only where it is sent.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself; call only where it is used (an Authorization header, a driver's password). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [inspect.custom](): string {
    return 'Secret(***)';
  }
}
