import type { DataType } from '../schema/data-types.js';

/**
 * Notion page property values as typed cells: what one property value (`page.properties[name]`) puts
 * into the columns of a typed database table. Pure functions; the column names are the registry's
 * business (see `typed-tables.ts`).
 */

/** The columns one property fills: its value, and for dates a range end and time zone, for unique ids the number. */
export type CellRole = 'value' | 'end' | 'time_zone' | 'number';

/** A property value as a page object carries it: `{ id, type, [type]: value }` (relations add `has_more`). */
export interface PropertyValue extends Readonly<Record<string, unknown>> {
  readonly id: string;
  readonly type: string;
}

/** The cells of one property value, and the key its columns are allocated under (`formula:number`, `date`, …). */
export interface PropertyCells {
  /**
   * The property type, refined by the result type for formulas and rollups: a column holds one type,
   * so a formula whose result type changes gets a new column, like a retyped property.
   */
  readonly kind: string;
  readonly cells: Partial<Record<CellRole, unknown>>;
}

type Rich = { readonly plain_text?: unknown };
type Named = { readonly name?: unknown } | null | undefined;
type DateValue = { readonly start?: unknown; readonly end?: unknown; readonly time_zone?: unknown } | null | undefined;

/** The concatenated `plain_text` of a rich-text array, full length (Notion splits text into 2,000-character items); null when empty. */
export function plainText(items: unknown): string | null {
  if (!Array.isArray(items) || items.length === 0) return null;
  let out = '';
  for (const item of items as Rich[]) if (typeof item?.plain_text === 'string') out += item.plain_text;
  return out;
}

const ids = (v: unknown): string[] => (Array.isArray(v) ? (v as { id?: unknown }[]).map((x) => String(x?.id)) : []);
const names = (v: unknown): string[] => (Array.isArray(v) ? (v as Named[]).map((x) => String(x?.name ?? '')) : []);
const nameOf = (v: unknown): string | null => (typeof (v as Named)?.name === 'string' ? String((v as { name: string }).name) : null);
const idOf = (v: unknown): string | null => (typeof (v as { id?: unknown } | null)?.id === 'string' ? String((v as { id: string }).id) : null);
const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function dateCells(v: DateValue): Partial<Record<CellRole, unknown>> {
  return { value: orNull(v?.start), end: orNull(v?.end), time_zone: orNull(v?.time_zone) };
}

/** One item of a rollup array (a property value without id) as text: what a reader of the rollup sees. */
function itemText(item: PropertyValue): string | null {
  const v = propertyCells(item).cells.value;
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * The cells of one property value. Types: title / rich_text → full plain text; number → double;
 * select / status → option name; multi_select → list of names; date / formula date / rollup date →
 * start, end and time zone; people / relation → list of ids; files → list of names (never the signed
 * URLs of Notion-hosted files, which expire after an hour); checkbox → bool; url / email / phone →
 * text; created / edited time → timestamp, by → user id; unique_id → `PREFIX-12` plus the number;
 * formula and rollup by result type (a rollup array → list of the items' text); everything else
 * (verification, button, place, types Notion adds later) → the value as JSON, never a failed load.
 */
export function propertyCells(prop: PropertyValue): PropertyCells {
  const type = prop.type;
  const v = prop[type];
  switch (type) {
    case 'title':
    case 'rich_text':
      return { kind: type, cells: { value: plainText(v) } };
    case 'number':
      return { kind: type, cells: { value: typeof v === 'number' ? v : null } };
    case 'select':
    case 'status':
      return { kind: type, cells: { value: nameOf(v) } };
    case 'multi_select':
    case 'files':
      return { kind: type, cells: { value: names(v) } };
    case 'people':
    case 'relation':
      return { kind: type, cells: { value: ids(v) } };
    case 'date':
      return { kind: type, cells: dateCells(v as DateValue) };
    case 'checkbox':
      return { kind: type, cells: { value: typeof v === 'boolean' ? v : null } };
    case 'url':
    case 'email':
    case 'phone_number':
    case 'created_time':
    case 'last_edited_time':
      return { kind: type, cells: { value: typeof v === 'string' ? v : null } };
    case 'created_by':
    case 'last_edited_by':
      return { kind: type, cells: { value: idOf(v) } };
    case 'unique_id': {
      const u = v as { prefix?: unknown; number?: unknown } | null;
      const n = typeof u?.number === 'number' ? u.number : null;
      const text = n === null ? null : typeof u?.prefix === 'string' && u.prefix !== '' ? `${u.prefix}-${n}` : String(n);
      return { kind: type, cells: { value: text, number: n } };
    }
    case 'formula':
    case 'rollup':
      return resultCells(type, v as ({ type?: unknown } & Record<string, unknown>) | null);
    default:
      return { kind: type, cells: { value: v === undefined ? null : v } };
  }
}

function resultCells(type: 'formula' | 'rollup', r: ({ type?: unknown } & Record<string, unknown>) | null): PropertyCells {
  const result = typeof r?.type === 'string' ? r.type : 'unsupported';
  const value = r?.[result];
  switch (result) {
    case 'string':
      return { kind: `${type}:string`, cells: { value: typeof value === 'string' ? value : null } };
    case 'number':
      return { kind: `${type}:number`, cells: { value: typeof value === 'number' ? value : null } };
    case 'boolean':
      return { kind: `${type}:boolean`, cells: { value: typeof value === 'boolean' ? value : null } };
    case 'date':
      return { kind: `${type}:date`, cells: dateCells(value as DateValue) };
    case 'array':
      return { kind: `${type}:array`, cells: { value: Array.isArray(value) ? (value as PropertyValue[]).map(itemText) : [] } };
    default:
      // `incomplete`, `unsupported` and result types Notion adds later.
      return { kind: `${type}:json`, cells: { value: r ?? null } };
  }
}

/** The column types a property kind fills, by role (see {@link propertyCells}). */
export function cellTypes(kind: string): Partial<Record<CellRole, DataType>> {
  switch (kind) {
    case 'title':
    case 'rich_text':
    case 'select':
    case 'status':
    case 'url':
    case 'email':
    case 'phone_number':
    case 'created_by':
    case 'last_edited_by':
    case 'formula:string':
      return { value: 'text' };
    case 'number':
    case 'formula:number':
    case 'rollup:number':
      return { value: 'double' };
    case 'checkbox':
    case 'formula:boolean':
    case 'rollup:boolean':
      return { value: 'bool' };
    case 'multi_select':
    case 'files':
    case 'people':
    case 'relation':
    case 'formula:array':
    case 'rollup:array':
      return { value: 'text_list' };
    case 'date':
    case 'formula:date':
    case 'rollup:date':
      return { value: 'timestamp', end: 'timestamp', time_zone: 'text' };
    case 'created_time':
    case 'last_edited_time':
      return { value: 'timestamp' };
    case 'unique_id':
      return { value: 'text', number: 'bigint' };
    default:
      return { value: 'json' };
  }
}

/**
 * The kind a property of a data source schema will have, or undefined when only its values tell
 * (formulas and rollups: their result type is not in the schema).
 */
export function schemaKind(type: string): string | undefined {
  return type === 'formula' || type === 'rollup' ? undefined : type;
}
