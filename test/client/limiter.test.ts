import { describe, expect, it } from '@jest/globals';
import { concatMap, merge, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { rateLimit } from '../../operators/rate-limit.js';
import { createLimiter, type LimiterWait } from '../../src/client/limiter.js';
import { ConfigError } from '../../src/errors.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

// The wait a limiter holds its callers in, for progress countdowns (stats.wait and onWait).
describe('limiter waits', () => {
  it('reports a budget wait until the window frees, and its end', () => {
    const told: [number, LimiterWait | undefined][] = [];
    const seen: (LimiterWait | undefined)[] = [];
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable, flush }) => {
      const limiter = createLimiter({ requests: 2, windowMs: 1000, onWait: (wait) => told.push([testScheduler.now(), wait]) });
      const requests = ['a', 'b', 'c'].map((v) => cold(`(${v}|)`).pipe(rateLimit(limiter)));
      // Two go at once; the third waits for the window (1000 ms, plus the 2% margin of a real window).
      expectObservable(merge(...requests)).toBe('(ab) 1016ms (c|)');
      cold('500ms x').subscribe(() => seen.push(limiter.stats.wait));
      cold('1100ms x').subscribe(() => seen.push(limiter.stats.wait));
      flush();
    });
    expect(told).toEqual([
      [0, { reason: 'budget', untilMs: 1020 }],
      [1020, undefined],
    ]);
    expect(seen).toEqual([{ reason: 'budget', untilMs: 1020 }, undefined]);
  });

  it('reports a Retry-After pause once, however many callers wait it out, and its end', () => {
    const told: [number, LimiterWait | undefined][] = [];
    const seen: (LimiterWait | undefined)[] = [];
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable, flush }) => {
      const limiter = createLimiter({ requests: Infinity, onWait: (wait) => told.push([testScheduler.now(), wait]) });
      cold('10ms x').subscribe(() => limiter.pause(5000));
      const later = (v: string) => timer(20).pipe(concatMap(() => cold(`(${v}|)`).pipe(rateLimit(limiter))));
      expectObservable(merge(later('a'), later('b'))).toBe('5010ms (ab|)');
      cold('30ms x').subscribe(() => seen.push(limiter.stats.wait));
      flush();
    });
    expect(told).toEqual([
      [10, { reason: 'retry-after', untilMs: 5010 }],
      [5010, undefined],
    ]);
    expect(seen).toEqual([{ reason: 'retry-after', untilMs: 5010 }]);
  });

  it('holds no wait when nobody waits, and checks onWait', () => {
    expect(createLimiter({ requests: 5, windowMs: 1000 }).stats.wait).toBeUndefined();
    expect(createLimiter({ requests: 5, windowMs: 1000 }).stats).toMatchObject({ requestsPerWindow: 5, windowMs: 1000 });
    expect(() => createLimiter({ onWait: 'x' as unknown as () => void })).toThrow(ConfigError);
  });
});
