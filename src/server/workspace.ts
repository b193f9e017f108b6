import { ConfigError } from '../errors.js';
import { BLOCK_SPACE, generateTree, TreeBuilder } from './block-tree.js';
import type { BlockNode, BlockTree } from './block-tree.js';
import { hashInts, Random } from './hash.js';
import { COMMENT_SPACE, decodeId, encodeId, IdKind } from './ids.js';
import type { DecodedId } from './ids.js';
import { databaseSchema, FORMULA_INPUTS, PAGE_RELATION_LIMIT, pageMayCut, propertyValue, retypeConfig } from './properties.js';
import type { PropertyDef } from './properties.js';
import { rowContext, rowPropertyValues } from './render.js';
import { title } from './text.js';
import type { Json, JsonObject } from './text.js';

/** Sizes and switches of a generated workspace. Every field is optional; defaults are the `small` preset. */
export interface WorkspaceOptions {
  /** PRNG seed: the same seed and sizes give the same ids and bodies. Default `1`. */
  readonly seed?: number;
  /** Users (people and bots; the last one is the integration's bot). Default 10. */
  readonly users?: number;
  /** Databases (one data source each). At most 127. Default 3. */
  readonly databases?: number;
  /** Rows per database at generation. Default 120. */
  readonly rowsPerDatabase?: number;
  /** Standalone pages (top-level or sub-pages). Default 40. */
  readonly pages?: number;
  /** Blocks of generated content per standalone page, nested blocks included (rows get 0–3 flat blocks). Default 25. */
  readonly blocksPerPage?: number;
  /** Nesting levels of page content: blocks have depth 0 … maxDepth-1. Default 3. */
  readonly maxDepth?: number;
  /** Comments per standalone page (rows: one on every tenth row; some blocks get inline comments). Default 1. */
  readonly commentsPerPage?: number;
  /** Add the hostile property names of `HOSTILE_NAMES` to database 0. Default true. */
  readonly hostileNames?: boolean;
  /** Objects not shared with the integration (404): pages, and the last database when ≥ 2. Default 2. */
  readonly unshared?: number;
}

type Sizes = Required<WorkspaceOptions>;

/** Named workspace sizes. `medium` and `large` are meant for benchmarks. */
export const WORKSPACE_PRESETS = {
  /** ~130 blocks: for unit tests. */
  tiny: { seed: 1, users: 4, databases: 2, rowsPerDatabase: 30, pages: 8, blocksPerPage: 12, maxDepth: 3, commentsPerPage: 1, hostileNames: true, unshared: 1 },
  /** ~1.2k blocks. */
  small: { seed: 1, users: 10, databases: 3, rowsPerDatabase: 120, pages: 40, blocksPerPage: 25, maxDepth: 3, commentsPerPage: 1, hostileNames: true, unshared: 2 },
  /** ~50 users, 10 databases × 2000 rows, 500 pages × 60 blocks, depth 4 (~60k blocks). */
  medium: { seed: 1, users: 50, databases: 10, rowsPerDatabase: 2000, pages: 500, blocksPerPage: 60, maxDepth: 4, commentsPerPage: 2, hostileNames: true, unshared: 3 },
  /** ~1M blocks: 8000 pages × 120 blocks, 20 databases × 2500 rows. */
  large: { seed: 1, users: 200, databases: 20, rowsPerDatabase: 2500, pages: 8000, blocksPerPage: 120, maxDepth: 5, commentsPerPage: 1, hostileNames: true, unshared: 5 },
  /** Content-heavy, ~45k blocks: 300 pages × 150 blocks, depth 4, one small database; for markdown vs block crawl. */
  wiki: { seed: 1, users: 10, databases: 1, rowsPerDatabase: 20, pages: 300, blocksPerPage: 150, maxDepth: 4, commentsPerPage: 0, hostileNames: false, unshared: 1 },
} as const satisfies Record<string, Sizes>;

/** The API versions the server speaks, oldest first. */
export const NOTION_VERSIONS = ['2022-06-28', '2025-09-03', '2026-03-11', '2026-12-01'] as const;

/**
 * One of {@link NOTION_VERSIONS}. 2025-09-03 adds data sources; 2026-03-11 drops `archived` (only
 * `in_trash`) and renames block type `transcription` to `meeting_notes`; 2026-12-01 makes search and
 * data source queries return only the title property unless `filter_properties` lists ids, and answers
 * `name: null` for some person users. Versions are ISO dates: they compare as strings.
 */
export type NotionVersion = (typeof NOTION_VERSIONS)[number];

/** A user as the ground truth knows it. */
export interface UserTruth {
  readonly id: string;
  readonly type: 'person' | 'bot';
  /** The name; Notion-Version 2026-12-01 answers `name: null` instead when `name_hidden`. */
  readonly name: string;
  /** True for the persons whose name 2026-12-01 hides (see {@link Workspace.hidesName}). */
  readonly name_hidden: boolean;
  readonly email: string | null;
}

/** A page (standalone page or database row) the integration can see. */
export interface PageTruth {
  readonly id: string;
  readonly title: string;
  readonly parent_type: 'workspace' | 'page_id' | 'database_id';
  /** Parent page id or database id; null for workspace pages. */
  readonly parent_id: string | null;
  /** For rows: the data source id (2025-09-03 parent); null otherwise. */
  readonly data_source_id: string | null;
  readonly created_time: string;
  readonly last_edited_time: string;
}

/** A shared database (one data source). */
export interface DatabaseTruth {
  readonly id: string;
  readonly title: string;
  readonly parent_type: 'workspace' | 'page_id';
  readonly parent_id: string | null;
  readonly data_source_id: string;
  readonly row_count: number;
  readonly last_edited_time: string;
  readonly properties: ReadonlyArray<{ readonly id: string; readonly name: string; readonly type: string }>;
}

/** A shared data source. */
export interface DataSourceTruth {
  readonly id: string;
  readonly database_id: string;
  readonly title: string;
  readonly row_count: number;
  readonly last_edited_time: string;
}

/** A block a complete load reaches. */
export interface BlockTruth {
  readonly id: string;
  /** The type as 2026-03-11 names it: a `meeting_notes` block is a `transcription` block under older versions. */
  readonly type: string;
  /** Parent block id, or the page id for top-level blocks. */
  readonly parent_id: string;
  /** The page whose content the block is. */
  readonly page_id: string;
  /** 0 for a page's top-level blocks. */
  readonly depth: number;
  /** 0-based index among siblings. */
  readonly position: number;
  readonly has_children: boolean;
}

/** A synced_block reference whose original lives where the integration cannot read: listing its children is 404. */
export interface UnreachableTruth {
  readonly block_id: string;
  readonly page_id: string;
  readonly synced_from: string;
}

/** A comment (on a page, or inline on a block). */
export interface CommentTruth {
  readonly id: string;
  /** The page id (page comment) or block id (inline comment) it is listed under. */
  readonly parent_id: string;
  readonly page_id: string;
  readonly discussion_id: string;
}

/** Counts of what a complete load reaches. */
export interface WorkspaceCounts {
  readonly users: number;
  /** Standalone pages plus rows. */
  readonly pages: number;
  readonly standalonePages: number;
  readonly rows: number;
  readonly databases: number;
  readonly dataSources: number;
  readonly blocks: number;
  readonly comments: number;
  readonly unreachable: number;
}

/** Options of {@link Workspace.minimalRequests}. */
export interface MinimalRequestOptions {
  readonly notionVersion: NotionVersion;
  /** Which comments the load lists: none, each page's, or each page's and each block's. */
  readonly comments: 'pages' | 'all' | 'none';
}

/** Requests a complete load needs, by part. */
export interface RequestCounts {
  readonly users: number;
  readonly search: number;
  readonly queries: number;
  readonly blockChildren: number;
  readonly comments: number;
  readonly propertyItems: number;
  readonly total: number;
}

/** Where a page hangs. */
export type PageParent =
  | { readonly type: 'workspace' }
  | { readonly type: 'page'; readonly pageNo: number }
  | { readonly type: 'database'; readonly db: number };

type Op =
  | { readonly op: 'append'; readonly parentId: string; readonly type: string; readonly text: string | undefined; readonly ref: number; readonly at: number }
  | { readonly op: 'delete'; readonly id: string }
  | { readonly op: 'move'; readonly id: string; readonly parentId: string; readonly position: number };

/** Page numbers of rows start here: row `r` of database `d` is page number `ROW_BASE + d * ROW_SPACE + r`. */
const ROW_BASE = 2 ** 24;
const ROW_SPACE = 2 ** 20;
/** Local block index standing for "the page itself" in comment ids. */
const PAGE_LOCAL = BLOCK_SPACE - 1;
/** Guests (users people values name but `GET /v1/users` does not list) have the user indexes `users … users + GUESTS - 1`. */
const GUESTS = 40;
const MINUTE = 60_000;
const BASE_TIME = Date.UTC(2023, 0, 1);
const TREE_CACHE = 256;
const COMMENTABLE = new Set(['paragraph', 'heading_1', 'heading_2', 'heading_3', 'bulleted_list_item', 'numbered_list_item', 'to_do', 'toggle', 'quote', 'callout']);

/** Database titles, as a team names them (the demo's typed tables are `projects`, `tasks`, …); past ten, numbered. */
const DATABASE_TITLES = ['Projects', 'Tasks', 'Meeting notes', 'Customers', 'Bugs', 'Roadmap', 'Hiring pipeline', 'Goals', 'Vendors', 'Docs'];

/** Rounds a time down to the minute, as Notion does for created/last-edited times. */
export function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE) * MINUTE;
}

/** Pages per list request. */
const pagesOf = (n: number): number => Math.max(1, Math.ceil(n / 100));

function checkSize(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new ConfigError(`Workspace option ${name} must be an integer from 0 to ${max}, got ${value}.`);
  return value;
}

/**
 * A deterministic generated Notion workspace: the data the local server serves, and the ground truth
 * a load is compared with. Only a compact structural index lives in memory (page parents, row counts,
 * mutations); every object's JSON is generated when requested, from a PRNG seeded by (seed, object).
 *
 * @example
 * ```ts
 * const ws = new Workspace(WORKSPACE_PRESETS.tiny);
 * for (const block of ws.blocks()) console.log(block.page_id, block.depth, block.type);
 * console.log(ws.minimalRequests({ notionVersion: '2025-09-03', comments: 'pages' }).total);
 * ```
 */
export class Workspace {
  readonly seed: number;
  readonly options: Sizes;
  /** The clock mutations use for last_edited_time (and file URL expiry). Default `Date.now`. */
  clock: () => number;
  readonly #pageParent: Int32Array;
  readonly #subPages: number[][];
  readonly #pageDbs: number[][];
  readonly #dbParent: Int32Array;
  readonly #unsharedPages: Set<number>;
  /** The unshared origin page that page 1's synced reference points to (fixed at creation), or -1. */
  readonly #deadOrigin: number;
  readonly #unsharedDbs: Set<number>;
  readonly #originPages: number[];
  readonly #rowCounts: number[];
  readonly #schemas: PropertyDef[][];
  readonly #trashed = new Set<number>();
  readonly #deleted = new Set<number>();
  readonly #titles = new Map<number, string>();
  readonly #dbTitles = new Map<number, string>();
  readonly #dbEdited = new Map<number, number>();
  readonly #edited = new Map<number, number>();
  readonly #created = new Map<number, number>();
  readonly #ops = new Map<number, Op[]>();
  readonly #trees = new Map<number, BlockTree>();
  /** Row page number → property id → the value set by {@link setPropertyValue}. */
  readonly #values = new Map<number, Map<string, Json>>();
  #version = 0;

  constructor(options: WorkspaceOptions = {}, clock: () => number = Date.now) {
    const o: Sizes = { ...WORKSPACE_PRESETS.small, ...options };
    checkSize('seed', o.seed, 2 ** 32 - 1);
    checkSize('users', o.users, 1_000_000);
    checkSize('databases', o.databases, 127);
    checkSize('rowsPerDatabase', o.rowsPerDatabase, ROW_SPACE / 2);
    checkSize('pages', o.pages, ROW_BASE - 1);
    checkSize('blocksPerPage', o.blocksPerPage, BLOCK_SPACE / 2);
    checkSize('maxDepth', o.maxDepth, 64);
    checkSize('commentsPerPage', o.commentsPerPage, COMMENT_SPACE / 2);
    checkSize('unshared', o.unshared, o.pages + o.databases);
    if (o.users < 1) throw new ConfigError('Workspace option users must be at least 1 (the integration bot).');
    this.options = o;
    this.seed = o.seed;
    this.clock = clock;
    const P = o.pages;
    const D = o.databases;

    this.#unsharedDbs = new Set(o.unshared >= 2 && D >= 2 ? [D - 1] : []);
    const unsharedPageCount = Math.min(P, o.unshared - this.#unsharedDbs.size);
    const originsOn = o.blocksPerPage >= 3 && o.maxDepth >= 2;
    const byThree: number[] = [];
    for (let i = 0; i < P; i += 3) byThree.push(i);
    // Unshared pages are top-level leaves; with synced originals on, they are origin pages, so some
    // synced reference points at content the integration cannot read.
    this.#unsharedPages = new Set<number>();
    for (let i = P - 1; i >= 0 && this.#unsharedPages.size < unsharedPageCount; i--) if (!originsOn || i % 3 === 0) this.#unsharedPages.add(i);
    for (let i = P - 1; i >= 0 && this.#unsharedPages.size < unsharedPageCount; i--) this.#unsharedPages.add(i);
    this.#originPages = originsOn ? byThree : [];
    this.#deadOrigin = this.#originPages.find((p) => this.#unsharedPages.has(p)) ?? -1;

    this.#pageParent = new Int32Array(P).fill(-1);
    this.#subPages = Array.from({ length: P }, () => []);
    for (let i = 1; i < P; i++) {
      if (this.#unsharedPages.has(i) || hashInts(this.seed, 0x9a7e, i) % 4 === 0) continue;
      const j = hashInts(this.seed, 0x9a7f, i) % i;
      if (this.#unsharedPages.has(j)) continue;
      this.#pageParent[i] = j;
      this.#subPages[j]!.push(i);
    }
    this.#dbParent = new Int32Array(D).fill(-1);
    this.#pageDbs = Array.from({ length: P }, () => []);
    for (let d = 0; d < D; d++) {
      if (this.#unsharedDbs.has(d) || P === 0 || d % 3 === 2) continue;
      const j = hashInts(this.seed, 0xdb9a, d) % P;
      if (this.#unsharedPages.has(j)) continue;
      this.#dbParent[d] = j;
      this.#pageDbs[j]!.push(d);
    }
    this.#rowCounts = Array.from({ length: D }, () => o.rowsPerDatabase);
    this.#schemas = Array.from({ length: D }, (_, d) => {
      const t = this.relationTarget(d);
      return databaseSchema({ relationDatabaseId: this.databaseId(t), relationDataSourceId: this.dataSourceId(t), hostile: o.hostileNames && d === 0 });
    });
  }

  // ─── Ids and structure (used by the server) ────────────────────────────────────────────────

  /** Bumped on every mutation. */
  get version(): number {
    return this.#version;
  }

  /** The kind and index an id stands for, if it is one of this workspace's ids. */
  decode(id: string): DecodedId | undefined {
    return decodeId(this.seed, id);
  }

  /** Id of user `u`. */
  userId(u: number): string {
    return encodeId(this.seed, IdKind.user, u);
  }

  /** Index of the integration's bot user (the last user). */
  get botUser(): number {
    return this.options.users - 1;
  }

  /** Whether user `u` is a bot. */
  isBot(u: number): boolean {
    return u === this.botUser || u % 7 === 6;
  }

  /** Display name of user `u`. */
  userName(u: number): string {
    if (u === this.botUser) return 'Notionflow demo integration';
    const r = new Random(this.seed, 0x05e7, u);
    const name = title(r).split(' ').slice(0, 2).join(' ');
    return this.isBot(u) ? `${name} bot` : name;
  }

  /** Whether Notion-Version 2026-12-01 answers `name: null` for user `u`: every fourth person (index % 4 === 2). */
  hidesName(u: number): boolean {
    return !this.isBot(u) && u % 4 === 2;
  }

  /** Whether user index `u` is a guest: a person people values name, whom `GET /v1/users` does not list. */
  isGuest(u: number): boolean {
    return u >= this.options.users && u < this.options.users + GUESTS;
  }

  /** Email of a person user (null for bots). */
  userEmail(u: number): string | null {
    return this.isBot(u) ? null : `${this.userName(u).toLowerCase().replace(/[^a-z]+/g, '.')}.${u}@example.com`;
  }

  /** Page number of row `r` of database `d`. */
  rowPageNo(d: number, r: number): number {
    return ROW_BASE + d * ROW_SPACE + r;
  }

  /** For a row's page number: its database and row index; undefined for standalone pages. */
  rowOf(pageNo: number): { db: number; row: number } | undefined {
    if (pageNo < ROW_BASE) return undefined;
    const rel = pageNo - ROW_BASE;
    return { db: Math.floor(rel / ROW_SPACE), row: rel % ROW_SPACE };
  }

  /** Id of a page (standalone page or row) by page number. */
  pageId(pageNo: number): string {
    return encodeId(this.seed, IdKind.page, pageNo);
  }

  /** Id of database `d`. */
  databaseId(d: number): string {
    return encodeId(this.seed, IdKind.database, d);
  }

  /** Id of the data source of database `d`. */
  dataSourceId(d: number): string {
    return encodeId(this.seed, IdKind.dataSource, d);
  }

  /** True when page number `pageNo` exists (shared or not, trashed or not). */
  pageExists(pageNo: number): boolean {
    if (this.#deleted.has(pageNo)) return false;
    const row = this.rowOf(pageNo);
    if (row === undefined) return pageNo < this.options.pages;
    return row.db < this.options.databases && row.row < this.#rowCounts[row.db]!;
  }

  /** True when the integration can read the page (it exists and it, or its database, is shared). */
  isPageShared(pageNo: number): boolean {
    if (!this.pageExists(pageNo)) return false;
    const row = this.rowOf(pageNo);
    return row === undefined ? !this.#unsharedPages.has(pageNo) : !this.#unsharedDbs.has(row.db);
  }

  /** True when the page, or a page above it, was trashed. */
  isPageTrashed(pageNo: number): boolean {
    for (let p = pageNo; ; ) {
      if (this.#trashed.has(p)) return true;
      const parent = this.pageParent(p);
      if (parent.type !== 'page') return false;
      p = parent.pageNo;
    }
  }

  /** Shared and not in trash: what search, queries and the ground truth show. */
  isPageVisible(pageNo: number): boolean {
    return this.isPageShared(pageNo) && !this.isPageTrashed(pageNo);
  }

  /** Where a page hangs. */
  pageParent(pageNo: number): PageParent {
    const row = this.rowOf(pageNo);
    if (row !== undefined) return { type: 'database', db: row.db };
    const p = this.#pageParent[pageNo]!;
    return p < 0 ? { type: 'workspace' } : { type: 'page', pageNo: p };
  }

  /** Title of a page. */
  pageTitle(pageNo: number): string {
    return this.#titles.get(pageNo) ?? title(new Random(this.seed, 0x717e, pageNo));
  }

  /** Creation time of a page (ms, minute-rounded). */
  pageCreated(pageNo: number): number {
    return this.#created.get(pageNo) ?? BASE_TIME + (hashInts(this.seed, 0xc7ea, pageNo) % (400 * 1440)) * MINUTE;
  }

  /** Last edit time of a page (ms, minute-rounded). */
  pageEdited(pageNo: number): number {
    return this.#edited.get(pageNo) ?? this.pageCreated(pageNo) + (hashInts(this.seed, 0xed17, pageNo) % (60 * 1440)) * MINUTE;
  }

  /** Creator and last editor (user indexes) of an object keyed by `(salt, index)`. */
  authors(salt: number, index: number): { createdBy: number; editedBy: number } {
    const u = this.options.users;
    return { createdBy: hashInts(this.seed, salt, index, 1) % u, editedBy: hashInts(this.seed, salt, index, 2) % u };
  }

  /** True when database `d` exists and is shared with the integration. */
  isDatabaseShared(d: number): boolean {
    return d >= 0 && d < this.options.databases && !this.#unsharedDbs.has(d);
  }

  /** Parent page number of database `d`, or -1 for the workspace. */
  databaseParent(d: number): number {
    return this.#dbParent[d]!;
  }

  /** Title of database `d` (also its data source's name). */
  databaseTitle(d: number): string {
    const base = DATABASE_TITLES[(d + this.seed - 1) % DATABASE_TITLES.length]!;
    return this.#dbTitles.get(d) ?? (d < DATABASE_TITLES.length ? base : `${base} ${Math.floor(d / DATABASE_TITLES.length) + 1}`);
  }

  /** Creation and last edit times of database `d` (also its data source's). */
  databaseTimes(d: number): { created: number; edited: number } {
    const created = BASE_TIME + (hashInts(this.seed, 0xdbc7, d) % (100 * 1440)) * MINUTE;
    return { created, edited: this.#dbEdited.get(d) ?? created + (hashInts(this.seed, 0xdbed, d) % (300 * 1440)) * MINUTE };
  }

  /** Property schema of database `d`. */
  schema(d: number): readonly PropertyDef[] {
    return this.#schemas[d]!;
  }

  /** Rows database `d` has now (trashed rows included). */
  rowCount(d: number): number {
    return this.#rowCounts[d]!;
  }

  /** The database the relation property of database `d` points to (a shared one). */
  relationTarget(d: number): number {
    const D = this.options.databases;
    for (let k = 1; k <= D; k++) {
      const t = (d + k) % D;
      if (!this.#unsharedDbs.has(t)) return t;
    }
    return d;
  }

  /** Number of pages a row's relation property holds (more than 25 on every 40th row). */
  relatedCount(pageNo: number): number {
    const row = this.rowOf(pageNo)!;
    const available = this.options.rowsPerDatabase;
    const wanted = row.row % 40 === 3 ? 26 + (hashInts(this.seed, 0x3e1a, pageNo) % 35) : hashInts(this.seed, 0x3e1b, pageNo) % 4;
    return Math.min(wanted, available);
  }

  /** Page numbers of every page a row's relation property holds, in order. */
  relatedPages(pageNo: number): number[] {
    const row = this.rowOf(pageNo)!;
    const t = this.relationTarget(row.db);
    const available = this.options.rowsPerDatabase;
    const start = hashInts(this.seed, 0x3e1c, pageNo) % Math.max(1, available);
    return Array.from({ length: this.relatedCount(pageNo) }, (_, k) => this.rowPageNo(t, (start + k) % available));
  }

  /** Ids of every page a row's relation property holds, in order. */
  relatedIds(pageNo: number): string[] {
    return this.relatedPages(pageNo).map((p) => this.pageId(p));
  }

  /** The block tree of a page (mutations applied). Cached for recently used pages. */
  tree(pageNo: number): BlockTree {
    let tree = this.#trees.get(pageNo);
    if (tree !== undefined) {
      this.#trees.delete(pageNo);
      this.#trees.set(pageNo, tree);
      return tree;
    }
    tree = this.#buildTree(pageNo);
    this.#trees.set(pageNo, tree);
    if (this.#trees.size > TREE_CACHE) this.#trees.delete(this.#trees.keys().next().value!);
    return tree;
  }

  #buildTree(pageNo: number): BlockTree {
    const row = this.rowOf(pageNo);
    const o = this.options;
    const standalone = row === undefined;
    const isOrigin = standalone && this.#originPages.length > 0 && pageNo % 3 === 0;
    const builder = generateTree({
      seed: this.seed,
      pageNo,
      budget: standalone ? o.blocksPerPage : hashInts(this.seed, 0x40b5, pageNo) % 4,
      maxDepth: o.maxDepth,
      flat: !standalone,
      syncedOriginal: isOrigin,
      meetingNotes: standalone && hashInts(this.seed, 0x3ee7, pageNo) % 6 === 0,
      syncedReference: standalone ? this.#referenceTarget(pageNo) : -1,
      subPages: standalone ? this.#subPages[pageNo]!.filter((p) => !this.#trashed.has(p)) : [],
      subDatabases: standalone ? this.#pageDbs[pageNo]! : [],
      linkTarget: (rnd) => (o.pages > 0 ? rnd.int(o.pages) : -1),
      pageId: (p) => this.pageId(p),
      databaseId: (d) => this.databaseId(d),
    });
    for (const op of this.#ops.get(pageNo) ?? []) this.#replay(builder, op);
    return builder.tree;
  }

  #replay(b: TreeBuilder, op: Op): void {
    const { tree } = b;
    const parentOf = (id: string): BlockNode | undefined => (id === this.pageId(tree.pageNo) ? undefined : tree.byId.get(id));
    if (op.op === 'append') b.add(op.type, parentOf(op.parentId), op.ref, { ...(op.text === undefined ? {} : { text: op.text }), createdAt: op.at });
    else if (op.op === 'delete') b.detach(tree.byId.get(op.id)!, true);
    else {
      const node = tree.byId.get(op.id)!;
      b.detach(node, false);
      b.attach(node, parentOf(op.parentId), op.position);
    }
  }

  #referenceTarget(pageNo: number): number {
    if (this.#originPages.length === 0 || pageNo % 3 !== 1) return -1;
    const target = pageNo === 1 && this.#deadOrigin >= 0 ? this.#deadOrigin : this.#originPages[hashInts(this.seed, 0x5ec, pageNo) % this.#originPages.length]!;
    return target * BLOCK_SPACE;
  }

  /** Page number and tree node of a block id (not child_page/child_database ids); undefined when unknown. */
  findBlock(index: number): { pageNo: number; node: BlockNode } | undefined {
    const pageNo = Math.floor(index / BLOCK_SPACE);
    if (!this.pageExists(pageNo)) return undefined;
    const node = this.tree(pageNo).byId.get(encodeId(this.seed, IdKind.block, index));
    return node === undefined ? undefined : { pageNo, node };
  }

  /**
   * The children a listing of `node` returns: its own, or for a synced reference the original's;
   * `undefined` when the original is not readable (listing answers 404).
   */
  childrenOf(node: BlockNode): BlockNode[] | undefined {
    if (node.type === 'synced_block' && node.ref >= 0) {
      const pageNo = Math.floor(node.ref / BLOCK_SPACE);
      if (!this.isPageVisible(pageNo)) return undefined;
      return this.findBlock(node.ref)?.node.children;
    }
    if (node.type === 'child_page') return this.tree(node.ref).top;
    if (node.type === 'child_database') return [];
    return node.children;
  }

  /** `has_children` as the API reports it. */
  hasChildren(node: BlockNode): boolean {
    if (node.type === 'synced_block') return true;
    if (node.type === 'child_database') return false;
    if (node.type === 'child_page') {
      const p = node.ref;
      if (this.#ops.has(p)) return this.tree(p).top.length > 0;
      return this.options.blocksPerPage > 0 || this.#subPages[p]!.length > 0 || this.#pageDbs[p]!.length > 0;
    }
    return node.children.length > 0;
  }

  /** Creation and last edit times of a block (ms, minute-rounded). */
  blockTimes(pageNo: number, node: BlockNode): { created: number; edited: number } {
    if (node.createdAt !== undefined) return { created: node.createdAt, edited: node.createdAt };
    const pc = this.pageCreated(pageNo);
    const pe = this.pageEdited(pageNo);
    const created = pc + Math.floor(unitInt(this.seed, node.local, pageNo) * ((pe - pc) / MINUTE + 1)) * MINUTE;
    const edited = created + Math.floor(unitInt(this.seed, node.local + BLOCK_SPACE, pageNo) * ((pe - created) / MINUTE + 1)) * MINUTE;
    return { created, edited };
  }

  /** Comments listed under a page. */
  pageCommentCount(pageNo: number): number {
    const c = this.options.commentsPerPage;
    const row = this.rowOf(pageNo);
    if (row === undefined) return c;
    return c > 0 && row.row % 10 === 0 ? 1 : 0;
  }

  /** Inline comments listed under a block. */
  blockCommentCount(pageNo: number, node: BlockNode): number {
    if (this.options.commentsPerPage === 0 || node.local < 0 || !COMMENTABLE.has(node.type)) return 0;
    const h = hashInts(this.seed, 0xc0de, pageNo * BLOCK_SPACE + node.local);
    return h % 6 === 0 ? 1 + ((h >>> 8) % 2) : 0;
  }

  /** Comment owner block index for a page's own comments. */
  pageCommentOwner(pageNo: number): number {
    return pageNo * BLOCK_SPACE + PAGE_LOCAL;
  }

  /** Whether an owner block index of a comment stands for the page itself. */
  isPageCommentOwner(ownerIndex: number): boolean {
    return ownerIndex % BLOCK_SPACE === PAGE_LOCAL;
  }

  /** Id of comment `k` of an owner (page or block index). */
  commentId(ownerIndex: number, k: number): string {
    return encodeId(this.seed, IdKind.comment, ownerIndex * COMMENT_SPACE + k);
  }

  /** Discussion id of comment `k` of an owner: comments come in threads of two. */
  discussionId(ownerIndex: number, k: number): string {
    return encodeId(this.seed, IdKind.discussion, ownerIndex * COMMENT_SPACE + (k - (k % 2)));
  }

  /** Page numbers of visible pages: standalone pages first, then rows by database. */
  visiblePages(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.options.pages; i++) if (this.isPageVisible(i)) out.push(i);
    for (let d = 0; d < this.options.databases; d++) out.push(...this.visibleRows(d));
    return out;
  }

  /** Page numbers of the visible rows of database `d` (none when it is not shared). */
  visibleRows(d: number): number[] {
    const out: number[] = [];
    if (!this.isDatabaseShared(d)) return out;
    for (let r = 0; r < this.#rowCounts[d]!; r++) {
      const p = this.rowPageNo(d, r);
      if (!this.#trashed.has(p) && !this.#deleted.has(p)) out.push(p);
    }
    return out;
  }

  /** Page numbers of the shared pages and rows in the trash (what search lists with `filter.in_trash: true`). */
  trashedPages(): number[] {
    return [...this.#trashed].filter((p) => this.isPageShared(p)).sort((a, b) => a - b);
  }

  /** Indexes of the shared databases. */
  sharedDatabases(): number[] {
    return Array.from({ length: this.options.databases }, (_, d) => d).filter((d) => this.isDatabaseShared(d));
  }

  // ─── Ground truth ──────────────────────────────────────────────────────────────────────────

  /** Every user `GET /v1/users` lists (people and bots). */
  *users(): Generator<UserTruth> {
    for (let u = 0; u < this.options.users; u++) {
      yield { id: this.userId(u), type: this.isBot(u) ? 'bot' : 'person', name: this.userName(u), name_hidden: this.hidesName(u), email: this.userEmail(u) };
    }
  }

  /** Every page the integration can see: standalone pages (top-level and sub-pages), then database rows. */
  *pages(): Generator<PageTruth> {
    for (const pageNo of this.visiblePages()) {
      const parent = this.pageParent(pageNo);
      yield {
        id: this.pageId(pageNo),
        title: this.pageTitle(pageNo),
        parent_type: parent.type === 'workspace' ? 'workspace' : parent.type === 'page' ? 'page_id' : 'database_id',
        parent_id: parent.type === 'page' ? this.pageId(parent.pageNo) : parent.type === 'database' ? this.databaseId(parent.db) : null,
        data_source_id: parent.type === 'database' ? this.dataSourceId(parent.db) : null,
        created_time: new Date(this.pageCreated(pageNo)).toISOString(),
        last_edited_time: new Date(this.pageEdited(pageNo)).toISOString(),
      };
    }
  }

  /** Every shared database. */
  *databases(): Generator<DatabaseTruth> {
    for (const d of this.sharedDatabases()) {
      const parent = this.#dbParent[d]!;
      yield {
        id: this.databaseId(d),
        title: this.databaseTitle(d),
        parent_type: parent < 0 ? 'workspace' : 'page_id',
        parent_id: parent < 0 ? null : this.pageId(parent),
        data_source_id: this.dataSourceId(d),
        row_count: this.visibleRows(d).length,
        last_edited_time: new Date(this.databaseTimes(d).edited).toISOString(),
        properties: this.schema(d).map(({ id, name, type }) => ({ id, name, type })),
      };
    }
  }

  /** Every shared data source (one per shared database). */
  *dataSources(): Generator<DataSourceTruth> {
    for (const d of this.sharedDatabases()) {
      yield {
        id: this.dataSourceId(d),
        database_id: this.databaseId(d),
        title: this.databaseTitle(d),
        row_count: this.visibleRows(d).length,
        last_edited_time: new Date(this.databaseTimes(d).edited).toISOString(),
      };
    }
  }

  /** Ids of the visible rows of a database, given by index, database id or data source id (none when it is not shared). */
  rows(database: number | string): string[] {
    return this.visibleRows(this.#databaseIndex(database)).map((p) => this.pageId(p));
  }

  /**
   * The full value of every property of a row, keyed by property id, in schema order: relations,
   * people and rich text complete (what the property-item endpoint lists), rollups computed over every
   * related row (the envelope's `property_item.rollup`), other values as the page response shows them.
   * Values are in Notion's page-property form (`relation`: `[{id}]`, `people`: `[{object, id}]`, …).
   */
  rowProperties(pageId: string): Map<string, Json> {
    const pageNo = this.#page(pageId);
    if (this.rowOf(pageNo) === undefined) throw new ConfigError(`Not a database row: ${pageId}.`);
    return rowPropertyValues(this, pageNo);
  }

  /**
   * Every block a complete load reaches, page by page in depth-first order. child_page /
   * child_database blocks belong to the page containing them and are not descended (the sub-page's
   * content is yielded with the sub-page). A synced reference is a block of its page; the original's
   * children are blocks of the original's page, yielded once.
   */
  *blocks(): Generator<BlockTruth> {
    for (const pageNo of this.visiblePages()) {
      const pageId = this.pageId(pageNo);
      const walk = function* (ws: Workspace, nodes: readonly BlockNode[], parentId: string): Generator<BlockTruth> {
        for (let position = 0; position < nodes.length; position++) {
          const node = nodes[position]!;
          yield { id: node.id, type: node.type, parent_id: parentId, page_id: pageId, depth: node.depth, position, has_children: ws.hasChildren(node) };
          yield* walk(ws, node.children, node.id);
        }
      };
      yield* walk(this, this.tree(pageNo).top, pageId);
    }
  }

  /** The synced references whose children cannot be listed (their original is on an unshared page). */
  *unreachable(): Generator<UnreachableTruth> {
    for (const pageNo of this.visiblePages()) {
      for (const node of this.tree(pageNo).byId.values()) {
        if (node.type === 'synced_block' && node.ref >= 0 && this.childrenOf(node) === undefined) {
          yield { block_id: node.id, page_id: this.pageId(pageNo), synced_from: encodeId(this.seed, IdKind.block, node.ref) };
        }
      }
    }
  }

  /** Every comment a load listing page and block comments reaches. */
  *comments(): Generator<CommentTruth> {
    for (const pageNo of this.visiblePages()) {
      const pageId = this.pageId(pageNo);
      const owner = this.pageCommentOwner(pageNo);
      for (let k = 0; k < this.pageCommentCount(pageNo); k++) {
        yield { id: this.commentId(owner, k), parent_id: pageId, page_id: pageId, discussion_id: this.discussionId(owner, k) };
      }
      for (const node of this.tree(pageNo).byId.values()) {
        const index = pageNo * BLOCK_SPACE + node.local;
        for (let k = 0; k < this.blockCommentCount(pageNo, node); k++) {
          yield { id: this.commentId(index, k), parent_id: node.id, page_id: pageId, discussion_id: this.discussionId(index, k) };
        }
      }
    }
  }

  /** Counts of everything above. */
  counts(): WorkspaceCounts {
    let standalonePages = 0;
    let rows = 0;
    for (const p of this.visiblePages()) {
      if (this.rowOf(p) === undefined) standalonePages++;
      else rows++;
    }
    const dbs = this.sharedDatabases().length;
    return {
      users: this.options.users,
      pages: standalonePages + rows,
      standalonePages,
      rows,
      databases: dbs,
      dataSources: dbs,
      blocks: count(this.blocks()),
      comments: count(this.comments()),
      unreachable: count(this.unreachable()),
    };
  }

  /**
   * The minimal number of requests a complete load needs, with this strategy:
   * - users: `GET /v1/users` pages (ceil(n/100), at least 1);
   * - search: pages (all pages incl. rows, ceil(n/100), at least 1), then data sources (2025-09-03) or
   *   databases (2022-06-28), ceil(n/100), at least 1; no `GET /v1/databases/:id` (data sources come from search);
   * - queries: each shared data source / database, ceil(rows/100), at least 1 (assumes no query hits the result cap);
   * - block children: every page and row once (ceil(children/100), at least 1, even when empty), then every
   *   reachable block with `has_children`, except child_page / child_database (not descended); synced content is
   *   listed once per original: the original is listed with its page, a reference whose original is readable is
   *   not listed, and each distinct unreadable original costs one listing (the 404);
   * - comments (unless `'none'`): `GET /v1/comments?block_id=` per page (ceil(n/100), at least 1) and, with `'all'`,
   *   per reachable block too (child_page / child_database excluded: they are pages / databases);
   * - property items: ceil(items/100) pages of `GET /v1/pages/:id/properties/:property_id` for each row
   *   property the page response may have cut short: a relation with `has_more`, every rollup of a row
   *   whose relation has `has_more`, people showing 25 people (a cut list cannot be told from a full one
   *   of 25), a title / rich_text showing 25 mentions.
   *
   * The count does not depend on the version: under 2026-12-01 the queries pass `filter_properties` with
   * every property id of the data source (search results only need titles).
   */
  minimalRequests(options: MinimalRequestOptions): RequestCounts {
    const users = pagesOf(this.options.users);
    const pages = this.visiblePages();
    const dbs = this.sharedDatabases();
    const search = pagesOf(pages.length) + pagesOf(dbs.length);
    let queries = 0;
    for (const d of dbs) queries += pagesOf(this.visibleRows(d).length);
    let blockChildren = 0;
    let comments = 0;
    let propertyItems = 0;
    const deadOriginals = new Set<number>();
    for (const pageNo of pages) {
      const tree = this.tree(pageNo);
      blockChildren += pagesOf(tree.top.length);
      if (options.comments !== 'none') comments += pagesOf(this.pageCommentCount(pageNo));
      for (const node of tree.byId.values()) {
        if (node.type === 'child_page' || node.type === 'child_database') continue;
        if (options.comments === 'all') comments += pagesOf(this.blockCommentCount(pageNo, node));
        if (node.type === 'synced_block' && node.ref >= 0) {
          if (this.childrenOf(node) === undefined) deadOriginals.add(node.ref);
        } else if (node.children.length > 0) blockChildren += pagesOf(node.children.length);
      }
      const row = this.rowOf(pageNo);
      if (row !== undefined) propertyItems += this.#propertyItemRequests(pageNo, row.db, row.row);
    }
    blockChildren += deadOriginals.size;
    return { users, search, queries, blockChildren, comments, propertyItems, total: users + search + queries + blockChildren + comments + propertyItems };
  }

  /** Property-item listings a complete load of one row needs (see {@link minimalRequests}). */
  #propertyItemRequests(pageNo: number, db: number, row: number): number {
    const related = this.relatedCount(pageNo);
    let n = 0;
    for (const prop of this.schema(db)) {
      // A relation and its rollups list one item per related page (show_original: one original per page).
      if (prop.type === 'relation' || prop.type === 'rollup') {
        if (related > PAGE_RELATION_LIMIT) n += pagesOf(related);
      } else if (pageMayCut(prop, row)) {
        n += pagesOf((propertyValue(prop, rowContext(this, pageNo)) as Json[]).length);
      }
    }
    return n;
  }

  // ─── Mutations ─────────────────────────────────────────────────────────────────────────────

  #touch(pageNo: number): number {
    const now = floorMinute(this.clock());
    this.#edited.set(pageNo, Math.max(now, this.pageCreated(pageNo)));
    this.#version++;
    return now;
  }

  #page(id: string): number {
    const d = this.decode(id);
    if (d === undefined || d.kind !== IdKind.page || !this.pageExists(d.index)) throw new ConfigError(`Not a page of this workspace: ${id}.`);
    return d.index;
  }

  #block(id: string): { pageNo: number; node: BlockNode } {
    const d = this.decode(id);
    const found = d?.kind === IdKind.block ? this.findBlock(d.index) : undefined;
    if (found === undefined) throw new ConfigError(`Not a block of this workspace: ${id}.`);
    return found;
  }

  #record(pageNo: number, op: Op): void {
    const ops = this.#ops.get(pageNo) ?? [];
    ops.push(op);
    this.#ops.set(pageNo, ops);
    this.#trees.delete(pageNo);
  }

  /** Changes a page's title; bumps its last_edited_time. */
  editPage(id: string, change: { readonly title?: string }): void {
    const pageNo = this.#page(id);
    if (change.title !== undefined) this.#titles.set(pageNo, change.title);
    this.#touch(pageNo);
  }

  /**
   * Appends a block under a page or block; returns its id. Bumps the page's last_edited_time. `text` is
   * the block's plain text, served as Notion serves it: rich-text items of at most 2,000 characters. A
   * `synced_block` with `syncedFrom` (a synced original's block id, on any page) is a reference to that
   * original; without it, it is an original to append children to. A `link_to_page` links to `linkTo`.
   */
  appendBlock(parentId: string, block: { readonly type: string; readonly text?: string; readonly syncedFrom?: string; readonly linkTo?: string }): string {
    const decoded = this.decode(parentId);
    const pageNo = decoded?.kind === IdKind.page ? this.#page(parentId) : this.#block(parentId).pageNo;
    const ref = this.#blockRef(block);
    const at = this.#touch(pageNo);
    const id = encodeId(this.seed, IdKind.block, pageNo * BLOCK_SPACE + this.tree(pageNo).nextLocal);
    this.#record(pageNo, { op: 'append', parentId: decoded?.kind === IdKind.page ? this.pageId(pageNo) : parentId, type: block.type, text: block.text, ref, at });
    return id;
  }

  /** The `ref` of an appended block: a synced reference's original (block index), a link's page number, else -1. */
  #blockRef(block: { readonly type: string; readonly syncedFrom?: string; readonly linkTo?: string }): number {
    if (block.type === 'link_to_page') {
      if (block.linkTo === undefined) throw new ConfigError('A link_to_page block needs linkTo, the id of the page it links to.');
      return this.#page(block.linkTo);
    }
    if (block.type !== 'synced_block' || block.syncedFrom === undefined) return -1;
    const original = this.#block(block.syncedFrom);
    if (original.node.type !== 'synced_block' || original.node.ref >= 0) throw new ConfigError(`syncedFrom must be a synced original; ${block.syncedFrom} is not.`);
    return original.pageNo * BLOCK_SPACE + original.node.local;
  }

  /** Deletes a block and its subtree. Bumps the page's last_edited_time. */
  deleteBlock(id: string): void {
    const { pageNo, node } = this.#block(id);
    this.#touch(pageNo);
    this.#record(pageNo, { op: 'delete', id: node.id });
  }

  /** Moves a block under another parent (the page or a block of the same page) at `position`. */
  moveBlock(id: string, newParentId: string, position: number): void {
    const { pageNo, node } = this.#block(id);
    const decoded = this.decode(newParentId);
    const samePage = decoded?.kind === IdKind.page ? decoded.index === pageNo : this.#block(newParentId).pageNo === pageNo;
    if (!samePage) throw new ConfigError(`moveBlock moves blocks within one page; ${newParentId} is not on the page of ${id}.`);
    for (let p = decoded?.kind === IdKind.page ? undefined : this.tree(pageNo).byId.get(newParentId); p !== undefined; p = p.parent) {
      if (p === node) throw new ConfigError(`Cannot move block ${id} under itself.`);
    }
    this.#touch(pageNo);
    this.#record(pageNo, { op: 'move', id: node.id, parentId: decoded?.kind === IdKind.page ? this.pageId(pageNo) : newParentId, position });
  }

  /** Moves a page (and the pages under it) to the trash. */
  trashPage(id: string): void {
    const pageNo = this.#page(id);
    this.#trashed.add(pageNo);
    this.#touch(pageNo);
    const parent = this.pageParent(pageNo);
    if (parent.type === 'page') {
      this.#trees.delete(parent.pageNo);
      this.#edited.set(parent.pageNo, Math.max(this.pageEdited(parent.pageNo), floorMinute(this.clock())));
    }
  }

  /**
   * Deletes a page for good, as emptying it from the trash or taking the integration's access away does:
   * the API answers 404 for it, no listing shows it (the trash neither) and no last_edited_time moves, so
   * only a scan of every page id notices (`detectDeletes`). Takes a database row, or a top-level page
   * without sub-pages, databases or synced-block originals.
   */
  deletePage(id: string): void {
    const pageNo = this.#page(id);
    const standalone = this.rowOf(pageNo) === undefined;
    if (standalone && (this.#pageParent[pageNo] !== -1 || this.#subPages[pageNo]!.length > 0 || this.#pageDbs[pageNo]!.length > 0 || this.#originPages.includes(pageNo))) {
      throw new ConfigError(`deletePage takes a database row or a top-level page without sub-pages, databases or synced originals; ${id} is not one.`);
    }
    this.#deleted.add(pageNo);
    this.#version++;
  }

  /**
   * Stops sharing a standalone page with the integration: from now on it is not listed and reading it,
   * its blocks or its comments answers 404, as when its owner removes the connection. The page must hold
   * no sub-pages or databases (they would stay shared on their own). `shared: true` shares it again.
   */
  setPageShared(id: string, shared: boolean): void {
    const pageNo = this.#page(id);
    if (this.rowOf(pageNo) !== undefined) throw new ConfigError(`Only standalone pages are shared one by one; ${id} is a database row.`);
    if (this.tree(pageNo).top.some((n) => n.type === 'child_page' || n.type === 'child_database')) {
      throw new ConfigError(`Page ${id} holds sub-pages or databases; share or unshare a page without them.`);
    }
    if (shared) this.#unsharedPages.delete(pageNo);
    else this.#unsharedPages.add(pageNo);
    this.#version++;
  }

  /** Adds a row to database `databaseIndex` (created now); returns its page id. */
  addRow(databaseIndex: number): string {
    if (!Number.isInteger(databaseIndex) || databaseIndex < 0 || databaseIndex >= this.options.databases) {
      throw new ConfigError(`No database ${databaseIndex} in this workspace.`);
    }
    const pageNo = this.rowPageNo(databaseIndex, this.#rowCounts[databaseIndex]!++);
    this.#created.set(pageNo, floorMinute(this.clock()));
    this.#touch(pageNo);
    return this.pageId(pageNo);
  }

  // ─── Schema mutations (values and times follow; the ground truth too) ───────────────────────

  #databaseIndex(database: number | string): number {
    if (typeof database === 'string') {
      const d = this.decode(database);
      if (d !== undefined && (d.kind === IdKind.database || d.kind === IdKind.dataSource) && d.index < this.options.databases) return d.index;
    } else if (Number.isInteger(database) && database >= 0 && database < this.options.databases) return database;
    throw new ConfigError(`No database ${database} in this workspace.`);
  }

  #property(d: number, propertyId: string): number {
    const i = this.#schemas[d]!.findIndex((p) => p.id === propertyId);
    if (i < 0) throw new ConfigError(`Database ${d} has no property ${propertyId}.`);
    return i;
  }

  /** Bumps the database's (and its data source's) last_edited_time and, with `rows`, every row's. */
  #touchDatabase(d: number, rows: boolean): void {
    const now = floorMinute(this.clock());
    this.#dbEdited.set(d, Math.max(now, this.databaseTimes(d).created));
    if (rows) for (let r = 0; r < this.#rowCounts[d]!; r++) this.#edited.set(this.rowPageNo(d, r), Math.max(now, this.pageCreated(this.rowPageNo(d, r))));
    this.#version++;
  }

  /**
   * Renames a property (its id stays); rollups rolling it up or over it show the new name. Touches the
   * database's last_edited_time only.
   */
  renameProperty(databaseIndex: number, propertyId: string, newName: string): void {
    const d = this.#databaseIndex(databaseIndex);
    const schema = this.#schemas[d]!;
    const i = this.#property(d, propertyId);
    if (schema.some((p) => p.name === newName && p.id !== propertyId)) throw new ConfigError(`Database ${d} already has a property named ${newName}.`);
    schema[i] = { ...schema[i]!, name: newName };
    for (let x = 0; x < this.options.databases; x++) {
      this.#schemas[x] = this.#schemas[x]!.map((p) => {
        if (p.type !== 'rollup') return p;
        const config: JsonObject = { ...p.config };
        if (x === d && config.relation_property_id === propertyId) config.relation_property_name = newName;
        if (this.relationTarget(x) === d && config.rollup_property_id === propertyId) config.rollup_property_name = newName;
        return { ...p, config };
      });
    }
    this.#touchDatabase(d, false);
  }

  /**
   * Changes a property's type (its id and name stay): every row's value of it is generated anew as the
   * new type, e.g. number → rich_text. Types: rich_text, number, select, multi_select, status, date,
   * people, files, checkbox, url, email, phone_number; the title, relations, rollups and formulas cannot
   * be retyped. Formulas keep computing from the original Estimate / Done / Due; a rollup over a
   * retyped property becomes `unsupported` when its function does not take the new type. Touches the
   * database and every row.
   */
  retypeProperty(databaseIndex: number, propertyId: string, newType: string): void {
    const d = this.#databaseIndex(databaseIndex);
    const i = this.#property(d, propertyId);
    const old = this.#schemas[d]![i]!;
    const config = retypeConfig(newType);
    if (config === undefined || ['title', 'relation', 'rollup', 'formula'].includes(old.type)) {
      throw new ConfigError(`Cannot retype ${old.type} property ${propertyId} to ${newType}.`);
    }
    this.#schemas[d]![i] = { ...old, type: newType, config };
    this.#forgetValues(d, propertyId);
    this.#touchDatabase(d, true);
  }

  /**
   * Deletes a property (not the title, nor a relation rollups go over). Rollups over a deleted property
   * become `unsupported`. Touches the database and every row.
   */
  deleteProperty(databaseIndex: number, propertyId: string): void {
    const d = this.#databaseIndex(databaseIndex);
    const i = this.#property(d, propertyId);
    const schema = this.#schemas[d]!;
    if (propertyId === 'title') throw new ConfigError('The title property cannot be deleted.');
    if (schema.some((p) => p.type === 'rollup' && p.config.relation_property_id === propertyId)) {
      throw new ConfigError(`Property ${propertyId} is the relation of rollups; delete them first.`);
    }
    schema.splice(i, 1);
    this.#forgetValues(d, propertyId);
    this.#touchDatabase(d, true);
  }

  /**
   * Adds a property to a database (of a type {@link retypeProperty} takes), with `config` as the schema
   * shows it (default: the generated one; a multi_select's `options` say which names its values take).
   * Every row gets a generated value. Touches the database and every row.
   */
  addProperty(databaseIndex: number, property: { readonly id: string; readonly name: string; readonly type: string; readonly config?: JsonObject }): void {
    const d = this.#databaseIndex(databaseIndex);
    const schema = this.#schemas[d]!;
    const defaults = retypeConfig(property.type);
    if (defaults === undefined) throw new ConfigError(`Cannot add a ${property.type} property; use one of the types retypeProperty takes.`);
    if (schema.some((p) => p.id === property.id || p.name === property.name)) throw new ConfigError(`Database ${d} already has a property with id ${property.id} or name ${property.name}.`);
    schema.push({ id: property.id, name: property.name, type: property.type, config: property.config ?? defaults });
    this.#touchDatabase(d, true);
  }

  /**
   * Sets one property of a row to `value`, in Notion's page-property form (rich_text: its items;
   * multi_select: `[{id, name, color}]`; …), instead of its generated value. Properties of the types
   * {@link retypeProperty} takes can be set, except Estimate, Done and Due (the formulas read them).
   * Bumps the row's last_edited_time.
   */
  setPropertyValue(rowId: string, propertyId: string, value: Json): void {
    const pageNo = this.#page(rowId);
    const row = this.rowOf(pageNo);
    if (row === undefined) throw new ConfigError(`Not a database row: ${rowId}.`);
    const prop = this.#schemas[row.db]![this.#property(row.db, propertyId)]!;
    if (retypeConfig(prop.type) === undefined || FORMULA_INPUTS.includes(prop.id)) throw new ConfigError(`Property ${propertyId} (${prop.type}) cannot be set.`);
    const values = this.#values.get(pageNo) ?? new Map<string, Json>();
    values.set(propertyId, value);
    this.#values.set(pageNo, values);
    this.#touch(pageNo);
  }

  /** The value {@link setPropertyValue} set for a row's property, if any. */
  valueSet(pageNo: number, propertyId: string): Json | undefined {
    return this.#values.get(pageNo)?.get(propertyId);
  }

  /** Forgets the values set for a property of database `d` (it was retyped or deleted). */
  #forgetValues(d: number, propertyId: string): void {
    for (let r = 0; r < this.#rowCounts[d]!; r++) this.#values.get(this.rowPageNo(d, r))?.delete(propertyId);
  }

  /** Renames a database (and its data source). Touches the database's last_edited_time only. */
  renameDatabase(databaseIndex: number, newTitle: string): void {
    const d = this.#databaseIndex(databaseIndex);
    this.#dbTitles.set(d, newTitle);
    this.#touchDatabase(d, false);
  }
}

function unitInt(seed: number, a: number, b: number): number {
  return hashInts(seed, 0xb10c, a, b) / 2 ** 32;
}

function count(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}
