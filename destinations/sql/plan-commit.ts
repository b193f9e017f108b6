import { createHash } from 'node:crypto';
import { DLT_COLUMNS, type ColumnSchema, type TableSchema } from '../../src/schema/table-schema.js';
import type { LoadCommit } from '../destination.js';
import { DestinationError } from '../errors.js';
import { SCHEMA_ENGINE_VERSION, STATE_ENGINE_VERSION } from '../system-tables.js';
import type { SqlDialect } from './sql-dialect.js';
import type { SqlStatement } from './sql-driver.js';

/** What a commit plan is made from: the load, the dataset as it is, what was staged, and the engine's dialect. */
export interface CommitInput {
  readonly load: LoadCommit;
  readonly dataset: string;
  /** The dataset's tables with their columns as they are in the database. */
  readonly catalog: ReadonlyMap<string, readonly ColumnSchema[]>;
  /** Tables with rows staged since the last commit, with the columns of their staging tables. */
  readonly staged: ReadonlyMap<string, readonly ColumnSchema[]>;
  readonly dialect: SqlDialect;
  /** Answers of the {@link planProbes} query; without them the plan assumes the worst (duplicates staged, keys matched). */
  readonly probes?: ProbeAnswers;
}

/** What the probe query found: staging tables whose merge key is unique, merge roots whose staged keys are in the target already. */
export interface ProbeAnswers {
  readonly uniqueKeys: ReadonlySet<string>;
  readonly matchedRoots: ReadonlySet<string>;
}

/** One query that asks, before a commit, what {@link ProbeAnswers} holds, and how to read its single row. */
export interface ProbePlan {
  readonly sql: string;
  /** The answers, from the query's row (keyed by lower-case column name). */
  read(row: Readonly<Record<string, unknown>>): ProbeAnswers;
}

/** How a load's tables relate: roots, descendants, merge keys. */
class LoadTables {
  readonly #byName: Map<string, TableSchema>;

  constructor(
    readonly load: LoadCommit,
    readonly catalog: ReadonlyMap<string, readonly ColumnSchema[]>,
  ) {
    this.#byName = new Map(load.tables.map((t) => [t.name, t]));
  }

  rootOf(name: string): TableSchema | undefined {
    let t = this.#byName.get(name);
    while (t?.parent !== undefined) t = this.#byName.get(t.parent);
    return t;
  }

  /** Tables below `root` that exist in the database, parents first. */
  descendantsOf(root: string): TableSchema[] {
    return this.load.tables.filter((t) => t.name !== root && this.rootOf(t.name)?.name === root && this.catalog.has(t.name));
  }

  /** Staged tables, parents before children (the schema's order), then any the schema does not know. */
  order(staged: ReadonlyMap<string, unknown>): string[] {
    return [...this.load.tables.map((t) => t.name).filter((n) => staged.has(n)), ...[...staged.keys()].filter((n) => !this.#byName.has(n))];
  }

  /** The merge key of a staged table: a merge root's primary key, a merge child's `_dlt_id`; undefined: not merged. */
  keyOf(name: string): readonly string[] | undefined {
    const root = this.rootOf(name);
    if (root?.writeDisposition !== 'merge' || (root.primaryKey?.length ?? 0) === 0) return undefined;
    return root.name === name ? root.primaryKey! : [DLT_COLUMNS.id];
  }
}

/**
 * The probe query of a commit, or undefined when nothing is merged: for each merged staging table whether
 * its single-column key is unique (then no deduplicating window is needed), and for each merge root whether
 * any staged key is in the target already (a first load has none: then no child table is scanned).
 */
export function planProbes(input: Omit<CommitInput, 'probes'>): ProbePlan | undefined {
  const { dialect, dataset } = input;
  const tables = new LoadTables(input.load, input.catalog);
  const merged = tables.order(input.staged).filter((n) => tables.keyOf(n)?.length === 1);
  const roots = merged.filter((n) => tables.rootOf(n)?.name === n && input.catalog.has(n));
  if (merged.length === 0) return undefined;
  const key = (n: string) => dialect.quoteIdent(tables.keyOf(n)![0]!);
  const staging = (n: string) => dialect.stagingTable(dataset, n);
  const probes = [
    ...merged.map((n) => `(SELECT count(*) = count(DISTINCT ${key(n)}) FROM ${staging(n)})`),
    ...roots.map((n) => `(SELECT count(*) > 0 FROM ${dialect.table(dataset, n)} WHERE ${key(n)} IN (SELECT ${key(n)} FROM ${staging(n)}))`),
  ];
  return {
    sql: `SELECT ${probes.map((p, i) => `${p} AS ${dialect.quoteIdent(`p${i}`)}`).join(', ')}`,
    read: (row) => ({
      uniqueKeys: new Set(merged.filter((_, i) => truthy(row[`p${i}`]))),
      matchedRoots: new Set(roots.filter((_, i) => truthy(row[`p${merged.length + i}`]))),
    }),
  };
}

/**
 * The statements of one atomic commit, in order: empty the `replace` tables, apply the deletes, apply each
 * staged table with its disposition (append; delete-insert merge keeping the last staged row per key, child
 * rows of merged roots replaced), empty staging, then the pipeline state row, the schema version (when it
 * changed) and the `_dlt_loads` row. A pure function: the session runs the list in one transaction.
 */
export function planCommit(input: CommitInput): SqlStatement[] {
  const { load, dialect, dataset, catalog } = input;
  const tables = new LoadTables(load, catalog);
  const q = (t: string) => dialect.table(dataset, t);
  const id = dialect.quoteIdent(DLT_COLUMNS.id);
  const rootId = dialect.quoteIdent(DLT_COLUMNS.rootId);
  const out: SqlStatement[] = [];
  const on = (table: string, sql: string, params?: readonly unknown[]) => out.push(params ? { table, sql, params } : { table, sql });

  for (const root of load.replaceTables) {
    for (const t of [root, ...tables.descendantsOf(root).map((d) => d.name)]) if (catalog.has(t)) on(t, dialect.deleteAll(q(t)));
  }
  for (const spec of load.deletes ?? []) {
    const columns = catalog.get(spec.table);
    if (!columns || spec.values.length === 0) continue;
    const declared = load.tables.find((t) => t.name === spec.table)?.columns.find((c) => c.name === spec.column);
    const type = (declared ?? columns.find((c) => c.name === spec.column))?.dataType ?? 'text';
    for (let i = 0; i < spec.values.length; i += dialect.maxInList) {
      const values = spec.values.slice(i, i + dialect.maxInList).map((v) => dialect.literal(v));
      const where = `${dialect.asText(dialect.quoteIdent(spec.column), type)} IN (${values.join(', ')})`;
      for (const d of tables.descendantsOf(spec.table)) on(d.name, `DELETE FROM ${q(d.name)} WHERE ${rootId} IN (SELECT ${id} FROM ${q(spec.table)} WHERE ${where})`);
      on(spec.table, `DELETE FROM ${q(spec.table)} WHERE ${where}`);
    }
  }

  for (const name of tables.order(input.staged)) {
    const columns = input.staged.get(name)!;
    const staging = dialect.stagingTable(dataset, name);
    const names = columns.map((c) => dialect.quoteIdent(c.name)).join(', ');
    const key = tables.keyOf(name);
    if (key === undefined) {
      on(name, `INSERT INTO ${q(name)} (${names}) SELECT ${columns.map((c) => dialect.stagedValue(c)).join(', ')} FROM ${staging}`);
      continue;
    }
    const root = tables.rootOf(name)!;
    if (root.name === name && catalog.has(name) && (input.probes?.matchedRoots.has(name) ?? true)) out.push(...mergeDeletes(input, tables, root));
    const select = input.probes?.uniqueKeys.has(name)
      ? `SELECT ${columns.map((c) => dialect.stagedValue(c)).join(', ')} FROM ${staging}`
      : dialect.lastStagedPerKey(staging, key, columns);
    on(name, `INSERT INTO ${q(name)} (${names}) ${select}`);
  }
  const staged = [...input.staged.keys()];
  for (const sql of dialect.emptyStaging(staged.map((n) => dialect.stagingTable(dataset, n)))) out.push({ sql });
  out.push(...systemRows(dialect, dataset, load));
  return out;
}

/**
 * The delete half of a delete-insert merge of a root table whose staged keys may be in the target: the
 * matched rows' child rows in every descendant table (also those that got no rows this time: a list that
 * became empty), then the matched rows.
 */
function mergeDeletes(input: CommitInput, tables: LoadTables, root: TableSchema): SqlStatement[] {
  const { dialect, dataset } = input;
  const target = dialect.table(dataset, root.name);
  const key = root.primaryKey!.map((k) => dialect.quoteIdent(k)).join(', ');
  const id = dialect.quoteIdent(DLT_COLUMNS.id);
  const rootId = dialect.quoteIdent(DLT_COLUMNS.rootId);
  const matched = `(${key}) IN (SELECT ${key} FROM ${dialect.stagingTable(dataset, root.name)})`;
  const descendants = tables.descendantsOf(root.name);
  for (const d of descendants) {
    if (!(input.catalog.get(d.name) ?? []).some((c) => c.name === DLT_COLUMNS.rootId)) {
      throw new DestinationError(dialect.name, `child table "${d.name}" of merge table "${root.name}" has no ${DLT_COLUMNS.rootId} column.`, { table: d.name });
    }
  }
  const out: SqlStatement[] = [];
  let ids = `SELECT ${id} FROM ${target} WHERE ${matched}`;
  if (dialect.mergedIdsTable && descendants.length > 0) {
    out.push({ table: root.name, sql: `CREATE OR REPLACE TEMP TABLE ${dialect.mergedIdsTable} AS ${ids}` });
    ids = `SELECT ${id} FROM ${dialect.mergedIdsTable}`;
  }
  for (const d of descendants) out.push({ table: d.name, sql: `DELETE FROM ${dialect.table(dataset, d.name)} WHERE ${rootId} IN (${ids})` });
  out.push({ table: root.name, sql: `DELETE FROM ${target} WHERE ${matched}` });
  return out;
}

/**
 * dlt's system rows of a commit: the pipeline state (one row per load: a checkpoint replaces the previous
 * checkpoint's row of the same load), the schema version when it changed, and the `_dlt_loads` row
 * (status 0 once the final unit is in).
 */
function systemRows(dialect: SqlDialect, dataset: string, load: LoadCommit): SqlStatement[] {
  const q = (t: string) => dialect.table(dataset, t);
  const c = (...names: string[]) => names.map((n) => dialect.quoteIdent(n)).join(', ');
  const p = (...types: ('text' | 'bigint')[]) => types.map((t, i) => dialect.param(i + 1, t));
  const stateJson = JSON.stringify(load.state);
  const state = q('_dlt_pipeline_state');
  const out: SqlStatement[] = [
    {
      table: '_dlt_pipeline_state',
      sql: `DELETE FROM ${state} WHERE ${c('pipeline_name')} = ${dialect.param(1, 'text')} AND ${c('_dlt_load_id')} = ${dialect.param(2, 'text')}`,
      params: [load.pipelineName, load.loadId],
    },
    {
      table: '_dlt_pipeline_state',
      sql:
        `INSERT INTO ${state} (${c('version', 'engine_version', 'pipeline_name', 'state', 'created_at', 'version_hash', '_dlt_load_id')}) ` +
        `SELECT coalesce(max(${c('version')}), 0) + 1, ${STATE_ENGINE_VERSION}, ${p('text', 'text').join(', ')}, ${dialect.now()}, ` +
        `${dialect.param(3, 'text')}, ${dialect.param(4, 'text')} FROM ${state} WHERE ${c('pipeline_name')} = ${dialect.param(5, 'text')}`,
      params: [load.pipelineName, stateJson, md5(stateJson), load.loadId, load.pipelineName],
    },
  ];
  if (load.schemaChanged) {
    const version = q('_dlt_version');
    out.push({
      table: '_dlt_version',
      sql:
        `INSERT INTO ${version} (${c('version', 'engine_version', 'inserted_at', 'schema_name', 'version_hash', 'schema')}) ` +
        `SELECT coalesce(max(${c('version')}), 0) + 1, ${SCHEMA_ENGINE_VERSION}, ${dialect.now()}, ${p('text', 'text', 'text').join(', ')} ` +
        `FROM ${version} WHERE ${c('schema_name')} = ${dialect.param(4, 'text')}`,
      params: [load.schemaName, load.schemaVersionHash, JSON.stringify({ name: load.schemaName, version_hash: load.schemaVersionHash, tables: load.tables }), load.schemaName],
    });
  }
  const loads = q('_dlt_loads');
  out.push(
    { table: '_dlt_loads', sql: `DELETE FROM ${loads} WHERE ${c('load_id')} = ${dialect.param(1, 'text')}`, params: [load.loadId] },
    {
      table: '_dlt_loads',
      sql:
        `INSERT INTO ${loads} (${c('load_id', 'schema_name', 'status', 'inserted_at', 'schema_version_hash')}) ` +
        `VALUES (${dialect.param(1, 'text')}, ${dialect.param(2, 'text')}, ${load.final ? 0 : 1}, ${dialect.now()}, ${dialect.param(3, 'text')})`,
      params: [load.loadId, load.schemaName, load.schemaVersionHash],
    },
  );
  return out;
}

/** The hex MD5 of a text, as dlt writes `version_hash`. */
function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === 't' || v === 'true' || v === 1n;
}
