import { ConfigError } from '../errors.js';
import { hashInts, hashString, unitOf } from './hash.js';

/** The failures the server can inject. */
export type FaultKind = '500' | '502' | '503' | '504' | '409' | '529' | 'reset' | 'truncated' | 'html';

/** Every {@link FaultKind}. */
export const FAULT_KINDS: readonly FaultKind[] = ['500', '502', '503', '504', '409', '529', 'reset', 'truncated', 'html'];

/** Fault injection settings. */
export interface FaultOptions {
  /** Probability that a request's first attempt fails (its second attempt fails with half that). */
  readonly rate: number;
  /** Seed of the fault decisions. Default `1`. */
  readonly seed?: number;
  /** Kinds to draw from. Default: all of {@link FAULT_KINDS}. */
  readonly kinds?: readonly FaultKind[];
}

/**
 * Seeded fault decisions. A fault is a hash of (seed, request key, attempt number of that key), where
 * the key is method, URL and body: the first attempt fails with probability `rate`, the second (only
 * after a failed first) with `rate / 2`, the third never, so a retried request always gets through.
 * Only keys with a pending failure are remembered.
 */
export class FaultPlan {
  readonly #rate: number;
  readonly #seed: number;
  readonly #kinds: readonly FaultKind[];
  readonly #attempts = new Map<string, number>();

  constructor(options: FaultOptions) {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new ConfigError(`faults.rate must be within [0, 1], got ${options.rate}.`);
    const kinds = options.kinds ?? FAULT_KINDS;
    if (kinds.length === 0 || kinds.some((k) => !FAULT_KINDS.includes(k))) throw new ConfigError(`faults.kinds must be a non-empty list of ${FAULT_KINDS.join(', ')}.`);
    this.#rate = options.rate;
    this.#seed = options.seed ?? 1;
    this.#kinds = kinds;
  }

  /** The fault to inject for this attempt of the request `key`, if any. */
  decide(key: string): FaultKind | undefined {
    const attempt = (this.#attempts.get(key) ?? 0) + 1;
    const h = hashString(key);
    const threshold = attempt === 1 ? this.#rate : attempt === 2 ? this.#rate / 2 : 0;
    if (unitOf(this.#seed, h, attempt) >= threshold) {
      this.#attempts.delete(key);
      return undefined;
    }
    this.#attempts.set(key, attempt);
    return this.#kinds[hashInts(this.#seed, h, attempt, 7) % this.#kinds.length];
  }
}
