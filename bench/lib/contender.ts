/**
 * What every contender process shares: its settings (from the environment and flags the suite runner
 * passes) and the one JSON line of figures it prints at the end.
 */
import { parseArgs } from 'node:util';
import { NOTION_VERSIONS, type NotionVersion } from '../../src/client/notion-client.js';

/** Settings of one contender run. */
export interface ContenderSettings {
  /** The local Notion server (`BENCH_NOTION_URL`). */
  readonly url: string;
  /** Its demo token (`BENCH_NOTION_TOKEN`: the environment, so it shows in no process list). */
  readonly token: string;
  readonly notionVersion: NotionVersion;
  /** Listings in flight at once (`--concurrency`, default 8: notionSource's default). */
  readonly concurrency: number;
  /** `--rate REQUESTS/WINDOW_MS`: the request budget to configure; `off` (default) or `default` (the client's own guess). */
  readonly rate: { readonly requests: number; readonly windowMs: number } | 'off' | 'default';
  /** `--page-content rendered|notion|none` (notionflow only; default rendered). */
  readonly pageContent: 'rendered' | 'notion' | 'none';
  /** `--comments pages|all|none` (notionflow only; default pages). */
  readonly comments: 'pages' | 'all' | 'none';
  /** `--no-blocks`: skip the block trees (notionflow only). */
  readonly blocks: boolean;
}

/** The figures a contender prints (one JSON line on stdout). */
export interface ContenderFigures {
  readonly contender: string;
  readonly wallMs: number;
  /** User + system CPU of this process (all its threads, DuckDB's included). */
  readonly cpuMs: number;
  readonly peakRssMb: number;
  /** Objects loaded: users, pages, data sources / databases, blocks, comments. */
  readonly objects: number;
  /** What the contender itself counted (requests sent, 429s, …). */
  readonly extra: Readonly<Record<string, number | string>>;
}

/** Read the settings; throws when the runner did not set the server's address. */
export function contenderSettings(): ContenderSettings {
  const { values } = parseArgs({
    options: { concurrency: { type: 'string' }, version: { type: 'string' }, rate: { type: 'string' }, 'page-content': { type: 'string' }, comments: { type: 'string' }, 'no-blocks': { type: 'boolean' } },
    strict: false,
  });
  const url = process.env['BENCH_NOTION_URL'];
  const token = process.env['BENCH_NOTION_TOKEN'];
  if (url === undefined || token === undefined) throw new Error('BENCH_NOTION_URL and BENCH_NOTION_TOKEN must be set (bench/run.ts sets them).');
  const rawRate = typeof values.rate === 'string' ? values.rate : 'off';
  let rate: ContenderSettings['rate'] = rawRate === 'default' ? 'default' : 'off';
  if (rawRate.includes('/')) {
    const [requests, windowMs] = rawRate.split('/').map(Number);
    rate = { requests: requests!, windowMs: windowMs! };
  }
  return {
    url,
    token,
    notionVersion: (NOTION_VERSIONS as readonly string[]).includes(String(values.version)) ? (values.version as NotionVersion) : '2025-09-03',
    concurrency: Number(values.concurrency ?? 8),
    rate,
    pageContent: values['page-content'] === 'notion' ? 'notion' : values['page-content'] === 'none' ? 'none' : 'rendered',
    comments: values.comments === 'none' ? 'none' : values.comments === 'all' ? 'all' : 'pages',
    blocks: values['no-blocks'] !== true,
  };
}

/** Print the figures of a run that started at `startMs` (`performance.now()`). */
export function reportFigures(contender: string, startMs: number, objects: number, extra: Record<string, number | string> = {}): void {
  const wallMs = performance.now() - startMs;
  const cpu = process.cpuUsage();
  const figures: ContenderFigures = {
    contender,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    objects,
    extra,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
