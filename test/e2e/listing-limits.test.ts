import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS, type ServerOptions } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadWith(name: string, options: ServerOptions) {
  const server = await startNotionServer(options);
  try {
    const p = pipeline({ pipelineName: name, destination: duckdb({ path: join(dir, `${name}.duckdb`) }) });
    await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
    const ids = (await p.dataset().sql('select id from notion_data.pages order by id')).map((r) => r['id']);
    const blocks = await p.dataset().sql('select count(*) as n, count(distinct id) as d from notion_data.blocks');
    return { stats: server.stats, ids, blocks: blocks[0]!, truth: [...server.workspace.pages()].map((x) => x.id).sort(), truthBlocks: [...server.workspace.blocks()].length };
  } finally {
    await server.close();
  }
}

describe('Notion listing limits', () => {
  it("a data source over the query result cap loads completely (created_time windows)", async () => {
    const r = await loadWith('capped', { workspace: { ...WORKSPACE_PRESETS.tiny, seed: 41, rowsPerDatabase: 130 }, queryResultCap: 40 });
    expect(r.truth.length).toBeGreaterThan(200);
    expect(r.ids).toEqual(r.truth);
    // Each data source was read in several capped windows, not one listing.
    const sources = Object.entries(r.stats.byEndpoint).find(([k]) => k.startsWith('POST /v1/data_sources/'))![1];
    expect(sources).toBeGreaterThanOrEqual(4 * 2);
  });

  it('a listing whose cursor expires midway restarts and loads every page exactly once', async () => {
    const r = await loadWith('expired', { workspace: { ...WORKSPACE_PRESETS.tiny, seed: 42, rowsPerDatabase: 130 }, expireCursorAfter: 1 });
    expect(r.stats.byStatus['400']).toBeGreaterThan(0); // cursors did expire
    expect(r.ids).toEqual(r.truth);
    expect(Number(r.blocks['n'])).toBe(r.truthBlocks);
    expect(Number(r.blocks['d'])).toBe(r.truthBlocks);
  });
});
