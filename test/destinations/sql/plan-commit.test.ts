import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { ColumnSchema, TableSchema } from '../../../src/schema/table-schema.js';
import type { LoadCommit } from '../../../destinations/destination.js';
import { DestinationError } from '../../../destinations/errors.js';
import { planCommit, planProbes, type CommitInput } from '../../../destinations/sql/plan-commit.js';
import type { SqlDialect } from '../../../destinations/sql/sql-dialect.js';

/** A plain ANSI dialect with `?` placeholders, written here so the plan is checked against nothing of an engine's. */
const ansi: SqlDialect = {
  name: 'ansi',
  staging: 'temporary',
  maxInList: 2,
  quoteIdent: (n) => `"${n}"`,
  storedName: (n) => n,
  table: (d, t) => `"${d}"."${t}"`,
  stagingTable: (_d, t) => `"stg"."${t}"`,
  stagingSchema: () => 'stg',
  param: () => '?',
  literal: (v) => `'${v.replaceAll("'", "''")}'`,
  now: () => 'NOW',
  asText: (e, type) => (type === 'text' ? e : `TEXT(${e})`),
  createDataset: () => [],
  dropDataset: () => [],
  createTable: () => '',
  addColumn: () => '',
  createStaging: () => [],
  addStagingColumn: () => '',
  emptyStaging: (tables) => tables.map((t) => `EMPTY ${t}`),
  deleteAll: (t) => `DELETE ALL ${t}`,
  stagedValue: (c) => `"${c.name}"`,
  lastStagedPerKey: (s, key, cols) => `LAST(${s} BY ${key.join(',')}: ${cols.map((c) => c.name).join(',')})`,
};

const col = (name: string, dataType: ColumnSchema['dataType'] = 'text'): ColumnSchema => ({ name, dataType, nullable: true });
const pages: TableSchema = { name: 'pages', columns: [col('id'), col('n', 'bigint'), col('_dlt_id')], primaryKey: ['id'], writeDisposition: 'merge' };
const tags: TableSchema = { name: 'pages__tags', parent: 'pages', columns: [col('value'), col('_dlt_root_id'), col('_dlt_id')], writeDisposition: 'merge' };
const log: TableSchema = { name: 'log', columns: [col('line'), col('_dlt_id')], writeDisposition: 'append' };

function load(extra: Partial<LoadCommit> = {}): LoadCommit {
  return {
    loadId: 'L1', pipelineName: 'p', schemaName: 'notion', tables: [pages, tags, log], schemaVersionHash: 'h1', schemaChanged: true,
    state: { cursor: 'x' }, writtenTables: [], replaceTables: [], final: true, ...extra,
  };
}

function input(extra: Partial<CommitInput> = {}): CommitInput {
  const catalog = new Map([pages, tags, log].map((t) => [t.name, t.columns]));
  return { load: load(), dataset: 'ds', catalog, staged: new Map(), dialect: ansi, ...extra };
}

const sqlOf = (i: CommitInput) => planCommit(i).map((s) => s.sql);

describe('planCommit', () => {
  it('writes the state row, the schema version and the load row, with one parameter per placeholder', () => {
    const plan = planCommit(input());
    expect(plan.map((s) => s.table)).toEqual(['_dlt_pipeline_state', '_dlt_pipeline_state', '_dlt_version', '_dlt_loads', '_dlt_loads']);
    for (const st of plan) expect((st.sql.match(/\?/g) ?? []).length).toBe(st.params?.length ?? 0);
    const state = plan[1]!;
    // md5 of the state JSON, computed independently here.
    expect(state.params).toEqual(['p', '{"cursor":"x"}', createHash('md5').update('{"cursor":"x"}').digest('hex'), 'L1', 'p']);
    expect(plan[4]!.sql).toContain(', 0, NOW,');
  });

  it('skips the schema version when the schema did not change, and marks an unfinished load with status 1', () => {
    const plan = planCommit(input({ load: load({ schemaChanged: false, final: false }) }));
    expect(plan.map((s) => s.table)).not.toContain('_dlt_version');
    expect(plan.at(-1)!.sql).toContain(', 1, NOW,');
  });

  it('empties replaced roots and their existing descendants first', () => {
    const catalog = new Map([pages, log].map((t) => [t.name, t.columns]));
    const sql = sqlOf(input({ catalog, load: load({ replaceTables: ['pages'] }) }));
    expect(sql[0]).toBe('DELETE ALL "ds"."pages"');
    expect(sql.some((s) => s.includes('pages__tags'))).toBe(false);
  });

  it('deletes descendants before the root, in chunks of maxInList literals, comparing other types as text', () => {
    const sql = sqlOf(input({ load: load({ deletes: [{ table: 'pages', column: 'n', values: ['1', "o'k", '3'] }] }) }));
    expect(sql.slice(0, 4)).toEqual([
      `DELETE FROM "ds"."pages__tags" WHERE "_dlt_root_id" IN (SELECT "_dlt_id" FROM "ds"."pages" WHERE TEXT("n") IN ('1', 'o''k'))`,
      `DELETE FROM "ds"."pages" WHERE TEXT("n") IN ('1', 'o''k')`,
      `DELETE FROM "ds"."pages__tags" WHERE "_dlt_root_id" IN (SELECT "_dlt_id" FROM "ds"."pages" WHERE TEXT("n") IN ('3'))`,
      `DELETE FROM "ds"."pages" WHERE TEXT("n") IN ('3')`,
    ]);
  });

  it('ignores deletes on tables that do not exist', () => {
    const sql = sqlOf(input({ load: load({ deletes: [{ table: 'nope', column: 'id', values: ['a'] }] }) }));
    expect(sql.some((s) => s.includes('nope'))).toBe(false);
  });

  it('merges parents before children: child rows of matched roots, matched roots, last staged row per key; appends as they are', () => {
    const staged = new Map([
      ['pages__tags', tags.columns],
      ['log', log.columns],
      ['pages', pages.columns],
    ]);
    const sql = sqlOf(input({ staged }));
    expect(sql.slice(0, 6)).toEqual([
      `DELETE FROM "ds"."pages__tags" WHERE "_dlt_root_id" IN (SELECT "_dlt_id" FROM "ds"."pages" WHERE ("id") IN (SELECT "id" FROM "stg"."pages"))`,
      `DELETE FROM "ds"."pages" WHERE ("id") IN (SELECT "id" FROM "stg"."pages")`,
      `INSERT INTO "ds"."pages" ("id", "n", "_dlt_id") LAST("stg"."pages" BY id: id,n,_dlt_id)`,
      `INSERT INTO "ds"."pages__tags" ("value", "_dlt_root_id", "_dlt_id") LAST("stg"."pages__tags" BY _dlt_id: value,_dlt_root_id,_dlt_id)`,
      `INSERT INTO "ds"."log" ("line", "_dlt_id") SELECT "line", "_dlt_id" FROM "stg"."log"`,
      'EMPTY "stg"."pages__tags"',
    ]);
  });

  it('uses the probe answers: no child scan for unmatched roots, no window for unique keys', () => {
    const staged = new Map([['pages', pages.columns]]);
    const sql = sqlOf(input({ staged, probes: { uniqueKeys: new Set(['pages']), matchedRoots: new Set() } }));
    expect(sql[0]).toBe(`INSERT INTO "ds"."pages" ("id", "n", "_dlt_id") SELECT "id", "n", "_dlt_id" FROM "stg"."pages"`);
  });

  it('materializes matched ids once where the dialect has a table for them', () => {
    const staged = new Map([['pages', pages.columns]]);
    const sql = sqlOf(input({ staged, dialect: { ...ansi, mergedIdsTable: 'tmp_ids' } }));
    expect(sql.slice(0, 2)).toEqual([
      `CREATE OR REPLACE TEMP TABLE tmp_ids AS SELECT "_dlt_id" FROM "ds"."pages" WHERE ("id") IN (SELECT "id" FROM "stg"."pages")`,
      `DELETE FROM "ds"."pages__tags" WHERE "_dlt_root_id" IN (SELECT "_dlt_id" FROM tmp_ids)`,
    ]);
  });

  it('refuses to merge a root whose child table has no _dlt_root_id', () => {
    const bare = new Map([pages, log, { ...tags, columns: [col('value'), col('_dlt_id')] }].map((t) => [t.name, t.columns]));
    expect(() => planCommit(input({ catalog: bare, staged: new Map([['pages', pages.columns]]) }))).toThrow(DestinationError);
  });
});

describe('planProbes', () => {
  it('asks uniqueness of every merged staging table and matches of merged roots, and reads the answers by alias', () => {
    const staged = new Map([['pages', pages.columns], ['pages__tags', tags.columns], ['log', log.columns]]);
    const probe = planProbes(input({ staged }))!;
    expect(probe.sql).toBe(
      'SELECT (SELECT count(*) = count(DISTINCT "id") FROM "stg"."pages") AS "p0", (SELECT count(*) = count(DISTINCT "_dlt_id") FROM "stg"."pages__tags") AS "p1", ' +
        '(SELECT count(*) > 0 FROM "ds"."pages" WHERE "id" IN (SELECT "id" FROM "stg"."pages")) AS "p2"',
    );
    const answers = probe.read({ p0: true, p1: 'f', p2: 1 });
    expect([...answers.uniqueKeys]).toEqual(['pages']);
    expect([...answers.matchedRoots]).toEqual(['pages']);
  });

  it('has nothing to ask when nothing is merged', () => {
    expect(planProbes(input({ staged: new Map([['log', log.columns]]) }))).toBeUndefined();
  });
});
