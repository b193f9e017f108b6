import { retry, throwError, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import type { Limiter } from '../src/client/limiter.js';
import type { RetryClass, RetryPolicy } from '../src/client/retry-policy.js';

/** What {@link RetryTransientOptions.onRetry} is told before each retry. */
export interface RetryInfo {
  readonly error: unknown;
  /** 1 for the first retry (the second attempt). */
  readonly retry: number;
  readonly kind: Exclude<RetryClass, 'fatal'>;
  readonly delayMs: number;
}

/** Options of {@link retryTransient}. */
export interface RetryTransientOptions {
  /** Timers of the retry delays. Default `asyncScheduler` (virtual time under `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
  /** When given, a `retry-after` error (429, 529) pauses it so that every request waits, not only this one. */
  readonly limiter?: Limiter;
  /** Called before each retry (counters, logs). An error it throws fails the request. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/**
 * Resubscribes to the source when it fails with an error `policy` calls transient, after the
 * policy's delay, up to `policy.maxAttempts` attempts in all; a fatal error, or the last one, goes
 * downstream unchanged.
 *
 * <span class="informal">The one retry loop of the client: rxjs `retry({count, delay})` driven by
 * the shared {@link RetryPolicy}.</span>
 *
 * @example
 * ```ts
 * request$.pipe(rateLimit(limiter), retryTransient(policy, { limiter }));
 * ```
 * @see rateLimit
 * @param policy Which errors are retried and how long to wait.
 * @param options Scheduler, limiter to pause on 429, retry callback.
 * @return An Observable that mirrors the source, retrying transient failures.
 */
export function retryTransient<T>(policy: RetryPolicy, options: RetryTransientOptions = {}): MonoTypeOperatorFunction<T> {
  const { scheduler, limiter, onRetry } = options;
  return retry<T>({
    count: policy.maxAttempts - 1,
    delay: (error: unknown, retryCount: number) => {
      const kind = policy.classify(error);
      if (kind === 'fatal') return throwError(() => error);
      const delayMs = policy.delayFor(error, retryCount);
      if (kind === 'retry-after') limiter?.pause(delayMs);
      onRetry?.({ error, retry: retryCount, kind, delayMs });
      return timer(delayMs, scheduler);
    },
  });
}
