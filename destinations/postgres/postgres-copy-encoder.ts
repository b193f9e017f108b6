import { Bool, DateDay, Float64, Int64, TimeUnit, Timestamp, Utf8, type Data, type RecordBatch } from 'apache-arrow';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { DestinationError } from '../errors.js';

/** Roughly how many bytes each chunk handed to the COPY stream holds. */
const CHUNK_BYTES = 1 << 20;
const TWO_POW_32 = 4_294_967_296;
/** PostgreSQL's epoch (2000-01-01) in Unix days and microseconds: binary dates and timestamps count from it. */
const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_MICROS = 946_684_800_000_000;
const MS_PER_DAY = 86_400_000;
/** `PGCOPY\n\377\r\n\0`, then 32-bit flags and header-extension length (both 0). */
const BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);
/** `\N`, the text format's NULL. */
const TEXT_NULL = [0x5c, 0x4e] as const;
const BACKSLASH = 0x5c;

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
 *   a backslash; timestamps as ISO 8601 with microseconds and `Z`, dates as `YYYY-MM-DD`.
 * - `binary`: PostgreSQL's binary tuples: big-endian int64/float8, timestamps and dates counted from
 *   2000-01-01, jsonb as version byte 1 plus the text, strings as their raw bytes (no escaping).
 *
 * NUL characters cannot be stored in PostgreSQL text; the server rejects a batch containing one.
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
      const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
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
      const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
      return (out, i) => {
        const micros = Number(int64At(words, values, i));
        const ms = Math.floor(micros / 1000);
        const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.123Z
        out.ensure(iso.length + 3);
        out.ascii(iso.slice(0, -1));
        out.ascii(String(micros - ms * 1000).padStart(3, '0'));
        out.byte(0x5a); // Z
      };
    }
    case 'date': {
      const days = data.values as Int32Array;
      return (out, i) => {
        out.ensure(16);
        out.ascii(new Date(days[i]! * MS_PER_DAY).toISOString().slice(0, 10));
      };
    }
  }
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
  }
}

function int32Words(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

function checkType(table: string, column: ColumnSchema, data: Data): void {
  const t = data.type;
  const ok =
    column.dataType === 'text' || column.dataType === 'json'
      ? t instanceof Utf8
      : column.dataType === 'bigint'
        ? t instanceof Int64
        : column.dataType === 'double'
          ? t instanceof Float64
          : column.dataType === 'bool'
            ? t instanceof Bool
            : column.dataType === 'timestamp'
              ? t instanceof Timestamp && t.unit === TimeUnit.MICROSECOND
              : t instanceof DateDay;
  if (!ok) throw new DestinationError('postgres', `column "${column.name}" is ${column.dataType} but the batch has Arrow type ${String(t)}.`, { table });
}
