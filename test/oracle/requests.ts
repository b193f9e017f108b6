import type { BlockTruth, NotionVersion, PageTruth, Workspace } from '../../src/server/index.js';

/**
 * An independent oracle of request counts: how many requests a correct, minimal Notion client must
 * make to load a workspace (a full load) or to bring a load up to date (an incremental run), counted
 * from the server's ground truth (`Workspace.pages()`, `blocks()`, `comments()`, `unreachable()`,
 * `rowProperties()`, `schema()`), by rules written here from Notion's documented API
 * (`/work/shared/reference/notion-api.md`), never from the product's code nor from
 * `Workspace.minimalRequests` (which counts with the product's strategy).
 *
 * The rules, per endpoint:
 * - every listing returns at most 100 items a request, and the first request is made even when the
 *   list is empty (a client cannot know it is empty without asking);
 * - `GET /v1/users`: every user (users have no change feed, so incremental runs list them all);
 * - `POST /v1/search`: pages (search lists database rows with the pages; there is no filter for
 *   standalone pages only) and, in a second listing, the containers (data sources, or databases under
 *   2022-06-28): the client needs every container before it reads rows. One unfiltered listing could
 *   mix both and save at most one request a run; the oracle does not count that ordering away.
 *   Incremental runs list pages and the trash newest first and stop at the first request holding a
 *   page older than the cursor (the newest `last_edited_time` the previous run saw; Notion rounds to
 *   the minute, so the cursor's minute is read again);
 * - queries: each container's rows, incremental runs with `last_edited_time on_or_after` the
 *   container's cursor;
 * - `GET /v1/blocks/:id/children`: each page's and row's top level, then every block that has
 *   children, except `child_page` / `child_database` (their content is the sub-page's, listed under
 *   the sub-page, or the database's rows); a synced reference is not listed when its original is
 *   readable (the original's children are listed with the original's page), and each unreadable
 *   original costs one listing (the 404 that tells the client so), except, in an incremental run, an
 *   original the previous load held as a block of its own page: the client knows where it went (its
 *   page was trashed, or fetched again without it);
 * - `GET /v1/comments`: each page and row (`comments: 'all'`: each block too, `child_page` /
 *   `child_database` excepted: those are pages and databases);
 * - `GET /v1/pages/:id/properties/:property_id`: a page response shows a relation's first 25 pages
 *   (with `has_more`), the first 25 people and rich text up to the 25th mention, and evaluates a rollup
 *   over the first 25 related pages only; a client completes a relation over 25, every rollup of such a
 *   relation, people at 25 or more and text at 25 mentions or more (a page response of exactly 25
 *   cannot be told from a complete one). A rollup's item listing lists one item per related page
 *   (`show_original`: one value per related page);
 * - an incremental run fetches the tree and comments of a page (and completes a row's properties)
 *   only when the page is new, its `last_edited_time` moved, or it falls in or after the minute the
 *   previous run started (an edit in that minute would not move the minute-rounded time).
 */
export interface ExpectedRequests {
  /** Requests by endpoint key, as the server counts them (`ServerStats.byEndpoint`). */
  readonly byEndpoint: Readonly<Record<string, number>>;
  readonly total: number;
}

/** What a load read: each page's `last_edited_time` and the cursors, taken from the truth when the load ran. */
export interface LoadedTruth {
  /** Page id (standalone pages and rows) → its `last_edited_time` when loaded. */
  readonly pages: ReadonlyMap<string, string>;
  /** The newest `last_edited_time` among the pages (search lists rows too). */
  readonly pagesCursor: string | undefined;
  /** Container id → the newest `last_edited_time` among its rows. */
  readonly rowCursors: ReadonlyMap<string, string>;
  /** When the run that loaded this started (ms, the client's clock). */
  readonly runStartedAt: number;
  /** Ids of every block the load held. */
  readonly blocks: ReadonlySet<string>;
}

export interface OracleOptions {
  readonly version: NotionVersion;
  readonly comments: 'pages' | 'all' | 'none';
}

/** Items a listing request returns at most (Notion's `page_size` maximum, the clients' default). */
const PAGE_SIZE = 100;
/** What a page response shows of a relation, of people, of text mentions (Notion's documented 25). */
const PAGE_RESPONSE_LIMIT = 25;
const MINUTE = 60_000;

/** Requests to list `n` items in full. */
const listing = (n: number): number => Math.max(1, Math.ceil(n / PAGE_SIZE));

/** Requests to list a newest-first list of `n` items of which `fresh` are at or after the cursor, stopping at the first older one. */
const listingUntil = (fresh: number, n: number): number => (fresh < n ? Math.floor(fresh / PAGE_SIZE) + 1 : listing(n));

/** What a load of the workspace now would read; pass it to {@link incrementalRequests} after the load. */
export function loadedTruth(ws: Workspace, runStartedAt: number, version: NotionVersion): LoadedTruth {
  const pages = [...ws.pages()];
  const rowCursors = new Map<string, string>();
  for (const p of pages) {
    const container = containerOf(p, version);
    if (container !== undefined && (rowCursors.get(container) ?? '') < p.last_edited_time) rowCursors.set(container, p.last_edited_time);
  }
  const newest = pages.reduce<string | undefined>((m, p) => (m === undefined || p.last_edited_time > m ? p.last_edited_time : m), undefined);
  const blocks = new Set([...ws.blocks()].map((b) => b.id));
  return { pages: new Map(pages.map((p) => [p.id, p.last_edited_time])), pagesCursor: newest, rowCursors, runStartedAt, blocks };
}

/** The requests of a complete first load. */
export function fullLoadRequests(ws: Workspace, options: OracleOptions): ExpectedRequests {
  const shape = new WorkspaceShape(ws, options);
  const pages = [...ws.pages()];
  const containers = shape.containers();
  const counts: Record<string, number> = {
    'GET /v1/users': listing(ws.options.users),
    'POST /v1/search': listing(pages.length) + listing(containers.length),
    [queryEndpoint(options.version)]: containers.reduce((n, c) => n + listing(shape.rowsOf(c).length), 0),
  };
  add(counts, shape.treeRequests(pages, new Set()));
  return finish(counts);
}

/** The requests of an incremental run after a load that read `before`. */
export function incrementalRequests(ws: Workspace, before: LoadedTruth, options: OracleOptions): ExpectedRequests {
  const shape = new WorkspaceShape(ws, options);
  const pages = [...ws.pages()];
  const containers = shape.containers();
  const cursor = before.pagesCursor === undefined ? -Infinity : Date.parse(before.pagesCursor);
  const fresh = (p: { readonly last_edited_time: string }): boolean => Date.parse(p.last_edited_time) >= cursor;
  const trash = shape.trashedPages();
  let queries = 0;
  for (const c of containers) {
    const rowCursor = before.rowCursors.get(c);
    const rows = shape.rowsOf(c);
    queries += listing(rowCursor === undefined ? rows.length : rows.filter((r) => r.last_edited_time >= rowCursor).length);
  }
  const boundary = Math.floor(before.runStartedAt / MINUTE) * MINUTE;
  const changed = pages.filter((p) => before.pages.get(p.id) !== p.last_edited_time || Date.parse(p.last_edited_time) >= boundary);
  const trashedRows = trash.filter((p) => before.pages.has(p.id) && fresh(p) && ws.rowOf(ws.decode(p.id)!.index) !== undefined);
  const counts: Record<string, number> = {
    'GET /v1/users': listing(ws.options.users),
    'POST /v1/search': listingUntil(pages.filter(fresh).length, pages.length) + listing(containers.length) + listingUntil(trash.filter(fresh).length, trash.length),
    [queryEndpoint(options.version)]: queries,
  };
  add(counts, shape.treeRequests(changed, before.blocks));
  // A row moved to the trash keeps its raw row, with its properties complete.
  add(counts, { 'GET /v1/pages/:id/properties/:property_id': trashedRows.reduce((n, p) => n + shape.propertyItemRequests(p.id), 0) });
  return finish(counts);
}

function queryEndpoint(version: NotionVersion): string {
  return version === '2022-06-28' ? 'POST /v1/databases/:id/query' : 'POST /v1/data_sources/:id/query';
}

function containerOf(p: PageTruth, version: NotionVersion): string | undefined {
  if (p.parent_type !== 'database_id') return undefined;
  return version === '2022-06-28' ? p.parent_id! : p.data_source_id!;
}

function add(counts: Record<string, number>, more: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(more)) if (n > 0) counts[k] = (counts[k] ?? 0) + n;
}

function finish(counts: Record<string, number>): ExpectedRequests {
  const byEndpoint = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  return { byEndpoint, total: Object.values(byEndpoint).reduce((a, b) => a + b, 0) };
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(key(item)) ?? [];
    list.push(item);
    out.set(key(item), list);
  }
  return out;
}

/** The truth, indexed for counting. */
class WorkspaceShape {
  readonly #ws: Workspace;
  readonly #options: OracleOptions;
  readonly #pages: PageTruth[];
  readonly #children: Map<string, number>;
  readonly #blocksOfPage: Map<string, BlockTruth[]>;
  readonly #comments: Map<string, number>;
  readonly #unreadable: Map<string, string[]>;

  constructor(ws: Workspace, options: OracleOptions) {
    this.#ws = ws;
    this.#options = options;
    this.#pages = [...ws.pages()];
    const blocks = [...ws.blocks()];
    this.#children = countBy(blocks, (b) => b.parent_id);
    this.#blocksOfPage = groupBy(blocks, (b) => b.page_id);
    this.#comments = countBy(ws.comments(), (c) => c.parent_id);
    const unreachable = groupBy(ws.unreachable(), (u) => u.page_id);
    this.#unreadable = new Map([...unreachable].map(([page, refs]) => [page, refs.map((r) => r.synced_from)]));
  }

  containers(): string[] {
    return this.#options.version === '2022-06-28' ? [...this.#ws.databases()].map((d) => d.id) : [...this.#ws.dataSources()].map((d) => d.id);
  }

  rowsOf(container: string): PageTruth[] {
    return this.#pages.filter((p) => containerOf(p, this.#options.version) === container);
  }

  /** Shared pages in the trash, with their `last_edited_time`. */
  trashedPages(): { readonly id: string; readonly last_edited_time: string }[] {
    return this.#ws.trashedPages().map((n) => ({ id: this.#ws.pageId(n), last_edited_time: new Date(this.#ws.pageEdited(n)).toISOString() }));
  }

  /** Block listings, comment listings and property-item listings of these pages' trees and rows; `known`: blocks loaded before. */
  treeRequests(pages: readonly PageTruth[], known: ReadonlySet<string>): Record<string, number> {
    let children = 0;
    let comments = 0;
    let items = 0;
    const unreadable = new Set<string>();
    for (const page of pages) {
      children += listing(this.#children.get(page.id) ?? 0);
      if (this.#options.comments !== 'none') comments += listing(this.#comments.get(page.id) ?? 0);
      for (const b of this.#blocksOfPage.get(page.id) ?? []) {
        if (b.type === 'child_page' || b.type === 'child_database') continue;
        if (this.#options.comments === 'all') comments += listing(this.#comments.get(b.id) ?? 0);
        if (!b.has_children) continue;
        const n = this.#children.get(b.id) ?? 0;
        if (n > 0) children += listing(n);
        else if (b.type !== 'synced_block') throw new Error(`oracle: block ${b.id} (${b.type}) says has_children but the truth holds no child of it`);
      }
      for (const original of this.#unreadable.get(page.id) ?? []) if (!known.has(original)) unreadable.add(original);
      if (page.parent_type === 'database_id') items += this.propertyItemRequests(page.id);
    }
    return { 'GET /v1/blocks/:id/children': children + unreadable.size, 'GET /v1/comments': comments, 'GET /v1/pages/:id/properties/:property_id': items };
  }

  /** Property-item listings that complete one row. */
  propertyItemRequests(rowId: string): number {
    const decoded = this.#ws.decode(rowId)!;
    const row = this.#ws.rowOf(decoded.index)!;
    const schema = this.#ws.schema(row.db);
    const full = this.#ws.rowProperties(rowId);
    const mentions = (v: unknown): number => (v as { type: string }[]).filter((t) => t.type === 'mention').length;
    let n = 0;
    for (const prop of schema) {
      const v = full.get(prop.id);
      if (prop.type === 'relation') {
        if ((v as unknown[]).length > PAGE_RESPONSE_LIMIT) n += listing((v as unknown[]).length);
      } else if (prop.type === 'rollup') {
        const related = full.get(String(prop.config['relation_property_id'])) as unknown[];
        const rollup = v as { type: string; array?: unknown[] };
        if (related.length > PAGE_RESPONSE_LIMIT) n += listing(rollup.type === 'array' ? rollup.array!.length : related.length);
      } else if (prop.type === 'people') {
        if ((v as unknown[]).length >= PAGE_RESPONSE_LIMIT) n += listing((v as unknown[]).length);
      } else if (prop.type === 'title' || prop.type === 'rich_text') {
        if (mentions(v) >= PAGE_RESPONSE_LIMIT) n += listing((v as unknown[]).length);
      }
    }
    return n;
  }
}
