import { EMPTY, concat, defer, filter, finalize, from, map, merge, mergeMap, of, share, tap, type Observable, type OperatorFunction } from 'rxjs';
import type { DeleteSpec } from '../../destinations/destination.js';
import type { BlockRecord } from '../../operators/expand-blocks.js';
import type { NotionClient } from '../client/notion-client.js';
import { notionMarkdown, PAGE_CONTENT_DECLARATION, PAGE_CONTENT_TABLE, type ContentCollector } from '../notion/page-content.js';
import { PROPERTY_MAPPING_DECLARATION, PROPERTY_MAPPING_TABLE, type TypedTables } from '../notion/typed-tables.js';
import type { ResourcePage, Row } from '../records.js';
import type { IncrementalState } from './notion-state.js';
import type { Checkpoint } from './resource.js';
import type { SourceSettings } from './source-options.js';

type Obj = Record<string, unknown> & { readonly id: string };

/** What building a checkpoint unit needs from the run. */
export interface UnitContext {
  readonly client: NotionClient;
  readonly settings: SourceSettings;
  readonly incremental: IncrementalState;
  /** Undefined when typed tables are off. */
  readonly typed: TypedTables | undefined;
  /** Undefined unless page content is rendered from blocks. */
  readonly content: ContentCollector | undefined;
  readonly walkBlocks: OperatorFunction<{ readonly id: string }, ResourcePage<BlockRecord>>;
  readonly commentsOf: (blockId: string, pageId: string) => Observable<ResourcePage>;
  /** Pages whose own block listing answered 404 this run (unshared after search listed them). */
  readonly unreadable: ReadonlySet<string>;
  /** Told how many blocks and comments the unit's trees held and how many trees it fetched (to size the next units, and for the load info). */
  readonly measured: (objects: number, trees: number) => void;
  /** The source state to commit with the unit. */
  readonly snapshot: () => Record<string, unknown>;
}

/** Whether a page is in the trash (`in_trash`, or `archived` before 2026-03-11). */
export function isTrashed(p: Record<string, unknown>): boolean {
  return p['in_trash'] === true || p['archived'] === true;
}

/**
 * One checkpoint unit: its pages (raw and typed rows), the block trees that changed with their
 * comments and rendered content, then the commit point with the state and the deletes that replace
 * what those trees and pages held before. Trashed pages keep their raw row (flagged) and leave the typed
 * table; a page whose tree did not change but whose typed table is new gets only its typed row.
 */
export function checkpointUnit(ctx: UnitContext, pages: Obj[]): Observable<ResourcePage | Checkpoint> {
  const { settings, incremental, typed } = ctx;
  const trashed = pages.filter(isTrashed);
  const live = pages.filter((p) => !isTrashed(p));
  const refetch = live.filter((p) => incremental.needsTree(p));
  const kept = settings.hardDelete ? refetch : [...refetch, ...trashed];
  let objects = 0;
  const count = <T extends { readonly items: readonly unknown[] }>() => tap<T>((page) => void (objects += page.items.length));

  const blocks$ = settings.blocks ? from(refetch).pipe(ctx.walkBlocks, count(), share()) : EMPTY;
  const indexed$ = ctx.content ? blocks$.pipe(tap((page) => ctx.content!.add(page.items))) : blocks$;
  const pageComments$ = settings.comments === 'none' ? EMPTY : from(refetch).pipe(mergeMap((p) => ctx.commentsOf(p.id, p.id), settings.concurrency), count());
  // A child_page block's id is its page's, whose comments that page loads; a child_database has none.
  const blockComments$ =
    settings.comments === 'all'
      ? blocks$.pipe(
          mergeMap((b) => from(b.items)),
          // A child_page block's comments are the sub-page's own (listed with the sub-page); a child_database has none.
          filter((b) => b.type !== 'child_page' && b.type !== 'child_database'),
          mergeMap((b) => ctx.commentsOf(b.id, b.page_id!), settings.concurrency),
        )
      : EMPTY;
  const notionContent$ =
    settings.pageContent === 'notion'
      ? from(refetch).pipe(
          mergeMap((p) => notionMarkdown(ctx.client, p.id).pipe(map((markdown) => ({ page_id: p.id, markdown, plain_text: null, last_edited_time: p['last_edited_time'] ?? null }))), settings.concurrency),
          filter((row) => row.markdown !== ''),
          map((row): ResourcePage => ({ resource: PAGE_CONTENT_TABLE, items: [row], table: PAGE_CONTENT_DECLARATION })),
        )
      : EMPTY;
  const renderedContent$ = defer(() => {
    const rows = ctx.content?.take(refetch) ?? [];
    return rows.length === 0 ? EMPTY : of<ResourcePage>({ resource: PAGE_CONTENT_TABLE, items: rows, table: PAGE_CONTENT_DECLARATION });
  });

  const checkpoint = defer(() => {
    // A page that answered 404 when its tree was listed keeps its earlier tree, and is not recorded as
    // loaded: the next run reads it again (its last_edited_time does not move when it is shared again).
    const read = refetch.filter((p) => !ctx.unreadable.has(p.id));
    // Only trees committed by an earlier unit or run can have rows to replace (a unit commits atomically).
    const replaced = [...read, ...trashed].map((p) => p.id).filter((id) => incremental.trees.has(id));
    for (const p of read) incremental.trees.set(p.id, String(p['last_edited_time']));
    for (const p of trashed) incremental.trees.delete(p.id);
    const deletes: DeleteSpec[] = [];
    if (replaced.length > 0) for (const table of contentTables(settings)) deletes.push({ table, column: 'page_id', values: replaced });
    if (settings.rawTables && settings.hardDelete && trashed.length > 0) deletes.push({ table: 'pages', column: 'id', values: trashed.map((p) => p.id) });
    if (typed) deletes.push(...typedDeletes(typed, trashed));
    return of<Checkpoint>({ kind: 'flush', state: ctx.snapshot(), deletes });
  });

  return concat(
    settings.rawTables && kept.length > 0 ? of<ResourcePage>({ resource: 'pages', items: kept }) : EMPTY,
    typed ? typedPages(typed, live) : EMPTY,
    merge(indexed$ as Observable<ResourcePage>, pageComments$, blockComments$, notionContent$).pipe(finalize(() => ctx.measured(objects, refetch.length))),
    renderedContent$,
    checkpoint,
  );
}

/** The tables keyed by `page_id` a load writes: blocks, comments, page content. */
export function contentTables(settings: SourceSettings): string[] {
  return [...(settings.blocks ? ['blocks'] : []), ...(settings.comments === 'none' ? [] : ['comments']), ...(settings.pageContent === 'none' ? [] : [PAGE_CONTENT_TABLE])];
}

/** The typed rows of database pages, one resource page per typed table, then the mapping rows that changed. */
export function typedPages(typed: TypedTables, pages: readonly Obj[]): Observable<ResourcePage> {
  return defer(() => {
    const byTable = new Map<string, Row[]>();
    for (const p of pages) {
      const typedRow = typed.rowOf(p);
      if (typedRow === undefined) continue;
      const rows = byTable.get(typedRow.table);
      if (rows) rows.push(typedRow.row);
      else byTable.set(typedRow.table, [typedRow.row]);
    }
    const out: ResourcePage[] = [...byTable].map(([table, items]) => ({ resource: table, items, table: typed.declarationOf(table) }));
    return from([...out, ...mappingPage(typed)]);
  });
}

/** The `notion_properties` rows that changed, as a resource page (none when nothing changed). */
export function mappingPage(typed: TypedTables): ResourcePage[] {
  const rows = typed.takeMappingRows();
  return rows.length === 0 ? [] : [{ resource: PROPERTY_MAPPING_TABLE, items: rows, table: PROPERTY_MAPPING_DECLARATION }];
}

function typedDeletes(typed: TypedTables, trashed: readonly Obj[]): DeleteSpec[] {
  const byTable = new Map<string, string[]>();
  for (const p of trashed) {
    const table = typed.tableOf(p);
    if (table === undefined) continue;
    const ids = byTable.get(table);
    if (ids) ids.push(p.id);
    else byTable.set(table, [p.id]);
  }
  return [...byTable].map(([table, values]) => ({ table, column: 'id', values }));
}
