import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RecordBatch, Vector } from 'apache-arrow';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { Dataset, Relation } from '../../src/pipeline/dataset.js';
import { quoteIdentifier } from '../../src/schema/naming.js';
import type { Row } from '../../src/records.js';
import type { ColumnSchema, TableSchema, WriteDisposition } from '../../src/schema/table-schema.js';
import type { Destination, LoadCommit, OpenContext } from '../../destinations/destination.js';
import { DestinationError } from '../../destinations/errors.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';

/** What a destination's test file provides: a fresh, empty destination per test, and how to remove it. */
export interface ConformanceTarget {
  readonly destination: Destination;
  readonly cleanup: () => Promise<void>;
}

const col = (name: string, dataType: ColumnSchema['dataType'], nullable = true): ColumnSchema => ({ name, dataType, nullable });
const DLT = [col('_dlt_load_id', 'text', false), col('_dlt_id', 'text', false)];
const CHILD_DLT = [col('_dlt_parent_id', 'text', false), col('_dlt_list_idx', 'bigint', false), col('_dlt_root_id', 'text', false), ...DLT];

function parent(name: string, disposition: WriteDisposition, extra: ColumnSchema[] = []): TableSchema {
  return { name, columns: [col('id', 'text', false), col('title', 'text'), ...extra, ...DLT], primaryKey: ['id'], writeDisposition: disposition };
}
function child(name: string, parentName: string, disposition: WriteDisposition): TableSchema {
  return { name, parent: parentName, columns: [col('value', 'text'), ...CHILD_DLT], writeDisposition: disposition };
}

/** Rows of a root and its child table, with deterministic `_dlt_id`s as the normalizer makes them. */
function pageRows(loadId: string, pages: Record<string, string[]>, title = 't'): { roots: Row[]; children: Row[] } {
  const roots: Row[] = [];
  const children: Row[] = [];
  for (const [id, tags] of Object.entries(pages)) {
    roots.push({ id, title: `${title}-${id}`, _dlt_load_id: loadId, _dlt_id: `r-${id}` });
    tags.forEach((value, i) =>
      children.push({ value, _dlt_parent_id: `r-${id}`, _dlt_list_idx: i, _dlt_root_id: `r-${id}`, _dlt_load_id: loadId, _dlt_id: `c-${id}-${i}` }),
    );
  }
  return { roots, children };
}

const batchOf = (table: TableSchema, rows: Row[]): RecordBatch => recordBatchOf(table.columns, rows);

/** `text_list` values that must come back exactly: empty, null, null items, many items, unicode, array-literal and JSON syntax. */
const LISTS: readonly (readonly [string, readonly (string | null)[] | null])[] = [
  ['a', []],
  ['b', null],
  ['c', ['a']],
  ['d', ['x', null, 'y']],
  ['e', Array.from({ length: 150 }, (_, i) => `item ${i}`)],
  ['f', ['🚀 👩‍👩‍👧', 'עברית مرحبا', 'e\u0301 n\u0303', '你好']],
  ['g', ['{"a,b"}\\', '{"a,b"}\\\\', 'NULL', '', ' padded ', 'tab\tand\nnewline', "it's"]],
];

/** A root table with a `text_list` column. */
function listTable(name: string, disposition: WriteDisposition): TableSchema {
  return { name, columns: [col('id', 'text', false), col('tags', 'text_list'), ...DLT], primaryKey: ['id'], writeDisposition: disposition };
}

/** Rows of a {@link listTable}: each id with its list, or with `replace(list)`. */
function listRows(loadId: string, lists: typeof LISTS, replace?: (list: readonly (string | null)[] | null) => readonly (string | null)[] | null): Row[] {
  return lists.map(([id, tags]) => ({ id, tags: replace ? replace(tags) : tags, _dlt_load_id: loadId, _dlt_id: `r-${id}` }));
}

/**
 * The behaviour every destination must show, through the {@link Destination} interface only (wrapped
 * in `RuntimeSession`, as the pipeline does); data is checked with `session.query` when the destination
 * is `queryable`. Each destination's test file calls this once:
 *
 * ```ts
 * runConformanceSuite('duckdb', async () => ({ destination: duckdb({ path }), cleanup: async () => rm(path) }));
 * ```
 */
export function runConformanceSuite(name: string, makeDestination: () => Promise<ConformanceTarget>): void {
  describe(`destination conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let destination: Destination;
    const open: RuntimeSession[] = [];
    let loadSeq = 0;

    beforeEach(async () => {
      target = await makeDestination();
      destination = target.destination;
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      await target.cleanup();
    });

    /** A name quoted as the destination's dialect does (Snowflake folds it, BigQuery uses backticks); ANSI without a dialect. */
    const ident = (n: string): string => destination.dialect?.quoteIdent(n) ?? quoteIdentifier(destination.capabilities.caseSensitiveIdentifiers ? n : n.toUpperCase());

    async function session(ctx: Partial<OpenContext> = {}): Promise<RuntimeSession> {
      const s = new RuntimeSession(await destination.open({ pipelineName: 'conformance', datasetName: 'conformance_data', ...ctx }));
      open.push(s);
      return s;
    }

    function commitOf(tables: readonly TableSchema[], written: string[], extra: Partial<LoadCommit> = {}): LoadCommit {
      loadSeq++;
      return {
        loadId: `load-${loadSeq}`,
        pipelineName: 'conformance',
        schemaName: 'notion',
        tables,
        schemaVersionHash: `hash-${tables.map((t) => `${t.name}:${t.columns.length}`).join(',')}`,
        schemaChanged: true,
        state: { seq: loadSeq },
        writtenTables: written,
        replaceTables: [],
        final: true,
        ...extra,
      };
    }

    async function select(s: RuntimeSession, table: string, orderBy: string, dataset = 'conformance_data'): Promise<Record<string, unknown>[]> {
      return (await s.query(`SELECT * FROM ${ident(dataset)}.${ident(table)} ORDER BY ${ident(orderBy)}`)).rows as Record<string, unknown>[];
    }

    const queryable = (): boolean => destination.capabilities.queryable;
    /** Merge checks apply to destinations that declare `merge` (the others treat it as append, like dlt). */
    const merges = (): boolean => destination.capabilities.writeDispositions.includes('merge');
    /** Row deletes (`LoadCommit.deletes`) apply where rows can be merged; append-only files (filesystem) ignore them, as in dlt. */
    const deletes = (): boolean => merges();

    it('has frozen capabilities and a location without secrets', () => {
      expect(Object.isFrozen(destination.capabilities)).toBe(true);
      expect(destination.location({ pipelineName: 'conformance', datasetName: 'conformance_data' })).not.toMatch(/password|secret|token/i);
    });

    it('reads no state from a fresh destination', async () => {
      const s = await session();
      expect(await s.readState('conformance')).toBeUndefined();
    });

    it('creates tables, appends, and reads back the committed state and schema', async () => {
      const pages = parent('pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages]);
      const { roots } = pageRows('l1', { a: [], b: [] });
      await s.write('pages', batchOf(pages, roots));
      const load = commitOf([pages], ['pages'], { state: { cursor: '2024-01-01T00:00:00.000Z', nested: { n: 1, list: [1, 'x'] } } });
      await s.commit(load);
      if (queryable()) expect((await select(s, 'pages', 'id')).map((r) => r['id'])).toEqual(['a', 'b']);
      await s.close();

      const again = await session();
      const stored = await again.readState('conformance');
      expect(stored?.state).toEqual(load.state);
      expect(stored?.loadId).toBe(load.loadId);
      expect(stored?.schemaVersionHash).toBe(load.schemaVersionHash);
      expect(stored?.tables.map((t) => t.name)).toEqual(['pages']);
      expect(stored?.tables[0]!.columns).toEqual(pages.columns);
      if (queryable()) {
        const loads = await select(again, '_dlt_loads', 'load_id');
        expect(loads.map((r) => [r['load_id'], Number(r['status']), r['schema_name']])).toEqual([[load.loadId, 0, 'notion']]);
      }
    });

    it('keeps the newest state of several commits, and only the pipeline asked for', async () => {
      const s = await session();
      await s.readState('conformance');
      await s.commit(commitOf([], [], { state: { n: 1 } }));
      await s.commit(commitOf([], [], { state: { n: 2 }, schemaChanged: false }));
      await s.commit(commitOf([], [], { state: { other: true }, pipelineName: 'other_pipeline' }));
      expect((await s.readState('conformance'))?.state).toEqual({ n: 2 });
      expect((await s.readState('other_pipeline'))?.state).toEqual({ other: true });
      expect(await s.readState('nobody')).toBeUndefined();
    });

    it('evolves the schema: new columns and variant columns, null in older rows', async () => {
      const v1 = parent('pages', 'append', [col('x', 'bigint')]);
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([v1]);
      await s.write('pages', batchOf(v1, [{ id: 'a', x: 1, _dlt_load_id: 'l', _dlt_id: 'a' }]));
      await s.commit(commitOf([v1], ['pages']));
      const v2: TableSchema = { ...v1, columns: [...v1.columns, col('x__v_text', 'text'), col('added', 'bool')] };
      await s.ensureSchema([v2]);
      await s.ensureSchema([v2]); // idempotent
      await s.write('pages', batchOf(v2, [{ id: 'b', x__v_text: 'seven', added: true, _dlt_load_id: 'l', _dlt_id: 'b' }]));
      // A batch cut before the new columns existed still loads.
      await s.write('pages', batchOf(v1, [{ id: 'c', x: 3, _dlt_load_id: 'l', _dlt_id: 'c' }]));
      await s.commit(commitOf([v2], ['pages']));
      if (!queryable()) return;
      const rows = await select(s, 'pages', 'id');
      expect(rows.map((r) => [r['id'], r['x'], r['x__v_text'], r['added']])).toEqual([
        ['a', 1, null, null],
        ['b', null, 'seven', true],
        ['c', 3, null, null],
      ]);
    });

    it('round-trips every column type, nulls, unicode and a 1 MB text', async () => {
      const types: TableSchema = {
        name: 'typed',
        columns: [
          col('id', 'bigint', false),
          col('s', 'text'),
          col('n', 'bigint'),
          col('d', 'double'),
          col('b', 'bool'),
          col('ts', 'timestamp'),
          col('day', 'date'),
          col('j', 'json'),
        ],
        writeDisposition: 'append',
      };
      const big = 'ÿ€𝄞'.repeat(100_000) + 'x'.repeat(1 << 20);
      const rows: Row[] = [
        { id: 1, s: 'héllo wörld 🚀 你好', n: 9_007_199_254_740_991, d: 0.22089481364045982, b: true, ts: Date.UTC(2024, 4, 5, 6, 7, 8, 9), day: '2024-02-29', j: '{"a":[1,2,{"b":null}],"ü":"✓"}' },
        { id: 2, s: 'thirteen_byte', n: -42, d: -1e-7, b: false, ts: 0, day: '1970-01-01', j: '[]' },
        { id: 6, s: '', n: 2, d: 0, b: true, ts: 1, day: '2000-01-01', j: 'null' },
        { id: 3, s: null, n: null, d: null, b: null, ts: null, day: null, j: null },
        { id: 4, s: big, n: 0, d: 1.7976931348623157e308, b: true, ts: Date.UTC(1969, 11, 31, 23, 59, 59, 999), day: '1900-03-01', j: '"just a string"' },
        { id: 5, s: 'exactly12byt', n: 1, d: 3.5, b: false, ts: Date.UTC(2262, 0, 1), day: '9999-12-31', j: '{}' },
      ];
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([types]);
      await s.write('typed', batchOf(types, rows));
      await s.commit(commitOf([types], ['typed']));
      if (!queryable()) return;
      const got = await select(s, 'typed', 'id');
      const norm = (r: Record<string, unknown>) => ({
        id: Number(r['id']),
        s: r['s'],
        n: r['n'] === null ? null : Number(r['n']),
        d: r['d'],
        b: r['b'],
        ts: r['ts'] === null ? null : new Date(r['ts'] as string | Date).getTime(),
        day: r['day'] === null ? null : r['day'] instanceof Date ? (r['day'] as Date).toISOString().slice(0, 10) : String(r['day']).slice(0, 10),
        j: r['j'] === null ? null : typeof r['j'] === 'string' ? JSON.parse(r['j'] as string) : r['j'],
      });
      const expected = rows.map((r): Row => ({ ...r, j: r['j'] === null ? null : JSON.parse(r['j'] as string) }));
      expect(got.map(norm)).toEqual(expected.sort((x, y) => (x['id'] as number) - (y['id'] as number)));
    });

    /** Whether the destination stores lists itself (without, the pipeline sends it json columns instead). */
    const lists = (): boolean => destination.capabilities.supportedTypes.includes('text_list');
    /** A list as the destination gives it back: without `listsKeepNulls`, null items are gone and a NULL list is empty. */
    const stored = (list: readonly (string | null)[] | null): readonly (string | null)[] | null =>
      destination.capabilities.listsKeepNulls ? list : (list ?? []).filter((x) => x !== null);

    it('round-trips text_list columns exactly through append, replace and merge, as rows and as Arrow', async () => {
      if (!lists()) return;
      const dispositions = (['append', 'replace', 'merge'] as const).filter((d) => destination.capabilities.writeDispositions.includes(d));
      const s = await session();
      await s.readState('conformance');
      for (const d of dispositions) {
        const t = listTable(`lists_${d}`, d);
        await s.ensureSchema([t]);
        const replaceTables = d === 'replace' ? [t.name] : [];
        if (d !== 'append') {
          // What the second commit must replace (replace) or overwrite by key (merge): other lists, one id more.
          await s.write(t.name, batchOf(t, [...listRows('l1', LISTS, (l) => (l === null ? ['was null'] : l.length === 0 ? null : [...l].reverse())), { id: 'z', tags: ['gone'], _dlt_load_id: 'l1', _dlt_id: 'r-z' }]));
          await s.commit(commitOf([t], [t.name], { replaceTables }));
        }
        // Two batches; a merge stages every key twice, and the last staged row wins.
        if (d === 'merge') await s.write(t.name, batchOf(t, listRows('l2', LISTS, () => ['stale'])));
        await s.write(t.name, batchOf(t, listRows('l2', LISTS.slice(0, 3))));
        await s.write(t.name, batchOf(t, listRows('l2', LISTS.slice(3))));
        await s.commit(commitOf([t], [t.name], { replaceTables }));
      }
      if (!queryable()) return;
      const expected = (d: WriteDisposition) => [...LISTS.map(([id, tags]) => [id, stored(tags)]), ...(d === 'merge' ? [['z', ['gone']]] : [])];
      for (const d of dispositions) {
        expect({ [d]: (await select(s, `lists_${d}`, 'id')).map((r) => [r['id'], r['tags']]) }).toEqual({ [d]: expected(d) });
      }
      await s.close();

      // What `dataset().table(x).rows()` and `.toArrow()` return.
      const raw = await destination.open({ pipelineName: 'conformance', datasetName: 'conformance_data' });
      const arrow = raw.queryArrow !== undefined;
      await raw.close();
      const ds = new Dataset(destination, 'conformance', 'conformance_data');
      for (const d of dispositions) {
        const relation = new Relation(ds, `SELECT ${ident('id')}, ${ident('tags')} FROM ${ident('conformance_data')}.${ident(`lists_${d}`)} ORDER BY ${ident('id')}`);
        const rows = await relation.rows();
        expect({ [d]: rows.map((r) => [r['id'], r['tags']]) }).toEqual({ [d]: expected(d) });
        if (!arrow) continue;
        const table = await relation.toArrow();
        const tags = table.getChild('tags')!;
        expect({ [d]: [...Array(table.numRows).keys()].map((i) => [table.getChild('id')!.get(i), (tags.get(i) as Vector | null)?.toArray() ?? null]) }).toEqual({ [d]: expected(d) });
      }
    });

    it('re-opens a table declared with a text_list column without adding a column, and keeps loading lists into it', async () => {
      if (!lists()) return;
      const t = listTable('listed', merges() ? 'merge' : 'append');
      const first = await session();
      await first.readState('conformance');
      await first.ensureSchema([t]);
      await first.write(t.name, batchOf(t, listRows('l1', LISTS.slice(0, 4))));
      await first.commit(commitOf([t], [t.name]));
      await first.close();

      const again = await session();
      expect((await again.readState('conformance'))?.tables).toEqual([t]);
      await again.ensureSchema([t]);
      await again.write(t.name, batchOf(t, listRows('l2', LISTS.slice(4))));
      await again.commit(commitOf([t], [t.name], { schemaChanged: false }));
      if (!queryable()) return;
      const result = await again.query(`SELECT * FROM ${ident('conformance_data')}.${ident(t.name)} ORDER BY ${ident('id')}`);
      expect(result.columns.map((c) => c.toLowerCase())).toEqual(t.columns.map((c) => c.name));
      expect(result.rows.map((r) => [r['id'], r['tags']])).toEqual(LISTS.map(([id, tags]) => [id, stored(tags)]));
    });

    it('replaces a table and its children on a replace load', async () => {
      const pages = parent('pages', 'replace');
      const tags = child('pages__tags', 'pages', 'replace');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages, tags]);
      const first = pageRows('l1', { a: ['x', 'y'], b: ['z'] });
      await s.write('pages', batchOf(pages, first.roots));
      await s.write('pages__tags', batchOf(tags, first.children));
      await s.commit(commitOf([pages, tags], ['pages', 'pages__tags'], { replaceTables: ['pages'] }));
      const second = pageRows('l2', { c: [] });
      await s.write('pages', batchOf(pages, second.roots));
      await s.commit(commitOf([pages, tags], ['pages'], { replaceTables: ['pages'] }));
      if (!queryable()) return;
      expect((await select(s, 'pages', 'id')).map((r) => r['id'])).toEqual(['c']);
      expect(await select(s, 'pages__tags', '_dlt_id')).toEqual([]);
    });

    it('merges by primary key, replaces child rows (also when a list shrank to nothing), keeps the last staged row', async () => {
      if (!merges()) return;
      const pages = parent('pages', 'merge');
      const tags = child('pages__tags', 'pages', 'merge');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages, tags]);
      const first = pageRows('l1', { a: ['x', 'y', 'z'], b: ['w'], c: ['v'] }, 'old');
      await s.write('pages', batchOf(pages, first.roots));
      await s.write('pages__tags', batchOf(tags, first.children));
      await s.commit(commitOf([pages, tags], ['pages', 'pages__tags']));

      // a: three tags → one; b: one tag → none (no child rows staged at all for b); a staged twice.
      const stale = pageRows('l2', { a: ['stale'] }, 'stale');
      const second = pageRows('l2', { a: ['x2'], b: [] }, 'new');
      await s.write('pages', batchOf(pages, stale.roots));
      await s.write('pages', batchOf(pages, second.roots));
      await s.write('pages__tags', batchOf(tags, second.children));
      await s.commit(commitOf([pages, tags], ['pages', 'pages__tags']));
      // A commit where only the root was written still clears the merged root's children.
      const third = pageRows('l3', { c: [] }, 'newer');
      await s.write('pages', batchOf(pages, third.roots));
      await s.commit(commitOf([pages, tags], ['pages']));
      if (!queryable()) return;
      expect((await select(s, 'pages', 'id')).map((r) => [r['id'], r['title']])).toEqual([
        ['a', 'new-a'],
        ['b', 'new-b'],
        ['c', 'newer-c'],
      ]);
      expect((await select(s, 'pages__tags', '_dlt_id')).map((r) => [r['_dlt_root_id'], r['value']])).toEqual([['r-a', 'x2']]);
    });

    it('applies deletes before the unit\'s own rows (a block tree replaced in an append table)', async () => {
      if (!deletes()) return;
      const pages = parent('pages', 'append');
      const tags = child('pages__tags', 'pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages, tags]);
      const first = pageRows('l1', { a: ['x', 'y'], b: ['z'] }, 'old');
      await s.write('pages', batchOf(pages, first.roots));
      await s.write('pages__tags', batchOf(tags, first.children));
      await s.commit(commitOf([pages, tags], ['pages', 'pages__tags']));
      // Page a again, with one tag: its old rows go, its new rows (same ids) stay, page b is untouched.
      const second = pageRows('l2', { a: ['x'] }, 'new');
      await s.write('pages', batchOf(pages, second.roots));
      await s.write('pages__tags', batchOf(tags, second.children));
      await s.commit(commitOf([pages, tags], ['pages', 'pages__tags'], { deletes: [{ table: 'pages', column: 'id', values: ['a'] }] }));
      if (!queryable()) return;
      expect((await select(s, 'pages', 'id')).map((r) => [r['id'], r['title']])).toEqual([
        ['a', 'new-a'],
        ['b', 'old-b'],
      ]);
      expect((await select(s, 'pages__tags', '_dlt_id')).map((r) => [r['_dlt_id'], r['value']])).toEqual([
        ['c-a-0', 'x'],
        ['c-b-0', 'z'],
      ]);
    });

    it('is idempotent when the same merge load is committed twice', async () => {
      if (!merges()) return;
      const pages = parent('pages', 'merge');
      const tags = child('pages__tags', 'pages', 'merge');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages, tags]);
      const rows = pageRows('l1', { a: ['x', 'y'], b: ['z'] });
      for (let i = 0; i < 2; i++) {
        await s.write('pages', batchOf(pages, rows.roots));
        await s.write('pages__tags', batchOf(tags, rows.children));
        await s.commit(commitOf([pages, tags], ['pages', 'pages__tags'], { loadId: 'same-load' }));
      }
      if (!queryable()) return;
      expect((await select(s, 'pages', 'id')).length).toBe(2);
      expect((await select(s, 'pages__tags', '_dlt_id')).length).toBe(3);
      expect((await select(s, '_dlt_loads', 'load_id')).length).toBe(1);
    });

    /** `pages` and `blocks` (merged by id where the destination merges, as the Notion source loads them); blocks with a child and a grandchild. */
    function treeTables(): TableSchema[] {
      const d: WriteDisposition = merges() ? 'merge' : 'append';
      const blockTagParts: TableSchema = { name: 'blocks__tags__parts', parent: 'blocks__tags', columns: [col('part', 'text'), ...CHILD_DLT], writeDisposition: d };
      return [parent('pages', d), parent('blocks', d, [col('page_id', 'text')]), child('blocks__tags', 'blocks', d), blockTagParts];
    }

    /** Blocks of pages (`{ page: { block: tags } }`), each tag with one part row. */
    function blockRows(loadId: string, pages: Record<string, Record<string, string[]>>, title = 't'): { blocks: Row[]; tags: Row[]; parts: Row[] } {
      const blocks: Row[] = [];
      const tags: Row[] = [];
      const parts: Row[] = [];
      for (const [page, byBlock] of Object.entries(pages)) {
        for (const [id, values] of Object.entries(byBlock)) {
          blocks.push({ id, title: `${title}-${id}`, page_id: page, _dlt_load_id: loadId, _dlt_id: `r-${id}` });
          values.forEach((value, i) => {
            tags.push({ value, _dlt_parent_id: `r-${id}`, _dlt_list_idx: i, _dlt_root_id: `r-${id}`, _dlt_load_id: loadId, _dlt_id: `c-${id}-${i}` });
            parts.push({ part: `${value}.0`, _dlt_parent_id: `c-${id}-${i}`, _dlt_list_idx: 0, _dlt_root_id: `r-${id}`, _dlt_load_id: loadId, _dlt_id: `g-${id}-${i}` });
          });
        }
      }
      return { blocks, tags, parts };
    }

    async function writeBlocks(s: RuntimeSession, tables: TableSchema[], rows: { blocks: Row[]; tags: Row[]; parts: Row[] }): Promise<void> {
      await s.write('blocks', batchOf(tables[1]!, rows.blocks));
      if (rows.tags.length > 0) await s.write('blocks__tags', batchOf(tables[2]!, rows.tags));
      if (rows.parts.length > 0) await s.write('blocks__tags__parts', batchOf(tables[3]!, rows.parts));
    }

    it('applies deletes to a root table and its descendants, leaving other rows; deletes on a missing table are a no-op', async () => {
      const tables = treeTables();
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema(tables);
      await writeBlocks(s, tables, blockRows('l1', { p1: { b1: ['x', 'y'], b2: ['z'] }, p2: { b3: ['w'] }, p3: { b4: [] } }));
      await s.commit(commitOf(tables, ['blocks', 'blocks__tags', 'blocks__tags__parts']));
      await s.commit(
        commitOf(tables, [], {
          deletes: [
            { table: 'blocks', column: 'page_id', values: ['p1', 'p3', 'no-such-page'] },
            { table: 'no_such_table', column: 'page_id', values: ['p2'] },
            { table: 'blocks', column: 'page_id', values: [] },
          ],
          state: { after: 'deletes' },
        }),
      );
      expect((await s.readState('conformance'))?.state).toEqual({ after: 'deletes' });
      if (!queryable()) return;
      const ids = async (table: string) => (await select(s, table, '_dlt_id')).map((r) => r['_dlt_id']);
      if (!deletes()) {
        // The deletes are ignored: every row stays.
        expect(await ids('blocks')).toEqual(['r-b1', 'r-b2', 'r-b3', 'r-b4']);
        return;
      }
      expect(await ids('blocks')).toEqual(['r-b3']);
      expect(await ids('blocks__tags')).toEqual(['c-b3-0']);
      expect(await ids('blocks__tags__parts')).toEqual(['g-b3-0']);
    });

    it('applies deletes before the staged rows of the same commit: a replaced tree keeps only its new rows', async () => {
      if (!deletes()) return;
      const tables = treeTables();
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema(tables);
      await writeBlocks(s, tables, blockRows('l1', { p1: { b1: ['x', 'y'], b2: ['z'] }, p2: { b3: ['w'] } }, 'old'));
      await s.commit(commitOf(tables, ['blocks', 'blocks__tags', 'blocks__tags__parts']));
      // p1's tree is fetched again: b1 kept (one tag now, same key), b2 gone, b5 new.
      await writeBlocks(s, tables, blockRows('l2', { p1: { b1: ['x2'], b5: ['v'] } }, 'new'));
      await s.commit(commitOf(tables, ['blocks', 'blocks__tags', 'blocks__tags__parts'], { deletes: [{ table: 'blocks', column: 'page_id', values: ['p1'] }] }));
      if (!queryable()) return;
      expect((await select(s, 'blocks', 'id')).map((r) => [r['id'], r['title'], r['page_id']])).toEqual([
        ['b1', 'new-b1', 'p1'],
        ['b3', 'old-b3', 'p2'],
        ['b5', 'new-b5', 'p1'],
      ]);
      expect((await select(s, 'blocks__tags', '_dlt_id')).map((r) => [r['_dlt_id'], r['value']])).toEqual([
        ['c-b1-0', 'x2'],
        ['c-b3-0', 'w'],
        ['c-b5-0', 'v'],
      ]);
      expect((await select(s, 'blocks__tags__parts', '_dlt_id')).map((r) => r['part'])).toEqual(['x2.0', 'w.0', 'v.0']);
    });

    it('commits one load in three units: every unit visible, one state row (the last unit\'s), status 0 only after the final unit', async () => {
      const pages = parent('pages', merges() ? 'merge' : 'append');
      const tags = child('pages__tags', 'pages', pages.writeDisposition);
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages, tags]);
      const loadId = 'load-in-units';
      const units: Record<string, string[]>[] = [{ a: ['x'] }, { b: ['y', 'z'] }, { c: [] }];
      for (const [i, unit] of units.entries()) {
        const rows = pageRows(loadId, unit);
        await s.write('pages', batchOf(pages, rows.roots));
        if (rows.children.length > 0) await s.write('pages__tags', batchOf(tags, rows.children));
        const final = i === units.length - 1;
        await s.commit(commitOf([pages, tags], ['pages', 'pages__tags'], { loadId, state: { unit: i + 1 }, final, schemaChanged: i === 0 }));
        expect((await s.readState('conformance'))?.state).toEqual({ unit: i + 1 });
        if (!queryable()) continue;
        const loads = await select(s, '_dlt_loads', 'load_id');
        expect(loads.map((r) => [r['load_id'], Number(r['status'])])).toEqual([[loadId, final ? 0 : 1]]);
        const states = await select(s, '_dlt_pipeline_state', 'version');
        expect(states.map((r) => [r['_dlt_load_id'], JSON.parse(String(r['state']))])).toEqual([[loadId, { unit: i + 1 }]]);
      }
      await s.close();

      const again = await session();
      const stored = await again.readState('conformance');
      expect(stored?.state).toEqual({ unit: 3 });
      expect(stored?.loadId).toBe(loadId);
      if (!queryable()) return;
      expect((await select(again, 'pages', 'id')).map((r) => r['id'])).toEqual(['a', 'b', 'c']);
      expect((await select(again, 'pages__tags', '_dlt_id')).map((r) => r['value'])).toEqual(['x', 'y', 'z']);
    });

    it('makes nothing visible after a rollback, and the next unit commits only its own rows', async () => {
      const pages = parent('pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages]);
      await s.write('pages', batchOf(pages, pageRows('l1', { a: [] }).roots));
      await s.rollback();
      await s.write('pages', batchOf(pages, pageRows('l1', { b: [] }).roots));
      await s.commit(commitOf([pages], ['pages'], { state: { after: 'rollback' } }));
      if (queryable()) expect((await select(s, 'pages', 'id')).map((r) => r['id'])).toEqual(['b']);
      expect((await s.readState('conformance'))?.state).toEqual({ after: 'rollback' });
    });

    it('makes nothing visible when a session closes without commit', async () => {
      const pages = parent('pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages]);
      await s.write('pages', batchOf(pages, pageRows('l1', { a: [] }).roots));
      await s.commit(commitOf([pages], ['pages'], { state: { committed: 1 } }));
      await s.write('pages', batchOf(pages, pageRows('l2', { b: [] }).roots));
      await s.close();

      const after = await session();
      expect((await after.readState('conformance'))?.state).toEqual({ committed: 1 });
      if (queryable()) expect((await select(after, 'pages', 'id')).map((r) => r['id'])).toEqual(['a']);
    });

    it('quotes every identifier: SQL keywords, digits and long names as dataset, table and column names', async () => {
      const long = `t${'_x'.repeat(Math.floor((Math.min(destination.capabilities.maxIdentifierLength, 63) - 1) / 2))}`;
      const tables: TableSchema[] = [
        { name: 'order', columns: [col('select', 'text'), col('from', 'bigint'), col('group', 'bool'), col('1st', 'text'), col(long, 'text')], writeDisposition: 'append' },
        { name: 'select', columns: [col('table', 'text'), col('user', 'text')], writeDisposition: 'append' },
        { name: long, columns: [col('where', 'text')], writeDisposition: 'append' },
      ];
      const s = await session({ datasetName: 'select' });
      await s.readState('conformance');
      await s.ensureSchema(tables);
      await s.write('order', batchOf(tables[0]!, [{ select: "Robert'); DROP TABLE students;--", from: 1, group: true, '1st': 'a"b', [long]: 'long' }]));
      await s.write('select', batchOf(tables[1]!, [{ table: 'x', user: 'y' }]));
      await s.write(long, batchOf(tables[2]!, [{ where: 'here' }]));
      await s.commit(commitOf(tables, ['order', 'select', long]));
      expect((await s.readState('conformance'))?.tables.map((t) => t.name)).toEqual(['order', 'select', long]);
      if (!queryable()) return;
      expect(await select(s, 'order', 'from', 'select')).toEqual([{ select: "Robert'); DROP TABLE students;--", from: 1, group: true, '1st': 'a"b', [long]: 'long' }]);
      expect(await select(s, 'select', 'table', 'select')).toEqual([{ table: 'x', user: 'y' }]);
      expect(await select(s, long, 'where', 'select')).toEqual([{ where: 'here' }]);
    });

    it('answers queries with column names and plain values', async () => {
      if (!queryable()) return;
      const s = await session();
      await s.readState('conformance');
      const result = await s.query(`SELECT 1 AS ${ident('one')}, 'x' AS ${ident('two')}`);
      expect(result.columns.map((c) => c.toLowerCase())).toEqual(['one', 'two']);
      expect(result.rows.map((r) => Object.values(r))).toEqual([[1, 'x']]);
    });

    it('refuses anything but a read in a read-only session (dataset().sql()), and the table survives', async () => {
      if (!queryable()) return;
      const pages = parent('pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages]);
      await s.write('pages', batchOf(pages, pageRows('l1', { a: [], b: [] }).roots));
      await s.commit(commitOf([pages], ['pages']));
      await s.close();
      const table = `${ident('conformance_data')}.${ident('pages')}`;
      const reader = await session({ readOnly: true });
      const created = `${ident('conformance_data')}.${ident('created')}`;
      for (const write of [`DROP TABLE ${table}`, `DELETE FROM ${table}`, `CREATE TABLE ${created} AS SELECT 1 AS ${ident('one')}`, `SELECT 1 AS ${ident('one')}; DROP TABLE ${table}`]) {
        await expect(reader.query(write)).rejects.toBeInstanceOf(DestinationError);
      }
      expect(await select(reader, 'pages', 'id')).toHaveLength(2);
      const ds = new Dataset(destination, 'conformance', 'conformance_data');
      await expect(ds.sql(`DROP TABLE ${table}`)).rejects.toThrow(DestinationError);
      expect(await ds.table('pages').count()).toBe(2);
    });
  });
}
