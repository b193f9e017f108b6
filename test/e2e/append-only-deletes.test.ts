import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { filesystem } from '../../destinations/filesystem/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS } from '../../src/server/index.js';

/** A destination that does not apply row deletes says so in the load info; one that does, does not. */
const dir = mkdtempSync(join(tmpdir(), 'nf-deletes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('row deletes a destination does not apply', () => {
  it.each([
    ['filesystem', () => filesystem({ bucketUrl: join(dir, 'lake') }), true],
    ['duckdb', () => duckdb({ path: join(dir, 'd.duckdb') }), false],
  ] as const)('%s: a replaced block tree is noted when the deletes are not applied', async (name, destination, noted) => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 12 } });
    try {
      const p = pipeline({ pipelineName: `deletes_${name}`, destination: destination(), datasetName: 'notion_data' });
      const run = () => p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
      await run();
      const page = [...server.workspace.pages()].find((x) => x.parent_type !== 'database_id' && server.workspace.tree(server.workspace.decode(x.id)!.index).top.length > 0)!;
      server.workspace.appendBlock(page.id, { type: 'paragraph', text: 'one more paragraph' });
      const info = await run();
      const note = info.source.notes.find((n) => n.includes('does not apply row deletes'));
      if (noted) expect(note).toMatch(/^filesystem does not apply row deletes: \d+ replaced or removed object\(s\) keep their earlier rows/);
      else expect(note).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
