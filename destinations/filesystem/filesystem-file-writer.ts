import { List, makeData, RecordBatch, Schema, Struct, type Data, type DataType as ArrowType } from 'apache-arrow';
import type { DataType } from '../../src/schema/data-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { DestinationError } from '../errors.js';
import { arrowFieldOf } from '../../src/arrow/arrow-types.js';

/** The file formats the filesystem destination writes. */
export type FileFormat = 'parquet' | 'jsonl';

/**
 * A batch with exactly `columns`, in that order, with the file field types: columns the batch lacks
 * (added to the table after it was cut) become all-null columns. All batches of one file are conformed
 * to the same columns, so the file has one schema.
 */
export function conformBatch(table: string, columns: readonly ColumnSchema[], batch: RecordBatch): RecordBatch {
  // Every field of a file is nullable: a column added mid-load is null in older rows.
  const fields = columns.map((c) => arrowFieldOf({ ...c, nullable: true }));
  const children = columns.map((c, i) => {
    const index = batch.schema.fields.findIndex((f) => f.name === c.name);
    if (index < 0) return nullData(fields[i]!.type, batch.numRows);
    const data = batch.data.children[index]!;
    if (String(data.type) !== String(fields[i]!.type)) {
      throw new DestinationError('filesystem', `column "${c.name}" arrived as ${String(data.type)}, expected ${String(fields[i]!.type)} (${c.dataType}).`, { table });
    }
    return data;
  });
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
}

/**
 * Encode batches as JSON lines: one object per row with every column of the file (null when missing);
 * bigint as a JSON number (exact digits), timestamp as ISO 8601 with microseconds (`…T10:00:00.123456Z`),
 * date as `YYYY-MM-DD`, json columns as JSON values (not strings), text_list as an array of strings and nulls.
 */
export function encodeJsonl(columns: readonly ColumnSchema[], batches: readonly RecordBatch[]): Uint8Array {
  const keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
  const lines: string[] = [];
  for (const batch of batches) {
    const readers = columns.map((c, i) => jsonReader(c.dataType, batch.data.children[i]!));
    for (let row = 0; row < batch.numRows; row++) {
      let line = '{';
      for (let c = 0; c < readers.length; c++) line += `${c === 0 ? '' : ','}${keys[c]}${readers[c]!(row)}`;
      lines.push(`${line}}\n`);
    }
  }
  return Buffer.from(lines.join(''), 'utf8');
}

/** A function returning the JSON text of row `i` of `data`. */
function jsonReader(dataType: DataType, data: Data): (i: number) => string {
  const off = data.offset;
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const valid = bitmap ? (i: number) => (bitmap[(off + i) >> 3]! & (1 << ((off + i) & 7))) !== 0 : () => true;
  const values = data.values as ArrayLike<number | bigint>;
  const text = (i: number): string => {
    const offsets = data.valueOffsets as Int32Array;
    return Buffer.from((data.values as Uint8Array).buffer, (data.values as Uint8Array).byteOffset + offsets[off + i]!, offsets[off + i + 1]! - offsets[off + i]!).toString('utf8');
  };
  let value: (i: number) => string;
  switch (dataType) {
    case 'text':
      value = (i) => JSON.stringify(text(i));
      break;
    case 'json':
      value = text;
      break;
    case 'bigint':
      value = (i) => String(values[off + i]);
      break;
    case 'double':
      value = (i) => {
        const v = values[off + i] as number;
        return Number.isFinite(v) ? String(v) : 'null';
      };
      break;
    case 'bool':
      value = (i) => ((data.values[(off + i) >> 3]! & (1 << ((off + i) & 7))) !== 0 ? 'true' : 'false');
      break;
    case 'timestamp':
      value = (i) => `"${isoMicros(values[off + i] as bigint)}"`;
      break;
    case 'date':
      value = (i) => `"${new Date((values[off + i] as number) * 86_400_000).toISOString().slice(0, 10)}"`;
      break;
    case 'text_list': {
      // List offsets are sliced with the column (index i); the items are one Utf8 child, read as text.
      const offsets = data.valueOffsets as Int32Array;
      const item = jsonReader('text', data.children[0]!);
      value = (i) => {
        const items: string[] = [];
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) items.push(item(k));
        return `[${items.join(',')}]`;
      };
      break;
    }
  }
  return (i) => (valid(i) ? value(i) : 'null');
}

/** ISO 8601 in UTC with microseconds, from epoch microseconds. */
function isoMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = Number(micros - ms * 1000n);
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

/** An all-null column of `length` rows, with zeroed value buffers of the right size. */
function nullData(type: ArrowType, length: number): Data {
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  const props = { type, length, nullCount: length, nullBitmap } as Record<string, unknown>;
  if (type instanceof List) {
    props['valueOffsets'] = new Int32Array(length + 1);
    props['child'] = nullData(type.valueType, 0);
    return makeData(props as unknown as Parameters<typeof makeData>[0]);
  }
  switch (String(type)) {
    case 'Utf8':
      props['valueOffsets'] = new Int32Array(length + 1);
      props['data'] = new Uint8Array(0);
      break;
    case 'Bool':
      props['data'] = new Uint8Array((length + 7) >> 3);
      break;
    default:
      props['data'] = new (type.ArrayType as new (n: number) => ArrayBufferView)(length);
  }
  return makeData(props as unknown as Parameters<typeof makeData>[0]);
}
