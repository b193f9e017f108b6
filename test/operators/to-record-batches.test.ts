import { describe, expect, it } from '@jest/globals';
import { from, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { FLUSH, isFlushSignal, toRecordBatches, type FlushSignal } from '../../operators/to-record-batches.js';
import { SchemaError } from '../../src/errors.js';
import type { NormalizedPage, Row, TableBatch } from '../../src/records.js';
import { Schema } from '../../src/schema/schema.js';

function makeSchema(): Schema {
  const schema = new Schema('notion');
  schema.ensureTable({ name: 'pages', primaryKey: ['id'], columns: [{ name: 'id', dataType: 'text', nullable: false }] });
  schema.ensureTable({ name: 'pages__tags', parent: 'pages', columns: [{ name: 'value', dataType: 'text', nullable: true }] });
  return schema;
}

const page = (ids: string[], tags: string[] = []): NormalizedPage => ({
  resource: 'pages',
  tables: [
    { table: 'pages', rows: ids.map((id): Row => ({ id })) },
    ...(tags.length ? [{ table: 'pages__tags', rows: tags.map((value): Row => ({ value })) }] : []),
  ],
});

/** A batch as a comparable value: its table and the values of its first column. */
const summary = (out: TableBatch | FlushSignal): string =>
  isFlushSignal(out) ? 'FLUSH' : `${out.table}:${[...Array(out.batch.numRows).keys()].map((i) => out.batch.getChildAt(0)!.get(i)).join(',')}`;

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('toRecordBatches', () => {
  const values = {
    a: page(['1', '2'], ['x']),
    b: page(['3']),
    c: page(['4', '5'], ['y', 'z']),
    f: FLUSH,
  };

  it('never emits for a source that never emits', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<NormalizedPage>('-').pipe(toRecordBatches<FlushSignal>(makeSchema()))).toBe('-');
    });
  });

  it('completes without batches for an empty source', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<NormalizedPage>('|').pipe(toRecordBatches<FlushSignal>(makeSchema()))).toBe('|');
    });
  });

  it('emits one batch per table on completion, parents first', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const out = cold('-a-|', values).pipe(toRecordBatches<FlushSignal>(makeSchema()), map(summary));
      expectObservable(out).toBe('---(pq|)', { p: 'pages:1,2', q: 'pages__tags:x' });
    });
  });

  it('cuts a table when it reaches maxRows, and the rest on completion', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const out = cold('-a-b-c-|', values).pipe(toRecordBatches<FlushSignal>(makeSchema(), { maxRows: 3 }), map(summary));
      expectObservable(out).toBe('---p-r-(q|)', { p: 'pages:1,2,3', q: 'pages:4,5', r: 'pages__tags:x,y,z' });
    });
  });

  it('cuts a table when it reaches maxBytes', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const big = page(['x'.repeat(1000)]);
      const out = cold('-a-b-|', { a: big, b: big }).pipe(
        toRecordBatches<FlushSignal>(makeSchema(), { maxBytes: 500 }),
        map((o) => (isFlushSignal(o) ? 'F' : `${o.table}:${o.batch.numRows}`)),
      );
      expectObservable(out).toBe('-p-p-|', { p: 'pages:1' });
    });
  });

  it('cuts every buffer on a flush signal and forwards the signal after the batches', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const out = cold('-a-f------b-f-----f|', values).pipe(toRecordBatches<FlushSignal>(makeSchema()), map(summary));
      expectObservable(out).toBe('---(pqF)----(sF)--F|', { p: 'pages:1,2', q: 'pages__tags:x', s: 'pages:3', F: 'FLUSH' });
    });
  });

  it('forwards a flush signal carrying data unchanged', () => {
    const signal = { kind: 'flush' as const, checkpoint: 7 };
    const seen: unknown[] = [];
    (from([values.a, signal]) as Observable<NormalizedPage | typeof signal>)
      .pipe(toRecordBatches<typeof signal>(makeSchema()))
      .subscribe((v) => seen.push(v));
    expect(seen[2]).toBe(signal);
  });

  it('uses the columns added to the schema after rows were buffered', () => {
    const schema = makeSchema();
    const seen: TableBatch[] = [];
    from<(NormalizedPage | FlushSignal)[]>([page(['1']), FLUSH])
      .pipe(toRecordBatches<FlushSignal>(schema))
      .subscribe((v) => {
        if (!isFlushSignal(v)) seen.push(v);
      });
    expect(seen[0]!.batch.schema.fields.map((f) => f.name)).toEqual(['id']);
    schema.addColumn('pages', { name: 'title', dataType: 'text', nullable: true });
    const later: TableBatch[] = [];
    const source = page(['2']);
    from<NormalizedPage[]>([source]).pipe(toRecordBatches<FlushSignal>(schema)).subscribe((v) => later.push(v as TableBatch));
    expect(later[0]!.batch.schema.fields.map((f) => f.name)).toEqual(['id', 'title']);
    expect(later[0]!.batch.getChild('title')!.get(0)).toBeNull();
  });

  it('forwards a source error and drops the buffered rows', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const out = cold('-a-#', values, new Error('boom')).pipe(toRecordBatches<FlushSignal>(makeSchema()), map(summary));
      expectObservable(out).toBe('---#', undefined, new Error('boom'));
    });
  });

  it('errors with a SchemaError for a table the schema does not know', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const stray: NormalizedPage = { resource: 'x', tables: [{ table: 'unknown', rows: [{}] }] };
      const out = cold('-a-s-b|', { ...values, s: stray }).pipe(toRecordBatches<FlushSignal>(makeSchema()), map(summary));
      expectObservable(out).toBe(
        '---#',
        undefined,
        new SchemaError('Table "unknown" is not in schema "notion": run inferSchema before toRecordBatches.'),
      );
    });
  });

  it('errors when a value does not fit its column (the batch build throws)', () => {
    const schema = makeSchema();
    schema.addColumn('pages', { name: 'n', dataType: 'bigint', nullable: true });
    let error: unknown;
    from<NormalizedPage[]>([{ resource: 'pages', tables: [{ table: 'pages', rows: [{ id: '1', n: 'seven' }] }] }])
      .pipe(toRecordBatches<FlushSignal>(schema))
      .subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(SchemaError);
  });

  it('keeps emitting cuts from a never-ending source', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const out = cold('-a-f------b-f-', values).pipe(toRecordBatches<FlushSignal>(makeSchema()), map(summary));
      expectObservable(out).toBe('---(pqF)----(sF)-', { p: 'pages:1,2', q: 'pages__tags:x', s: 'pages:3', F: 'FLUSH' });
    });
  });

  it('unsubscribes from the source on early unsubscribe', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-f-b-f-|', values);
      const out = source.pipe(toRecordBatches<FlushSignal>(makeSchema()), map(summary));
      expectObservable(out, '^----!').toBe('---(pqF)-', { p: 'pages:1,2', q: 'pages__tags:x', F: 'FLUSH' });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});

describe('toRecordBatches with a total byte budget', () => {
  it('cuts the largest buffers when all tables together pass maxTotalBytes, before any table reaches its own limits', () => {
    const schema = new Schema('s');
    schema.ensureTable({ name: 'a', columns: [{ name: 'text', dataType: 'text', nullable: true }] });
    schema.ensureTable({ name: 'b', columns: [{ name: 'text', dataType: 'text', nullable: true }] });
    const big = 'x'.repeat(1000);
    const page = (n: number): NormalizedPage => ({
      resource: 'a',
      tables: [
        { table: 'a', rows: Array.from({ length: n }, () => ({ text: big })) },
        { table: 'b', rows: [{ text: 'small' }] },
      ],
    });
    const out: TableBatch[] = [];
    from([page(3), page(3), page(3)])
      .pipe(toRecordBatches(schema, { maxRows: 1_000, maxBytes: 1_000_000, maxTotalBytes: 5_000 }))
      .subscribe((b) => out.push(b));
    // 3 KB of `a` per page: the budget is passed on the second page, and `a` (the largest) is cut then.
    expect(out.map((b) => `${b.table}:${b.batch.numRows}`)).toEqual(['a:6', 'a:3', 'b:3']);
  });
});
