import { BehaviorSubject, EMPTY, catchError, concat, concatMap, defer, filter, finalize, from, map, merge, mergeMap, shareReplay, switchMap, take, takeWhile, tap, toArray, type Observable } from 'rxjs';
import { bufferUnits } from '../../operators/buffer-units.js';
import { SyncedBlocks, expandBlocks, type BlockRecord } from '../../operators/expand-blocks.js';
import { createLimiter, type Limiter } from '../client/limiter.js';
import { createNotionClient, listsTitleOnly, type NotionClient } from '../client/notion-client.js';
import type { ListResponse, NotionRequest, NotionRequester } from '../client/types.js';
import { completeProperties } from '../notion/complete-properties.js';
import { ContentCollector, PAGE_CONTENT_TABLE } from '../notion/page-content.js';
import { PROPERTY_MAPPING_TABLE, TypedTables, containerOf } from '../notion/typed-tables.js';
import type { ResourcePage } from '../records.js';
import { detectDeletes } from './detect-deletes.js';
import { ExtractProgress } from './extract-progress.js';
import { queryAllRows, restartingListing } from './listings.js';
import { IncrementalState, readNotionState } from './notion-state.js';
import type { Checkpoint, ExtractContext, ResourceDef, Source, SourceReport } from './resource.js';
import { asResource, blockChildren, comments, search, searchTrash, users as listUsers } from './resources.js';
import { resolveSourceOptions, type NotionSourceOptions } from './source-options.js';
import { checkpointUnit, contentTables, isTrashed, mappingPage } from './units.js';

export type { CommentsMode, NotionSourceOptions, TablesMode } from './source-options.js';

type Obj = Record<string, unknown> & { readonly id: string };

/** Keep at most this many unreachable objects in the report (the count is always exact). */
const MAX_REPORTED = 100;
/** Tables a typed table may not be named after. */
const CORE_TABLES = ['users', 'pages', 'data_sources', 'databases', 'blocks', 'comments', PAGE_CONTENT_TABLE, PROPERTY_MAPPING_TABLE];

/**
 * The default Notion source: every user, every page and database row the integration can see, every
 * data source (2025-09-03 and later) or database (2022-06-28), every block of every page and row
 * (recursively), the comments of every page (`comments: 'all'` adds inline comments of every block),
 * one typed table per database and every page's content as Markdown.
 *
 * Tables: `users`, `pages` (standalone pages and rows), `data_sources` or `databases`, `blocks`,
 * `comments`, each merged by primary key `id`; one typed table per database (named after it, one
 * column per property, see `src/notion/typed-tables.ts`) with `notion_properties` mapping its columns
 * to the properties; `page_content` (Markdown and plain text per page, merged by `page_id`).
 *
 * **Incremental.** With the state of a previous run, pages are listed by search newest first, stopping
 * at the `last_edited_time` cursor, and rows by a server-side `last_edited_time on_or_after` filter;
 * a page's block tree and comments are fetched again only when its `last_edited_time` moved (or it was
 * edited in the minute the previous run started, which Notion's minute rounding cannot tell apart), and
 * replace the old ones in the same commit. Trashed pages (listed from the trash) keep their row with
 * `in_trash` set and lose their blocks, content and typed row, or are deleted with `hardDelete`.
 *
 * **Checkpoints.** Pages are processed in units of `checkpointPages` pages, `checkpointSeconds` or
 * about `checkpointObjects` blocks and comments, whichever comes first; each unit — pages, their whole
 * block trees and comments — is committed with the state, so a run killed after hours keeps what it
 * committed, and the next run fetches no committed tree again.
 *
 * @example
 * ```ts
 * const info = await pipeline({ pipelineName: 'notion_pipeline', destination: duckdb(), datasetName: 'notion_data' })
 *   .run(notionSource({ apiKey: process.env.NOTION_API_KEY! }));
 * ```
 */
export function notionSource(options: NotionSourceOptions): Source {
  const settings = resolveSourceOptions(options);
  const { version, containerTable } = settings;
  const resources: ResourceDef[] = ['users', ...(settings.rawTables ? [containerTable, 'pages'] : []), ...(settings.blocks ? ['blocks'] : []), ...(settings.comments === 'none' ? [] : ['comments'])].map((name) => ({
    name,
    primaryKey: ['id'],
    writeDisposition: 'merge' as const,
    // Notion numbers are floats: `3` on one row and `3.5` on the next is one double column, not a variant.
    ...(name === 'pages' ? { typeHints: { __number: 'double' as const } } : {}),
  }));

  const unreachable: { id: string; pageId?: string; reason: string }[] = [];
  let unreachableCount = 0;
  const notes: string[] = [];
  let client: NotionClient | undefined;
  let progress: ExtractProgress | undefined;

  const report = (id: string, reason: string, pageId?: string): void => {
    unreachableCount++;
    if (unreachable.length < MAX_REPORTED) unreachable.push(pageId === undefined ? { id, reason } : { id, pageId, reason });
  };

  const makeClient = (context: ExtractContext): NotionClient => {
    const onProgress = (): void => context.onProgress?.();
    const clock = context.scheduler ? { scheduler: context.scheduler } : {};
    const limiter = createLimiter({ ...(options.rateLimit === false ? { requests: Infinity } : options.rateLimit), onWait: onProgress, ...clock });
    return createNotionClient({
      ...clock,
      apiKey: options.apiKey,
      onRequest: onProgress,
      notionVersion: version,
      limiter: context.ready ? gated(limiter, context.ready) : limiter,
      ...(settings.baseUrl !== undefined ? { baseUrl: settings.baseUrl } : {}),
      ...(settings.baseUrlOrigin !== undefined ? { baseUrlOrigin: settings.baseUrlOrigin } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
    });
  };

  const extract = (context: ExtractContext = {}): Observable<ResourcePage | Checkpoint> =>
    defer(() => {
      const c = (client = makeClient(context));
      const counts = (progress = new ExtractProgress(() => context.onProgress?.(), {
        blocks: settings.blocks,
        comments: settings.comments !== 'none',
        estimate: !settings.detectDeletes,
      }));
      const prev = context.fullRefresh ? undefined : readNotionState(context.state, version);
      const incremental = new IncrementalState(prev, { ...settings, runStartedAt: new Date().toISOString() });
      notes.length = 0;
      notes.push(
        `notion version: ${version}`,
        `comments: ${settings.comments === 'all' ? 'pages and blocks' : settings.comments}`,
        prev ? 'incremental: from the stored cursors' : context.fullRefresh ? 'full refresh' : 'first run: full load',
      );
      const typed = settings.typedTables ? new TypedTables(prev?.typed_tables, { dataSources: containerTable === 'data_sources', reserved: CORE_TABLES }) : undefined;
      const content = settings.pageContent === 'rendered' ? new ContentCollector() : undefined;
      let treesFetched = 0;
      let untyped = 0;
      // Blocks and comments per page over the units so far size the next units; before the first unit
      // is done, a guess on the high side (200 a page) keeps the first units small rather than too large.
      let unitsObjects = 0;
      let unitsPages = 0;
      const unitSize = (): number =>
        Math.min(settings.unitPages, Math.floor(settings.unitObjects / Math.max(1, unitsPages === 0 ? 200 : unitsObjects / unitsPages)));
      const seenPages = new Set<string>();
      // Pages whose own block listing answered 404: their trees are not recorded as loaded.
      const unreadable = new Set<string>();
      // One synced-block registry for every unit, seeded with the originals earlier runs listed with their pages.
      const synced = new SyncedBlocks(prev?.synced_originals ?? []);
      // Listing is much faster than walking trees: page listings wait while too many listed pages await
      // their unit, so memory holds a bounded number of pages whatever the workspace size.
      const pending = new BehaviorSubject(0);
      const lister: NotionRequester = {
        request$: <T>(req: NotionRequest) =>
          pending.pipe(
            filter((n) => n < Math.max(2 * unitSize(), 200)),
            take(1),
            switchMap(() => c.request$<T>(req)),
          ),
      };

      // Containers (data sources or databases) are listed first: every row's typed table is known before its unit.
      const containers$ = restartingListing(() => search(c, settings.containerObject)).pipe(
        toArray(),
        tap((responses) => {
          for (const r of responses) for (const container of r.results) typed?.register(container);
        }),
        shareReplay(1),
      );
      const containerPages$ = settings.rawTables ? containers$.pipe(mergeMap((responses) => from(responses)), asResource(containerTable)) : EMPTY;

      // Rows: a server-side last_edited_time filter from each container's cursor; past the 10k cap by created_time windows.
      // A typed table new to this pipeline reads every row (its unchanged rows get only their typed row).
      const newTyped = (containerId: string): boolean => prev !== undefined && typed !== undefined && prev.typed_tables?.[containerId] === undefined;
      const rows$ = containers$.pipe(
        mergeMap((responses) => from(responses.flatMap((r) => r.results))),
        mergeMap((container) => {
          const propertyIds = listsTitleOnly(version) ? Object.values((container['properties'] ?? {}) as Record<string, { id?: string }>).flatMap((p) => (typeof p?.id === 'string' ? [p.id] : [])) : undefined;
          return queryAllRows(lister, version, container.id, incremental.rowFilter(container.id, newTyped(container.id)), propertyIds).pipe(
            tap((response) => {
              for (const row of response.results) incremental.noteRow(container.id, row);
              counts.rowsListed(response.results.length);
            }),
          );
        }, 2),
        tap({ complete: () => counts.rowListingsDone() }),
      );

      // Pages: search, newest first, until past the cursor (the boundary minute is read again). Under
      // 2026-12-01 search lists only titles: database rows come from their queries.
      const threshold = incremental.pageThreshold;
      const fromSearch = (p: Obj): boolean => !listsTitleOnly(version) || containerOf(p) === undefined;
      const searchPages$ = containers$.pipe(
        switchMap(() => restartingListing(() => search(lister, 'page', 'descending'))),
        takeWhile((r) => r.results.every((p) => Date.parse(String(p['last_edited_time'])) >= threshold), true),
        map((r) => {
          for (const p of r.results) incremental.notePage(p);
          return { ...r, results: r.results.filter((p) => Date.parse(String(p['last_edited_time'])) >= threshold && fromSearch(p)) };
        }),
      );
      // Trash: with a previous run, pages moved to the trash since are listed from the trash.
      const trash$ =
        prev === undefined
          ? EMPTY
          : restartingListing(() => searchTrash(lister)).pipe(
              takeWhile((r) => r.results.every((p) => Date.parse(String(p['last_edited_time'])) >= threshold), true),
              map((r) => ({ ...r, results: r.results.filter((p) => incremental.trees.has(p.id)) })),
            );

      const needsTypedRow = (p: Obj): boolean => {
        const container = containerOf(p);
        return container !== undefined && newTyped(container);
      };
      const candidates$: Observable<Obj> = merge(searchPages$, rows$, trash$).pipe(
        // Search also returns database rows; a page is handled once however it was found, and a page
        // already loaded with the same last_edited_time (the re-read boundary minute) not at all.
        map((response) =>
          response.results.filter(
            (p) => incremental.inRange(p) && !seenPages.has(p.id) && (seenPages.add(p.id), isTrashed(p) || incremental.needsTree(p) || needsTypedRow(p)),
          ),
        ),
        filter((items) => items.length > 0),
        mergeMap((items) => completeProperties(c, items), settings.concurrency),
        tap((items) => {
          if (typed) untyped += items.filter((p) => containerOf(p) !== undefined && typed.tableOf(p) === undefined).length;
          pending.next(pending.value + items.length);
          counts.listed(items.length);
        }),
        mergeMap((items) => from(items)),
        tap({ complete: () => counts.listingsDone() }),
      );

      const walkBlocks = expandBlocks((id) => blockChildren(c, id) as Observable<ListResponse<BlockRecord>>, {
        concurrency: settings.concurrency,
        synced,
        onUnreachable: (id, pageId, error) => {
          if (id === pageId) unreadable.add(id);
          report(id, reasonOf(error), pageId);
        },
      });
      /** Synced originals only referenced (on pages the integration cannot see, or not loaded), listed once at the end. */
      const lateOriginals = (): Observable<ResourcePage> =>
        defer(() => {
          const todo = settings.blocks ? synced.unvisited() : [];
          return todo.length === 0 ? EMPTY : concat(from(todo).pipe(walkBlocks), lateOriginals());
        });

      const snapshot = (final: boolean): Record<string, unknown> =>
        incremental.snapshot(final, { synced_originals: synced.listedWithTheirPages(), ...(typed ? { typed_tables: typed.state() } : {}) }, version) as unknown as Record<string, unknown>;

      const units$ = candidates$.pipe(
        bufferUnits(unitSize, settings.unitMs, context.scheduler),
        concatMap((pages) => {
          const unit = checkpointUnit(
            {
              client: c,
              settings,
              incremental,
              typed,
              content,
              walkBlocks,
              commentsOf: (blockId, pageId) => commentsOf(c, blockId, pageId),
              unreadable,
              measured: (objects, trees) => {
                unitsObjects += objects;
                unitsPages += trees;
                treesFetched += trees;
              },
              snapshot: () => snapshot(false),
            },
            pages,
          );
          return unit.pipe(
            finalize(() => {
              pending.next(pending.value - pages.length);
              counts.pagesDone(pages.length);
            }),
          );
        }),
      );

      const deletes$ =
        settings.detectDeletes && prev !== undefined
          ? detectDeletes({
              client: c,
              settings,
              trees: incremental.trees,
              seen: seenPages,
              pageTables: () => [...(settings.rawTables ? ['pages'] : []), ...(typed?.tables ?? [])],
              contentTables: contentTables(settings),
              note: (line) => notes.push(line),
            })
          : EMPTY;

      return concat(
        merge(users(c), containerPages$, units$),
        lateOriginals(),
        deletes$,
        defer(() => {
          notes.push(`block trees: ${treesFetched} fetched, ${Math.max(0, incremental.trees.size - treesFetched)} unchanged`);
          if (typed) notes.push(`typed tables: ${typed.tables.length === 0 ? 'none' : typed.tables.join(', ')}`);
          if (untyped > 0) notes.push(`typed tables: ${untyped} row(s) of data sources that search did not list have no typed row`);
          counts.finished();
          return from<(ResourcePage | Checkpoint)[]>([...(typed ? mappingPage(typed) : []), { kind: 'flush', state: snapshot(true) }]);
        }),
      ).pipe(tap((item) => counts.emitted(item)));
    });

  const users = (c: NotionClient): Observable<ResourcePage> =>
    restartingListing(() => listUsers(c)).pipe(
      asResource('users'),
      catchError((error: unknown) => {
        // A token without the user-information capability (or a personal access token) cannot list users.
        if (statusOf(error) !== 403) throw error;
        notes.push('users: not loaded (403: the integration lacks the "read user information" capability)');
        return EMPTY;
      }),
    );

  const commentsOf = (c: NotionClient, blockId: string, pageId: string): Observable<ResourcePage> =>
    comments(c, blockId).pipe(
      map((r): ResourcePage => ({ resource: 'comments', items: r.results.map((x) => ({ ...x, page_id: pageId })) })),
      filter((p) => p.items.length > 0),
      catchError((error: unknown) => {
        if (statusOf(error) !== 404 && statusOf(error) !== 403) throw error;
        report(blockId, `comments: ${reasonOf(error)}`);
        return EMPTY;
      }),
    );

  return {
    name: 'notion',
    resources,
    extract,
    report: (): SourceReport => ({
      unreachable: [...unreachable],
      notes: unreachableCount > unreachable.length ? [...notes, `unreachable objects: ${unreachableCount} (first ${MAX_REPORTED} listed)`] : [...notes],
      requests: client ? { ...client.stats.byStatus, total: client.stats.requests, retries: client.stats.retries } : {},
      ...(client && progress ? { progress: progress.snapshot(client) } : {}),
    }),
    redact: (text) => (options.apiKey.length > 0 ? text.replaceAll(options.apiKey, '[redacted]') : text),
    close: async () => client?.close(),
  };
}

/** A limiter whose tokens also wait for the pipeline to be ready for more data. */
function gated(limiter: Limiter, ready: () => Observable<void>): Limiter {
  return {
    acquire: () => ready().pipe(take(1), switchMap(() => limiter.acquire())),
    pause: (ms) => limiter.pause(ms),
    get stats() {
      return limiter.stats;
    },
  };
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? ((error as { status?: number }).status ?? undefined) : undefined;
}

function reasonOf(error: unknown): string {
  const status = statusOf(error);
  const code = typeof error === 'object' && error !== null ? (error as { notionCode?: string }).notionCode : undefined;
  return status === undefined ? String(error) : `${status}${code ? ` ${code}` : ''}`;
}
