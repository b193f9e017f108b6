import { createHash } from 'node:crypto';
import { SchemaError } from '../errors.js';
import type { TableDeclaration } from '../records.js';
import type { DataType } from './data-types.js';
import { DLT_COLUMNS, type ColumnSchema, type TableSchema, type WriteDisposition } from './table-schema.js';

/** What changed in a {@link Schema} since the last {@link Schema.takeChanges} call. */
export interface SchemaChanges {
  /** Tables that are new or got new columns, in their current (full) form. */
  readonly tables: readonly TableSchema[];
}

/** How declared tables (see {@link Schema.declareTable}) fit the load and the destination. */
export interface SchemaPolicy {
  /** The write disposition a declared table gets (a full refresh replaces; a destination without merge appends). Default: as declared. */
  readonly disposition?: (declared: WriteDisposition) => WriteDisposition;
  /** The type a declared column gets (a destination without list types stores them as `json`). Default: as declared. */
  readonly dataType?: (declared: DataType) => DataType;
}

/**
 * The evolving schema of one source: its tables and their columns. Tables and columns are only
 * ever added (new column → ALTER on the destination); a value whose type conflicts with its column
 * goes to a variant column `<col>__v_<type>` instead (see `inferSchema`).
 *
 * The schema is shared by `inferSchema` (which grows it), `toRecordBatches` (which cuts batches with
 * the current columns) and the pipeline (which asks the destination to catch up before a write).
 */
export class Schema {
  readonly name: string;
  readonly #tables = new Map<string, TableSchema>();
  readonly #columnIndex = new Map<string, Map<string, ColumnSchema>>();
  readonly #dirty = new Set<string>();
  readonly #hints = new Map<string, ReadonlyArray<readonly [string, DataType]>>();
  readonly #policy: SchemaPolicy;
  readonly #declared = new Set<string>();
  #version = 0;

  constructor(name: string, tables: readonly TableSchema[] = [], policy: SchemaPolicy = {}) {
    this.name = name;
    this.#policy = policy;
    for (const t of tables) this.#put(t);
    this.#dirty.clear();
  }

  /** Bumped on every change; cheap to compare. */
  get version(): number {
    return this.#version;
  }

  /** Every table, parents before their children. */
  get tables(): readonly TableSchema[] {
    return [...this.#tables.values()];
  }

  table(name: string): TableSchema | undefined {
    return this.#tables.get(name);
  }

  column(table: string, column: string): ColumnSchema | undefined {
    return this.#columnIndex.get(table)?.get(column);
  }

  /** The root table of `table` (itself for a root table). */
  rootOf(table: string): string {
    let t = this.#tables.get(table);
    while (t?.parent !== undefined) t = this.#tables.get(t.parent);
    if (!t) throw new SchemaError(`Unknown table "${table}".`);
    return t.name;
  }

  /** The descendants of a table (children, grandchildren, …). */
  childrenOf(table: string): readonly TableSchema[] {
    const out: TableSchema[] = [];
    for (const t of this.#tables.values()) {
      let p = t.parent;
      while (p !== undefined) {
        if (p === table) {
          out.push(t);
          break;
        }
        p = this.#tables.get(p)?.parent;
      }
    }
    return out;
  }

  /** Declare a table if it does not exist yet (the resource tables, with their key and disposition). */
  ensureTable(def: { name: string; parent?: string; primaryKey?: readonly string[]; writeDisposition?: WriteDisposition; columns?: readonly ColumnSchema[] }): TableSchema {
    const existing = this.#tables.get(def.name);
    if (existing) return existing;
    const parent = def.parent === undefined ? undefined : this.#tables.get(def.parent);
    if (def.parent !== undefined && !parent) throw new SchemaError(`Parent table "${def.parent}" of "${def.name}" is unknown.`);
    const table: TableSchema = {
      name: def.name,
      columns: def.columns ?? [],
      ...(def.parent !== undefined ? { parent: def.parent } : {}),
      ...(def.primaryKey ? { primaryKey: def.primaryKey } : {}),
      writeDisposition: def.writeDisposition ?? parent?.writeDisposition ?? 'append',
    };
    this.#put(table);
    return table;
  }

  /**
   * Declare a root table whose columns the source knows (Notion's typed tables, `page_content`): created
   * on first sight with its key and disposition, then any declared column it lacks is added. A column
   * that exists keeps its type (a value that no longer fits goes to a variant column, as for inference).
   */
  declareTable(name: string, declared: TableDeclaration): TableSchema {
    const pk = new Set(declared.primaryKey);
    if (!this.#declared.has(name)) {
      // Once per schema (per load): a stored table takes this load's disposition, as declared resources do.
      const disposition = this.#policy.disposition?.(declared.writeDisposition) ?? declared.writeDisposition;
      this.ensureTable({ name, primaryKey: declared.primaryKey, writeDisposition: disposition });
      this.setWriteDisposition(name, disposition);
      this.#declared.add(name);
    }
    for (const c of declared.columns) {
      if (this.column(name, c.name)) continue;
      this.addColumn(name, { name: c.name, dataType: this.#policy.dataType?.(c.dataType) ?? c.dataType, nullable: !pk.has(c.name) });
    }
    for (const link of [DLT_COLUMNS.loadId, DLT_COLUMNS.id]) {
      if (!this.column(name, link)) this.addColumn(name, { name: link, dataType: 'text', nullable: false });
    }
    return this.#tables.get(name)!;
  }

  /** Append a column to a table (no-op when it exists with the same type). */
  addColumn(table: string, column: ColumnSchema): void {
    const t = this.#tables.get(table);
    if (!t) throw new SchemaError(`Unknown table "${table}".`);
    const existing = this.#columnIndex.get(table)!.get(column.name);
    if (existing) {
      if (existing.dataType !== column.dataType) {
        throw new SchemaError(`Column "${table}"."${column.name}" is ${existing.dataType}, not ${column.dataType}.`);
      }
      return;
    }
    this.#put({ ...t, columns: [...t.columns, column] });
  }

  /** Column types by name suffix for a root table and its child tables (see `ResourceDef.typeHints`). */
  setTypeHints(table: string, hints: Readonly<Record<string, DataType>>): void {
    this.#hints.set(table, Object.entries(hints));
  }

  /** The hinted type of a new column, if its root table has a hint whose suffix the name ends with. */
  hintFor(table: string, column: string): DataType | undefined {
    const hints = this.#hints.get(this.#tables.has(table) ? this.rootOf(table) : table);
    if (!hints) return undefined;
    for (const [suffix, type] of hints) if (column.endsWith(suffix)) return type;
    return undefined;
  }

  /** Change a table's write disposition (for example `replace` on a full refresh). */
  setWriteDisposition(table: string, writeDisposition: WriteDisposition): void {
    const t = this.#tables.get(table);
    if (!t || t.writeDisposition === writeDisposition) return;
    this.#put({ ...t, writeDisposition });
  }

  /**
   * Tables changed since the previous call, and clear the change set. Tables without columns yet (a
   * declared resource that produced no row so far) cannot be created anywhere: they stay pending.
   */
  takeChanges(): SchemaChanges {
    const tables: TableSchema[] = [];
    for (const name of this.#dirty) {
      const t = this.#tables.get(name)!;
      if (t.columns.length === 0) continue;
      tables.push(t);
      this.#dirty.delete(name);
    }
    return { tables };
  }

  /** Mark every table as changed, so the next {@link takeChanges} returns them all (a new session must see them). */
  markAllChanged(): void {
    for (const name of this.#tables.keys()) this.#dirty.add(name);
  }

  /**
   * A stable hash of the tables and columns (the `version_hash` of `_dlt_version`). Tables and columns
   * are hashed in name order, as dlt hashes its schema with sorted keys: the same tables and columns give
   * the same hash whatever order pages arrived in (concurrent requests, retries).
   */
  versionHash(): string {
    const h = createHash('sha256');
    for (const t of [...this.#tables.values()].sort(byName)) {
      h.update(t.name).update('\0').update(t.parent ?? '').update('\0').update(t.writeDisposition).update('\0');
      for (const c of [...t.columns].sort(byName)) h.update(c.name).update(':').update(c.dataType).update(c.nullable ? '?' : '!').update(',');
      h.update('\n');
    }
    return h.digest('base64url').slice(0, 22);
  }

  #put(t: TableSchema): void {
    this.#tables.set(t.name, t);
    this.#columnIndex.set(t.name, new Map(t.columns.map((c) => [c.name, c])));
    this.#dirty.add(t.name);
    this.#version++;
  }
}

/** Shorthand for a column's type lookup used by hot loops. */
export type ColumnTypeOf = (table: string, column: string) => DataType | undefined;

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
