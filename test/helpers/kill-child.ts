/**
 * A load that kills itself at a chosen point, for crash tests: `node kill-child.ts <spec-json>`.
 *
 * The kill is deterministic: the pipeline's `log` hook is called synchronously by the SQL session as
 * each statement goes to the engine, and `process.kill(pid, 'SIGKILL')` from inside it stops the process
 * right there, before the statement runs. Before dying the child writes `KILLED <point>` to stderr with a
 * synchronous write, so the test knows the kill landed where it asked.
 *
 * Points (`commit` counts the load's commits from 1):
 * - `before-commit`: when commit N starts, before its transaction begins;
 * - `in-commit`: inside commit N's transaction, as its first `INSERT` goes to the engine (deletes and
 *   earlier inserts of the unit may have run, nothing is committed);
 * - `after-commit`: right after commit N has committed;
 * - `staging`: as the `stage`-th batch after commit N-1 is about to be staged (earlier batches of the
 *   unit are in staging).
 */
import { writeSync } from 'node:fs';
import { duckdb } from '../../destinations/duckdb/index.js';
import { postgres } from '../../destinations/postgres/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';

interface Spec {
  readonly destination: { readonly duckdb: string } | { readonly postgres: string };
  readonly dataset: string;
  readonly baseUrl: string;
  readonly token: string;
  readonly point?: 'before-commit' | 'in-commit' | 'after-commit' | 'staging';
  readonly commit?: number;
  readonly stage?: number;
}

const spec = JSON.parse(process.argv[2]!) as Spec;
let commits = 0;
let staged = 0;
let inserted = false;

function kill(): void {
  writeSync(2, `KILLED ${spec.point} ${commits}\n`);
  process.kill(process.pid, 'SIGKILL');
}

function log(line: string): void {
  if (line === 'BEGIN') {
    commits++;
    staged = 0;
    inserted = false;
    if (spec.point === 'before-commit' && commits === spec.commit) kill();
  } else if (line === 'COMMIT') {
    if (spec.point === 'after-commit' && commits === spec.commit) kill();
  } else if (line.startsWith('INSERT INTO') && !inserted) {
    inserted = true;
    if (spec.point === 'in-commit' && commits === spec.commit) kill();
  } else if (line.startsWith('-- stage ')) {
    staged++;
    if (spec.point === 'staging' && commits === (spec.commit ?? 1) - 1 && staged === spec.stage) kill();
  }
}

const destination = 'duckdb' in spec.destination ? duckdb({ path: spec.destination.duckdb }) : postgres({ credentials: spec.destination.postgres });
const p = pipeline({ pipelineName: 'notion_pipeline', datasetName: spec.dataset, destination, log });
const info = await p.run(notionSource({ apiKey: spec.token, baseUrl: spec.baseUrl, rateLimit: false, checkpointPages: 5 }));
writeSync(1, `${JSON.stringify({ commits: info.commits })}\n`);
