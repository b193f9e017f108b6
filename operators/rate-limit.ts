import { concatMap, type MonoTypeOperatorFunction } from 'rxjs';
import type { Limiter } from '../src/client/limiter.js';

/**
 * Makes every subscription to a cold source wait for one token of `limiter` first.
 *
 * <span class="informal">Put it on a request Observable: the request is sent only when the shared
 * budget allows, and each resubscription (a retry) spends a token again.</span>
 *
 * Exact semantics: subscribing to the result subscribes to `limiter.acquire()`; when it emits, the
 * source is subscribed and everything it emits, errors or completes is passed through. One token is
 * spent per subscription, not per emitted value. Unsubscribing while waiting leaves the queue
 * without spending a token, and the source is never subscribed.
 *
 * @example
 * ```ts
 * const users$ = client.request$<ListResponse<User>>({ method: 'GET', path: '/v1/users' });
 * users$.pipe(rateLimit(limiter)); // waits for a token, then sends the request
 * ```
 * @see retryTransient
 * @param limiter The limiter shared by every request of the pipeline.
 * @return An Observable that subscribes to the source once a token is granted.
 */
export function rateLimit<T>(limiter: Limiter): MonoTypeOperatorFunction<T> {
  return (source) => limiter.acquire().pipe(concatMap(() => source));
}
