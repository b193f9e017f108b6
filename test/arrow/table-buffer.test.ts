import { describe, expect, it } from '@jest/globals';
import { DateDay, Int64, List, TimeUnit, Timestamp, Utf8, type Vector } from 'apache-arrow';
import { DATA_TYPE_METADATA_KEY } from '../../src/arrow/arrow-types.js';
import { recordBatchOf, TableBuffer } from '../../src/arrow/table-buffer.js';
import { SchemaError } from '../../src/errors.js';
import type { ColumnSchema, TableSchema } from '../../src/schema/table-schema.js';

const col = (name: string, dataType: ColumnSchema['dataType']): ColumnSchema => ({ name, dataType, nullable: true });

const table = (columns: ColumnSchema[]): TableSchema => ({ name: 't', columns, writeDisposition: 'append' });

describe('TableBuffer', () => {
  it('builds every column type with nulls for missing values', () => {
    const columns = [
      col('s', 'text'),
      col('n', 'bigint'),
      col('d', 'double'),
      col('b', 'bool'),
      col('ts', 'timestamp'),
      col('day', 'date'),
      col('j', 'json'),
    ];
    const buffer = new TableBuffer();
    buffer.push([
      { s: 'héllo 🌍', n: 9_007_199_254_740_991, d: 1.5, b: true, ts: Date.UTC(2024, 0, 2, 3, 4, 5, 678), day: '2024-02-29', j: '{"a":1}' },
      { s: null, n: -3, d: null, b: false, j: [1, 2] },
      { n: 12345678901234567890n % 2n ** 63n, b: null, ts: -1, day: '1969-12-31' },
    ]);
    expect(buffer.rowCount).toBe(3);
    const batch = buffer.flush(table(columns));
    expect(buffer.rowCount).toBe(0);
    expect(buffer.byteSize).toBe(0);
    expect(batch.numRows).toBe(3);
    expect(batch.schema.fields.map((f) => f.name)).toEqual(['s', 'n', 'd', 'b', 'ts', 'day', 'j']);
    expect(batch.schema.fields[0]!.type).toBeInstanceOf(Utf8);
    expect(batch.schema.fields[1]!.type).toBeInstanceOf(Int64);
    expect((batch.schema.fields[4]!.type as Timestamp).unit).toBe(TimeUnit.MICROSECOND);
    expect((batch.schema.fields[4]!.type as Timestamp).timezone).toBe('UTC');
    expect(batch.schema.fields[5]!.type).toBeInstanceOf(DateDay);
    expect(batch.schema.fields[6]!.metadata.get(DATA_TYPE_METADATA_KEY)).toBe('json');

    const get = (name: string) => batch.getChild(name)!.toArray() as ArrayLike<unknown>;
    expect([...Array(3).keys()].map((i) => batch.getChild('s')!.get(i))).toEqual(['héllo 🌍', null, null]);
    expect([...Array(3).keys()].map((i) => batch.getChild('n')!.get(i))).toEqual([9_007_199_254_740_991n, -3n, 12345678901234567890n % 2n ** 63n]);
    expect([...Array(3).keys()].map((i) => batch.getChild('d')!.get(i))).toEqual([1.5, null, null]);
    expect([...Array(3).keys()].map((i) => batch.getChild('b')!.get(i))).toEqual([true, false, null]);
    expect(get('ts')[0]).toBe(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5, 678)) * 1000n);
    expect(batch.getChild('ts')!.get(1)).toBeNull();
    expect(get('ts')[2]).toBe(-1000n);
    // DateDay vectors read back as epoch milliseconds.
    expect([...Array(3).keys()].map((i) => batch.getChild('day')!.get(i))).toEqual([Date.UTC(2024, 1, 29), null, Date.UTC(1969, 11, 31)]);
    expect([...Array(3).keys()].map((i) => batch.getChild('j')!.get(i))).toEqual(['{"a":1}', '[1,2]', null]);
    expect(batch.getChild('s')!.nullCount).toBe(2);
    expect(batch.getChild('n')!.nullCount).toBe(0);
  });

  it('gives null to rows buffered before a column was added', () => {
    const buffer = new TableBuffer();
    buffer.push([{ a: 'x' }]);
    buffer.push([{ a: 'y', b: 2 }]);
    const batch = buffer.flush(table([col('a', 'text'), col('b', 'bigint')]));
    expect(batch.getChild('b')!.get(0)).toBeNull();
    expect(batch.getChild('b')!.get(1)).toBe(2n);
  });

  it('tracks an approximate byte size that grows with the text', () => {
    const buffer = new TableBuffer();
    buffer.push([{ a: 'x' }]);
    const small = buffer.byteSize;
    buffer.push([{ a: 'x'.repeat(10_000) }]);
    expect(buffer.byteSize).toBeGreaterThan(small + 10_000);
  });

  it('encodes large and non-ASCII text exactly', () => {
    const big = 'ü'.repeat(1 << 19) + '𝄞';
    const batch = recordBatchOf([col('s', 'text')], [{ s: 'a' }, { s: big }, { s: '' }]);
    expect(batch.getChild('s')!.get(1)).toBe(big);
    expect(batch.getChild('s')!.get(2)).toBe('');
  });

  it('builds text_list columns as List<Utf8>: empty, null and null-item lists, unicode, sliced batches', () => {
    const many = Array.from({ length: 150 }, (_, i) => `item ${i}`);
    const rows = [
      { l: [] },
      { l: null },
      {},
      { l: ['a'] },
      { l: ['x', null, 'y'] },
      { l: many },
      { l: ['🚀', 'שלום', 'e\u0301', '{"a,b"}\\', ''] },
      { l: [1, true, undefined] },
    ];
    const batch = recordBatchOf([col('l', 'text_list')], rows);
    const field = batch.schema.fields[0]!;
    expect(field.type).toBeInstanceOf(List);
    expect((field.type as List).valueType).toBeInstanceOf(Utf8);
    expect((field.type as List).valueField.name).toBe('item');
    expect((field.type as List).valueField.nullable).toBe(true);
    expect(field.metadata.get(DATA_TYPE_METADATA_KEY)).toBe('text_list');
    const lists = (b: typeof batch) => [...Array(b.numRows).keys()].map((i) => (b.getChild('l')!.get(i) as Vector | null)?.toArray() ?? null);
    expect(lists(batch)).toEqual([[], null, null, ['a'], ['x', null, 'y'], many, ['🚀', 'שלום', 'e\u0301', '{"a,b"}\\', ''], ['1', 'true', null]]);
    expect(batch.getChild('l')!.nullCount).toBe(2);
    expect(batch.data.children[0]!.children[0]!.nullCount).toBe(2);
    expect(lists(batch.slice(3, 5))).toEqual([['a'], ['x', null, 'y']]);
  });

  it('counts list items in the byte size', () => {
    const buffer = new TableBuffer();
    buffer.push([{ l: [] }]);
    const empty = buffer.byteSize;
    buffer.push([{ l: ['x'.repeat(1000), 'y'.repeat(1000)] }]);
    expect(buffer.byteSize).toBeGreaterThan(2 * empty + 2000);
  });

  it('builds an empty batch', () => {
    const batch = recordBatchOf([col('s', 'text'), col('n', 'bigint')], []);
    expect(batch.numRows).toBe(0);
    expect(batch.numCols).toBe(2);
  });

  it('rejects a value of the wrong type with a SchemaError', () => {
    expect(() => recordBatchOf([col('n', 'bigint')], [{ n: 'seven' }])).toThrow(SchemaError);
    expect(() => recordBatchOf([col('n', 'bigint')], [{ n: 1.5 }])).toThrow(SchemaError);
    expect(() => recordBatchOf([col('b', 'bool')], [{ b: 1 }])).toThrow(SchemaError);
    expect(() => recordBatchOf([col('d', 'date')], [{ d: 'not a date' }])).toThrow(SchemaError);
    expect(() => recordBatchOf([col('l', 'text_list')], [{ l: 'a' }])).toThrow(SchemaError);
    expect(() => recordBatchOf([col('l', 'text_list')], [{ l: [{ a: 1 }] }])).toThrow(SchemaError);
  });
});
