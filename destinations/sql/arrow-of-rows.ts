import { Table } from 'apache-arrow';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import type { DataType } from '../../src/schema/data-types.js';
import type { QueryResult } from '../destination.js';

/**
 * A query result as an Arrow table, for engines whose driver returns no Arrow: each column's type is read
 * off its values (integers → bigint, other numbers → double, booleans, Dates → timestamp, arrays →
 * text_list, anything else → text; an all-null column is text).
 */
export function arrowOfRows(result: QueryResult): Table {
  const columns = result.columns.map((name) => ({ name, dataType: typeOfValues(result.rows.map((r) => r[name])), nullable: true }));
  const rows = result.rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) {
      const v = row[c.name];
      out[c.name] = v === null || v === undefined ? null : c.dataType === 'text' && typeof v !== 'string' ? (typeof v === 'object' ? JSON.stringify(v) : String(v)) : v;
    }
    return out;
  });
  return new Table(recordBatchOf(columns, rows));
}

function typeOfValues(values: readonly unknown[]): DataType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'text';
  if (present.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)))) return 'bigint';
  if (present.every((v) => typeof v === 'number' || typeof v === 'bigint')) return 'double';
  if (present.every((v) => typeof v === 'boolean')) return 'bool';
  if (present.every((v) => v instanceof Date)) return 'timestamp';
  if (present.every((v) => Array.isArray(v) && v.every((i) => i === null || typeof i === 'string'))) return 'text_list';
  return 'text';
}
