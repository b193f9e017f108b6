import { EMPTY, catchError, connect, defer, filter, from, map, merge, mergeMap, share, switchMap, take, toArray, type Observable } from 'rxjs';
import { expandBlocks, type BlockRecord } from '../../operators/expand-blocks.js';
import { createLimiter, type Limiter } from '../client/limiter.js';
import { NOTION_VERSIONS, createNotionClient, type NotionClient, type NotionVersion } from '../client/notion-client.js';
import type { RetryPolicyOptions } from '../client/retry-policy.js';
import type { ListResponse } from '../client/types.js';
import { ConfigError } from '../errors.js';
import type { ResourcePage } from '../records.js';
import type { ExtractContext, ResourceDef, Source, SourceReport } from './resource.js';
import { asResource, blockChildren, comments, propertyItems, queryRows, search, users } from './resources.js';

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
  const concurrency = options.concurrency ?? 8;
  const containerTable = version === '2022-06-28' ? 'databases' : 'data_sources';
  const resources: ResourceDef[] = ['users', containerTable, 'pages', 'blocks', ...(commentsMode === 'none' ? [] : ['comments'])].map((name) => ({
    name,
    primaryKey: ['id'],
    writeDisposition: 'merge' as const,
  }));

  const unreachable: { id: string; pageId?: string; reason: string }[] = [];
  let unreachableCount = 0;
  const notes: string[] = [`notion version: ${version}`, `comments: ${commentsMode === 'all' ? 'pages and blocks' : commentsMode}`];
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

  const extract = (context: ExtractContext = {}): Observable<ResourcePage> =>
    defer(() => {
      const c = (client = makeClient(context));
      const seenPages = new Set<string>();

      const users$ = users(c).pipe(
        asResource('users'),
        catchError((error: unknown) => {
          // A token without the user-information capability (or a personal access token) cannot list users.
          if (statusOf(error) !== 403) throw error;
          notes.push('users: not loaded (403: the integration lacks the "read user information" capability)');
          return EMPTY;
        }),
      );
      const containers$ = search(c, version === '2022-06-28' ? 'database' : 'data_source').pipe(share());
      const rows$ = containers$.pipe(
        mergeMap((response) => from(response.results)),
        mergeMap((container) => queryRows(c, version, container.id), 2),
      );
      const pageLists$: Observable<ListResponse<Obj>> = merge(search(c, 'page'), rows$);

      const pages$ = pageLists$.pipe(
        // Search also returns database rows; a page is loaded once however it was found.
        map((response) => response.results.filter((p) => !seenPages.has(p.id) && seenPages.add(p.id))),
        filter((items) => items.length > 0),
        mergeMap((items) => completeRelations(c, items), concurrency),
      );

      const content$ = pages$.pipe(
        connect((shared$) => {
          const pageItems$ = shared$.pipe(mergeMap((items) => from(items)));
          const blocks$ = pageItems$.pipe(
            expandBlocks((id) => blockChildren(c, id) as Observable<ListResponse<BlockRecord>>, {
              concurrency,
              onUnreachable: (id, pageId, error) => report(id, reasonOf(error), pageId),
            }),
            share(),
          );
          const pageComments$ = commentsMode === 'none' ? EMPTY : pageItems$.pipe(mergeMap((p) => commentsOf(c, p.id), concurrency));
          const blockComments$ =
            commentsMode === 'all' ? blocks$.pipe(mergeMap((b) => from(b.items)), mergeMap((b) => commentsOf(c, b.id), concurrency)) : EMPTY;
          return merge(
            shared$.pipe(map((items): ResourcePage => ({ resource: 'pages', items }))),
            blocks$ as Observable<ResourcePage>,
            pageComments$,
            blockComments$,
          );
        }),
      );

      return merge(users$, containers$.pipe(asResource(containerTable)), content$) as Observable<ResourcePage>;
    });

  const commentsOf = (c: NotionClient, blockId: string): Observable<ResourcePage> =>
    comments(c, blockId).pipe(
      asResource<Obj>('comments'),
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
  if (work.length === 0) return from([pages]);
  return merge(...work).pipe(toArray(), map(() => pages));
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
