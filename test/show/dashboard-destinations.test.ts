import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Destination } from '../../destinations/destination.js';
import { duckdb } from '../../destinations/duckdb/index.js';
import { filesystem } from '../../destinations/filesystem/index.js';
import { postgres } from '../../destinations/postgres/index.js';
import { snowflake } from '../../destinations/snowflake/index.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { startDashboard, type Dashboard } from '../../src/show/dashboard.js';
import type { LoadEntry, OverviewSection, RowsPage, SchemaTable, TypedTable } from '../../src/show/sections.js';
import { FakeSnowflake } from '../helpers/fake-snowflake/fake-snowflake.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';

/**
 * The same dashboard answers for every queryable destination: the tiny workspace loaded once into each,
 * and each endpoint's figures equal to DuckDB's. Snowflake folds names to upper case; the dashboard
 * shows them as notionflow spells them.
 */
const SNOWFLAKE_PASSWORD = 'show-pw';
/** The Snowflake driver's cache directories go to a temp dir for this file, then back. */
const CACHE_VARS = ['HOME', 'XDG_CACHE_HOME', 'SF_OCSP_RESPONSE_CACHE_DIR', 'SF_TEMPORARY_CREDENTIAL_CACHE_DIR', 'SNOWFLAKE_CRL_ON_DISK_CACHE_DIR'];

let dir: string;
let notion: NotionServer;
let pg: PostgresServer;
let fake: FakeSnowflake;
const savedEnv: Record<string, string | undefined> = {};
const targets: { name: string; pipeline: Pipeline; dashboard: Dashboard }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nf-show-dest-'));
  for (const v of CACHE_VARS) {
    savedEnv[v] = process.env[v];
    process.env[v] = dir;
  }
  notion = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 5 } });
  pg = await startPostgres();
  fake = await FakeSnowflake.start({ account: 'showacct', users: [{ name: 'LOADER', password: SNOWFLAKE_PASSWORD }] });
  const destinations: [string, Destination][] = [
    ['duckdb', duckdb({ path: join(dir, 'show.duckdb') })],
    ['postgres', postgres({ credentials: pg.connectionString })],
    ['snowflake', snowflake({ accessUrl: fake.url, account: 'showacct', username: 'LOADER', password: SNOWFLAKE_PASSWORD, database: 'SHOW' })],
    ['filesystem', filesystem({ bucketUrl: join(dir, 'lake') })],
  ];
  for (const [name, destination] of destinations) {
    const cwd = join(dir, name);
    const p = pipeline({ pipelineName: 'show_dest', destination, datasetName: 'notion_data', cwd });
    await p.run(notionSource({ apiKey: notion.token, baseUrl: notion.url, rateLimit: false }));
    targets.push({ name, pipeline: p, dashboard: await startDashboard({ pipeline: p, cwd }) });
  }
}, 300_000);

afterAll(async () => {
  for (const t of targets) await t.dashboard.close();
  await notion?.close();
  await pg?.stop();
  await fake?.close();
  for (const v of CACHE_VARS) {
    if (savedEnv[v] === undefined) delete process.env[v];
    else process.env[v] = savedEnv[v];
  }
  await rm(dir, { recursive: true, force: true });
});

async function get<T>(t: (typeof targets)[number], path: string): Promise<T> {
  const response = await fetch(new URL(path, t.dashboard.url));
  const body = (await response.json()) as T;
  expect({ [t.name]: response.status }).toEqual({ [t.name]: 200 });
  return body;
}

/** What every destination's answer is compared with. */
const reference = () => targets[0]!;
const others = () => targets.slice(1);

describe('the dashboard on every queryable destination', () => {
  it('lists the same data tables with the same row counts', async () => {
    const data = (o: OverviewSection) => Object.fromEntries(o.tables.filter((t) => !t.name.startsWith('_dlt_')).map((t) => [t.name, t.rows]));
    const want = data(await get<OverviewSection>(reference(), 'api/overview'));
    expect(want['pages']).toBeGreaterThan(0);
    for (const t of others()) {
      const o = await get<OverviewSection>(t, 'api/overview');
      expect({ [t.name]: data(o) }).toEqual({ [t.name]: want });
      expect({ [t.name]: o.lastLoad?.statusText }).toEqual({ [t.name]: 'completed' });
      expect(o.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['_dlt_loads', '_dlt_pipeline_state', '_dlt_version']));
    }
  });

  it('shows the load with its rows per table', async () => {
    const [want] = (await get<{ loads: LoadEntry[] }>(reference(), 'api/loads')).loads;
    for (const t of others()) {
      const { loads } = await get<{ loads: LoadEntry[] }>(t, 'api/loads');
      expect({ [t.name]: loads.map((l) => [l.status, l.rows]) }).toEqual({ [t.name]: [[0, want!.rows]] });
    }
  });

  it('pages through a table in the same order', async () => {
    const ids = (r: RowsPage) => r.rows.map((row) => row[r.columns.indexOf('_dlt_id')]);
    const want = await get<RowsPage>(reference(), 'api/tables/pages/rows?page=1');
    for (const t of others()) {
      const got = await get<RowsPage>(t, 'api/tables/pages/rows?page=1');
      expect({ [t.name]: [got.total, ids(got)] }).toEqual({ [t.name]: [want.total, ids(want)] });
    }
  });

  it('runs the same query in the SQL box, and refuses a write', async () => {
    const sql = 'select count(*) as n from notion_data.blocks';
    for (const t of targets) {
      const response = await fetch(new URL('api/sql', t.dashboard.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
      const [truth] = await t.pipeline.dataset().sql(sql);
      expect({ [t.name]: await response.json() }).toEqual({ [t.name]: { ok: true, truncated: false, columns: ['n'], rows: [[Number(truth!['n'])]] } });
      const refused = await fetch(new URL('api/sql', t.dashboard.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql":"drop table notion_data.blocks"}' });
      expect({ [t.name]: refused.status }).toEqual({ [t.name]: 400 });
    }
  });

  it('shows the same schema, typed tables and state', async () => {
    type Schema = { tables: SchemaTable[]; typedTables: TypedTable[] };
    // Column names may differ (PostgreSQL shortens names past 63 bytes, with a hash), and dispositions
    // (the filesystem only appends).
    const stored = (s: Schema) => s.tables.filter((t) => t.inStoredSchema).map((t) => [t.name, t.parent, t.primaryKey, t.columns.length]);
    const want = await get<Schema>(reference(), 'api/schema');
    expect(want.typedTables.length).toBeGreaterThan(0);
    // Each destination was loaded by its own run: all but the run's start time agree.
    const sources = async (t: (typeof targets)[number]) => (await get<{ sources: Record<string, unknown>[] }>(t, 'api/state')).sources.map(({ runStartedAt: _, ...s }) => s);
    const wantState = await sources(reference());
    expect(wantState).toHaveLength(1);
    for (const t of others()) {
      const got = await get<Schema>(t, 'api/schema');
      expect({ [t.name]: stored(got) }).toEqual({ [t.name]: stored(want) });
      expect({ [t.name]: got.typedTables }).toEqual({ [t.name]: want.typedTables });
      expect({ [t.name]: await sources(t) }).toEqual({ [t.name]: wantState });
    }
  });
});
