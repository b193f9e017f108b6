import { BLOCK_SPACE, isTranscript } from './block-tree.js';
import type { BlockNode } from './block-tree.js';
import { pageUrl, renderBlock } from './render.js';
import type { Json, JsonObject } from './text.js';
import type { Workspace } from './workspace.js';

/** How `GET /v1/pages/:id/markdown` renders. */
export interface MarkdownOptions {
  /** Most blocks one response renders (a table counts with its rows). */
  readonly limit: number;
  /** Render a meeting_notes block's transcript child (query `include_transcript=true`). */
  readonly includeTranscript: boolean;
}

/** The body of a `page_markdown` answer, without `object` and `id`. */
export interface MarkdownResult {
  readonly markdown: string;
  readonly truncated: boolean;
  readonly unknown_block_ids: string[];
}

/** Blocks that render no line of their own: their children are not indented under them. */
const CONTAINERS = new Set(['column_list', 'column', 'synced_block', 'meeting_notes']);

const plain = (richText: Json | undefined): string =>
  Array.isArray(richText) ? richText.map((t) => (t as JsonObject).plain_text as string).join('') : '';

/**
 * Renders block trees to Markdown, one line (or a few) per block, with our model of Notion's record
 * limit (Notion does not document where it cuts):
 * - blocks are rendered depth-first in document order and counted; a table counts with its rows and is
 *   never split from them;
 * - once a block would take the count past the limit (except the response's first block, so every
 *   request makes progress), rendering stops: that block and every later block whose parent was
 *   rendered (or is the page) are listed in `unknown_block_ids`, in document order, and nothing under
 *   them is rendered;
 * - `GET /v1/pages/<unknown id>/markdown` renders that block's subtree with the same rules, indented as
 *   in the page, so the page's markdown followed depth-first by its unknown blocks' markdown (joined with
 *   newlines) is the whole page's markdown. A child_page block's id is the sub-page's id, so requesting it
 *   answers the sub-page's markdown: a reader renders that id as a link to the page instead.
 *
 * Lines: headings `#`…`###`, list items `- ` / `1. ` / `- [ ] `, toggles `- `, quotes and callouts `> `,
 * code fences with the language, `$$expression$$`, `---`, GFM tables, `[title](url)` for child pages,
 * child databases, page links and bookmarks, `![caption](url)` for images, synced references with the
 * original's content (nothing more when met inside that original: Notion has no such cycles, the hostile
 * workspace does), meeting notes as a `## title` heading followed by the summary and the notes (and
 * the transcript with `includeTranscript`). Nested blocks are indented two spaces per level.
 */
class MarkdownWriter {
  readonly #ws: Workspace;
  readonly #options: MarkdownOptions;
  readonly #lines: string[] = [];
  readonly #unknown: string[] = [];
  /** Synced originals (block indexes) being rendered: a reference met inside its own original renders no content again. */
  readonly #syncing = new Set<number>();
  #count = 0;
  #stopped = false;

  constructor(ws: Workspace, options: MarkdownOptions) {
    this.#ws = ws;
    this.#options = options;
  }

  get result(): MarkdownResult {
    return { markdown: this.#lines.join('\n'), truncated: this.#stopped, unknown_block_ids: this.#unknown };
  }

  block(pageNo: number, node: BlockNode, indent: number): void {
    const cost = node.type === 'table' ? 1 + node.children.length : 1;
    if (this.#stopped || (this.#count > 0 && this.#count + cost > this.#options.limit)) {
      this.#stopped = true;
      this.#unknown.push(node.id);
      return;
    }
    this.#count += cost;
    const ws = this.#ws;
    const body = renderBlock(ws, pageNo, node)[node.type] as JsonObject;
    const text = plain(body.rich_text);
    const line = (s: string): void => void this.#lines.push(`${'  '.repeat(indent)}${s}`);
    const link = (title: string, url: string): void => line(`[${title}](${url})`);
    switch (node.type) {
      case 'heading_1': line(`# ${text}`); break;
      case 'heading_2': line(`## ${text}`); break;
      case 'heading_3': line(`### ${text}`); break;
      case 'bulleted_list_item':
      case 'toggle': line(`- ${text}`); break;
      case 'numbered_list_item': line(`1. ${text}`); break;
      case 'to_do': line(`- [${body.checked === true ? 'x' : ' '}] ${text}`); break;
      case 'quote': line(`> ${text}`); break;
      case 'callout': line(`> ${(body.icon as JsonObject).emoji as string} ${text}`); break;
      case 'code': line(`\`\`\`${body.language as string}`); line(text); line('```'); break;
      case 'equation': line(`$$${body.expression as string}$$`); break;
      case 'divider': line('---'); break;
      case 'image': line(`![${plain(body.caption)}](${((body.file ?? body.external) as JsonObject).url as string})`); break;
      case 'bookmark': link(plain(body.caption) || (body.url as string), body.url as string); break;
      case 'link_to_page': link(ws.pageTitle(node.ref), pageUrl(ws.pageId(node.ref), ws.pageTitle(node.ref))); break;
      case 'child_page':
      case 'child_database': link(body.title as string, pageUrl(node.id, body.title as string)); return;
      case 'meeting_notes': line(`## ${plain(body.title)}`); break;
      case 'table':
        node.children.forEach((row, i) => {
          const cells = (renderBlock(ws, pageNo, row).table_row as JsonObject).cells as Json[];
          line(`| ${cells.map((c) => plain(c).replace(/\|/g, '\\|')).join(' | ')} |`);
          if (i === 0) line(`|${' --- |'.repeat(cells.length)}`);
        });
        return;
      case 'column_list':
      case 'column':
      case 'synced_block':
      case 'unsupported': break;
      default: line(text);
    }
    // A synced reference shows its original's children (none when the original is unreadable).
    const childPage = node.type === 'synced_block' && node.ref >= 0 ? Math.floor(node.ref / BLOCK_SPACE) : pageNo;
    const next = CONTAINERS.has(node.type) ? indent : indent + 1;
    const original = node.type !== 'synced_block' ? -1 : node.ref >= 0 ? node.ref : pageNo * BLOCK_SPACE + node.local;
    if (this.#syncing.has(original)) return;
    if (original >= 0) this.#syncing.add(original);
    for (const child of ws.childrenOf(node) ?? []) {
      if (this.#options.includeTranscript || !isTranscript(node, child)) this.block(childPage, child, next);
    }
    this.#syncing.delete(original);
  }
}

/** The markdown of a page's content (see {@link MarkdownWriter} for the truncation model). */
export function pageMarkdown(ws: Workspace, pageNo: number, options: MarkdownOptions): MarkdownResult {
  const writer = new MarkdownWriter(ws, options);
  for (const node of ws.tree(pageNo).top) writer.block(pageNo, node, 0);
  return writer.result;
}

/** The markdown of one block and its subtree, indented as it is in its page. */
export function blockMarkdown(ws: Workspace, pageNo: number, node: BlockNode, options: MarkdownOptions): MarkdownResult {
  let indent = 0;
  for (let p = node.parent; p !== undefined; p = p.parent) if (!CONTAINERS.has(p.type)) indent++;
  const writer = new MarkdownWriter(ws, options);
  writer.block(pageNo, node, indent);
  return writer.result;
}
