import { ConfigError } from '../errors.js';
import { hashInts, hashString, unitOf } from './hash.js';

/**
 * The failures the server can inject:
 * - `500`, `503`, `504`, `409` (`conflict_error`), `529` (`service_overload`, with `Retry-After`): Notion's JSON error bodies;
 * - `502`: a proxy's HTML page;
 * - `reset`: the status line, headers and half the body, then a TCP reset (a connection reset mid-body);
 * - `truncated`: a complete HTTP answer (its `Content-Length` is what is sent) whose JSON body stops halfway;
 * - `html`: a 200 with an HTML page instead of JSON;
 * - `slow`: the answer is held back for {@link FaultOptions.slowMs}, longer than the client waits.
 */
export type FaultKind = '500' | '502' | '503' | '504' | '409' | '529' | 'reset' | 'truncated' | 'html' | 'slow';

/** Every {@link FaultKind}. */
export const FAULT_KINDS: readonly FaultKind[] = ['500', '502', '503', '504', '409', '529', 'reset', 'truncated', 'html', 'slow'];

/** The kinds drawn from when none are named: all but `slow`, which only pays off with a client timeout shorter than `slowMs`. */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = FAULT_KINDS.filter((k) => k !== 'slow');

/** Fault injection settings. */
export interface FaultOptions {
  /** Probability that a request's first attempt fails (its second attempt fails with half that). */
  readonly rate: number;
  /** Seed of the fault decisions. Default `1`. */
  readonly seed?: number;
  /** Kinds to draw from, each as likely. Default {@link DEFAULT_FAULT_KINDS} (`slow` only when named). */
  readonly kinds?: readonly FaultKind[];
  /**
   * How long a `slow` answer is held back, in ms, unless the client hangs up first. Default `65_000`, past
   * Notion's own 60 s server timeout and the client's default `timeoutMs`; tests give the client a short
   * `timeoutMs` instead of waiting this long.
   */
  readonly slowMs?: number;
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
  /** See {@link FaultOptions.slowMs}. */
  readonly slowMs: number;
  readonly #attempts = new Map<string, number>();

  constructor(options: FaultOptions) {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new ConfigError(`faults.rate must be within [0, 1], got ${options.rate}.`);
    const kinds = options.kinds ?? DEFAULT_FAULT_KINDS;
    if (kinds.length === 0 || kinds.some((k) => !FAULT_KINDS.includes(k))) throw new ConfigError(`faults.kinds must be a non-empty list of ${FAULT_KINDS.join(', ')}.`);
    const slowMs = options.slowMs ?? 65_000;
    if (!(Number.isFinite(slowMs) && slowMs >= 0)) throw new ConfigError(`faults.slowMs must be a finite number of milliseconds ≥ 0, got ${slowMs}.`);
    this.slowMs = slowMs;
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
