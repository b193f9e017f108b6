import { defer, EMPTY, expand, throwError, type Observable } from 'rxjs';
import { ConfigError, NotionflowError } from '../src/errors.js';
import type { ListResponse, NotionMethod, NotionQuery, NotionRequester } from '../src/client/types.js';

/** Options of {@link paginate}. */
export interface PaginateOptions {
  /** Stop (complete, no error) after this many pages. Default: no limit. */
  readonly maxPages?: number;
}

/**
 * Notion returned a `next_cursor` it had already returned in the same listing: following it would
 * loop forever. Not transient; restart the listing.
 */
export class PaginationLoopError extends NotionflowError {
  /** The cursor seen twice. */
  readonly cursor: string;
  /** Pages received before the repeat was detected. */
  readonly pages: number;

  constructor(cursor: string, pages: number) {
    super(
      'pagination_loop',
      `Pagination loop: next_cursor "${cursor}" repeated after ${pages} pages. ` +
        'The API (or NOTION_BASE_URL) returned a cursor it already returned; restart the listing.',
    );
    this.name = 'PaginationLoopError';
    this.cursor = cursor;
    this.pages = pages;
  }
}

/**
 * Lists every page of a Notion list endpoint, one request after another: the first page without a
 * cursor, then `next_cursor` while `has_more` is true. A creation function (it builds the Observable;
 * it is not an operator on a source).
 *
 * <span class="informal">Emits each `ListResponse` as it arrives; completes after the page with
 * `has_more: false` (or `next_cursor: null`), or after `maxPages` pages.</span>
 *
 * Each subscription starts a fresh listing. A cursor seen twice errors with
 * {@link PaginationLoopError}; an error from `fetchPage` (or `fetchPage` throwing) errors the listing.
 * Unsubscribing cancels the request in flight and sends no further requests.
 *
 * @example
 * ```ts
 * const users$ = paginate(listRequest<User>(client, 'GET', '/v1/users'));
 * users$.pipe(mergeMap((page) => page.results)).subscribe(console.log);
 * ```
 * @see listRequest
 * @param fetchPage Returns the (cold) request for the page at `cursor`; `undefined` for the first page.
 * @param options `maxPages`.
 * @return An Observable of the list pages, in order.
 */
export function paginate<T>(
  fetchPage: (cursor: string | undefined) => Observable<ListResponse<T>>,
  options: PaginateOptions = {},
): Observable<ListResponse<T>> {
  const maxPages = options.maxPages ?? Infinity;
  return defer(() => {
    const seen = new Set<string>();
    let pages = 0;
    return fetchPage(undefined).pipe(
      // Concurrency 1: the next request leaves only once the previous page has arrived.
      expand((page) => {
        pages++;
        const cursor = page.next_cursor;
        if (!page.has_more || cursor === null || pages >= maxPages) return EMPTY;
        if (seen.has(cursor)) return throwError(() => new PaginationLoopError(cursor, pages));
        seen.add(cursor);
        return fetchPage(cursor);
      }, 1),
    );
  });
}

/** Options of {@link listRequest}. */
export interface ListRequestInit {
  /** Extra query parameters (`block_id` for comments, `filter_properties`, …), for GET and POST. */
  readonly query?: NotionQuery;
  /** JSON body of a POST listing (`filter`, `sorts`, …); the cursor and page size are added to it. Ignored for GET. */
  readonly body?: Readonly<Record<string, unknown>>;
  /** Results per page, at most 100. Default `100`. */
  readonly pageSize?: number;
}

/**
 * Builds the `fetchPage` function of {@link paginate} for a list endpoint: a GET carries
 * `start_cursor` and `page_size` in the query string, a POST (search, data source query) in the
 * JSON body, as Notion requires. The first page has no `start_cursor`.
 *
 * @example
 * ```ts
 * paginate(listRequest<Page>(client, 'POST', `/v1/data_sources/${id}/query`, { body: { sorts } }));
 * ```
 * @param client Anything with `request$` (the pipeline's {@link NotionClient}).
 * @param method `GET` or `POST`, as the endpoint documents.
 * @param path The endpoint path with its version prefix (`/v1/users`).
 * @param init Extra query or body fields and the page size.
 * @return A function from a cursor to the request for that page.
 * @throws {ConfigError} When `pageSize` is not an integer from 1 to 100.
 */
export function listRequest<T>(
  client: NotionRequester,
  method: NotionMethod,
  path: string,
  init: ListRequestInit = {},
): (cursor: string | undefined) => Observable<ListResponse<T>> {
  const pageSize = init.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
    throw new ConfigError(`pageSize must be an integer from 1 to 100 (Notion's maximum), got ${String(pageSize)}.`);
  }
  return (cursor) => {
    const paging = { page_size: pageSize, ...(cursor === undefined ? {} : { start_cursor: cursor }) };
    return method === 'GET'
      ? client.request$<ListResponse<T>>({ method, path, query: { ...init.query, ...paging } })
      : client.request$<ListResponse<T>>({ method, path, query: init.query, body: { ...init.body, ...paging } });
  };
}
