import { map, type Observable } from 'rxjs';
import { listRequest, paginate } from '../../operators/paginate.js';
import { hasDataSources, type NotionVersion } from '../client/notion-client.js';
import type { ListResponse, NotionMethod, NotionQuery, NotionRequester } from '../client/types.js';
import type { ResourcePage } from '../records.js';

/**
 * The Notion resources, each an Observable of API result pages. They are cold: nothing is requested
 * until subscription, and every request goes through the client's shared limiter and retry policy.
 */

type Obj = Record<string, unknown> & { readonly id: string };

/** Every page of a list endpoint, 100 results a page. */
function listAll<T>(client: NotionRequester, method: NotionMethod, path: string, init: { readonly query?: NotionQuery; readonly body?: Readonly<Record<string, unknown>> } = {}): Observable<ListResponse<T>> {
  return paginate(listRequest<T>(client, method, path, init));
}

/** Every user of the workspace (`GET /v1/users`; guests are not listed by Notion). */
export function users(client: NotionRequester): Observable<ListResponse<Obj>> {
  return listAll<Obj>(client, 'GET', '/v1/users');
}

/** What `search` lists: pages, or the database-like objects of the API version. */
export type SearchObject = 'page' | 'data_source' | 'database';

/** `POST /v1/search` filtered by object type, sorted by `last_edited_time`. */
export function search(
  client: NotionRequester,
  object: SearchObject,
  sort: 'ascending' | 'descending' = 'descending',
): Observable<ListResponse<Obj>> {
  return listAll<Obj>(client, 'POST', '/v1/search', {
    body: { filter: { property: 'object', value: object }, sort: { timestamp: 'last_edited_time', direction: sort } },
  });
}

/** `POST /v1/search` of the trash (`filter.in_trash: true`), newest first: pages moved to the trash. */
export function searchTrash(client: NotionRequester): Observable<ListResponse<Obj>> {
  return listAll<Obj>(client, 'POST', '/v1/search', {
    body: { filter: { property: 'object', value: 'page', in_trash: true }, sort: { timestamp: 'last_edited_time', direction: 'descending' } },
  });
}

/**
 * The rows of a data source (2025-09-03 and later: `POST /v1/data_sources/{id}/query`) or of a database
 * (2022-06-28: `POST /v1/databases/{id}/query`), with an optional Notion filter and sorts, and the ids
 * of the properties to return (`filter_properties`; under 2026-12-01 only the title comes without it).
 */
export function queryRows(
  client: NotionRequester,
  version: NotionVersion,
  id: string,
  body: { readonly filter?: unknown; readonly sorts?: unknown } = {},
  filterProperties?: readonly string[],
): Observable<ListResponse<Obj>> {
  const path = hasDataSources(version) ? `/v1/data_sources/${id}/query` : `/v1/databases/${id}/query`;
  return listAll<Obj>(client, 'POST', path, { body: { ...body }, ...(filterProperties ? { query: { filter_properties: filterProperties } } : {}) });
}

/** One block's children, first level only (`GET /v1/blocks/{id}/children`); a page id lists the page's content. */
export function blockChildren(client: NotionRequester, blockId: string): Observable<ListResponse<Obj>> {
  return listAll<Obj>(client, 'GET', `/v1/blocks/${blockId}/children`);
}

/** Open comments on a page or block (`GET /v1/comments?block_id=`). */
export function comments(client: NotionRequester, blockId: string): Observable<ListResponse<Obj>> {
  return listAll<Obj>(client, 'GET', '/v1/comments', { query: { block_id: blockId } });
}

/** Every item of one page property (`GET /v1/pages/{id}/properties/{property_id}`), for values Notion truncates at 25. */
export function propertyItems(client: NotionRequester, pageId: string, propertyId: string): Observable<ListResponse<Obj>> {
  return listAll<Obj>(client, 'GET', `/v1/pages/${pageId}/properties/${propertyId}`);
}

/** One page with its properties (`GET /v1/pages/{id}`). */
export function page(client: NotionRequester, id: string): Observable<Obj> {
  return client.request$<Obj>({ method: 'GET', path: `/v1/pages/${id}` });
}

/** One database: under 2025-09-03 the container with `data_sources`, under 2022-06-28 with its schema. */
export function database(client: NotionRequester, id: string): Observable<Obj> {
  return client.request$<Obj>({ method: 'GET', path: `/v1/databases/${id}` });
}

/** One data source with its schema (2025-09-03). */
export function dataSource(client: NotionRequester, id: string): Observable<Obj> {
  return client.request$<Obj>({ method: 'GET', path: `/v1/data_sources/${id}` });
}

/** One block (`GET /v1/blocks/{id}`). */
export function block(client: NotionRequester, id: string): Observable<Obj> {
  return client.request$<Obj>({ method: 'GET', path: `/v1/blocks/${id}` });
}

/** Tag each list response of a resource as a {@link ResourcePage} of that resource's table. */
export function asResource<T extends Record<string, unknown>>(resource: string) {
  return map((response: ListResponse<T>): ResourcePage<T> => ({ resource, items: response.results }));
}
