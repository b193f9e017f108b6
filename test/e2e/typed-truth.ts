import type { NotionVersion, Workspace } from '../../src/server/index.js';

/**
 * The expected content of the typed tables, from the server's ground truth only: the full value of
 * every property (relations, people and rich text complete, rollups over every relation) converted
 * by the rules the README documents, written here independently of `src/notion`.
 */
export interface DatabaseTruth {
  /** Data source id (2025-09-03 and later) or database id (2022-06-28). */
  readonly containerId: string;
  readonly title: string;
  readonly properties: readonly { readonly id: string; readonly name: string; readonly type: string }[];
  readonly rows: readonly { readonly id: string; readonly url: string; readonly last_edited_time: string; readonly values: ReadonlyMap<string, unknown> }[];
}

export function typedTableTruth(ws: Workspace, version: NotionVersion): DatabaseTruth[] {
  return ws.sharedDatabases().map((d) => ({
    containerId: version === '2022-06-28' ? ws.databaseId(d) : ws.dataSourceId(d),
    title: ws.databaseTitle(d),
    properties: ws.schema(d).map((p) => ({ id: p.id, name: p.name, type: p.type })),
    rows: ws.visibleRows(d).map((pageNo) => {
      const id = ws.pageId(pageNo);
      return {
        id,
        url: `https://www.notion.so/${ws.pageTitle(pageNo).replace(/[^A-Za-z0-9]+/g, '-')}-${id.replace(/-/g, '')}`,
        last_edited_time: new Date(ws.pageEdited(pageNo)).toISOString(),
        values: ws.rowProperties(id) as ReadonlyMap<string, unknown>,
      };
    }),
  }));
}

type Json = any;
const text = (items: Json): string | null => (Array.isArray(items) && items.length > 0 ? items.map((i: Json) => i.plain_text).join('') : null);
const instant = (iso: unknown): number | null => (typeof iso === 'string' ? Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso) : null);
const dateCells = (d: Json) => ({ value: instant(d?.start), end: instant(d?.end), time_zone: d?.time_zone ?? null });

/** What each cell of a property should hold, by the README's type mapping (timestamps as epoch ms, lists as arrays). */
export function expectedCells(type: string, v: Json): Record<string, unknown> {
  switch (type) {
    case 'title':
    case 'rich_text':
      return { value: text(v) };
    case 'number':
    case 'checkbox':
    case 'url':
    case 'email':
    case 'phone_number':
      return { value: v ?? null };
    case 'select':
    case 'status':
      return { value: v?.name ?? null };
    case 'multi_select':
    case 'files':
      return { value: (v ?? []).map((x: Json) => x.name) };
    case 'people':
    case 'relation':
      return { value: (v ?? []).map((x: Json) => x.id) };
    case 'date':
      return dateCells(v);
    case 'created_time':
    case 'last_edited_time':
      return { value: instant(v) };
    case 'created_by':
    case 'last_edited_by':
      return { value: v?.id ?? null };
    case 'unique_id':
      return { value: v?.number == null ? null : v.prefix ? `${v.prefix}-${v.number}` : String(v.number), number: v?.number ?? null };
    case 'formula':
    case 'rollup': {
      const r = v?.[v?.type];
      if (v?.type === 'date') return dateCells(r);
      if (v?.type === 'array') return { value: r.map((item: Json) => expectedCells(item.type, item[item.type]).value).map((x: unknown) => (Array.isArray(x) ? x.join(', ') : x === null ? null : String(x))) };
      return { value: r ?? null };
    }
    default:
      return { value: v ?? null };
  }
}

/** A loaded value in comparable form: timestamps as epoch ms, JSON text parsed, lists as plain arrays. */
export function valueOf(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((x) => valueOf(x));
  if (v !== null && typeof v === 'object' && 'toArray' in v) return valueOf((v as { toArray(): unknown[] }).toArray());
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v))) return Date.parse(v.replace(' ', 'T'));
  if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}
