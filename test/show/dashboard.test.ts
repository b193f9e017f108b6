import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { sink } from '../../destinations/sink.js';
import { ConfigError } from '../../src/errors.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { readTrace } from '../../src/pipeline/trace-store.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS } from '../../src/server/index.js';
import { startDashboard, type Dashboard } from '../../src/show/dashboard.js';
import type { LoadEntry, OverviewSection, RowsPage, SchemaTable, SourceState, TypedTable } from '../../src/show/sections.js';
import { loadDashboardFixture, type DashboardFixture } from './dashboard-fixture.js';

let fx: DashboardFixture;
let dashboard: Dashboard;
const cleanup: string[] = [];

beforeAll(async () => {
  fx = await loadDashboardFixture('nf-show-');
  cleanup.push(fx.dir);
  dashboard = await startDashboard({ pipeline: fx.pipeline, cwd: fx.dir });
});
afterAll(async () => {
  await dashboard?.close();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

async function get<T>(path: string, base = dashboard.url): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, base));
  return { status: response.status, body: (await response.json()) as T };
}

async function postSql(sql: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('api/sql', dashboard.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A request with headers `fetch` will not send as given (Host), answered with status and body. */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const url = new URL(path, dashboard.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Every table of the dataset with its row count, as `dataset().sql` sees them. */
async function truthCounts(): Promise<Record<string, number>> {
  const ds = fx.pipeline.dataset();
  const tables = await ds.sql(`select table_name from information_schema.tables where table_schema = 'notion_data' order by table_name`);
  const out: Record<string, number> = {};
  for (const { table_name } of tables) out[String(table_name)] = await ds.table(String(table_name)).count();
  return out;
}

describe('the dashboard JSON endpoints', () => {
  it('listens on 127.0.0.1 on a free port', () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(new URL(dashboard.url).port).not.toBe('0');
  });

  it('overview: the pipeline, destination, dataset, last load and every table with its row count', async () => {
    const { status, body } = await get<OverviewSection>('api/overview');
    expect(status).toBe(200);
    expect(body.pipelineName).toBe('show_test');
    expect(body.destination).toEqual({ name: 'duckdb', location: join(fx.dir, 'show.duckdb') });
    expect(body.datasetName).toBe('notion_data');
    const counts = await truthCounts();
    expect(Object.fromEntries(body.tables.map((t) => [t.name, t.rows]))).toEqual(counts);
    expect(body.tables.at(-1)!.name.startsWith('_dlt_')).toBe(true);
    expect(body.tables.find((t) => t.name === 'pages__properties__tags__multi_select')?.parent).toBe('pages');
    const [newest] = await fx.pipeline.dataset().sql('select load_id, status from notion_data._dlt_loads order by load_id desc limit 1');
    expect(body.lastLoad).toMatchObject({ loadId: newest!['load_id'], status: 0, statusText: 'completed' });
    expect(body.lastRun).toEqual({ status: 'completed', loadId: fx.runs[1]!.loadId, finishedAt: fx.trace.finishedAt, error: null });
    expect((await get('api/pipeline')).body).toEqual({ pipelineName: body.pipelineName, destination: body.destination, datasetName: body.datasetName });
    expect(body.notFound).toBeNull();
  });

  it('loads: each load of _dlt_loads with its rows per table, and the trace figures for the traced one', async () => {
    const { body } = await get<{ loads: LoadEntry[] }>('api/loads');
    const ds = fx.pipeline.dataset();
    const loads = await ds.sql('select load_id, status, inserted_at from notion_data._dlt_loads order by load_id desc');
    expect(body.loads.map((l) => l.loadId)).toEqual(loads.map((l) => l['load_id']));
    expect(body.loads.map((l) => l.loadId)).toEqual(fx.runs.map((r) => r.loadId).reverse());
    for (const load of body.loads) {
      const pages = await ds.sql(`select count(*) as n from notion_data.pages where _dlt_load_id = '${load.loadId}'`);
      expect(load.rows['pages'] ?? 0).toBe(Number(pages[0]!['n']));
      expect(load.startedAt).toBe(new Date(Number(load.loadId) * 1000).toISOString());
    }
    const [traced, first] = body.loads;
    expect(traced!.requests).toBe(fx.trace.requests.total);
    expect(traced!.rowsWritten).toEqual(fx.trace.rowCounts);
    expect(traced!.durationMs).toBe(Date.parse(fx.trace.finishedAt) - Date.parse(fx.trace.startedAt));
    // No trace for the first load: its duration runs from its id (the start) to its final commit.
    expect(first!.requests).toBeNull();
    expect(first!.rowsWritten).toBeNull();
    const firstRow = loads.find((l) => l['load_id'] === first!.loadId)!;
    expect(first!.durationMs).toBe(Math.round((firstRow['inserted_at'] as Date).getTime() - Number(first!.loadId) * 1000));
    expect(first!.rows['pages']).toBeGreaterThan(0);
  });

  it('schema: the stored tables with columns and types, the child-table tree and the typed tables with their Notion properties', async () => {
    const { body } = await get<{ schemaVersionHash: string; tables: SchemaTable[]; typedTables: TypedTable[] }>('api/schema');
    const session = await fx.pipeline.destination.open({ pipelineName: 'show_test', datasetName: 'notion_data' });
    const stored = await session.readState('show_test');
    await session.close();
    expect(body.schemaVersionHash).toBe(stored!.schemaVersionHash);
    const pages = body.tables.find((t) => t.name === 'pages')!;
    expect(pages).toMatchObject({ parent: null, writeDisposition: 'merge', primaryKey: ['id'], inStoredSchema: true });
    expect(pages.columns).toEqual(stored!.tables.find((t) => t.name === 'pages')!.columns.map((c) => ({ name: c.name, dataType: c.dataType, nullable: c.nullable })));
    expect(body.tables.find((t) => t.name === 'pages__properties__tags__multi_select')?.parent).toBe('pages');
    expect(body.tables.find((t) => t.name === '_dlt_loads')).toMatchObject({ inStoredSchema: false, columns: expect.arrayContaining([{ name: 'load_id', dataType: 'VARCHAR', nullable: null }]) });
    const mapping = await fx.pipeline.dataset().sql('select table_name, column_name, property_name, property_type from notion_data.notion_properties order by table_name, column_name');
    expect(body.typedTables.map((t) => t.table)).toEqual([...new Set(mapping.map((m) => m['table_name']))]);
    expect(body.typedTables.flatMap((t) => t.columns.map((c) => [t.table, c.column, c.propertyName, c.propertyType]))).toEqual(
      mapping.map((m) => [m['table_name'], m['column_name'], m['property_name'], m['property_type']]),
    );
  });

  it('state: the stored cursors and checkpoints, with page trees shown as their size', async () => {
    const { body } = await get<{ loadId: string; sources: SourceState[]; state: Record<string, unknown> }>('api/state');
    const session = await fx.pipeline.destination.open({ pipelineName: 'show_test', datasetName: 'notion_data' });
    const stored = await session.readState('show_test');
    await session.close();
    const notion = (stored!.state['sources'] as Record<string, Record<string, unknown>>)['notion']!;
    const trees = Object.keys(notion['trees'] as object).length;
    const cursors = notion['cursors'] as { pages: string; rows: Record<string, string> };
    const typed = notion['typed_tables'] as Record<string, { table: string }>;
    expect(Object.keys(cursors.rows).length).toBeGreaterThan(0);
    expect(body.loadId).toBe(stored!.loadId);
    expect(body.sources).toEqual([
      {
        name: 'notion',
        notionVersion: notion['notion_version'],
        pagesCursor: cursors.pages,
        checkpoints: trees,
        rowCursors: Object.entries(cursors.rows).map(([id, cursor]) => ({ id, table: typed[id]!.table, cursor })),
        runStartedAt: notion['run_started_at'],
      },
    ]);
    expect((body.state['sources'] as Record<string, Record<string, unknown>>)['notion']!['trees']).toBe(`${trees} entries`);
  });

  it('rows: a table page by page, 50 rows a page, in _dlt_id order', async () => {
    const ds = fx.pipeline.dataset();
    const ids = (await ds.sql('select id from notion_data.pages order by _dlt_id')).map((r) => r['id']);
    const first = await get<RowsPage>('api/tables/pages/rows?page=0');
    expect(first.body.total).toBe(ids.length);
    expect(first.body.pageSize).toBe(50);
    const id = first.body.columns.indexOf('id');
    expect(first.body.rows.map((r) => r[id])).toEqual(ids.slice(0, 50));
    const second = await get<RowsPage>('api/tables/pages/rows?page=1');
    expect(second.body.rows.map((r) => r[id])).toEqual(ids.slice(50, 100));
    expect((await get('api/tables/no_such_table/rows')).status).toBe(404);
    expect((await get('api/tables/pages/rows?page=-1')).status).toBe(400);
  });

  it('sql: runs one read and returns what dataset().sql returns', async () => {
    const sql = 'select type, count(*) as n from notion_data.blocks group by type order by type';
    const { status, body } = await postSql(sql);
    expect(status).toBe(200);
    const truth = await fx.pipeline.dataset().sql(sql);
    expect(body).toEqual({ ok: true, truncated: false, columns: ['type', 'n'], rows: truth.map((r) => [r['type'], Number(r['n'])]) });
  });

  it('sql: shows at most 500 rows and says so', async () => {
    const { body } = await postSql('select a.id from notion_data.blocks a, notion_data.blocks b');
    expect(body['truncated']).toBe(true);
    expect((body['rows'] as unknown[]).length).toBe(500);
  });

  it('sql: refuses writes and several statements, and the table is still there', async () => {
    for (const sql of ['drop table notion_data.pages', 'select 1; drop table notion_data.pages', 'with d as (delete from notion_data.pages returning *) select * from d']) {
      const { status, body } = await postSql(sql);
      expect(status).toBe(400);
      expect(body).toEqual({ ok: false, error: expect.stringMatching(/^Only a read can run here: /) });
    }
    expect(await fx.pipeline.dataset().table('pages').count()).toBeGreaterThan(0);
  });

  it("sql: a bad query comes back with the destination's error", async () => {
    const { status, body } = await postSql('select * from notion_data.no_such_table');
    expect(status).toBe(400);
    expect(body['error']).toMatch(/^duckdb: query failed: .*no_such_table does not exist/s);
  });

  it('trace: the stored trace of the last run', async () => {
    const { body } = await get<{ path: string; trace: unknown }>('api/trace');
    expect(body).toEqual({ path: join(fx.dir, '.notionflow', 'pipelines', 'show_test', 'trace.json'), trace: fx.trace });
  });
});

describe('the dashboard of a pipeline without a trace', () => {
  it('says "no trace" and creates no files', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'nf-show-empty-'));
    cleanup.push(cwd);
    const d = await startDashboard({ pipeline: fx.pipeline, cwd });
    try {
      expect((await get<{ trace: unknown }>('api/trace', d.url)).body.trace).toBeNull();
      expect((await get<OverviewSection>('api/overview', d.url)).body.lastRun).toBeNull();
      for (const path of ['api/loads', 'api/schema', 'api/state', 'api/tables/pages/rows']) expect((await get(path, d.url)).status).toBe(200);
    } finally {
      await d.close();
    }
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('a pipeline that never loaded', () => {
  it('shows its name and where it was looked for, and creates no DuckDB file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-show-none-'));
    cleanup.push(dir);
    const p = pipeline({ pipelineName: 'never_run', destination: duckdb({ path: join(dir, 'never.duckdb') }) });
    const d = await startDashboard({ pipeline: p, cwd: dir });
    try {
      const { body } = await get<OverviewSection>('api/overview', d.url);
      expect(body).toMatchObject({ pipelineName: 'never_run', tables: [], lastLoad: null, lastRun: null });
      expect(body.notFound).toBe(`no pipeline named never_run at ${join(dir, 'never.duckdb')}`);
      expect(await get('api/schema', d.url)).toEqual({ status: 404, body: { error: body.notFound } });
    } finally {
      await d.close();
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a pipeline whose last run failed', () => {
  it('shows the failed run and its error from the trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-show-failed-'));
    cleanup.push(dir);
    const server = await startNotionServer({ workspace: WORKSPACE_PRESETS.tiny });
    const p = pipeline({ pipelineName: 'failing', destination: duckdb({ path: join(dir, 'failing.duckdb') }), cwd: dir });
    try {
      await expect(p.run(notionSource({ apiKey: 'not-the-token', baseUrl: server.url, rateLimit: false }))).rejects.toThrow();
    } finally {
      await server.close();
    }
    const trace = readTrace('failing', dir)!;
    expect(trace.status).toBe('failed');
    const d = await startDashboard({ pipeline: p, cwd: dir });
    try {
      const { body } = await get<OverviewSection>('api/overview', d.url);
      expect(body.lastRun).toEqual({ status: 'failed', loadId: trace.loadId || null, finishedAt: trace.finishedAt, error: trace.error });
      expect(trace.error).toBeTruthy();
      expect(body.lastLoad).toBeNull();
    } finally {
      await d.close();
    }
  });
});

describe('a pipeline whose destination cannot be queried', () => {
  it('shows the overview and says why SQL cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nf-show-sink-'));
    cleanup.push(dir);
    const p = pipeline({ pipelineName: 'sunk', destination: sink(() => undefined, { stateDir: join(dir, 'state') }) });
    const d = await startDashboard({ pipeline: p, cwd: dir });
    try {
      const overview = await get<OverviewSection>('api/overview', d.url);
      expect(overview.body).toMatchObject({ pipelineName: 'sunk', destination: { name: 'sink' }, tables: [], lastLoad: null });
      const response = await fetch(new URL('api/sql', d.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql":"select 1"}' });
      expect(await response.json()).toEqual({ ok: false, error: expect.stringContaining('cannot be queried') });
    } finally {
      await d.close();
    }
  });
});

describe('what the dashboard refuses', () => {
  it('answers only requests addressed to its own host and port (DNS rebinding)', async () => {
    const { status } = await raw('/api/overview', { headers: { host: 'attacker.example:80' } });
    expect(status).toBe(403);
    expect((await raw('/api/overview', { headers: { host: new URL(dashboard.url).host } })).status).toBe(200);
  });

  it('takes queries only as JSON from its own page', async () => {
    const host = new URL(dashboard.url).host;
    const sql = JSON.stringify({ sql: 'select 1' });
    expect((await raw('/api/sql', { method: 'POST', headers: { host, 'content-type': 'text/plain' }, body: sql })).status).toBe(415);
    expect((await raw('/api/sql', { method: 'POST', headers: { host, 'content-type': 'application/json', origin: 'http://attacker.example' }, body: sql })).status).toBe(403);
    expect((await raw('/api/sql', { method: 'POST', headers: { host, 'content-type': 'application/json', origin: `http://${host}` }, body: sql })).status).toBe(200);
    expect((await raw('/api/sql', { method: 'GET', headers: { host } })).status).toBe(405);
    expect((await raw('/api/sql', { method: 'POST', headers: { host, 'content-type': 'application/json' }, body: 'not json' })).status).toBe(400);
  });

  it('serves the page with a Content-Security-Policy that allows nothing from elsewhere', async () => {
    const response = await fetch(dashboard.url);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(new URL('dashboard.js', dashboard.url))).status).toBe(200);
    expect((await fetch(new URL('dashboard.css', dashboard.url))).status).toBe(200);
  });

  it('checks its options when it starts', async () => {
    await expect(startDashboard({ pipeline: fx.pipeline, port: 70_000 })).rejects.toThrow(ConfigError);
    await expect(startDashboard({ pipeline: fx.pipeline, host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow('127.0.0.1 only');
  });

  it('closes idempotently', async () => {
    const d = await startDashboard({ pipeline: fx.pipeline, cwd: fx.dir });
    await Promise.all([d.close(), d.close()]);
    await expect(fetch(d.url)).rejects.toThrow();
  });
});
