import { EMPTY, catchError, from, map, merge, mergeMap, throwError, toArray, type Observable } from 'rxjs';
import type { ListResponse, NotionRequester } from '../client/types.js';
import { propertyItems } from '../resources/resources.js';

type Obj = Record<string, unknown> & { readonly id: string };
type Prop = Record<string, unknown> & { id: string; type: string; has_more?: boolean };

/** How many items (relations, people, mentions) a page response holds at most before the rest is left out. */
export const PAGE_ITEM_LIMIT = 25;

/**
 * Replace every property value that a page response may have cut short with its full value, read from
 * the property-item endpoint (`GET /v1/pages/{id}/properties/{property_id}`, paginated):
 * - a `relation` with `has_more: true`;
 * - `people` with 25 or more people (Notion leaves out the rest without saying so);
 * - `title` / `rich_text` holding 25 or more mentions;
 * - every `rollup` of a page with a truncated relation: a page object's rollup is computed over the first
 *   25 relations only; the endpoint's last page carries the result over all of them.
 *
 * Values are replaced in place, so the raw `pages` table and the typed tables both get complete values.
 * Trashed pages are completed too (their raw row stays, replacing the complete one loaded before); a
 * trashed page whose property items answer 404 keeps the values its page response showed. Emits the
 * pages once every value is complete.
 */
export function completeProperties(client: NotionRequester, pages: Obj[]): Observable<Obj[]> {
  const work: Observable<unknown>[] = [];
  for (const page of pages) {
    const trashed = page['in_trash'] === true || page['archived'] === true;
    const props = Object.values((page['properties'] ?? {}) as Record<string, Prop>).filter((p) => typeof p?.id === 'string');
    const truncatedRelation = props.some((p) => p.type === 'relation' && p.has_more === true);
    for (const prop of props) {
      if (!isTruncated(prop, truncatedRelation)) continue;
      const items$ = propertyItems(client, page.id, prop.id) as Observable<ListResponse<Obj> & { property_item?: Record<string, unknown> }>;
      const complete$ = prop.type === 'rollup' ? rollupOf(items$, prop) : itemsOf(items$, prop);
      work.push(trashed ? complete$.pipe(catchError((error: unknown) => (statusOf(error) === 404 ? EMPTY : throwError(() => error)))) : complete$);
    }
  }
  if (work.length === 0) return from([pages]);
  return merge(...work).pipe(toArray(), map(() => pages));
}

function isTruncated(prop: Prop, truncatedRelation: boolean): boolean {
  const value = prop[prop.type];
  switch (prop.type) {
    case 'relation':
      return prop.has_more === true;
    case 'people':
      return Array.isArray(value) && value.length >= PAGE_ITEM_LIMIT;
    case 'title':
    case 'rich_text':
      return Array.isArray(value) && value.filter((t) => (t as { type?: string })?.type === 'mention').length >= PAGE_ITEM_LIMIT;
    case 'rollup':
      return truncatedRelation;
    default:
      return false;
  }
}

/** A list property: each item of the endpoint holds one value (a rich-text item, a user, a page reference). */
function itemsOf(items$: Observable<ListResponse<Obj>>, prop: Prop): Observable<void> {
  return items$.pipe(
    mergeMap((r) => from(r.results)),
    map((item) => item[prop.type]),
    toArray(),
    map((values) => {
      prop[prop.type] = values;
      if (prop.type === 'relation') prop.has_more = false;
    }),
  );
}

/**
 * A rollup: the endpoint's last page holds the result computed over every relation
 * (`property_item.rollup`); for `show_original`, whose result array is empty there, the values are
 * the items listed (Notion flattens the originals into `results`).
 */
function rollupOf(items$: Observable<ListResponse<Obj> & { property_item?: Record<string, unknown> }>, prop: Prop): Observable<void> {
  return items$.pipe(
    toArray(),
    map((responses) => {
      const rollup = responses.at(-1)?.property_item?.['rollup'] as ({ type?: string; array?: unknown[] } & Record<string, unknown>) | undefined;
      if (rollup === undefined || rollup === null) return;
      const originals = responses.flatMap((r) => r.results).filter((item) => item['type'] !== 'relation');
      prop['rollup'] = rollup.type === 'array' && (rollup.array ?? []).length === 0 && originals.length > 0
        ? { ...rollup, array: originals.map((item) => ({ type: item['type'], [String(item['type'])]: item[String(item['type'])] })) }
        : rollup;
    }),
  );
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as { status?: number }).status : undefined;
}
