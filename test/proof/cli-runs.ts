import { expect } from '@jest/globals';
import { duckdb } from '../../destinations/duckdb/index.js';
import { ConfigError } from '../../src/errors.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { startNotionServer, type NotionServer, type Workspace } from '../../src/server/index.js';
import { cli, PROGRESS_LINES_ONLY } from '../helpers/run-cli.js';
import { frozenWorkspace } from './loaded.js';

/** CLI runs against a built-in server, for the proofs of the load options. */

/** A server over a frozen tiny workspace, and the page trees it was asked for. */
export interface Served {
  readonly server: NotionServer;
  readonly ws: Workspace;
  /** Page ids whose tree (`GET /v1/blocks/<page id>/children`) was requested since the last `reset()`. */
  readonly treesFetched: () => string[];
  readonly reset: () => void;
}

export async function serve(seed: number): Promise<Served> {
  const ws = frozenWorkspace(seed);
  let paths: string[] = [];
  const server = await startNotionServer({ workspace: ws, onRequest: (method, path) => void paths.push(`${method} ${path}`) });
  const pageIds = () => new Set([...ws.pages()].map((p) => p.id));
  return {
    server,
    ws,
    treesFetched: () => {
      const pages = pageIds();
      const fetched = paths.map((p) => /^GET \/v1\/blocks\/([^/]+)\/children/.exec(p)?.[1]).filter((id): id is string => id !== undefined && pages.has(id));
      return [...new Set(fetched)].sort();
    },
    reset: () => void (paths = []),
  };
}

/** `notionflow run` into `path` from the server, with `flags`; must succeed quietly. */
export async function run(s: Served, path: string, ...flags: string[]): Promise<void> {
  const r = await cli(['run', '--duckdb-path', path, '--rate-limit', '0', '--progress', 'log', ...flags], { NOTION_API_KEY: s.server.token, NOTION_BASE_URL: s.server.url });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(PROGRESS_LINES_ONLY) });
}

/** The CLI's pipeline on `path`, for reading what it loaded. */
export const reader = (path: string): Pipeline => pipeline({ destination: duckdb({ path }) });

/** The Notion source's stored state (cursors, trees) of the CLI's pipeline on `path`. */
export async function notionState(path: string): Promise<{ cursors: { pages?: string; rows: Record<string, string> }; trees: Record<string, string> }> {
  const p = reader(path);
  const session = await p.destination.open({ pipelineName: p.pipelineName, datasetName: p.datasetName, readOnly: true });
  try {
    const stored = await session.readState(p.pipelineName);
    return (stored!.state['sources'] as Record<string, never>)['notion'];
  } finally {
    await session.close();
  }
}

/** A top-level page with blocks and comments, and a database row, that `deletePage` takes. */
export function victims(ws: Workspace): string[] {
  const all = [...ws.pages()];
  const blocksOf = new Set([...ws.blocks()].map((b) => b.page_id));
  const commented = new Set([...ws.comments()].map((c) => c.page_id));
  const parents = new Set(all.map((p) => p.parent_id));
  const page = all.find((p) => {
    if (p.parent_type !== 'workspace' || parents.has(p.id) || !blocksOf.has(p.id) || !commented.has(p.id)) return false;
    try {
      ws.deletePage(p.id);
      return true;
    } catch (error) {
      if (error instanceof ConfigError) return false; // a synced original: other pages' content would change
      throw error;
    }
  });
  const row = all.find((p) => p.parent_type === 'database_id' && blocksOf.has(p.id) && commented.has(p.id));
  if (!page || !row) throw new Error('the test workspace needs a deletable top-level page and a row, both with blocks and comments');
  ws.deletePage(row.id);
  return [page.id, row.id];
}
