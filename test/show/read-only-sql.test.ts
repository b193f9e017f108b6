import { describe, expect, it } from '@jest/globals';
import { checkReadOnlySql } from '../../src/show/read-only-sql.js';

const reason = (sql: string) => {
  const check = checkReadOnlySql(sql);
  return check.ok ? undefined : check.reason;
};

describe('checkReadOnlySql', () => {
  it.each([
    'select 1',
    'SELECT count(*) FROM notion_data.pages',
    'with t as (select 1 as n) select n from t',
    'values (1), (2)',
    'from notion_data.pages',
    '(select 1) union all (select 2)',
    "select 'a;b', \"drop\" from t -- delete; drop",
    "select 'it''s' as x /* update; */",
    'select "a""b" from "weird;name"',
    'select 7 // 2',
    "select regexp_replace(x, '\\d', '') from t",
  ])('accepts the read %s', (sql) => {
    expect(checkReadOnlySql(sql)).toEqual({ ok: true, sql });
  });

  it('drops one trailing semicolon', () => {
    expect(checkReadOnlySql('select 1 ;  -- done\n')).toEqual({ ok: true, sql: 'select 1 ' });
  });

  it.each([
    ['drop table notion_data.pages', 'not DROP'],
    ['delete from notion_data.pages', 'not DELETE'],
    ['insert into t values (1)', 'not INSERT'],
    ['attach \'x.duckdb\'', 'not ATTACH'],
    ['copy (select 1) to \'out.csv\'', 'not COPY'],
    ['pragma version', 'not PRAGMA'],
    ['update t set a = 1', 'not UPDATE'],
    ['show tables', 'not SHOW'],
  ])('refuses the statement %s', (sql, words) => {
    expect(reason(sql)).toContain(words);
  });

  it.each([
    ['with d as (delete from t returning *) select * from d', 'uses DELETE'],
    ['select * into t2 from t', 'uses INTO'],
    ['select * from t for update', 'uses UPDATE'],
  ])('refuses a SELECT that writes: %s', (sql, words) => {
    expect(reason(sql)).toContain(words);
  });

  it.each([
    'select 1; drop table t',
    'select 1; select 2',
    'select 1;;',
    // A string that ends early where backslashes escape (Snowflake, E'') would hide a second statement.
    "select '\\'; drop table t; --'",
    // Snowflake's `//` comment would hide the opening quote of the string that holds the `;`.
    "select 1 // '\n; drop table t; -- '",
  ])('refuses more than one statement: %s', (sql) => {
    expect(reason(sql)).toMatch(/one statement at a time|not closed/);
  });

  it.each([
    ['select 1) q, (select 2', 'no matching'],
    ['select (1', 'is not closed'],
    ["select 'abc", 'string'],
    ['select "abc', 'quoted name'],
    ['select 1 /* open', 'comment is not closed'],
    ['select 1 /* a /* b */ ; drop table t; -- */', 'nested'],
    ['select $$;$$', 'dollar-quoted'],
    ['select $tag$ x $tag$', 'dollar-quoted'],
    ['', 'empty'],
    ['  -- only a comment', 'empty'],
  ])('refuses what could escape the wrap or be read two ways: %s', (sql, words) => {
    expect(reason(sql)).toContain(words);
  });

  it('says every refusal in one sentence that starts the same way', () => {
    expect(reason('drop table t')).toBe('Only a read can run here: a query starts with SELECT, WITH, VALUES or FROM, not DROP.');
    expect(reason('select delete from t')).toBe('Only a read can run here: the query uses DELETE. A column or table of that name needs double quotes: "delete".');
  });
});
