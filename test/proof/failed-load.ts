/**
 * What a load whose destination broke, and its rerun, must show, whatever the destination: the checks of
 * `failing-destinations.test.ts` and `failing-snowflake.test.ts`.
 */
import { expect } from '@jest/globals';
import { DestinationError } from '../../destinations/errors.js';
import { canonicalRow, dataTables, difference, firstDifference, type DatasetSnapshot } from './snapshot.js';

/** The error a failing load must raise: a DestinationError of `name`, one line, naming the problem. */
export async function expectFailure(load: Promise<void>, name: string, problem: RegExp): Promise<DestinationError> {
  const error = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DestinationError);
  const e = error as DestinationError;
  expect({ destination: e.destination, lines: e.message.split('\n').length }).toEqual({ destination: name, lines: 1 });
  expect(e.message.startsWith(`${name}: `)).toBe(true);
  expect(e.message).toMatch(problem);
  return e;
}

/** A row of a snapshot, parsed. */
export type Row = Record<string, unknown>;

/** The rows of `table`, parsed. */
export const parse = (s: DatasetSnapshot, table: string): Row[] => (s.rows[table] ?? []).map((r) => JSON.parse(r) as Row);

/**
 * Checks that what a failed load left visible is whole units of a clean load: every row is a row of the
 * clean load, every root row comes with all its child rows (and no child row without its root), and every
 * page with blocks comes with its whole block tree. Returns how many pages are visible.
 */
export function expectCompleteUnits(partial: DatasetSnapshot, clean: DatasetSnapshot): number {
  // A failed load saw fewer columns than a clean one: its rows are compared with the clean rows cut to its columns.
  for (const table of Object.keys(dataTables(partial).rows)) {
    const columns = Object.keys(partial.columns[table]!).filter((c) => c !== '_dlt_load_id');
    const cut = parse(clean, table).map((r) => canonicalRow(table, Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))));
    const rows = parse(partial, table).map((r) => canonicalRow(table, r));
    expect({ table, notInCleanLoad: difference(rows, cut).slice(0, 1) }).toEqual({ table, notInCleanLoad: [] });
  }
  for (const table of Object.keys(clean.rows).filter((t) => t.includes('__'))) {
    const root = table.split('__')[0]!;
    const roots = new Set(parse(partial, root).map((r) => r['_dlt_id']));
    const ids = (rows: Row[]) => rows.filter((r) => roots.has(r['_dlt_root_id'])).map((r) => String(r['_dlt_id']));
    expect({ table, missing: difference(ids(parse(clean, table)), ids(parse(partial, table))).length }).toEqual({ table, missing: 0 });
    const orphans = parse(partial, table).filter((r) => !roots.has(r['_dlt_root_id']));
    expect({ table, orphans: orphans.length }).toEqual({ table, orphans: 0 });
  }
  const cleanBlocks = parse(clean, 'blocks');
  const withTrees = new Set(cleanBlocks.map((b) => b['page_id']));
  const pages = new Set([...parse(partial, 'pages').map((p) => p['id']).filter((id) => withTrees.has(id)), ...parse(partial, 'blocks').map((b) => b['page_id'])]);
  const tree = (rows: Row[]) => rows.filter((b) => pages.has(b['page_id'])).map((b) => String(b['id'])).sort();
  expect(tree(parse(partial, 'blocks'))).toEqual(tree(cleanBlocks));
  return parse(partial, 'pages').length;
}

/**
 * Checks that a rerun after a failed load holds what a clean load holds: the same data tables row by row,
 * the same pipeline state and schema; the load records differ by the failed load's checkpoints only,
 * which stay marked incomplete (status 1) while the rerun's load is complete (status 0).
 */
export function expectEqualsCleanLoad(after: DatasetSnapshot, clean: DatasetSnapshot): void {
  expect(firstDifference(dataTables(after), dataTables(clean))).toBeUndefined();
  if (clean.rows['_dlt_loads'] === undefined) return;
  const loads = parse(after, '_dlt_loads');
  expect(loads.filter((l) => Number(l['status']) === 0).map((l) => canonicalRow('_dlt_loads', l))).toEqual(clean.rows['_dlt_loads']);
  expect(loads.filter((l) => Number(l['status']) !== 0).map((l) => Number(l['status']))).toEqual(loads.slice(1).map(() => 1));
  expect(after.rows['_dlt_version']).toEqual(clean.rows['_dlt_version']);
}
