import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunTrace } from '../../src/pipeline/progress.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { ROOT } from '../helpers/node-child.js';
import { cli, PROGRESS_LINES_ONLY } from '../helpers/run-cli.js';
import { closedUrl } from '../helpers/closed-url.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'nf-cli-commands-')));
/** Where `demo` loaded once, as its working directory: notion_pipeline.duckdb and the run's trace are here. */
const loaded = join(dir, 'loaded');
let server: NotionServer;

beforeAll(async () => {
  server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 5 } });
  mkdirSync(loaded);
  const r = await cli(['demo', '--preset', 'tiny', '-q'], {}, loaded);
  expect(r.code).toBe(0);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new, empty working directory. */
function emptyDir(): string {
  return mkdtempSync(join(dir, 'empty-'));
}


describe('read-only commands', () => {
  it.each([['info'], ['state'], ['loads'], ['schema'], ['show', '--no-open'], ['drop', '--yes']])(
    '%s of a pipeline that is not there says so and creates no file',
    async (...args) => {
      const cwd = emptyDir();
      const r = await cli(args, {}, cwd);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`notionflow: no pipeline named notion_pipeline at ${join(cwd, 'notion_pipeline.duckdb')}\n`);
      expect(readdirSync(cwd)).toEqual([]);
    },
  );

  it('trace of a pipeline never run says so and creates no file', async () => {
    const cwd = emptyDir();
    const r = await cli(['trace'], {}, cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`notionflow: no pipeline named notion_pipeline at ${join(cwd, '.notionflow', 'pipelines', 'notion_pipeline', 'trace.json')}: no run trace (run it first)\n`);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('drop of a pipeline that never loaded into an existing file says so instead of "Dropped", and drops nothing', async () => {
    const path = join(loaded, 'notion_pipeline.duckdb');
    const r = await cli(['drop', '--yes', '--pipeline-name', 'other_pipeline', '--duckdb-path', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`notionflow: no pipeline named other_pipeline at ${path} (dataset notion_data): nothing dropped\n`);
    expect((await cli(['state', '--duckdb-path', path])).stdout).toMatch(/pages cursor \(last_edited_time\): \d{4}-/);
  });

  it('a run that fails leaves no empty DuckDB file', async () => {
    const cwd = emptyDir();
    const r = await cli(['run'], { NOTION_API_KEY: 'wrong-token', NOTION_BASE_URL: server.url }, cwd);
    expect(r.code).toBe(1);
    expect(readdirSync(cwd).filter((f) => f.includes('.duckdb'))).toEqual([]);
  });

  it('info during a running load says a load is running', async () => {
    const path = join(dir, 'locked.duckdb');
    // Another process holds the file's write lock, as `notionflow run` does while it loads.
    const holder = spawn(
      process.execPath,
      ['--input-type=module', '-e', `const { DuckDBInstance } = await import('@duckdb/node-api'); await (await DuckDBInstance.create(${JSON.stringify(path)})).connect(); console.log('ready'); setInterval(() => {}, 1000);`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        holder.on('exit', () => reject(new Error('the lock holder exited')));
      });
      const r = await cli(['info', '--duckdb-path', path]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`notionflow: duckdb: a load is running on ${path} (process ${holder.pid} holds its lock); try again when it has finished.\n`);
    } finally {
      holder.kill();
      await exited;
    }
  });
});

describe('info', () => {
  it('aligns its columns and prints load status in words and ISO times', async () => {
    const r = await cli(['info'], {}, loaded);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const section = (title: string): string[] => {
      const start = lines.indexOf(title) + 1;
      const end = lines.indexOf('', start);
      return lines.slice(start, end < 0 ? undefined : end);
    };
    const tables = section('Tables:');
    expect(tables.length).toBeGreaterThan(5);
    // Names left-aligned, counts right-aligned: every line ends at the same column.
    expect(new Set(tables.map((l) => l.length)).size).toBe(1);
    const typed = section('Typed tables (column ← Notion property, type):').filter((l) => l.includes('←'));
    expect(typed.length).toBeGreaterThan(0);
    const tableOf = (i: number): string => section('Typed tables (column ← Notion property, type):').slice(0, i + 1).filter((l) => !l.includes('←')).at(-1)!;
    const columns = new Map<string, Set<number>>();
    section('Typed tables (column ← Notion property, type):').forEach((l, i) => {
      if (l.includes('←')) columns.set(tableOf(i), new Set([...(columns.get(tableOf(i)) ?? []), l.indexOf('←')]));
    });
    for (const at of columns.values()) expect(at.size).toBe(1);
    expect(section('Last loads:')).toEqual([expect.stringMatching(/^ {2}\d+\.\d{6} {2}completed {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)]);
  });
});

describe('help and version', () => {
  it('--help lists every command and every destination', async () => {
    const r = await cli(['--help']);
    for (const command of ['run', 'demo', 'info', 'state', 'loads', 'schema', 'trace', 'show', 'drop']) expect(r.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    for (const destination of ['duckdb', 'postgres', 'filesystem', 'snowflake', 'redshift', 'bigquery']) expect(r.stdout).toMatch(new RegExp(`^ {2}${destination} `, 'm'));
    expect(r.stdout).toContain('npm install pg pg-copy-streams');
    expect(r.stdout).toContain('npm install pg @aws-sdk/client-s3');
    const run = await cli(['run', '--help']);
    expect(run.stdout).toContain('--destination <name>     duckdb (default) | postgres | filesystem | snowflake | redshift | bigquery');
  });

  it('prints help for the new commands', async () => {
    for (const c of ['loads', 'schema', 'trace', 'show']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: notionflow ${c}`);
    }
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('loads, schema, trace', () => {
  it('loads lists the history from _dlt_loads', async () => {
    const r = await cli(['loads'], {}, loaded);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}load id +status +inserted at +schema$/m);
    expect(r.stdout).toMatch(/^ {2}\d+\.\d{6} {2}completed {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}notion \S+$/m);
  });

  it('schema prints the stored tables and columns with the typed-table mapping, as YAML or JSON', async () => {
    const yaml = await cli(['schema'], {}, loaded);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^tables:\n {2}users:\n {4}write_disposition: merge\n {4}primary_key:\n {6}- id\n {4}columns:\n/m);
    expect(yaml.stdout).toMatch(/^ {6}id:\n {8}data_type: text\n {8}nullable: false$/m);
    expect(yaml.stdout).toMatch(/^typed_tables:\n {2}\S+:\n {4}database: /m);
    const json = JSON.parse((await cli(['schema', '--format', 'json'], {}, loaded)).stdout) as {
      tables: Record<string, { write_disposition: string; columns: Record<string, { data_type: string }> }>;
      typed_tables: Record<string, { columns: Record<string, { property: string; type: string }> }>;
    };
    expect(json.tables['pages']!.columns['id']!.data_type).toBe('text');
    expect(json.tables['pages']!.write_disposition).toBe('merge');
    const [typed] = Object.values(json.typed_tables);
    expect(Object.values(typed!.columns)[0]).toEqual(expect.objectContaining({ property: expect.any(String), type: expect.any(String) }));
    expect((await cli(['schema', '--format', 'toml'], {}, loaded)).stderr).toBe('notionflow: --format must be yaml or json, got "toml"\n');
  });

  it('trace shows the last run: steps, requests by endpoint, retries', async () => {
    const r = await cli(['trace'], {}, loaded);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Last run of pipeline notion_pipeline: completed, load \d+\.\d{6} — duckdb, dataset notion_data$/m);
    expect(r.stdout).toMatch(/^ {2}extract +\S+ m?s$/m);
    expect(r.stdout).toMatch(/^ {2}POST \/v1\/search +\d+$/m);
    expect(r.stdout).toContain('Retries: none');
  });

  it('trace of a failed run shows its error, retries by class and 429 waits', async () => {
    const cwd = emptyDir();
    const failed: RunTrace = {
      pipelineName: 'notion_pipeline',
      loadId: '1764000000.000001',
      destinationName: 'duckdb',
      datasetName: 'notion_data',
      startedAt: '2026-11-24T10:00:00.000Z',
      finishedAt: '2026-11-24T10:01:30.000Z',
      status: 'failed',
      error: 'NotionApiError: Notion API 401 unauthorized on GET /v1/users',
      steps: [
        { name: 'open', startedAt: '2026-11-24T10:00:00.000Z', finishedAt: '2026-11-24T10:00:00.100Z', ms: 100 },
        { name: 'extract', startedAt: '2026-11-24T10:00:00.100Z', finishedAt: '2026-11-24T10:01:29.000Z', ms: 88_900 },
        { name: 'commit', startedAt: '2026-11-24T10:00:30.000Z', finishedAt: '2026-11-24T10:00:30.500Z', ms: 500 },
        { name: 'commit', startedAt: '2026-11-24T10:01:00.000Z', finishedAt: '2026-11-24T10:01:00.500Z', ms: 500 },
      ],
      requests: {
        total: 1240,
        byEndpoint: { 'GET /v1/blocks/:id/children': 1000, 'POST /v1/search': 240 },
        byStatus: { '200': 1230, '429': 3, '401': 1, '503': 6 },
        retriesByClass: { '429': 3, '5xx': 6 },
        rateLimitWaits: 3,
        rateLimitWaitMs: 4500,
      },
      rowCounts: { blocks: 5000, pages: 120 },
      commits: 2,
    };
    mkdirSync(join(cwd, '.notionflow', 'pipelines', 'notion_pipeline'), { recursive: true });
    writeFileSync(join(cwd, '.notionflow', 'pipelines', 'notion_pipeline', 'trace.json'), JSON.stringify(failed));
    const r = await cli(['pipeline', 'notion_pipeline', 'trace'], {}, cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Last run of pipeline notion_pipeline: failed, load 1764000000.000001 — duckdb, dataset notion_data
Started 2026-11-24T10:00:00.000Z, finished 2026-11-24T10:01:30.000Z (1 min 30 s)
Error: NotionApiError: Notion API 401 unauthorized on GET /v1/users

Steps:
  open             100 ms
  extract      1 min 29 s
  commit   ×2       1.0 s

Requests: 1,240
  GET /v1/blocks/:id/children  1,000
  POST /v1/search                240
By status: 200 ×1,230, 503 ×6, 429 ×3, 401 ×1
Retries: 5xx ×6, 429 ×3
429 waits: 3, 4.5 s in all

Rows (uncommitted ones were rolled back):
  blocks  5,000
  pages     120
Commits: 2
`);
  });
});

describe('run and demo', () => {
  it('--json prints the load info as JSON; --progress none draws nothing', async () => {
    const r = await cli(['demo', '--preset', 'tiny', '--json', '--progress', 'none', '--duckdb-path', join(dir, 'json.duckdb')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { pipelineName: string; loadId: string; rowCounts: Record<string, number> };
    expect(info.pipelineName).toBe('notion_pipeline');
    expect(info.loadId).toMatch(/^\d+\.\d{6}$/);
    expect(info.rowCounts['pages']).toBeGreaterThan(0);
  });

  it('draws log-mode progress on stderr when it is not a terminal', async () => {
    const r = await cli(['demo', '--preset', 'tiny', '--duckdb-path', join(dir, 'log.duckdb')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(PROGRESS_LINES_ONLY);
    expect(r.stderr).toMatch(/^done .*requests \d+/m);
  });

  it('refuses an unknown progress mode before loading', async () => {
    const r = await cli(['demo', '--progress', 'fancy', '--duckdb-path', join(dir, 'never.duckdb')]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'notionflow: --progress must be tty, log or none, got "fancy"\n' });
  });

  it.each([
    ['NOTION_BASE_URL', (url: string) => ({ args: [], env: { NOTION_BASE_URL: url } })],
    ['the --base-url flag', (url: string) => ({ args: ['--base-url', url], env: {} })],
    ['.notionflow/config.toml', (url: string) => ({ args: [], env: {}, config: `[sources.notion]\nbase_url = "${url}"\n` })],
  ])('fails within 3 s when the server refuses, naming the URL and that it came from %s', async (origin, setup) => {
    const url = await closedUrl();
    const { args, env, config } = setup(url) as { args: string[]; env: Record<string, string>; config?: string };
    const cwd = emptyDir();
    if (config !== undefined) {
      mkdirSync(join(cwd, '.notionflow'));
      writeFileSync(join(cwd, '.notionflow', 'config.toml'), config);
    }
    const started = Date.now();
    const r = await cli(['run', ...args], { NOTION_API_KEY: 'x', ...env }, cwd);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^notionflow: Notion API server unreachable at ${url} \\(from ${origin.replace('.', '\\.')}\\) on GET /v1/users .*Check ${origin.replace('.', '\\.')}`));
  });

  it('fails within 3 s for an unknown host instead of retrying it', async () => {
    const started = Date.now();
    const r = await cli(['run'], { NOTION_API_KEY: 'x', NOTION_BASE_URL: 'http://nothing-here.invalid' }, emptyDir());
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.stderr).toMatch(/^notionflow: Notion API server unreachable at http:\/\/nothing-here\.invalid \(from NOTION_BASE_URL\): unknown host/);
  });
});

describe('show', () => {
  it('notionflow pipeline <name> show serves the dashboard, prints its URL and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', `${ROOT}test/helpers/ts-loader.mjs`, `${ROOT}src/cli/bin.ts`, 'pipeline', 'notion_pipeline', 'show', '--no-open'], {
      cwd: loaded,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const m = /^Dashboard of pipeline notion_pipeline at (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)$/m.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`show exited: ${stderr}`)));
    });
    try {
      const overview = await fetch(`${url}api/overview`);
      expect(overview.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });

  it('refuses a port that is not one', async () => {
    expect((await cli(['show', '--port', 'eighty'], {}, loaded)).stderr).toBe('notionflow: --port must be an integer from 0 to 65535, got "eighty"\n');
  });
});
