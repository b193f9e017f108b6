/**
 * A pure renderer from Notion blocks to GitHub-flavoured Markdown and plain text.
 *
 * GFM syntax is used where it exists; for what GFM lacks the rendering is fixed and documented on
 * {@link renderPageContent}. Text is escaped minimally: a block's text appears unchanged in the Markdown
 * apart from Markdown marks and backslash escapes, so it can be searched for. Notion-hosted file URLs
 * (signed, expiring after an hour) are never written.
 */

/** A block as the API returns it, with the fields the pipeline attaches (`expandBlocks`). */
export interface ContentBlock extends Readonly<Record<string, unknown>> {
  readonly id: string;
  readonly type?: string;
  /** The parent block's id, or the page id for top-level blocks. */
  readonly parent_id?: string;
  /** 0-based order among siblings. */
  readonly position?: number;
  readonly has_children?: boolean;
}

/** Children of a block or page, in any order (the renderer sorts by `position`); undefined when not known. */
export type ChildrenOf = (parentId: string) => readonly ContentBlock[] | undefined;

/** A page's content rendered twice. */
export interface RenderedContent {
  /** GitHub-flavoured Markdown, ending in one newline (empty for an empty page). */
  readonly markdown: string;
  /** Each block's text on its own line in document order, without Markdown syntax or escaping. */
  readonly plain_text: string;
}

/** One item of a Notion rich-text array (the fields the renderer reads). */
export interface RichTextItem {
  readonly type?: string;
  readonly plain_text?: string;
  readonly href?: string | null;
  readonly annotations?: {
    readonly bold?: boolean;
    readonly italic?: boolean;
    readonly strikethrough?: boolean;
    readonly code?: boolean;
  };
  readonly equation?: { readonly expression?: string };
}

type Json = Readonly<Record<string, unknown>>;

/** One rendered piece of a block sequence; consecutive list items of one kind join without a blank line. */
interface Chunk {
  readonly markdown: string;
  readonly list?: 'bullet' | 'ordered';
}

interface Context {
  readonly childrenOf: ChildrenOf;
  /** Blocks and synced originals being rendered, outermost first: met again, they are a cycle. */
  readonly path: Set<string>;
  /** Plain-text lines so far, in document order. */
  readonly plain: string[];
}

/** Blocks whose children are rendered by the block itself; any other block's children follow it. */
const OWNS_CHILDREN = new Set([
  'bulleted_list_item',
  'numbered_list_item',
  'to_do',
  'quote',
  'callout',
  'toggle',
  'table',
  'synced_block',
  // Their children are the content of another page, loaded as that page.
  'child_page',
  'child_database',
]);

const MEDIA = new Set(['image', 'video', 'pdf', 'audio', 'file']);

/**
 * Render a page's block tree as GitHub-flavoured Markdown and as plain text.
 *
 * <span class="informal">Blocks are read through `childrenOf`, starting from `childrenOf(pageId)`, each level
 * sorted by `position`. Nothing is fetched, nothing throws: unknown or missing data renders as little as it can.</span>
 *
 * Renderings where GFM has none:
 * - `toggle`: `<details><summary>text</summary>`, a blank line, the children, `</details>`. The summary holds
 *   the same inline Markdown as a paragraph would.
 * - toggleable headings, `tab`, `template`, `column_list` and `column`: their own text (if any), then their
 *   children one after another at the same level; columns are not side by side.
 * - `callout`: a quote starting with the emoji icon (emoji icons only), children quoted too.
 * - `synced_block`: the original's children in place, for the original and for each reference to it
 *   (`childrenOf(original id)`); `<!-- synced from <id> -->` when `childrenOf` does not know it and
 *   `<!-- synced from <id> (cycle) -->` when met inside itself.
 * - `child_page`, `child_database`: `[title](https://www.notion.so/<id>)`; `link_to_page`: `[link to page](…)`.
 * - `bookmark`, `embed`, `link_preview`: `[caption or url](url)`.
 * - `image`, `video`, `pdf`, `audio`, `file`: external files as `![label](url)` (image) or `[label](url)`,
 *   label = caption, else file name; Notion-hosted files as `[label] (Notion-hosted file)`, without the URL.
 * - `meeting_notes`, `transcription`: `### <title or "Meeting notes">`, then the children.
 * - `table_of_contents`, `breadcrumb`: nothing; `unsupported`: `<!-- unsupported block: <block_type> -->`.
 * - any other type: its `rich_text` as a paragraph, if it has one, then its children.
 *
 * Numbered lists are numbered from the first item's `list_start_index` (default 1), whatever `list_format`.
 * Children of list items are indented by the marker's width. Newlines in text become backslash line breaks
 * (`<br>` in headings, table cells and summaries). Underline, colours and a table's row header are dropped.
 * Trailing whitespace is removed from every line, code included.
 *
 * @example
 * ```ts
 * const { markdown, plain_text } = renderPageContent(page.id, childrenIndex(blocks));
 * ```
 */
export function renderPageContent(pageId: string, childrenOf: ChildrenOf): RenderedContent {
  const ctx: Context = { childrenOf, path: new Set([pageId]), plain: [] };
  const markdown = join(renderSiblings(childrenOf(pageId) ?? [], ctx));
  return { markdown: finish(markdown), plain_text: finish(ctx.plain.join('\n')) };
}

/**
 * A {@link ChildrenOf} over a flat array of blocks, grouped by `parent_id`.
 *
 * @example
 * ```ts
 * renderPageContent(pageId, childrenIndex([...blocksOfThePage, ...syncedOriginals]));
 * ```
 */
export function childrenIndex(blocks: Iterable<ContentBlock>): ChildrenOf {
  const byParent = new Map<string, ContentBlock[]>();
  for (const block of blocks) {
    if (block.parent_id === undefined) continue;
    const siblings = byParent.get(block.parent_id);
    if (siblings) siblings.push(block);
    else byParent.set(block.parent_id, [block]);
  }
  return (parentId) => byParent.get(parentId);
}

/**
 * Inline Markdown of a rich-text array: annotations as `**bold**`, `_italic_`, `~~strikethrough~~` and
 * `` `code` ``, links as `[text](href)`, equations as `$expr$`, the rest escaped. Outer whitespace is trimmed;
 * newlines are kept as they are.
 *
 * @example
 * ```ts
 * richTextToMarkdown(block.paragraph.rich_text); // 'a **bold** word'
 * ```
 */
export function richTextToMarkdown(richText: readonly RichTextItem[]): string {
  const parts = mergeRuns(richText).map(segment);
  // Text ending in `!` right before a link would turn the link into an image.
  const markdown = parts
    .map((part, i) => (part.endsWith('!') && parts[i + 1]?.startsWith('[') ? `${part.slice(0, -1)}\\!` : part))
    .join('');
  return markdown.replace(/^[ \t\n]+|[ \t\n]+$/g, '').split('\n').map(escapeLineStart).join('\n');
}

function renderSiblings(blocks: readonly ContentBlock[], ctx: Context): Chunk[] {
  const chunks: Chunk[] = [];
  let number = 0;
  let previous: string | undefined;
  for (const block of byPosition(blocks)) {
    if (ctx.path.has(block.id)) continue;
    if (block.type === 'numbered_list_item') {
      const start = payload(block).list_start_index;
      number = previous === 'numbered_list_item' ? number + 1 : typeof start === 'number' ? start : 1;
    }
    previous = block.type;
    ctx.path.add(block.id);
    chunks.push(...renderBlock(block, number, ctx));
    if (!OWNS_CHILDREN.has(block.type ?? '')) chunks.push(...childChunks(block.id, ctx));
    ctx.path.delete(block.id);
  }
  return chunks;
}

function childChunks(id: string, ctx: Context): Chunk[] {
  return renderSiblings(ctx.childrenOf(id) ?? [], ctx);
}

/** The block's own rendering (and its children's, for the types in `OWNS_CHILDREN`). */
function renderBlock(block: ContentBlock, number: number, ctx: Context): Chunk[] {
  const type = block.type ?? '';
  const data = payload(block);
  const text = richTextOf(data.rich_text);
  if (MEDIA.has(type)) return media(type, data, ctx);
  switch (type) {
    case 'heading_1':
    case 'heading_2':
    case 'heading_3':
    case 'heading_4':
      return heading(Number(type.slice(-1)), text, ctx);
    case 'bulleted_list_item':
      return [listItem('- ', 'bullet', text, block.id, ctx)];
    case 'to_do':
      return [listItem(data.checked === true ? '- [x] ' : '- [ ] ', 'bullet', text, block.id, ctx, 2)];
    case 'numbered_list_item':
      return [listItem(`${number}. `, 'ordered', text, block.id, ctx)];
    case 'quote':
      return quote('', text, block.id, ctx);
    case 'callout': {
      const icon = obj(data.icon);
      return quote(icon.type === 'emoji' ? `${str(icon.emoji)} ` : '', text, block.id, ctx);
    }
    case 'toggle':
      return toggle(text, block.id, ctx);
    case 'code':
      return code(data, ctx);
    case 'equation': {
      const expression = str(data.expression);
      addPlain(ctx, expression);
      return chunk(`$$\n${expression}\n$$`);
    }
    case 'divider':
      return chunk('---');
    case 'table':
      return table(data, block.id, ctx);
    case 'synced_block':
      return synced(data, block.id, ctx);
    case 'child_page':
    case 'child_database': {
      const title = str(data.title);
      addPlain(ctx, title);
      return chunk(link(inlineText(title) || 'Untitled', notionUrl(block.id)));
    }
    case 'link_to_page': {
      // A link to a comment has no page to point at.
      const target = str(data.page_id) || str(data.database_id);
      return chunk(target ? link('link to page', notionUrl(target)) : '');
    }
    case 'bookmark':
    case 'embed':
    case 'link_preview': {
      const url = str(data.url);
      if (!url) return [];
      const label = plainOf(richTextOf(data.caption)).trim() || url;
      addPlain(ctx, label);
      return chunk(link(inlineText(label), url));
    }
    case 'meeting_notes':
    case 'transcription': {
      // `title` is not pinned down by the reference: accept a string or a rich-text array.
      const title = typeof data.title === 'string' ? [{ plain_text: data.title }] : richTextOf(data.title);
      return heading(3, plainOf(title).trim() ? title : [{ plain_text: 'Meeting notes' }], ctx);
    }
    case 'unsupported':
      return chunk(`<!-- unsupported block: ${str(data.block_type) || 'unknown'} -->`);
    case 'table_of_contents':
    case 'breadcrumb':
      return [];
    default:
      // paragraph, template, and any future type with `rich_text`; column_list, column and tab have none.
      return paragraph(text, ctx);
  }
}

function paragraph(text: readonly RichTextItem[], ctx: Context): Chunk[] {
  addPlain(ctx, plainOf(text));
  return chunk(withBreaks(text));
}

function heading(level: number, text: readonly RichTextItem[], ctx: Context): Chunk[] {
  addPlain(ctx, plainOf(text));
  // A space and `#`s at the end would be taken for a closing sequence and dropped.
  const md = oneLine(text).replace(/([ \t])(#+)$/, '$1\\$2');
  return chunk(md ? `${'#'.repeat(level)} ${md}` : '');
}

function listItem(
  marker: string,
  list: 'bullet' | 'ordered',
  text: readonly RichTextItem[],
  id: string,
  ctx: Context,
  width = marker.length,
): Chunk {
  addPlain(ctx, plainOf(text));
  const pad = ' '.repeat(width);
  const head = prefixLines(withBreaks(text), marker, pad);
  const children = childChunks(id, ctx);
  if (children.length === 0) return { markdown: head, list };
  // A nested list may follow the item's text directly; anything else needs a blank line to stay a block.
  const gap = children[0]!.list ? '\n' : '\n\n';
  return { markdown: head + gap + prefixLines(join(children), pad), list };
}

function quote(icon: string, text: readonly RichTextItem[], id: string, ctx: Context): Chunk[] {
  addPlain(ctx, plainOf(text));
  const chunks = [...chunk(icon + withBreaks(text)), ...childChunks(id, ctx)];
  return chunk(chunks.length > 0 ? prefixLines(join(chunks), '> ') : '');
}

function toggle(text: readonly RichTextItem[], id: string, ctx: Context): Chunk[] {
  addPlain(ctx, plainOf(text));
  const summary = `<details><summary>${oneLine(text)}</summary>`;
  const children = join(childChunks(id, ctx));
  return chunk(children ? `${summary}\n\n${children}\n\n</details>` : `${summary}\n</details>`);
}

function code(data: Json, ctx: Context): Chunk[] {
  const source = plainOf(richTextOf(data.rich_text));
  const caption = richTextOf(data.caption);
  addPlain(ctx, source);
  const language = str(data.language);
  const fence = '`'.repeat(Math.max(3, longestRun(source, '`') + 1));
  const block = `${fence}${language === 'plain text' ? '' : language}\n${source ? `${source}\n` : ''}${fence}`;
  return [...chunk(block), ...paragraph(caption, ctx)];
}

function table(data: Json, id: string, ctx: Context): Chunk[] {
  const rows = byPosition(ctx.childrenOf(id) ?? [])
    .filter((row) => row.type === 'table_row')
    .map((row) => (Array.isArray(payload(row).cells) ? (payload(row).cells as unknown[]) : []).map(richTextOf));
  const width = Math.max(typeof data.table_width === 'number' ? data.table_width : 0, ...rows.map((row) => row.length));
  if (width === 0) return [];
  for (const row of rows) addPlain(ctx, row.map(plainOf).join('\t'));
  const line = (cells: readonly (readonly RichTextItem[])[]): string =>
    Array.from({ length: width }, (_, i) => oneLine(cells[i] ?? []).replace(/\|/g, '\\|')).reduce(
      (out, cell) => `${out}${cell ? ` ${cell} ` : ' '}|`,
      '|',
    );
  const [header, body] = data.has_column_header === true ? [rows[0] ?? [], rows.slice(1)] : [[], rows];
  return chunk([line(header), `|${' --- |'.repeat(width)}`, ...body.map(line)].join('\n'));
}

function synced(data: Json, id: string, ctx: Context): Chunk[] {
  const original = str(obj(data.synced_from).block_id);
  if (!original) return childChunks(id, ctx);
  if (ctx.path.has(original)) return chunk(`<!-- synced from ${original} (cycle) -->`);
  const children = ctx.childrenOf(original);
  if (children === undefined) return chunk(`<!-- synced from ${original} -->`);
  ctx.path.add(original);
  const chunks = renderSiblings(children, ctx);
  ctx.path.delete(original);
  return chunks;
}

function media(type: string, data: Json, ctx: Context): Chunk[] {
  const external = data.type === 'external' ? str(obj(data.external).url) : '';
  const url = external || str(obj(data.file).url);
  const label = plainOf(richTextOf(data.caption)).trim() || str(data.name).trim() || fileName(url) || type;
  addPlain(ctx, label);
  if (!external) return chunk(`[${inlineText(label)}] (Notion-hosted file)`);
  return chunk(`${type === 'image' ? '!' : ''}${link(inlineText(label), external)}`);
}

/** The last path segment of a URL, without its (signed) query string. */
function fileName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    return '';
  }
}

/** Inline Markdown of one run of equally formatted text. */
function segment(item: RichTextItem): string {
  const [, lead, body, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(item.plain_text ?? '')!;
  // Emphasis marks must touch non-space characters, so surrounding whitespace stays outside them.
  if (!body) return lead!;
  const a = item.annotations ?? {};
  let md =
    item.type === 'equation' ? `$${body.replace(/\n/g, ' ')}$` : a.code ? codeSpan(body) : escapeText(body);
  if (a.strikethrough) md = `~~${md}~~`;
  if (a.italic) md = `_${md}_`;
  if (a.bold) md = `**${md}**`;
  if (item.href) md = link(md, item.href);
  return lead + md + trail;
}

/** Joins neighbours with the same marks, so `**a****b**` never appears (Notion splits runs at mentions). */
function mergeRuns(items: readonly RichTextItem[]): RichTextItem[] {
  const runs: RichTextItem[] = [];
  for (const item of items) {
    const last = runs.at(-1);
    if (last && item.type !== 'equation' && last.type !== 'equation' && styleOf(last) === styleOf(item)) {
      runs[runs.length - 1] = { ...last, plain_text: (last.plain_text ?? '') + (item.plain_text ?? '') };
    } else runs.push(item);
  }
  return runs;
}

function styleOf(item: RichTextItem): string {
  const a = item.annotations ?? {};
  return JSON.stringify([a.bold === true, a.italic === true, a.strikethrough === true, a.code === true, item.href ?? null]);
}

function codeSpan(text: string): string {
  // A code span cannot hold a line break (the next line could start a block); Markdown shows it as a space anyway.
  const body = text.replace(/\n/g, ' ');
  const fence = '`'.repeat(longestRun(body, '`') + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return fence + pad + body + pad + fence;
}

/** Escaped text from a plain string (a title, caption or URL), as if it were one unformatted rich-text item. */
function inlineText(text: string): string {
  return richTextToMarkdown([{ plain_text: text }]);
}

/** Backslash-escapes what could open inline syntax (`$` for math, `&` only before an entity name). */
function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<~$]/g, '\\$&').replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&');
}

/** Escapes what would start a block at the beginning of a line: headings, quotes, list items, setext underlines. */
function escapeLineStart(line: string): string {
  return line.replace(/^([ \t]*)([#>+=-])/, '$1\\$2').replace(/^([ \t]*\d{1,9})([.)])/, '$1\\$2');
}

function link(text: string, url: string): string {
  // Spaces, controls and brackets would end or break the destination; percent-encoding keeps the URL equivalent.
  const destination = url.replace(/[\x00-\x20()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${text}](${destination})`;
}

function notionUrl(id: string): string {
  return `https://www.notion.so/${id.replace(/-/g, '')}`;
}

/** Block text with its newlines as hard line breaks. */
function withBreaks(text: readonly RichTextItem[]): string {
  return richTextToMarkdown(text).replace(/\n/g, '\\\n');
}

/** Block text for places that take one line: headings, table cells, summaries. */
function oneLine(text: readonly RichTextItem[]): string {
  return richTextToMarkdown(text).replace(/\n/g, '<br>');
}

/** `first` before the first line, `rest` before the others; empty lines get no trailing spaces. */
function prefixLines(text: string, first: string, rest = first): string {
  return text
    .split('\n')
    .map((line, i) => (line === '' ? (i === 0 ? first : rest).trimEnd() : (i === 0 ? first : rest) + line))
    .join('\n');
}

function join(chunks: readonly Chunk[]): string {
  return chunks
    .map((c, i) => (i === 0 ? '' : c.list && c.list === chunks[i - 1]!.list ? '\n' : '\n\n') + c.markdown)
    .join('');
}

function chunk(markdown: string): Chunk[] {
  return markdown ? [{ markdown }] : [];
}

function finish(text: string): string {
  const trimmed = text.replace(/[ \t]+$/gm, '').replace(/\n+$/, '');
  return trimmed ? `${trimmed}\n` : '';
}

function addPlain(ctx: Context, text: string): void {
  if (text) ctx.plain.push(text);
}

/** Siblings by `position`; blocks without one keep their order, after those with one. */
function byPosition(blocks: readonly ContentBlock[]): ContentBlock[] {
  return [...blocks].sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity) || 0);
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

function plainOf(text: readonly RichTextItem[]): string {
  return text.map((item) => item.plain_text ?? '').join('');
}

function payload(block: ContentBlock): Json {
  return obj(block[block.type ?? '']);
}

function richTextOf(value: unknown): readonly RichTextItem[] {
  return Array.isArray(value) ? value.filter((item): item is RichTextItem => typeof item === 'object' && item !== null) : [];
}

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
