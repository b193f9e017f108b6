import { SELECT_COLORS, textItems } from './text.js';
import type { JsonObject } from './text.js';
import { Workspace, WORKSPACE_PRESETS } from './workspace.js';

/**
 * Text that engines cannot store as it is, or that trips naive code: one piece per hazard. None holds
 * a comma (Notion refuses commas in option names, and the pieces name options too).
 */
export const HOSTILE_TEXT = {
  /** U+0000: PostgreSQL text and jsonb cannot hold it. */
  nul: 'before\u0000after',
  /** Lone surrogates (half of a UTF-16 pair): UTF-8 cannot encode them. */
  loneHigh: 'high \uD83D alone',
  loneLow: 'low \uDE00 alone',
  reversedPair: 'swapped \uDE00\uD83D pair',
  rtl: 'שלום עולם مرحبا بالعالم',
  bidi: 'left \u202Ethgir\u202C \u2067isolate\u2069 \u200Fmark',
  zwj: '👩‍👩‍👧‍👦 🏳️‍🌈 👁️‍🗨️ 🧑🏽‍💻',
  combining: 'e\u0301 a\u0308 Z\u0337\u0322\u0359a\u0334\u0317l\u0335g\u0336o\u0337',
  controls: 'tab\there new\nline cr\rbell\u0007 esc\u001B del\u007F',
  invisible: 'bom\uFEFF zw\u200Bspace nb\u00A0sp line\u2028para\u2029end',
  noncharacters: 'U+FFFE \uFFFE U+FFFF \uFFFF U+10FFFF \uDBFF\uDFFF private \uE000',
  astral: '𝕳𝖊𝖑𝖑𝖔 𓀀 🀄 𠜎',
  sql: `'; drop table pages; -- "quoted" \\backslash $1 %s`,
  markup: '*bold* _it_ `code` [link](x) <b>html</b> | pipe | # hash',
} as const;

/** The pieces of {@link HOSTILE_TEXT}, in order. */
const PIECES: readonly string[] = Object.values(HOSTILE_TEXT);
/** Every piece, separated by spaces. */
const ALL = PIECES.join(' ');

/** Nesting levels of the deep page's chain of blocks: depth 0 … 49. */
export const HOSTILE_DEPTH = 50;
/** Options of the hostile workspace's many-option multi-select. */
export const HOSTILE_OPTIONS = 2_000;
/** Most UTF-8 bytes of the big texts are at least this. */
export const HOSTILE_TEXT_BYTES = 1_048_576;

/** A database title the hostile workspace's test gives database 1 while a load runs. */
export const HOSTILE_RENAME = `Renamed ${HOSTILE_TEXT.rtl} ${HOSTILE_TEXT.nul} ${HOSTILE_TEXT.loneHigh}`;

/** The hostile workspace and the ids of what it holds. */
export interface HostileWorkspace {
  readonly workspace: Workspace;
  /** The page holding a chain of {@link HOSTILE_DEPTH} nested blocks, and the deepest of them. */
  readonly deepPageId: string;
  readonly deepestBlockId: string;
  /** A paragraph of at least {@link HOSTILE_TEXT_BYTES} bytes of text, and its page. */
  readonly bigBlockId: string;
  readonly bigBlockPageId: string;
  /** A row of database 0 whose rich_text property `bigTextPropertyId` holds at least {@link HOSTILE_TEXT_BYTES} bytes. */
  readonly bigTextRowId: string;
  readonly bigTextPropertyId: string;
  /** The multi_select property of database 0 with {@link HOSTILE_OPTIONS} options, and a row holding every one. */
  readonly multiSelectPropertyId: string;
  readonly allOptionsRowId: string;
  /** Two pages whose synced originals hold references to each other and to themselves, and link to each other and to themselves. */
  readonly cyclePageIds: readonly [string, string];
  /** A standalone page without sub-pages or databases, for a test to unshare while a load runs. */
  readonly unshareCandidateId: string;
}

/**
 * The `tiny` workspace made hostile (`notionflow demo --preset hostile`): every standalone page and
 * every third row titled with a piece of {@link HOSTILE_TEXT}, database 0 and two of its properties
 * renamed with them, a depth-50 chain of blocks, a paragraph of 1 MB of text and a rich_text value of
 * 1 MB, a multi_select of 2,000 hostile option names (one row holding them all), synced originals that
 * reference each other and themselves, link_to_page blocks in a cycle. The ground truth
 * (`workspace.pages()`, `blocks()`, `rowProperties()`, …) is what the server serves, NUL and lone
 * surrogates included.
 */
export function hostileWorkspace(options: { readonly seed?: number } = {}, clock: () => number = Date.now): HostileWorkspace {
  const ws = new Workspace({ ...WORKSPACE_PRESETS.tiny, pages: 10, seed: options.seed ?? 1 }, clock);

  const standalone = [...ws.pages()].filter((p) => p.parent_type !== 'database_id').map((p) => p.id);
  standalone.forEach((id, i) => ws.editPage(id, { title: `${piece(i)} ${i}` }));
  ws.rows(0).concat(ws.rows(1)).forEach((id, i) => {
    if (i % 3 === 0) ws.editPage(id, { title: `${piece(i + 5)} row ${i}` });
  });
  ws.renameDatabase(0, `Проекты ${HOSTILE_TEXT.zwj} ${HOSTILE_TEXT.nul} ${HOSTILE_TEXT.loneLow}`);
  ws.renameProperty(0, 'rt%3Ax', `Notes ${HOSTILE_TEXT.combining} ${HOSTILE_TEXT.nul}`);
  ws.renameProperty(0, 'sel%3F', `Stage ${HOSTILE_TEXT.bidi} ${HOSTILE_TEXT.loneHigh}`);

  const isLeaf = (id: string): boolean => ![...ws.blocks()].some((b) => b.page_id === id && (b.type === 'child_page' || b.type === 'child_database'));
  const unshareCandidateId = [...standalone].reverse().find(isLeaf)!;
  const [deepPageId, bigBlockPageId, a, b] = standalone.filter((id) => id !== unshareCandidateId) as [string, string, string, string];

  const nestable = ['toggle', 'bulleted_list_item', 'numbered_list_item', 'to_do', 'quote', 'callout', 'paragraph'];
  let deepestBlockId = deepPageId;
  for (let depth = 0; depth < HOSTILE_DEPTH; depth++) {
    deepestBlockId = ws.appendBlock(deepestBlockId, { type: nestable[depth % nestable.length]!, text: `${piece(depth)} depth ${depth}` });
  }

  const big = bigText();
  const bigBlockId = ws.appendBlock(bigBlockPageId, { type: 'paragraph', text: big });

  const [bigTextRowId, allOptionsRowId] = ws.rows(0) as [string, string];
  ws.setPropertyValue(bigTextRowId, 'rt%3Ax', textItems(big));
  const optionList: JsonObject[] = Array.from({ length: HOSTILE_OPTIONS }, (_, i) => ({
    id: `hopt-${i}`,
    name: `${piece(i)} ${i}`,
    color: SELECT_COLORS[i % SELECT_COLORS.length]!,
    description: null,
  }));
  const multiSelectPropertyId = 'hms%2F';
  ws.addProperty(0, { id: multiSelectPropertyId, name: `Labels ${HOSTILE_TEXT.astral} ${HOSTILE_TEXT.loneLow}`, type: 'multi_select', config: { options: optionList } });
  ws.setPropertyValue(allOptionsRowId, multiSelectPropertyId, optionList.map(({ id, name, color }) => ({ id: id!, name: name!, color: color! })));

  const originA = ws.appendBlock(a, { type: 'synced_block' });
  ws.appendBlock(originA, { type: 'paragraph', text: `synced A ${ALL}` });
  const originB = ws.appendBlock(b, { type: 'synced_block' });
  ws.appendBlock(originB, { type: 'paragraph', text: `synced B ${ALL}` });
  ws.appendBlock(originA, { type: 'synced_block', syncedFrom: originB });
  ws.appendBlock(originB, { type: 'synced_block', syncedFrom: originA });
  ws.appendBlock(originA, { type: 'synced_block', syncedFrom: originA });
  ws.appendBlock(a, { type: 'synced_block', syncedFrom: originB });
  ws.appendBlock(b, { type: 'synced_block', syncedFrom: originA });
  ws.appendBlock(a, { type: 'link_to_page', linkTo: b });
  ws.appendBlock(b, { type: 'link_to_page', linkTo: a });
  ws.appendBlock(a, { type: 'link_to_page', linkTo: a });

  return { workspace: ws, deepPageId, deepestBlockId, bigBlockId, bigBlockPageId, bigTextRowId, bigTextPropertyId: 'rt%3Ax', multiSelectPropertyId, allOptionsRowId, cyclePageIds: [a, b], unshareCandidateId };
}

/** Every hostile piece, numbered and space separated, until the text is {@link HOSTILE_TEXT_BYTES} bytes of UTF-8 or more. */
function bigText(): string {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < HOSTILE_TEXT_BYTES; i++) {
    const part = `${i} ${piece(i)}`;
    parts.push(part);
    bytes += Buffer.byteLength(part, 'utf8') + 1;
  }
  return parts.join(' ');
}

function piece(i: number): string {
  return PIECES[i % PIECES.length]!;
}
