import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { progressRenderer } from '../../src/cli/progress.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import type { ProgressEvent } from '../../src/pipeline/progress.js';
import { readTrace, traceFile } from '../../src/pipeline/trace-store.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';

/** The server's budget, and the client's to match: 30 requests a second. */
const BUDGET = { requests: 30, windowMs: 1000 };
const FAST_RETRY = { baseMs: 5, maxMs: 50 };

describe('progress and trace of a load at a rate-limited server', () => {
  let server: NotionServer;
  let cwd: string;
  beforeAll(async () => {
    server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 4 }, rateLimit: BUDGET, faults: { rate: 0.05, seed: 4 }, token: 'progress-e2e-secret-token' });
    cwd = mkdtempSync(join(tmpdir(), 'nf-progress-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('reports growing requests and rows while it loads, then saves the trace of the run', async () => {
    const p = pipeline({ pipelineName: 'progress_e2e', destination: duckdb({ path: join(cwd, 'progress.duckdb') }), datasetName: 'notion_data', cwd });
    const events: ProgressEvent[] = [];
    // Units of 10 pages: pages are done unit by unit, and the ETA is known after the first.
    const source = notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: BUDGET, retry: FAST_RETRY, checkpointPages: 10 });
    // The CLI's log renderer, one line a second, as it would print at Notion's rate every 10 s.
    const lines: string[] = [];
    const log = progressRenderer('log', { stream: { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream, intervalMs: 1000 });
    const info = await p.run(source, {
      onProgress: (e) => {
        events.push(e);
        log.onProgress(e);
      },
    });
    log.stop();

    // Progress events, then one done.
    expect(events.filter((e) => e.kind === 'done')).toHaveLength(1);
    expect(events.at(-1)!.kind).toBe('done');
    const progress = events.filter((e) => e.kind === 'progress').map((e) => e.snapshot);
    expect(progress.length).toBeGreaterThan(3);
    const rows = (s: { rowsByTable: Readonly<Record<string, number>> }) => Object.values(s.rowsByTable).reduce((a, b) => a + b, 0);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.requests.total).toBeGreaterThanOrEqual(progress[i - 1]!.requests.total);
      expect(rows(progress[i]!)).toBeGreaterThanOrEqual(rows(progress[i - 1]!));
      // At most one event per 250 ms (a millisecond of slack between the timer's clock and Date.now).
      expect(progress[i]!.elapsedMs - progress[i - 1]!.elapsedMs).toBeGreaterThanOrEqual(249);
    }
    expect(progress.at(-1)!.requests.total).toBeGreaterThan(progress[0]!.requests.total);
    expect(rows(progress.at(-1)!)).toBeGreaterThan(rows(progress[0]!));
    // The budget makes requests wait for its window, and the view shows that wait.
    expect(progress.some((s) => s.wait?.reason === 'budget')).toBe(true);
    // An ETA once the listings are done and a page is, and never before the pages are all listed.
    expect(progress.some((s) => s.etaMs !== undefined && s.etaMs > 0)).toBe(true);
    for (const s of progress) if (s.etaMs !== undefined) expect(s.resources['pages']!.known).toBeDefined();
    expect(progress.some((s) => s.resources['pages']!.done > 0 && s.resources['pages']!.done < s.resources['pages']!.known!)).toBe(true);

    const done = events.at(-1)!.snapshot;
    // A line for every second of the run (the heartbeat keeps events coming), each with requests and rows.
    expect(lines.length).toBeGreaterThanOrEqual(Math.floor(done.elapsedMs / 1000));
    for (const line of lines) expect(line).toMatch(/^(progress|done) .* \| requests \d+ \(ok \d+, retried \d+, 429 \d+, failed \d+\) \| /);
    expect(lines.filter((line) => / \| rows \w+ [\d,]+/.test(line)).length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatch(/^done /);
    expect(done.resources['pages']).toEqual({ done: done.resources['pages']!.known, known: expect.any(Number) });
    expect(done.resources['blocks']!.done).toBe(info.rowCounts['blocks']);
    expect(done.rowsByTable).toEqual(info.rowCounts);
    expect(done.requests.total).toBe(server.stats.total);
    expect(done.commits).toBe(info.commits);

    // The trace: returned, saved, and what the server saw.
    const trace = info.trace;
    expect(readTrace('progress_e2e', cwd)).toEqual(trace);
    expect(trace).toMatchObject({ pipelineName: 'progress_e2e', loadId: info.loadId, destinationName: 'duckdb', datasetName: 'notion_data', status: 'completed', commits: info.commits });
    expect(trace.error).toBeUndefined();
    expect(trace.rowCounts).toEqual(info.rowCounts);
    expect(trace.requests.byEndpoint).toEqual(server.stats.byEndpoint);
    expect(trace.requests.total).toBe(server.stats.total);
    expect(Object.keys(trace.requests.byEndpoint)).toEqual(expect.arrayContaining(['POST /v1/search', 'GET /v1/blocks/:id/children', 'POST /v1/data_sources/:id/query', 'GET /v1/comments']));
    // Statuses as the server answered them, but for the 200s cut short by a fault (no status reached the client).
    const { '200': ok, ...others } = trace.requests.byStatus;
    const { '200': serverOk, ...serverOthers } = server.stats.byStatus;
    expect(others).toEqual(serverOthers);
    expect(ok).toBeLessThanOrEqual(serverOk!);
    expect(server.stats.faultsInjected).toBeGreaterThan(0);
    expect(Object.values(trace.requests.retriesByClass).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(trace.requests.rateLimitWaits).toBe(trace.requests.retriesByClass['429'] ?? 0);
    expect(trace.steps.map((s) => s.name)).toEqual(['open', 'extract', ...Array.from({ length: info.commits }, () => 'commit')]);
    for (const step of trace.steps) {
      expect(step.ms).toBe(Date.parse(step.finishedAt) - Date.parse(step.startedAt));
      expect(Date.parse(step.startedAt)).toBeGreaterThanOrEqual(Date.parse(trace.startedAt));
      expect(Date.parse(step.finishedAt)).toBeLessThanOrEqual(Date.parse(trace.finishedAt));
    }
    expect(readFileSync(traceFile('progress_e2e', cwd), 'utf8')).not.toContain(server.token);
  });

  it('saves a failed trace when the run fails (a bad token), without the token, and still sends done', async () => {
    const badToken = 'ntn_wrongtoken0123456789abcdef';
    const p = pipeline({ pipelineName: 'progress_failed', destination: duckdb({ path: join(cwd, 'failed.duckdb') }), datasetName: 'notion_data', cwd });
    const events: ProgressEvent[] = [];
    await expect(p.run(notionSource({ apiKey: badToken, baseUrl: server.url, rateLimit: BUDGET, retry: FAST_RETRY }), { onProgress: (e) => events.push(e) })).rejects.toMatchObject({ status: 401 });
    const trace = readTrace('progress_failed', cwd)!;
    expect(trace).toMatchObject({ pipelineName: 'progress_failed', status: 'failed', destinationName: 'duckdb' });
    expect(trace.loadId).not.toBe('');
    expect(trace.error).toMatch(/^NotionApiError: Notion API 401 unauthorized on /);
    expect(trace.error).not.toContain('\n');
    expect(trace.requests.byStatus['401']).toBeGreaterThan(0);
    expect(trace.steps.map((s) => s.name)).toEqual(['open', 'extract']);
    const text = readFileSync(traceFile('progress_failed', cwd), 'utf8');
    expect(text).not.toContain(badToken);
    expect(text).not.toContain(server.token);
    expect(events.at(-1)!.kind).toBe('done');
  });

  it('still loads when the trace cannot be saved, and says so', async () => {
    const notADirectory = join(cwd, 'a-file');
    writeFileSync(notADirectory, '');
    const p = pipeline({ pipelineName: 'progress_unsaved', destination: duckdb({ path: join(cwd, 'unsaved.duckdb') }), datasetName: 'notion_data', cwd: notADirectory });
    const info = await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, retry: FAST_RETRY }));
    expect(info.trace.status).toBe('completed');
    expect(info.source.notes.some((n) => n.startsWith(`trace not saved to ${traceFile('progress_unsaved', notADirectory)}`))).toBe(true);
  });

  it('fails the run, rolled back, when onProgress throws', async () => {
    const p = pipeline({ pipelineName: 'progress_throws', destination: duckdb({ path: join(cwd, 'throws.duckdb') }), datasetName: 'notion_data', cwd });
    const boom = new Error('renderer broke');
    await expect(
      p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, retry: FAST_RETRY }), {
        onProgress: (e) => {
          if (e.kind === 'progress') throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(readTrace('progress_throws', cwd)).toMatchObject({ status: 'failed', error: 'Error: renderer broke', commits: 0 });
  });
});
