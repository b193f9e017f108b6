import {
  BehaviorSubject,
  EMPTY,
  catchError,
  concat,
  concatMap,
  defer,
  filter,
  finalize,
  from,
  map,
  merge,
  mergeMap,
  of,
  share,
  switchMap,
  take,
  takeWhile,
  tap,
  toArray,
  type Observable,
} from 'rxjs';
import type { DeleteSpec } from '../../destinations/destination.js';
import { bufferUnits } from '../../operators/buffer-units.js';
import { SyncedBlocks, expandBlocks, type BlockRecord } from '../../operators/expand-blocks.js';
import { createLimiter, type Limiter } from '../client/limiter.js';
import { NOTION_VERSIONS, createNotionClient, type NotionClient, type NotionVersion } from '../client/notion-client.js';
import type { RetryPolicyOptions } from '../client/retry-policy.js';
import type { ListResponse, NotionRequest, NotionRequester } from '../client/types.js';
import { ConfigError } from '../errors.js';
import type { ResourcePage } from '../records.js';
import { queryAllRows, restartingListing } from './listings.js';
import { floorMinute, maxTime, readNotionState, type IncrementalOptions, type NotionState } from './notion-state.js';
import type { Checkpoint, ExtractContext, ResourceDef, Source, SourceReport } from './resource.js';
import { asResource, blockChildren, comments, page, propertyItems, search, searchTrash, users as listUsers } from './resources.js';

/** Which comments a load reads. Inline comments cost one request per block, so they are opt-in. */
export type CommentsMode = 'pages' | 'all' | 'none';

/** Options of {@link notionSource}. */
export interface NotionSourceOptions {
  /** Integration token (`NOTION_API_KEY`). Never logged, printed or stored. */
  readonly apiKey: string;
  /** Default `https://api.notion.com`; any Notion-compatible server works. */
  readonly baseUrl?: string;
  /** Default `2025-09-03` (data sources); `2022-06-28` is fully supported (databases). */
  readonly notionVersion?: NotionVersion;
  /** `pages` (default): comments of every page; `all`: also inline comments of every block; `none`. */
  readonly comments?: CommentsMode;
  /**
   * Request budget shared by every request of the load. Default: Notion's documented 180 requests
   * per 60 s window, spendable in bursts. `false` disables it (local servers, benchmarks).
   */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number } | false;
  /** Child listings and queries in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Request timeout. Default 60 s. */
  readonly timeoutMs?: number;
  /** Retry policy: attempts and backoff bounds (see `createRetryPolicy`). */
  readonly retry?: RetryPolicyOptions;
  /** Incremental loading: initial value, end value, lag (see {@link IncrementalOptions}). */
  readonly incremental?: IncrementalOptions;
  /** Commit after this many pages (each with its whole block tree). Default 2000. */
  readonly checkpointPages?: number;
  /** …or after this many seconds of pages, whichever comes first. Default 60. */
  readonly checkpointSeconds?: number;
  /**
   * …or once a unit holds about this many blocks and comments: units get fewer pages when pages are
   * large (estimated from the trees fetched so far), so that what a destination holds for one
   * uncommitted unit stays bounded. Default 50,000.
   */
  readonly checkpointObjects?: number;
  /** Delete trashed pages (and their blocks and comments) instead of keeping them flagged `in_trash`. Default false. */
  readonly hardDelete?: boolean;
  /**
   * Scan every page id the integration can see and remove the pages that are gone or no longer
   * shared (with their blocks and comments). Costs a full listing. Default false.
   */
  readonly detectDeletes?: boolean;
}

type Obj = Record<string, unknown> & { readonly id: string };

/** Keep at most this many unreachable objects in the report (the count is always exact). */
const MAX_REPORTED = 100;

/**
 * The default Notion source: every user, every page and database row the integration can see, every
 * data source (2025-09-03) or database (2022-06-28), every block of every page and row (recursively),
 * and the comments of every page (`comments: 'all'` adds inline comments of every block).
 *
 * Tables: `users`, `pages` (standalone pages and rows), `data_sources` or `databases`, `blocks`,
 * `comments` — each merged by primary key `id`.
 *
 * **Incremental.** With the state of a previous run, pages are listed by search newest first, stopping
 * at the `last_edited_time` cursor, and rows by a server-side `last_edited_time on_or_after` filter;
 * a page's block tree and comments are fetched again only when its `last_edited_time` moved (or it was
 * edited in the minute the previous run started, which Notion's minute rounding cannot tell apart), and
 * replace the old ones in the same commit. Trashed pages (listed from the trash) keep their row with
 * `in_trash` set and lose their blocks, or are deleted with `hardDelete`.
 *
 * **Checkpoints.** Pages are processed in units of `checkpointPages` pages, `checkpointSeconds` or
 * about `checkpointObjects` blocks and comments, whichever comes first; each unit — pages, their whole block trees and comments — is committed with the state, so a run
 * killed after hours keeps what it committed, and the next run fetches no committed tree again.
 *
 * @example
 * ```ts
 * const info = await pipeline({ pipelineName: 'notion_pipeline', destination: duckdb(), datasetName: 'notion_data' })
 *   .run(notionSource({ apiKey: process.env.NOTION_API_KEY! }));
 * ```
 */
export function notionSource(options: NotionSourceOptions): Source {
  const version = options.notionVersion ?? '2025-09-03';
  if (!NOTION_VERSIONS.includes(version)) {
    throw new ConfigError(`Unknown Notion API version "${String(version)}": use one of ${NOTION_VERSIONS.join(', ')}.`);
  }
  const commentsMode = options.comments ?? 'pages';
  if (!['pages', 'all', 'none'].includes(commentsMode)) {
    throw new ConfigError(`Unknown comments mode "${String(commentsMode)}": use pages, all or none.`);
  }
  const concurrency = positive('concurrency', options.concurrency ?? 8);
  const unitPages = positive('checkpointPages', options.checkpointPages ?? 2000);
  const unitMs = positive('checkpointSeconds', options.checkpointSeconds ?? 60) * 1000;
  const unitObjects = positive('checkpointObjects', options.checkpointObjects ?? 50_000);
  const lagMs = (options.incremental?.lagSeconds ?? 0) * 1000;
  const initialValue = isoOption('incremental.initialValue', options.incremental?.initialValue);
  const endValue = isoOption('incremental.endValue', options.incremental?.endValue);
  const containerTable = version === '2022-06-28' ? 'databases' : 'data_sources';
  const resources: ResourceDef[] = ['users', containerTable, 'pages', 'blocks', ...(commentsMode === 'none' ? [] : ['comments'])].map((name) => ({
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

  const report = (id: string, reason: string, pageId?: string): void => {
    unreachableCount++;
    if (unreachable.length < MAX_REPORTED) unreachable.push(pageId === undefined ? { id, reason } : { id, pageId, reason });
  };

  const makeClient = (context: ExtractContext): NotionClient => {
    const limiter = options.rateLimit === false ? createLimiter({ requests: Infinity }) : createLimiter(options.rateLimit ?? {});
    return createNotionClient({
      apiKey: options.apiKey,
      notionVersion: version,
      limiter: context.ready ? gated(limiter, context.ready) : limiter,
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
    });
  };

  const extract = (context: ExtractContext = {}): Observable<ResourcePage | Checkpoint> =>
    defer(() => {
      const c = (client = makeClient(context));
      const runStartedAt = new Date().toISOString();
      const prev = context.fullRefresh ? undefined : readNotionState(context.state, version);
      notes.length = 0;
      notes.push(
        `notion version: ${version}`,
        `comments: ${commentsMode === 'all' ? 'pages and blocks' : commentsMode}`,
        prev ? 'incremental: from the stored cursors' : context.fullRefresh ? 'full refresh' : 'first run: full load',
      );
      const trees = new Map(Object.entries(prev?.trees ?? {}));
      const pagesCursor = prev?.cursors.pages ?? initialValue;
      const rowCursors = new Map(Object.entries(prev?.cursors.rows ?? {}));
      // Pages edited in the minute the previous run started (or later) may have changed after it read
      // them without their minute-rounded last_edited_time moving: re-read those trees.
      const boundary = prev?.run_started_at === undefined ? Infinity : floorMinute(Date.parse(prev.run_started_at)) - lagMs;
      let newPagesCursor = pagesCursor;
      const newRowCursors = new Map(rowCursors);
      let treesFetched = 0;
      // Blocks and comments per page over the units so far size the next units; before the first unit
      // is done, a guess on the high side (200 a page) keeps the first units small rather than too large.
      let unitsObjects = 0;
      let unitsPages = 0;
      const unitSize = (): number => Math.min(unitPages, Math.floor(unitObjects / Math.max(1, unitsPages === 0 ? 200 : unitsObjects / unitsPages)));
      const seenPages = new Set<string>();
      const seenContainers = new Set<string>();
      // One synced-block registry for every unit, seeded with the originals earlier runs listed.
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

      const since = (cursor: string | undefined): number => (cursor === undefined ? -Infinity : Date.parse(cursor) - lagMs);
      const inRange = (p: Obj): boolean => endValue === undefined || Date.parse(String(p['last_edited_time'])) <= Date.parse(endValue);

      const users$ = users(c);
      const containers$ = restartingListing(() => search(c, version === '2022-06-28' ? 'database' : 'data_source')).pipe(
        map((r) => ({ ...r, results: r.results.filter((x) => !seenContainers.has(x.id) && (seenContainers.add(x.id), true)) })),
        share(),
      );

      // Rows: a server-side last_edited_time filter from each container's cursor; past the 10k cap by created_time windows.
      const rows$ = containers$.pipe(
        mergeMap((response) => from(response.results)),
        mergeMap((container) => {
          const cursor = rowCursors.get(container.id) ?? initialValue;
          const bounds = [
            ...(cursor === undefined ? [] : [{ timestamp: 'last_edited_time', last_edited_time: { on_or_after: new Date(since(cursor)).toISOString() } }]),
            ...(endValue === undefined ? [] : [{ timestamp: 'last_edited_time', last_edited_time: { on_or_before: endValue } }]),
          ];
          return queryAllRows(lister, version, container.id, bounds.length === 0 ? undefined : bounds.length === 1 ? bounds[0] : { and: bounds }).pipe(
            map((response) => {
              for (const row of response.results) newRowCursors.set(container.id, maxTime(newRowCursors.get(container.id), String(row['last_edited_time']))!);
              return response;
            }),
          );
        }, 2),
      );

      // Pages: search, newest first, until past the cursor (the boundary minute is read again).
      const threshold = since(pagesCursor);
      const searchPages$ = restartingListing(() => search(lister, 'page', 'descending')).pipe(
        takeWhile((r) => r.results.every((p) => Date.parse(String(p['last_edited_time'])) >= threshold), true),
        map((r) => {
          for (const p of r.results) newPagesCursor = maxTime(newPagesCursor, String(p['last_edited_time']));
          return { ...r, results: r.results.filter((p) => Date.parse(String(p['last_edited_time'])) >= threshold) };
        }),
      );
      // Trash: with a previous run, pages moved to the trash since are listed from the trash.
      const trash$ = prev === undefined ? EMPTY : restartingListing(() => searchTrash(lister)).pipe(
        takeWhile((r) => r.results.every((p) => Date.parse(String(p['last_edited_time'])) >= threshold), true),
        map((r) => ({ ...r, results: r.results.filter((p) => trees.has(p.id)) })),
      );

      const needsTree = (p: Obj): boolean => {
        const edited = String(p['last_edited_time']);
        return trees.get(p.id) !== edited || Date.parse(edited) >= boundary;
      };

      const candidates$: Observable<Obj> = merge(searchPages$, rows$, trash$).pipe(
        // Search also returns database rows; a page is handled once however it was found, and a page
        // already loaded with the same last_edited_time (the re-read boundary minute) not at all.
        map((response) =>
          response.results.filter((p) => inRange(p) && !seenPages.has(p.id) && (seenPages.add(p.id), isTrashed(p) || needsTree(p))),
        ),
        filter((items) => items.length > 0),
        mergeMap((items) => completeRelations(c, items), concurrency),
        tap((items) => pending.next(pending.value + items.length)),
        mergeMap((items) => from(items)),
      );

      const walkBlocks = expandBlocks((id) => blockChildren(c, id) as Observable<ListResponse<BlockRecord>>, {
        concurrency,
        synced,
        onUnreachable: (id, pageId, error) => report(id, reasonOf(error), pageId),
      });
      /** Synced originals only referenced (on pages the integration cannot see, or not loaded), listed once at the end. */
      const lateOriginals = (): Observable<ResourcePage> =>
        defer(() => {
          const todo = synced.unvisited();
          return todo.length === 0 ? EMPTY : concat(from(todo).pipe(walkBlocks), lateOriginals());
        });

      /** One checkpoint unit: the pages, the trees that changed, their comments, then the commit point. */
      const unit = (pages: Obj[]): Observable<ResourcePage | Checkpoint> => {
        const trashed = pages.filter(isTrashed);
        const refetch = pages.filter((p) => !isTrashed(p));
        treesFetched += refetch.length;
        // Only trees committed by an earlier unit or run can have rows to replace (a unit commits atomically).
        const replaced = [...refetch, ...trashed].map((p) => p.id).filter((id) => trees.has(id));
        const kept = options.hardDelete ? refetch : pages;
        let objects = 0;
        const count = <T extends { readonly items: readonly unknown[] }>() => tap<T>((page) => void (objects += page.items.length));
        const blocks$ = from(refetch).pipe(walkBlocks, count(), share());
        const pageComments$ = commentsMode === 'none' ? EMPTY : from(refetch).pipe(mergeMap((p) => commentsOf(c, p.id, p.id), concurrency), count());
        const blockComments$ =
          commentsMode === 'all' ? blocks$.pipe(mergeMap((b) => from(b.items)), mergeMap((b) => commentsOf(c, b.id, b.page_id!), concurrency)) : EMPTY;
        const checkpoint = defer(() => {
          for (const p of refetch) trees.set(p.id, String(p['last_edited_time']));
          for (const p of trashed) trees.delete(p.id);
          const deletes: DeleteSpec[] =
            replaced.length === 0
              ? []
              : [
                  { table: 'blocks', column: 'page_id', values: replaced },
                  ...(commentsMode === 'none' ? [] : [{ table: 'comments', column: 'page_id', values: replaced }]),
                  ...(options.hardDelete && trashed.length > 0 ? [{ table: 'pages', column: 'id', values: trashed.map((p) => p.id) }] : []),
                ];
          return of<Checkpoint>({ kind: 'flush', state: snapshot(false), deletes });
        });
        return concat(
          kept.length === 0 ? EMPTY : of<ResourcePage>({ resource: 'pages', items: kept }),
          merge(blocks$ as Observable<ResourcePage>, pageComments$, blockComments$).pipe(
            finalize(() => {
              unitsObjects += objects;
              unitsPages += refetch.length;
            }),
          ),
          checkpoint,
        );
      };

      const snapshot = (final: boolean): Record<string, unknown> => {
        const advance = final && endValue === undefined;
        const state: NotionState = {
          notion_version: version,
          cursors: advance
            ? { ...(newPagesCursor === undefined ? {} : { pages: newPagesCursor }), rows: Object.fromEntries(newRowCursors) }
            : { ...(pagesCursor === undefined ? {} : { pages: pagesCursor }), rows: Object.fromEntries(rowCursors) },
          trees: Object.fromEntries(trees),
          synced_originals: [...synced.originals],
          ...(advance ? { run_started_at: runStartedAt } : prev?.run_started_at ? { run_started_at: prev.run_started_at } : {}),
        };
        return state as unknown as Record<string, unknown>;
      };

      const units$ = candidates$.pipe(
        bufferUnits(unitSize, unitMs),
        concatMap((pages) => unit(pages).pipe(finalize(() => pending.next(pending.value - pages.length)))),
      );

      const deletes$ = options.detectDeletes && prev !== undefined ? detectDeletes(c, trees, seenPages) : EMPTY;

      return concat(
        merge(users$, containers$.pipe(asResource(containerTable)), units$),
        lateOriginals(),
        deletes$,
        defer(() => {
          notes.push(`block trees: ${treesFetched} fetched, ${Math.max(0, trees.size - treesFetched)} unchanged`);
          return of<Checkpoint>({ kind: 'flush', state: snapshot(true) });
        }),
      );
    });

  /** Every page id the integration can see, against the loaded trees: the missing ones are removed. */
  const detectDeletes = (c: NotionClient, trees: Map<string, string>, seen: Set<string>): Observable<Checkpoint> => {
    const all = new Set(seen);
    const listAll$ = merge(
      restartingListing(() => search(c, 'page', 'descending')),
      restartingListing(() => search(c, version === '2022-06-28' ? 'database' : 'data_source')).pipe(
        mergeMap((r) => from(r.results)),
        mergeMap((container) => queryAllRows(c, version, container.id), 2),
      ),
    );
    return listAll$.pipe(
      toArray(),
      mergeMap((responses) => {
        for (const r of responses) for (const p of r.results) all.add(p.id);
        const missing = [...trees.keys()].filter((id) => !all.has(id));
        // Confirm each: a page that still answers (e.g. search did not index it) is not gone.
        return from(missing).pipe(
          mergeMap((id) => page(c, id).pipe(map((p) => (isTrashed(p) ? id : undefined)), catchError((e: unknown) => (statusOf(e) === 404 ? of(id) : EMPTY))), concurrency),
          filter((id): id is string => id !== undefined),
          toArray(),
        );
      }),
      map((gone) => {
        for (const id of gone) trees.delete(id);
        notes.push(`detect deletes: ${gone.length} page(s) gone or no longer shared, removed`);
        const deletes: DeleteSpec[] =
          gone.length === 0
            ? []
            : [
                { table: 'pages', column: 'id', values: gone },
                { table: 'blocks', column: 'page_id', values: gone },
                ...(commentsMode === 'none' ? [] : [{ table: 'comments', column: 'page_id', values: gone }]),
              ];
        return { kind: 'flush', state: {}, deletes } as Checkpoint;
      }),
      filter((cp) => (cp.deletes?.length ?? 0) > 0),
    );
  };

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
    }),
    close: async () => client?.close(),
  };
}

/**
 * Replace each relation that Notion truncated at 25 references (`has_more: true`) with its full list,
 * read from the page property endpoint.
 */
function completeRelations(client: NotionClient, pages: Obj[]): Observable<Obj[]> {
  const work: Observable<unknown>[] = [];
  for (const p of pages) {
    if (isTrashed(p)) continue;
    const props = p['properties'] as Record<string, { id: string; type: string; has_more?: boolean; relation?: unknown }> | undefined;
    if (!props) continue;
    for (const prop of Object.values(props)) {
      if (prop.type !== 'relation' || prop.has_more !== true) continue;
      work.push(
        propertyItems(client, p.id, prop.id).pipe(
          mergeMap((r) => from(r.results)),
          map((item) => item['relation']),
          toArray(),
          map((relation) => {
            prop.relation = relation;
            prop.has_more = false;
          }),
        ),
      );
    }
  }
  if (work.length === 0) return of(pages);
  return merge(...work).pipe(toArray(), map(() => pages));
}

function isTrashed(p: Record<string, unknown>): boolean {
  return p['in_trash'] === true || p['archived'] === true;
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

function positive(name: string, n: number): number {
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got ${String(n)}.`);
  return n;
}

function isoOption(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && Number.isNaN(Date.parse(value))) throw new ConfigError(`${name} must be an ISO 8601 date-time, got "${value}".`);
  return value;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? ((error as { status?: number }).status ?? undefined) : undefined;
}

function reasonOf(error: unknown): string {
  const status = statusOf(error);
  const code = typeof error === 'object' && error !== null ? (error as { notionCode?: string }).notionCode : undefined;
  return status === undefined ? String(error) : `${status}${code ? ` ${code}` : ''}`;
}
