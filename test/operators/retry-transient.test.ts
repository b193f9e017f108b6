import { describe, expect, it, jest } from '@jest/globals';
import { defer, EMPTY, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { retryTransient, type RetryInfo } from '../../operators/retry-transient.js';
import type { Limiter } from '../../src/client/limiter.js';
import { NotionApiError, NotionTransportError, toNotionErrorCode, type TransportFailure } from '../../src/client/notion-errors.js';
import { createRetryPolicy } from '../../src/client/retry-policy.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

function apiError(status: number, extra: { retryAfterMs?: number; rateLimitReason?: string } = {}): NotionApiError {
  const notionCode = toNotionErrorCode(undefined, status);
  return new NotionApiError({ status, notionCode, notionMessage: 'failed', method: 'POST', path: '/v1/search', ...extra });
}

function transportError(failure: TransportFailure): NotionTransportError {
  return new NotionTransportError({ failure, method: 'GET', path: '/v1/users', detail: 'test' });
}

/** Subscribes to the next of `attempts` on each (re)subscription. */
function sequence<T>(attempts: Observable<T>[]): Observable<T> {
  let index = 0;
  return defer(() => attempts[index++] ?? EMPTY);
}

// Backoff delays with random 0.5 and base 100 ms: 50, 100, 200, … (full jitter, half the cap).
const policy = createRetryPolicy({ baseMs: 100, maxMs: 1000, random: () => 0.5 });

/** A limiter that records when `pause` was called (virtual time) and with what. */
function fakeLimiter(now: () => number): Limiter & { pause: jest.Mock<(ms: number) => void>; pausedAt: number[] } {
  const pausedAt: number[] = [];
  const pause = jest.fn<(ms: number) => void>(() => pausedAt.push(now()));
  return { acquire: () => EMPTY, pause, pausedAt, stats: { acquired: 0, waits: 0, pauses: 0, requestsPerWindow: 0, windowMs: 60_000 } };
}

describe('retryTransient', () => {
  it.each([
    ['429 rate_limited', 429],
    ['529 service_overload', 529],
  ])('waits Retry-After on %s and pauses the shared limiter', (_name, status) => {
    const testScheduler = scheduler();
    const limiter = fakeLimiter(() => testScheduler.now());
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-#', undefined, apiError(status, { retryAfterMs: 1000 }));
      const succeeding = cold('-a|');
      const result = sequence([failing, succeeding]).pipe(retryTransient(policy, { limiter }));
      expectObservable(result).toBe('1002ms a|');
      expectSubscriptions(failing.subscriptions).toBe('^!');
      expectSubscriptions(succeeding.subscriptions).toBe('1001ms ^-!');
    });
    // The pause is taken when the error arrives, before the wait.
    expect(limiter.pause.mock.calls).toEqual([[1000]]);
    expect(limiter.pausedAt).toEqual([1]);
  });

  it('falls back to backoff on a 429 without Retry-After', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const result = sequence([cold('-#', undefined, apiError(429)), cold('-a|')]).pipe(retryTransient(policy));
      expectObservable(result).toBe('52ms a|');
    });
  });

  it.each([500, 502, 503, 504, 409])('backs off exponentially with jitter on %i', (status) => {
    scheduler().run(({ cold, expectObservable }) => {
      const error = apiError(status);
      const result = sequence([cold('-#', undefined, error), cold('-#', undefined, error), cold('-a|')]).pipe(
        retryTransient(policy),
      );
      // Fails at 1, retries at 51, fails at 52, retries at 152: a at 153.
      expectObservable(result).toBe('153ms a|');
    });
  });

  it.each<TransportFailure>(['reset', 'timeout', 'truncated', 'invalid_body', 'unreachable'])(
    'backs off on a transport failure (%s)',
    (failure) => {
      scheduler().run(({ cold, expectObservable }) => {
        const result = sequence([cold('-#', undefined, transportError(failure)), cold('-a|')]).pipe(retryTransient(policy));
        expectObservable(result).toBe('52ms a|');
      });
    },
  );

  it.each([400, 401, 403, 404])('never retries %i', (status) => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = apiError(status);
      const failing = cold('-#', undefined, error);
      const never = cold('-a|');
      expectObservable(sequence([failing, never]).pipe(retryTransient(policy))).toBe('-#', undefined, error);
      expectSubscriptions(never.subscriptions).toBe([]);
    });
  });

  it('never retries a blocked integration (429 public_api_request_blocked) nor a foreign error', () => {
    const limiter = fakeLimiter(() => 0);
    scheduler().run(({ cold, expectObservable }) => {
      const blocked = apiError(429, { retryAfterMs: 1000, rateLimitReason: 'public_api_request_blocked' });
      const foreign = new TypeError('not a Notion error');
      expectObservable(sequence([cold('-#', undefined, blocked), cold('a|')]).pipe(retryTransient(policy, { limiter }))).toBe(
        '-#',
        undefined,
        blocked,
      );
      expectObservable(sequence([cold('-#', undefined, foreign), cold('a|')]).pipe(retryTransient(policy))).toBe(
        '-#',
        undefined,
        foreign,
      );
    });
    expect(limiter.pause).not.toHaveBeenCalled();
  });

  it('stops after maxAttempts and passes the last error on', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bounded = createRetryPolicy({ maxAttempts: 3, baseMs: 100, random: () => 0.5 });
      const errors = [apiError(503), apiError(502), apiError(500)];
      const attempts = errors.map((error) => cold('-#', undefined, error));
      const fourth = cold('a|');
      const result = sequence([...attempts, fourth]).pipe(retryTransient(bounded));
      expectObservable(result).toBe('153ms #', undefined, errors[2]);
      expectSubscriptions(attempts[1]!.subscriptions).toBe('51ms ^!');
      expectSubscriptions(attempts[2]!.subscriptions).toBe('152ms ^!');
      expectSubscriptions(fourth.subscriptions).toBe([]);
    });
  });

  it('subscribes exactly maxAttempts times', () => {
    const attemptsMade: number[] = [];
    scheduler().run(({ cold, flush }) => {
      const bounded = createRetryPolicy({ maxAttempts: 4, baseMs: 10, random: () => 0 });
      let attempt = 0;
      const source = defer(() => {
        attemptsMade.push(++attempt);
        return cold('-#', undefined, apiError(503));
      });
      source.pipe(retryTransient(bounded)).subscribe({ error: () => undefined });
      flush();
    });
    expect(attemptsMade).toEqual([1, 2, 3, 4]);
  });

  it('tells onRetry about each retry', () => {
    const infos: RetryInfo[] = [];
    const limited = apiError(429, { retryAfterMs: 30 });
    const failed = apiError(503);
    scheduler().run(({ cold, flush }) => {
      const source = sequence([cold('-#', undefined, limited), cold('-#', undefined, failed), cold('a|')]);
      source.pipe(retryTransient(policy, { onRetry: (info) => infos.push(info) })).subscribe();
      flush();
    });
    expect(infos).toEqual([
      { error: limited, retry: 1, kind: 'retry-after', delayMs: 30 },
      { error: failed, retry: 2, kind: 'backoff', delayMs: 100 },
    ]);
  });

  it('fails the request when onRetry throws', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failure = new Error('callback failed');
      const result = sequence([cold('-#', undefined, apiError(503)), cold('a|')]).pipe(
        retryTransient(policy, {
          onRetry: () => {
            throw failure;
          },
        }),
      );
      expectObservable(result).toBe('-#', undefined, failure);
    });
  });

  it('passes never, empty, one and many values through untouched', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-').pipe(retryTransient(policy))).toBe('-');
      expectObservable(cold('|').pipe(retryTransient(policy))).toBe('|');
      expectObservable(cold('-a|').pipe(retryTransient(policy))).toBe('-a|');
      expectObservable(cold('-a-b-c|').pipe(retryTransient(policy))).toBe('-a-b-c|');
    });
  });

  it('does not resubscribe when unsubscribed during the delay', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('-#', undefined, apiError(503));
      const retried = cold('-a|');
      expectObservable(sequence([failing, retried]).pipe(retryTransient(policy)), '20ms !').toBe('-');
      expectSubscriptions(retried.subscriptions).toBe([]);
    });
  });
});
