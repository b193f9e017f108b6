import type { Data, RecordBatch } from 'apache-arrow';
import { fitsArrowType } from '../../src/arrow/arrow-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { DestinationError } from '../errors.js';

/** Roughly how many bytes each chunk handed to the COPY stream holds. */
const CHUNK_BYTES = 1 << 20;
const TWO_POW_32 = 4_294_967_296;
/** PostgreSQL's epoch (2000-01-01) in Unix days and microseconds: binary dates and timestamps count from it. */
const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_MICROS = 946_684_800_000_000;
const MS_PER_DAY = 86_400_000;
const MICROS_PER_DAY = 86_400_000_000;
/** `PGCOPY\n\377\r\n\0`, then 32-bit flags and header-extension length (both 0). */
const BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);
/** `\N`, the text format's NULL. */
const TEXT_NULL = [0x5c, 0x4e] as const;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
/** The type oid of `text`, the element type of a binary text[] value. */
const TEXT_OID = 25;

/** Writes one value of one column for row `i` (the batch's row index). */
type FieldWriter = (out: Out, i: number) => void;

/** A growable output buffer, cut into chunks of about {@link CHUNK_BYTES}. */
class Out {
  buf = Buffer.allocUnsafe(CHUNK_BYTES * 2);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** The bytes written so far; the next write starts a fresh buffer. */
  take(): Buffer {
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES * 2, this.buf.length));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
    return chunk;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** An ASCII string (numbers, dates), assumed to fit after `ensure`. */
  ascii(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }
}

/**
 * Encode an Arrow batch as a PostgreSQL `COPY … FROM STDIN` stream in `format`, as chunks of about 1 MB.
 * Values are read straight from the Arrow buffers (UTF-8 bytes, int64 words, validity bits); `columns`
 * are the COPY column list in order, and a column the batch lacks is sent as NULL.
 *
 * - `text`: tab-separated, `\N` for NULL; backslash, tab, newline and carriage return are escaped with
 *   a backslash; timestamps as ISO 8601 with microseconds and `Z`, dates as `YYYY-MM-DD`; text lists as
 *   array literals with every item quoted (`{"a","b \"c\"",NULL}`), then escaped like any text.
 * - `binary`: PostgreSQL's binary tuples: big-endian int64/float8, timestamps and dates counted from
 *   2000-01-01, jsonb as version byte 1 plus the text, strings as their raw bytes (no escaping), text
 *   lists as one-dimensional text[] arrays (an empty list has no dimension).
 *
 * NUL characters cannot be stored in PostgreSQL text, list items included; the server rejects a batch
 * containing one.
 */
export function* copyChunks(table: string, columns: readonly ColumnSchema[], batch: RecordBatch, format: 'binary' | 'text'): Generator<Buffer> {
  const binary = format === 'binary';
  const writers = columns.map((column): FieldWriter => {
    const index = batch.schema.fields.findIndex((f) => f.name === column.name);
    if (index < 0) return binary ? binaryNull : textNull;
    const data = batch.data.children[index]!;
    checkType(table, column, data);
    const write = binary ? binaryWriter(column, data) : textWriter(column, data);
    const bitmap = data.nullCount > 0 ? data.nullBitmap : null;
    if (!bitmap) return write;
    const offset = data.offset;
    const writeNull: FieldWriter = binary ? binaryNull : textNull;
    return (out, i) => ((bitmap[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1 ? write(out, i) : writeNull(out, i));
  });
  const out = new Out();
  if (binary) {
    out.buf.set(BINARY_HEADER, 0);
    out.pos = BINARY_HEADER.length;
  }
  const n = columns.length;
  for (let row = 0; row < batch.numRows; row++) {
    if (binary) {
      out.ensure(2);
      out.view.setInt16(out.pos, n);
      out.pos += 2;
      for (let c = 0; c < n; c++) writers[c]!(out, row);
    } else {
      for (let c = 0; c < n; c++) {
        if (c > 0) {
          out.ensure(1);
          out.byte(0x09);
        }
        writers[c]!(out, row);
      }
      out.ensure(1);
      out.byte(0x0a);
    }
    if (out.pos >= CHUNK_BYTES) yield out.take();
  }
  if (binary) {
    out.ensure(2);
    out.buf.set(BINARY_TRAILER, out.pos);
    out.pos += 2;
  }
  if (out.pos > 0) yield out.take();
}

function textNull(out: Out): void {
  out.ensure(2);
  out.byte(TEXT_NULL[0]);
  out.byte(TEXT_NULL[1]);
}

function binaryNull(out: Out): void {
  out.ensure(4);
  out.view.setInt32(out.pos, -1);
  out.pos += 4;
}

/** The int64 at row `i` as a number when it is safe, else a bigint (read as two 32-bit halves: no BigInt on the fast path). */
function int64At(words: Int32Array, values: BigInt64Array, i: number): number | bigint {
  const hi = words[2 * i + 1]!;
  if (hi >= -2_097_152 && hi < 2_097_152) return hi * TWO_POW_32 + (words[2 * i]! >>> 0);
  return values[i]!;
}

function textWriter(column: ColumnSchema, data: Data): FieldWriter {
  switch (column.dataType) {
    case 'text':
    case 'json': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      // Most columns hold no byte that needs escaping: then every value is one plain copy.
      if (!needsEscape(bytes)) {
        return (out, i) => {
          const a = offsets[i]!;
          const b = offsets[i + 1]!;
          out.ensure(b - a);
          out.buf.set(bytes.subarray(a, b), out.pos);
          out.pos += b - a;
        };
      }
      return (out, i) => {
        const a = offsets[i]!;
        const b = offsets[i + 1]!;
        out.ensure(2 * (b - a));
        const buf = out.buf;
        let pos = out.pos;
        for (let k = a; k < b; k++) {
          const x = bytes[k]!;
          // Only these four bytes need escaping in text COPY; multi-byte UTF-8 never contains them.
          if (x === BACKSLASH) {
            buf[pos++] = BACKSLASH;
            buf[pos++] = BACKSLASH;
          } else if (x === 0x09) {
            buf[pos++] = BACKSLASH;
            buf[pos++] = 0x74; // t
          } else if (x === 0x0a) {
            buf[pos++] = BACKSLASH;
            buf[pos++] = 0x6e; // n
          } else if (x === 0x0d) {
            buf[pos++] = BACKSLASH;
            buf[pos++] = 0x72; // r
          } else buf[pos++] = x;
        }
        out.pos = pos;
      };
    }
    case 'bigint': {
      const values = data.values as BigInt64Array;
      const words = int32Words(values);
      return (out, i) => {
        out.ensure(20);
        out.ascii(String(int64At(words, values, i)));
      };
    }
    case 'double': {
      const values = data.values as Float64Array;
      // String() is the shortest round-tripping form; PostgreSQL reads `NaN`, `Infinity`, `-Infinity` and `1e+300`.
      return (out, i) => {
        out.ensure(24);
        out.ascii(String(values[i]!));
      };
    }
    case 'bool': {
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      return (out, i) => {
        out.ensure(1);
        out.byte((bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1 ? 0x74 : 0x66);
      };
    }
    case 'timestamp': {
      const values = data.values as BigInt64Array;
      const words = int32Words(values);
      return (out, i) => {
        const [days, dayMicros] = daysAndMicros(int64At(words, values, i));
        const hms = Math.floor(dayMicros / 1_000_000);
        out.ensure(32);
        writeDate(out, days);
        out.byte(0x54); // T
        digits(out, Math.floor(hms / 3600), 2);
        out.byte(0x3a);
        digits(out, Math.floor(hms / 60) % 60, 2);
        out.byte(0x3a);
        digits(out, hms % 60, 2);
        out.byte(0x2e);
        digits(out, dayMicros - hms * 1_000_000, 6);
        out.byte(0x5a); // Z
      };
    }
    case 'date': {
      const days = data.values as Int32Array;
      return (out, i) => {
        out.ensure(16);
        writeDate(out, days[i]!);
      };
    }
    case 'text_list': {
      const offsets = data.valueOffsets as Int32Array;
      const { bytes, itemOffsets, isNull } = listItems(data);
      return (out, i) => {
        const a = offsets[i]!;
        const b = offsets[i + 1]!;
        // Per item at most a comma and NULL; per byte at most 4 (a backslash is escaped for the literal, then both for COPY).
        out.ensure(2 + 5 * (b - a) + 4 * (itemOffsets[b]! - itemOffsets[a]!));
        const buf = out.buf;
        let pos = out.pos;
        buf[pos++] = 0x7b; // {
        for (let k = a; k < b; k++) {
          if (k > a) buf[pos++] = 0x2c; // ,
          if (isNull(k)) {
            pos += buf.write('NULL', pos, 'latin1');
            continue;
          }
          buf[pos++] = QUOTE;
          for (let x = itemOffsets[k]!; x < itemOffsets[k + 1]!; x++) {
            const c = bytes[x]!;
            // Inside a quoted item, backslash and quote are escaped for the literal (`\\`, `\"`); then every
            // backslash, tab, newline and carriage return is escaped for COPY, as for text.
            if (c === BACKSLASH) {
              buf.fill(BACKSLASH, pos, pos + 4);
              pos += 4;
            } else if (c === QUOTE) {
              buf[pos++] = BACKSLASH;
              buf[pos++] = BACKSLASH;
              buf[pos++] = QUOTE;
            } else if (c === 0x09 || c === 0x0a || c === 0x0d) {
              buf[pos++] = BACKSLASH;
              buf[pos++] = c === 0x09 ? 0x74 : c === 0x0a ? 0x6e : 0x72; // t, n, r
            } else buf[pos++] = c;
          }
          buf[pos++] = QUOTE;
        }
        buf[pos++] = 0x7d; // }
        out.pos = pos;
      };
    }
  }
}

/** The items of a List<Utf8> column: their UTF-8 bytes and offsets, and whether item `k` is null. */
function listItems(data: Data): { bytes: Uint8Array; itemOffsets: Int32Array; isNull: (k: number) => boolean } {
  const items = data.children[0]!;
  const bitmap = items.nullCount > 0 ? items.nullBitmap : null;
  const offset = items.offset;
  return {
    bytes: items.values as Uint8Array,
    itemOffsets: items.valueOffsets as Int32Array,
    isNull: bitmap ? (k) => ((bitmap[(offset + k) >> 3]! >> ((offset + k) & 7)) & 1) === 0 : () => false,
  };
}

function binaryWriter(column: ColumnSchema, data: Data): FieldWriter {
  switch (column.dataType) {
    case 'text':
    case 'json': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const jsonb = column.dataType === 'json';
      return (out, i) => {
        const a = offsets[i]!;
        const b = offsets[i + 1]!;
        out.ensure(5 + b - a);
        out.view.setInt32(out.pos, b - a + (jsonb ? 1 : 0));
        out.pos += 4;
        if (jsonb) out.byte(1); // jsonb binary format version
        out.buf.set(bytes.subarray(a, b), out.pos);
        out.pos += b - a;
      };
    }
    case 'bigint': {
      const words = int32Words(data.values as BigInt64Array);
      return (out, i) => {
        out.ensure(12);
        const v = out.view;
        v.setInt32(out.pos, 8);
        v.setInt32(out.pos + 4, words[2 * i + 1]!);
        v.setInt32(out.pos + 8, words[2 * i]!);
        out.pos += 12;
      };
    }
    case 'double': {
      const values = data.values as Float64Array;
      return (out, i) => {
        out.ensure(12);
        out.view.setInt32(out.pos, 8);
        out.view.setFloat64(out.pos + 4, values[i]!);
        out.pos += 12;
      };
    }
    case 'bool': {
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      return (out, i) => {
        out.ensure(5);
        out.view.setInt32(out.pos, 1);
        out.buf[out.pos + 4] = (bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1;
        out.pos += 5;
      };
    }
    case 'timestamp': {
      const values = data.values as BigInt64Array;
      const words = int32Words(values);
      return (out, i) => {
        out.ensure(12);
        const v = out.view;
        v.setInt32(out.pos, 8);
        const unix = int64At(words, values, i);
        if (typeof unix === 'number') {
          const pg = unix - PG_EPOCH_MICROS;
          const hi = Math.floor(pg / TWO_POW_32);
          v.setInt32(out.pos + 4, hi);
          v.setUint32(out.pos + 8, pg - hi * TWO_POW_32);
        } else v.setBigInt64(out.pos + 4, unix - BigInt(PG_EPOCH_MICROS));
        out.pos += 12;
      };
    }
    case 'date': {
      const days = data.values as Int32Array;
      return (out, i) => {
        out.ensure(8);
        out.view.setInt32(out.pos, 4);
        out.view.setInt32(out.pos + 4, days[i]! - PG_EPOCH_DAYS);
        out.pos += 8;
      };
    }
    case 'text_list': {
      const offsets = data.valueOffsets as Int32Array;
      const { bytes, itemOffsets, isNull } = listItems(data);
      return (out, i) => {
        const a = offsets[i]!;
        const b = offsets[i + 1]!;
        out.ensure(24 + 4 * (b - a) + itemOffsets[b]! - itemOffsets[a]!);
        const v = out.view;
        const start = out.pos;
        // Field length (set last), dimensions, has-nulls flag (set last), element type, then the dimension's size and lower bound.
        v.setInt32(start + 4, b > a ? 1 : 0);
        v.setInt32(start + 12, TEXT_OID);
        let pos = start + 16;
        if (b > a) {
          v.setInt32(pos, b - a);
          v.setInt32(pos + 4, 1);
          pos += 8;
        }
        let nulls = 0;
        for (let k = a; k < b; k++) {
          if (isNull(k)) {
            v.setInt32(pos, -1);
            pos += 4;
            nulls = 1;
            continue;
          }
          const x = itemOffsets[k]!;
          const y = itemOffsets[k + 1]!;
          v.setInt32(pos, y - x);
          out.buf.set(bytes.subarray(x, y), pos + 4);
          pos += 4 + y - x;
        }
        v.setInt32(start, pos - start - 4);
        v.setInt32(start + 8, nulls);
        out.pos = pos;
      };
    }
  }
}

/** Unix microseconds as whole days since 1970-01-01 and the microseconds into that day. */
function daysAndMicros(unixMicros: number | bigint): [number, number] {
  if (typeof unixMicros === 'number') {
    const days = Math.floor(unixMicros / MICROS_PER_DAY);
    return [days, unixMicros - days * MICROS_PER_DAY];
  }
  const perDay = BigInt(MICROS_PER_DAY);
  let days = unixMicros / perDay;
  let rest = unixMicros % perDay;
  if (rest < 0n) {
    days -= 1n;
    rest += perDay;
  }
  return [Number(days), Number(rest)];
}

/** True when `bytes` holds a backslash, tab, newline or carriage return (native scans, no JS loop). */
function needsEscape(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.includes(BACKSLASH) || b.includes(0x09) || b.includes(0x0a) || b.includes(0x0d);
}

/** Write `value` (≥ 0) as exactly `width` decimal digits. */
function digits(out: Out, value: number, width: number): void {
  for (let k = width - 1; k >= 0; k--) {
    out.buf[out.pos + k] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  out.pos += width;
}

/**
 * Write the proleptic Gregorian date `days` after 1970-01-01 as `YYYY-MM-DD` (years 0…9999; others as
 * `Date` prints them, which PostgreSQL rejects). Hinnant's civil-from-days, without a Date object.
 */
function writeDate(out: Out, days: number): void {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 0 || y > 9999) return out.ascii(new Date(days * MS_PER_DAY).toISOString().slice(0, 10));
  digits(out, y, 4);
  out.byte(0x2d);
  digits(out, m, 2);
  out.byte(0x2d);
  digits(out, d, 2);
}

function int32Words(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

function checkType(table: string, column: ColumnSchema, data: Data): void {
  if (!fitsArrowType(column.dataType, data.type)) {
    throw new DestinationError('postgres', `column "${column.name}" is ${column.dataType} but the batch has Arrow type ${String(data.type)}.`, { table });
  }
}
