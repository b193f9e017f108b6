import type { ExpectedTable } from './documents.js';
import type { LoadedTable } from './loaded.js';

/**
 * A naive comparison of expected API documents with the rows a load left, by the relational rules
 * the README documents (dlt's), written here without the product's normalizer:
 * - a nested object is flattened into its parent row, path parts joined by `__`; a null or an empty
 *   object leaves no value;
 * - an array becomes rows of the child table `<table>__<path>`, one per element in order, linked by
 *   `_dlt_parent_id` to the parent row's `_dlt_id` and numbered by `_dlt_list_idx`; a scalar element
 *   is the child row's `value`, an array element holds its own elements in `<child>__value`;
 * - keys are Notion's own snake_case names, except a property's name, which is user text: the
 *   column prefix of a property is found as the one whose `__id` and `__type` columns hold the
 *   property's id and type (how the name was normalized is the product's business);
 * - a value whose type conflicts with its column may sit in a variant column `<col>__v_<type>`;
 * - timestamps compare as instants (a date without time as midnight UTC), numbers as numbers.
 * Every loaded value must be expected and every expected value loaded; every child row must belong to
 * an expected row.
 */
export interface Difference {
  readonly table: string;
  readonly key: string;
  readonly path: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** What a comparison saw: differences, and how many values and rows it compared per table. */
export interface Comparison {
  readonly differences: Difference[];
  /** Table → values compared (root and child tables). */
  readonly values: Map<string, number>;
  /** Child table → rows compared. */
  readonly childRows: Map<string, number>;
}

const DLT_COLUMNS = new Set(['_dlt_id', '_dlt_parent_id', '_dlt_list_idx', '_dlt_root_id', '_dlt_load_id']);
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const SNAKE = /^[a-z_][a-z0-9_]*$/;

/** A value in comparable form: instants as epoch ms, bigints as numbers, undefined as null. */
export function comparable(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && ISO.test(v)) return Date.parse(v);
  return v;
}

type Row = Record<string, unknown>;

/** Compares every expected table with the loaded tables (which must hold each of them and its child tables). */
export function compareTables(loaded: ReadonlyMap<string, LoadedTable>, expected: readonly ExpectedTable[]): Comparison {
  const result: Comparison = { differences: [], values: new Map(), childRows: new Map() };
  for (const table of expected) compareTable(loaded, table, result);
  return result;
}

function compareTable(loaded: ReadonlyMap<string, LoadedTable>, expected: ExpectedTable, result: Comparison): void {
  const diff = (key: string, path: string, want: unknown, got: unknown) => result.differences.push({ table: expected.table, key, path, expected: want, actual: got });
  const root = loaded.get(expected.table);
  if (root === undefined) {
    if (expected.docs.size > 0) diff('', '', `table ${expected.table}`, 'no such table');
    return;
  }
  // Child tables, by parent row.
  const children = new Map<string, Map<string, Row[]>>();
  const childTables = [...loaded.values()].filter((t) => t.name.startsWith(`${expected.table}__`));
  for (const t of childTables) {
    const byParent = new Map<string, Row[]>();
    for (const row of t.rows) {
      const list = byParent.get(String(row['_dlt_parent_id'])) ?? [];
      list.push(row);
      byParent.set(String(row['_dlt_parent_id']), list);
    }
    for (const list of byParent.values()) list.sort((a, b) => Number(a['_dlt_list_idx']) - Number(b['_dlt_list_idx']));
    children.set(t.name, byParent);
  }
  const count = (map: Map<string, number>, table: string) => map.set(table, (map.get(table) ?? 0) + 1);

  const rows = new Map(root.rows.map((r) => [String(r[expected.key]), r]));
  for (const key of rows.keys()) if (!expected.docs.has(key)) diff(key, expected.key, 'no such row', key);

  for (const [key, doc] of expected.docs) {
    const row = rows.get(key);
    if (row === undefined) {
      diff(key, expected.key, key, 'missing row');
      continue;
    }
    const compareRow = (obj: Row, table: string, row: Row, prefix: readonly string[], isRoot: boolean): void => {
      const visited = new Set<string>();
      const walk = (o: Row, path: readonly string[]): void => {
        for (const [k, v] of Object.entries(o)) {
          let part = k;
          if (isRoot && path.length === 1 && path[0] === 'properties') {
            const id = (v as Row | null)?.['id'];
            const type = (v as Row | null)?.['type'];
            const found = Object.keys(row).find((c) => {
              const m = /^properties__(.+)__id$/.exec(c);
              return m !== null && row[c] === id && row[`properties__${m[1]}__type`] === type;
            });
            if (found === undefined) {
              diff(key, `${table}.properties[${k}]`, `a column holding property id ${String(id)}`, 'none');
              continue;
            }
            part = found.slice('properties__'.length, -'__id'.length);
          } else if (!SNAKE.test(k)) {
            diff(key, `${table}.${[...path, k].join('.')}`, 'a snake_case key', k);
            continue;
          }
          const at = [...path, part];
          if (Array.isArray(v)) compareArray(v, `${table}__${at.join('__')}`, row);
          else if (v !== null && typeof v === 'object') walk(v as Row, at);
          else scalar(at.join('__'), v);
        }
      };
      const scalar = (column: string, want: unknown): void => {
        let got = row[column];
        visited.add(column);
        if (got === null || got === undefined) {
          const variant = Object.keys(row).find((c) => c.startsWith(`${column}__v_`) && row[c] !== null && row[c] !== undefined);
          if (variant !== undefined) {
            visited.add(variant);
            got = row[variant];
          }
        }
        count(result.values, table);
        if (comparable(got) !== comparable(want)) diff(key, `${table}.${column}`, want, got);
      };
      const compareArray = (items: readonly unknown[], child: string, parent: Row): void => {
        const listed = children.get(child)?.get(String(parent['_dlt_id'])) ?? [];
        if (listed.length !== items.length) diff(key, `${child} rows of ${String(parent['_dlt_id'])}`, items.length, listed.length);
        items.forEach((item, i) => {
          const childRow = listed[i];
          if (childRow === undefined) return;
          count(result.childRows, child);
          if (Number(childRow['_dlt_list_idx']) !== i) diff(key, `${child}._dlt_list_idx`, i, childRow['_dlt_list_idx']);
          if (Array.isArray(item)) {
            compareRow({}, child, childRow, [], false);
            compareArray(item, `${child}__value`, childRow);
          } else if (item !== null && typeof item === 'object') compareRow(item as Row, child, childRow, [], false);
          else compareRow({ value: item as never }, child, childRow, [], false);
        });
      };
      walk(obj, prefix);
      for (const [column, got] of Object.entries(row)) {
        if (!DLT_COLUMNS.has(column) && !visited.has(column) && got !== null && got !== undefined) diff(key, `${table}.${column}`, null, got);
      }
    };
    compareRow(doc as Row, expected.table, row, [], true);
  }
  // Every child row belongs to an expected row: no orphans, no leftovers of replaced trees.
  for (const t of childTables) {
    const seen = result.childRows.get(t.name) ?? 0;
    if (seen !== t.rows.length) diff('', `${t.name} rows`, seen, t.rows.length);
  }
}
