import { concat, concatMap, from, reduce, type Observable } from 'rxjs';
import type { NotionRequester } from '../client/types.js';
import type { Row, TableDeclaration } from '../records.js';
import { renderPageContent, type ContentBlock } from './markdown.js';

/** Where a page's content comes from: rendered from its blocks, Notion's own Markdown endpoint, or not loaded. */
export type PageContentMode = 'rendered' | 'notion' | 'none';

/** The table of every page's content. */
export const PAGE_CONTENT_TABLE = 'page_content';

/** The declaration of {@link PAGE_CONTENT_TABLE}: one row per page with blocks, merged by `page_id`. */
export const PAGE_CONTENT_DECLARATION: TableDeclaration = {
  primaryKey: ['page_id'],
  writeDisposition: 'merge',
  columns: [
    { name: 'page_id', dataType: 'text' },
    { name: 'markdown', dataType: 'text' },
    { name: 'plain_text', dataType: 'text' },
    { name: 'last_edited_time', dataType: 'timestamp' },
  ],
};

type Obj = Record<string, unknown> & { readonly id: string };

/**
 * Collects the blocks of one checkpoint unit and renders the content of its pages once their trees are
 * complete (no extra request). A synced copy renders its original's content only when the original is
 * on the same page; otherwise a comment names the original, whose page renders the content (once). So a
 * page's content never depends on which unit or run walked another page.
 */
export class ContentCollector {
  #unit = new Map<string, ContentBlock[]>();

  /** Index blocks (as `expandBlocks` emits them, with `parent_id`, `page_id` and `position`). */
  add(blocks: readonly ContentBlock[]): void {
    for (const b of blocks) {
      const parent = String(b.parent_id);
      const siblings = this.#unit.get(parent);
      if (siblings) siblings.push(b);
      else this.#unit.set(parent, [b]);
    }
  }

  /** The `page_content` rows of the pages whose trees were walked in this unit (pages without blocks have none); then start the next unit. */
  take(pages: readonly Obj[]): Row[] {
    const rows: Row[] = [];
    for (const page of pages) {
      if (!this.#unit.has(page.id)) continue;
      const childrenOf = (id: string): readonly ContentBlock[] | undefined => {
        const own = this.#unit.get(id)?.filter((b) => b['page_id'] === page.id);
        return own === undefined || own.length === 0 ? undefined : own;
      };
      const { markdown, plain_text } = renderPageContent(page.id, childrenOf);
      rows.push({ page_id: page.id, markdown, plain_text, last_edited_time: page['last_edited_time'] ?? null });
    }
    this.#unit = new Map();
    return rows;
  }
}

interface PageMarkdown {
  readonly markdown?: string;
  readonly truncated?: boolean;
  readonly unknown_block_ids?: readonly string[];
}

/**
 * A page's content as Notion renders it (`GET /v1/pages/{id}/markdown`, meeting transcripts included):
 * while a response is truncated, the blocks it could not render (`unknown_block_ids`, in document order)
 * are read from the same endpoint and appended, so the Markdown is complete. An unknown block is first
 * looked up (`GET /v1/blocks/{id}`): a child page or database is linked, not read (its id would answer
 * the other page's own content).
 */
export function notionMarkdown(client: NotionRequester, pageId: string): Observable<string> {
  const read = (id: string): Observable<string> =>
    client.request$<PageMarkdown>({ method: 'GET', path: `/v1/pages/${id}/markdown`, query: { include_transcript: 'true' } }).pipe(
      concatMap((r) => {
        const rest = r.truncated ? (r.unknown_block_ids ?? []) : [];
        return concat(from([r.markdown ?? '']), from(rest).pipe(concatMap((blockId) => unknown(blockId))));
      }),
    );
  const unknown = (id: string): Observable<string> =>
    client.request$<Obj>({ method: 'GET', path: `/v1/blocks/${id}` }).pipe(
      concatMap((block) => {
        const type = String(block['type']);
        if (type !== 'child_page' && type !== 'child_database') return read(id);
        const title = String((block[type] as { title?: unknown } | undefined)?.title ?? '') || 'Untitled';
        return from([`[${title}](https://www.notion.so/${id.replace(/-/g, '')})`]);
      }),
    );
  // The parts are consecutive pieces of one document: concatenated, each ending its last line.
  return read(pageId).pipe(reduce((markdown: string, part) => (part === '' ? markdown : `${markdown}${part.endsWith('\n') ? part : `${part}\n`}`), ''));
}
