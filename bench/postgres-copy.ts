/**
 * The PostgreSQL write path (COPY into staging + commit), measured on the same Arrow input as
 * `bench/duckdb-ingest.ts` (1M rows × 10 mixed columns from `bench/fixtures/mixed-batches.ts`).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/postgres-copy.js [--rows N] [--runs R] [--path P] [--credentials URL] [--json]
 *
 * Without `--credentials` it starts a throwaway PostgreSQL 15 (as in the tests; fsync off). Each run is a
 * fresh child process (its own peak RSS) loading into a fresh database; time runs from `readState` to
 * the end of the commit. Paths:
 *
 * - `destination-binary` / `destination-text`: the destination end to end with that COPY format
 *   (COPY into a TEMP staging table per batch, then `INSERT … SELECT`, state and load row, one transaction);
 * - `destination-merge`: the same, binary, into an empty `merge` table keyed by a unique text `id`
 *   (`MERGE_TABLE`; delete-insert, last row per key);
 * - `destination-merge-update`: a second load of the same rows into that table (the first load is not
 *   timed), so every staged key matches a stored row: the delete-insert replaces every row;
 * - `copy-direct`: binary COPY of the same chunks straight into the target table (no staging: the floor);
 * - `unlogged-staging`: binary COPY into an UNLOGGED table in `<dataset>_staging`, then `INSERT … SELECT`
 *   (the alternative to TEMP staging);
 * - `encode-binary` / `encode-text`: only the Arrow → COPY bytes encoding in JS (no server).
 *
 * `--json` prints the runs as a JSON array of `SinkRun` instead of the table (what bench/run.ts reads).
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { RecordBatch } from 'apache-arrow';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TableSchema } from '../src/schema/table-schema.js';
import { loadBatches, median, type SinkRun } from './lib/sink-load.js';
import { copyChunks, postgres, quoteIdent } from '../destinations/postgres/index.js';
import { columnList, createTableSql, qualified } from '../destinations/postgres/postgres-sql.js';
import { postgresColumnType } from '../destinations/postgres/postgres-type-mapper.js';
import { startPostgres } from '../test/helpers/postgres-server.js';
import { MERGE_TABLE, MIXED_TABLE, mergeRows, mixedBatches, mixedRows } from './fixtures/mixed-batches.js';

const PATHS = ['destination-binary', 'destination-text', 'destination-merge', 'destination-merge-update', 'copy-direct', 'unlogged-staging', 'encode-binary', 'encode-text'] as const;
type PathName = (typeof PATHS)[number];
/** The destination's preferred batch size. */
const BATCH_ROWS = 50_000;

interface Figures {
  readonly path: PathName;
  readonly seconds: number;
  readonly bytes: number;
  readonly peakRssMb: number;
}

async function runPath(path: PathName, url: string, batches: readonly RecordBatch[], rows: number): Promise<{ seconds: number; bytes: number }> {
  const table = MIXED_TABLE;
  if (path === 'encode-binary' || path === 'encode-text') {
    const start = performance.now();
    let bytes = 0;
    for (const b of batches) for (const chunk of copyChunks(table.name, table.columns, b, path === 'encode-binary' ? 'binary' : 'text')) bytes += chunk.length;
    return { seconds: (performance.now() - start) / 1000, bytes };
  }
  if (path.startsWith('destination-')) {
    const schema: TableSchema = path.startsWith('destination-merge') ? MERGE_TABLE : table;
    const destination = postgres({ credentials: url, copyFormat: path === 'destination-text' ? 'text' : 'binary' });
    if (path === 'destination-merge-update') await (await loadBatches(destination, schema, batches)).close();
    const start = performance.now();
    const session = await loadBatches(destination, schema, batches, path === 'destination-merge-update' ? { loadId: '2', schemaChanged: false } : {});
    const seconds = (performance.now() - start) / 1000;
    const count = await session.query(`SELECT count(*) AS n FROM ${qualified('bench', schema.name)}`);
    await session.close();
    if (Number(count.rows[0]!['n']) !== rows) throw new Error(`${path}: loaded ${String(count.rows[0]!['n'])} rows, expected ${rows}`);
    return { seconds, bytes: 0 };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA bench');
    await client.query(createTableSql('bench', table.name, table.columns));
    const cols = columnList(table.columns.map((c) => c.name));
    const start = performance.now();
    let into = qualified('bench', table.name);
    if (path === 'unlogged-staging') {
      await client.query('CREATE SCHEMA bench_staging');
      into = qualified('bench_staging', table.name);
      await client.query(`CREATE UNLOGGED TABLE ${into} (${table.columns.map((c) => `${quoteIdent(c.name)} ${postgresColumnType(c.dataType)}`).join(', ')})`);
    } else await client.query('BEGIN');
    for (const b of batches) {
      await pipeline(Readable.from(copyChunks(table.name, table.columns, b, 'binary')), client.query(copyFrom(`COPY ${into} (${cols}) FROM STDIN WITH (FORMAT binary)`)));
    }
    if (path === 'unlogged-staging') {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${qualified('bench', table.name)} (${cols}) SELECT ${cols} FROM ${into}`);
      await client.query(`TRUNCATE ${into}`);
    }
    await client.query('COMMIT');
    const seconds = (performance.now() - start) / 1000;
    const count = await client.query(`SELECT count(*)::int AS n FROM ${qualified('bench', table.name)}`);
    if (count.rows[0].n !== rows) throw new Error(`${path}: loaded ${String(count.rows[0].n)} rows, expected ${rows}`);
    return { seconds, bytes: 0 };
  } finally {
    await client.end();
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function child(path: PathName, url: string, rows: number): Promise<void> {
  const batches = path.startsWith('destination-merge') ? mixedBatches(mergeRows(rows), BATCH_ROWS, MERGE_TABLE) : mixedBatches(mixedRows(rows), BATCH_ROWS);
  const { seconds, bytes } = await runPath(path, url, batches, rows);
  const figures: Figures = { path, seconds, bytes, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(figures));
}

async function main(): Promise<void> {
  const rows = Number(arg('rows') ?? 1_000_000);
  const runs = Number(arg('runs') ?? 3);
  const only = arg('path') ? [arg('path') as PathName] : PATHS;
  const given = arg('credentials');
  const server = given ? undefined : await startPostgres();
  const base = given ?? server!.connectionString;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const script = fileURLToPath(import.meta.url);
  const lines = [
    `rows: ${rows.toLocaleString('en-US')} × 10 mixed columns, batches of ${BATCH_ROWS.toLocaleString('en-US')}, runs per path: ${runs}, node ${process.version}, ${(await admin.query('SHOW server_version')).rows[0].server_version}${server ? ' (throwaway, fsync off)' : ''}`,
    '',
    '| path | median s (range) | rows/s | MB/s of COPY data | peak RSS MB |',
    '|---|---|---|---|---|',
  ];
  let seq = 0;
  const all: SinkRun[] = [];
  try {
    for (const path of only) {
      const results: Figures[] = [];
      for (let r = 0; r < runs; r++) {
        const db = `nf_bench_${process.pid}_${++seq}`;
        await admin.query(`CREATE DATABASE ${quoteIdent(db)}`);
        try {
          const url = base.replace(/\/[^/?]*(\?.*)?$/, `/${db}$1`);
          const out = spawnSync(process.execPath, [script, '--child', path, '--credentials', url, '--rows', String(rows)], { encoding: 'utf8', maxBuffer: 1 << 20 });
          if (out.status !== 0) throw new Error(`${path} failed: ${out.stderr}`);
          results.push(JSON.parse(out.stdout) as Figures);
        } finally {
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`);
        }
      }
      all.push(...results.map((f) => ({ path, rows, seconds: f.seconds, peakRssMb: f.peakRssMb })));
      const secs = results.map((f) => f.seconds);
      const m = median(secs);
      const mbps = results[0]!.bytes > 0 ? (results[0]!.bytes / 1e6 / m).toFixed(0) : '';
      lines.push(
        `| ${path} | ${m.toFixed(2)} (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)}) | ${Math.round(rows / m).toLocaleString('en-US')} | ${mbps} | ${Math.round(median(results.map((f) => f.peakRssMb)))} |`,
      );
      console.error(lines.at(-1));
    }
  } finally {
    await admin.end();
    await server?.stop();
  }
  console.log(process.argv.includes('--json') ? JSON.stringify(all) : lines.join('\n'));
}

if (process.argv.includes('--child')) {
  await child(arg('child') as PathName, arg('credentials')!, Number(arg('rows') ?? 1_000_000));
} else {
  await main();
}
