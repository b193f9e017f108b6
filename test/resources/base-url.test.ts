import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { resolveSourceOptions } from '../../src/resources/source-options.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { closedUrl } from '../helpers/closed-url.js';

let server: NotionServer;
const cwd = mkdtempSync(join(tmpdir(), 'nf-base-url-'));
const saved = process.env['NOTION_BASE_URL'];

beforeAll(async () => {
  server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 3 } });
});
afterAll(async () => {
  await server.close();
  rmSync(cwd, { recursive: true, force: true });
  if (saved === undefined) delete process.env['NOTION_BASE_URL'];
  else process.env['NOTION_BASE_URL'] = saved;
});


/** Load the workspace with `baseUrl` (if any) given to notionSource, NOTION_BASE_URL set to `env`. */
async function load(env: string, baseUrl?: string) {
  process.env['NOTION_BASE_URL'] = env;
  // A short timeout and no retries: a request that goes to api.notion.com instead fails fast.
  const source = notionSource({ apiKey: server.token, rateLimit: false, timeoutMs: 2000, retry: { maxAttempts: 1 }, ...(baseUrl !== undefined ? { baseUrl } : {}) });
  const p = pipeline({ pipelineName: 'base_url', destination: duckdb({ path: ':memory:' }), cwd });
  return p.run(source);
}

describe('notionSource base URL', () => {
  it('reads NOTION_BASE_URL like the CLI', async () => {
    const info = await load(server.url);
    expect(info.rowCounts['pages']).toBeGreaterThan(0);
  });

  it('lets an explicit baseUrl win over NOTION_BASE_URL', async () => {
    const info = await load(await closedUrl(), server.url);
    expect(info.rowCounts['pages']).toBeGreaterThan(0);
  });

  it('names NOTION_BASE_URL when the server it names cannot be reached', async () => {
    const url = await closedUrl();
    await expect(load(url)).rejects.toThrow(`unreachable at ${url} (from NOTION_BASE_URL)`);
  });

  it('resolves the URL and its origin: option, environment, default', () => {
    expect(resolveSourceOptions({ apiKey: 'k', baseUrl: 'http://a' }, { NOTION_BASE_URL: 'http://b' })).toMatchObject({ baseUrl: 'http://a', baseUrlOrigin: 'notionSource({ baseUrl })' });
    expect(resolveSourceOptions({ apiKey: 'k', baseUrl: 'http://a', baseUrlOrigin: 'the --base-url flag' }, {})).toMatchObject({ baseUrlOrigin: 'the --base-url flag' });
    expect(resolveSourceOptions({ apiKey: 'k' }, { NOTION_BASE_URL: 'http://b' })).toMatchObject({ baseUrl: 'http://b', baseUrlOrigin: 'NOTION_BASE_URL' });
    expect(resolveSourceOptions({ apiKey: 'k' }, { NOTION_BASE_URL: '' })).toMatchObject({ baseUrl: undefined, baseUrlOrigin: undefined });
  });
});
