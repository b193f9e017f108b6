import bindings from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBAppender } from '@duckdb/node-api';
import type { Data, RecordBatch } from 'apache-arrow';
import { fitsArrowType } from '../../src/arrow/arrow-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { DestinationError } from '../errors.js';
import { duckdbStagingType } from './duckdb-type-mapper.js';

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;
/** A DuckDB `string_t` is 16 bytes; strings up to 12 bytes are stored inline in it. */
const STRING_T_BYTES = 16;
const STRING_INLINE_BYTES = 12;
/** A DuckDB `list_entry_t`: uint64 offset and uint64 length. */
const LIST_ENTRY_BYTES = 16;

/**
 * Append an Arrow batch to a DuckDB table through its appender, copying the Arrow buffers into data
 * chunks (2,048 rows each) instead of converting values one by one. This is the fastest ingest path
 * measured in `bench/duckdb-ingest.ts`.
 *
 * - int64, float64, timestamp(µs) and date32 values and every validity bitmap are the same bytes in
 *   Arrow and DuckDB: one raw copy per column per chunk (`copy_data_to_vector`);
 * - booleans are unpacked from bits to bytes;
 * - strings of up to 12 UTF-8 bytes are written inline as `string_t` structs with the same raw copy;
 *   longer ones are handed over one by one (`vector_assign_string_element_len`) because DuckDB must own
 *   their bytes;
 * - text lists become LIST(VARCHAR) vectors: the Arrow list offsets as DuckDB's `(offset, length)` entries,
 *   and the items, with their validity, copied as strings into the list's child vector.
 *
 * `columns` are the appender table's columns in order; a column the batch lacks is appended as nulls.
 * Field types must be those `arrowFieldOf` produces (the types of `toRecordBatches` batches).
 */
export function appendRecordBatch(appender: DuckDBAppender, table: string, columns: readonly ColumnSchema[], batch: RecordBatch): void {
  const sources = columns.map((c) => {
    const index = batch.schema.fields.findIndex((f) => f.name === c.name);
    if (index < 0) return undefined;
    const data = batch.data.children[index]!;
    checkType(table, c, data);
    return data;
  });
  const chunk = DuckDBDataChunk.create(columns.map((c) => duckdbStagingType(c.dataType)));
  const scratch = new Scratch();
  try {
    for (let start = 0; start < batch.numRows; start += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, batch.numRows - start);
      chunk.reset();
      chunk.rowCount = n;
      for (let c = 0; c < columns.length; c++) {
        const vector = bindings.data_chunk_get_vector(chunk.chunk, c);
        const data = sources[c];
        if (!data) {
          setAllNull(vector, n, scratch);
          continue;
        }
        copyValidity(vector, 0, data, start, n, scratch);
        copyValues(vector, columns[c]!, data, start, n, scratch);
      }
      appender.appendDataChunk(chunk);
    }
  } catch (err) {
    throw new DestinationError('duckdb', `could not append a batch to "${table}": ${(err as Error).message}`, { cause: err, table });
  }
}

/** Reusable buffers, so a batch allocates them once. */
class Scratch {
  readonly bytes = new Uint8Array(CHUNK_ROWS * STRING_T_BYTES);
  readonly view = new DataView(this.bytes.buffer);
  readonly words = new Uint32Array(this.bytes.buffer);
  readonly validity = new Uint8Array(CHUNK_ROWS / 8);
}

function checkType(table: string, column: ColumnSchema, data: Data): void {
  if (!fitsArrowType(column.dataType, data.type)) {
    throw new DestinationError('duckdb', `column "${column.name}" is ${column.dataType} but the batch has Arrow type ${String(data.type)}.`, { table });
  }
}

function setAllNull(vector: bindings.Vector, n: number, scratch: Scratch): void {
  bindings.vector_ensure_validity_writable(vector);
  scratch.validity.fill(0);
  bindings.copy_data_to_vector_validity(vector, 0, scratch.validity.buffer, 0, (n + 7) >> 3);
}

/**
 * Copy rows `start … start+n` (n ≤ 2,048) of an Arrow validity bitmap into the vector's validity mask
 * (same bit order) from row `target` on, a multiple of 8.
 */
function copyValidity(vector: bindings.Vector, target: number, data: Data, start: number, n: number, scratch: Scratch): void {
  const bitmap = data.nullBitmap;
  if (!bitmap || data.nullCount === 0) return;
  bindings.vector_ensure_validity_writable(vector);
  const first = data.offset + start;
  if ((first & 7) === 0) {
    bindings.copy_data_to_vector_validity(vector, target >> 3, bitmap.buffer as ArrayBuffer, bitmap.byteOffset + (first >> 3), (n + 7) >> 3);
    return;
  }
  // A sliced batch (or a list's items) not starting on a byte boundary: realign the bits.
  const out = scratch.validity.fill(0);
  for (let i = 0; i < n; i++) {
    const j = first + i;
    if (bitmap[j >> 3]! & (1 << (j & 7))) out[i >> 3]! |= 1 << (i & 7);
  }
  bindings.copy_data_to_vector_validity(vector, target >> 3, out.buffer, 0, (n + 7) >> 3);
}

function copyValues(vector: bindings.Vector, column: ColumnSchema, data: Data, start: number, n: number, scratch: Scratch): void {
  switch (column.dataType) {
    case 'text':
    case 'json':
      return copyStrings(vector, 0, data, start, n, scratch);
    case 'bool':
      return copyBools(vector, data, start, n, scratch);
    case 'text_list':
      return copyTextLists(vector, data, start, n, scratch);
    default: {
      const values = data.values as BigInt64Array | Float64Array | Int32Array;
      const width = values.BYTES_PER_ELEMENT;
      bindings.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + start * width, n * width);
    }
  }
}

function copyBools(vector: bindings.Vector, data: Data, start: number, n: number, scratch: Scratch): void {
  const bits = data.values as Uint8Array;
  const out = scratch.bytes;
  const first = data.offset + start;
  for (let i = 0; i < n; i++) {
    const j = first + i;
    out[i] = (bits[j >> 3]! >> (j & 7)) & 1;
  }
  bindings.copy_data_to_vector(vector, 0, out.buffer, 0, n);
}

/**
 * LIST(VARCHAR) from an Arrow List<Utf8>: the entries of rows `start … start+n` as `(offset, length)`
 * uint64 pairs counted from this chunk's first item, then the chunk's items (and their validity) into the
 * list's child vector, reserved to hold them all, 2,048 at a time.
 */
function copyTextLists(vector: bindings.Vector, data: Data, start: number, n: number, scratch: Scratch): void {
  const offsets = data.valueOffsets as Int32Array;
  const first = offsets[start]!;
  const words = scratch.words;
  for (let i = 0; i < n; i++) {
    const a = offsets[start + i]!;
    words[4 * i] = a - first;
    words[4 * i + 1] = 0;
    words[4 * i + 2] = offsets[start + i + 1]! - a;
    words[4 * i + 3] = 0;
  }
  bindings.copy_data_to_vector(vector, 0, scratch.bytes.buffer, 0, n * LIST_ENTRY_BYTES);
  const items = offsets[start + n]! - first;
  bindings.list_vector_reserve(vector, items);
  bindings.list_vector_set_size(vector, items);
  // The child vector is only stable after the reserve, which may reallocate it.
  const child = bindings.list_vector_get_child(vector);
  const strings = data.children[0]!;
  for (let k = 0; k < items; k += CHUNK_ROWS) {
    const m = Math.min(CHUNK_ROWS, items - k);
    copyValidity(child, k, strings, first + k, m, scratch);
    copyStrings(child, k, strings, first + k, m, scratch);
  }
}

/** Rows `start … start+n` (n ≤ 2,048) of an Arrow Utf8 column into a VARCHAR vector, from row `target` on. */
function copyStrings(vector: bindings.Vector, target: number, data: Data, start: number, n: number, scratch: Scratch): void {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const { bytes: structs, view } = scratch;
  structs.fill(0, 0, n * STRING_T_BYTES);
  // First pass: inline every short string (and leave nulls zeroed) in one raw copy.
  let long = false;
  for (let i = 0; i < n; i++) {
    const a = offsets[start + i]!;
    const len = offsets[start + i + 1]! - a;
    if (len > STRING_INLINE_BYTES) {
      long = true;
      continue;
    }
    const at = i * STRING_T_BYTES;
    view.setUint32(at, len, true);
    for (let k = 0; k < len; k++) structs[at + 4 + k] = bytes[a + k]!;
  }
  bindings.copy_data_to_vector(vector, target * STRING_T_BYTES, structs.buffer, 0, n * STRING_T_BYTES);
  if (!long) return;
  // Second pass: long strings need a copy owned by DuckDB (its string heap).
  for (let i = 0; i < n; i++) {
    const a = offsets[start + i]!;
    const b = offsets[start + i + 1]!;
    if (b - a > STRING_INLINE_BYTES) bindings.vector_assign_string_element_len(vector, target + i, bytes.subarray(a, b));
  }
}
