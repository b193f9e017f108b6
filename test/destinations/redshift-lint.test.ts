import { describe, expect, it } from '@jest/globals';
import { redshiftDialect } from '../../destinations/redshift/index.js';
import { lintRedshiftSql, type RedshiftLintRule } from '../helpers/fake-redshift/redshift-lint.js';
import { foldQuotedIdentifiers, tokenize } from '../helpers/fake-redshift/redshift-tokens.js';

const rules = (sql: string, inTransaction = false): RedshiftLintRule[] => lintRedshiftSql(sql, { inTransaction }).map((f) => f.rule);

describe('the Redshift dialect lint', () => {
  it.each<[RedshiftLintRule, string]>([
    ['on-conflict', 'INSERT INTO "t" ("a") VALUES ($1) ON CONFLICT ("a") DO NOTHING'],
    ['returning', 'DELETE FROM "t" WHERE "a" = 1 RETURNING "a"'],
    ['array', 'CREATE TABLE "t" ("tags" VARCHAR(10)[])'],
    ['array', 'SELECT ARRAY[1, 2]'],
    ['array', 'DELETE FROM "t" WHERE "a" = ANY($1)'],
    ['array', 'SELECT unnest("tags") FROM "t"'],
    ['type', 'CREATE TABLE "t" ("a" TEXT)'],
    ['type', 'CREATE TABLE "t" ("a" JSONB)'],
    ['type', 'SELECT "a"::text FROM "t"'],
    ['type', 'CREATE TABLE "t" ("id" UUID)'],
    ['varchar-length', 'CREATE TABLE "t" ("a" VARCHAR(65536))'],
    ['varchar-length', 'CREATE TABLE "t" ("a" CHARACTER VARYING(100000))'],
    ['varchar-length', 'CREATE TABLE "t" ("a" VARCHAR)'],
    ['varchar-length', 'CREATE TABLE "t" ("a" CHAR(5000))'],
    ['now', 'INSERT INTO "t" ("at") VALUES (now())'],
    ['now', 'SELECT CURRENT_TIMESTAMP'],
    ['temp-table', 'CREATE OR REPLACE TEMP TABLE "ids" AS SELECT 1'],
    ['temp-table', 'CREATE TEMP TABLE "s" ("a" BIGINT) ON COMMIT DROP'],
    ['temp-table', 'CREATE UNLOGGED TABLE "d"."t" ("a" BIGINT)'],
    ['temp-table', 'INSERT INTO "d"."t" SELECT * FROM pg_temp."t"'],
    ['values-source', 'SELECT * FROM (VALUES (1), (2)) AS "v" ("x")'],
    ['values-source', 'INSERT INTO "t" SELECT 1 UNION VALUES (2)'],
    ['truncate-in-transaction', 'TRUNCATE "t"'],
    ['postgres-only', 'SELECT DISTINCT ON ("id") * FROM "t" ORDER BY "id", ctid DESC'],
    ['postgres-only', "SELECT \"j\"->>'a' FROM \"t\""],
    ['postgres-only', "SELECT 't'::regclass"],
    ['postgres-only', 'SELECT * FROM "t", LATERAL (SELECT 1) AS "x"'],
    ['postgres-only', 'SELECT count(*) FILTER (WHERE "a") FROM "t"'],
    ['copy', 'COPY "t" ("a", "b") FROM STDIN WITH (FORMAT binary)'],
    ['copy', "COPY \"t\" FROM 's3://b/k.parquet' FORMAT AS PARQUET"],
    ['copy', "COPY \"t\" FROM 'gs://b/k.parquet' IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS PARQUET"],
    ['copy', "COPY \"t\" (\"a\") FROM 's3://b/k.parquet' IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS PARQUET"],
    ['copy', "COPY \"t\" FROM 's3://b/k.parquet' IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS PARQUET REGION 'us-east-1'"],
    ['add-column', 'ALTER TABLE "d"."t" ADD COLUMN IF NOT EXISTS "a" BIGINT'],
    ['add-column', 'ALTER TABLE "d"."t" ADD COLUMN "a" BIGINT, ADD COLUMN "b" BIGINT'],
    ['unsupported-ddl', 'CREATE INDEX "i" ON "t" ("a")'],
    ['unsupported-ddl', 'CREATE DOMAIN super AS jsonb'],
    ['unsupported-ddl', 'CREATE SEQUENCE "s"'],
    ['identifier', 'SELECT "ID" FROM "d"."pages"'],
    ['identifier', `SELECT "${'x'.repeat(128)}" FROM "t"`],
    ['identifier', `SELECT "${'é'.repeat(64)}" FROM "t"`],
    ['row-in-subquery', 'DELETE FROM "d"."t" WHERE ("a", "b") IN (SELECT "a", "b" FROM "s")'],
  ])('catches %s: %s', (rule, sql) => {
    expect(rules(sql, true)).toContain(rule);
  });

  it('reads strings and quoted names as what they are, never as keywords', () => {
    expect(rules(`SELECT 'ON CONFLICT RETURNING now() TEXT [1]' AS "returning", "text", "values" FROM "d"."order"`, true)).toEqual([]);
    // A backslash escapes the quote inside a Redshift literal: the string does not end there.
    expect(rules(`SELECT 'it\\'s RETURNING' AS "a"`)).toEqual([]);
    expect(tokenize(`'a\\'b' "x""y"`).map((t) => t.value)).toEqual(["a'b", 'x"y']);
    // information_schema.columns: a qualified name's part is no keyword.
    expect(rules('SELECT column_name FROM information_schema.columns WHERE table_schema = CAST($1 AS VARCHAR(128))')).toEqual([]);
  });

  it('accepts what Redshift accepts: TRUNCATE outside a transaction, INSERT … VALUES, one-column IN, Parquet COPY from S3, SUPER, GETDATE()', () => {
    expect(rules('TRUNCATE "t"')).toEqual([]);
    expect(rules('INSERT INTO "d"."t" ("a", "b") VALUES (CAST($1 AS VARCHAR(65535)), GETDATE())', true)).toEqual([]);
    expect(rules('DELETE FROM "d"."t" WHERE ("id") IN (SELECT "id" FROM "t")', true)).toEqual([]);
    expect(rules("COPY \"t\" FROM 's3://b/p/1.parquet' IAM_ROLE 'arn:aws:iam::123456789012:role/r' FORMAT AS PARQUET")).toEqual([]);
    expect(rules("COPY \"t\" FROM 's3://b/p/1.parquet' CREDENTIALS 'aws_access_key_id=A;aws_secret_access_key=B' FORMAT AS PARQUET")).toEqual([]);
    expect(rules('CREATE TABLE IF NOT EXISTS "d"."t" ("j" SUPER, "s" VARCHAR(65535) NOT NULL, "ts" TIMESTAMPTZ, "d" DOUBLE PRECISION, "b" BOOLEAN)')).toEqual([]);
    expect(rules('CREATE TEMP TABLE "t" ("_nf_stage_seq" BIGINT NOT NULL)')).toEqual([]);
    expect(rules('SELECT *, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "_nf_stage_seq" DESC) AS "rn" FROM "t"', true)).toEqual([]);
  });

  it('passes the statements the dialect writes on its own', () => {
    const columns = [
      { name: 'Id', dataType: 'text' as const, nullable: false },
      { name: 'j', dataType: 'json' as const, nullable: true },
      { name: 'ts', dataType: 'timestamp' as const, nullable: true },
    ];
    const d = redshiftDialect;
    const statements = [
      ...d.createDataset('Notion_Data'),
      d.createTable('Notion_Data', 'Pages', columns),
      d.addColumn('Notion_Data', 'Pages', columns[2]!),
      ...d.createStaging('Notion_Data', 'Pages', columns),
      d.addStagingColumn('Notion_Data', 'Pages', columns[1]!),
      ...d.emptyStaging([d.stagingTable('Notion_Data', 'Pages')]),
      d.deleteAll(d.table('Notion_Data', 'Pages')),
      `INSERT INTO ${d.table('Notion_Data', 'Pages')} ${d.lastStagedPerKey(d.stagingTable('Notion_Data', 'Pages'), ['Id'], columns)}`,
      `DELETE FROM ${d.table('n', 't')} WHERE ${d.asText(d.quoteIdent('ts'), 'timestamp')} IN (${d.literal("a'b\\")}) AND ${d.asText('"j"', 'json')} = ${d.param(1, 'text')} AND "n" = ${d.param(2, 'bigint')} AND "at" < ${d.now()}`,
      ...d.dropDataset('Notion_Data'),
    ];
    expect(statements.flatMap((sql) => lintRedshiftSql(sql, { inTransaction: true }))).toEqual([]);
    expect(d.createTable('Notion_Data', 'Pages', columns)).toBe('CREATE TABLE IF NOT EXISTS "notion_data"."pages" ("id" VARCHAR(65535) NOT NULL, "j" SUPER, "ts" TIMESTAMPTZ)');
    expect(d.literal("a'b\\c")).toBe("'a''b\\\\c'");
  });

  it('folds quoted identifiers as Redshift does, leaving strings alone', () => {
    expect(foldQuotedIdentifiers(`SELECT "ID", 'KEEP "THIS"' AS "Two" FROM "NOTION_DATA"."Pages" -- "C"`)).toBe(`SELECT "id", 'KEEP "THIS"' AS "two" FROM "notion_data"."pages" -- "C"`);
  });
});
