import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RecordBatch, Vector } from 'apache-arrow';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import { Dataset, Relation } from '../../src/pipeline/dataset.js';
import { quoteIdentifier } from '../../src/schema/naming.js';
import type { Row } from '../../src/records.js';
import type { ColumnSchema, TableSchema, WriteDisposition } from '../../src/schema/table-schema.js';
import type { Destination, DestinationCapabilities, LoadCommit, OpenContext, StoredState } from '../../destinations/destination.js';
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

/** A capability a check needs. A destination without it declares the check skipped, naming it in the title. */
export type ConformanceNeed = 'queryable' | 'merge' | 'replace' | 'applies deletes' | 'ignores deletes' | 'text_list';

const HAS: Readonly<Record<ConformanceNeed, (c: DestinationCapabilities) => boolean>> = {
  queryable: (c) => c.queryable,
  merge: (c) => c.writeDispositions.includes('merge'),
  replace: (c) => c.writeDispositions.includes('replace'),
  'applies deletes': (c) => c.appliesDeletes,
  'ignores deletes': (c) => !c.appliesDeletes,
  'text_list': (c) => c.supportedTypes.includes('text_list'),
};
const LACKS: Readonly<Record<ConformanceNeed, string>> = {
  queryable: 'not queryable',
  merge: 'no merge',
  replace: 'no replace',
  'applies deletes': 'applies no deletes',
  'ignores deletes': 'applies deletes',
  'text_list': 'no text_list',
};

/**
 * The title a check is declared with for a destination of `capabilities`: as given when it has every
 * capability the check `needs`, else with `[skipped: …]` naming what it lacks (and the check is `it.skip`).
 */
function conformanceTitle(title: string, needs: readonly ConformanceNeed[], capabilities: DestinationCapabilities): { readonly title: string; readonly skipped: boolean } {
  const lacking = needs.filter((n) => !HAS[n](capabilities)).map((n) => LACKS[n]);
  return lacking.length === 0 ? { title, skipped: false } : { title: `${title} [skipped: ${lacking.join(', ')}]`, skipped: true };
}

/**
 * The behaviour every destination must show, through the {@link Destination} interface only (wrapped in
 * `RuntimeSession`, as the pipeline does). Each destination's test file calls it once per configuration:
 *
 * ```ts
 * runConformanceSuite('duckdb', DUCKDB_CAPABILITIES, async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'nf-'));
 *   return { destination: duckdb({ path: join(dir, 'test.duckdb') }), cleanup: () => rm(dir, { recursive: true, force: true }) };
 * });
 * ```
 *
 * - `capabilities`: the capabilities of the destinations `makeDestination` makes (its exported constant, or
 *   `someDestination(config).capabilities`: building one opens nothing). They are needed when the tests are
 *   declared, before any server a `beforeAll` starts is up; each test checks that the destination it got
 *   has exactly these.
 * - `makeDestination`: a fresh, empty destination per test (called in `beforeEach`), and how to remove it.
 *
 * Which checks run follows from the capabilities, decided when they are declared, never by returning early:
 * data is read back with `session.query`, so those checks need `queryable`; merge, replace, row-delete and
 * `text_list` checks need those capabilities (see {@link ConformanceNeed}). A check a destination cannot
 * run is declared with `it.skip` and a title ending `[skipped: not queryable]` (or `no merge`, `no replace`,
 * `applies no deletes`, `applies deletes`, `no text_list`), so the report lists what was not verified.
 */
export function runConformanceSuite(name: string, capabilities: DestinationCapabilities, makeDestination: () => Promise<ConformanceTarget>): void {
  describe(`destination conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let destination: Destination;
    const open: RuntimeSession[] = [];
    let loadSeq = 0;

    beforeEach(async () => {
      target = await makeDestination();
      destination = target.destination;
      // The checks were chosen by the declared capabilities: they must be the destination's own.
      expect(destination.capabilities).toEqual(capabilities);
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      await target.cleanup();
    });

    /** Declare a check: run when the destination has every capability it `needs`, else skipped with a title naming what is missing. */
    function check(title: string, needs: readonly ConformanceNeed[], fn: () => Promise<void> | void): void {
      const declared = conformanceTitle(title, needs, capabilities);
      (declared.skipped ? it.skip : it)(declared.title, fn);
    }

    /** A name quoted as the destination's dialect does (Snowflake folds it, BigQuery uses backticks); ANSI without a dialect. */
    const ident = (n: string): string => destination.dialect?.quoteIdent(n) ?? quoteIdentifier(capabilities.caseSensitiveIdentifiers ? n : n.toUpperCase());

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

    /** Merged by key where the destination merges (as the Notion source loads its tables), else appended. */
    const keyed = (): WriteDisposition => (HAS.merge(capabilities) ? 'merge' : 'append');

    check('has frozen capabilities and a location without secrets', [], () => {
      expect(Object.isFrozen(destination.capabilities)).toBe(true);
      expect(destination.location({ pipelineName: 'conformance', datasetName: 'conformance_data' })).not.toMatch(/password|secret|token/i);
    });

    check('reads no state from a fresh destination', [], async () => {
      const s = await session();
      expect(await s.readState('conformance')).toBeUndefined();
    });

    /** One append load of pages a and b, committed with a nested state; the session is closed. */
    async function appendPages(): Promise<{ pages: TableSchema; load: LoadCommit }> {
      const pages = parent('pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages]);
      await s.write('pages', batchOf(pages, pageRows('l1', { a: [], b: [] }).roots));
      const load = commitOf([pages], ['pages'], { state: { cursor: '2024-01-01T00:00:00.000Z', nested: { n: 1, list: [1, 'x'] } } });
      await s.commit(load);
      await s.close();
      return { pages, load };
    }

    check('creates tables, appends, and reads back the committed state and schema in a new session', [], async () => {
      const { pages, load } = await appendPages();
      const stored = await (await session()).readState('conformance');
      expect(stored?.state).toEqual(load.state);
      expect(stored?.loadId).toBe(load.loadId);
      expect(stored?.schemaVersionHash).toBe(load.schemaVersionHash);
      expect(stored?.tables.map((t) => t.name)).toEqual(['pages']);
      expect(stored?.tables[0]!.columns).toEqual(pages.columns);
    });

    check('shows the appended rows and one complete _dlt_loads row after the commit', ['queryable'], async () => {
      const { load } = await appendPages();
      const again = await session();
      expect((await select(again, 'pages', 'id')).map((r) => r['id'])).toEqual(['a', 'b']);
      const loads = await select(again, '_dlt_loads', 'load_id');
      expect(loads.map((r) => [r['load_id'], Number(r['status']), r['schema_name']])).toEqual([[load.loadId, 0, 'notion']]);
    });

    check('keeps the newest state of several commits, and only the pipeline asked for', [], async () => {
      const s = await session();
      await s.readState('conformance');
      await s.commit(commitOf([], [], { state: { n: 1 } }));
      await s.commit(commitOf([], [], { state: { n: 2 }, schemaChanged: false }));
      await s.commit(commitOf([], [], { state: { other: true }, pipelineName: 'other_pipeline' }));
      expect((await s.readState('conformance'))?.state).toEqual({ n: 2 });
      expect((await s.readState('other_pipeline'))?.state).toEqual({ other: true });
      expect(await s.readState('nobody')).toBeUndefined();
    });

    /** Pages with x (bigint), then a variant and a new column; the last batch is one cut before they existed. */
    async function evolve(): Promise<{ s: RuntimeSession; v2: TableSchema }> {
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
      return { s, v2 };
    }

    check('evolves the schema: new and variant columns (ensureSchema twice), a batch cut before them, the evolved schema stored', [], async () => {
      const { v2 } = await evolve();
      expect((await (await session()).readState('conformance'))?.tables).toEqual([v2]);
    });

    check('evolves the schema: the new columns are null in older rows, older columns null in newer ones', ['queryable'], async () => {
      const { s } = await evolve();
      const rows = await select(s, 'pages', 'id');
      expect(rows.map((r) => [r['id'], r['x'], r['x__v_text'], r['added']])).toEqual([
        ['a', 1, null, null],
        ['b', null, 'seven', true],
        ['c', 3, null, null],
      ]);
    });

    const TYPES: TableSchema = {
      name: 'typed',
      columns: [col('id', 'bigint', false), col('s', 'text'), col('n', 'bigint'), col('d', 'double'), col('b', 'bool'), col('ts', 'timestamp'), col('day', 'date'), col('j', 'json')],
      writeDisposition: 'append',
    };
    const TYPED_ROWS: readonly Row[] = [
      { id: 1, s: 'héllo wörld 🚀 你好', n: 9_007_199_254_740_991, d: 0.22089481364045982, b: true, ts: Date.UTC(2024, 4, 5, 6, 7, 8, 9), day: '2024-02-29', j: '{"a":[1,2,{"b":null}],"ü":"✓"}' },
      { id: 2, s: 'thirteen_byte', n: -42, d: -1e-7, b: false, ts: 0, day: '1970-01-01', j: '[]' },
      { id: 6, s: '', n: 2, d: 0, b: true, ts: 1, day: '2000-01-01', j: 'null' },
      { id: 3, s: null, n: null, d: null, b: null, ts: null, day: null, j: null },
      { id: 4, s: 'ÿ€𝄞'.repeat(100_000) + 'x'.repeat(1 << 20), n: 0, d: 1.7976931348623157e308, b: true, ts: Date.UTC(1969, 11, 31, 23, 59, 59, 999), day: '1900-03-01', j: '"just a string"' },
      { id: 5, s: 'exactly12byt', n: 1, d: 3.5, b: false, ts: Date.UTC(2262, 0, 1), day: '9999-12-31', j: '{}' },
    ];

    async function writeTypes(): Promise<RuntimeSession> {
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([TYPES]);
      await s.write('typed', batchOf(TYPES, [...TYPED_ROWS]));
      await s.commit(commitOf([TYPES], ['typed'], { state: { typed: true } }));
      return s;
    }

    check('accepts every column type, nulls, unicode and a 1 MB text in one batch, and commits it', [], async () => {
      const s = await writeTypes();
      const stored = await s.readState('conformance');
      expect(stored?.state).toEqual({ typed: true });
      expect(stored?.tables).toEqual([TYPES]);
    });

    check('round-trips every column type, nulls, unicode and a 1 MB text', ['queryable'], async () => {
      const s = await writeTypes();
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
      // Text beyond the destination's limit comes back cut to the whole characters that fit (capabilities.maxTextBytes).
      const cutToFit = (text: unknown) => {
        if (typeof text !== 'string' || !Number.isFinite(destination.capabilities.maxTextBytes)) return text;
        let out = '';
        let bytes = 0;
        for (const ch of text) {
          bytes += new TextEncoder().encode(ch).length;
          if (bytes > destination.capabilities.maxTextBytes) break;
          out += ch;
        }
        return out;
      };
      const expected = TYPED_ROWS.map((r): Row => ({ ...r, s: cutToFit(r['s']), j: r['j'] === null ? null : JSON.parse(r['j'] as string) }));
      expect(got.map(norm)).toEqual(expected.sort((x, y) => (x['id'] as number) - (y['id'] as number)));
    });

    /** A list as the destination gives it back: without `listsKeepNulls`, null items are gone and a NULL list is empty. */
    const stored = (list: readonly (string | null)[] | null): readonly (string | null)[] | null => (capabilities.listsKeepNulls ? list : (list ?? []).filter((x) => x !== null));

    /** The write dispositions the destination declares, of append, replace and merge. */
    const dispositions = (): WriteDisposition[] => (['append', 'replace', 'merge'] as const).filter((d) => capabilities.writeDispositions.includes(d));

    /** A `lists_<disposition>` table per declared disposition: for replace and merge, a first load the second must replace or overwrite. */
    async function writeLists(): Promise<{ s: RuntimeSession; tables: TableSchema[] }> {
      const s = await session();
      await s.readState('conformance');
      const tables: TableSchema[] = [];
      for (const d of dispositions()) {
        const t = listTable(`lists_${d}`, d);
        tables.push(t);
        await s.ensureSchema([t]);
        const replaceTables = d === 'replace' ? [t.name] : [];
        if (d !== 'append') {
          // What the second commit must replace (replace) or overwrite by key (merge): other lists, one id more.
          await s.write(t.name, batchOf(t, [...listRows('l1', LISTS, (l) => (l === null ? ['was null'] : l.length === 0 ? null : [...l].reverse())), { id: 'z', tags: ['gone'], _dlt_load_id: 'l1', _dlt_id: 'r-z' }]));
          await s.commit(commitOf(tables, [t.name], { replaceTables }));
        }
        // Two batches; a merge stages every key twice, and the last staged row wins.
        if (d === 'merge') await s.write(t.name, batchOf(t, listRows('l2', LISTS, () => ['stale'])));
        await s.write(t.name, batchOf(t, listRows('l2', LISTS.slice(0, 3))));
        await s.write(t.name, batchOf(t, listRows('l2', LISTS.slice(3))));
        await s.commit(commitOf(tables, [t.name], { replaceTables }));
      }
      return { s, tables };
    }

    check('writes text_list columns (empty, null, long, unicode lists) with every write disposition it declares, and stores their schema', ['text_list'], async () => {
      const { s, tables } = await writeLists();
      expect((await s.readState('conformance'))?.tables).toEqual(tables);
    });

    check('round-trips text_list columns exactly through append, replace and merge, as rows and as Arrow', ['text_list', 'queryable'], async () => {
      const { s } = await writeLists();
      const expected = (d: WriteDisposition) => [...LISTS.map(([id, tags]) => [id, stored(tags)]), ...(d === 'merge' ? [['z', ['gone']]] : [])];
      for (const d of dispositions()) {
        expect({ [d]: (await select(s, `lists_${d}`, 'id')).map((r) => [r['id'], r['tags']]) }).toEqual({ [d]: expected(d) });
      }
      await s.close();

      // What `dataset().table(x).rows()` and `.toArrow()` return.
      const raw = await destination.open({ pipelineName: 'conformance', datasetName: 'conformance_data' });
      const arrow = raw.queryArrow !== undefined;
      await raw.close();
      const ds = new Dataset(destination, 'conformance', 'conformance_data');
      for (const d of dispositions()) {
        const relation = new Relation(ds, `SELECT ${ident('id')}, ${ident('tags')} FROM ${ident('conformance_data')}.${ident(`lists_${d}`)} ORDER BY ${ident('id')}`);
        const rows = await relation.rows();
        expect({ [d]: rows.map((r) => [r['id'], r['tags']]) }).toEqual({ [d]: expected(d) });
        if (!arrow) {
          // A session without queryArrow: toArrow says to use rows() instead of returning something else.
          await expect(relation.toArrow()).rejects.toThrow(/cannot return Arrow tables; use rows\(\)/);
          continue;
        }
        const table = await relation.toArrow();
        const tags = table.getChild('tags')!;
        expect({ [d]: [...Array(table.numRows).keys()].map((i) => [table.getChild('id')!.get(i), (tags.get(i) as Vector | null)?.toArray() ?? null]) }).toEqual({ [d]: expected(d) });
      }
    });

    /** A text_list table loaded, its session closed, then declared again in a new session and loaded again. */
    async function reopenLists(): Promise<{ again: RuntimeSession; t: TableSchema; reopened: StoredState | undefined }> {
      const t = listTable('listed', keyed());
      const first = await session();
      await first.readState('conformance');
      await first.ensureSchema([t]);
      await first.write(t.name, batchOf(t, listRows('l1', LISTS.slice(0, 4))));
      await first.commit(commitOf([t], [t.name]));
      await first.close();

      const again = await session();
      const reopened = await again.readState('conformance');
      await again.ensureSchema([t]);
      await again.write(t.name, batchOf(t, listRows('l2', LISTS.slice(4))));
      await again.commit(commitOf([t], [t.name], { schemaChanged: false, state: { reopened: true } }));
      return { again, t, reopened };
    }

    check('re-opens a table declared with a text_list column with its stored schema unchanged, and keeps loading lists into it', ['text_list'], async () => {
      const { again, t, reopened } = await reopenLists();
      expect(reopened?.tables).toEqual([t]);
      const stored = await again.readState('conformance');
      expect(stored?.tables).toEqual([t]);
      expect(stored?.state).toEqual({ reopened: true });
    });

    check('re-opens a table declared with a text_list column without adding a column; every list of both sessions reads back', ['text_list', 'queryable'], async () => {
      const { again, t } = await reopenLists();
      const result = await again.query(`SELECT * FROM ${ident('conformance_data')}.${ident(t.name)} ORDER BY ${ident('id')}`);
      expect(result.columns.map((c) => c.toLowerCase())).toEqual(t.columns.map((c) => c.name));
      expect(result.rows.map((r) => [r['id'], r['tags']])).toEqual(LISTS.map(([id, tags]) => [id, stored(tags)]));
    });

    check('replaces a table and its children on a replace load', ['replace', 'queryable'], async () => {
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
      expect((await select(s, 'pages', 'id')).map((r) => r['id'])).toEqual(['c']);
      expect(await select(s, 'pages__tags', '_dlt_id')).toEqual([]);
    });

    check('merges by primary key, replaces child rows (also when a list shrank to nothing), keeps the last staged row', ['merge', 'queryable'], async () => {
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
      expect((await select(s, 'pages', 'id')).map((r) => [r['id'], r['title']])).toEqual([
        ['a', 'new-a'],
        ['b', 'new-b'],
        ['c', 'newer-c'],
      ]);
      expect((await select(s, 'pages__tags', '_dlt_id')).map((r) => [r['_dlt_root_id'], r['value']])).toEqual([['r-a', 'x2']]);
    });

    check("applies deletes before the unit's own rows (a block tree replaced in an append table)", ['applies deletes', 'queryable'], async () => {
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
      expect((await select(s, 'pages', 'id')).map((r) => [r['id'], r['title']])).toEqual([
        ['a', 'new-a'],
        ['b', 'old-b'],
      ]);
      expect((await select(s, 'pages__tags', '_dlt_id')).map((r) => [r['_dlt_id'], r['value']])).toEqual([
        ['c-a-0', 'x'],
        ['c-b-0', 'z'],
      ]);
    });

    check('is idempotent when the same merge load is committed twice', ['merge', 'queryable'], async () => {
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
      expect((await s.readState('conformance'))?.loadId).toBe('same-load');
      expect((await select(s, 'pages', 'id')).length).toBe(2);
      expect((await select(s, 'pages__tags', '_dlt_id')).length).toBe(3);
      expect((await select(s, '_dlt_loads', 'load_id')).length).toBe(1);
    });

    /** `pages` and `blocks` (merged by id where the destination merges, as the Notion source loads them); blocks with a child and a grandchild. */
    function treeTables(): TableSchema[] {
      const d = keyed();
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

    /** Blocks of pages p1, p2 and p3 committed, then a commit of deletes only: p1 and p3 (and a page there is not), on a missing table, and an empty list. */
    async function deleteTrees(): Promise<RuntimeSession> {
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
      return s;
    }

    check('commits a unit of deletes (a missing table and an empty list are no-ops) with its state', [], async () => {
      const s = await deleteTrees();
      expect((await s.readState('conformance'))?.state).toEqual({ after: 'deletes' });
    });

    check('applies deletes to a root table and its descendants, leaving other rows', ['applies deletes', 'queryable'], async () => {
      const s = await deleteTrees();
      const ids = async (table: string) => (await select(s, table, '_dlt_id')).map((r) => r['_dlt_id']);
      expect(await ids('blocks')).toEqual(['r-b3']);
      expect(await ids('blocks__tags')).toEqual(['c-b3-0']);
      expect(await ids('blocks__tags__parts')).toEqual(['g-b3-0']);
    });

    check('ignores deletes, as it declares: every row stays', ['ignores deletes', 'queryable'], async () => {
      const s = await deleteTrees();
      const ids = async (table: string) => (await select(s, table, '_dlt_id')).map((r) => r['_dlt_id']);
      expect(await ids('blocks')).toEqual(['r-b1', 'r-b2', 'r-b3', 'r-b4']);
      expect(await ids('blocks__tags__parts')).toEqual(['g-b1-0', 'g-b1-1', 'g-b2-0', 'g-b3-0']);
    });

    check('applies deletes before the staged rows of the same commit: a replaced tree keeps only its new rows', ['applies deletes', 'queryable'], async () => {
      const tables = treeTables();
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema(tables);
      await writeBlocks(s, tables, blockRows('l1', { p1: { b1: ['x', 'y'], b2: ['z'] }, p2: { b3: ['w'] } }, 'old'));
      await s.commit(commitOf(tables, ['blocks', 'blocks__tags', 'blocks__tags__parts']));
      // p1's tree is fetched again: b1 kept (one tag now, same key), b2 gone, b5 new.
      await writeBlocks(s, tables, blockRows('l2', { p1: { b1: ['x2'], b5: ['v'] } }, 'new'));
      await s.commit(commitOf(tables, ['blocks', 'blocks__tags', 'blocks__tags__parts'], { deletes: [{ table: 'blocks', column: 'page_id', values: ['p1'] }] }));
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

    const UNITS_LOAD = 'load-in-units';

    /** One load committed in three units (state `{ unit: n }`, the last one final); `afterUnit` runs after each commit. */
    async function commitInUnits(afterUnit: (s: RuntimeSession, unit: number, final: boolean) => Promise<void>): Promise<void> {
      const pages = parent('pages', keyed());
      const tags = child('pages__tags', 'pages', pages.writeDisposition);
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages, tags]);
      const units: Record<string, string[]>[] = [{ a: ['x'] }, { b: ['y', 'z'] }, { c: [] }];
      for (const [i, unit] of units.entries()) {
        const rows = pageRows(UNITS_LOAD, unit);
        await s.write('pages', batchOf(pages, rows.roots));
        if (rows.children.length > 0) await s.write('pages__tags', batchOf(tags, rows.children));
        const final = i === units.length - 1;
        await s.commit(commitOf([pages, tags], ['pages', 'pages__tags'], { loadId: UNITS_LOAD, state: { unit: i + 1 }, final, schemaChanged: i === 0 }));
        await afterUnit(s, i + 1, final);
      }
      await s.close();
    }

    check("commits one load in three units: each unit's state readable at once, the last one's in a new session", [], async () => {
      const seen: unknown[] = [];
      await commitInUnits(async (s) => void seen.push((await s.readState('conformance'))?.state));
      expect(seen).toEqual([{ unit: 1 }, { unit: 2 }, { unit: 3 }]);
      const stored = await (await session()).readState('conformance');
      expect(stored?.state).toEqual({ unit: 3 });
      expect(stored?.loadId).toBe(UNITS_LOAD);
    });

    check("commits one load in three units: every unit visible, one state row (the last unit's), status 0 only after the final unit", ['queryable'], async () => {
      await commitInUnits(async (s, unit, final) => {
        const loads = await select(s, '_dlt_loads', 'load_id');
        expect(loads.map((r) => [r['load_id'], Number(r['status'])])).toEqual([[UNITS_LOAD, final ? 0 : 1]]);
        const states = await select(s, '_dlt_pipeline_state', 'version');
        expect(states.map((r) => [r['_dlt_load_id'], JSON.parse(String(r['state']))])).toEqual([[UNITS_LOAD, { unit }]]);
        expect((await select(s, 'pages', 'id')).map((r) => r['id'])).toEqual(['a', 'b', 'c'].slice(0, unit));
      });
      const again = await session();
      expect((await select(again, 'pages', 'id')).map((r) => r['id'])).toEqual(['a', 'b', 'c']);
      expect((await select(again, 'pages__tags', '_dlt_id')).map((r) => r['value'])).toEqual(['x', 'y', 'z']);
    });

    /** Page a written and rolled back, then page b written and committed. */
    async function rollBackThenCommit(): Promise<RuntimeSession> {
      const pages = parent('pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages]);
      await s.write('pages', batchOf(pages, pageRows('l1', { a: [] }).roots));
      await s.rollback();
      await s.write('pages', batchOf(pages, pageRows('l1', { b: [] }).roots));
      await s.commit(commitOf([pages], ['pages'], { state: { after: 'rollback' } }));
      return s;
    }

    check('commits the next unit after a rollback, with its state', [], async () => {
      const s = await rollBackThenCommit();
      expect((await s.readState('conformance'))?.state).toEqual({ after: 'rollback' });
    });

    check('makes nothing visible after a rollback, and the next unit commits only its own rows', ['queryable'], async () => {
      const s = await rollBackThenCommit();
      expect((await select(s, 'pages', 'id')).map((r) => r['id'])).toEqual(['b']);
    });

    /** Page a committed with state `{ committed: 1 }`, page b written, the session closed without a commit; a new session. */
    async function closeWithoutCommit(): Promise<RuntimeSession> {
      const pages = parent('pages', 'append');
      const s = await session();
      await s.readState('conformance');
      await s.ensureSchema([pages]);
      await s.write('pages', batchOf(pages, pageRows('l1', { a: [] }).roots));
      await s.commit(commitOf([pages], ['pages'], { state: { committed: 1 } }));
      await s.write('pages', batchOf(pages, pageRows('l2', { b: [] }).roots));
      await s.close();
      return session();
    }

    check('keeps the last committed state when a session closes without commit', [], async () => {
      const after = await closeWithoutCommit();
      expect((await after.readState('conformance'))?.state).toEqual({ committed: 1 });
    });

    check('makes nothing visible when a session closes without commit', ['queryable'], async () => {
      const after = await closeWithoutCommit();
      expect((await select(after, 'pages', 'id')).map((r) => r['id'])).toEqual(['a']);
    });

    /** Tables `order`, `select` and a long name, with keyword, digit and long column names, loaded into the dataset `select`. */
    async function loadHostileNames(): Promise<{ s: RuntimeSession; tables: TableSchema[]; long: string }> {
      const long = `t${'_x'.repeat(Math.floor((Math.min(capabilities.maxIdentifierLength, 63) - 1) / 2))}`;
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
      return { s, tables, long };
    }

    check('takes SQL keywords, digits and long names as dataset, table and column names, and stores them as given', [], async () => {
      const { s, tables } = await loadHostileNames();
      expect((await s.readState('conformance'))?.tables).toEqual(tables);
    });

    check('quotes every identifier: SQL keywords, digits and long names as dataset, table and column names read back', ['queryable'], async () => {
      const { s, long } = await loadHostileNames();
      expect(await select(s, 'order', 'from', 'select')).toEqual([{ select: "Robert'); DROP TABLE students;--", from: 1, group: true, '1st': 'a"b', [long]: 'long' }]);
      expect(await select(s, 'select', 'table', 'select')).toEqual([{ table: 'x', user: 'y' }]);
      expect(await select(s, long, 'where', 'select')).toEqual([{ where: 'here' }]);
    });

    check('answers queries with column names and plain values', ['queryable'], async () => {
      const s = await session();
      await s.readState('conformance');
      const result = await s.query(`SELECT 1 AS ${ident('one')}, 'x' AS ${ident('two')}`);
      expect(result.columns.map((c) => c.toLowerCase())).toEqual(['one', 'two']);
      expect(result.rows.map((r) => Object.values(r))).toEqual([[1, 'x']]);
    });

    check('refuses anything but a read in a read-only session (dataset().sql()), and the table survives', ['queryable'], async () => {
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
