import type { DataType } from '../src/schema/data-types.js';
import type { TableSchema } from '../src/schema/table-schema.js';
import type { StoredState } from './destination.js';

/** `engine_version` written to `_dlt_pipeline_state`, as dlt does. */
export const STATE_ENGINE_VERSION = 4;
/** `engine_version` written to `_dlt_version`, as dlt does. */
export const SCHEMA_ENGINE_VERSION = 10;

/** dlt's system tables, created in every dataset by every SQL destination: loads, pipeline state, schema versions. */
export const SYSTEM_TABLES: readonly TableSchema[] = [
  systemTable('_dlt_loads', [
    ['load_id', 'text', false],
    ['schema_name', 'text', true],
    ['status', 'bigint', false],
    ['inserted_at', 'timestamp', false],
    ['schema_version_hash', 'text', true],
  ]),
  systemTable('_dlt_pipeline_state', [
    ['version', 'bigint', false],
    ['engine_version', 'bigint', false],
    ['pipeline_name', 'text', false],
    ['state', 'text', false],
    ['created_at', 'timestamp', false],
    ['version_hash', 'text', true],
    ['_dlt_load_id', 'text', false],
  ]),
  systemTable('_dlt_version', [
    ['version', 'bigint', false],
    ['engine_version', 'bigint', false],
    ['inserted_at', 'timestamp', false],
    ['schema_name', 'text', false],
    ['version_hash', 'text', false],
    ['schema', 'text', false],
  ]),
];

function systemTable(name: string, columns: readonly (readonly [string, DataType, boolean])[]): TableSchema {
  return { name, columns: columns.map(([n, dataType, nullable]) => ({ name: n, dataType, nullable })), writeDisposition: 'append' };
}

/**
 * The {@link StoredState} of a SQL destination, from the `state` text of the newest `_dlt_pipeline_state`
 * row, its load id, and the `schema` and `version_hash` of the `_dlt_version` row it was committed with
 * (none: no stored schema).
 */
export function storedStateOf(stateJson: unknown, loadId: unknown, version?: { readonly schema: unknown; readonly versionHash: unknown }): StoredState {
  const schema = version ? (JSON.parse(String(version.schema)) as { tables?: TableSchema[] }) : {};
  return {
    state: JSON.parse(String(stateJson)) as Record<string, unknown>,
    tables: schema.tables ?? [],
    schemaVersionHash: version ? String(version.versionHash) : '',
    loadId: String(loadId),
  };
}
