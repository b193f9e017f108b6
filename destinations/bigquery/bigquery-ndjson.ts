import type { Data, RecordBatch } from 'apache-arrow';
import { fitsArrowType } from '../../src/arrow/arrow-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import { DestinationError } from '../errors.js';

/** The JSON text of one value of a column at row `i`, or undefined for NULL (the field is left out). */
type FieldValue = (i: number) => string | undefined;

const MICROS_PER_SECOND = 1_000_000n;

/**
 * Encode an Arrow batch as newline-delimited JSON for a BigQuery load job: one object per row with the
 * batch's columns among `columns` (a column the batch lacks loads as NULL), plus `seqColumn` numbering
 * the rows from `firstSeq`. Values are read from the Arrow buffers:
 *
 * - text as a JSON string; json as the document itself (BigQuery parses it into the JSON column; the
 *   pipeline only ever puts JSON text in a json column);
 * - bigint as a JSON number with all its digits (BigQuery reads INT64 from the text, beyond 2^53 too);
 * - double as a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`;
 * - timestamp as `YYYY-MM-DD HH:MM:SS.ffffff+00:00` (µs, UTC), date as `YYYY-MM-DD`;
 * - text_list as an array of strings without its null items (a BigQuery array holds none); a NULL
 *   list is left out, which BigQuery stores as an empty array.
 */
export function ndjsonOf(table: string, columns: readonly ColumnSchema[], batch: RecordBatch, seqColumn: string, firstSeq: bigint): Buffer {
  const fields: [string, FieldValue][] = [];
  for (const column of columns) {
    const index = batch.schema.fields.findIndex((f) => f.name === column.name);
    if (index < 0) continue;
    const data = batch.data.children[index]!;
    if (!fitsArrowType(column.dataType, data.type)) {
      throw new DestinationError('bigquery', `column "${column.name}" is ${column.dataType} but the batch has Arrow type ${String(data.type)}.`, { table });
    }
    fields.push([JSON.stringify(column.name), nullable(data, valueOf(column, data))]);
  }
  const seqKey = JSON.stringify(seqColumn);
  const lines: string[] = new Array<string>(batch.numRows);
  for (let row = 0; row < batch.numRows; row++) {
    let line = '{';
    for (const [key, value] of fields) {
      const v = value(row);
      if (v !== undefined) line += `${key}:${v},`;
    }
    lines[row] = `${line}${seqKey}:${firstSeq + BigInt(row)}}`;
  }
  return Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8');
}

/** `value`, or undefined where the column's validity bitmap says NULL. */
function nullable(data: Data, value: FieldValue): FieldValue {
  const bitmap = data.nullCount > 0 ? data.nullBitmap : null;
  if (!bitmap) return value;
  const offset = data.offset;
  return (i) => ((bitmap[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1 ? value(i) : undefined);
}

function valueOf(column: ColumnSchema, data: Data): FieldValue {
  switch (column.dataType) {
    case 'text': {
      const text = utf8(data);
      return (i) => JSON.stringify(text(i));
    }
    case 'json':
      return utf8(data);
    case 'bigint': {
      const values = data.values as BigInt64Array;
      return (i) => String(values[i]!);
    }
    case 'double': {
      const values = data.values as Float64Array;
      return (i) => {
        const v = values[i]!;
        return Number.isFinite(v) ? String(v) : `"${String(v)}"`;
      };
    }
    case 'bool': {
      const bits = data.values as Uint8Array;
      const offset = data.offset;
      return (i) => ((bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1 ? 'true' : 'false');
    }
    case 'timestamp': {
      const values = data.values as BigInt64Array;
      return (i) => `"${timestampText(values[i]!)}"`;
    }
    case 'date': {
      const days = data.values as Int32Array;
      return (i) => `"${new Date(days[i]! * 86_400_000).toISOString().slice(0, 10)}"`;
    }
    case 'text_list': {
      const offsets = data.valueOffsets as Int32Array;
      const items = data.children[0]!;
      const text = utf8(items);
      const bitmap = items.nullCount > 0 ? items.nullBitmap : null;
      const isItem = (k: number) => !bitmap || ((bitmap[(items.offset + k) >> 3]! >> ((items.offset + k) & 7)) & 1) === 1;
      return (i) => {
        const out: string[] = [];
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) if (isItem(k)) out.push(JSON.stringify(text(k)));
        return `[${out.join(',')}]`;
      };
    }
  }
}

/** The string at index `i` of a Utf8 column, decoded from its bytes. */
function utf8(data: Data): (i: number) => string {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (i) => buffer.toString('utf8', offsets[i]!, offsets[i + 1]!);
}

/** Unix microseconds as `YYYY-MM-DD HH:MM:SS.ffffff+00:00`, BigQuery's canonical timestamp form. */
function timestampText(micros: bigint): string {
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += MICROS_PER_SECOND;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(fraction).padStart(6, '0')}+00:00`;
}
