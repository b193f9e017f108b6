import type { DataType } from '../../src/schema/data-types.js';
import { DestinationError } from '../errors.js';

/**
 * Redshift's longest `VARCHAR`, in bytes (`VARCHAR(MAX)`): the limit of every text column, of every
 * staged JSON text and of every string parameter.
 */
export const REDSHIFT_MAX_VARCHAR_BYTES = 65535;

const VARCHAR = `VARCHAR(${REDSHIFT_MAX_VARCHAR_BYTES})`;

/**
 * The Redshift column type of each notionflow data type. text → VARCHAR(65535) (lengths are bytes; a plain
 * `TEXT` would be VARCHAR(256)); timestamp → TIMESTAMPTZ (µs); json → SUPER. Redshift has no arrays:
 * `text_list` is not a supported type, so the pipeline declares list columns json.
 */
export function redshiftColumnType(dataType: DataType): string {
  switch (dataType) {
    case 'text':
      return VARCHAR;
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'date':
      return 'DATE';
    case 'json':
      return 'SUPER';
    case 'text_list':
      throw new DestinationError('redshift', 'Redshift has no list type: declare text_list columns json (the pipeline does, from the capabilities).');
  }
}

/**
 * The type of a column in a staging table: the target type, except JSON, which is staged as its text
 * (a Parquet string loads into VARCHAR) and parsed into SUPER by the commit's `JSON_PARSE`.
 */
export function redshiftStagingType(dataType: DataType): string {
  return dataType === 'json' ? VARCHAR : redshiftColumnType(dataType);
}

/** The notionflow type of a column by its catalog type (`information_schema.columns`); anything else reads as text. */
export function dataTypeOfRedshiftType(sqlType: string): DataType {
  switch (sqlType.toLowerCase()) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      return 'bigint';
    case 'double precision':
    case 'real':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'timestamp with time zone':
      return 'timestamp';
    case 'date':
      return 'date';
    case 'super':
      return 'json';
    default:
      return 'text';
  }
}
