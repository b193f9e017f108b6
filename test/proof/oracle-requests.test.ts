import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource, type NotionSourceOptions } from '../../src/resources/notion-source.js';
import { startNotionServer, Workspace, WORKSPACE_PRESETS, type NotionServer, type NotionVersion, type WorkspaceOptions } from '../../src/server/index.js';
import { fullLoadRequests, incrementalRequests, loadedTruth } from '../oracle/requests.js';
import { editWorkspace } from './edits.js';

/**
 * The product's request counts against the independent oracle (test/oracle/requests.ts): the server
 * counts every request it receives, by endpoint; a full load, an incremental run after edits and an
 * incremental run without changes must each make exactly the requests a minimal correct client makes
 * (test/proof/no-duplicates.test.ts checks a faulted load: the oracle's count plus one per fault).
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-requests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The workspace clock stands still, before the runs: edits get one known minute, file URLs stay the
 * same, and no page falls in the minute a run started (that rule is test/e2e/incremental.test.ts's).
 */
const CLOCK = Date.UTC(2026, 0, 1, 10, 0);
const FAST_RETRY = { baseMs: 5, maxMs: 50, maxRetryAfterMs: 50 };
/** Each test runs one to three loads of a tiny workspace (seconds of CPU); the bound leaves room for a shared, busy machine. */
const LOAD_TIMEOUT = 120_000;

async function withServer(options: WorkspaceOptions, fn: (server: NotionServer, ws: Workspace) => Promise<void>): Promise<void> {
  const ws = new Workspace(options, () => CLOCK);
  const server = await startNotionServer({ workspace: ws });
  try {
    await fn(server, ws);
  } finally {
    await server.close();
  }
}

function source(server: NotionServer, version: NotionVersion, extra: Partial<NotionSourceOptions> = {}) {
  return notionSource({ apiKey: server.token, baseUrl: server.url, notionVersion: version, rateLimit: false, retry: FAST_RETRY, ...extra });
}

describe('a full load makes exactly the requests of the oracle', () => {
  it.each([
    // One database of 110 rows: the page listing and the query take two requests each.
    ['paged', '2025-09-03', 'pages', { ...WORKSPACE_PRESETS.tiny, databases: 1, rowsPerDatabase: 110, seed: 4 }],
    ['tiny', '2022-06-28', 'all', { ...WORKSPACE_PRESETS.tiny, seed: 4 }],
  ] as const)('%s workspace, Notion-Version %s, comments %s', async (name, version, comments, options) => {
    await withServer(options, async (server, ws) => {
      const p = pipeline({ pipelineName: 'full', destination: duckdb({ path: join(dir, `full-${name}.duckdb`) }) });
      await p.run(source(server, version, { comments }));
      const expected = fullLoadRequests(ws, { version, comments });
      expect(server.stats.byEndpoint).toEqual(expected.byEndpoint);
      expect(server.stats.total).toBe(expected.total);
      if (name === 'paged') {
        expect(expected.byEndpoint['POST /v1/search']).toBe(3);
        expect(expected.byEndpoint['POST /v1/data_sources/:id/query']).toBe(2);
      }
    });
  }, LOAD_TIMEOUT);
});

describe("the benchmarks' minimum (Workspace.minimalRequests, the product's strategy) is the oracle's", () => {
  it.each(['tiny', 'small'] as const)('%s workspace, every comments mode', (preset) => {
    const ws = new Workspace(WORKSPACE_PRESETS[preset]);
    for (const comments of ['pages', 'all', 'none'] as const) {
      expect({ comments, total: ws.minimalRequests({ notionVersion: '2025-09-03', comments }).total }).toEqual({ comments, total: fullLoadRequests(ws, { version: '2025-09-03', comments }).total });
    }
  });
});

describe.each(['2025-09-03', '2022-06-28'] as const)('incremental runs make exactly the requests of the oracle (%s)', (version) => {
  it('after edits of every kind, then without changes', async () => {
    await withServer({ ...WORKSPACE_PRESETS.tiny, seed: 8 }, async (server, ws) => {
      const p = pipeline({ pipelineName: 'incremental', destination: duckdb({ path: join(dir, `incremental-${version}.duckdb`) }) });
      const run = async () => {
        const startedAt = Date.now();
        server.resetStats();
        await p.run(source(server, version));
        return startedAt;
      };
      let before = loadedTruth(ws, await run(), version);
      editWorkspace(ws);
      const afterEdits = incrementalRequests(ws, before, { version, comments: 'pages' });
      before = loadedTruth(ws, await run(), version);
      expect(server.stats.byEndpoint).toEqual(afterEdits.byEndpoint);
      // The trashed row has more than 25 relations: it is completed (its raw row stays).
      expect(afterEdits.byEndpoint['GET /v1/pages/:id/properties/:property_id']).toBeGreaterThan(2);

      const unchanged = incrementalRequests(ws, before, { version, comments: 'pages' });
      await run();
      expect(server.stats.byEndpoint).toEqual(unchanged.byEndpoint);
      expect(Object.keys(unchanged.byEndpoint).sort()).toEqual(['GET /v1/users', 'POST /v1/search', version === '2022-06-28' ? 'POST /v1/databases/:id/query' : 'POST /v1/data_sources/:id/query'].sort());
    });
  }, LOAD_TIMEOUT);
});
