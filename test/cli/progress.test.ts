import { describe, expect, it } from '@jest/globals';
import { defaultProgressMode, progressRenderer } from '../../src/cli/progress.js';
import { ConfigError } from '../../src/errors.js';
import type { ProgressEvent, ProgressSnapshot } from '../../src/pipeline/progress.js';

/** A stream that keeps what is written, as a terminal of `columns` columns (or a file without). */
function capture(columns?: number): NodeJS.WritableStream & { readonly text: () => string; readonly writes: string[] } {
  const writes: string[] = [];
  return Object.assign({ write: (chunk: string) => (writes.push(chunk), true), writes, text: () => writes.join('') }, columns === undefined ? {} : { columns }) as never;
}

const START = Date.UTC(2026, 0, 1);

/** The snapshot of a run `s` seconds in: 7 requests and 10 block rows a second. */
function snapshotAt(s: number, over: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    elapsedMs: s * 1000,
    resources: { pages: { done: s, known: 100 }, rows: { done: 3 * s }, blocks: { done: 10 * s } },
    requests: { ok: 7 * s - 1, retried: 1, rateLimited: 1, failed: 0, total: 7 * s },
    rowsByTable: { blocks: 10 * s, pages: s },
    commits: Math.floor(s / 10),
    ...over,
  };
}

const progress = (snapshot: ProgressSnapshot): ProgressEvent => ({ kind: 'progress', snapshot });

describe('defaultProgressMode', () => {
  const terminal = { isTTY: true } as NodeJS.WriteStream;
  const file = { isTTY: false } as NodeJS.WriteStream;

  it('draws a live view on a terminal, and log lines elsewhere or in CI', () => {
    expect(defaultProgressMode(terminal, {})).toBe('tty');
    expect(defaultProgressMode(file, {})).toBe('log');
    expect(defaultProgressMode(terminal, { CI: 'true' })).toBe('log');
    expect(defaultProgressMode(terminal, { CI: '1' })).toBe('log');
    expect(defaultProgressMode(terminal, { CI: 'false' })).toBe('tty');
    expect(defaultProgressMode(terminal, { CI: '' })).toBe('tty');
  });
});

describe('progressRenderer, log mode', () => {
  it('prints one line per period of the run (events every second), with requests and rows, and a last line at done', () => {
    const stream = capture();
    const renderer = progressRenderer('log', { stream, now: () => START });
    for (let s = 0; s <= 25; s++) renderer.onProgress(progress(snapshotAt(s)));
    renderer.onProgress({ kind: 'done', snapshot: snapshotAt(26) });
    const lines = stream.text().trimEnd().split('\n');
    expect(lines).toEqual([
      'progress 10s | pages 10/100, rows 30, blocks 100 | requests 70 (ok 69, retried 1, 429 1, failed 0) | rows blocks 100, pages 10 | commits 1',
      'progress 20s | pages 20/100, rows 60, blocks 200 | requests 140 (ok 139, retried 1, 429 1, failed 0) | rows blocks 200, pages 20 | commits 2',
      'done 26s | pages 26/100, rows 78, blocks 260 | requests 182 (ok 181, retried 1, 429 1, failed 0) | rows blocks 260, pages 26 | commits 2',
    ]);
    expect(stream.text()).not.toContain('\u001b');
  });

  it('keeps its period when events come late (a line for each period that saw an event)', () => {
    const stream = capture();
    const renderer = progressRenderer('log', { stream, intervalMs: 5000 });
    for (const s of [0, 4, 6, 9.9, 10.3, 21]) renderer.onProgress(progress(snapshotAt(s)));
    expect(stream.writes.map((line) => line.split(' | ')[0])).toEqual(['progress 6s', 'progress 10s', 'progress 21s']);
  });

  it('shows the wait with its countdown, and the ETA', () => {
    const stream = capture();
    const renderer = progressRenderer('log', { stream, now: () => START + 10_000 });
    renderer.onProgress(progress(snapshotAt(10, { wait: { reason: 'retry-after', untilMs: START + 40_000 }, etaMs: 250_000 })));
    expect(stream.text()).toContain(' | waiting 30s (Retry-After) | ');
    expect(stream.text()).toMatch(/ \| ETA 4m10s\n$/);
  });

  it('prints nothing after stop, nor in none mode', () => {
    const stream = capture();
    const renderer = progressRenderer('log', { stream });
    renderer.stop();
    renderer.onProgress({ kind: 'done', snapshot: snapshotAt(30) });
    const none = progressRenderer('none', { stream });
    none.onProgress({ kind: 'done', snapshot: snapshotAt(30) });
    none.stop();
    expect(stream.writes).toEqual([]);
  });

  it('checks its options', () => {
    expect(() => progressRenderer('log', { stream: capture(), intervalMs: 0 })).toThrow(ConfigError);
    expect(() => progressRenderer('fancy' as 'log', { stream: capture() })).toThrow(ConfigError);
  });
});

describe('progressRenderer, tty mode', () => {
  it('draws the view, then redraws it in place: cursor up over the last view, clear to the end of the screen', () => {
    const stream = capture(120);
    let now = START;
    const renderer = progressRenderer('tty', { stream, now: () => now });
    renderer.onProgress(progress(snapshotAt(1)));
    now = START + 2000;
    renderer.onProgress(progress(snapshotAt(2, { wait: { reason: 'budget', untilMs: START + 45_000 }, etaMs: 61_000 })));
    renderer.onProgress({ kind: 'done', snapshot: snapshotAt(3) });
    const [first, second, done] = stream.writes;
    expect(first).not.toContain('\u001b[');
    const firstLines = first!.split('\n').length - 1;
    expect(second!.startsWith(`\u001b[${firstLines}A\r\u001b[J`)).toBe(true);
    const secondLines = second!.split('\n').length - 1;
    expect(done!.startsWith(`\u001b[${secondLines}A\r\u001b[J`)).toBe(true);
    expect(first).toBe(
      [
        'notionflow: loading, 1s elapsed',
        '  pages      1/100',
        '  rows       3',
        '  blocks     10',
        '  requests   7 (ok 6, retried 1, 429 1, failed 0)',
        '  commits    0',
        '  rows written, by table:',
        '    blocks         10',
        '    pages           1',
        '',
      ].join('\n'),
    );
    expect(second).toContain('notionflow: loading, 2s elapsed, ETA 1m01s\n');
    expect(second).toContain('\n  waiting 43s (request budget)\n');
    expect(done).toContain('notionflow: done in 3s\n');
  });

  it('shows the 8 largest tables, then how many more', () => {
    const stream = capture(120);
    const renderer = progressRenderer('tty', { stream });
    const rowsByTable = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`table_${String(i).padStart(2, '0')}`, (i + 1) * 100]));
    renderer.onProgress(progress(snapshotAt(1, { rowsByTable })));
    const text = stream.text();
    expect(text).toContain('    table_10      1,100\n');
    expect(text).toContain('    table_03        400\n');
    expect(text).not.toContain('table_02');
    expect(text).toContain('    3 more          600\n');
  });

  it('lists root tables before child tables, however many rows these have', () => {
    const stream = capture(120);
    const renderer = progressRenderer('tty', { stream });
    renderer.onProgress(progress(snapshotAt(1, { rowsByTable: { pages__properties__tags: 900, pages: 10, users: 3 } })));
    expect(stream.text()).toMatch(/ {4}pages +10\n {4}users +3\n {4}pages__properties__tags +900\n/);
  });

  it('cuts lines to the terminal width, so that none wraps and the redraw stays exact', () => {
    const stream = capture(20);
    const renderer = progressRenderer('tty', { stream });
    renderer.onProgress(progress(snapshotAt(1, { rowsByTable: { a_table_with_a_very_long_name: 5 } })));
    for (const line of stream.text().split('\n')) expect(line.length).toBeLessThan(20);
  });
});
