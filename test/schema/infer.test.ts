import { describe, expect, it } from '@jest/globals';
import { TestScheduler } from 'rxjs/testing';
import { inferSchema } from '../../operators/infer-schema.js';
import { SchemaError } from '../../src/errors.js';
import type { NormalizedPage, Row } from '../../src/records.js';
import { NO_FIT, applySchema, coerceValue, inferDataType } from '../../src/schema/infer.js';
import { Schema } from '../../src/schema/schema.js';

const rootPage = (rows: Row[], table = 'pages'): NormalizedPage => ({ resource: table, tables: [{ table, rows }] });

describe('inferDataType', () => {
  it.each([
    ['text', 'hello'],
    ['text', ''],
    ['bigint', 42],
    ['bigint', -7],
    ['bigint', 10n],
    ['double', 1.5],
    ['double', 2 ** 60],
    ['bool', false],
    ['timestamp', '2024-05-01T10:20:30.000Z'],
    ['timestamp', '2024-05-01T10:20:30.123+02:00'],
    ['timestamp', '2024-05-01T10:20Z'],
    ['timestamp', '2024-05-01'],
    ['timestamp', '2024-02-29'],
    ['json', { a: 1 }],
    ['json', []],
  ] as const)('%s for %p', (type, value) => {
    expect(inferDataType(value)).toBe(type);
  });

  it('keeps strings that only look like dates or instants as text', () => {
    expect(inferDataType('2024-05-01T10:20:30')).toBe('text'); // no zone
    expect(inferDataType('2024-13-01')).toBe('text');
    expect(inferDataType('2023-02-29')).toBe('text');
    expect(inferDataType('2024-02-30T10:00:00Z')).toBe('text');
    expect(inferDataType('2024-05-01T25:00:00Z')).toBe('text');
    expect(inferDataType('20240501')).toBe('text');
    expect(inferDataType(' 2024-05-01')).toBe('text');
  });

  it('has no type for null and undefined', () => {
    expect(inferDataType(null)).toBeUndefined();
    expect(inferDataType(undefined)).toBeUndefined();
  });
});

describe('coerceValue', () => {
  it('converts to the Row representation of each type', () => {
    expect(coerceValue('2024-05-01T10:20:30.000Z', 'timestamp')).toBe(Date.UTC(2024, 4, 1, 10, 20, 30));
    expect(coerceValue('2024-05-01T12:20:30.000+02:00', 'timestamp')).toBe(Date.UTC(2024, 4, 1, 10, 20, 30));
    expect(coerceValue('2024-05-01', 'date')).toBe('2024-05-01');
    expect(coerceValue(3, 'double')).toBe(3);
    expect(coerceValue(3n, 'double')).toBe(3);
    expect(coerceValue(3, 'bigint')).toBe(3);
    expect(coerceValue(true, 'bool')).toBe(true);
  });

  it('widens scalars to text, as dlt does', () => {
    expect(coerceValue(12, 'text')).toBe('12');
    expect(coerceValue(1.5, 'text')).toBe('1.5');
    expect(coerceValue(true, 'text')).toBe('true');
    expect(coerceValue(5n, 'text')).toBe('5');
  });

  it('always yields valid JSON text for a json column', () => {
    expect(coerceValue({ a: [1, 'x'] }, 'json')).toBe('{"a":[1,"x"]}');
    expect(coerceValue(5, 'json')).toBe('5');
    const text = coerceValue('abc', 'json') as string;
    expect(JSON.parse(text)).toBe('abc');
  });

  it('keeps an array of strings as a text_list value: null items kept, scalars stringified', () => {
    const names = ['a', null, 'b'];
    expect(coerceValue(names, 'text_list')).toBe(names);
    expect(coerceValue([], 'text_list')).toEqual([]);
    expect(coerceValue([1, true, 'x', null, 2n], 'text_list')).toEqual(['1', 'true', 'x', null, '2']);
    expect(coerceValue(['a', { b: 1 }], 'text_list')).toBe(NO_FIT);
    expect(coerceValue([['a']], 'text_list')).toBe(NO_FIT);
    expect(coerceValue('a', 'text_list')).toBe(NO_FIT);
    expect(coerceValue({ a: 1 }, 'text_list')).toBe(NO_FIT);
    expect(coerceValue(['a', null], 'json')).toBe('["a",null]');
  });

  it('never infers text_list: arrays stay json', () => {
    expect(inferDataType(['a', 'b'])).toBe('json');
  });

  it('puts a calendar date into a timestamp column at midnight UTC (Notion date properties mix both)', () => {
    expect(coerceValue('2024-05-01', 'timestamp')).toBe(Date.UTC(2024, 4, 1));
  });

  it('answers NO_FIT when a value does not fit', () => {
    expect(coerceValue(1.5, 'bigint')).toBe(NO_FIT);
    expect(coerceValue(2 ** 60, 'bigint')).toBe(NO_FIT);
    expect(coerceValue('12', 'bigint')).toBe(NO_FIT);
    expect(coerceValue('x', 'double')).toBe(NO_FIT);
    expect(coerceValue('true', 'bool')).toBe(NO_FIT);
    expect(coerceValue('2024-02-30', 'timestamp')).toBe(NO_FIT);
    expect(coerceValue('2024-05-01T10:00:00Z', 'date')).toBe(NO_FIT);
    expect(coerceValue('2024-02-30', 'date')).toBe(NO_FIT);
    expect(coerceValue('2024-02-30T10:00:00Z', 'timestamp')).toBe(NO_FIT);
    expect(coerceValue({ a: 1 }, 'text')).toBe(NO_FIT);
  });
});

describe('applySchema', () => {
  it('adds tables and columns on first sight with inferred types, link columns typed and not nullable', () => {
    const schema = new Schema('notion');
    schema.ensureTable({ name: 'pages', primaryKey: ['id'], writeDisposition: 'merge' });
    const page: NormalizedPage = {
      resource: 'pages',
      tables: [
        { table: 'pages', rows: [{ _dlt_load_id: '1.2', _dlt_id: 'a', id: 'p1', n: 1, f: 0.5, ok: true, at: '2024-05-01T10:00:00.000Z', day: '2024-05-01', none: null }] },
        { table: 'pages__tags', parent: 'pages', rows: [{ _dlt_load_id: '1.2', _dlt_id: 'b', _dlt_parent_id: 'a', _dlt_list_idx: 0, _dlt_root_id: 'a', value: 'x' }] },
      ],
    };
    applySchema(schema, page);
    const cols = (t: string) => Object.fromEntries(schema.table(t)!.columns.map((c) => [c.name, `${c.dataType}${c.nullable ? '?' : ''}`]));
    expect(cols('pages')).toEqual({ _dlt_load_id: 'text', _dlt_id: 'text', id: 'text', n: 'bigint?', f: 'double?', ok: 'bool?', at: 'timestamp?', day: 'timestamp?' });
    expect(schema.table('pages__tags')).toMatchObject({ parent: 'pages', writeDisposition: 'merge' });
    expect(cols('pages__tags')).toEqual({ _dlt_load_id: 'text', _dlt_id: 'text', _dlt_parent_id: 'text', _dlt_list_idx: 'bigint', _dlt_root_id: 'text', value: 'text?' });
    // values coerced in place
    expect(page.tables[0]!.rows[0]!['at']).toBe(Date.UTC(2024, 4, 1, 10));
    expect(schema.rootOf('pages__tags')).toBe('pages');
  });

  it('sends a conflicting value to the variant column <col>__v_<type> and never fails', () => {
    const schema = new Schema('notion');
    const rows: Row[] = [{ n: 1 }, { n: 'one' }, { n: 2.5 }, { n: 3 }, { n: 'two' }, { n: { deep: true } }];
    applySchema(schema, rootPage(rows));
    expect(schema.table('pages')!.columns).toEqual([
      { name: 'n', dataType: 'bigint', nullable: true },
      { name: 'n__v_text', dataType: 'text', nullable: true, variantOf: 'n' },
      { name: 'n__v_double', dataType: 'double', nullable: true, variantOf: 'n' },
      { name: 'n__v_json', dataType: 'json', nullable: true, variantOf: 'n' },
    ]);
    expect(rows).toEqual([{ n: 1 }, { n__v_text: 'one' }, { n__v_double: 2.5 }, { n: 3 }, { n__v_text: 'two' }, { n__v_json: '{"deep":true}' }]);
  });

  it('fills a declared text_list column with lists, and sends other values to a variant column', () => {
    const schema = new Schema('notion');
    schema.declareTable('tasks', { primaryKey: ['id'], writeDisposition: 'merge', columns: [{ name: 'id', dataType: 'text' }, { name: 'tags', dataType: 'text_list' }] });
    const rows: Row[] = [{ id: '1', tags: ['a', 7] }, { id: '2', tags: 'solo' }, { id: '3', tags: [{ x: 1 }] }, { id: '4', tags: [] }];
    applySchema(schema, rootPage(rows, 'tasks'));
    expect(schema.table('tasks')!.columns.filter((c) => c.name.startsWith('tags')).map((c) => `${c.name}:${c.dataType}`)).toEqual([
      'tags:text_list',
      'tags__v_text:text',
      'tags__v_json:json',
    ]);
    expect(rows.map(({ id: _id, ...rest }) => rest)).toEqual([{ tags: ['a', '7'] }, { tags__v_text: 'solo' }, { tags__v_json: '[{"x":1}]' }, { tags: [] }]);
  });

  it('widens numbers into an existing text column instead of making a variant', () => {
    const schema = new Schema('notion');
    const rows: Row[] = [{ v: 'a' }, { v: 7 }];
    applySchema(schema, rootPage(rows));
    expect(schema.table('pages')!.columns.map((c) => c.name)).toEqual(['v']);
    expect(rows[1]).toEqual({ v: '7' });
  });

  it('does not create a column for a value that is only ever null', () => {
    const schema = new Schema('notion');
    applySchema(schema, rootPage([{ a: null, b: undefined }]));
    expect(schema.table('pages')!.columns).toEqual([]);
  });

  it('shortens variant names to the identifier limit', () => {
    const schema = new Schema('notion');
    const col = 'properties__a_rather_long_property_name__number';
    const rows: Row[] = [{ [col]: 1 }, { [col]: 'not a number' }];
    applySchema(schema, rootPage(rows), 50);
    const variant = schema.table('pages')!.columns[1]!;
    expect(variant.variantOf).toBe(col);
    expect(variant.name.length).toBeLessThanOrEqual(50);
    expect(rows[1]).toEqual({ [variant.name]: 'not a number' });
  });

  it('types a column named like an Object.prototype member by its value', () => {
    const schema = new Schema('notion');
    applySchema(schema, rootPage([{ constructor: 'c', toString: 3, hasOwnProperty: true }]));
    expect(schema.table('pages')!.columns).toEqual([
      { name: 'constructor', dataType: 'text', nullable: true },
      { name: 'toString', dataType: 'bigint', nullable: true },
      { name: 'hasOwnProperty', dataType: 'bool', nullable: true },
    ]);
  });

  it('types dates and instants alike, whichever arrives first (no variant column from arrival order)', () => {
    for (const order of [['2024-05-01', '2024-05-01T10:00:00+02:00'], ['2024-05-01T10:00:00+02:00', '2024-05-01']]) {
      const schema = new Schema('notion');
      applySchema(schema, rootPage(order.map((d) => ({ d }))));
      expect(schema.table('pages')!.columns.map((c) => `${c.name}:${c.dataType}`)).toEqual(['d:timestamp']);
    }
  });

  it('keeps an invalid calendar date as text, so no destination shifts or rejects it', () => {
    const schema = new Schema('notion');
    applySchema(schema, rootPage([{ d: '2024-05-01' }, { d: '2024-02-30' }, { e: '2023-02-29' }]));
    expect(schema.table('pages')!.columns.map((c) => `${c.name}:${c.dataType}`)).toEqual(['d:timestamp', 'd__v_text:text', 'e:text']);
  });
});

describe('Schema', () => {
  it('grows only, records changes and bumps its version and hash', () => {
    const schema = new Schema('notion');
    const v0 = schema.version;
    const h0 = schema.versionHash();
    schema.ensureTable({ name: 'pages', primaryKey: ['id'], writeDisposition: 'merge' });
    schema.addColumn('pages', { name: 'id', dataType: 'text', nullable: false });
    schema.addColumn('pages', { name: 'id', dataType: 'text', nullable: false }); // no-op
    expect(schema.version).toBeGreaterThan(v0);
    expect(schema.versionHash()).not.toBe(h0);
    expect(schema.takeChanges().tables.map((t) => t.name)).toEqual(['pages']);
    expect(schema.takeChanges().tables).toEqual([]);
    const h1 = schema.versionHash();
    expect(schema.ensureTable({ name: 'pages' }).columns).toHaveLength(1);
    expect(schema.versionHash()).toBe(h1);
  });

  it('hashes the same tables and columns alike whatever order they were added in', () => {
    const build = (tables: readonly string[], columns: readonly string[]): string => {
      const schema = new Schema('notion');
      for (const t of tables) {
        schema.ensureTable({ name: t, writeDisposition: 'merge' });
        for (const c of columns) schema.addColumn(t, { name: c, dataType: 'text', nullable: true });
      }
      return schema.versionHash();
    };
    expect(build(['pages', 'blocks'], ['a', 'b'])).toBe(build(['blocks', 'pages'], ['b', 'a']));
    expect(build(['pages', 'blocks'], ['a', 'b'])).not.toBe(build(['pages', 'blocks'], ['a', 'c']));
  });

  it('rejects a type change, an unknown table and an unknown parent with SchemaError', () => {
    const schema = new Schema('notion', [{ name: 'pages', columns: [{ name: 'n', dataType: 'bigint', nullable: true }], writeDisposition: 'append' }]);
    expect(schema.takeChanges().tables).toEqual([]);
    expect(() => schema.addColumn('pages', { name: 'n', dataType: 'text', nullable: true })).toThrow(SchemaError);
    expect(() => schema.addColumn('nope', { name: 'n', dataType: 'text', nullable: true })).toThrow(SchemaError);
    expect(() => schema.ensureTable({ name: 'x__y', parent: 'x' })).toThrow(SchemaError);
    expect(() => schema.rootOf('nope')).toThrow(SchemaError);
  });

  it('knows roots and descendants; children follow their parent’s write disposition', () => {
    const schema = new Schema('notion');
    schema.ensureTable({ name: 'pages', writeDisposition: 'replace' });
    schema.ensureTable({ name: 'pages__a', parent: 'pages' });
    schema.ensureTable({ name: 'pages__a__b', parent: 'pages__a' });
    schema.ensureTable({ name: 'users' });
    expect(schema.rootOf('pages__a__b')).toBe('pages');
    expect(schema.childrenOf('pages').map((t) => t.name)).toEqual(['pages__a', 'pages__a__b']);
    expect(schema.table('pages__a__b')!.writeDisposition).toBe('replace');
    expect(schema.table('users')!.writeDisposition).toBe('append');
    schema.setWriteDisposition('pages', 'merge');
    expect(schema.table('pages')!.writeDisposition).toBe('merge');
  });
});

describe('inferSchema operator', () => {
  const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it('types each page against the shared schema and passes it on', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const schema = new Schema('notion');
      const a = rootPage([{ n: 1 }]);
      const b = rootPage([{ n: 'x' }]);
      expectObservable(cold('-a-b|', { a, b }).pipe(inferSchema(schema))).toBe('-a-b|', { a, b: rootPage([{ n__v_text: 'x' }]) });
      flush();
      expect(schema.table('pages')!.columns.map((c) => c.name)).toEqual(['n', 'n__v_text']);
    });
  });

  it('passes errors, empty and never-ending sources through and unsubscribes', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failure = new Error('x');
      expectObservable(cold<NormalizedPage>('--#', undefined, failure).pipe(inferSchema(new Schema('s')))).toBe('--#', undefined, failure);
      expectObservable(cold<NormalizedPage>('|').pipe(inferSchema(new Schema('s')))).toBe('|');
      const never = cold<NormalizedPage>('-');
      expectObservable(never.pipe(inferSchema(new Schema('s'))), '^-!').toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^-!');
    });
  });

  it('errors when a child table names an unknown parent', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const orphan: NormalizedPage = { resource: 'pages', tables: [{ table: 'pages__x', parent: 'pages', rows: [{ value: 1 }] }] };
      expectObservable(cold('-a', { a: orphan }).pipe(inferSchema(new Schema('s')))).toBe('-#', undefined, expect.any(SchemaError));
    });
  });
});

describe('type hints', () => {
  it('type a hinted column the same whichever value comes first (3 then 3.5, or 3.5 then 3)', () => {
    for (const values of [[3, 3.5], [3.5, 3]]) {
      const schema = new Schema('notion');
      schema.ensureTable({ name: 'pages', primaryKey: ['id'], writeDisposition: 'merge' });
      schema.setTypeHints('pages', { __number: 'double' });
      applySchema(schema, { resource: 'pages', tables: [{ table: 'pages', rows: values.map((v) => ({ properties__estimate__number: v, position: 1 })) }] });
      expect(schema.table('pages')!.columns.map((c) => `${c.name}:${c.dataType}`)).toEqual(['properties__estimate__number:double', 'position:bigint']);
    }
  });
});
