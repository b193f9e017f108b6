import {
  DuckDBTypeId,
  type DuckDBDateValue,
  type DuckDBDecimalType,
  type DuckDBListValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/** One entry of a Snowflake result's `rowtype`. */
export interface RowType {
  readonly name: string;
  readonly type: string;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
  readonly byteLength: number | null;
  readonly nullable: boolean;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly collation: null;
}

/** The Snowflake wire type and the encoder of one DuckDB result column (JSON rowsets: strings or null). */
export function columnCodec(name: string, type: DuckDBType): { rowType: RowType; encode: (v: DuckDBValue) => string | null } {
  const base = { name, precision: null, scale: null, length: null, byteLength: null, nullable: true, database: '', schema: '', table: '', collation: null } as const;
  const nullable = (encode: (v: DuckDBValue) => string) => (v: DuckDBValue) => (v === null ? null : encode(v));
  if (type.alias === 'JSON') return { rowType: { ...base, type: 'variant' }, encode: nullable(String) };
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { rowType: { ...base, type: 'boolean' }, encode: nullable((v) => (v ? '1' : '0')) };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return { rowType: { ...base, type: 'fixed', precision: 38, scale: 0 }, encode: nullable(String) };
    case DuckDBTypeId.DECIMAL: {
      const scale = (type as DuckDBDecimalType).scale;
      return { rowType: { ...base, type: 'fixed', precision: (type as DuckDBDecimalType).width, scale }, encode: nullable(String) };
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { rowType: { ...base, type: 'real' }, encode: nullable(String) };
    case DuckDBTypeId.DATE:
      return { rowType: { ...base, type: 'date' }, encode: nullable((v) => String((v as DuckDBDateValue).days)) };
    case DuckDBTypeId.TIMESTAMP_TZ:
      // resultVersion 1: "<epoch seconds>.<9 digits> <offset minutes + 1440>"; values are UTC.
      return { rowType: { ...base, type: 'timestamp_tz', scale: 9 }, encode: nullable((v) => `${epochSeconds((v as DuckDBTimestampTZValue).micros)} 1440`) };
    case DuckDBTypeId.TIMESTAMP:
      return { rowType: { ...base, type: 'timestamp_ntz', scale: 9 }, encode: nullable((v) => epochSeconds((v as DuckDBTimestampValue).micros)) };
    case DuckDBTypeId.LIST:
      // A semi-structured ARRAY: its JSON text, as Snowflake sends it (the fake's arrays hold strings and nulls).
      return { rowType: { ...base, type: 'array' }, encode: nullable((v) => JSON.stringify((v as DuckDBListValue).items)) };
    default:
      return { rowType: { ...base, type: 'text', length: 16_777_216, byteLength: 16_777_216 }, encode: nullable(String) };
  }
}

/** Epoch microseconds as the decimal number of seconds with 9 fraction digits (`-0.001000000` for -1 ms). */
function epochSeconds(micros: bigint): string {
  const abs = micros < 0n ? -micros : micros;
  return `${micros < 0n ? '-' : ''}${abs / 1_000_000n}.${((abs % 1_000_000n) * 1000n).toString().padStart(9, '0')}`;
}

/** A one-column text result, as Snowflake answers DDL (`status`). */
export function statusResult(status: string): { rowtype: RowType[]; rowset: string[][] } {
  const { rowType } = columnCodec('status', { typeId: DuckDBTypeId.VARCHAR } as DuckDBType);
  return { rowtype: [rowType], rowset: [[status]] };
}

