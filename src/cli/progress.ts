import { ConfigError } from '../errors.js';
import type { ProgressEvent, ProgressSnapshot } from '../pipeline/progress.js';

/** How `notionflow run` shows progress: `tty` a live view redrawn in place, `log` one line per period, `none` nothing. */
export type ProgressMode = 'tty' | 'log' | 'none';

/** Options of {@link progressRenderer}. */
export interface ProgressRendererOptions {
  /** Where to draw (the CLI: stderr, so that stdout keeps the load info). */
  readonly stream: NodeJS.WritableStream;
  /** `log` mode: one line per this many milliseconds of the run. Default `10_000` (dlt's `log` progress). */
  readonly intervalMs?: number;
  /** The clock countdowns are read from (epoch milliseconds). Default `Date.now`. */
  readonly now?: () => number;
}

/** A renderer: give `onProgress` to `Pipeline.run`; `stop` ignores later events. */
export interface ProgressRenderer {
  readonly onProgress: (event: ProgressEvent) => void;
  stop(): void;
}

/** Tables listed by name in the view; the others are summed up in one line. */
const TOP_TABLES = 8;
/** A wait shorter than this is the steady pacing of requests, not worth a countdown. */
const MIN_SHOWN_WAIT_MS = 1000;
const ESC = '\u001b[';

/**
 * The mode a stream calls for: `tty` on a terminal, `log` when output goes to a file or pipe or the
 * `CI` variable is set (CI logs keep every byte: a redrawn view would be noise there).
 *
 * @example
 * ```ts
 * const renderer = progressRenderer(defaultProgressMode(process.stderr), { stream: process.stderr });
 * ```
 */
export function defaultProgressMode(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  const ci = env['CI'];
  const inCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return stream.isTTY === true && !inCi ? 'tty' : 'log';
}

/**
 * Draws a run's progress events on `stream`.
 *
 * - `tty`: a view of several lines, redrawn in place on every event (cursor up over the last view,
 *   clear to the end of the screen, draw): pages, rows, blocks and comments done / known, requests
 *   (ok, retried, 429, failed), the current wait with its countdown, rows per table (the 8 largest,
 *   root tables before child tables, then "n more"), commits, elapsed time and ETA. Lines are cut to the terminal's width so that
 *   none wraps and the redraw stays exact.
 * - `log`: the same figures as one line each `intervalMs` of the run (the first line after one
 *   period, like dlt's `log` progress), and a last line at `done`.
 * - `none`: nothing.
 *
 * Written by hand with two ANSI sequences rather than with listr2, whose model is a list of tasks
 * with states and spinners (timers of its own): progress here is a stream of snapshots, and the
 * renderer only draws the ones it is given, so it has no timer and is tested with a fake stream.
 *
 * @example
 * ```ts
 * const renderer = progressRenderer('log', { stream: process.stderr });
 * try {
 *   await p.run(source, { onProgress: renderer.onProgress });
 * } finally {
 *   renderer.stop();
 * }
 * ```
 */
export function progressRenderer(mode: ProgressMode, options: ProgressRendererOptions): ProgressRenderer {
  const intervalMs = options.intervalMs ?? 10_000;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new ConfigError(`intervalMs must be a positive number of milliseconds, got ${String(intervalMs)}.`);
  const now = options.now ?? Date.now;
  const { stream } = options;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  switch (mode) {
    case 'none':
      return { onProgress: () => undefined, stop };
    case 'log': {
      let period = 0;
      return {
        onProgress: (event) => {
          if (stopped) return;
          const current = Math.floor(event.snapshot.elapsedMs / intervalMs);
          if (event.kind === 'progress' && current <= period) return;
          period = current;
          stream.write(`${logLine(event, now())}\n`);
        },
        stop,
      };
    }
    case 'tty': {
      let drawn = 0;
      return {
        onProgress: (event) => {
          if (stopped) return;
          const width = (stream as { columns?: number }).columns;
          const lines = viewLines(event, now()).map((line) => (width !== undefined && width > 1 && line.length >= width ? line.slice(0, width - 1) : line));
          // Up over the previous view, then clear to the end of the screen, in the same write as the new view.
          stream.write(`${drawn > 0 ? `${ESC}${drawn}A\r${ESC}J` : ''}${lines.join('\n')}\n`);
          drawn = lines.length;
        },
        stop,
      };
    }
    default:
      throw new ConfigError(`Unknown progress mode "${String(mode)}": use tty, log or none.`);
  }
}

/** The `log` mode line of an event. */
function logLine(event: ProgressEvent, nowMs: number): string {
  const s = event.snapshot;
  const parts = [`${event.kind === 'done' ? 'done' : 'progress'} ${duration(s.elapsedMs)}`];
  const resources = Object.entries(s.resources).map(([name, r]) => `${name} ${ofKnown(r)}`);
  if (resources.length > 0) parts.push(resources.join(', '));
  parts.push(`requests ${requestFigures(s)}`);
  const wait = event.kind === 'progress' ? waitText(s, nowMs) : undefined;
  if (wait !== undefined) parts.push(wait);
  const tables = topTables(s);
  if (tables.length > 0) parts.push(`rows ${tables.map(([table, n]) => `${table} ${count(n)}`).join(', ')}`);
  parts.push(`commits ${count(s.commits)}`);
  if (s.etaMs !== undefined && event.kind === 'progress') parts.push(`ETA ${duration(s.etaMs)}`);
  return parts.join(' | ');
}

/** The `tty` mode view of an event, one string per line. */
function viewLines(event: ProgressEvent, nowMs: number): string[] {
  const s = event.snapshot;
  const head = event.kind === 'done' ? `done in ${duration(s.elapsedMs)}` : `loading, ${duration(s.elapsedMs)} elapsed${s.etaMs === undefined ? '' : `, ETA ${duration(s.etaMs)}`}`;
  const lines = [`notionflow: ${head}`];
  for (const [name, r] of Object.entries(s.resources)) lines.push(`  ${name.padEnd(10)} ${ofKnown(r)}`);
  lines.push(`  ${'requests'.padEnd(10)} ${requestFigures(s)}`);
  const wait = event.kind === 'progress' ? waitText(s, nowMs) : undefined;
  if (wait !== undefined) lines.push(`  ${wait}`);
  const tables = topTables(s);
  lines.push(`  ${'commits'.padEnd(10)} ${count(s.commits)}`);
  if (tables.length > 0) {
    lines.push('  rows written, by table:');
    const width = Math.max(...tables.map(([table]) => table.length));
    for (const [table, n] of tables) lines.push(`    ${table.padEnd(width)} ${count(n).padStart(10)}`);
  }
  return lines;
}

function requestFigures(s: ProgressSnapshot): string {
  const r = s.requests;
  return `${count(r.total)} (ok ${count(r.ok)}, retried ${count(r.retried)}, 429 ${count(r.rateLimited)}, failed ${count(r.failed)})`;
}

function waitText(s: ProgressSnapshot, nowMs: number): string | undefined {
  if (s.wait === undefined) return undefined;
  const left = s.wait.untilMs - nowMs;
  if (left < MIN_SHOWN_WAIT_MS) return undefined;
  return `waiting ${Math.ceil(left / 1000)}s (${s.wait.reason === 'retry-after' ? 'Retry-After' : 'request budget'})`;
}

/** Root tables before child tables (`pages__properties__…`), the largest first, then one `n more` entry summing the rest. */
function topTables(s: ProgressSnapshot): [string, number][] {
  const child = (table: string): number => (table.includes('__') ? 1 : 0);
  const tables = Object.entries(s.rowsByTable).sort(([a, x], [b, y]) => child(a) - child(b) || y - x || (a < b ? -1 : 1));
  if (tables.length <= TOP_TABLES) return tables;
  const rest = tables.slice(TOP_TABLES);
  return [...tables.slice(0, TOP_TABLES), [`${rest.length} more`, rest.reduce((sum, [, n]) => sum + n, 0)]];
}

function ofKnown(r: { readonly done: number; readonly known?: number }): string {
  return r.known === undefined ? count(r.done) : `${count(r.done)}/${count(r.known)}`;
}

const numbers = new Intl.NumberFormat('en-US');

function count(n: number): string {
  return numbers.format(n);
}

/** `<1s`, `42s`, `4m05s`, `2h07m`. */
function duration(ms: number): string {
  if (ms < 1000) return '<1s';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
