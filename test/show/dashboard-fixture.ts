import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import type { LoadInfo } from '../../src/pipeline/load-info.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import type { RunTrace } from '../../src/pipeline/progress.js';
import { readTrace } from '../../src/pipeline/trace-store.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS } from '../../src/server/index.js';

/** A DuckDB pipeline loaded twice from the built-in tiny workspace, and the trace of its last run. */
export interface DashboardFixture {
  readonly dir: string;
  readonly pipeline: Pipeline;
  readonly runs: readonly LoadInfo[];
  /** What `<dir>/.notionflow/pipelines/<name>/trace.json` holds. */
  readonly trace: RunTrace;
}

/** Load the tiny workspace into `<tmp>/show.duckdb` twice (a full load, then an incremental one). */
export async function loadDashboardFixture(prefix: string): Promise<DashboardFixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 11 } });
  const p = pipeline({ pipelineName: 'show_test', destination: duckdb({ path: join(dir, 'show.duckdb') }), datasetName: 'notion_data', cwd: dir });
  const runs: LoadInfo[] = [];
  try {
    for (let i = 0; i < 2; i++) runs.push(await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false })));
  } finally {
    await server.close();
  }
  // The trace the last run saved under `dir`, as `Pipeline.run` writes it.
  const trace = readTrace(p.pipelineName, dir);
  if (trace?.loadId !== runs[1]!.loadId) throw new Error(`the second run saved no trace in ${dir}`);
  return { dir, pipeline: p, runs, trace };
}
