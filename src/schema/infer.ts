import type { DataType } from './data-types.js';
import { shortenIdentifier } from './naming.js';
import type { Schema } from './schema.js';
import { DLT_COLUMNS, type ColumnSchema } from './table-schema.js';
import type { NormalizedPage, Row } from '../records.js';

const RE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const RE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Returned by {@link coerceValue} when a value does not fit a column type. */
export const NO_FIT: unique symbol = Symbol('no-fit');

/**
 * The data type of a JSON scalar, as dlt infers it: integers → bigint, other numbers → double,
 * ISO 8601 instants and calendar dates (`YYYY-MM-DD`, at midnight UTC) → timestamp, other strings →
 * text. Undefined for null.
 *
 * Calendar dates are typed timestamp, not date, because Notion date values mix both forms (a date
 * property holds `2024-05-01` on one row and `2024-05-01T10:00:00+02:00` on the next): with a
 * separate date type, the column's type — and whether a variant column appears — would depend on
 * which row arrived first, and two loads of the same workspace could differ. `date` columns come
 * from declared or stored schemas.
 */
export function inferDataType(value: unknown): DataType | undefined {
  switch (typeof value) {
    case 'string':
      if (value.length >= 16 && value.length <= 35 && isTimestamp(value)) return 'timestamp';
      if (value.length === 10 && isCalendarDate(value)) return 'timestamp';
      return 'text';
    case 'number':
      return Number.isSafeInteger(value) ? 'bigint' : 'double';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'bool';
    case 'object':
      return value === null ? undefined : 'json';
    default:
      return undefined;
  }
}

/**
 * Convert a value to the representation of a column type (see `Row` in src/records.ts), or
 * {@link NO_FIT} when it does not fit, in which case the value goes to a variant column.
 */
export function coerceValue(value: unknown, type: DataType): unknown {
  switch (type) {
    case 'text':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
      return NO_FIT;
    case 'bigint':
      return (typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'bigint' ? value : NO_FIT;
    case 'double':
      return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : NO_FIT;
    case 'bool':
      return typeof value === 'boolean' ? value : NO_FIT;
    case 'timestamp': {
      // A calendar date fits a timestamp column as its midnight UTC (Notion date properties mix both).
      if (typeof value !== 'string') return NO_FIT;
      const ms = value.length === 10 ? (isCalendarDate(value) ? Date.parse(value) : NaN) : timestampMs(value);
      return Number.isNaN(ms) ? NO_FIT : ms;
    }
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? value : NO_FIT;
    case 'json':
      // Always JSON text: a bare string such as `abc` is not a JSON document, and a JSON column rejects it.
      return JSON.stringify(value);
    case 'text_list':
      return Array.isArray(value) ? textList(value) : NO_FIT;
  }
}

/**
 * The items of an array as a `text_list` value: strings and null items as they are, numbers, booleans
 * and bigints as their text (as a text column takes them); {@link NO_FIT} when an item is anything else.
 * An array that needs no change is returned as is.
 */
function textList(items: readonly unknown[]): unknown {
  let out: (string | null)[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item === 'string' || item === null) continue;
    let text: string | null;
    if (item === undefined) text = null;
    else if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') text = String(item);
    else return NO_FIT;
    out ??= items.slice() as (string | null)[];
    out[i] = text;
  }
  return out ?? items;
}

/** `YYYY-MM-DD` naming a real day (`2024-02-30` is text: a destination would reject or silently shift it). */
function isCalendarDate(value: string): boolean {
  return RE_DATE.test(value) && isRealDay(value);
}

/** Whether the `YYYY-MM-DD` at the start of `value` names a day that exists (years 0001–9999). */
function isRealDay(value: string): boolean {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Milliseconds of an ISO 8601 instant with a zone whose date part is a real day (`Date.parse` rolls `02-30` over to March), else NaN. */
function timestampMs(value: string): number {
  return RE_TIMESTAMP.test(value) && isRealDay(value) ? Date.parse(value) : NaN;
}

function isTimestamp(value: string): boolean {
  return !Number.isNaN(timestampMs(value));
}

const LINK_COLUMNS: Record<string, DataType> = {
  [DLT_COLUMNS.loadId]: 'text',
  [DLT_COLUMNS.id]: 'text',
  [DLT_COLUMNS.parentId]: 'text',
  [DLT_COLUMNS.listIdx]: 'bigint',
  [DLT_COLUMNS.rootId]: 'text',
};

/**
 * Type the rows of a normalized page against `schema`, growing it: a new table or column is added on
 * first sight (with the inferred type), values are coerced to their column's type in place, and a value
 * that does not fit goes to the variant column `<col>__v_<type>` — the load never fails on a type conflict.
 */
export function applySchema(schema: Schema, page: NormalizedPage, maxIdentifierLength = 63): void {
  for (const { table, parent, rows, declared } of page.tables) {
    const t = declared
      ? schema.declareTable(table, declared)
      : (schema.table(table) ?? schema.ensureTable(parent === undefined ? { name: table } : { name: table, parent }));
    const pk = new Set(t.primaryKey ?? []);
    for (const row of rows) typeRow(schema, table, pk, row, maxIdentifierLength);
  }
}

function typeRow(schema: Schema, table: string, pk: ReadonlySet<string>, row: Row, maxLength: number): void {
  for (const col in row) {
    const value = row[col];
    if (value === null || value === undefined) continue;
    let column: ColumnSchema | undefined = schema.column(table, col);
    if (!column) {
      // Own properties only: a column may be called `constructor` or `toString`.
      const link = Object.hasOwn(LINK_COLUMNS, col);
      const dataType = link ? LINK_COLUMNS[col]! : (schema.hintFor(table, col) ?? inferDataType(value));
      if (dataType === undefined) continue;
      column = { name: col, dataType, nullable: !link && !pk.has(col) };
      schema.addColumn(table, column);
    }
    const coerced = coerceValue(value, column.dataType);
    if (coerced !== NO_FIT) {
      if (coerced !== value) row[col] = coerced;
      continue;
    }
    const variantType = inferDataType(value)!;
    const variant = shortenIdentifier(`${col}__v_${variantType}`, maxLength);
    if (!schema.column(table, variant)) schema.addColumn(table, { name: variant, dataType: variantType, nullable: true, variantOf: col });
    row[variant] = coerceValue(value, variantType);
    delete row[col];
  }
}
