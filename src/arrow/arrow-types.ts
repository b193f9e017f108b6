import { Bool, DateDay, Field, Float64, Int64, List, TimeUnit, Timestamp, Utf8, type DataType as ArrowType } from 'apache-arrow';
import type { DataType } from '../schema/data-types.js';
import type { ColumnSchema } from '../schema/table-schema.js';

/** Field metadata key that carries the notionflow {@link DataType} of an Arrow field (`json` and `text` are both Utf8). */
export const DATA_TYPE_METADATA_KEY = 'notionflow.type';

/** Name of the item field of a `text_list` column's Arrow List type. */
const LIST_ITEM_FIELD = 'item';

/**
 * The Arrow type of each notionflow data type.
 * timestamp → Timestamp(µs, "UTC"); date → Date32 (days); json → Utf8 (marked in field metadata);
 * text_list → List<Utf8> with a nullable item field named {@link LIST_ITEM_FIELD}.
 */
export function arrowTypeOf(dataType: DataType): ArrowType {
  switch (dataType) {
    case 'text':
    case 'json':
      return new Utf8();
    case 'bigint':
      return new Int64();
    case 'double':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'timestamp':
      return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
    case 'date':
      return new DateDay();
    case 'text_list':
      return new List(new Field(LIST_ITEM_FIELD, new Utf8(), true));
  }
}

/** The Arrow field of a column, with its notionflow type in the metadata. */
export function arrowFieldOf(column: ColumnSchema): Field {
  return new Field(column.name, arrowTypeOf(column.dataType), column.nullable, new Map([[DATA_TYPE_METADATA_KEY, column.dataType]]));
}

/** The notionflow data type of an Arrow field written by notionflow. */
export function dataTypeOfField(field: Field): DataType {
  const tagged = field.metadata.get(DATA_TYPE_METADATA_KEY);
  if (tagged) return tagged as DataType;
  const t = field.type as ArrowType;
  if (t instanceof Int64) return 'bigint';
  if (t instanceof Float64) return 'double';
  if (t instanceof Bool) return 'bool';
  if (t instanceof Timestamp) return 'timestamp';
  if (t instanceof DateDay) return 'date';
  if (isTextList(t)) return 'text_list';
  return 'text';
}

/** True when an Arrow type is the one notionflow builds for `dataType` (what a sink can copy buffers from). */
export function fitsArrowType(dataType: DataType, type: ArrowType): boolean {
  switch (dataType) {
    case 'text':
    case 'json':
      return type instanceof Utf8;
    case 'bigint':
      return type instanceof Int64;
    case 'double':
      return type instanceof Float64;
    case 'bool':
      return type instanceof Bool;
    case 'timestamp':
      return type instanceof Timestamp && type.unit === TimeUnit.MICROSECOND;
    case 'date':
      return type instanceof DateDay;
    case 'text_list':
      return isTextList(type);
  }
}

function isTextList(type: ArrowType): boolean {
  return type instanceof List && type.valueType instanceof Utf8;
}
