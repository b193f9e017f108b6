import type { NotionMethod } from './types.js';

/**
 * The endpoint a request went to, as a path template: `GET /v1/blocks/:id/children`,
 * `GET /v1/pages/:id/properties/:property_id`, `POST /v1/search`. Request counts are kept by endpoint
 * so that they never hold an id (ids name private pages) and group every call of one endpoint.
 *
 * Notion's paths alternate collection and id after the version prefix (`/v1/<collection>/<id>/<sub>/<id>`),
 * so the segments in id position are replaced: the first by `:id`, a later one by `:<sub, singular>_id`
 * (the names the built-in server's statistics use). `/v1/users/me` stays as it is.
 *
 * @example
 * ```ts
 * endpointOf('GET', `/v1/blocks/${blockId}/children`); // 'GET /v1/blocks/:id/children'
 * ```
 */
export function endpointOf(method: NotionMethod, path: string): string {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  const offset = segments[0] === 'v1' ? 1 : 0;
  const template = segments.map((segment, i) => {
    const position = i - offset;
    if (position < 0 || position % 2 === 0) return segment;
    if (position === 1 && segments[offset] === 'users' && segment === 'me') return segment;
    return position === 1 ? ':id' : `:${singular(segments[i - 1]!)}_id`;
  });
  return `${method} /${template.join('/')}`;
}

function singular(collection: string): string {
  if (collection.endsWith('ies')) return `${collection.slice(0, -3)}y`;
  return collection.endsWith('s') ? collection.slice(0, -1) : collection;
}
