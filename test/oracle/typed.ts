import type { NotionVersion, Workspace } from '../../src/server/index.js';
import { expectedCells, typedTableTruth, valueOf } from '../e2e/typed-truth.js';
import type { LoadedTable } from './loaded.js';
import type { Difference } from './relational.js';

/**
 * The typed tables against the truth (test/e2e/typed-truth.ts: the server's full values converted by
 * the README's type mapping, no product code): one table per shared database named after its title in
 * snake_case, holding every live row once with every property cell equal to the truth. Which column
 * holds which property is read from `notion_properties` (the documented mapping). Returns the
 * differences, the typed tables' names and the number of cells compared.
 */
export function compareTypedTables(loaded: ReadonlyMap<string, LoadedTable>, ws: Workspace, version: NotionVersion): { differences: Difference[]; tables: string[]; cells: number } {
  const differences: Difference[] = [];
  const tables: string[] = [];
  let cells = 0;
  const mapping = (loaded.get('notion_properties')?.rows ?? []).filter((m) => m['deleted'] !== true);
  for (const db of typedTableTruth(ws, version)) {
    const diff = (key: string, path: string, expected: unknown, actual: unknown) => differences.push({ table: db.title, key, path, expected, actual });
    const columns = mapping.filter((m) => m[version === '2022-06-28' ? 'database_id' : 'data_source_id'] === db.containerId);
    const name = db.title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    const named = new Set(columns.map((m) => String(m['table_name'])));
    if (named.size !== 1 || !named.has(name)) diff('', 'table_name', name, [...named]);
    tables.push(name);
    const table = loaded.get(name);
    if (table === undefined) {
      diff('', 'table', name, 'no such table');
      continue;
    }
    const column = (propertyId: string, cell: string) => columns.find((m) => m['property_id'] === propertyId && m['cell'] === cell)?.['column_name'];
    for (const prop of db.properties) {
      if (prop.type !== 'formula' && prop.type !== 'rollup' && column(prop.id, 'value') === undefined) diff('', `notion_properties[${prop.id}]`, 'a value column', 'none');
    }
    const rows = new Map(table.rows.map((r) => [String(r['id']), r]));
    if (rows.size !== table.rows.length) diff('', 'rows', rows.size, table.rows.length);
    for (const id of rows.keys()) if (!db.rows.some((r) => r.id === id)) diff(id, 'id', 'no such row', id);
    for (const row of db.rows) {
      const got = rows.get(row.id);
      if (got === undefined) {
        diff(row.id, 'id', row.id, 'missing row');
        continue;
      }
      if (valueOf(got['url']) !== row.url) diff(row.id, 'url', row.url, got['url']);
      if (valueOf(got['last_edited_time']) !== Date.parse(row.last_edited_time)) diff(row.id, 'last_edited_time', row.last_edited_time, got['last_edited_time']);
      for (const prop of db.properties) {
        for (const [cell, want] of Object.entries(expectedCells(prop.type, row.values.get(prop.id)))) {
          const name = column(prop.id, cell);
          if (want === null && name === undefined) continue; // a formula or rollup never seen non-null has no column yet
          cells++;
          const value = valueOf(got[String(name)]);
          if (JSON.stringify(value) !== JSON.stringify(want)) diff(row.id, `${prop.name} (${prop.type}) ${cell}`, want, value);
        }
      }
    }
  }
  return { differences, tables, cells };
}
