import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { normalize } from '../../operators/normalize.js';
import { RelationalNormalizer, type NormalizerOptions } from '../../src/normalize/relational.js';
import { collisionTag } from '../../src/schema/naming.js';
import type { NormalizedPage, ResourcePage, Row } from '../../src/records.js';

const SAFE = /^[a-z_][a-z0-9_]*$/;
const LOAD_ID = '1700000000.123';
const byId = (table: string): string | undefined => (table === 'pages' || table === 'blocks' ? 'id' : undefined);

function run(items: Record<string, unknown>[], options: Partial<NormalizerOptions> = {}, resource = 'pages'): NormalizedPage {
  return new RelationalNormalizer({ loadId: LOAD_ID, primaryKeyOf: byId, ...options }).normalizePage({ resource, items });
}

/** The rows of each table, by table name. */
function tables(page: NormalizedPage): Record<string, Row[]> {
  return Object.fromEntries(page.tables.map((t) => [t.table, t.rows]));
}

describe('RelationalNormalizer', () => {
  it('flattens nested objects into a__b columns and stamps _dlt_load_id and _dlt_id', () => {
    const page = run([{ id: 'p1', created_by: { object: 'user', id: 'u1' }, parent: { type: 'workspace', workspace: true }, icon: null }]);
    expect(page.resource).toBe('pages');
    expect(page.tables).toHaveLength(1);
    const [row] = page.tables[0]!.rows;
    expect(row).toEqual({
      _dlt_load_id: LOAD_ID,
      _dlt_id: expect.any(String),
      id: 'p1',
      created_by__object: 'user',
      created_by__id: 'u1',
      parent__type: 'workspace',
      parent__workspace: true,
      icon: null,
    });
    expect(page.tables[0]!.parent).toBeUndefined();
  });

  it('turns arrays into child tables linked by _dlt_parent_id, _dlt_list_idx and _dlt_root_id', () => {
    const page = run([
      {
        id: 'p1',
        properties: {
          Tags: { type: 'multi_select', multi_select: [{ name: 'a', color: 'red' }, { name: 'b', color: 'blue' }] },
        },
        scores: [3, 4],
        grid: [[1, 2], [], [3]],
      },
    ]);
    const t = tables(page);
    expect(Object.keys(t)).toEqual(['pages', 'pages__properties__tags__multi_select', 'pages__scores', 'pages__grid', 'pages__grid__value']);
    expect(page.tables.map((x) => x.parent)).toEqual([undefined, 'pages', 'pages', 'pages', 'pages__grid']);

    const root = t['pages']![0]!;
    expect(root).toEqual({ _dlt_load_id: LOAD_ID, _dlt_id: root['_dlt_id'], id: 'p1', properties__tags__type: 'multi_select' });
    const rootId = root['_dlt_id'];

    const tags = t['pages__properties__tags__multi_select']!;
    expect(tags.map((r) => [r['name'], r['color'], r['_dlt_list_idx'], r['_dlt_parent_id'], r['_dlt_root_id'], r['_dlt_load_id']])).toEqual([
      ['a', 'red', 0, rootId, rootId, LOAD_ID],
      ['b', 'blue', 1, rootId, rootId, LOAD_ID],
    ]);
    expect(t['pages__scores']!.map((r) => [r['value'], r['_dlt_list_idx'], r['_dlt_parent_id']])).toEqual([
      [3, 0, rootId],
      [4, 1, rootId],
    ]);

    // arrays inside arrays: one row per inner list (with its index) and a grandchild table of values
    const grid = t['pages__grid']!;
    expect(grid.map((r) => r['_dlt_list_idx'])).toEqual([0, 1, 2]);
    const values = t['pages__grid__value']!;
    expect(values.map((r) => r['value'])).toEqual([1, 2, 3]);
    expect(values.map((r) => r['_dlt_parent_id'])).toEqual([grid[0]!['_dlt_id'], grid[0]!['_dlt_id'], grid[2]!['_dlt_id']]);
    expect(values.every((r) => r['_dlt_root_id'] === rootId)).toBe(true);

    const ids = [root, ...tags, ...t['pages__scores']!, ...grid, ...values].map((r) => r['_dlt_id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('skips empty arrays and undefined values, keeps nulls', () => {
    const t = tables(run([{ id: 'p1', tags: [], cover: null, gone: undefined }]));
    expect(Object.keys(t)).toEqual(['pages']);
    expect(t['pages']![0]).not.toHaveProperty('gone');
    expect(t['pages']![0]!['cover']).toBeNull();
  });

  it('derives _dlt_id from the primary key, so the same object loaded twice gets the same ids', () => {
    const item = (): Record<string, unknown> => ({ id: 'p1', tags: [{ name: 'x' }, { name: 'y', sub: ['z'] }] });
    const first = run([item()]);
    const second = run([item()], { loadId: 'another-load' });
    const ids = (p: NormalizedPage) => p.tables.flatMap((t) => t.rows.map((r) => `${t.table}:${String(r['_dlt_id'])}`));
    expect(ids(second)).toEqual(ids(first));
    expect(ids(run([{ ...item(), id: 'p2' }]))).not.toEqual(ids(first));
    // ids of the same key in another table differ
    expect(run([item()], {}, 'blocks').tables[0]!.rows[0]!['_dlt_id']).not.toBe(first.tables[0]!.rows[0]!['_dlt_id']);
  });

  it('uses random _dlt_ids when a table has no primary key (or the key is missing)', () => {
    const a = run([{ name: 'x' }], {}, 'users').tables[0]!.rows[0]!['_dlt_id'];
    const b = run([{ name: 'x' }], {}, 'users').tables[0]!.rows[0]!['_dlt_id'];
    const c = run([{ id: null }]).tables[0]!.rows[0]!['_dlt_id'];
    expect(typeof a).toBe('string');
    expect(a).not.toBe(b);
    expect(typeof c).toBe('string');
  });

  it('normalizes table and column names to snake_case', () => {
    const page = run([{ id: 'p1', 'Created By': { 'User ID': 'u1' }, 'Multi Select': ['a'] }], {}, 'My Pages');
    expect(page.resource).toBe('my_pages');
    expect(Object.keys(tables(page))).toEqual(['my_pages', 'my_pages__multi_select']);
    expect(page.tables[0]!.rows[0]).toHaveProperty('created_by__user_id', 'u1');
  });

  it('renames data keys that would clash with the _dlt_ columns', () => {
    const row = run([{ id: 'p1', _dlt_id: 'mine', _DLT_LOAD_ID: 'also mine' }]).tables[0]!.rows[0]!;
    expect(row['_dlt_load_id']).toBe(LOAD_ID);
    expect(row['_dlt_id']).not.toBe('mine');
    expect(row[`_dlt_id_${collisionTag('_dlt_id')}`]).toBe('mine');
    expect(row[`_dlt_load_id_${collisionTag('_DLT_LOAD_ID')}`]).toBe('also mine');
  });

  it('tells apart keys of one object that normalize alike; the key already in normal form keeps the name', () => {
    const row = run([{ id: 'p1', 'Due Date': 'a', due_date: 'b', 'DUE DATE': 'c' }]).tables[0]!.rows[0]!;
    expect(row['due_date']).toBe('b');
    expect(row[`due_date_${collisionTag('Due Date')}`]).toBe('a');
    expect(row[`due_date_${collisionTag('DUE DATE')}`]).toBe('c');
    // without a key in normal form, the first in sort order keeps the name
    const other = run([{ id: 'p2', 'due date': 'x', 'Due Date': 'y' }]).tables[0]!.rows[0]!;
    expect(other['due_date']).toBe('y');
    expect(other[`due_date_${collisionTag('due date')}`]).toBe('x');
  });

  it('shortens long table and column names to maxIdentifierLength, keeping them distinct', () => {
    const long = 'a property name that is far too long for any database '.repeat(3);
    const page = run([{ id: 'p1', properties: { [`${long}1`]: { list: [1] }, [`${long}2`]: { list: [2] } } }], { maxIdentifierLength: 40 });
    const names = [...page.tables.map((t) => t.table), ...page.tables.flatMap((t) => t.rows.flatMap((r) => Object.keys(r)))];
    for (const n of names) {
      expect(n).toMatch(SAFE);
      expect(n.length).toBeLessThanOrEqual(40);
    }
    expect(page.tables).toHaveLength(3);
    expect(new Set(page.tables.map((t) => t.table)).size).toBe(3);
  });
});

describe('RelationalNormalizer with hostile Notion property names', () => {
  const long = 'Quarterly revenue forecast (EUR) — adjusted for "seasonality" & churn; see notes! '.repeat(3).slice(0, 200);
  const hostileKeys = [
    'Name',
    '"Quoted"',
    '""',
    "It's",
    "'; DROP TABLE pages; --",
    'a;b',
    'select',
    'drop table x;--',
    'from',
    '🚀 Launch',
    '🔥',
    '🙂🙃',
    long,
    'Due Date',
    'due_date',
    'constructor',
    '__proto__',
    '',
    ' ',
    '_dlt_id',
  ];
  expect(long).toHaveLength(200);

  /** A page whose i-th property carries the marker `m<i>` in a scalar and in a child-table row. */
  function hostilePage(keys: readonly string[]): Record<string, unknown> {
    const properties: Record<string, unknown> = {};
    for (const key of keys) {
      const i = hostileKeys.indexOf(key);
      properties[key] = { id: `m${i}`, type: 'multi_select', multi_select: [{ id: `o${i}`, name: key }] };
    }
    return { object: 'page', id: 'page-1', properties };
  }

  const shuffled = (keys: readonly string[]): string[] => keys.map((k, i) => [k, (i * 7919) % 31] as const).sort((a, b) => a[1] - b[1]).map(([k]) => k);

  for (const maxIdentifierLength of [63, 30]) {
    it(`produces only safe, short, distinct names (maxIdentifierLength ${maxIdentifierLength})`, () => {
      const page = run([hostilePage(hostileKeys)], { maxIdentifierLength });
      const names = new Set<string>();
      for (const t of page.tables) {
        names.add(t.table);
        for (const r of t.rows) for (const c of Object.keys(r)) names.add(c);
      }
      for (const n of names) {
        expect(n).toMatch(SAFE);
        expect(n.length).toBeLessThanOrEqual(maxIdentifierLength);
      }

      // every key got its own column: each marker sits in exactly one column, and no column holds two
      const root = page.tables[0]!.rows[0]!;
      const markerColumns = Object.entries(root).filter(([, v]) => typeof v === 'string' && /^m\d+$/.test(v));
      expect(markerColumns.map(([, v]) => v).sort()).toEqual(hostileKeys.map((_, i) => `m${i}`).sort());
      expect(new Set(markerColumns.map(([c]) => c)).size).toBe(hostileKeys.length);

      // and its own child table, each holding that key's option only
      const children = page.tables.slice(1);
      expect(children).toHaveLength(hostileKeys.length);
      for (const child of children) {
        expect(child.rows).toHaveLength(1);
        expect(child.parent).toBe('pages');
      }
      expect(children.map((c) => c.rows[0]!['id']).sort()).toEqual(hostileKeys.map((_, i) => `o${i}`).sort());
      expect(root['_dlt_id']).not.toBe('m' + hostileKeys.indexOf('_dlt_id'));
    });
  }

  it('gives the same tables, columns and ids whatever the key order', () => {
    const expected = run([hostilePage(hostileKeys)]);
    const normalizer = new RelationalNormalizer({ loadId: LOAD_ID, primaryKeyOf: byId });
    normalizer.normalizePage({ resource: 'pages', items: [hostilePage(hostileKeys)] });
    for (const keys of [[...hostileKeys].reverse(), shuffled(hostileKeys)]) {
      // a fresh normalizer, and one that has already seen the other order
      for (const actual of [run([hostilePage(keys)]), normalizer.normalizePage({ resource: 'pages', items: [hostilePage(keys)] })]) {
        expect(tables(actual)).toEqual(tables(expected));
        expect(new Set(actual.tables.map((t) => t.table))).toEqual(new Set(expected.tables.map((t) => t.table)));
      }
    }
  });

  it('maps a key to its own name when it appears without its look-alike', () => {
    const row = run([hostilePage(['Due Date'])]).tables[0]!.rows[0]!;
    expect(row['properties__due_date__id']).toBe(`m${hostileKeys.indexOf('Due Date')}`);
  });
});

describe('text no engine can store', () => {
  const R = '\uFFFD';

  it('becomes U+FFFD: NUL and lone surrogates, in columns and child-table values; other text stays as it is', () => {
    const kept = 'שלום 👩‍👩‍👧 e\u0301 \t\u0007\uFEFF\uFFFF \uDBFF\uDFFF';
    const page = run([{ id: 'p1', title: 'a\u0000b', note: { text: 'x\uD800y\uDC00' }, kept, tags: ['\uDE00\uD83D', 'ok'] }]);
    const t = tables(page);
    expect(t['pages']![0]).toMatchObject({ title: `a${R}b`, note__text: `x${R}y${R}`, kept });
    expect(t['pages__tags']!.map((r) => r['value'])).toEqual([`${R}${R}`, 'ok']);
  });

  it('becomes U+FFFD in declared rows too: text, list items, and the keys and values of JSON cells', () => {
    const declared = { primaryKey: ['id'], writeDisposition: 'merge' as const, columns: [] };
    const page = new RelationalNormalizer({ loadId: LOAD_ID }).normalizePage({
      resource: 'tasks',
      table: declared,
      items: [{ id: 'r1', name: '\u0000', tags: ['a\uD83D', null], place: { 'k\u0000': ['\uDFFF', 1] }, n: 2 }],
    });
    expect(page.tables[0]!.rows[0]).toMatchObject({ id: 'r1', name: R, tags: [`a${R}`, null], place: { [`k${R}`]: [R, 1] }, n: 2 });
  });
});

describe('normalize operator', () => {
  const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const p = (id: string): ResourcePage => ({ resource: 'pages', items: [{ id, tags: ['t'] }] });

  it('normalizes each page, completes and errors with its source', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failure = new Error('upstream');
      const out$ = cold('-a-b-#', { a: p('1'), b: p('2') }, failure).pipe(normalize({ loadId: LOAD_ID, primaryKeyOf: byId }));
      const n = new RelationalNormalizer({ loadId: LOAD_ID, primaryKeyOf: byId });
      expectObservable(out$).toBe('-a-b-#', { a: n.normalizePage(p('1')), b: n.normalizePage(p('2')) }, failure);
    });
  });

  it('emits nothing for an empty or never-ending source and unsubscribes on demand', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<ResourcePage>('|');
      const never = cold<ResourcePage>('-');
      expectObservable(empty.pipe(normalize({ loadId: LOAD_ID }))).toBe('|');
      expectObservable(never.pipe(normalize({ loadId: LOAD_ID })), '^--!').toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^--!');
    });
  });

  it('errors when a page cannot be normalized (a user getter that throws)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failure = new Error('getter');
      const bad: ResourcePage = { resource: 'pages', items: [Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw failure; } })] };
      expectObservable(cold('-a', { a: bad }).pipe(normalize({ loadId: LOAD_ID }))).toBe('-#', undefined, failure);
    });
  });
});
