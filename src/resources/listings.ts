import { EMPTY, catchError, concat, defer, filter, map, type Observable } from 'rxjs';
import type { NotionVersion } from '../client/notion-client.js';
import type { ListResponse, NotionRequester } from '../client/types.js';
import { PipelineError } from '../errors.js';
import { queryRows } from './resources.js';

type Obj = Record<string, unknown> & { readonly id: string };

/** How often one listing may restart after its cursor expired before the run fails. */
const MAX_RESTARTS = 3;

/**
 * A listing that survives Notion's cursor expiry: a `400 validation_error` about `start_cursor` in the
 * middle of a listing restarts it from the beginning (at most 3 times), and results already emitted are
 * not emitted again (deduplicated by `id`).
 */
export function restartingListing(list: () => Observable<ListResponse<Obj>>): Observable<ListResponse<Obj>> {
  return defer(() => {
    const seen = new Set<string>();
    const attempt = (restarts: number): Observable<ListResponse<Obj>> =>
      list().pipe(
        map((response) => ({ ...response, results: response.results.filter((r) => !seen.has(r.id) && (seen.add(r.id), true)) })),
        catchError((error: unknown) => {
          if (!isExpiredCursor(error)) throw error;
          if (restarts >= MAX_RESTARTS) {
            throw new PipelineError(`A Notion listing cursor expired ${MAX_RESTARTS + 1} times in a row; retry the run later.`, { cause: error });
          }
          return attempt(restarts + 1);
        }),
      );
    return attempt(0);
  });
}

/**
 * Every row of a data source (or 2022-06-28 database) that matches `filter`, past Notion's cap of
 * 10,000 results per query: rows are read in `created_time` order, and while a response says the
 * result was capped (`request_status.type === 'incomplete'`), the query is repeated from the last
 * `created_time` seen (rows of that minute are read again and deduplicated by id). `filterProperties`
 * are the ids of the properties to return (see `queryRows`). Windows by
 * `last_edited_time` would let rows move between windows; `created_time` never changes.
 */
export function queryAllRows(client: NotionRequester, version: NotionVersion, id: string, filterSpec?: unknown, filterProperties?: readonly string[]): Observable<ListResponse<Obj>> {
  return defer(() => {
    const seen = new Set<string>();
    const window = (after: string | undefined): Observable<ListResponse<Obj>> =>
      defer(() => {
        let capped = false;
        let lastCreated: string | undefined;
        const windowFilter = after === undefined ? undefined : { timestamp: 'created_time', created_time: { on_or_after: after } };
        const combined = filterSpec === undefined ? windowFilter : windowFilter === undefined ? filterSpec : { and: [filterSpec, windowFilter] };
        const rows$ = restartingListing(() =>
          queryRows(client, version, id, {
            ...(combined === undefined ? {} : { filter: combined }),
            sorts: [{ timestamp: 'created_time', direction: 'ascending' }],
          }, filterProperties),
        ).pipe(
          map((response) => {
            if (response.request_status?.type === 'incomplete') capped = true;
            const last = response.results.at(-1);
            if (last !== undefined) lastCreated = String(last['created_time']);
            return { ...response, results: response.results.filter((r) => !seen.has(r.id) && (seen.add(r.id), true)) };
          }),
          filter((response) => response.results.length > 0),
        );
        const next = defer(() => {
          if (!capped || lastCreated === undefined) return EMPTY;
          if (lastCreated === after) {
            throw new PipelineError(
              `Data source ${id} holds more than one query's cap of rows created in the minute ${after}: Notion cannot page past it. Split the data source or narrow its filter.`,
            );
          }
          return window(lastCreated);
        });
        return concat(rows$, next);
      });
    return window(undefined);
  });
}

function isExpiredCursor(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { isExpiredCursor?: unknown }).isExpiredCursor === true;
}
