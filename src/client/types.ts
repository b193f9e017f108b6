import type { Observable } from 'rxjs';

/**
 * The envelope of every Notion list endpoint (`GET /v1/users`, `POST /v1/search`, block children, …).
 * `next_cursor` is only meaningful while `has_more` is true. `request_status` is present only when a
 * data source query hit Notion's 10,000-result cap (then `type` is `'incomplete'` and `has_more` is false).
 */
export interface ListResponse<T> {
  readonly object: 'list';
  readonly results: T[];
  readonly next_cursor: string | null;
  readonly has_more: boolean;
  /** The kind of the results (`user`, `block`, `page_or_data_source`, …). */
  readonly type?: string;
  readonly request_status?: {
    readonly type: 'complete' | 'incomplete';
    readonly incomplete_reason?: string;
  };
}

/** HTTP methods notionflow sends: every read endpoint is a GET, except search and queries (POST). */
export type NotionMethod = 'GET' | 'POST';

/** Query string values; `undefined` is left out and an array repeats the key (`filter_properties`). */
export type NotionQuery = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** One request to the Notion API. */
export interface NotionRequest {
  readonly method: NotionMethod;
  /** Path of the endpoint including the version prefix, as Notion documents it: `/v1/users`. */
  readonly path: string;
  readonly query?: NotionQuery;
  /** JSON body (POST only); sent with `Content-Type: application/json`. */
  readonly body?: unknown;
}

/**
 * What the operators need from a client: one cold Observable per request that emits the parsed
 * JSON body once and completes, or errors with a typed error. {@link NotionClient} implements it;
 * tests can implement it with `of(...)`.
 */
export interface NotionRequester {
  request$<T>(request: NotionRequest): Observable<T>;
}
