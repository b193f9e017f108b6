/**
 * The column types notionflow infers, with dlt's names. Every destination maps each of them
 * (see its type mapper); Arrow batches use the types in {@link arrowTypeOf}.
 *
 * - `text`: UTF-8 string
 * - `bigint`: 64-bit integer
 * - `double`: 64-bit float
 * - `bool`
 * - `timestamp`: instant with time zone, microsecond precision, stored in UTC
 * - `date`: calendar date (`YYYY-MM-DD`)
 * - `json`: a JSON document stored as its text (used for values kept whole, such as empty objects
 *   or arrays inside arrays)
 * - `text_list`: a list of UTF-8 strings (multi-select names, people and relation ids, file names);
 *   the row value is a `string[]` whose items may be null, `[]` is an empty list and null/undefined a
 *   null list. Never inferred (arrays become child tables or json): such columns are declared by a
 *   source, and a destination without `text_list` in `capabilities.supportedTypes` stores them as json.
 */
export type DataType = 'text' | 'bigint' | 'double' | 'bool' | 'timestamp' | 'date' | 'json' | 'text_list';

/** Every {@link DataType}, in a stable order. */
export const DATA_TYPES: readonly DataType[] = ['text', 'bigint', 'double', 'bool', 'timestamp', 'date', 'json', 'text_list'];
