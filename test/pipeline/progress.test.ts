import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import type { ClientStats } from '../../src/client/notion-client.js';
import { estimateEtaMs, progressEvents, progressSnapshot, type ProgressSnapshot } from '../../src/pipeline/progress.js';
import type { SourceProgress } from '../../src/resources/resource.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const stats = (over: Partial<ClientStats> = {}): ClientStats => ({
  requests: 120,
  retries: 4,
  rateLimited: 3,
  transportErrors: 1,
  byStatus: { 200: 116, 429: 3 },
  ok: 116,
  failed: 1,
  byEndpoint: { 'GET /v1/blocks/:id/children': 100, 'POST /v1/search': 20 },
  retriesByClass: { '429': 3, reset: 1 },
  rateLimitWaits: 3,
  rateLimitWaitMs: 2000,
  ...over,
});

const source = (over: Partial<SourceProgress> = {}): SourceProgress => ({
  resources: { pages: { done: 40, known: 100 }, rows: { done: 60 }, blocks: { done: 900 } },
  requests: stats(),
  budget: { requests: 180, windowMs: 60_000 },
  ...over,
});

describe('progressSnapshot', () => {
  it('takes resources and request figures from the source, rows and commits from the pipeline', () => {
    const snapshot = progressSnapshot({ elapsedMs: 40_000, nowMs: 1_000_000, source: source(), rowsByTable: { pages: 40, blocks: 900 }, commits: 2 });
    expect(snapshot).toEqual({
      elapsedMs: 40_000,
      resources: { pages: { done: 40, known: 100 }, rows: { done: 60 }, blocks: { done: 900 } },
      requests: { ok: 116, retried: 4, rateLimited: 3, failed: 1, total: 120 },
      rowsByTable: { pages: 40, blocks: 900 },
      commits: 2,
    });
  });

  it('keeps the current wait for a countdown, and drops one that is over', () => {
    const waiting = source({ requests: stats({ wait: { reason: 'retry-after', untilMs: 1_030_000 } }) });
    expect(progressSnapshot({ elapsedMs: 1, nowMs: 1_000_000, source: waiting, rowsByTable: {}, commits: 0 }).wait).toEqual({ reason: 'retry-after', untilMs: 1_030_000 });
    expect(progressSnapshot({ elapsedMs: 1, nowMs: 1_030_000, source: waiting, rowsByTable: {}, commits: 0 }).wait).toBeUndefined();
  });

  it('has an ETA only when the source knows the requests left', () => {
    const figures = { elapsedMs: 60_000, nowMs: 0, rowsByTable: {}, commits: 0 };
    expect(progressSnapshot({ ...figures, source: source() }).etaMs).toBeUndefined();
    // 360 requests left at the 2 a second observed (120 in 60 s), slower than the budget's 3.
    expect(progressSnapshot({ ...figures, source: source({ remainingRequests: 360 }) }).etaMs).toBe(180_000);
  });

  it('copes with a source that keeps no figures', () => {
    expect(progressSnapshot({ elapsedMs: 5, nowMs: 0, source: undefined, rowsByTable: { t: 1 }, commits: 1 })).toEqual({
      elapsedMs: 5,
      resources: {},
      requests: { ok: 0, retried: 0, rateLimited: 0, failed: 0, total: 0 },
      rowsByTable: { t: 1 },
      commits: 1,
    });
  });
});

describe('estimateEtaMs', () => {
  const budget = { requests: 180, windowMs: 60_000 }; // 3 requests a second

  it('is unknown while the requests left are', () => {
    expect(estimateEtaMs(undefined, budget, { requests: 900, elapsedMs: 300_000 })).toBeUndefined();
  });

  it('is zero with nothing left', () => {
    expect(estimateEtaMs(0, budget, { requests: 900, elapsedMs: 300_000 })).toBe(0);
  });

  it('divides the requests left by the budget rate when requests keep up with it', () => {
    expect(estimateEtaMs(360, budget, { requests: 900, elapsedMs: 300_000 })).toBe(120_000);
    // A burst spent faster than the average rate does not make the ETA shorter than the budget allows.
    expect(estimateEtaMs(360, budget, { requests: 180, elapsedMs: 2_000 })).toBe(120_000);
  });

  it('uses the observed rate when it is slower than the budget (latency, a slow destination)', () => {
    expect(estimateEtaMs(360, budget, { requests: 300, elapsedMs: 300_000 })).toBe(360_000);
  });

  it('uses the observed rate alone without a budget, and has none before any request', () => {
    const unlimited = { requests: Infinity, windowMs: 60_000 };
    expect(estimateEtaMs(500, unlimited, { requests: 1000, elapsedMs: 10_000 })).toBe(5_000);
    expect(estimateEtaMs(500, unlimited, { requests: 0, elapsedMs: 0 })).toBeUndefined();
    expect(estimateEtaMs(500, undefined, { requests: 0, elapsedMs: 10 })).toBeUndefined();
  });

  it('follows an adaptive budget lowered after 429s', () => {
    expect(estimateEtaMs(360, { requests: 90, windowMs: 60_000 }, { requests: 900, elapsedMs: 300_000 })).toBe(240_000);
  });
});

describe('progressEvents', () => {
  const snapshotAt = (ms: number): ProgressSnapshot => ({
    elapsedMs: ms,
    resources: {},
    requests: { ok: 0, retried: 0, rateLimited: 0, failed: 0, total: 0 },
    rowsByTable: {},
    commits: 0,
  });

  it('sends the first change at once, the last change of each 250 ms at its end, and a heartbeat each second', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const changes = hot('a 99ms b 99ms c 399ms d');
      const events = progressEvents(changes, () => snapshotAt(testScheduler.now()));
      const at = (ms: number) => ({ kind: 'progress', snapshot: snapshotAt(ms) });
      expectObservable(events, '^ 2499ms !').toBe('v 249ms w 349ms x 399ms y 999ms z', { v: at(0), w: at(250), x: at(600), y: at(1000), z: at(2000) });
    });
  });

  it('never sends two events within 250 ms, however often things change', () => {
    const testScheduler = scheduler();
    const times: number[] = [];
    testScheduler.run(({ cold, flush }) => {
      const changes = cold(Array.from({ length: 100 }, () => 'a 9ms').join(' '));
      const subscription = progressEvents(changes, () => snapshotAt(testScheduler.now())).subscribe((e) => times.push(e.snapshot.elapsedMs));
      cold('1100ms x').subscribe(() => subscription.unsubscribe());
      flush();
    });
    expect(times).toEqual([0, 250, 500, 750, 1000]);
  });

  it('sends nothing after unsubscribe', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const changes = hot('a 500ms b');
      expectObservable(progressEvents(changes, () => snapshotAt(testScheduler.now())), '^ 100ms !').toBe('a', { a: { kind: 'progress', snapshot: snapshotAt(0) } });
    });
  });

  it('errors when the snapshot throws', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const boom = new Error('boom');
      const events = progressEvents(hot('a'), () => {
        throw boom;
      });
      expectObservable(events).toBe('#', undefined, boom);
    });
  });
});
