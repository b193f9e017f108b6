import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { List, type RecordBatch, type Vector } from 'apache-arrow';
import { defineCapabilities } from '../../destinations/capabilities.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import { sink } from '../../destinations/sink.js';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import type { TableSchema } from '../../src/schema/table-schema.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, WORKSPACE_PRESETS } from '../../src/server/index.js';
import { runConformanceSuite } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'nf-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows a sink received, by dataset and table (what a user's sink would store). */
type Received = Map<string, Record<string, unknown>[]>;

/** A sink keeping every row it gets in memory, its state in a directory of its own. */
function memorySink(received: Received, stateDir: string) {
  return sink(
    (table, batch, { datasetName }) => {
      const key = `${datasetName}.${table}`;
      received.set(key, [...(received.get(key) ?? []), ...[...batch].map((row) => row!.toJSON() as Record<string, unknown>)]);
    },
    { stateDir },
  );
}

runConformanceSuite('sink (rows in memory, state in a file)', sink(() => undefined).capabilities, async () => {
  const stateDir = mkdtempSync(join(dir, 'conformance-'));
  return { destination: memorySink(new Map(), stateDir), cleanup: async () => rmSync(stateDir, { recursive: true, force: true }) };
});

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
      const stored = JSON.parse(readFileSync(join(dir, 'state', 'to_memory', 'state.json'), 'utf8')) as { loadId: string };
      expect(stored.loadId).toBe(info.loadId);
      server.resetStats();
      await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
      expect(server.stats.byEndpoint['GET /v1/blocks/:id/children'] ?? 0).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('keeps the state of each pipeline sharing it apart: a second pipeline loads in full, the first stays incremental', async () => {
    const server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 53 } });
    try {
      const received: Received = new Map();
      const shared = memorySink(received, join(dir, 'shared'));
      const load = (name: string) => pipeline({ pipelineName: name, destination: shared, datasetName: name }).run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
      const trees = () => server.stats.byEndpoint['GET /v1/blocks/:id/children'] ?? 0;
      await load('first');
      server.resetStats();
      await load('second');
      // Every page's tree again: the second pipeline has no state of its own yet (it must not read the first's).
      expect(trees()).toBeGreaterThanOrEqual([...server.workspace.pages()].length);
      expect(received.get('second.blocks')?.length).toBe([...server.workspace.blocks()].length);
      server.resetStats();
      await load('first');
      expect(trees()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('supports text_list columns: they reach the sink as Arrow List<Utf8> vectors', async () => {
    const table: TableSchema = { name: 'tagged', columns: [{ name: 'id', dataType: 'text', nullable: false }, { name: 'tags', dataType: 'text_list', nullable: true }], writeDisposition: 'append' };
    const lists = [[], null, ['a'], ['x', null, 'y']];
    const received: unknown[] = [];
    const toMemory = sink(
      (_table, batch) => {
        expect(batch.schema.fields[1]!.type).toBeInstanceOf(List);
        const tags = batch.getChild('tags')!;
        for (let i = 0; i < batch.numRows; i++) received.push((tags.get(i) as Vector | null)?.toArray() ?? null);
      },
      { stateDir: join(dir, 'state3') },
    );
    expect(toMemory.capabilities.supportedTypes).toContain('text_list');
    // A destination that does not say so stores no lists: the pipeline declares them json for it.
    expect(defineCapabilities({}).supportedTypes).not.toContain('text_list');
    expect(sink(() => undefined, { capabilities: { supportedTypes: ['text', 'json'] } }).capabilities.supportedTypes).toEqual(['text', 'json']);
    const session = new RuntimeSession(await toMemory.open({ pipelineName: 'lists', datasetName: 'd' }));
    await session.readState('lists');
    await session.ensureSchema([table]);
    await session.write('tagged', recordBatchOf(table.columns, lists.map((tags, i) => ({ id: String(i), tags }))));
    await session.close();
    expect(received).toEqual(lists);
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
