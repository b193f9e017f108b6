import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { ConfigError } from '../../src/errors.js';
import type { TableSchema } from '../../src/schema/table-schema.js';
import { duckdb, DUCKDB_CAPABILITIES, quoteIdent } from '../../destinations/duckdb/index.js';
import { DestinationError } from '../../destinations/errors.js';
import { runConformanceSuite } from './conformance.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'notionflow-duckdb-'));
}

runConformanceSuite('duckdb', DUCKDB_CAPABILITIES, async () => {
  const dir = await tempDir();
  return { destination: duckdb({ path: join(dir, 'test.duckdb') }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('duckdb destination', () => {
  const table: TableSchema = {
    name: 'order',
    columns: [
      { name: 'select', dataType: 'text', nullable: true },
      { name: 'j', dataType: 'json', nullable: true },
    ],
    writeDisposition: 'append',
  };
  const load = {
    loadId: 'l1',
    pipelineName: 'p',
    schemaName: 'notion',
    tables: [table],
    schemaVersionHash: 'h',
    schemaChanged: true,
    state: {},
    writtenTables: ['order'],
    replaceTables: [],
    final: true,
  };

  it('quotes identifiers by doubling embedded quotes', () => {
    expect(quoteIdent('order')).toBe('"order"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
  });

  it('validates its config when built', () => {
    expect(() => duckdb({ path: '' })).toThrow(ConfigError);
    expect(() => duckdb({ instance: {} as never })).toThrow(ConfigError);
  });

  it('defaults to <pipelineName>.duckdb in the working directory', () => {
    expect(duckdb().location({ pipelineName: 'notion_pipeline', datasetName: 'd' })).toBe(join(process.cwd(), 'notion_pipeline.duckdb'));
  });

  it('logs every statement, with every name quoted', async () => {
    const dir = await tempDir();
    const lines: string[] = [];
    const session = await duckdb({ path: join(dir, 'x.duckdb') }).open({ pipelineName: 'p', datasetName: 'group', log: (l) => lines.push(l) });
    try {
      await session.ensureSchema([table]);
      await session.write('order', recordBatchOf(table.columns, [{ select: 'x', j: '{}' }]));
      await session.commit(load);
    } finally {
      await session.close();
      await rm(dir, { recursive: true, force: true });
    }
    expect(lines).toContain('CREATE SCHEMA IF NOT EXISTS "x"."group"');
    expect(lines).toContain('CREATE TABLE IF NOT EXISTS "x"."group"."order" ("select" VARCHAR, "j" JSON)');
    expect(lines).toContain('BEGIN');
    expect(lines.some((l) => l.startsWith('INSERT INTO "x"."group"."_dlt_loads" ("load_id",'))).toBe(true);
    expect(lines.at(-1)).toBe('COMMIT');
    // No name appears unquoted in a statement (`--` lines are log comments, not SQL that runs).
    expect(lines.filter((l) => !l.startsWith('--') && /[ .(]order\b/.test(l.replaceAll('"order"', '')))).toEqual([]);
  });

  it('rolls the whole commit back and names the table when a row does not fit', async () => {
    const dir = await tempDir();
    const dest = duckdb({ path: join(dir, 'x.duckdb') });
    const session = await dest.open({ pipelineName: 'p', datasetName: 'd' });
    // A merge table is staged; the missing key only fails when the commit inserts it.
    const merged: TableSchema = { ...table, columns: [{ name: 'select', dataType: 'text', nullable: false }, table.columns[1]!], primaryKey: ['select'], writeDisposition: 'merge' };
    try {
      await session.ensureSchema([merged]);
      await session.write('order', recordBatchOf(merged.columns, [{ select: 'x', j: '{}' }, { select: null, j: '{}' }]));
      const error = await session.commit({ ...load, tables: [merged] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DestinationError);
      expect((error as DestinationError).table).toBe('order');
      expect(await session.readState('p')).toBeUndefined();
      const rows = await session.query!('SELECT count(*) AS n FROM "d"."order"');
      expect(rows.rows).toEqual([{ n: 0 }]);
      // The session recovers: the next unit commits.
      await session.rollback();
      await session.write('order', recordBatchOf(merged.columns, [{ select: 'y', j: '{}' }]));
      await session.commit({ ...load, tables: [merged], loadId: 'l2' });
      expect((await session.query!('SELECT "select" FROM "d"."order"')).rows).toEqual([{ select: 'y' }]);
    } finally {
      await session.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('re-applies DDL that a rollback undid', async () => {
    const dir = await tempDir();
    const session = await duckdb({ path: join(dir, 'x.duckdb') }).open({ pipelineName: 'p', datasetName: 'd' });
    const later: TableSchema = { name: 'later', columns: [{ name: 'v', dataType: 'bigint', nullable: true }], writeDisposition: 'append' };
    const widened: TableSchema = { ...table, columns: [...table.columns, { name: 'extra', dataType: 'bool', nullable: true }] };
    try {
      await session.ensureSchema([table]);
      await session.write('order', recordBatchOf(table.columns, [{ select: 'gone', j: '{}' }]));
      // Inside the open transaction: a new table and a new column, then the unit is rolled back.
      await session.ensureSchema([later, widened]);
      await session.rollback();
      await session.write('later', recordBatchOf(later.columns, [{ v: 7 }]));
      await session.write('order', recordBatchOf(widened.columns, [{ select: 'kept', j: '{}', extra: true }]));
      await session.commit({ ...load, tables: [widened, later], writtenTables: ['order', 'later'] });
      expect((await session.query!('SELECT * FROM "d"."order"')).rows).toEqual([{ select: 'kept', j: '{}', extra: true }]);
      expect((await session.query!('SELECT * FROM "d"."later"')).rows).toEqual([{ v: 7 }]);
    } finally {
      await session.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('works with a dataset named like the database file', async () => {
    const dir = await tempDir();
    const session = await duckdb({ path: join(dir, 'notion.duckdb') }).open({ pipelineName: 'p', datasetName: 'notion' });
    try {
      await session.ensureSchema([table]);
      await session.write('order', recordBatchOf(table.columns, [{ select: 'x', j: '{}' }]));
      await session.commit({ ...load, state: { ok: true } });
      expect((await session.readState('p'))?.state).toEqual({ ok: true });
    } finally {
      await session.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('appends text lists spanning several data chunks, from sliced batches, with items in blocks of more than 2,048', async () => {
    const dir = await tempDir();
    const session = await duckdb({ path: join(dir, 'x.duckdb') }).open({ pipelineName: 'p', datasetName: 'd' });
    const lists: TableSchema = { name: 'lists', columns: [{ name: 'n', dataType: 'bigint', nullable: false }, { name: 'l', dataType: 'text_list', nullable: true }], writeDisposition: 'append' };
    // Row n holds n % 7 items (none for every 11th row: a null list), every 5th item null, some longer than 12 bytes.
    const list = (n: number) => (n % 11 === 0 ? null : Array.from({ length: n % 7 }, (_, k) => ((n + k) % 5 === 0 ? null : k % 2 ? `item ${n}/${k} with a long tail` : `${n}.${k}`)));
    const rows = Array.from({ length: 6_000 }, (_, n) => ({ n, l: list(n) }));
    try {
      await session.ensureSchema([lists]);
      const batch = recordBatchOf(lists.columns, rows);
      // Slices that start mid-byte in both the list and the item bitmaps.
      await session.write('lists', batch.slice(0, 3));
      await session.write('lists', batch.slice(3, 4_100));
      await session.write('lists', batch.slice(4_100));
      // 200 rows of 150 items in one chunk: its child vector takes 30,000 items.
      const wide = Array.from({ length: 200 }, (_, i) => ({ n: 10_000 + i, l: Array.from({ length: 150 }, (_, k) => (k === i % 150 ? null : `w${i}.${k}`)) }));
      await session.write('lists', recordBatchOf(lists.columns, wide));
      await session.commit({ ...load, tables: [lists], writtenTables: ['lists'] });
      const got = (await session.query!('SELECT n, l FROM "d"."lists" ORDER BY n')).rows;
      expect(got).toEqual([...rows, ...wide]);
    } finally {
      await session.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns a query as an Arrow table, and the file reopens after close', async () => {
    const dir = await tempDir();
    const dest = duckdb({ path: join(dir, 'x.duckdb') });
    try {
      const first = await dest.open({ pipelineName: 'p', datasetName: 'd' });
      await first.ensureSchema([table]);
      await first.write('order', recordBatchOf(table.columns, [{ select: 'x', j: '{"a":1}' }, { select: null, j: null }]));
      await first.commit(load);
      await first.close();
      await first.close();
      const second = await dest.open({ pipelineName: 'p', datasetName: 'd' });
      const arrow = await second.queryArrow!('SELECT * FROM "d"."order" ORDER BY "select" NULLS LAST');
      await second.close();
      expect(arrow.numRows).toBe(2);
      expect(arrow.schema.fields.map((f) => f.name)).toEqual(['select', 'j']);
      expect(arrow.getChild('select')!.toArray()).toEqual(['x', null]);
      expect(arrow.getChild('j')!.get(0)).toBe('{"a":1}');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
