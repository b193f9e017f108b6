import { expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Destination } from '../../destinations/destination.js';
import type { LoadInfo } from '../../src/pipeline/load-info.js';
import { pipeline, type Pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import {
  HOSTILE_DEPTH, HOSTILE_OPTIONS, HOSTILE_RENAME, HOSTILE_TEXT, HOSTILE_TEXT_BYTES, hostileWorkspace, startNotionServer,
  type HostileWorkspace, type NotionServer, type Workspace,
} from '../../src/server/index.js';
import { renderBlock } from '../../src/server/render.js';
import { expectedCells, typedTableTruth, valueOf } from '../e2e/typed-truth.js';

/**
 * Shared by the hostile-input tests (test/proof/hostile-input*.test.ts).
 *
 * Hostile input through the built-in Notion server (`hostileWorkspace`): NUL and lone surrogates, RTL,
 * ZWJ, combining marks and control characters in titles, blocks, property and option names; a depth-50
 * block chain; 1 MB of text in one block and in one property; a 2,000-option multi-select; synced
 * blocks and page links in cycles; a page unshared and a database renamed while the load runs. Every
 * destination loads it, and every value equals the server's truth with the README's substitution
 * (NUL and lone surrogates → U+FFFD) applied by `storable` below, which shares no code with src/.
 */

/** The README's rule, written independently of src/normalize: NUL and lone surrogates become U+FFFD. */
export function storable(text: string): string {
  let out = '';
  // A string iterates by code points; a lone surrogate comes out alone, a valid pair as one.
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp === 0 || (cp >= 0xd800 && cp <= 0xdfff) ? '\uFFFD' : ch;
  }
  return out;
}

/** `f` applied to every string of a value (object keys too). */
function deep(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => deep(x, f));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), deep(x, f)]));
  return v;
}

/**
 * A stored value as a JavaScript reader gets it: @duckdb/node-api 1.5 decodes VARCHARs with a default
 * `TextDecoder`, which drops one U+FEFF at the start of a value as if it were a byte-order mark. DuckDB
 * keeps it (checked in SQL below); every value read back is compared through this, on every destination.
 */
const readBack = (s: string): string => (s.startsWith('\uFEFF') ? s.slice(1) : s);

/** Long strings as their length and hash, so a failed comparison prints a line, not a megabyte. */
function short(v: unknown): unknown {
  if (typeof v === 'string') return v.length > 300 ? { length: v.length, sha256: createHash('sha256').update(v).digest('hex').slice(0, 16) } : v;
  if (Array.isArray(v)) return v.map(short);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, short(x)]));
  return v;
}

const DATASET = 'notion_data';
const PIPELINE = 'hostile';
/** The mutations' clock: a fixed past minute, so no page falls in the boundary minute a second run re-reads anyway. */
const CLOCK = () => Date.UTC(2025, 0, 1, 12, 0);
/** Block types of the hostile blocks (the deep chain cycles through them). */
const TEXT_BLOCK_TYPES = ['toggle', 'bulleted_list_item', 'numbered_list_item', 'to_do', 'quote', 'callout', 'paragraph'];

/** One destination's load of its own hostile workspace (the mid-run events mutate it). */
export interface Target {
  readonly name: string;
  readonly destination: Destination;
  readonly pipeline: Pipeline;
  readonly hostile: HostileWorkspace;
  readonly server: NotionServer;
  /** Database 1's title when the first run listed it (renamed during the run). */
  readonly titleBefore: string;
  readonly runs: LoadInfo[];
  readonly events: string[];
}

/** What a load wrote, read back through `dataset().sql` in the same form from every destination. */
export interface Loaded {
  readonly pageIds: string[];
  readonly standaloneTitles: Record<string, string>;
  readonly blocks: { id: string; parent_id: string; page_id: string; depth: number; position: number }[];
  readonly blockTexts: Record<string, string>;
  readonly content: Record<string, string>;
  readonly dataSourceTitles: Record<string, string>;
  readonly properties: Record<string, Record<string, unknown>>;
  readonly typed: Record<string, Record<string, unknown>[]>;
  /** Rich-text items of the text blocks that start with U+FEFF, counted in SQL (no decoder in between). */
  readonly itemsStartingWithBom: number;
}

/** A fresh hostile workspace behind its own server; while a load runs, the server unshares one page and renames database 1. */
async function hostileServer(events: string[]): Promise<{ hostile: HostileWorkspace; server: NotionServer }> {
  const hostile = hostileWorkspace({}, CLOCK);
  const ws = hostile.workspace;
  const unshare = `/v1/blocks/${hostile.unshareCandidateId}/children`;
  const rename = `/v1/data_sources/${ws.dataSourceId(1)}/query`;
  // Deterministic hooks: each fires on the first request for its object, before the server answers it.
  const server = await startNotionServer({
    workspace: ws,
    onRequest: (method, path) => {
      if (path.startsWith(unshare) && !events.includes('unshared')) {
        ws.setPageShared(hostile.unshareCandidateId, false);
        events.push('unshared');
      }
      if (method === 'POST' && path.startsWith(rename) && !events.includes('renamed')) {
        ws.renameDatabase(1, HOSTILE_RENAME);
        events.push('renamed');
      }
    },
  });
  return { hostile, server };
}

/** Loads a fresh hostile workspace into `destination` (the first run, with the mid-run events; traces under `cwd`) and reads it back. */
export async function loadTarget(name: string, destination: Destination, cwd: string): Promise<{ readonly target: Target; readonly loaded: Loaded }> {
  const events: string[] = [];
  const { hostile, server } = await hostileServer(events);
  const t: Target = {
    name,
    destination,
    pipeline: pipeline({ pipelineName: PIPELINE, destination, datasetName: DATASET, cwd }),
    hostile,
    server,
    titleBefore: hostile.workspace.databaseTitle(1),
    runs: [],
    events,
  };
  t.runs.push(await run(t));
  return { target: t, loaded: await read(t) };
}

/** Runs the target's pipeline once more against its server. */
export const run = (t: Target) => t.pipeline.run(notionSource({ apiKey: t.server.token, baseUrl: t.server.url, rateLimit: false }));

/** The destination's spelling of an identifier (Snowflake folds to upper case), quoted. */
const ident = (t: Target, n: string): string => `"${t.destination.capabilities.caseSensitiveIdentifiers ? n : n.toUpperCase()}"`;

/** What the target's destination holds, read through `dataset().sql`. */
export async function read(t: Target): Promise<Loaded> {
  const q = (n: string) => ident(t, n);
  const table = (n: string) => `${q(DATASET)}.${q(n)}`;
  const sql = async (text: string) =>
    (await t.pipeline.dataset().sql(text)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? readBack(v) : v])));
  /** Rich-text items joined in list order, by owner id. */
  const joined = (rows: Record<string, unknown>[]): Record<string, string> => {
    const parts = new Map<string, [number, string][]>();
    for (const r of rows) {
      const list = parts.get(String(r['id'])) ?? [];
      list.push([Number(r['i']), String(r['t'])]);
      parts.set(String(r['id']), list);
    }
    return Object.fromEntries([...parts].map(([id, list]) => [id, list.sort((a, b) => a[0] - b[0]).map(([, s]) => s).join('')]));
  };
  const itemsOf = (parent: string, child: string) =>
    sql(`SELECT p.${q('id')} AS ${q('id')}, c.${q('_dlt_list_idx')} AS ${q('i')}, c.${q('plain_text')} AS ${q('t')} FROM ${table(parent)} p JOIN ${table(child)} c ON c.${q('_dlt_parent_id')} = p.${q('_dlt_id')}`);

  const pageIds = (await sql(`SELECT ${q('id')} AS ${q('id')} FROM ${table('pages')}`)).map((r) => String(r['id'])).sort();
  const blocks = (await sql(`SELECT ${['id', 'parent_id', 'page_id', 'depth', 'position'].map(q).join(', ')} FROM ${table('blocks')}`))
    .map((r) => ({ id: String(r['id']), parent_id: String(r['parent_id']), page_id: String(r['page_id']), depth: Number(r['depth']), position: Number(r['position']) }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const blockTexts: Record<string, string> = {};
  for (const type of TEXT_BLOCK_TYPES) Object.assign(blockTexts, joined(await itemsOf('blocks', `blocks__${type}__rich_text`)));
  const content = Object.fromEntries((await sql(`SELECT ${q('page_id')} AS ${q('id')}, ${q('plain_text')} AS ${q('t')} FROM ${table('page_content')}`)).map((r) => [String(r['id']), String(r['t'])]));
  const mapping = await sql(`SELECT * FROM ${table('notion_properties')}`);
  const properties = Object.fromEntries(
    mapping.map((r) => [`${String(r['data_source_id'])} ${String(r['property_id'])} ${String(r['cell'])}`, Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_dlt_load_id')))]),
  );
  const typed: Record<string, Record<string, unknown>[]> = {};
  for (const name of new Set(mapping.map((r) => String(r['table_name'])))) {
    const rows = await sql(`SELECT * FROM ${table(name)}`);
    typed[name] = rows
      .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_dlt_load_id')).map(([k, v]) => [k, deep(valueOf(v), readBack)])))
      .sort((a, b) => (String(a['id']) < String(b['id']) ? -1 : 1));
  }
  let itemsStartingWithBom = 0;
  for (const type of TEXT_BLOCK_TYPES) {
    const [row] = await sql(`SELECT COUNT(*) AS ${q('n')} FROM ${table(`blocks__${type}__rich_text`)} WHERE LEFT(${q('plain_text')}, 1) = CHR(65279)`);
    itemsStartingWithBom += Number(row!['n']);
  }
  return {
    itemsStartingWithBom,
    pageIds,
    standaloneTitles: joined(await itemsOf('pages', 'pages__properties__title__title')),
    blocks,
    blockTexts,
    content,
    dataSourceTitles: joined(await itemsOf('data_sources', 'data_sources__title')),
    properties,
    typed,
  };
}

/** The rich-text items (plain text) of every text block, as the server renders them (its own renderer, no product code). */
function servedItems(ws: Workspace): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const b of ws.blocks()) {
    if (!TEXT_BLOCK_TYPES.includes(b.type)) continue;
    const { pageNo, node } = ws.findBlock(ws.decode(b.id)!.index)!;
    const items = (renderBlock(ws, pageNo, node)[b.type] as { rich_text: { plain_text: string }[] }).rich_text.map((i) => i.plain_text);
    if (items.length > 0) out.set(b.id, items);
  }
  return out;
}

/**
 * `compute` with database 1 titled `title` for the call: text rendered before the mid-run rename (a
 * database mention's plain text is the database's title) holds the old title, text rendered after it
 * the new one, and which a row's copy is depends on request order.
 */
function underTitle<T>(ws: Workspace, title: string, compute: () => T): T {
  const now = ws.databaseTitle(1);
  ws.renameDatabase(1, title);
  try {
    return compute();
  } finally {
    ws.renameDatabase(1, now);
  }
}

/** The expected value `got` matches: `before` (rendered before the rename) when it equals that, else `want`. */
function either(got: unknown, want: unknown, before: unknown): unknown {
  return isDeepStrictEqual(got, before) ? before : want;
}

/** The text of every block the hostile workspace appended, from the server's tree (undefined for generated ones). */
function appendedText(ws: Workspace, blockId: string): string | undefined {
  const decoded = ws.decode(blockId);
  return decoded === undefined ? undefined : ws.findBlock(decoded.index)?.node.text;
}

const truthBlocks = (ws: Workspace) =>
  [...ws.blocks()].map((b) => ({ id: b.id, parent_id: b.parent_id, page_id: b.page_id, depth: b.depth, position: b.position })).sort((a, b) => (a.id < b.id ? -1 : 1));

/** Every check of a load against the truth; `databaseTitle1` is the title database 1 had when the load listed it. */
export async function expectTruth(t: Target, got: Loaded, databaseTitle1: string): Promise<void> {
  const ws = t.hostile.workspace;
  const h = t.hostile;
  const standalone = [...ws.pages()].filter((p) => p.parent_type !== 'database_id');

  // Pages and titles (a page the load listed before it was unshared stays, with its title).
  const pageTruth = [...ws.pages()].map((p) => p.id);
  const listed = ws.isPageVisible(ws.decode(h.unshareCandidateId)!.index) ? pageTruth : [...pageTruth, h.unshareCandidateId];
  expect(got.pageIds).toEqual(listed.sort());
  for (const p of standalone) expect({ page: p.id, title: got.standaloneTitles[p.id] }).toEqual({ page: p.id, title: storable(p.title) });
  expect(Object.values(got.standaloneTitles).join('')).toContain('\uFFFD');

  // Blocks: every reachable block once, with its place; the deep chain to depth 49; cycles walked once.
  expect(got.blocks).toEqual(truthBlocks(ws));
  const deepest = got.blocks.find((b) => b.id === h.deepestBlockId)!;
  expect(deepest).toMatchObject({ page_id: h.deepPageId, depth: HOSTILE_DEPTH - 1 });
  const served = servedItems(ws);
  const before = underTitle(ws, t.titleBefore, () => servedItems(ws));
  const textOf = (items: readonly string[]) => items.map((i) => readBack(storable(i))).join('');
  const wantTexts = Object.fromEntries([...served].map(([id, items]) => [id, textOf(items)]));
  const wantBefore = Object.fromEntries([...before].map(([id, items]) => [id, textOf(items)]));
  expect(short(got.blockTexts)).toEqual(short(Object.fromEntries(Object.entries(wantTexts).map(([id, text]) => [id, either(got.blockTexts[id], text, wantBefore[id])]))));
  const bomItems = [...served.values()].flat().filter((i) => storable(i).startsWith('\uFEFF')).length;
  expect(bomItems).toBeGreaterThan(0);
  expect(got.itemsStartingWithBom).toBe(bomItems);
  let texts = 0;
  for (const b of ws.blocks()) {
    const text = appendedText(ws, b.id);
    if (text === undefined) continue;
    expect({ page: b.page_id, contains: got.content[b.page_id]!.includes(storable(text)) }).toEqual({ page: b.page_id, contains: true });
    texts++;
  }
  expect(texts).toBeGreaterThanOrEqual(HOSTILE_DEPTH + 3);
  const big = got.blockTexts[h.bigBlockId]!;
  expect(Buffer.byteLength(big, 'utf8')).toBeGreaterThanOrEqual(HOSTILE_TEXT_BYTES);
  expect(big).toContain(storable(HOSTILE_TEXT.nul));
  // Each cycle page renders its own original's content once (a copy of the other page's original is a comment in the Markdown).
  h.cyclePageIds.forEach((id, i) => expect(got.content[id]).toContain(`synced ${'AB'[i]} ${storable(HOSTILE_TEXT.nul)}`));

  // Database titles, property names, and every typed cell.
  const truth = typedTableTruth(ws, '2025-09-03');
  const truthBefore = underTitle(ws, t.titleBefore, () => typedTableTruth(ws, '2025-09-03')).map((db) => new Map(db.rows.map((r) => [r.id, r])));
  const titles = [storable(ws.databaseTitle(0)), storable(databaseTitle1)];
  expect(got.dataSourceTitles).toEqual({ [truth[0]!.containerId]: titles[0], [truth[1]!.containerId]: titles[1] });
  let cells = 0;
  const stored = (v: unknown) => deep(deep(v, storable), readBack);
  const mismatches: unknown[] = [];
  truth.forEach((db, d) => {
    const mapping = Object.values(got.properties).filter((m) => m['data_source_id'] === db.containerId && m['deleted'] !== true);
    const tableName = String(mapping[0]!['table_name']);
    if (d === 1) expect(tableName).toBe('tasks');
    for (const m of mapping) expect(m['database_title']).toBe(titles[d]);
    const rows = new Map(got.typed[tableName]!.map((r) => [String(r['id']), r]));
    expect([...rows.keys()].sort()).toEqual(db.rows.map((r) => r.id).sort());
    for (const prop of db.properties) {
      const names = mapping.filter((m) => m['property_id'] === prop.id);
      expect(names.length).toBeGreaterThan(0);
      for (const m of names) expect({ property: prop.id, name: m['property_name'] }).toEqual({ property: prop.id, name: storable(prop.name) });
      for (const row of db.rows) {
        const rowBefore = truthBefore[d]!.get(row.id)!;
        const cellsBefore = expectedCells(prop.type, rowBefore.values.get(prop.id));
        for (const [cell, want] of Object.entries(expectedCells(prop.type, row.values.get(prop.id)))) {
          const column = names.find((m) => m['cell'] === cell)?.['column_name'];
          if (want === null && column === undefined) continue;
          const value = rows.get(row.id)![String(column)] ?? null;
          cells++;
          if (isDeepStrictEqual(value, stored(want)) || isDeepStrictEqual(value, stored(cellsBefore[cell]))) continue;
          mismatches.push({ row: row.id, property: prop.id, cell, got: short(value), want: short(stored(want)) });
        }
      }
    }
  });
  expect(mismatches).toEqual([]);
  expect(cells).toBeGreaterThan(2_000);
  // The extremes are there: 2,000 options on one row, 1 MB in one cell.
  const labels = Object.values(got.properties).find((m) => m['property_id'] === h.multiSelectPropertyId)!;
  const notes = Object.values(got.properties).find((m) => m['property_id'] === h.bigTextPropertyId && m['data_source_id'] === truth[0]!.containerId)!;
  const typed0 = got.typed[String(labels['table_name'])]!;
  expect((typed0.find((r) => r['id'] === h.allOptionsRowId)![String(labels['column_name'])] as string[]).length).toBe(HOSTILE_OPTIONS);
  expect(Buffer.byteLength(String(typed0.find((r) => r['id'] === h.bigTextRowId)![String(notes['column_name'])]), 'utf8')).toBeGreaterThanOrEqual(HOSTILE_TEXT_BYTES);
}

/**
 * The hostile texts of a load that the mid-run rename cannot reach (no database mention in them), as
 * every destination must hold them alike: page, database, property and option names, the hostile
 * blocks' texts and the 1 MB cell, long strings hashed.
 */
export function hostileTexts(t: Target, got: Loaded): unknown {
  const ws = t.hostile.workspace;
  const appended = Object.fromEntries(Object.entries(got.blockTexts).filter(([id]) => appendedText(ws, id) !== undefined));
  const names = Object.values(got.properties).map((m) => JSON.stringify([m['table_name'], m['column_name'], m['property_name'], m['database_title']])).sort();
  const labels = Object.values(got.properties).find((m) => m['property_id'] === t.hostile.multiSelectPropertyId)!;
  const notes = Object.values(got.properties).find((m) => m['property_id'] === t.hostile.bigTextPropertyId && m['table_name'] === labels['table_name'])!;
  const rows = got.typed[String(labels['table_name'])]!;
  const cell = (rowId: string, m: Record<string, unknown>) => rows.find((r) => r['id'] === rowId)![String(m['column_name'])];
  return short({
    standaloneTitles: got.standaloneTitles,
    dataSourceTitles: got.dataSourceTitles,
    names,
    appended,
    options: cell(t.hostile.allOptionsRowId, labels),
    bigCell: cell(t.hostile.bigTextRowId, notes),
    itemsStartingWithBom: got.itemsStartingWithBom,
  });
}
