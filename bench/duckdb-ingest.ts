/**
 * DuckDB ingest paths, measured on the same Arrow input.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/duckdb-ingest.js [--rows N] [--runs R] [--path P] [--json]
 *
 * The parent process runs each path R times in a fresh child process (so each peak RSS is that path's
 * own), each into a new database file, timing from the first batch to the end of `CHECKPOINT`. Every
 * child first builds the same 10-column mixed Arrow batches with `TableBuffer` (timed separately: the
 * "Arrow build" figure). Paths:
 *
 * - `destination`: the DuckDB destination end to end for an `append` table (appender chunk copy
 *   straight into the table inside the unit's transaction, then state and load rows, COMMIT);
 * - `destination-merge`: the same for a `merge` table keyed by a unique text `id` (`MERGE_TABLE`), loaded
 *   into an empty table: chunk copy into TEMP staging, then the commit's delete-insert;
 * - `destination-merge-update`: a second load of the same rows into that table (the first load is not
 *   timed), so every staged key matches a stored row: the delete-insert replaces every row;
 * - `chunk-copy`: `appendRecordBatch` straight into the target table (raw Arrow buffer copies);
 * - `chunk-values`: `DuckDBDataChunk.setColumns` with DuckDB values converted from the Arrow vectors;
 * - `parquet`: parquet-wasm writes each batch as an uncompressed Parquet file, `read_parquet` loads them;
 * - `ndjson`: each row as a JSON line in a file, `read_ndjson` loads it;
 * - `insert`: multi-row `INSERT … VALUES` (1,000 rows a statement) on at most 50,000 rows.
 *
 * `--json` prints the runs as a JSON array of `SinkRun` instead of the table (what bench/run.ts reads).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DuckDBDataChunk,
  DuckDBInstance,
  dateValue,
  timestampTZValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { tableToIPC, Table, type RecordBatch } from 'apache-arrow';
import { TableBuffer } from '../src/arrow/table-buffer.js';
import type { Row } from '../src/records.js';
import type { TableSchema } from '../src/schema/table-schema.js';
import { appendRecordBatch, duckdb, DUCKDB_INSTANCE_OPTIONS } from '../destinations/duckdb/index.js';
import { createTableSql, qualified } from '../destinations/duckdb/duckdb-sql.js';
import { duckdbStagingType } from '../destinations/duckdb/duckdb-type-mapper.js';
import { MERGE_TABLE, MIXED_TABLE, mergeRows, mixedRows } from './fixtures/mixed-batches.js';
import { loadBatches, median, type SinkRun } from './lib/sink-load.js';

const PATHS = ['destination', 'destination-merge', 'destination-merge-update', 'chunk-copy', 'chunk-values', 'parquet', 'ndjson', 'insert'] as const;
type PathName = (typeof PATHS)[number];
const BATCH_ROWS = 50_000;
const INSERT_MAX_ROWS = 50_000;

interface Figures {
  readonly path: PathName;
  readonly rows: number;
  readonly arrowSeconds: number;
  readonly ingestSeconds: number;
  readonly peakRssMb: number;
}

/**
 * Make the rows batch by batch, as a pipeline sees them (only one batch of rows alive at a time), and
 * time only the Arrow build. The rows are kept only for the paths that load rows, not batches.
 */
function buildBatches(count: number, keepRows: boolean, merge: boolean): { batches: RecordBatch[]; rows: Row[]; seconds: number } {
  const batches: RecordBatch[] = [];
  const rows: Row[] = [];
  const buffer = new TableBuffer();
  let seconds = 0;
  for (let i = 0; i < count; i += BATCH_ROWS) {
    const batchRows = (merge ? mergeRows : mixedRows)(Math.min(BATCH_ROWS, count - i), i);
    if (keepRows) rows.push(...batchRows);
    const t0 = performance.now();
    buffer.push(batchRows);
    batches.push(buffer.flush(merge ? MERGE_TABLE : MIXED_TABLE));
    seconds += (performance.now() - t0) / 1000;
  }
  return { batches, rows, seconds };
}

async function openFile(path: string): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(path, { ...DUCKDB_INSTANCE_OPTIONS });
  const connection = await instance.connect();
  await connection.run('CREATE SCHEMA IF NOT EXISTS bench.data');
  await connection.run(createTableSql(qualified('bench', 'data', MIXED_TABLE.name), MIXED_TABLE.columns));
  return { instance, connection };
}

/** Run one path in this process and return its ingest seconds. */
async function runPath(path: PathName, dir: string, rows: readonly Row[], batches: readonly RecordBatch[]): Promise<number> {
  const file = join(dir, 'bench.duckdb');
  if (path === 'destination' || path === 'destination-merge' || path === 'destination-merge-update') {
    const table: TableSchema = path === 'destination' ? MIXED_TABLE : MERGE_TABLE;
    if (path === 'destination-merge-update') await (await loadBatches(duckdb({ path: file }), table, batches)).close();
    const second = path === 'destination-merge-update' ? { loadId: '2', schemaChanged: false } : {};
    const start = performance.now();
    const session = await loadBatches(duckdb({ path: file }), table, batches, second);
    await session.query('CHECKPOINT');
    const seconds = (performance.now() - start) / 1000;
    const { rows: counted } = await session.query(`SELECT count(*) AS n FROM ${qualified('bench', 'bench', table.name)}`);
    await session.close();
    const expected = batches.reduce((n, b) => n + b.numRows, 0);
    if (counted[0]?.['n'] !== expected) throw new Error(`${path}: loaded ${String(counted[0]?.['n'])} rows, expected ${expected}`);
    return seconds;
  }
  const { instance, connection } = await openFile(file);
  const target = qualified('bench', 'data', MIXED_TABLE.name);
  const start = performance.now();
  let loaded = batches.reduce((n, b) => n + b.numRows, 0);
  const total = loaded;
  switch (path) {
    case 'chunk-copy': {
      const appender = await connection.createAppender(MIXED_TABLE.name, 'data', 'bench');
      for (const b of batches) appendRecordBatch(appender, MIXED_TABLE.name, MIXED_TABLE.columns, b);
      appender.closeSync();
      break;
    }
    case 'chunk-values': {
      const appender = await connection.createAppender(MIXED_TABLE.name, 'data', 'bench');
      const types = MIXED_TABLE.columns.map((c) => duckdbStagingType(c.dataType));
      for (const b of batches) {
        const columns = MIXED_TABLE.columns.map((c) => valuesOf(b, c.name, c.dataType));
        for (let s = 0; s < b.numRows; s += 2048) {
          const chunk = DuckDBDataChunk.create(types);
          chunk.setColumns(columns.map((v) => v.slice(s, s + 2048)));
          appender.appendDataChunk(chunk);
        }
      }
      appender.closeSync();
      break;
    }
    case 'parquet': {
      const parquet = await import('parquet-wasm/node');
      const props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.UNCOMPRESSED).build();
      batches.forEach((b, i) => {
        const ipc = tableToIPC(new Table(b), 'stream');
        writeFileSync(join(dir, `b${i}.parquet`), parquet.writeParquet(parquet.Table.fromIPCStream(ipc), props));
      });
      await connection.run(`INSERT INTO ${target} BY NAME SELECT * FROM read_parquet('${join(dir, 'b*.parquet')}')`);
      break;
    }
    case 'ndjson': {
      const lines: string[] = [];
      for (const r of rows) {
        lines.push(JSON.stringify({ ...r, ts: new Date(r['ts'] as number).toISOString() }));
      }
      writeFileSync(join(dir, 'rows.ndjson'), lines.join('\n'));
      const columns = MIXED_TABLE.columns.map((c) => `${c.name}: '${c.dataType === 'timestamp' ? 'TIMESTAMPTZ' : duckdbStagingType(c.dataType).toString()}'`).join(', ');
      await connection.run(`INSERT INTO ${target} BY NAME SELECT * FROM read_ndjson('${join(dir, 'rows.ndjson')}', columns = {${columns}})`);
      break;
    }
    case 'insert': {
      loaded = Math.min(total, INSERT_MAX_ROWS);
      await connection.run('BEGIN');
      for (let s = 0; s < loaded; s += 1000) {
        const slice = rows.slice(s, Math.min(loaded, s + 1000));
        const values: DuckDBValue[] = [];
        const tuples = slice.map((r, i) => {
          for (const c of MIXED_TABLE.columns) {
            const v = r[c.name];
            values.push(v === null || v === undefined ? null : c.dataType === 'bigint' ? BigInt(v as number) : c.dataType === 'timestamp' ? timestampTZValue(BigInt(v as number) * 1000n) : (v as DuckDBValue));
          }
          return `(${MIXED_TABLE.columns.map((_, k) => `$${i * MIXED_TABLE.columns.length + k + 1}`).join(', ')})`;
        });
        await connection.run(`INSERT INTO ${target} VALUES ${tuples.join(', ')}`, values);
      }
      await connection.run('COMMIT');
      break;
    }
  }
  await connection.run('CHECKPOINT');
  const seconds = ((performance.now() - start) / 1000) * (total / loaded);
  const count = await connection.runAndReadAll(`SELECT count(*) FROM ${target}`);
  if (Number(count.getRowsJS()[0]![0]) !== loaded) throw new Error(`${path}: loaded ${String(count.getRowsJS()[0]![0])} rows, expected ${loaded}`);
  connection.closeSync();
  instance.closeSync();
  return seconds;
}

/** The values of one Arrow column as DuckDB values (what the safe node-api chunk path takes). */
function valuesOf(batch: RecordBatch, name: string, dataType: TableSchema['columns'][number]['dataType']): DuckDBValue[] {
  const vector = batch.getChild(name)!;
  const out: DuckDBValue[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const v = vector.get(i) as unknown;
    out[i] = v === null ? null : dataType === 'timestamp' ? timestampTZValue(typeof v === 'bigint' ? v : BigInt(Math.round((v as number) * 1000))) : dataType === 'date' ? dateValue(Math.floor((v as number) / 86_400_000)) : (v as DuckDBValue);
  }
  return out;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function child(path: PathName, rowCount: number): Promise<void> {
  const { batches, rows, seconds: arrowSeconds } = buildBatches(rowCount, path === 'ndjson' || path === 'insert', path.startsWith('destination-merge'));
  const dir = mkdtempSync(join(tmpdir(), 'notionflow-bench-'));
  collectGarbage();
  try {
    const ingestSeconds = await runPath(path, dir, rows, batches);
    const figures: Figures = { path, rows: rowCount, arrowSeconds, ingestSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024 };
    process.stdout.write(JSON.stringify(figures));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `gc()` when the child runs with `--expose-gc` (the parent starts it so). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function main(): void {
  const rows = arg('rows', 1_000_000);
  const runs = arg('runs', 3);
  const only = process.argv.includes('--path') ? [process.argv[process.argv.indexOf('--path') + 1] as PathName] : PATHS;
  const script = fileURLToPath(import.meta.url);
  const lines = [
    `rows: ${rows.toLocaleString('en-US')}, runs per path: ${runs}, batches of ${BATCH_ROWS.toLocaleString('en-US')} rows, node ${process.version}, DuckDB file DB, time includes CHECKPOINT`,
    '',
    '| path | median s (range) | rows/s | peak RSS MB |',
    '|---|---|---|---|',
  ];
  const arrow: number[] = [];
  const all: SinkRun[] = [];
  for (const path of only) {
    const results: Figures[] = [];
    for (let r = 0; r < runs; r++) {
      const out = spawnSync(process.execPath, ['--expose-gc', script, '--child', path, '--rows', String(rows)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (out.status !== 0) throw new Error(`${path} failed: ${out.stderr}`);
      results.push(JSON.parse(out.stdout) as Figures);
    }
    all.push(...results.map((f) => ({ path, rows, seconds: f.ingestSeconds, peakRssMb: f.peakRssMb })));
    const secs = results.map((f) => f.ingestSeconds);
    arrow.push(...results.map((f) => f.arrowSeconds));
    const m = median(secs);
    const note = path === 'insert' ? ` (${Math.min(rows, INSERT_MAX_ROWS).toLocaleString('en-US')} rows, scaled)` : '';
    lines.push(
      `| ${path}${note} | ${m.toFixed(2)} (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)}) | ${Math.round(rows / m).toLocaleString('en-US')} | ${Math.round(median(results.map((f) => f.peakRssMb)))} |`,
    );
    console.error(lines.at(-1));
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(all));
    return;
  }
  const a = median(arrow);
  lines.push('', `Arrow build (TableBuffer, 10 mixed columns, rows → RecordBatches): median ${a.toFixed(2)} s = ${Math.round(rows / a).toLocaleString('en-US')} rows/s`);
  console.log(lines.join('\n'));
}

if (process.argv.includes('--child')) {
  await child(process.argv[process.argv.indexOf('--child') + 1] as PathName, arg('rows', 1_000_000));
} else {
  main();
}
