import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { sink } from '../../destinations/sink.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a custom sink', () => {
  it('receives every row of a Notion load as Arrow batches, with load ids to deduplicate, and keeps state between runs', async () => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 51 } });
    try {
      const received = new Map<string, Map<string, Record<string, unknown>>>();
      const commits: string[] = [];
      const toMemory = sink(
        (table: string, batch: RecordBatch) => {
          const rows = received.get(table) ?? new Map();
          received.set(table, rows);
          for (const row of batch) {
            const r = row!.toJSON() as Record<string, unknown>;
            rows.set(String(r['_dlt_id']), r); // deduplicate by _dlt_id: at-least-once delivery
          }
        },
        { stateDir: join(dir, 'state'), onCommit: (load) => void commits.push(load.loadId) },
      );
      const p = pipeline({ pipelineName: 'to_memory', destination: toMemory });
      const info = await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));

      expect([...received.get('pages')!.values()].map((r) => r['id']).sort()).toEqual([...server.workspace.pages()].map((x) => x.id).sort());
      expect(received.get('blocks')!.size).toBe([...server.workspace.blocks()].length);
      expect(new Set([...received.get('pages')!.values()].map((r) => r['_dlt_load_id']))).toEqual(new Set([info.loadId]));
      expect(commits.at(-1)).toBe(info.loadId);

      // The state file lets the next run be incremental: no block tree is fetched again.
      const stored = JSON.parse(readFileSync(join(dir, 'state', 'state.json'), 'utf8')) as { loadId: string };
      expect(stored.loadId).toBe(info.loadId);
      server.resetStats();
      await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
      expect(server.stats.byEndpoint['GET /v1/blocks/:id/children'] ?? 0).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('turns an error thrown by the sink into a DestinationError naming the table', async () => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 52 } });
    try {
      const failing = sink(() => {
        throw new Error('queue is full');
      }, { stateDir: join(dir, 'state2') });
      await expect(pipeline({ pipelineName: 'failing', destination: failing }).run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false })))
        .rejects.toMatchObject({ name: 'DestinationError', message: expect.stringMatching(/sink function failed on table \w+: queue is full/) });
    } finally {
      await server.close();
    }
  });
});
