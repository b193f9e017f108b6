import { Table } from 'apache-arrow';
import type pg from 'pg';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';

/** PostgreSQL type oids the result parsers handle. */
const OID = { int8: 20, numeric: 1700, date: 1082, timestamptz: 1184, timestamp: 1114, json: 114, jsonb: 3802, bool: 16, int2: 21, int4: 23, float4: 700, float8: 701, textArray: 1009, varcharArray: 1015 } as const;

/** pg's parser hook: keep every value as the server's text; {@link plainRow} converts per column. */
export function plainParser(): (value: string) => string {
  return (value) => value;
}

/** A row of server text values as plain JS values, the way the DuckDB destination returns them. */
export function plainRow(fields: readonly pg.FieldDef[], row: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) out[fields[i]!.name] = plainValue(fields[i]!.dataTypeID, row[i] as string | null);
  return out;
}

/**
 * A result of text values (see {@link plainParser}) as an Arrow table: integers as int64, floats and
 * numerics as float64, timestamps as µs instants, dates, booleans, JSON as text, text[] as lists, any
 * other type as text.
 */
export function arrowTableOf(fields: readonly pg.FieldDef[], rows: readonly (readonly unknown[])[]): Table {
  const columns = fields.map((f): ColumnSchema => ({ name: f.name, dataType: dataTypeOfOid(f.dataTypeID), nullable: true }));
  const values = rows.map((row) => {
    const out: Record<string, unknown> = {};
    fields.forEach((f, i) => (out[f.name] = arrowValue(f.dataTypeID, row[i] as string | null)));
    return out;
  });
  return new Table(recordBatchOf(columns, values));
}

/**
 * One value as DuckDB's `query` returns it: integers as numbers (bigint beyond 2^53), numerics as
 * numbers, booleans, timestamps and dates as `Date` (dates at UTC midnight), JSON as its text, text[]
 * as an array of strings and nulls.
 */
function plainValue(oid: number, v: string | null): unknown {
  if (v === null) return null;
  switch (oid) {
    case OID.int2:
    case OID.int4:
      return Number(v);
    case OID.int8: {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    }
    case OID.float4:
    case OID.float8:
    case OID.numeric:
      return Number(v);
    case OID.bool:
      return v === 't';
    case OID.timestamptz:
    case OID.timestamp:
    case OID.date: {
      const ms = epochMs(oid, v);
      return Number.isNaN(ms) ? v : new Date(ms);
    }
    case OID.textArray:
    case OID.varcharArray:
      return textArrayItems(v);
    default:
      return v;
  }
}

/**
 * The items of a one-dimensional text[] in the server's text form: `{}`, `{a,"b \"c\"",NULL}`. The
 * server quotes an item that is empty, holds a delimiter, brace, quote, backslash or space, or reads
 * NULL, so an unquoted `NULL` is the null item. Other forms (several dimensions, custom bounds) stay text.
 */
function textArrayItems(v: string): (string | null)[] | string {
  if (v[0] !== '{' || v[1] === '{') return v;
  const items: (string | null)[] = [];
  let i = 1;
  while (i < v.length && v[i] !== '}') {
    let item = '';
    if (v[i] === '"') {
      for (i++; i < v.length && v[i] !== '"'; i++) item += v[i] === '\\' ? v[++i] : v[i];
      items.push(item);
      i++;
    } else {
      const end = v.slice(i).search(/[,}]/);
      item = v.slice(i, end < 0 ? v.length : i + end);
      items.push(item === 'NULL' ? null : item);
      i += item.length;
    }
    if (v[i] === ',') i++;
  }
  return items;
}

/** A value as `recordBatchOf` takes it for its column type: timestamps as epoch ms with the µs as fraction, dates as text. */
function arrowValue(oid: number, v: string | null): unknown {
  if (v === null || oid === OID.date) return v;
  if (oid === OID.timestamptz || oid === OID.timestamp) return epochMs(oid, v);
  return plainValue(oid, v);
}

/**
 * Epoch milliseconds (µs kept as the fraction) of a timestamp or date in the server's text form;
 * the session's TimeZone is UTC, so timestamptz reads `2024-01-02 03:04:05.123456+00`. NaN for
 * `infinity` and BC dates.
 */
function epochMs(oid: number, v: string): number {
  const m = /^(\d{4,})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-]\d\d)(?::?(\d\d))?)?$/.exec(v);
  if (!m) return NaN;
  const micros = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const offsetMin = oid === OID.timestamptz && m[8] ? Number(m[8]) * 60 + Math.sign(Number(m[8]) || 1) * Number(m[9] ?? 0) : 0;
  return ms + micros / 1000 - offsetMin * 60_000;
}

/** The notionflow type of a result column by its type oid (anything else reads as text). */
function dataTypeOfOid(oid: number): DataType {
  switch (oid) {
    case OID.int2:
    case OID.int4:
    case OID.int8:
      return 'bigint';
    case OID.float4:
    case OID.float8:
    case OID.numeric:
      return 'double';
    case OID.bool:
      return 'bool';
    case OID.timestamptz:
    case OID.timestamp:
      return 'timestamp';
    case OID.date:
      return 'date';
    case OID.json:
    case OID.jsonb:
      return 'json';
    case OID.textArray:
    case OID.varcharArray:
      return 'text_list';
    default:
      return 'text';
  }
}

/** Connection-level failures (refused, reset, server shutting down, serialization) may succeed when retried. */
export function isTransientError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) || /^(08|40|53|57P)/.test(code);
}
