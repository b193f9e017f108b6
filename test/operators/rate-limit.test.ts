import { describe, expect, it } from '@jest/globals';
import { concatMap, merge, timer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { rateLimit } from '../../operators/rate-limit.js';
import { createLimiter } from '../../src/client/limiter.js';
import { ConfigError } from '../../src/errors.js';

/** Subscribes to `source$` `ms` milliseconds after subscription (a request asked for later). */
const after = <T>(ms: number, source$: Observable<T>): Observable<T> => timer(ms).pipe(concatMap(() => source$));

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

// 3 requests per 30 ms: a burst of 3, then one token every 10 ms. Limiters are built inside run()
// so that they read virtual time.
describe('rateLimit', () => {
  it('lets a burst through at once, then never more than the budget in any window (as a server counting fixed windows needs)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const limiter = createLimiter({ requests: 3, windowMs: 30 });
      const requests = ['a', 'b', 'c', 'd', 'e'].map((v) => cold(`(${v}|)`).pipe(rateLimit(limiter)));
      expectObservable(merge(...requests)).toBe('(abc) 25ms (de|)');
    });
  });

  it('waits 2% of a real window (a second or more) longer, so a request that arrives late stays in its own window', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const limiter = createLimiter({ requests: 2, windowMs: 1000 });
      const requests = ['a', 'b', 'c'].map((v) => cold(`(${v}|)`).pipe(rateLimit(limiter)));
      expectObservable(merge(...requests)).toBe('(ab) 1016ms (c|)');
    });
  });

  it('spreads requests at the refill rate once the burst is spent and the window allows', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const limiter = createLimiter({ requests: 3, windowMs: 30, burst: 1 });
      const requests = ['a', 'b', 'c', 'd'].map((v) => cold(`(${v}|)`).pipe(rateLimit(limiter)));
      expectObservable(merge(...requests)).toBe('a 9ms b 9ms c 9ms (d|)');
    });
  });

  it('serves waiters first come, first served; a newcomer does not jump the queue', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const limiter = createLimiter({ requests: 1, windowMs: 10 });
      const request = (v: string) => cold(`(${v}|)`).pipe(rateLimit(limiter));
      expectObservable(request('x')).toBe('(x|)');
      expectObservable(after(1, request('a'))).toBe('10ms (a|)');
      expectObservable(after(2, request('b'))).toBe('20ms (b|)');
      // c asks exactly when a token appears; a and b asked before it.
      expectObservable(after(10, request('c'))).toBe('30ms (c|)');
    });
  });

  it('gives the place in the queue up on early unsubscribe, without subscribing the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = createLimiter({ requests: 1, windowMs: 10 });
      const first = cold('(a|)');
      const second = cold('(b|)');
      const third = cold('(c|)');
      expectObservable(first.pipe(rateLimit(limiter))).toBe('(a|)');
      expectObservable(second.pipe(rateLimit(limiter)), '5ms !').toBe('-');
      expectObservable(third.pipe(rateLimit(limiter))).toBe('10ms (c|)');
      expectSubscriptions(second.subscriptions).toBe([]);
      expectSubscriptions(third.subscriptions).toBe('10ms (^!)');
    });
  });

  it('makes every caller wait out a pause, then lets one through and refills at the steady rate', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const limiter = createLimiter({ requests: 3, windowMs: 30 });
      // A 429 at 2 ms with Retry-After 50 ms: one of the two tokens left is kept for the end of the pause.
      cold('--x').subscribe(() => limiter.pause(50));
      const requests = ['a', 'b', 'c'].map((v) => after(3, cold(`(${v}|)`).pipe(rateLimit(limiter))));
      expectObservable(merge(...requests)).toBe('52ms a 9ms b 9ms (c|)');
      flush();
      expect(limiter.stats).toMatchObject({ acquired: 3, waits: 3, pauses: 1 });
    });
  });

  it('spends a guessed (adaptive) budget in paced bursts, at most 10× its average rate; a configured one at once', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const guessed = createLimiter({ windowMs: 60_000 }); // 180 a minute, adaptive: 3/s, bursts at 30/s
      const configured = createLimiter({ requests: 180, windowMs: 60_000 });
      expectObservable(merge(...['a', 'b', 'c'].map((v) => cold(`(${v}|)`).pipe(rateLimit(guessed))))).toBe('a 33ms b 33ms (c|)');
      expectObservable(merge(...['a', 'b', 'c'].map((v) => cold(`(${v}|)`).pipe(rateLimit(configured))))).toBe('(abc|)');
    });
  });

  it('halves an adaptive rate on a 429 and recovers it slowly', () => {
    const seen: number[] = [];
    scheduler().run(({ cold, flush }) => {
      const limiter = createLimiter({ windowMs: 1000 }); // requests not given: adaptive, 180 per window
      const rate = () => seen.push(limiter.stats.requestsPerWindow);
      cold('-x').subscribe(() => limiter.pause(0));
      cold('--x').subscribe(rate); // halved: 90
      cold('1001ms x').subscribe(rate); // a tenth of the budget back per window: 108
      cold('2001ms x').subscribe(() => {
        limiter.pause(0); // halves again from 126
        rate();
      });
      cold('9001ms x').subscribe(rate); // back to the budget, never above it
      flush();
    });
    expect(seen.map(Math.round)).toEqual([90, 108, 63, 180]);

    const fixed: number[] = [];
    scheduler().run(({ cold, flush }) => {
      const limiter = createLimiter({ requests: 180, windowMs: 1000 }); // a configured budget is not adapted
      cold('-x').subscribe(() => limiter.pause(0));
      cold('--x').subscribe(() => fixed.push(limiter.stats.requestsPerWindow));
      flush();
    });
    expect(fixed.map(Math.round)).toEqual([180]);
  });

  it('never limits an unlimited budget, but still honours a pause', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const limiter = createLimiter({ requests: Infinity });
      const burst = Array.from({ length: 500 }, () => cold('(a|)').pipe(rateLimit(limiter)));
      expectObservable(merge(...burst)).toBe(`(${'a'.repeat(500)}|)`);
      cold('-x').subscribe(() => limiter.pause(20));
      expectObservable(after(2, cold('(b|)').pipe(rateLimit(limiter)))).toBe('21ms (b|)');
    });
  });

  it('spends one token per subscription, however many values the source emits', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const limiter = createLimiter({ requests: 1, windowMs: 10 });
      expectObservable(cold('abc|').pipe(rateLimit(limiter))).toBe('abc|');
      expectObservable(cold('(d|)').pipe(rateLimit(limiter))).toBe('10ms (d|)');
    });
  });

  it('passes empty, never and error sources through after the token', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const limiter = createLimiter({ requests: 1, windowMs: 10 });
      const failure = new Error('boom');
      expectObservable(cold('|').pipe(rateLimit(limiter))).toBe('|');
      expectObservable(cold('-#', undefined, failure).pipe(rateLimit(limiter))).toBe('11ms #', undefined, failure);
      const never = cold('-');
      expectObservable(never.pipe(rateLimit(limiter))).toBe('-');
      expectObservable(cold('(x|)').pipe(rateLimit(limiter))).toBe('30ms (x|)');
    });
  });

  it('rejects a budget that makes no sense', () => {
    expect(() => createLimiter({ requests: 0 })).toThrow(ConfigError);
    expect(() => createLimiter({ windowMs: -1 })).toThrow(ConfigError);
    expect(() => createLimiter({ requests: 10, burst: 0 })).toThrow(ConfigError);
  });
});
