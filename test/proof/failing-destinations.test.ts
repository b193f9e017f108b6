import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import type { RecordBatch } from 'apache-arrow';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Destination, LoadCommit } from '../../destinations/destination.js';
import { duckdb } from '../../destinations/duckdb/index.js';
import { filesystem } from '../../destinations/filesystem/index.js';
import { postgres } from '../../destinations/postgres/index.js';
import { sink } from '../../destinations/sink.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { hooked } from './hooked-destination.js';
import { expectCompleteUnits, expectEqualsCleanLoad, expectFailure, parse, type Row } from './failed-load.js';
import { duckdbSnapshot, filesystemSnapshot, postgresSnapshot, rowsSnapshot, type DatasetSnapshot } from './snapshot.js';

/**
 * Failing destinations: a load whose destination breaks mid-way (PostgreSQL stopped, a full disk under
 * DuckDB and under the filesystem destination, a sink throwing; Snowflake refusing COPY is in
 * `failing-snowflake.test.ts`) must fail with one
 * typed line that names the destination and the problem, must leave only complete units visible (a unit is
 * a set of pages, each with its whole block tree, and every root row with all its child rows), and a rerun
 * against the repaired destination must complete and hold exactly what a clean load of the same destination
 * holds. Every destination is read with its own client, never through notionflow's code.
 */
const PIPELINE = 'failing';
const DATASET = 'notion_data';
const dir = mkdtempSync(join(tmpdir(), 'nf-failing-'));
let server: NotionServer;

beforeAll(async () => {
  // 25 pages and rows, 93 blocks: a few units of 8 pages, so that a load commits several times before it breaks.
  server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 21, rowsPerDatabase: 10, pages: 6 } });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Loads the workspace, in units of 8 pages. */
async function run(destination: Destination, cwd: string, datasetName = DATASET): Promise<void> {
  await pipeline({ pipelineName: PIPELINE, destination, datasetName, cwd }).run(
    notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, checkpointPages: 8 }),
  );
}

describe('DuckDB and the filesystem destination on a full disk (a small tmpfs)', () => {
  const mountProblem = tryTmpfs();
  const itMounted = mountProblem === undefined ? it : it.skip;
  if (mountProblem !== undefined) console.warn(`Skipping the disk-full cases: ${mountProblem}`);

  // Disk sizes measured for this workspace: DuckDB's WAL reaches ~700 KiB and the files take ~1.4 MiB,
  // so these fill up after one or two units (a smaller disk fails before the first unit commits).
  itMounted.each([
    ['duckdb', 384, (root: string) => duckdb({ path: join(root, 'notion.duckdb') }), (root: string) => duckdbSnapshot(join(root, 'notion.duckdb'))],
    ['filesystem', 768, (root: string) => filesystem({ bucketUrl: root }), (root: string) => filesystemSnapshot(root)],
  ] as const)('%s: fails naming the full disk, keeps whole units, and a rerun on a larger disk equals a clean load', async (name, kib, make, read) => {
    const cleanRoot = join(dir, `${name}-clean`);
    mkdirSync(cleanRoot);
    await run(make(cleanRoot), cleanRoot);
    const clean = await read(cleanRoot);

    const root = join(dir, `${name}-full`);
    mkdirSync(root);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', root]);
    try {
      await expectFailure(run(make(root), dir), name, /no space left on device/i);
      const visible = expectCompleteUnits(await read(root), clean);
      expect(visible).toBeGreaterThan(0);
      execFileSync('mount', ['-o', 'remount,size=64m', root]);
      await run(make(root), dir);
      expectEqualsCleanLoad(await read(root), clean);
    } finally {
      execFileSync('umount', ['-l', root]);
    }
  }, 180_000);
});

describe('PostgreSQL stopped mid-load', () => {
  let pg: PostgresServer;
  let clean: DatasetSnapshot;
  beforeAll(async () => {
    pg = await startPostgres();
    await run(postgres({ credentials: pg.connectionString }), dir, 'clean');
    clean = await postgresSnapshot(pg.connectionString, 'clean');
  }, 120_000);
  afterAll(async () => pg?.stop());

  it.each([
    // Between two commits: the second commit of pages finds the connection gone.
    [
      'before the 2nd commit of pages',
      'halted_between',
      () => {
        let pageCommits = 0;
        return { beforeCommit: (_n: number, load: LoadCommit) => void (load.writtenTables.includes('pages') && ++pageCommits === 2 && pg.halt()) };
      },
    ],
    // Inside a commit's transaction, between two of its statements: after the second commit of pages inserted its pages.
    [
      'inside the 2nd commit of pages, after it inserted them',
      'halted_inside',
      () => {
        let inserts = 0;
        return { onLog: (line: string) => void (/^INSERT INTO "halted_inside"\."pages" /.test(line) && ++inserts === 2 && pg.halt()) };
      },
    ],
  ] as const)('%s: fails naming the lost server, keeps whole units, and a rerun after a restart equals a clean load', async (_when, dataset, hooks) => {
    await expectFailure(run(hooked(postgres({ credentials: pg.connectionString }), hooks()), dir, dataset), 'postgres', /terminat|connection|ECONNREFUSED|shut ?down/i);
    await pg.restart();
    const visible = expectCompleteUnits(await postgresSnapshot(pg.connectionString, dataset), clean);
    expect(visible).toBeGreaterThan(0);
    await run(postgres({ credentials: pg.connectionString }), dir, dataset);
    expectEqualsCleanLoad(await postgresSnapshot(pg.connectionString, dataset), clean);
  }, 120_000);
});

describe('a custom sink that throws', () => {
  /** Collects what a sink is given; `fail` (asked before each batch is taken) makes it throw instead. */
  const deliveries = (fail: (batch: number) => boolean = () => false) => {
    const tables = new Map<string, { columns: Record<string, string>; rows: Row[] }>();
    let batches = 0;
    const collect = (table: string, batch: RecordBatch): void => {
      if (fail(++batches)) throw new Error('the queue refused the batch (connection closed)');
      const t = tables.get(table) ?? { columns: {}, rows: [] };
      for (const f of batch.schema.fields) t.columns[f.name] = String(f.type);
      for (const row of batch) t.rows.push(JSON.parse(JSON.stringify(row!.toJSON(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Row);
      tables.set(table, t);
    };
    return { tables, collect, batches: () => batches };
  };
  const stateIn = (stateDir: string): unknown => {
    try {
      return (JSON.parse(readFileSync(join(stateDir, PIPELINE, 'state.json'), 'utf8')) as { state: unknown }).state;
    } catch {
      return undefined;
    }
  };
  let clean: DatasetSnapshot;
  beforeAll(async () => {
    const cleanDir = join(dir, 'sink-clean');
    const rows = deliveries();
    await run(sink((t, b) => rows.collect(t, b), { stateDir: cleanDir }), cleanDir);
    clean = await rowsSnapshot(rows.tables, stateIn(cleanDir));
  });

  let pagesCommitted = false;
  it.each([
    ['on its third batch', 'third', (n: number) => n === 3],
    ['on the first batch after a commit of pages', 'after_pages', () => pagesCommitted],
  ] as const)('%s: fails naming the sink, stores no state past its last commit, and a rerun delivers what a clean load does', async (_when, name, fail) => {
    pagesCommitted = false;
    const stateDir = join(dir, `sink-${name}`);
    const delivered = deliveries(fail);
    let committed: unknown;
    const onCommit = (load: LoadCommit): void => {
      committed = load.state;
      pagesCommitted ||= load.writtenTables.includes('pages');
    };
    await expectFailure(run(sink((t, b) => delivered.collect(t, b), { stateDir, onCommit }), stateDir), 'sink', /sink function failed on table \w+: the queue refused the batch/);
    // The state file is that of the last commit before the failure (none: no file), never the failed unit's,
    // and the trees it lists were delivered whole before that commit.
    const stored = stateIn(stateDir) as { sources?: { notion?: { trees?: Record<string, string> } } } | undefined;
    expect(stored).toEqual(committed);
    const cleanBlocks = parse(clean, 'blocks');
    const deliveredBlocks = new Set((delivered.tables.get('blocks')?.rows ?? []).map((b) => b['id']));
    for (const page of Object.keys(stored?.sources?.notion?.trees ?? {})) {
      expect({ page, missing: cleanBlocks.filter((b) => b['page_id'] === page && !deliveredBlocks.has(b['id'])).length }).toEqual({ page, missing: 0 });
    }
    if (name === 'after_pages') expect(Object.keys(stored?.sources?.notion?.trees ?? {}).length).toBeGreaterThan(0);

    const rerun = deliveries();
    await run(sink((t, b) => rerun.collect(t, b), { stateDir }), stateDir);
    // Delivered at least once: what the failed run delivered and what the rerun delivers, one row per _dlt_id.
    const all = new Map(delivered.tables);
    for (const [table, t] of rerun.tables) {
      const before = all.get(table);
      all.set(table, { columns: { ...before?.columns, ...t.columns }, rows: [...(before?.rows ?? []), ...t.rows] });
    }
    expectEqualsCleanLoad(await rowsSnapshot(all, stateIn(stateDir)), clean);
  }, 120_000);
});

/** Why a tmpfs cannot be mounted here, or undefined when it can (it is mounted and unmounted once). */
function tryTmpfs(): string | undefined {
  const probe = join(dir, 'tmpfs-probe');
  mkdirSync(probe, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}): it needs root with CAP_SYS_ADMIN`;
  }
}

