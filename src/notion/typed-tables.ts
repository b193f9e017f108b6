import { SchemaError } from '../errors.js';
import type { Row, TableDeclaration } from '../records.js';
import type { DataType } from '../schema/data-types.js';
import { collisionTag, normalizeIdentifier, shortenIdentifier } from '../schema/naming.js';
import { cellTypes, plainText, propertyCells, schemaKind, type CellRole, type PropertyValue } from './property-cells.js';

/**
 * One typed table per Notion database (per data source from API 2025-09-03 on): its name, fixed when
 * the database is first loaded, and one column per property, keyed by property id and kind.
 *
 * Naming rules (documented in the README):
 * - the table is the database title normalized (`Projects & Tasks` → `projects_tasks`); a name taken by a
 *   core table, a `_dlt_*` table or a typed table registered before gets the first 8 characters of the
 *   data source id (`projects_1a2b3c4d`); the name never changes afterwards, also when the database is renamed;
 * - a property's column is its name normalized; a renamed property keeps its column; a retyped property
 *   (or a formula whose result type changed) gets a new column, `<name>_<type>` when the name is taken,
 *   and the old one stays and stops filling, as does a deleted property's; a name that is taken by a
 *   system column or another property gets `_<type>`, then a short hash of the property id;
 * - a date fills `<col>`, `<col>__end` and `<col>__time_zone`; a unique id `<col>` and `<col>__number`.
 */

/** What the state remembers of one property's columns. */
export interface PropertyColumnsState {
  readonly property_id: string;
  /** Property type, refined by result type for formulas and rollups (`formula:number`). */
  readonly kind: string;
  /** The property's current name. */
  readonly name: string;
  /** Column per role (`value`, `end`, `time_zone`, `number`). */
  readonly columns: Partial<Record<CellRole, string>>;
  /** The property was deleted or retyped: its columns stay and stop filling. */
  readonly deleted?: boolean;
}

/** What the state remembers of one typed table. */
export interface TypedTableState {
  readonly table: string;
  /** The database's current title. */
  readonly title: string;
  readonly database_id: string;
  /** Undefined under 2022-06-28 (no data sources). */
  readonly data_source_id?: string;
  readonly properties: readonly PropertyColumnsState[];
}

/** The columns every typed table has, besides `_dlt_load_id` and `_dlt_id`. */
export function systemColumns(dataSources: boolean): readonly { readonly name: string; readonly dataType: DataType }[] {
  return [
    { name: 'id', dataType: 'text' },
    { name: 'url', dataType: 'text' },
    { name: 'created_time', dataType: 'timestamp' },
    { name: 'last_edited_time', dataType: 'timestamp' },
    { name: 'created_by', dataType: 'text' },
    { name: 'last_edited_by', dataType: 'text' },
    { name: 'in_trash', dataType: 'bool' },
    { name: 'database_id', dataType: 'text' },
    ...(dataSources ? [{ name: 'data_source_id', dataType: 'text' as const }] : []),
  ];
}

/** One row of the `notion_properties` table: which column holds which property. */
export interface PropertyMappingRow extends Row {
  readonly id: string;
  readonly table_name: string;
  readonly column_name: string;
  readonly cell: CellRole;
  readonly database_title: string;
  readonly database_id: string;
  readonly data_source_id: string | null;
  readonly property_id: string;
  readonly property_name: string;
  readonly property_type: string;
  readonly deleted: boolean;
}

/** The table that maps typed-table columns to Notion properties. */
export const PROPERTY_MAPPING_TABLE = 'notion_properties';

/** The declaration of {@link PROPERTY_MAPPING_TABLE}. */
export const PROPERTY_MAPPING_DECLARATION: TableDeclaration = {
  primaryKey: ['id'],
  writeDisposition: 'merge',
  columns: [
    { name: 'id', dataType: 'text' },
    { name: 'table_name', dataType: 'text' },
    { name: 'column_name', dataType: 'text' },
    { name: 'cell', dataType: 'text' },
    { name: 'database_title', dataType: 'text' },
    { name: 'database_id', dataType: 'text' },
    { name: 'data_source_id', dataType: 'text' },
    { name: 'property_id', dataType: 'text' },
    { name: 'property_name', dataType: 'text' },
    { name: 'property_type', dataType: 'text' },
    { name: 'deleted', dataType: 'bool' },
  ],
};

/** The data source (or 2022-06-28 database) id of a database page; undefined for a standalone page. */
export function containerOf(page: Readonly<Record<string, unknown>>): string | undefined {
  const parent = page['parent'] as { type?: string; data_source_id?: string; database_id?: string } | undefined;
  if (parent?.type === 'data_source_id') return parent.data_source_id;
  if (parent?.type === 'database_id') return parent.database_id;
  return undefined;
}

/** Longest table and column names the registry makes: every destination takes 63 (Postgres' limit). */
const MAX_NAME = 63;
const ROLE_SUFFIX: Record<CellRole, string> = { value: '', end: '__end', time_zone: '__time_zone', number: '__number' };

type Obj = Record<string, unknown> & { readonly id: string };

/** One typed table while a load runs. */
class TypedTable {
  title: string;
  readonly table: string;
  readonly databaseId: string;
  readonly dataSourceId: string | undefined;
  readonly #byKey = new Map<string, PropertyColumnsState>();
  readonly #used = new Set<string>();
  readonly #dataSources: boolean;
  #declaration: TableDeclaration | undefined;

  constructor(state: TypedTableState, dataSources: boolean) {
    this.table = state.table;
    this.title = state.title;
    this.databaseId = state.database_id;
    this.dataSourceId = state.data_source_id;
    this.#dataSources = dataSources;
    for (const c of systemColumns(dataSources)) this.#used.add(c.name);
    for (const p of state.properties) {
      this.#byKey.set(`${p.property_id}\0${p.kind}`, p);
      for (const col of Object.values(p.columns)) this.#used.add(col);
    }
  }

  get properties(): readonly PropertyColumnsState[] {
    return [...this.#byKey.values()];
  }

  /** The columns of a property kind, allocated on first sight; `changed` when the mapping moved (new, renamed, revived). */
  columnsOf(propertyId: string, kind: string, name: string): { readonly p: PropertyColumnsState; readonly changed: boolean } {
    const key = `${propertyId}\0${kind}`;
    const known = this.#byKey.get(key);
    if (known !== undefined && known.name === name && !known.deleted) return { p: known, changed: false };
    const p: PropertyColumnsState = { property_id: propertyId, kind, name, columns: known?.columns ?? this.#allocate(name, kind, propertyId) };
    this.#byKey.set(key, p);
    if (known === undefined) this.#declaration = undefined;
    return { p, changed: true };
  }

  /** Mark deleted the properties a schema no longer has, or has with another type; true if any was. */
  retire(live: ReadonlyMap<string, string>): boolean {
    let changed = false;
    for (const [key, p] of this.#byKey) {
      const type = live.get(p.property_id);
      if (p.deleted || (type !== undefined && (p.kind === type || p.kind.startsWith(`${type}:`)))) continue;
      this.#byKey.set(key, { ...p, deleted: true });
      changed = true;
    }
    return changed;
  }

  declaration(): TableDeclaration {
    if (this.#declaration) return this.#declaration;
    const columns: { name: string; dataType: DataType }[] = [...systemColumns(this.#dataSources)];
    for (const p of this.#byKey.values()) {
      const types = cellTypes(p.kind);
      for (const [role, column] of Object.entries(p.columns) as [CellRole, string][]) columns.push({ name: column, dataType: types[role] ?? 'json' });
    }
    return (this.#declaration = { primaryKey: ['id'], writeDisposition: 'merge', columns });
  }

  state(): TypedTableState {
    return {
      table: this.table,
      title: this.title,
      database_id: this.databaseId,
      ...(this.dataSourceId === undefined ? {} : { data_source_id: this.dataSourceId }),
      properties: this.properties,
    };
  }

  #allocate(name: string, kind: string, propertyId: string): Partial<Record<CellRole, string>> {
    const roles = Object.keys(cellTypes(kind)) as CellRole[];
    const normalized = normalizeIdentifier(name.trim() === '' ? 'property' : name);
    // `_dlt_*` names belong to dlt's columns: such a property gets a `p` in front.
    const base = shortenIdentifier(normalized.startsWith('_dlt') ? `p${normalized}` : normalized, 34);
    const type = normalizeIdentifier(kind.replace(':', '_'));
    for (const candidate of [base, `${base}_${type}`, `${base}_${collisionTag(`${propertyId}\0${kind}`)}`]) {
      const col = shortenIdentifier(candidate, MAX_NAME - 11);
      const names = roles.map((r) => col + ROLE_SUFFIX[r]);
      if (names.some((n) => this.#used.has(n))) continue;
      for (const n of names) this.#used.add(n);
      return Object.fromEntries(roles.map((r, i) => [r, names[i]!]));
    }
    // Three distinct candidates cannot all be taken unless two properties share id and kind, which the key rules out.
    throw new SchemaError(`Cannot name the columns of property ${propertyId} (${kind}): report this as a bug.`);
  }
}

/**
 * The typed tables of a load: registered from the data sources (or 2022-06-28 databases) as they are
 * listed, with the names and columns earlier loads fixed, and the row of each database page.
 *
 * @example
 * ```ts
 * const typed = new TypedTables(state.typed_tables, { dataSources: true, reserved: ['pages', 'blocks'] });
 * typed.register(dataSource);
 * const typedRow = typed.rowOf(page); // { table: 'projects', row: { id, name, status, due, … } }
 * ```
 */
export class TypedTables {
  readonly #byContainer = new Map<string, TypedTable>();
  readonly #taken = new Set<string>();
  readonly #reserved: ReadonlySet<string>;
  readonly #dataSources: boolean;
  readonly #dirty = new Set<string>();

  constructor(stored: Readonly<Record<string, TypedTableState>> | undefined, options: { readonly dataSources: boolean; readonly reserved: readonly string[] }) {
    this.#dataSources = options.dataSources;
    this.#reserved = new Set(options.reserved);
    for (const [id, s] of Object.entries(stored ?? {})) {
      this.#byContainer.set(id, new TypedTable(s, options.dataSources));
      this.#taken.add(s.table);
    }
  }

  /** Whether a container (data source or database id) had a typed table before this load. */
  has(containerId: string): boolean {
    return this.#byContainer.has(containerId);
  }

  /**
   * Register a data source (or 2022-06-28 database) object: its table on first sight, the columns of
   * its schema's properties, renamed titles and properties, and deleted or retyped properties retired.
   */
  register(container: Obj): void {
    const title = plainText(container['title']) ?? '';
    let t = this.#byContainer.get(container.id);
    if (t === undefined) {
      const parent = container['parent'] as { database_id?: string } | undefined;
      t = new TypedTable(
        {
          table: this.#name(title, container.id),
          title,
          database_id: this.#dataSources ? String(parent?.database_id ?? container.id) : container.id,
          ...(this.#dataSources ? { data_source_id: container.id } : {}),
          properties: [],
        },
        this.#dataSources,
      );
      this.#byContainer.set(container.id, t);
      this.#taken.add(t.table);
      this.#dirty.add(container.id);
    }
    if (t.title !== title) {
      t.title = title;
      this.#dirty.add(container.id);
    }
    const schema = (container['properties'] ?? {}) as Record<string, { id?: string; name?: string; type?: string }>;
    const live = new Map<string, string>();
    for (const [key, prop] of Object.entries(schema)) {
      if (typeof prop?.id !== 'string' || typeof prop.type !== 'string') continue;
      live.set(prop.id, prop.type);
      const kind = schemaKind(prop.type);
      if (kind !== undefined) this.#touch(container.id, t, prop.id, kind, prop.name ?? key);
    }
    if (Object.keys(schema).length > 0 && t.retire(live)) this.#dirty.add(container.id);
  }

  /** The typed table a page belongs to, if its database was registered. */
  tableOf(page: Obj): string | undefined {
    const id = containerOf(page);
    return id === undefined ? undefined : this.#byContainer.get(id)?.table;
  }

  /** The typed row of a database page (columns allocated for properties seen for the first time), or undefined. */
  rowOf(page: Obj): { readonly table: string; readonly row: Row } | undefined {
    const containerId = containerOf(page);
    const t = containerId === undefined ? undefined : this.#byContainer.get(containerId);
    if (t === undefined || containerId === undefined) return undefined;
    const parent = page['parent'] as { database_id?: string } | undefined;
    const row: Row = {
      id: page.id,
      url: page['url'] ?? null,
      created_time: page['created_time'] ?? null,
      last_edited_time: page['last_edited_time'] ?? null,
      created_by: (page['created_by'] as { id?: string } | undefined)?.id ?? null,
      last_edited_by: (page['last_edited_by'] as { id?: string } | undefined)?.id ?? null,
      in_trash: page['in_trash'] === true || page['archived'] === true,
      database_id: parent?.database_id ?? t.databaseId,
      ...(this.#dataSources ? { data_source_id: containerId } : {}),
    };
    for (const [name, value] of Object.entries((page['properties'] ?? {}) as Record<string, PropertyValue>)) {
      if (typeof value?.id !== 'string' || typeof value.type !== 'string') continue;
      const { kind, cells } = propertyCells(value);
      const p = this.#touch(containerId, t, value.id, kind, name);
      for (const [role, cell] of Object.entries(cells) as [CellRole, unknown][]) {
        const column = p.columns[role];
        if (column !== undefined) row[column] = cell;
      }
    }
    return { table: t.table, row };
  }

  /** The declaration of a typed table (its current columns). */
  declarationOf(table: string): TableDeclaration {
    for (const t of this.#byContainer.values()) if (t.table === table) return t.declaration();
    throw new SchemaError(`Unknown typed table ${table}: register its data source first.`);
  }

  /** Every typed table name. */
  get tables(): readonly string[] {
    return [...this.#byContainer.values()].map((t) => t.table);
  }

  /** Mapping rows of the tables that changed since the last call (all of them the first time a table is seen). */
  takeMappingRows(): PropertyMappingRow[] {
    const rows: PropertyMappingRow[] = [];
    for (const id of this.#dirty) {
      const t = this.#byContainer.get(id)!;
      for (const p of t.properties) {
        for (const [cell, column] of Object.entries(p.columns) as [CellRole, string][]) {
          rows.push({
            id: `${t.table}.${column}`,
            table_name: t.table,
            column_name: column,
            cell,
            database_title: t.title,
            database_id: t.databaseId,
            data_source_id: t.dataSourceId ?? null,
            property_id: p.property_id,
            property_name: p.name,
            property_type: p.kind,
            deleted: p.deleted === true,
          });
        }
      }
    }
    this.#dirty.clear();
    return rows;
  }

  /** The registry as stored in the source state. */
  state(): Record<string, TypedTableState> {
    return Object.fromEntries([...this.#byContainer].map(([id, t]) => [id, t.state()]));
  }

  #touch(containerId: string, t: TypedTable, propertyId: string, kind: string, name: string): PropertyColumnsState {
    const { p, changed } = t.columnsOf(propertyId, kind, name);
    if (changed) this.#dirty.add(containerId);
    return p;
  }

  #name(title: string, id: string): string {
    const normalized = title.trim() === '' ? 'untitled' : normalizeIdentifier(title);
    // `_dlt_*` names belong to dlt's system tables: such a database gets a `t` in front.
    const base = shortenIdentifier(normalized.startsWith('_dlt') ? `t${normalized}` : normalized, MAX_NAME - 9);
    const reserved = (n: string): boolean => this.#reserved.has(n) || [...this.#reserved].some((r) => n.startsWith(`${r}__`)) || this.#taken.has(n);
    return reserved(base) ? `${base}_${id.replace(/-/g, '').slice(0, 8)}` : base;
  }
}
