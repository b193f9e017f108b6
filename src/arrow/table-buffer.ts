import { makeData, RecordBatch, Schema as ArrowSchema, Struct, type Bool, type Data, type DataType as ArrowType, type DateDay, type Float64, type Int64, type List, type Timestamp, type Utf8 } from 'apache-arrow';
import { SchemaError } from '../errors.js';
import type { Row } from '../records.js';
import type { ColumnSchema, TableSchema } from '../schema/table-schema.js';
import { arrowFieldOf } from './arrow-types.js';

const MS_PER_DAY = 86_400_000;
const TWO_POW_32 = 4_294_967_296;
/** Fixed per-row overhead counted by {@link TableBuffer.byteSize} (row object, offsets, bitmaps). */
const ROW_OVERHEAD_BYTES = 16;

/**
 * Accumulates the normalized {@link Row}s of one table and builds an Arrow {@link RecordBatch} from them.
 *
 * Columns are built directly into typed arrays (not through apache-arrow's generic builders, which
 * convert only ~80k rows/s, see reference/toolchain.md): numbers into `BigInt64Array`/`Float64Array`
 * views, booleans and validity into bit-packed bytes, text UTF-8-encoded once into one buffer with
 * Int32 offsets, text lists as list offsets over one such text column of all their items. The batch
 * schema is the table's columns at build time, so a row buffered before a column was added gets null
 * in it, like a row that simply lacks the column.
 *
 * @example
 * ```ts
 * const buffer = new TableBuffer();
 * buffer.push([{ id: 'a', n: 1 }]);
 * const batch = buffer.flush(schema.table('pages')!); // RecordBatch with one row; buffer is empty again
 * ```
 */
export class TableBuffer {
  #rows: Row[] = [];
  #bytes = 0;

  /** Rows buffered since the last {@link flush}. */
  get rowCount(): number {
    return this.#rows.length;
  }

  /** Approximate size of the buffered rows once in Arrow form, in bytes (strings, also list items, count their UTF-16 length). */
  get byteSize(): number {
    return this.#bytes;
  }

  /** Buffer rows. The rows are kept by reference until the next {@link flush}; do not mutate them. */
  push(rows: readonly Row[]): void {
    let bytes = 0;
    for (const row of rows) {
      bytes += ROW_OVERHEAD_BYTES;
      for (const key in row) {
        const v = row[key];
        bytes += typeof v === 'string' ? v.length + 4 : Array.isArray(v) ? listBytes(v) : 8;
      }
      this.#rows.push(row);
    }
    this.#bytes += bytes;
  }

  /** Build a batch of every buffered row with `table`'s current columns, and empty the buffer. */
  flush(table: TableSchema): RecordBatch {
    const rows = this.#rows;
    this.#rows = [];
    this.#bytes = 0;
    return recordBatchOf(table.columns, rows);
  }

  /** Drop every buffered row. */
  clear(): void {
    this.#rows = [];
    this.#bytes = 0;
  }
}

/** Bytes of a list value: its offset, and each item as a string (4 bytes of offset plus its length). */
function listBytes(items: readonly unknown[]): number {
  let bytes = 4;
  for (const item of items) bytes += typeof item === 'string' ? item.length + 4 : 4;
  return bytes;
}

/** Build a RecordBatch of `rows` with exactly `columns` (in that order); missing values are null. */
export function recordBatchOf(columns: readonly ColumnSchema[], rows: readonly Row[]): RecordBatch {
  const fields = columns.map(arrowFieldOf);
  const children = columns.map((c, i) => columnData(c, fields[i]!.type as ArrowType, rows));
  const schema = new ArrowSchema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }));
}

function columnData(column: ColumnSchema, type: ArrowType, rows: readonly Row[]): Data {
  switch (column.dataType) {
    case 'text':
    case 'json':
      return utf8Data(column, type as Utf8, rows);
    case 'bigint':
      return makeData({ type: type as Int64, ...int64Props(column, rows, toInt64) });
    case 'timestamp':
      return makeData({ type: type as Timestamp, ...int64Props(column, rows, toEpochMicros) });
    case 'double':
      return float64Data(column, type as Float64, rows);
    case 'bool':
      return boolData(column, type as Bool, rows);
    case 'date':
      return dateDayData(column, type as DateDay, rows);
    case 'text_list':
      return textListData(column, type as List<Utf8>, rows);
  }
}

/** A validity bitmap being filled; `bits` is only allocated at the first null. */
class Validity {
  nullCount = 0;
  bits: Uint8Array | undefined;
  readonly #length: number;

  constructor(length: number) {
    this.#length = length;
  }

  setNull(i: number): void {
    if (!this.bits) this.bits = new Uint8Array(((this.#length + 63) >> 6) << 3).fill(0xff);
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nullCount++;
  }
}

/** Length, nulls and an int64 values buffer for a bigint or timestamp column. */
function int64Props(column: ColumnSchema, rows: readonly Row[], convert: (v: unknown, c: ColumnSchema) => number | bigint) {
  const n = rows.length;
  const values = new BigInt64Array(n);
  // Safe integers are written as two 32-bit halves: ~10× faster than `BigInt(v)` per value.
  const halves = new Int32Array(values.buffer);
  const validity = new Validity(n);
  const name = column.name;
  for (let i = 0; i < n; i++) {
    const raw = rows[i]![name];
    if (raw === null || raw === undefined) {
      validity.setNull(i);
      continue;
    }
    const v = convert(raw, column);
    if (typeof v === 'bigint') {
      values[i] = v;
    } else {
      halves[2 * i] = v >>> 0;
      halves[2 * i + 1] = Math.floor(v / TWO_POW_32) | 0;
    }
  }
  return { length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, data: values };
}

function toInt64(v: unknown, column: ColumnSchema): number | bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw typeMismatch(column, v);
}

function toEpochMicros(v: unknown, column: ColumnSchema): number {
  const ms = typeof v === 'number' ? v : v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw typeMismatch(column, v);
  return Math.round(ms * 1000);
}

function float64Data(column: ColumnSchema, type: Float64, rows: readonly Row[]): Data {
  const n = rows.length;
  const values = new Float64Array(n);
  const validity = new Validity(n);
  const name = column.name;
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (typeof v === 'number') values[i] = v;
    else if (v === null || v === undefined) validity.setNull(i);
    else if (typeof v === 'bigint') values[i] = Number(v);
    else throw typeMismatch(column, v);
  }
  return makeData({ type, length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, data: values });
}

function boolData(column: ColumnSchema, type: Bool, rows: readonly Row[]): Data {
  const n = rows.length;
  const values = new Uint8Array(((n + 63) >> 6) << 3);
  const validity = new Validity(n);
  const name = column.name;
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (v === true) values[i >> 3]! |= 1 << (i & 7);
    else if (v === null || v === undefined) validity.setNull(i);
    else if (v !== false) throw typeMismatch(column, v);
  }
  return makeData({ type, length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, data: values });
}

function dateDayData(column: ColumnSchema, type: DateDay, rows: readonly Row[]): Data {
  const n = rows.length;
  const values = new Int32Array(n);
  const validity = new Validity(n);
  const name = column.name;
  for (let i = 0; i < n; i++) {
    const v = rows[i]![name];
    if (v === null || v === undefined) {
      validity.setNull(i);
      continue;
    }
    // `Date.parse('YYYY-MM-DD')` is UTC midnight by definition (ECMA-262 date-only forms).
    const ms = typeof v === 'string' ? Date.parse(v.length > 10 ? v.slice(0, 10) : v) : v instanceof Date ? v.getTime() : NaN;
    if (!Number.isFinite(ms)) throw typeMismatch(column, v);
    values[i] = Math.floor(ms / MS_PER_DAY);
  }
  return makeData({ type, length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, data: values });
}

function utf8Data(column: ColumnSchema, type: Utf8, rows: readonly Row[]): Data {
  const n = rows.length;
  const name = column.name;
  const json = column.dataType === 'json';
  const text = new TextColumn(n);
  for (let i = 0; i < n; i++) {
    const raw = rows[i]![name];
    if (raw === null || raw === undefined) text.appendNull();
    else text.append(typeof raw === 'string' ? raw : json ? JSON.stringify(raw) : String(raw));
  }
  return text.data(type);
}

/**
 * A List<Utf8> column: Int32 list offsets into one Utf8 child holding every item of every list, in
 * row order. The items are counted first, so the child's offsets and validity are allocated once.
 */
function textListData(column: ColumnSchema, type: List<Utf8>, rows: readonly Row[]): Data {
  const n = rows.length;
  const name = column.name;
  let items = 0;
  for (let i = 0; i < n; i++) {
    const raw = rows[i]![name];
    if (Array.isArray(raw)) items += raw.length;
    else if (raw !== null && raw !== undefined) throw typeMismatch(column, raw);
  }
  const offsets = new Int32Array(n + 1);
  const validity = new Validity(n);
  const child = new TextColumn(items);
  for (let i = 0; i < n; i++) {
    const raw = rows[i]![name] as readonly unknown[] | null | undefined;
    if (raw === null || raw === undefined) validity.setNull(i);
    else {
      for (const item of raw) {
        if (typeof item === 'string') child.append(item);
        else if (item === null || item === undefined) child.appendNull();
        else if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') child.append(String(item));
        else throw typeMismatch(column, item);
      }
    }
    offsets[i + 1] = child.length;
  }
  return makeData({ type, length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, valueOffsets: offsets, child: child.data(type.valueType) });
}

/** A Utf8 column being filled with a known number of values: UTF-8 bytes, Int32 offsets and validity. */
class TextColumn {
  #length = 0;
  readonly #offsets: Int32Array;
  readonly #validity: Validity;
  #bytes: Buffer;
  #pos = 0;

  constructor(capacity: number) {
    this.#offsets = new Int32Array(capacity + 1);
    this.#validity = new Validity(capacity);
    this.#bytes = Buffer.allocUnsafeSlow(Math.max(64, capacity * 16));
  }

  /** Values appended so far. */
  get length(): number {
    return this.#length;
  }

  append(s: string): void {
    // A UTF-16 code unit becomes at most 3 UTF-8 bytes, so this capacity always suffices.
    const need = this.#pos + s.length * 3;
    if (need > this.#bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(need, this.#bytes.length * 2));
      this.#bytes.copy(grown, 0, 0, this.#pos);
      this.#bytes = grown;
    }
    // Buffer#write encodes in place without a view per value: ~2× faster than TextEncoder#encodeInto here.
    this.#pos += this.#bytes.write(s, this.#pos);
    this.#offsets[++this.#length] = this.#pos;
  }

  appendNull(): void {
    this.#validity.setNull(this.#length);
    this.#offsets[++this.#length] = this.#pos;
  }

  data(type: Utf8): Data<Utf8> {
    const bytes = this.#bytes;
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset, this.#pos);
    return makeData({ type, length: this.#length, nullCount: this.#validity.nullCount, nullBitmap: this.#validity.bits, valueOffsets: this.#offsets, data });
  }
}

function typeMismatch(column: ColumnSchema, v: unknown): SchemaError {
  return new SchemaError(`Column "${column.name}" is ${column.dataType} but got a ${typeof v} value; infer the schema before batching.`);
}
