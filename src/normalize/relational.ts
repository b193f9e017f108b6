import { randomBytes, createHash } from 'node:crypto';
import { DLT_COLUMNS } from '../schema/table-schema.js';
import { PATH_SEPARATOR, collisionTag, normalizeIdentifier, shortenIdentifier } from '../schema/naming.js';
import type { NormalizedPage, ResourcePage, Row, TableDeclaration, TableRows } from '../records.js';
import { storableText, storableValue } from './storable-text.js';

/** Options of {@link RelationalNormalizer}. */
export interface NormalizerOptions {
  /** Load id stamped on every row as `_dlt_load_id`. */
  readonly loadId: string;
  /** Longest identifier the destination takes; longer table and column names are shortened with a hash. Default 63. */
  readonly maxIdentifierLength?: number;
  /** Primary key column of each root table (`id` for the Notion resources); used for deterministic `_dlt_id`s. */
  readonly primaryKeyOf?: (table: string) => string | undefined;
}

const { loadId: LOAD_ID, id: DLT_ID, parentId: PARENT_ID, listIdx: LIST_IDX, rootId: ROOT_ID } = DLT_COLUMNS;

/**
 * dlt's relational normalizer: nested objects are flattened into `a__b__c` columns, arrays become child
 * tables `<table>__<path>` whose rows link back with `_dlt_parent_id`, `_dlt_list_idx` and `_dlt_root_id`
 * (arrays of scalars give rows with a `value` column; arrays inside arrays give grandchild tables).
 * Every name is normalized to snake_case (user text such as Notion property names never reaches SQL
 * as is) and two keys of one object that normalize alike are told apart with a hash suffix. Every
 * string value is made storable here, once for every destination: NUL and lone surrogates become
 * U+FFFD (see `storableText`).
 *
 * `_dlt_id` is deterministic: a hash of the primary key for root rows that have one, and the parent's
 * id plus the list position for child rows, so loading the same object twice yields the same ids and a
 * merge replaces instead of duplicating.
 */
export class RelationalNormalizer {
  readonly #loadId: string;
  readonly #maxLength: number;
  readonly #primaryKeyOf: (table: string) => string | undefined;
  /** table → path prefix → names of the keys met there, so each key is normalized once per place. */
  readonly #names = new Map<string, Map<string, KeyNames>>();
  /** parent table → path → the child table and the tag of its `_dlt_id`s. */
  readonly #childTables = new Map<string, Map<string, { readonly table: string; readonly tag: string }>>();

  constructor(options: NormalizerOptions) {
    this.#loadId = options.loadId;
    this.#maxLength = options.maxIdentifierLength ?? 63;
    this.#primaryKeyOf = options.primaryKeyOf ?? (() => undefined);
  }

  /** Normalize one page of objects of a resource into rows of its root and child tables. */
  normalizePage(page: ResourcePage): NormalizedPage {
    if (page.table) return this.#flatPage(page, page.table);
    const out = new Map<string, { parent?: string; rows: Row[] }>();
    const table = normalizeIdentifier(page.resource);
    const pk = this.#primaryKeyOf(table);
    const rootRows = this.#bucket(out, table, undefined);
    for (const item of page.items) {
      const row: Row = {};
      const keyValue = pk === undefined ? undefined : item[pk];
      const dltId = keyValue === undefined || keyValue === null ? randomId() : hashId(table, String(keyValue));
      row[LOAD_ID] = this.#loadId;
      row[DLT_ID] = dltId;
      this.#flatten(out, table, row, item, '', dltId, dltId);
      rootRows.push(row);
    }
    const tables: TableRows[] = [];
    for (const [name, b] of out) tables.push(b.parent === undefined ? { table: name, rows: b.rows } : { table: name, parent: b.parent, rows: b.rows });
    return { resource: table, tables };
  }

  /** A declared table's items are rows already: only the `_dlt_*` columns are added. */
  #flatPage(page: ResourcePage, declared: TableDeclaration): NormalizedPage {
    const table = normalizeIdentifier(page.resource);
    const pk = declared.primaryKey[0];
    const rows = page.items.map((item): Row => {
      const key = pk === undefined ? undefined : item[pk];
      const row: Row = {};
      for (const column of Object.keys(item)) row[column] = storableValue(item[column]);
      row[LOAD_ID] = this.#loadId;
      row[DLT_ID] = key === undefined || key === null ? randomId() : hashId(table, String(key));
      return row;
    });
    return { resource: table, tables: [{ table, rows, declared }] };
  }

  #flatten(out: Map<string, { parent?: string; rows: Row[] }>, table: string, row: Row, obj: Record<string, unknown>, prefix: string, rowId: string, rootId: string): void {
    const names = this.#namesFor(table, prefix, obj);
    for (const key in obj) {
      const value = obj[key];
      if (value === undefined) continue;
      const name = names.get(key)!;
      if (typeof value === 'string') {
        row[name] = storableText(value);
      } else if (value === null || typeof value !== 'object') {
        row[name] = value;
      } else if (Array.isArray(value)) {
        if (value.length > 0) this.#children(out, table, name, value, rowId, rootId);
      } else {
        this.#flatten(out, table, row, value as Record<string, unknown>, name, rowId, rootId);
      }
    }
  }

  #children(out: Map<string, { parent?: string; rows: Row[] }>, parentTable: string, path: string, items: readonly unknown[], parentId: string, rootId: string): void {
    const { table, tag } = this.#childTable(parentTable, path);
    const rows = this.#bucket(out, table, parentTable);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const dltId = `${parentId}.${tag}${i}`;
      const row: Row = { [LOAD_ID]: this.#loadId, [DLT_ID]: dltId, [PARENT_ID]: parentId, [LIST_IDX]: i, [ROOT_ID]: rootId };
      if (typeof item === 'string') row['value'] = storableText(item);
      else if (item === null || typeof item !== 'object') row['value'] = item;
      else if (Array.isArray(item)) {
        if (item.length > 0) this.#children(out, table, 'value', item, dltId, rootId);
      } else this.#flatten(out, table, row, item as Record<string, unknown>, '', dltId, rootId);
      rows.push(row);
    }
  }

  #bucket(out: Map<string, { parent?: string; rows: Row[] }>, table: string, parent: string | undefined): Row[] {
    let b = out.get(table);
    if (!b) {
      b = parent === undefined ? { rows: [] } : { parent, rows: [] };
      out.set(table, b);
    }
    return b.rows;
  }

  /**
   * Column names for the keys of `obj` under `prefix`. Keys are normalized once and cached; when two
   * keys of this object normalize to the same name, the key already in normalized form (else the first
   * in sort order) keeps it and the others get a hash suffix — a rule that depends only on the object,
   * not on the order objects arrive in.
   */
  #namesFor(table: string, prefix: string, obj: Record<string, unknown>): ReadonlyMap<string, string> {
    let byPrefix = this.#names.get(table);
    if (!byPrefix) this.#names.set(table, (byPrefix = new Map()));
    let place = byPrefix.get(prefix);
    if (!place) byPrefix.set(prefix, (place = { names: new Map(), owners: new Map(), mayCollide: false }));
    const { names: base, owners } = place;
    for (const key in obj) {
      if (base.has(key)) continue;
      let name = this.#join(prefix, normalizeIdentifier(key));
      if (prefix === '' && name.startsWith('_dlt_')) name = this.#join(prefix, `${normalizeIdentifier(key)}_${collisionTag(key)}`);
      base.set(key, name);
      // Two keys met here that normalize alike: from now on objects are checked one by one.
      if (owners.has(name)) place.mayCollide = true;
      else owners.set(name, key);
    }
    if (!place.mayCollide) return base;
    const seen = new Set<string>();
    for (const key in obj) {
      const name = base.get(key)!;
      if (seen.has(name)) return this.#resolveCollisions(base, prefix, obj);
      seen.add(name);
    }
    return base;
  }

  #resolveCollisions(base: ReadonlyMap<string, string>, prefix: string, obj: Record<string, unknown>): ReadonlyMap<string, string> {
    const groups = new Map<string, string[]>();
    for (const key in obj) {
      const name = base.get(key)!;
      const g = groups.get(name);
      if (g) g.push(key);
      else groups.set(name, [key]);
    }
    const names = new Map<string, string>();
    for (const [name, keys] of groups) {
      const keeper = keys.find((k) => normalizeIdentifier(k) === k) ?? [...keys].sort()[0]!;
      for (const key of keys) names.set(key, key === keeper ? name : this.#join(prefix, `${normalizeIdentifier(key)}_${collisionTag(key)}`));
    }
    return names;
  }

  #join(prefix: string, part: string): string {
    return shortenIdentifier(prefix === '' ? part : `${prefix}${PATH_SEPARATOR}${part}`, this.#maxLength);
  }

  #childTable(parentTable: string, path: string): { readonly table: string; readonly tag: string } {
    let byPath = this.#childTables.get(parentTable);
    if (!byPath) this.#childTables.set(parentTable, (byPath = new Map()));
    let child = byPath.get(path);
    if (!child) {
      const table = shortenIdentifier(`${parentTable}${PATH_SEPARATOR}${path}`, this.#maxLength);
      child = { table, tag: createHash('sha256').update(table).digest('base64url').slice(0, 4) };
      byPath.set(path, child);
    }
    return child;
  }
}

/** Column names of the keys met at one place (table and path prefix) of the data. */
interface KeyNames {
  /** source key → column name (before collisions inside one object are broken). */
  readonly names: Map<string, string>;
  /** column name → the first key that got it. */
  readonly owners: Map<string, string>;
  /** Whether two keys met here got the same name: then each object is checked for both. */
  mayCollide: boolean;
}

function hashId(table: string, key: string): string {
  return createHash('md5').update(table).update('\0').update(key).digest('base64url').slice(0, 14);
}

function randomId(): string {
  return randomBytes(10).toString('base64url').slice(0, 14);
}
