/**
 * The benchmark suite: `npm run bench` runs every benchmark and writes bench/RESULTS.md;
 * `npm run bench -- <name> [<name> …]` runs only those and writes bench/RESULTS-<names>.md; the sections of
 * default benchmarks among them also replace their sections in bench/RESULTS.md.
 *
 * Each contender runs in a process of its own (its peak RSS and CPU are its own), against the local
 * Notion server in another process (`bench/lib/notion-server-process.ts`), so the server's CPU and
 * memory are not billed to the contender. Figures are ratios taken side by side in the same run: this
 * 2-core machine is shared and noisy. Nothing here passes or fails on speed.
 *
 * Benchmarks: `bulk-medium`, `bulk-large`, `rate-limited`, `economy`, `transport`, `sinks`, `memory` (not in the
 * default run: see {@link BENCHMARKS}). Environment: `BENCH_LARGE_SCALE` (fraction of the `large`
 * preset for `bulk-large`, default 0.1), `BENCH_MEMORY_PAGES` (standalone pages of the `memory`
 * workspace, default 1,600 ≈ 200k blocks), `BENCH_UNCONFIGURED_PRESET` (workspace of
 * `rate-unconfigured`, default `tiny`), `BENCH_SINK_ROWS` (rows of each `sinks` run, default 1,000,000),
 * `BENCH_BASELINE_REV` (a revision whose sink paths `sinks` runs side by side with this tree's, e.g. `903a367`).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NOTION_VERSIONS, WORKSPACE_PRESETS, type WorkspaceOptions } from '../src/server/workspace.js';
import { startPostgres } from '../test/helpers/postgres-server.js';
import type { ContenderFigures } from './lib/contender.js';
import { startServerProcess, type ServerHandle } from './lib/server-handle.js';
import { median, type SinkRun } from './lib/sink-load.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const VERSION = '2025-09-03';

interface Section {
  readonly title: string;
  readonly lines: string[];
}

/** A contender run with what the server counted for it. */
interface Run extends ContenderFigures {
  readonly serverRequests: number;
  readonly byEndpoint: Readonly<Record<string, number>>;
  readonly served429: number;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

/** Run one contender against `server` (stats reset first); the contender's own JSON line plus the server's counts. */
async function runContender(server: ServerHandle, name: string, args: readonly string[] = []): Promise<Run> {
  await server.resetStats();
  log(`  ${name} ${args.join(' ')}`);
  const out = spawnSync(process.execPath, [join(HERE, 'contenders', `${name}.js`), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, BENCH_NOTION_URL: server.url, BENCH_NOTION_TOKEN: server.token },
  });
  if (out.status !== 0) throw new Error(`contender ${name} failed (${String(out.status ?? out.signal)}): ${out.stderr.slice(-2000)}`);
  const figures = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as ContenderFigures;
  const stats = await server.stats();
  log(`  ${name}: ${(figures.wallMs / 1000).toFixed(1)} s wall, ${(figures.cpuMs / 1000).toFixed(1)} s CPU, ${figures.peakRssMb.toFixed(0)} MB, ${stats.total} requests`);
  return { ...figures, serverRequests: stats.total, byEndpoint: stats.byEndpoint, served429: stats.rateLimited };
}

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A contender's runs summed up: the median of each figure, the server's counts from the run of median wall time. */
interface Summary extends Run {
  readonly walls: readonly number[];
}

function summarize(runs: readonly Run[]): Summary {
  const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const middle = byWall[Math.floor(byWall.length / 2)]!;
  return { ...middle, cpuMs: median(runs.map((r) => r.cpuMs)), peakRssMb: median(runs.map((r) => r.peakRssMb)), walls: runs.map((r) => r.wallMs) };
}

function bulkTable(runs: readonly Summary[]): string[] {
  const lines = ['| contender | wall s (median, range) | CPU s | peak RSS MB | objects | objects/s | requests (server) |', '|---|---|---|---|---|---|---|'];
  for (const r of runs) {
    const range = r.walls.length > 1 ? ` (${fmt(Math.min(...r.walls) / 1000)}–${fmt(Math.max(...r.walls) / 1000)})` : '';
    lines.push(`| ${r.contender} | ${fmt(r.wallMs / 1000)}${range} | ${fmt(r.cpuMs / 1000)} | ${int(r.peakRssMb)} | ${int(r.objects)} | ${int(r.objects / (r.wallMs / 1000))} | ${int(r.serverRequests)} |`);
  }
  const by = (name: string): Summary | undefined => runs.find((r) => r.contender === name);
  const nf = by('notionflow');
  const floor = by('floor');
  const naive = by('naive');
  lines.push('');
  if (nf && floor) {
    lines.push(`- notionflow / floor: wall ${fmt(nf.wallMs / floor.wallMs, 2)}×, CPU ${fmt(nf.cpuMs / floor.cpuMs, 2)}×, CPU per object ${fmt((nf.cpuMs / nf.objects) * 1000, 0)} µs vs ${fmt((floor.cpuMs / floor.objects) * 1000, 0)} µs (target: wall ≤ 1.3×)`);
  }
  if (nf && naive) lines.push(`- naive / notionflow: wall ${fmt(naive.wallMs / nf.wallMs, 2)}×, CPU ${fmt(naive.cpuMs / nf.cpuMs, 2)}× (target ≥ 10×)`);
  return lines;
}

/**
 * Load `workspace` with each contender `rounds` times, in rotated order (round r starts with the r-th
 * contender), against one server process; each figure is the median of a contender's runs.
 */
async function bulk(title: string, workspace: WorkspaceOptions, contenders: readonly string[], note: string, rounds = 3): Promise<Section> {
  log(`${title}: starting the server`);
  const server = await startServerProcess(['--json', JSON.stringify({ workspace })]);
  try {
    const counts = await server.counts();
    const minimal = await server.minimalRequests({ notionVersion: VERSION, comments: 'pages' });
    const runs: Run[][] = contenders.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (round + k) % contenders.length;
        runs[i]!.push(await runContender(server, contenders[i]!, ['--concurrency', '8', '--rate', 'off']));
      }
    }
    const summaries = runs.map(summarize);
    const lines = [
      note,
      '',
      `Workspace ${JSON.stringify(workspace)}: ${int(counts.users)} users, ${int(counts.pages)} pages (rows included), ${int(counts.blocks)} blocks, ${int(counts.comments)} comments (inline ones are not loaded: comments 'pages'); minimal requests ${int(minimal.total)}. No rate limit, no latency; concurrency 8; Notion-Version ${VERSION}. ${rounds === 1 ? 'One run per contender.' : `Each contender runs ${rounds} times, in rotated order (round r starts with the r-th contender); figures are medians (CPU and RSS: the median of each; objects and requests: the run of median wall time).`}`,
      '',
      ...bulkTable(summaries),
      ...economyLines(summaries, minimal.total),
    ];
    return { title, lines };
  } finally {
    await server.close();
  }
}

function economyLines(runs: readonly Run[], minimal: number): string[] {
  const lines = ['', `Request economy (minimal ${int(minimal)}):`];
  for (const r of runs) {
    const extra = r.serverRequests - minimal;
    lines.push(`- ${r.contender}: ${int(r.serverRequests)} requests (${extra === 0 ? 'the minimum exactly' : `${extra > 0 ? '+' : ''}${int(extra)}`}); by endpoint ${JSON.stringify(r.byEndpoint)}`);
  }
  return lines;
}

/** Sizes of the `large` preset scaled by `f` (pages and rows), so the suite fits its 15 minutes. */
function scaledLarge(f: number): WorkspaceOptions {
  const l = WORKSPACE_PRESETS.large;
  return { ...l, pages: Math.round(l.pages * f), rowsPerDatabase: Math.round(l.rowsPerDatabase * f), users: Math.max(10, Math.round(l.users * f)) };
}

async function rateLimited(): Promise<Section> {
  // Notion's documented budget is an average of 3 requests/s with bursts; the server enforces it as a
  // fixed window. Time runs 10× faster here (30 requests per 1 s window) so that a workspace of ~760
  // requests loads in under a minute; latency is Notion's typical 150 ms, unscaled.
  const rate = { requests: 30, windowMs: 1000 };
  const workspace = WORKSPACE_PRESETS.small;
  const server = await startServerProcess(['--json', JSON.stringify({ workspace }), '--latency', '150', '--rate', `${rate.requests}/${rate.windowMs}`]);
  const lines: string[] = [];
  try {
    const minimal = (await server.minimalRequests({ notionVersion: VERSION, comments: 'pages' })).total;
    const floorSeconds = minimal / (rate.requests / (rate.windowMs / 1000));
    // A fixed window admits `requests` at once, so the last window's requests need not wait for its end.
    const windowSeconds = ((Math.ceil(minimal / rate.requests) - 1) * rate.windowMs) / 1000 + 0.15;
    lines.push(
      `Server: small preset, 150 ms latency per request, fixed window of ${rate.requests} requests per ${rate.windowMs} ms (Notion's 3 requests/s, time scaled 10×). Minimal requests ${int(minimal)}: minimum possible wall ${fmt(floorSeconds)} s (requests ÷ rate; ${fmt(windowSeconds)} s if every window is spent in one burst).`,
      '',
      '| client and budget | wall s | wall / minimum | requests | 429s | 429 share | requests per object |',
      '|---|---|---|---|---|---|---|',
    );
    const budget = `${rate.requests}/${rate.windowMs}`;
    const rows = [
      [`notionflow, configured to match (${budget})`, 'notionflow', budget],
      ['notionflow, configured 2× too high (adaptive off)', 'notionflow', `${rate.requests * 2}/${rate.windowMs}`],
      [`naive (\`@notionhq/client\` with its retries, pool of 8, requests spaced to ${budget})`, 'naive', budget],
    ] as const;
    for (const [label, contender, arg] of rows) {
      const r = await runContender(server, contender, ['--rate', arg]);
      lines.push(`| ${label} | ${fmt(r.wallMs / 1000)} | ${fmt(r.wallMs / 1000 / floorSeconds, 2)}× | ${int(r.serverRequests)} | ${int(r.served429)} | ${fmt((100 * r.served429) / r.serverRequests, 2)}% | ${fmt(r.serverRequests / r.objects, 3)} |`);
    }
  } finally {
    await server.close();
  }
  lines.push(
    '',
    'Unconfigured (the client\'s own adaptive guess of 180 requests/60 s) cannot be time-scaled from outside notionSource (no scheduler option): it runs in real time, alone, with `npm run bench -- rate-unconfigured` (figures in bench/RESULTS-rate-unconfigured.md).',
  );
  return { title: 'Rate-limited with latency', lines };
}

async function rateUnconfigured(): Promise<Section> {
  // Real time: the server allows Notion's 3 requests/s as 90 per 30 s window; the client assumes 180 per 60 s in bursts.
  const preset = (process.env['BENCH_UNCONFIGURED_PRESET'] ?? 'tiny') as keyof typeof WORKSPACE_PRESETS;
  const workspace = WORKSPACE_PRESETS[preset];
  if (workspace === undefined) throw new Error(`BENCH_UNCONFIGURED_PRESET: no preset "${preset}"`);
  const server = await startServerProcess(['--json', JSON.stringify({ workspace }), '--latency', '150', '--rate', '90/30000']);
  try {
    const minimal = (await server.minimalRequests({ notionVersion: VERSION, comments: 'pages' })).total;
    const r = await runContender(server, 'notionflow', ['--rate', 'default']);
    return {
      title: 'Rate-limited, budget not configured',
      lines: [
        `Server: ${preset} preset, 150 ms latency, fixed window 90 requests / 30 s. Client: notionSource default (180/60 s, burst 180, adaptive). Minimal requests ${int(minimal)}, minimum possible ${fmt(minimal / 3)} s.`,
        '',
        `wall ${fmt(r.wallMs / 1000)} s (${fmt(r.wallMs / 1000 / (minimal / 3), 2)}× the minimum), requests ${int(r.serverRequests)}, 429s ${int(r.served429)} (${fmt((100 * r.served429) / r.serverRequests, 2)}%; target < 2%)`,
      ],
    };
  } finally {
    await server.close();
  }
}

async function versions(): Promise<Section> {
  // The same workspace under every API version: 2026-12-01 lists the property ids in filter_properties.
  const workspace = WORKSPACE_PRESETS.small;
  const server = await startServerProcess(['--json', JSON.stringify({ workspace })]);
  try {
    const lines = ['Server: `small` preset, no rate limit. Requests are the server\'s count for one full load; the minimum is `Workspace.minimalRequests` for that version.', '', '| Notion-Version | requests | minimum | rows written |', '|---|---|---|---|'];
    for (const version of NOTION_VERSIONS) {
      const minimal = (await server.minimalRequests({ notionVersion: version, comments: 'pages' })).total;
      const r = await runContender(server, 'notionflow', ['--rate', 'off', '--version', version]);
      lines.push(`| ${version} | ${int(r.serverRequests)} | ${int(minimal)} | ${int(Number(r.extra['rows'] ?? 0))} |`);
    }
    return { title: 'API versions: requests of a full load', lines };
  } finally {
    await server.close();
  }
}

async function pageContent(): Promise<Section> {
  // A content-heavy wiki at Notion's budget (time scaled 10×, as in rate-limited): every page's text
  // from the block crawl (blocks + rendered Markdown) or from Notion's Markdown endpoint without blocks.
  const rate = { requests: 30, windowMs: 1000 };
  const workspace = WORKSPACE_PRESETS.wiki;
  const server = await startServerProcess(['--json', JSON.stringify({ workspace }), '--latency', '150', '--rate', `${rate.requests}/${rate.windowMs}`]);
  try {
    const counts = await server.counts();
    const lines = [
      `Server: \`wiki\` preset ${JSON.stringify(workspace)} (${int(counts.pages)} pages, ${int(counts.blocks)} blocks), 150 ms latency, fixed window of ${rate.requests} requests per ${rate.windowMs} ms (Notion's 3 requests/s with time scaled 10×: multiply wall times by 10 for Notion itself). Comments off in both runs.`,
      '',
      '| mode | wall s (scaled) | wall at Notion\'s 3 req/s | requests | page_content rows | blocks rows |',
      '|---|---|---|---|---|---|',
    ];
    const runs: Run[] = [];
    for (const [label, args] of [['block crawl, Markdown rendered from blocks (default)', []], ['Notion Markdown endpoint, --no-blocks', ['--page-content', 'notion', '--no-blocks']]] as const) {
      const r = await runContender(server, 'notionflow', ['--rate', `${rate.requests}/${rate.windowMs}`, '--comments', 'none', ...args]);
      runs.push(r);
      lines.push(`| ${label} | ${fmt(r.wallMs / 1000)} | ${fmt((r.wallMs * 10) / 60_000)} min | ${int(r.serverRequests)} | ${int(Number(r.extra['pageContentRows'] ?? 0))} | ${int(Number(r.extra['blocks'] ?? 0))} |`);
    }
    const [crawl, endpoint] = runs;
    lines.push('', `- the Markdown endpoint makes ${fmt((100 * endpoint!.serverRequests) / crawl!.serverRequests)}% of the crawl's requests and takes ${fmt(endpoint!.wallMs / crawl!.wallMs, 2)}× its wall time; by endpoint: crawl ${JSON.stringify(crawl!.byEndpoint)}, endpoint ${JSON.stringify(endpoint!.byEndpoint)}`);
    return { title: 'Page content: Markdown endpoint vs block crawl', lines };
  } finally {
    await server.close();
  }
}

/** Run another bench script (they print a markdown table on stdout). */
function script(file: string, args: readonly string[]): string[] {
  const path = join(HERE, file);
  if (!existsSync(path)) return [`${file}: not built (missing).`];
  log(`  node ${file} ${args.join(' ')}`);
  const out = spawnSync(process.execPath, [path, ...args], { encoding: 'utf8', maxBuffer: 1 << 24, cwd: ROOT });
  if (out.status !== 0) return [`\`${file} ${args.join(' ')}\` failed: ${out.stderr.trim().split('\n').slice(-3).join(' / ')}`];
  return [`\`node dist/bench/${file} ${args.join(' ')}\``, '', ...out.stdout.trim().split('\n')];
}

/** One path of a sink script, as the `sinks` benchmark runs it. */
interface SinkPath {
  readonly sink: string;
  readonly script: 'duckdb-ingest.js' | 'postgres-copy.js' | 'filesystem-write.js';
  readonly path: string;
  readonly what: string;
}

const SINK_PATHS: readonly SinkPath[] = [
  { sink: 'DuckDB', script: 'duckdb-ingest.js', path: 'destination', what: 'destination, append table' },
  { sink: 'DuckDB', script: 'duckdb-ingest.js', path: 'destination-merge', what: 'destination, merge table keyed by `id`, first load (empty table)' },
  { sink: 'DuckDB', script: 'duckdb-ingest.js', path: 'destination-merge-update', what: 'destination, merge, second load of the same keys (every key matches: delete-insert)' },
  { sink: 'DuckDB', script: 'duckdb-ingest.js', path: 'chunk-copy', what: 'appender chunk copy straight into the table, no destination (control)' },
  { sink: 'PostgreSQL', script: 'postgres-copy.js', path: 'destination-binary', what: 'destination, append table, binary COPY' },
  { sink: 'PostgreSQL', script: 'postgres-copy.js', path: 'destination-merge', what: 'destination, merge table keyed by `id`, first load (empty table)' },
  { sink: 'PostgreSQL', script: 'postgres-copy.js', path: 'destination-merge-update', what: 'destination, merge, second load of the same keys (every key matches: delete-insert)' },
  { sink: 'PostgreSQL', script: 'postgres-copy.js', path: 'copy-direct', what: 'binary COPY straight into the table, no destination (control)' },
  { sink: 'Parquet files', script: 'filesystem-write.js', path: 'destination-parquet', what: 'filesystem destination (not on the SQL core: a control)' },
];

/** The files the sink scripts are built from: copied into a baseline tree, so both trees measure with the same code. */
const SINK_SCRIPT_FILES = ['bench/duckdb-ingest.ts', 'bench/postgres-copy.ts', 'bench/filesystem-write.ts', 'bench/lib/sink-load.ts', 'bench/fixtures/mixed-batches.ts'];

/** A checkout whose `dist/bench/` sink scripts run against its own destinations. */
interface Tree {
  readonly label: string;
  readonly root: string;
}

function git(args: readonly string[], cwd = ROOT): string {
  const out = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${out.stderr.trim()}`);
  return out.stdout.trim();
}

function currentTree(): Tree {
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'destinations', 'operators']) !== '';
  return { label: `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted changes' : ''}`, root: ROOT };
}

/**
 * Check `rev` out into a temporary worktree (node_modules linked to this tree's), copy this tree's sink
 * scripts in (they use only the public Destination interface, so they run against either tree's
 * destinations) and build it. `remove` deletes the worktree again.
 */
function baselineTree(rev: string): Tree & { readonly subject: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'notionflow-baseline-'));
  git(['worktree', 'add', '--detach', root, rev]);
  const remove = (): void => {
    git(['worktree', 'remove', '--force', root]);
  };
  try {
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(root, 'node_modules'));
    for (const file of SINK_SCRIPT_FILES) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(root, file));
    }
    log(`  building ${rev} in ${root}`);
    const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`building ${rev} failed: ${(built.stdout + built.stderr).trim().split('\n').slice(0, 5).join(' / ')}`);
    return { label: git(['rev-parse', '--short', rev]), subject: git(['log', '-1', '--format=%s', rev]), root, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** One run of one path in `tree` (a fresh child process of the script; PostgreSQL paths load into a new database on `postgresUrl`). */
function sinkRun(tree: Tree, p: SinkPath, rows: number, postgresUrl: string | undefined): SinkRun {
  const args = [join(tree.root, 'dist', 'bench', p.script), '--rows', String(rows), '--runs', '1', '--path', p.path, '--json', ...(postgresUrl ? ['--credentials', postgresUrl] : [])];
  const out = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, cwd: tree.root });
  if (out.status !== 0) throw new Error(`${p.script} --path ${p.path} in ${tree.root} failed: ${out.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const [run] = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as SinkRun[];
  log(`  ${p.sink} ${p.path} [${tree.label}]: ${fmt(rows / run!.seconds, 0)} rows/s`);
  return run!;
}

/**
 * The sink paths (DuckDB, PostgreSQL, Parquet) on the mixed 10-column input, each run 3 times, median
 * reported. With `BENCH_BASELINE_REV` set, the same paths of that revision run side by side: both trees
 * interleaved, in rotated order, and the table gives this tree / baseline per path.
 */
async function sinks(): Promise<Section> {
  const rows = Number(process.env['BENCH_SINK_ROWS'] ?? 1_000_000);
  const runs = 3;
  const rev = process.env['BENCH_BASELINE_REV'];
  const baseline = rev ? baselineTree(rev) : undefined;
  const trees: Tree[] = [currentTree(), ...(baseline ? [baseline] : [])];
  const postgres = await startPostgres().catch((error: unknown) => error as Error);
  try {
    const paths = SINK_PATHS.filter((p) => p.script !== 'postgres-copy.js' || !(postgres instanceof Error));
    const results = new Map<string, SinkRun[]>();
    const key = (tree: Tree, p: SinkPath): string => `${tree.root}|${p.script}|${p.path}`;
    for (let round = 0; round < runs; round++) {
      for (const [i, p] of paths.entries()) {
        const shift = (round + i) % trees.length;
        for (const tree of [...trees.slice(shift), ...trees.slice(0, shift)]) {
          const url = p.script === 'postgres-copy.js' && !(postgres instanceof Error) ? postgres.connectionString : undefined;
          results.set(key(tree, p), [...(results.get(key(tree, p)) ?? []), sinkRun(tree, p, rows, url)]);
        }
      }
    }
    const rate = (tree: Tree, p: SinkPath): { median: number; low: number; high: number; rss: number } => {
      const rs = results.get(key(tree, p))!;
      const perSecond = rs.map((r) => rows / r.seconds);
      return { median: median(perSecond), low: Math.min(...perSecond), high: Math.max(...perSecond), rss: median(rs.map((r) => r.peakRssMb)) };
    };
    const cell = (r: ReturnType<typeof rate>): string => `${int(r.median)} (${int(r.low)}–${int(r.high)})`;
    const [current] = trees;
    const lines = [
      `Input: ${int(rows)} rows × 10 mixed columns (short and ~200-char text, bigint, double, bool, timestamp, ~50% null text, uuid, json, date; the merge table adds a unique text \`id\` key) in Arrow batches of 50,000 (\`bench/fixtures/mixed-batches.ts\`); \`BENCH_SINK_ROWS\` sets the row count. Each run is a fresh process into a new DuckDB file, PostgreSQL database (one throwaway PostgreSQL 15, fsync off) or folder; time from opening the destination to the end of its commit (DuckDB: and \`CHECKPOINT\`); merge-update times only the second load. ${runs} runs per path${baseline ? ' and tree, the two trees interleaved in rotated order' : ''}; rows/s is the median (range in parentheses).`,
      '',
    ];
    if (postgres instanceof Error) lines.push(`PostgreSQL paths not run: ${postgres.message.split('\n')[0]}`, '');
    if (baseline) {
      lines.push(
        `Command: \`BENCH_BASELINE_REV=${rev} BENCH_SINK_ROWS=${rows} npm run bench -- sinks\`. After: this tree, ${current!.label}; before: ${baseline.label} ("${baseline.subject}"), checked out with \`git worktree add\`, this tree's sink scripts copied in (${SINK_SCRIPT_FILES.join(', ')}) and built with \`npx tsc -p tsconfig.build.json\`. The control paths use no destination code that the SQL core changed: their ratio shows the noise.`,
        '',
        '| sink | path | what | after rows/s | before rows/s | after / before |',
        '|---|---|---|---|---|---|',
      );
      for (const p of paths) {
        const a = rate(current!, p);
        const b = rate(baseline, p);
        lines.push(`| ${p.sink} | ${p.path} | ${p.what} | ${cell(a)} | ${cell(b)} | ${fmt(a.median / b.median, 2)}× |`);
      }
    } else {
      lines.push(`Tree: ${current!.label}.`, '', '| sink | path | what | rows/s | peak RSS MB |', '|---|---|---|---|---|');
      for (const p of paths) {
        const a = rate(current!, p);
        lines.push(`| ${p.sink} | ${p.path} | ${p.what} | ${cell(a)} | ${int(a.rss)} |`);
      }
    }
    return { title: `Sinks (${int(rows)} rows × 10 mixed columns from Arrow batches${baseline ? `, against ${rev}` : ''})`, lines };
  } finally {
    if (!(postgres instanceof Error)) await postgres.stop();
    baseline?.remove();
  }
}

function economyIncremental(): Section {
  return {
    title: 'Request economy: incremental run (1% of pages edited)',
    lines: [...script('incremental-requests.js', ['--preset', 'small', '--percent', '1']), '', ...script('incremental-requests.js', ['--preset', 'medium', '--percent', '1'])],
  };
}

type Benchmark = () => Promise<Section> | Section;

/** Every benchmark by name; `default: false` ones run only when named. */
const BENCHMARKS: Record<string, { readonly run: Benchmark; readonly default: boolean }> = {
  'bulk-medium': {
    default: true,
    run: () => bulk('Bulk, medium workspace', WORKSPACE_PRESETS.medium, ['floor', 'notionflow', 'naive'], 'The `medium` preset as the issue defines it.'),
  },
  'bulk-large': {
    default: true,
    run: () => {
      const f = Number(process.env['BENCH_LARGE_SCALE'] ?? 0.1);
      return bulk(`Bulk, large workspace scaled to ${f}`, scaledLarge(f), ['floor', 'notionflow'],
        `The \`large\` preset (~1M blocks) with pages and rows scaled by ${f} (BENCH_LARGE_SCALE) so that the suite fits 15 minutes; the naive contender is left out to keep the suite short.`);
    },
  },
  'rate-limited': { default: true, run: rateLimited },
  'page-content': { default: true, run: pageContent },
  versions: { default: true, run: versions },
  'rate-unconfigured': { default: false, run: rateUnconfigured },
  economy: { default: true, run: economyIncremental },
  transport: {
    default: true,
    run: () => ({ title: 'Transport: client CPU per request', lines: script('transport.js', ['--requests', '5000', '--rounds', '3']) }),
  },
  sinks: { default: true, run: sinks },
  memory: {
    default: false,
    run: async () => {
      const pages = Number(process.env['BENCH_MEMORY_PAGES'] ?? 1600);
      const s = await bulk(`Memory, ${pages} pages × 120 blocks`, { ...WORKSPACE_PRESETS.large, pages, databases: 4, rowsPerDatabase: 500 }, ['notionflow'],
        'Peak RSS of a full load (target: < 400 MB at 200k blocks, ≤ 300 MB at 1M blocks).', 1);
      return s;
    },
  },
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}: use ${Object.keys(BENCHMARKS).join(', ')}\n`);
    process.exit(2);
  }
  const names = asked.length > 0 ? asked : Object.keys(BENCHMARKS).filter((n) => BENCHMARKS[n]!.default);
  const started = new Date();
  const sections: (Section & { readonly name: string })[] = [];
  for (const name of names) {
    log(`benchmark ${name}`);
    const t = performance.now();
    const startedAt = new Date().toISOString();
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    // One failing benchmark is reported in RESULTS.md; the others still run.
    const section = await Promise.resolve()
      .then(() => BENCHMARKS[name]!.run())
      .catch((error: unknown): Section => ({ title: name, lines: ['**Failed:**', '', '```', String(error instanceof Error ? error.message : error).slice(0, 1500), '```'] }));
    sections.push({ name, title: `${section.title} (\`npm run bench -- ${name}\`, ${fmt((performance.now() - t) / 1000, 0)} s)`, lines: [`Run ${startedAt} (load average at the start ${load}).`, '', ...section.lines] });
  }
  const cpu = cpus();
  const header = [
    '# notionflow benchmark results',
    '',
    `- date: ${started.toISOString()} (suite took ${fmt((Date.now() - started.getTime()) / 60_000)} min)`,
    `- machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30)} GiB RAM, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `- node ${process.version}; command: \`npm run bench${asked.length > 0 ? ` -- ${asked.join(' ')}` : ''}\``,
    '- every contender runs in its own process (CPU = user + system of that process, all threads; peak RSS = its maxRSS); the local Notion server runs in another process, not counted',
    '',
  ];
  const body = sections.flatMap((s) => [`## ${s.title}`, '', ...s.lines, '']);
  // What the profiles showed (written by hand after `node --cpu-prof`): kept next to the figures.
  const notes = join(ROOT, 'bench', 'PROFILE.md');
  const text = [...header, ...body, ...(existsSync(notes) ? [readFileSync(notes, 'utf8')] : [])].join('\n');
  process.stdout.write(`${text}\n`);
  const file = join(ROOT, 'bench', asked.length > 0 ? `RESULTS-${asked.join('-')}.md` : 'RESULTS.md');
  writeFileSync(file, text);
  log(`wrote ${file}`);
  const suiteFile = join(ROOT, 'bench', 'RESULTS.md');
  if (asked.length > 0 && existsSync(suiteFile)) {
    const own = sections.filter((s) => BENCHMARKS[s.name]!.default);
    if (own.length > 0) {
      const updated = replaceSections(readFileSync(suiteFile, 'utf8'), own);
      // The profile notes at the end are PROFILE.md as it is now.
      const at = updated.indexOf('\n## Profile');
      writeFileSync(suiteFile, at >= 0 && existsSync(notes) ? `${updated.slice(0, at + 1)}${readFileSync(notes, 'utf8')}` : updated);
      log(`replaced ${own.map((s) => s.name).join(', ')} in ${suiteFile}`);
    }
  }
}

/**
 * `text` (a RESULTS.md) with each of `sections` in place of the section of the same benchmark (the `## `
 * heading naming \`npm run bench -- <name>\`, up to the next `## ` heading), or before the profile notes
 * when it has none: a run of named default benchmarks keeps the suite's file current.
 */
function replaceSections(text: string, sections: readonly (Section & { readonly name: string })[]): string {
  const lines = text.split('\n');
  for (const s of sections) {
    const body = [`## ${s.title}`, '', ...s.lines, ''];
    const start = lines.findIndex((l) => l.startsWith('## ') && l.includes(`(\`npm run bench -- ${s.name}\`,`));
    if (start >= 0) {
      const next = lines.findIndex((l, i) => i > start && l.startsWith('## '));
      lines.splice(start, (next < 0 ? lines.length : next) - start, ...body);
    } else {
      const profile = lines.findIndex((l) => l.startsWith('## Profile'));
      lines.splice(profile < 0 ? lines.length : profile, 0, ...body);
    }
  }
  return lines.join('\n');
}

await main();
