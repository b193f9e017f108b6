import type { Random } from './hash.js';

/** JSON as the server sends it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

const WORDS = (
  'alpha beta gamma delta river stone cloud ledger quarter roadmap budget sprint review draft launch ' +
  'north south harbor signal metric vendor invoice meeting design schema pipeline notebook archive ' +
  'garden window orbit copper silver lantern meadow summit canyon harvest engine beacon compass ' +
  'ticket customer feature release backlog owner hiring policy travel office quiet rapid bright'
).split(' ');

const COLORS = ['default', 'gray', 'brown', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'red'] as const;

/** The ten select/status colors Notion uses. */
export const SELECT_COLORS: readonly string[] = COLORS;

/** `n` words, space separated. */
export function words(rnd: Random, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rnd.pick(WORDS));
  return out.join(' ');
}

/** A capitalized title of 2–4 words. */
export function title(rnd: Random): string {
  const t = words(rnd, rnd.between(2, 4));
  return t[0]!.toUpperCase() + t.slice(1);
}

function annotations(rnd: Random | undefined): JsonObject {
  const a = { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' };
  if (rnd === undefined || !rnd.chance(0.3)) return a;
  const which = rnd.int(6);
  if (which === 0) a.bold = true;
  else if (which === 1) a.italic = true;
  else if (which === 2) a.strikethrough = true;
  else if (which === 3) a.underline = true;
  else if (which === 4) a.code = true;
  else a.color = `${rnd.pick(COLORS.slice(1))}_background`;
  return a;
}

/** One plain `text` rich-text item (annotations random when `rnd` is given). */
export function textItem(content: string, rnd?: Random, link?: string): JsonObject {
  return {
    type: 'text',
    text: { content, link: link === undefined ? null : { url: link } },
    annotations: annotations(rnd),
    plain_text: content,
    href: link ?? null,
  };
}

/** Most characters of one rich-text item: Notion splits longer text into several items. */
export const TEXT_ITEM_LIMIT = 2_000;

/**
 * Plain text as Notion serves it: `text` items of at most {@link TEXT_ITEM_LIMIT} UTF-16 code units
 * each, never splitting a surrogate pair (lone surrogates stay as they are).
 */
export function textItems(content: string): JsonObject[] {
  if (content.length <= TEXT_ITEM_LIMIT) return [textItem(content)];
  const items: JsonObject[] = [];
  for (let start = 0; start < content.length; ) {
    let end = Math.min(start + TEXT_ITEM_LIMIT, content.length);
    if (end < content.length && isHigh(content.charCodeAt(end - 1)) && isLow(content.charCodeAt(end))) end--;
    items.push(textItem(content.slice(start, end)));
    start = end;
  }
  return items;
}

const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** What rich text may mention: callbacks giving ids (and labels) of existing objects. */
export interface MentionContext {
  readonly user: (rnd: Random) => { id: string; name: string };
  readonly page: (rnd: Random) => { id: string; title: string; url: string } | undefined;
  readonly database: (rnd: Random) => { id: string; title: string; url: string } | undefined;
  /** ISO date (YYYY-MM-DD) for date mentions. */
  readonly date: (rnd: Random) => string;
}

/** The kinds of object a mention item can point to. */
export type MentionKind = 'user' | 'page' | 'database' | 'date';

const MENTION_KINDS: readonly MentionKind[] = ['user', 'page', 'database', 'date'];

/**
 * One mention item with Notion's `plain_text`: `@Name` for a user, the title for a page or database,
 * the date as written for a date. A page or database mention falls back to a date when there is none.
 */
export function mentionItem(rnd: Random, ctx: MentionContext, kind: MentionKind): JsonObject {
  const plain = annotations(undefined);
  if (kind === 'user') {
    const u = ctx.user(rnd);
    return { type: 'mention', mention: { type: 'user', user: { object: 'user', id: u.id } }, annotations: plain, plain_text: `@${u.name}`, href: null };
  }
  if (kind === 'page') {
    const p = ctx.page(rnd);
    if (p !== undefined) return { type: 'mention', mention: { type: 'page', page: { id: p.id } }, annotations: plain, plain_text: p.title, href: p.url };
  }
  if (kind === 'database') {
    const d = ctx.database(rnd);
    if (d !== undefined) return { type: 'mention', mention: { type: 'database', database: { id: d.id } }, annotations: plain, plain_text: d.title, href: d.url };
  }
  const start = ctx.date(rnd);
  return { type: 'mention', mention: { type: 'date', date: { start, end: null, time_zone: null } }, annotations: plain, plain_text: start, href: null };
}

/**
 * A rich-text array of 1–4 items: text segments with random annotations, sometimes a link, a mention
 * (user, page, database or date) or an inline equation. Never more than 25 mentions (Notion's page limit).
 */
export function richText(rnd: Random, ctx: MentionContext, maxItems = 4): JsonObject[] {
  const n = rnd.between(1, maxItems);
  const out: JsonObject[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd.next();
    if (i > 0 && r < 0.2) out.push(mentionItem(rnd, ctx, MENTION_KINDS[rnd.int(4)]!));
    else if (i > 0 && r < 0.27) out.push({ type: 'equation', equation: { expression: 'e^{i\\pi} + 1 = 0' }, annotations: annotations(undefined), plain_text: 'e^{i\\pi} + 1 = 0', href: null });
    else if (r < 0.35) out.push(textItem(words(rnd, rnd.between(1, 4)), rnd, `https://example.com/${words(rnd, 1)}`));
    else out.push(textItem(`${words(rnd, rnd.between(3, 12))} `, rnd));
  }
  return out;
}
