import { writeFile } from 'node:fs/promises';
import { Bool, DateDay, Field, Float64, Int64, List, RecordBatch, Schema, Struct, Timestamp, Utf8, makeData, makeVector, vectorFromArray, type Data } from 'apache-arrow';
import { dataTypeOfField } from '../../src/arrow/arrow-types.js';
import type { ColumnSchema } from '../../src/schema/table-schema.js';
import type { ParquetWriter } from '../duckdb/duckdb-parquet-writer.js';
import { STAGE_SEQ_COLUMN } from './snowflake-sql.js';
import type { SnowflakeStageFormat } from './snowflake-config.js';

/**
 * Write a batch as the file `PUT` uploads to the stage, at `path`: its columns renamed to the upper-case
 * names the tables have (see `quoteIdent`), plus {@link STAGE_SEQ_COLUMN} numbering the rows from
 * `firstSeq`. Returns the file's column names in order.
 *
 * Text lists are staged as their JSON text (`["a",null]`, see `snowflakeStagingType`).
 *
 * - `parquet` (written by DuckDB, `parquet`): typed columns (int64, double, boolean, timestamp µs UTC,
 *   date, JSON as UTF-8 text), so `COPY … MATCH_BY_COLUMN_NAME` needs no format options.
 * - `csv`: a header line, then one line per row; strings always quoted (so `""` is the empty string and an
 *   unquoted empty field is NULL), timestamps as `YYYY-MM-DD HH:MM:SS.ffffff+00:00`, dates as `YYYY-MM-DD`.
 */
export async function writeStageFile(path: string, batch: RecordBatch, firstSeq: bigint, format: SnowflakeStageFormat, parquet: ParquetWriter): Promise<readonly string[]> {
  const columns = [...batch.schema.fields.map((f) => f.name.toUpperCase()), STAGE_SEQ_COLUMN];
  const data = batch.data.children.map((d) => (d.type instanceof List ? listAsJson(d) : d));
  if (format === 'csv') {
    await writeFile(path, toCsv(data, batch.numRows, columns, firstSeq));
    return columns;
  }
  const seq = new BigInt64Array(batch.numRows);
  for (let i = 0; i < seq.length; i++) seq[i] = firstSeq + BigInt(i);
  const schemas: ColumnSchema[] = [
    ...batch.schema.fields.map((f, i): ColumnSchema => ({ name: columns[i]!, dataType: data[i] === batch.data.children[i] ? dataTypeOfField(f) : 'text', nullable: true })),
    { name: STAGE_SEQ_COLUMN, dataType: 'bigint', nullable: false },
  ];
  const fields = schemas.map((c, i) => new Field(c.name, i < data.length ? data[i]!.type : new Int64(), c.nullable));
  const children = [...data, makeData({ type: new Int64(), length: seq.length, nullCount: 0, data: seq })];
  const renamed = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
  await parquet.write(path, schemas, [renamed]);
  return columns;
}

/** A List<Utf8> column as Utf8 JSON arrays of strings and nulls, null where the list is null. */
function listAsJson(data: Data): Data {
  const lists = makeVector(data as Data<List<Utf8>>);
  const texts = Array.from({ length: lists.length }, (_, i) => {
    const items = lists.get(i);
    return items === null ? null : JSON.stringify(items.toArray());
  });
  return vectorFromArray(texts, new Utf8()).data[0]!;
}

function toCsv(data: readonly Data[], rows: number, columns: readonly string[], firstSeq: bigint): string {
  const lines = [columns.map(csvString).join(',')];
  const formatters = data.map(cellFormatter);
  for (let row = 0; row < rows; row++) {
    const cells = formatters.map((format) => format(row));
    cells.push((firstSeq + BigInt(row)).toString());
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

/** A function that renders row `i` of a column as a CSV field ('' for NULL). */
function cellFormatter(data: Data): (i: number) => string {
  const valid = (i: number) => data.nullCount === 0 || !data.nullBitmap || ((data.nullBitmap[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1) === 1;
  const t = data.type;
  let value: (j: number) => string;
  if (t instanceof Utf8) {
    const offsets = data.valueOffsets as Int32Array;
    const decoder = new TextDecoder();
    value = (j) => csvString(decoder.decode((data.values as Uint8Array).subarray(offsets[j]!, offsets[j + 1]!)));
  } else if (t instanceof Bool) {
    value = (j) => (((data.values as Uint8Array)[j >> 3]! >> (j & 7)) & 1 ? 'true' : 'false');
  } else if (t instanceof Timestamp) {
    value = (j) => formatMicros((data.values as BigInt64Array)[j]!);
  } else if (t instanceof DateDay) {
    value = (j) => new Date((data.values as Int32Array)[j]! * 86_400_000).toISOString().slice(0, 10);
  } else if (t instanceof Float64) {
    value = (j) => String((data.values as Float64Array)[j]!);
  } else {
    value = (j) => String((data.values as BigInt64Array)[j]!);
  }
  return (i) => (valid(i) ? value(data.offset + i) : '');
}

function csvString(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** Epoch microseconds as `YYYY-MM-DD HH:MM:SS.ffffff+00:00`. */
function formatMicros(micros: bigint): string {
  let ms = micros / 1000n;
  let rest = micros % 1000n;
  if (rest < 0n) {
    rest += 1000n;
    ms -= 1n;
  }
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${rest.toString().padStart(3, '0')}+00:00`;
}
