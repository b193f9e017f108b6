import { ConfigError } from '../errors.js';
import { NotionApiError, NotionTransportError, type TransportFailure } from './notion-errors.js';

/**
 * How an error is retried: `retry-after` waits the server's `Retry-After` (429, 529) and pauses the
 * shared limiter; `backoff` waits an exponential delay with full jitter (5xx, 409, resets, timeouts,
 * truncated bodies); `fatal` fails at once (400, 401, 403, 404, blocked integrations, an unknown host, a
 * server that refused the first connection, anything that is not a Notion error).
 */
export type RetryClass = 'retry-after' | 'backoff' | 'fatal';

/**
 * What a retry was for, as run traces count them: the status of a retried answer (`429` and `529`
 * wait for `Retry-After`, `409` conflicts, `5xx` other server faults) or the transport failure
 * (`reset`, `timeout`, `truncated`, `invalid_body`, `unreachable`).
 */
export type RetryCause = '429' | '529' | '409' | '5xx' | TransportFailure;

/**
 * The {@link RetryCause} of an error the policy retries (only Notion API and transport errors are retried).
 *
 * @example
 * ```ts
 * retryCauseOf(new NotionTransportError({ failure: 'timeout', method: 'GET', path: '/v1/users', detail: 'ETIMEDOUT' })); // 'timeout'
 * ```
 */
export function retryCauseOf(error: NotionApiError | NotionTransportError): RetryCause {
  if (error instanceof NotionTransportError) return error.failure;
  return error.status === 429 || error.status === 529 || error.status === 409 ? (String(error.status) as RetryCause) : '5xx';
}

/** Options of {@link createRetryPolicy}. */
export interface RetryPolicyOptions {
  /** Attempts in all, the first included. Default `8`. `1` disables retries. */
  readonly maxAttempts?: number;
  /** Backoff base: the n-th retry waits up to `baseMs · 2^(n-1)`. Default `500`. */
  readonly baseMs?: number;
  /** Upper bound of one backoff delay. Default `30_000`. */
  readonly maxMs?: number;
  /** Upper bound of a `Retry-After` wait (Notion's per-workspace limit may ask for more). Default `60_000`. */
  readonly maxRetryAfterMs?: number;
  /** Source of jitter in [0, 1). Default `Math.random`; tests inject a fixed one. */
  readonly random?: () => number;
}

/** One retry policy shared by every request of a pipeline (see {@link createRetryPolicy}). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  classify(error: unknown): RetryClass;
  /** Milliseconds to wait before retry number `attempt` (1 for the first retry) of a retryable `error`. */
  delayFor(error: unknown, attempt: number): number;
}

/**
 * Builds the retry policy. Options are checked here, so a bad value fails before any request.
 *
 * @example
 * ```ts
 * const policy = createRetryPolicy({ maxAttempts: 5 });
 * policy.classify(error); // 'retry-after' | 'backoff' | 'fatal'
 * ```
 */
export function createRetryPolicy(options: RetryPolicyOptions = {}): RetryPolicy {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseMs = options.baseMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const random = options.random ?? Math.random;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigError(`retry.maxAttempts must be an integer ≥ 1, got ${String(maxAttempts)}.`);
  }
  for (const [name, value] of [['baseMs', baseMs], ['maxMs', maxMs], ['maxRetryAfterMs', maxRetryAfterMs]] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`retry.${name} must be a finite number of milliseconds ≥ 0, got ${String(value)}.`);
    }
  }

  const classify = (error: unknown): RetryClass => {
    if (error instanceof NotionTransportError) return error.transient ? 'backoff' : 'fatal';
    if (!(error instanceof NotionApiError) || !error.transient) return 'fatal';
    return error.status === 429 || error.status === 529 ? 'retry-after' : 'backoff';
  };

  // Full jitter (uniform in [0, cap]) spreads the retries of many concurrent requests apart.
  const backoff = (attempt: number): number => Math.floor(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));

  return {
    maxAttempts,
    classify,
    delayFor(error, attempt) {
      if (classify(error) === 'retry-after' && error instanceof NotionApiError && error.retryAfterMs !== undefined) {
        return Math.min(Math.max(0, error.retryAfterMs), maxRetryAfterMs);
      }
      return backoff(attempt);
    },
  };
}
