import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import type { BlockNode } from '../../src/server/block-tree.js';
import { startNotionServer, WORKSPACE_PRESETS, type NotionServer, type Workspace } from '../../src/server/index.js';
import { renderBlock } from '../../src/server/render.js';

/**
 * `page_content` against the server's truth: for every page with blocks, every piece of block text
 * (each rich-text item, code, equations, table cells, child page titles) appears in the Markdown in
 * document order, after removing Markdown's backslash escapes.
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const unescape = (md: string): string => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');

/** The text pieces of a page's blocks in document order (synced references and sub-pages not descended). */
function pieces(ws: Workspace, pageNo: number): string[] {
  const out: string[] = [];
  const visit = (node: BlockNode): void => {
    const block = renderBlock(ws, pageNo, node) as Record<string, any>;
    const payload = block[node.type] ?? {};
    const rich = (items: any[] | undefined) => {
      for (const item of items ?? []) if (String(item.plain_text).trim() !== '') out.push(String(item.plain_text).trim());
    };
    if (node.type === 'equation') out.push(payload.expression);
    else if (node.type === 'child_page' || node.type === 'child_database') out.push(payload.title);
    else if (node.type === 'table_row') for (const cell of payload.cells) rich(cell);
    else rich(payload.rich_text);
    if (node.type === 'child_page' || node.type === 'child_database' || (node.type === 'synced_block' && payload.synced_from)) return;
    for (const child of ws.childrenOf(node) ?? []) visit(child);
  };
  for (const top of ws.tree(pageNo).top) visit(top);
  return out;
}

function expectInOrder(markdown: string, expected: readonly string[], pageId: string): void {
  const text = unescape(markdown);
  let at = 0;
  for (const piece of expected) {
    const found = text.indexOf(piece, at);
    if (found < 0) throw new Error(`page ${pageId}: "${piece}" not found in order after offset ${at} of:\n${text}`);
    at = found + piece.length;
  }
}

describe('page content', () => {
  let server: NotionServer;
  let p: Pipeline;

  beforeAll(async () => {
    server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 5 } });
    p = pipeline({ pipelineName: 'content', destination: duckdb({ path: join(dir, 'content.duckdb') }), datasetName: 'notion_data' });
    await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
  });
  afterAll(async () => server.close());

  it('renders every page with blocks, each block text in document order', async () => {
    const ws = server.workspace;
    const rows = new Map((await p.dataset().sql('select page_id, markdown, plain_text from notion_data.page_content')).map((r) => [String(r['page_id']), r]));
    const withBlocks = [...ws.pages()].filter((page) => ws.tree(ws.decode(page.id)!.index).top.length > 0);
    expect(withBlocks.length).toBeGreaterThan(10);
    expect([...rows.keys()].sort()).toEqual(withBlocks.map((page) => page.id).sort());
    for (const page of withBlocks) {
      const row = rows.get(page.id)!;
      const expected = pieces(ws, ws.decode(page.id)!.index);
      expectInOrder(String(row['markdown']), expected, page.id);
      expectInOrder(String(row['plain_text']), expected, page.id);
    }
  });

  it('is replaced with the page tree on an incremental run and removed with a trashed page', async () => {
    const ws = server.workspace;
    const [edited, trashed] = [...ws.pages()].filter((page) => page.parent_type !== 'database_id' && ws.tree(ws.decode(page.id)!.index).top.length > 0);
    const appended = ws.appendBlock(edited!.id, { type: 'paragraph', text: 'a freshly appended paragraph' });
    ws.deleteBlock(ws.tree(ws.decode(edited!.id)!.index).top[0]!.id);
    ws.trashPage(trashed!.id);
    expect(appended).toBeDefined();
    await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false }));
    const ds = p.dataset();
    const [row] = await ds.sql(`select markdown from notion_data.page_content where page_id = '${edited!.id}'`);
    expect(String(row!['markdown'])).toContain('a freshly appended paragraph');
    expectInOrder(String(row!['markdown']), pieces(ws, ws.decode(edited!.id)!.index), edited!.id);
    expect(await ds.sql(`select page_id from notion_data.page_content where page_id = '${trashed!.id}'`)).toEqual([]);
    const [n] = await ds.sql('select count(*) as n, count(distinct page_id) as d from notion_data.page_content');
    expect(Number(n!['n'])).toBe(Number(n!['d']));
  });
});

describe("page content from Notion's Markdown endpoint, without blocks", () => {
  let server: NotionServer;
  let p: Pipeline;

  beforeAll(async () => {
    // A small record limit truncates most pages: the source follows unknown_block_ids until complete.
    server = await startNotionServer({ workspace: { ...WORKSPACE_PRESETS.tiny, seed: 6 }, markdownRecordLimit: 4 });
    p = pipeline({ pipelineName: 'md', destination: duckdb({ path: join(dir, 'md.duckdb') }), datasetName: 'notion_data' });
    await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false, pageContent: 'notion', blocks: false }));
  });
  afterAll(async () => server.close());

  it('holds every page\'s block text in order, and no block rows', async () => {
    const ws = server.workspace;
    const ds = p.dataset();
    const rows = new Map((await ds.sql('select page_id, markdown from notion_data.page_content')).map((r) => [String(r['page_id']), String(r['markdown'])]));
    const withBlocks = [...ws.pages()].filter((page) => ws.tree(ws.decode(page.id)!.index).top.length > 0);
    expect([...rows.keys()].sort()).toEqual(withBlocks.map((page) => page.id).sort());
    for (const page of withBlocks) expectInOrder(rows.get(page.id)!, pieces(ws, ws.decode(page.id)!.index), page.id);
    const tables = (await ds.sql(`select table_name from information_schema.tables where table_schema = 'notion_data'`)).map((r) => r['table_name']);
    expect(tables).not.toContain('blocks');
    expect(server.stats.byEndpoint['GET /v1/blocks/:id/children'] ?? 0).toBe(0);
    expect(server.stats.byEndpoint['GET /v1/pages/:id/markdown']).toBeGreaterThan(withBlocks.length);
  });
});
