import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, PipelineError } from '../../src/errors.js';
import type { RunTrace } from '../../src/pipeline/progress.js';
import { readTrace, saveTrace, traceFile } from '../../src/pipeline/trace-store.js';

const trace = (over: Partial<RunTrace> = {}): RunTrace => ({
  pipelineName: 'tasks',
  loadId: '1732398000.123456',
  destinationName: 'duckdb',
  datasetName: 'notion_data',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  status: 'completed',
  steps: [{ name: 'extract', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', ms: 60_000 }],
  requests: { total: 3, byEndpoint: { 'GET /v1/users': 3 }, byStatus: { '200': 2, '429': 1 }, retriesByClass: { '429': 1 }, rateLimitWaits: 1, rateLimitWaitMs: 1000 },
  rowCounts: { users: 2 },
  commits: 1,
  ...over,
});

describe('trace store', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'nf-trace-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('keeps the trace at .notionflow/pipelines/<name>/trace.json', () => {
    expect(traceFile('tasks', cwd)).toBe(join(cwd, '.notionflow', 'pipelines', 'tasks', 'trace.json'));
    expect(traceFile('tasks')).toBe(join(process.cwd(), '.notionflow', 'pipelines', 'tasks', 'trace.json'));
  });

  it('reads back what it saved, and the last save replaces the one before whole', () => {
    saveTrace(trace(), cwd);
    expect(readTrace('tasks', cwd)).toEqual(trace());
    saveTrace(trace({ status: 'failed', error: 'Error: boom' }), cwd);
    expect(readTrace('tasks', cwd)).toEqual(trace({ status: 'failed', error: 'Error: boom' }));
    expect(readdirSync(join(cwd, '.notionflow', 'pipelines', 'tasks'))).toEqual(['trace.json']);
  });

  it('reads nothing, and creates nothing, for a pipeline without a trace', () => {
    expect(readTrace('tasks', cwd)).toBeUndefined();
    expect(existsSync(join(cwd, '.notionflow'))).toBe(false);
  });

  it('refuses a name that could leave the folder', () => {
    for (const name of ['..', '../x', 'a/b', 'Tasks', '']) expect(() => traceFile(name, cwd)).toThrow(ConfigError);
  });

  it('says which file is not a trace', () => {
    mkdirSync(join(cwd, '.notionflow', 'pipelines', 'tasks'), { recursive: true });
    writeFileSync(traceFile('tasks', cwd), '{"half":');
    expect(() => readTrace('tasks', cwd)).toThrow(PipelineError);
    expect(() => readTrace('tasks', cwd)).toThrow(traceFile('tasks', cwd));
  });
});
