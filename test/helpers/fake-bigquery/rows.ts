import {
  DuckDBDateValue,
  DuckDBListType,
  DuckDBListValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { FakeBigQueryError } from './translate-sql.js';

/** A field of a result schema, as the REST API has it (legacy type names: INTEGER, FLOAT, BOOLEAN). */
export interface BigQueryField {
  readonly name: string;
  readonly type: string;
  readonly mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
}

/** A row of a result, as the REST API has it: cells `{ v }`, every scalar a string, a REPEATED cell a list of `{ v }`. */
export interface ResultRow {
  readonly f: readonly { readonly v: unknown }[];
}

/**
 * A DuckDB result as BigQuery's REST result: fields with BigQuery's type names and rows of strings
 * (TIMESTAMP as µs since the epoch, as with `formatOptions.useInt64Timestamp`). A NULL list is `[]`
 * (BigQuery has no NULL arrays) and a list with a NULL item fails, as BigQuery fails to write one.
 */
export function encodeResult(reader: DuckDBResultReader): { fields: BigQueryField[]; rows: ResultRow[] } {
  const types = reader.columnTypes();
  const fields = reader.columnNames().map((name, i): BigQueryField => {
    const t = types[i]!;
    return t instanceof DuckDBListType ? { name, type: typeName(t.valueType), mode: 'REPEATED' } : { name, type: typeName(t), mode: 'NULLABLE' };
  });
  const rows = reader.getRows().map((row): ResultRow => ({
    f: row.map((v, i) => {
      if (fields[i]!.mode !== 'REPEATED') return { v: cell(v) };
      if (v === null) return { v: [] };
      const items = (v as DuckDBListValue).items;
      if (items.some((x) => x === null)) throw new FakeBigQueryError(400, 'invalidQuery', `Array cannot have a null element; error in writing field ${fields[i]!.name}`);
      return { v: items.map((x) => ({ v: cell(x) })) };
    }),
  }));
  return { fields, rows };
}

function typeName(t: DuckDBType): string {
  if (t.alias === 'JSON') return 'JSON';
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.DECIMAL:
      return 'NUMERIC';
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP:
      return 'TIMESTAMP';
    case DuckDBTypeId.DATE:
      return 'DATE';
    default:
      return 'STRING';
  }
}

function cell(v: DuckDBValue): string | null {
  if (v === null) return null;
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return String(v.micros);
  if (v instanceof DuckDBDateValue) return new Date(v.days * 86_400_000).toISOString().slice(0, 10);
  if (v instanceof DuckDBListValue) throw new FakeBigQueryError(400, 'invalidQuery', 'fake-bigquery: nested arrays are not supported');
  return String(v);
}
