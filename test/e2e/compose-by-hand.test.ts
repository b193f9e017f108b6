import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { startNotionServer, WORKSPACE_PRESETS } from '../../src/server/index.js';
import { loadDoneTasks } from './examples/load-done-tasks.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("README's hand-composed flow", () => {
  it('is the code this test runs', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('./examples/load-done-tasks.ts', import.meta.url), 'utf8').split('\n').slice(1).join('\n');
    expect(readme).toContain(example);
  });

  it("loads exactly one data source's Done rows into DuckDB, merging on a second run", async () => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 4 } });
    try {
      const source = [...server.workspace.dataSources()][0]!;
      const res = await fetch(`${server.url}/v1/data_sources/${source.id}/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'notion-version': '2025-09-03', 'content-type': 'application/json' },
        body: JSON.stringify({ page_size: 100 }),
      });
      const rows = ((await res.json()) as { results: Array<{ id: string; properties: { Status?: { status?: { name?: string } } } }> }).results;
      const done = rows.filter((r) => r.properties.Status?.status?.name === 'Done').map((r) => r.id).sort();
      expect(done.length).toBeGreaterThan(0);
      expect(done.length).toBeLessThan(rows.length);

      const path = join(dir, 'tasks.duckdb');
      await loadDoneTasks(server.token, server.url, source.id, path);
      await loadDoneTasks(server.token, server.url, source.id, path);

      const ds = pipeline({ pipelineName: 'tasks', destination: duckdb({ path }) }).dataset();
      const loaded = (await ds.sql('select id from notion_data.done_tasks order by id')).map((r) => r['id']);
      expect(loaded).toEqual(done);
      const loads = await ds.sql("select count(*) as n from notion_data._dlt_loads where status = 0");
      expect(Number(loads[0]!['n'])).toBe(2);
    } finally {
      await server.close();
    }
  });
});
