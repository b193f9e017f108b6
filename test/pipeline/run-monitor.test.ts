import { describe, expect, it } from '@jest/globals';
import { EMPTY, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { ClientStats } from '../../src/client/notion-client.js';
import { RunMonitor } from '../../src/pipeline/run-monitor.js';
import type { Source, SourceProgress } from '../../src/resources/resource.js';

const TOKEN = 'ntn_monitorsecret0123456789';

/** A clock the test moves by hand (the monitor only reads it; its timers are not used here). */
function manualClock(start: number): SchedulerLike & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, schedule: asyncScheduler.schedule.bind(asyncScheduler), advance: (ms) => void (now += ms) };
}

function fakeSource(progress: SourceProgress | undefined): Source {
  return {
    name: 'fake',
    resources: [],
    extract: () => EMPTY,
    report: () => ({ unreachable: [], notes: [], requests: {}, ...(progress ? { progress } : {}) }),
    redact: (text) => text.replaceAll(TOKEN, '[redacted]'),
    close: async () => undefined,
  };
}

const requests: ClientStats = {
  requests: 12,
  retries: 2,
  rateLimited: 1,
  transportErrors: 1,
  byStatus: { 200: 10, 429: 1 },
  ok: 10,
  failed: 0,
  byEndpoint: { 'GET /v1/users': 2, 'GET /v1/blocks/:id/children': 10 },
  retriesByClass: { '429': 1, reset: 1 },
  rateLimitWaits: 1,
  rateLimitWaitMs: 1500,
};

describe('RunMonitor', () => {
  it('times its steps, counts rows and commits, and takes request figures from the source', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const monitor = new RunMonitor({ pipelineName: 'p', destinationName: 'duckdb', datasetName: 'd', source: fakeSource({ resources: { pages: { done: 3 } }, requests }), scheduler: clock });
    await monitor.step('open', async () => clock.advance(100));
    monitor.loadId = 'load-1';
    await monitor.step('extract', async () => {
      clock.advance(1000);
      monitor.wrote('pages', 3);
      monitor.wrote('pages', 2);
      await monitor.step('commit', async () => clock.advance(50));
      monitor.committed();
    });
    expect(monitor.snapshot()).toMatchObject({ elapsedMs: 1150, rowsByTable: { pages: 5 }, commits: 1, resources: { pages: { done: 3 } }, requests: { total: 12, ok: 10, retried: 2, rateLimited: 1 } });
    expect(monitor.trace('completed')).toEqual({
      pipelineName: 'p',
      loadId: 'load-1',
      destinationName: 'duckdb',
      datasetName: 'd',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.150Z',
      status: 'completed',
      steps: [
        { name: 'open', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:00.100Z', ms: 100 },
        { name: 'extract', startedAt: '2026-01-01T00:00:00.100Z', finishedAt: '2026-01-01T00:00:01.150Z', ms: 1050 },
        { name: 'commit', startedAt: '2026-01-01T00:00:01.100Z', finishedAt: '2026-01-01T00:00:01.150Z', ms: 50 },
      ],
      requests: {
        total: 12,
        byEndpoint: { 'GET /v1/users': 2, 'GET /v1/blocks/:id/children': 10 },
        byStatus: { '200': 10, '429': 1 },
        retriesByClass: { '429': 1, reset: 1 },
        rateLimitWaits: 1,
        rateLimitWaitMs: 1500,
      },
      rowCounts: { pages: 5 },
      commits: 1,
    });
  });

  it('closes a step that failed, and keeps the error as one line without secrets', async () => {
    const clock = manualClock(0);
    const monitor = new RunMonitor({ pipelineName: 'p', destinationName: 'duckdb', datasetName: 'd', source: fakeSource(undefined), scheduler: clock });
    const failure = new Error(`token ${TOKEN} refused by postgres://u:pw@host\n    at somewhere`);
    await expect(
      monitor.step('open', async () => {
        clock.advance(7);
        throw failure;
      }),
    ).rejects.toBe(failure);
    const trace = monitor.trace('failed', failure);
    expect(trace).toMatchObject({ loadId: '', status: 'failed', error: 'Error: token [redacted] refused by postgres://u:***@host', steps: [{ name: 'open', ms: 7 }] });
    expect(trace.requests).toEqual({ total: 0, byEndpoint: {}, byStatus: {}, retriesByClass: {}, rateLimitWaits: 0, rateLimitWaitMs: 0 });
    expect(JSON.stringify(trace)).not.toContain(TOKEN);
  });
});
