import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hostileWorkspace, startNotionServer, Workspace, WORKSPACE_PRESETS } from '../../src/server/index.js';
import { pageMarkdown } from '../../src/server/markdown.js';
import type { NotionServer } from '../../src/server/index.js';
import { call, collect } from './api.js';

const FIXED = () => Date.UTC(2026, 0, 1, 10, 0, 0);
const plain = (rt: any[] | undefined): string => (rt ?? []).map((t) => t.plain_text).join('');

/**
 * A page's whole markdown read through the endpoint: the page's answer, then depth-first each unknown
 * block's; an unknown child page is the sub-page's own id, so it stands for its link.
 */
async function readAll(server: NotionServer, id: string, query: string, pages: Set<string>): Promise<{ markdown: string; requests: number; links: number }> {
  const res = await call(server, 'GET', `/v1/pages/${id}/markdown${query}`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ object: 'page_markdown', id, truncated: res.body.unknown_block_ids.length > 0 });
  const parts = res.body.markdown === '' ? [] : [res.body.markdown];
  let requests = 1;
  let links = 0;
  for (const unknown of res.body.unknown_block_ids as string[]) {
    if (pages.has(unknown) && unknown !== id) {
      const page = (await call(server, 'GET', `/v1/pages/${unknown}`)).body;
      parts.push(`[${page.properties.title.title[0].plain_text}](${page.url})`);
      links++;
      continue;
    }
    const rest = await readAll(server, unknown, query, pages);
    if (rest.markdown !== '') parts.push(rest.markdown);
    requests += rest.requests;
    links += rest.links;
  }
  return { markdown: parts.join('\n'), requests, links };
}

/** The text of a page's blocks in document order, from the block crawl (the independent side). */
async function crawlTexts(server: NotionServer, parentId: string, transcripts: boolean): Promise<string[]> {
  const res = await collect(server, 'GET', `/v1/blocks/${parentId}/children`, '2026-03-11');
  if (res.status === 404) return [];
  const out: string[] = [];
  for (const b of res.results) {
    const body = b[b.type];
    const text = b.type === 'equation' ? body.expression
      : b.type === 'child_page' || b.type === 'child_database' ? body.title
        : b.type === 'meeting_notes' ? plain(body.title) : plain(body.rich_text);
    if (text !== '') out.push(text);
    if (b.type === 'table_row') out.push(...body.cells.map(plain));
    if (!b.has_children || b.type === 'child_page' || b.type === 'child_database') continue;
    const kids = await crawlTexts(server, b.id, transcripts);
    if (b.type === 'meeting_notes' && !transcripts) {
      const transcript = (await call(server, 'GET', `/v1/blocks/${body.children.transcript_block_id}`)).body.paragraph.rich_text;
      kids.splice(kids.lastIndexOf(plain(transcript)), 1);
    }
    out.push(...kids);
  }
  return out;
}

function expectInOrder(markdown: string, texts: readonly string[]): void {
  let at = 0;
  for (const text of texts) {
    const found = markdown.indexOf(text, at);
    if (found < 0) throw new Error(`"${text}" not found in order after offset ${at} of:\n${markdown}`);
    at = found + text.length;
  }
}

describe('GET /v1/pages/:id/markdown', () => {
  let ws: Workspace;
  let small: NotionServer;
  let whole: NotionServer;
  let pages: Set<string>;
  beforeAll(async () => {
    ws = new Workspace(WORKSPACE_PRESETS.tiny, FIXED);
    small = await startNotionServer({ workspace: ws, markdownRecordLimit: 5 });
    whole = await startNotionServer({ workspace: ws, markdownRecordLimit: 100_000 });
    pages = new Set([...ws.pages()].map((p) => p.id));
  });
  afterAll(async () => {
    await small.close();
    await whole.close();
  });

  it.each(['', '?include_transcript=true'])('gives every block of every page in order when following unknown_block_ids (query "%s")', async (query) => {
    let truncated = 0;
    let links = 0;
    for (const page of ws.pages()) {
      const full = await call(whole, 'GET', `/v1/pages/${page.id}/markdown${query}`);
      expect(full.body).toMatchObject({ truncated: false, unknown_block_ids: [] });
      const read = await readAll(small, page.id, query, pages);
      expect(read.markdown).toBe(full.body.markdown);
      if (read.requests > 1) truncated++;
      links += read.links;
      expectInOrder(full.body.markdown, await crawlTexts(whole, page.id, query !== ''));
    }
    expect(truncated).toBeGreaterThan(3);
    expect(links).toBeGreaterThan(0);
  });

  it('cuts at the record limit, lists the roots not rendered, and renders a block id as its subtree', async () => {
    const page = [...ws.pages()].find((p) => [...ws.blocks()].filter((b) => b.page_id === p.id).length > 10)!;
    const res = (await call(small, 'GET', `/v1/pages/${page.id}/markdown`)).body;
    expect(res.truncated).toBe(true);
    const truth = new Map([...ws.blocks()].map((b) => [b.id, b]));
    const roots = res.unknown_block_ids as string[];
    expect(roots.length).toBeGreaterThan(0);
    // Roots are disjoint subtrees: none is under another.
    for (const id of roots) {
      for (let p = truth.get(id)?.parent_id; p !== undefined && p !== page.id; p = truth.get(p)?.parent_id) expect(roots).not.toContain(p);
    }
    const first = (await call(small, 'GET', `/v1/pages/${roots[0]}/markdown`)).body;
    expect(first).toMatchObject({ object: 'page_markdown', id: roots[0] });
    expect(first.markdown.length).toBeGreaterThan(0);
  });

  it('renders a meeting-notes block as its title heading, summary and notes; the transcript with include_transcript=true', async () => {
    const block = [...ws.blocks()].find((b) => b.type === 'meeting_notes')!;
    const notes = (await call(whole, 'GET', `/v1/blocks/${block.id}`, { version: '2026-03-11' })).body.meeting_notes;
    const text = async (id: string) => plain((await call(whole, 'GET', `/v1/blocks/${id}`)).body.paragraph.rich_text);
    const [summary, body, transcript] = [await text(notes.children.summary_block_id), await text(notes.children.notes_block_id), await text(notes.children.transcript_block_id)];
    const without = (await call(whole, 'GET', `/v1/pages/${block.id}/markdown`)).body.markdown;
    const withTranscript = (await call(whole, 'GET', `/v1/pages/${block.id}/markdown?include_transcript=true`)).body.markdown;
    expect(without).toBe([`## ${plain(notes.title)}`, summary, body].join('\n'));
    expect(withTranscript).toBe([`## ${plain(notes.title)}`, summary, body, transcript].join('\n'));
    const page = (await call(whole, 'GET', `/v1/pages/${block.page_id}/markdown`)).body.markdown;
    expect(page).toContain(`## ${plain(notes.title)}\n${summary}\n${body}`);
    expect(page).not.toContain(transcript);
  });

  it('answers 404 for unshared and unknown ids, and counts the endpoint in stats', async () => {
    small.resetStats();
    const unshared = Array.from({ length: ws.options.pages }, (_, i) => i).find((i) => !ws.isPageShared(i))!;
    for (const id of [ws.pageId(unshared), '00000000-0000-4000-8000-000000000000', [...ws.comments()][0]!.id]) {
      expect((await call(small, 'GET', `/v1/pages/${id}/markdown`)).body).toMatchObject({ status: 404, code: 'object_not_found' });
    }
    expect(small.stats.byEndpoint['GET /v1/pages/:id/markdown']).toBe(3);
  });
});

describe('GET /v1/pages/:id/markdown on synced blocks in a cycle', () => {
  it('renders each original once per page, and the answer is complete', () => {
    const h = hostileWorkspace({}, FIXED);
    for (const id of h.cyclePageIds) {
      const result = pageMarkdown(h.workspace, h.workspace.decode(id)!.index, { limit: 10_000, includeTranscript: false });
      expect(result.truncated).toBe(false);
      expect(result.unknown_block_ids).toEqual([]);
      expect(result.markdown.split('synced A').length - 1).toBeGreaterThanOrEqual(1);
      expect(result.markdown.split('synced A').length - 1).toBeLessThanOrEqual(3);
    }
  });
});
