/**
 * Writing Arrow batches to Parquet files: the filesystem destination and the alternatives it was chosen over.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/filesystem-write.js [--rows N] [--runs R] [--path P] [--json]
 *
 * The parent runs each path R times in a fresh child process (so each peak RSS is that path's own). Every
 * child builds the same 10-column mixed Arrow batches (`bench/fixtures/mixed-batches.ts`, 50,000 rows a
 * batch) and times from the first batch to the last byte on local disk. Paths:
 *
 * - `destination-parquet`: the filesystem destination end to end (conform batches, DuckDB's chunk copy and
 *   `COPY … TO (FORMAT parquet)` with Snappy in files of ~64 MiB, staging, move into place, state and
 *   marker files);
 * - `destination-jsonl`: the same with `format: 'jsonl'`;
 * - `wasm-uncompressed`, `wasm-snappy`, `wasm-zstd`: parquet-wasm alone (tableToIPC → Table.fromIPCStream →
 *   writeParquet) on the same ~64 MiB groups of batches, per codec;
 * - `duckdb-copy`: the duckdb destination's Arrow chunk copy into an in-memory DuckDB table, then
 *   `COPY … TO (FORMAT parquet)` (Snappy).
 *
 * `--json` prints the runs as a JSON array of `SinkRun` instead of the table (what bench/run.ts reads).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { appendRecordBatch, DUCKDB_INSTANCE_OPTIONS } from '../destinations/duckdb/index.js';
import { filesystem } from '../destinations/filesystem/index.js';
import { loadBatches, median, type SinkRun } from './lib/sink-load.js';
import { MIXED_TABLE, mixedBatches, mixedRows } from './fixtures/mixed-batches.js';

const PATHS = ['destination-parquet', 'destination-jsonl', 'wasm-uncompressed', 'wasm-snappy', 'wasm-zstd', 'duckdb-copy'] as const;
type PathName = (typeof PATHS)[number];
const BATCH_ROWS = 50_000;
const FILE_BYTES = 64 * 1024 * 1024;

interface Figures {
  readonly path: PathName;
  readonly arrowSeconds: number;
  readonly writeSeconds: number;
  readonly files: number;
  readonly megabytes: number;
  readonly peakRssMb: number;
}

/** Batches grouped as the destination groups them into files (~64 MiB of Arrow data each). */
function fileGroups(batches: readonly RecordBatch[]): RecordBatch[][] {
  const groups: RecordBatch[][] = [[]];
  let bytes = 0;
  for (const b of batches) {
    groups.at(-1)!.push(b);
    bytes += b.data.children.reduce((s, d) => s + d.byteLength, 0);
    if (bytes >= FILE_BYTES) {
      groups.push([]);
      bytes = 0;
    }
  }
  return groups.filter((g) => g.length > 0);
}

async function runPath(path: PathName, dir: string, batches: readonly RecordBatch[]): Promise<number> {
  const start = performance.now();
  if (path === 'destination-parquet' || path === 'destination-jsonl') {
    const dest = filesystem({ bucketUrl: dir, format: path === 'destination-parquet' ? 'parquet' : 'jsonl' });
    const session = await loadBatches(dest, MIXED_TABLE, batches);
    await session.close();
  } else if (path === 'duckdb-copy') {
    const instance = await DuckDBInstance.create(':memory:', { ...DUCKDB_INSTANCE_OPTIONS });
    const con = await instance.connect();
    await con.run('CREATE TABLE bench (name VARCHAR, body VARCHAR, n BIGINT, x DOUBLE, flag BOOLEAN, ts TIMESTAMPTZ, maybe VARCHAR, uuid VARCHAR, doc VARCHAR, day DATE)');
    const appender = await con.createAppender('bench');
    for (const b of batches) appendRecordBatch(appender, 'bench', MIXED_TABLE.columns, b);
    appender.closeSync();
    await con.run(`COPY bench TO '${join(dir, 'bench.parquet')}' (FORMAT parquet)`);
    con.closeSync();
    instance.closeSync();
  } else {
    const pq = await import('parquet-wasm');
    const codec = { 'wasm-uncompressed': pq.Compression.UNCOMPRESSED, 'wasm-snappy': pq.Compression.SNAPPY, 'wasm-zstd': pq.Compression.ZSTD }[path];
    let n = 0;
    for (const group of fileGroups(batches)) {
      const table = pq.Table.fromIPCStream(tableToIPC(new Table(group), 'stream'));
      writeFileSync(join(dir, `${++n}.parquet`), pq.writeParquet(table, new pq.WriterPropertiesBuilder().setCompression(codec).build()));
    }
  }
  return (performance.now() - start) / 1000;
}

/** Count the data files and their size under `dir` (state and marker files excluded). */
function output(dir: string): { files: number; megabytes: number } {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(parquet|jsonl)$/.test(f));
  return { files: files.length, megabytes: files.reduce((s, f) => s + statSync(join(dir, f)).size, 0) / 1024 / 1024 };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function child(path: PathName, rowCount: number): Promise<void> {
  const rows = mixedRows(rowCount);
  const t0 = performance.now();
  const batches = mixedBatches(rows, BATCH_ROWS);
  const arrowSeconds = (performance.now() - t0) / 1000;
  const dir = mkdtempSync(join(tmpdir(), 'notionflow-bench-fs-'));
  try {
    const writeSeconds = await runPath(path, dir, batches);
    const figures: Figures = { path, arrowSeconds, writeSeconds, ...output(dir), peakRssMb: process.resourceUsage().maxRSS / 1024 };
    process.stdout.write(JSON.stringify(figures));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const rows = arg('rows', 1_000_000);
  const runs = arg('runs', 3);
  const only = process.argv.includes('--path') ? [process.argv[process.argv.indexOf('--path') + 1] as PathName] : PATHS;
  const script = fileURLToPath(import.meta.url);
  const lines = [
    `rows: ${rows.toLocaleString('en-US')}, runs per path: ${runs}, batches of ${BATCH_ROWS.toLocaleString('en-US')} rows, node ${process.version}, local disk`,
    '',
    '| path | median s (range) | rows/s | files | MB written | peak RSS MB |',
    '|---|---|---|---|---|---|',
  ];
  const arrow: number[] = [];
  const all: SinkRun[] = [];
  for (const path of only) {
    const results: Figures[] = [];
    for (let r = 0; r < runs; r++) {
      const out = spawnSync(process.execPath, [script, '--child', path, '--rows', String(rows)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (out.status !== 0) throw new Error(`${path} failed: ${out.stderr}`);
      results.push(JSON.parse(out.stdout) as Figures);
    }
    all.push(...results.map((f) => ({ path, rows, seconds: f.writeSeconds, peakRssMb: f.peakRssMb })));
    const secs = results.map((f) => f.writeSeconds);
    arrow.push(...results.map((f) => f.arrowSeconds));
    const m = median(secs);
    const f = results[0]!;
    lines.push(
      `| ${path} | ${m.toFixed(2)} (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)}) | ${Math.round(rows / m).toLocaleString('en-US')} | ${f.files} | ${f.megabytes.toFixed(0)} | ${Math.round(median(results.map((x) => x.peakRssMb)))} |`,
    );
    console.error(lines.at(-1));
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(all));
    return;
  }
  const a = median(arrow);
  lines.push('', `Arrow build (TableBuffer, rows → RecordBatches, not included above): median ${a.toFixed(2)} s = ${Math.round(rows / a).toLocaleString('en-US')} rows/s`);
  console.log(lines.join('\n'));
}

if (process.argv.includes('--child')) {
  await child(process.argv[process.argv.indexOf('--child') + 1] as PathName, arg('rows', 1_000_000));
} else {
  main();
}
