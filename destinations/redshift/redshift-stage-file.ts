import { Field, Int64, RecordBatch, Schema, Struct, Utf8, makeData, type Data } from 'apache-arrow';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { DestinationError } from '../errors.js';
import type { StagingTarget } from '../sql/sql-driver.js';
import { STAGE_SEQ_COLUMN } from './redshift-dialect.js';
import { REDSHIFT_MAX_VARCHAR_BYTES } from './redshift-type-mapper.js';

/** What a staged Parquet file holds: its columns in the staging table's order, and one batch of them. */
export interface StageFile {
  readonly columns: readonly ColumnSchema[];
  readonly batch: RecordBatch;
}

/**
 * The contents of the Parquet file that `COPY` loads into a staging table, which loads by position: the
 * row sequence (numbered from `firstSeq`) first, then the staging table's columns in its order, a column
 * the batch lacks as nulls.
 *
 * Redshift stores at most {@link REDSHIFT_MAX_VARCHAR_BYTES} bytes in a VARCHAR, and a Parquet `COPY`
 * fails on a longer string. So a **text** value longer than that is cut to the longest prefix of whole
 * characters that fits (UTF-8 bytes, never in the middle of a character); a **JSON** value longer than
 * that cannot be cut without breaking the document, and fails the write with a `DestinationError` naming
 * the table and column.
 */
export function stageFileOf(target: StagingTarget, batch: RecordBatch, firstSeq: bigint): StageFile {
  const seq = new BigInt64Array(batch.numRows);
  for (let i = 0; i < seq.length; i++) seq[i] = firstSeq + BigInt(i);
  const seqColumn: ColumnSchema = { name: STAGE_SEQ_COLUMN, dataType: 'bigint', nullable: false };
  const columns = [seqColumn, ...target.columns];
  const fields = [new Field(STAGE_SEQ_COLUMN, new Int64(), false)];
  const children: Data[] = [makeData({ type: new Int64(), length: seq.length, nullCount: 0, data: seq })];
  for (const column of target.columns) {
    const index = batch.schema.fields.findIndex((f) => f.name === column.name);
    if (index < 0) continue;
    const field = batch.schema.fields[index]!;
    let data = batch.data.children[index]!;
    if (data.type instanceof Utf8 && (column.dataType === 'text' || column.dataType === 'json')) data = fitted(target.table, column, data as Data<Utf8>);
    fields.push(new Field(column.name, field.type, field.nullable, field.metadata));
    children.push(data);
  }
  const type = new Struct(fields);
  return { columns, batch: new RecordBatch(new Schema(fields), makeData({ type, length: batch.numRows, nullCount: 0, children })) };
}

/** A string column whose values all fit a VARCHAR: text cut on a character boundary, JSON refused. The same data when all fit. */
function fitted(table: string, column: ColumnSchema, data: Data<Utf8>): Data<Utf8> {
  const offsets = data.valueOffsets;
  const bytes = data.values;
  const max = REDSHIFT_MAX_VARCHAR_BYTES;
  let over = -1;
  for (let i = 0; i < data.length && over < 0; i++) if (offsets[data.offset + i + 1]! - offsets[data.offset + i]! > max) over = i;
  if (over < 0) return data;
  if (column.dataType === 'json') {
    const size = offsets[data.offset + over + 1]! - offsets[data.offset + over]!;
    throw new DestinationError(
      'redshift',
      `a JSON value of column "${column.name}" is ${size} bytes; Redshift parses JSON of at most ${max} bytes into SUPER (JSON_PARSE takes a VARCHAR). Keep such values out of json columns or load them into another destination.`,
      { table },
    );
  }
  const newOffsets = new Int32Array(data.length + 1);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < data.length; i++) {
    const start = offsets[data.offset + i]!;
    const end = offsets[data.offset + i + 1]!;
    const cut = end - start > max ? utf8Boundary(bytes, start, start + max) : end;
    pieces.push(bytes.subarray(start, cut));
    at += cut - start;
    newOffsets[i + 1] = at;
  }
  const values = new Uint8Array(at);
  let pos = 0;
  for (const p of pieces) {
    values.set(p, pos);
    pos += p.length;
  }
  return makeData({ type: data.type, length: data.length, nullCount: data.nullCount, nullBitmap: nullBitmapOf(data), valueOffsets: newOffsets, data: values });
}

/** The last character boundary at or before `limit`: back over UTF-8 continuation bytes (`10xxxxxx`). */
function utf8Boundary(bytes: Uint8Array, start: number, limit: number): number {
  let cut = limit;
  while (cut > start && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}

/** The validity bitmap of `data` realigned to start at bit 0 (a sliced column may start mid-byte). */
function nullBitmapOf(data: Data): Uint8Array | undefined {
  if (data.nullCount === 0 || !data.nullBitmap) return undefined;
  const out = new Uint8Array(Math.ceil(data.length / 8));
  for (let i = 0; i < data.length; i++) {
    const bit = data.offset + i;
    if ((data.nullBitmap[bit >> 3]! >> (bit & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}
