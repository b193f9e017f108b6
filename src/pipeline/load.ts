import type { DeleteSpec, Destination, DestinationSession, OpenContext, StoredState } from '../../destinations/destination.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import type { ResourceDef } from '../resources/resource.js';
import { Schema } from '../schema/schema.js';
import type { WriteDisposition } from '../schema/table-schema.js';
import { newLoadId } from './load-id.js';

/** Options of {@link openLoad}. */
export interface OpenLoadOptions extends OpenContext {
  /** Schema name (the source's name). Default `notion`. */
  readonly schemaName?: string;
  /** Root tables to declare, with their primary key and write disposition. */
  readonly resources?: readonly ResourceDef[];
  /** Load every resource with write disposition `replace` (emptied at the first commit). */
  readonly fullRefresh?: boolean;
}

/**
 * One load into a destination, for flows composed by hand: it opens a session (wrapped in
 * `RuntimeSession`), reads the stored state and schema, and commits data, state and the load row
 * together. `Pipeline.run` is built on it.
 *
 * @example
 * ```ts
 * const load = await openLoad(duckdb({ path: 'tasks.duckdb' }), { pipelineName: 'tasks', datasetName: 'notion_data',
 *   resources: [{ name: 'tasks', primaryKey: ['id'], writeDisposition: 'merge' }] });
 * await lastValueFrom(rows$.pipe(normalize(load.normalizerOptions), inferSchema(load.schema),
 *   toRecordBatches(load.schema), writeTo(load.session, load.schema)), { defaultValue: undefined });
 * await load.commit();
 * ```
 */
export class Load {
  readonly loadId: string;
  readonly session: DestinationSession;
  readonly schema: Schema;
  readonly stored: StoredState | undefined;
  readonly destination: Destination;
  readonly context: OpenLoadOptions;
  readonly #notes: string[] = [];
  #state: Readonly<Record<string, unknown>>;
  #committedHash: string | undefined;
  readonly #replaced = new Set<string>();
  #ignoredDeletes = 0;

  private constructor(destination: Destination, context: OpenLoadOptions, session: DestinationSession, stored: StoredState | undefined) {
    this.destination = destination;
    this.context = context;
    this.session = session;
    this.stored = stored;
    this.loadId = newLoadId();
    this.#state = stored?.state ?? {};
    this.#committedHash = stored?.schemaVersionHash;
    const supported = new Set(destination.capabilities.supportedTypes);
    this.schema = new Schema(context.schemaName ?? 'notion', stored?.tables ?? [], {
      disposition: (d) => this.#supported(context.fullRefresh ? 'replace' : d),
      // A destination without list columns stores lists as JSON documents (as dlt stores complex values).
      dataType: (t) => (supported.has(t) ? t : 'json'),
    });
    for (const r of context.resources ?? []) {
      const disposition = this.#supported(context.fullRefresh ? 'replace' : r.writeDisposition);
      this.schema.ensureTable({ name: r.name, writeDisposition: disposition, ...(r.primaryKey ? { primaryKey: r.primaryKey } : {}) });
      this.schema.setWriteDisposition(r.name, disposition);
      if (r.typeHints) this.schema.setTypeHints(r.name, r.typeHints);
    }
    // The session has to be shown every known table once: it refuses writes to tables it was not shown.
    this.schema.markAllChanged();
  }

  /** Open a session on `destination` and read its state. */
  static async open(destination: Destination, context: OpenLoadOptions): Promise<Load> {
    const { schemaName: _s, resources: _r, fullRefresh: _f, ...openContext } = context;
    const session = new RuntimeSession(await destination.open(openContext), destination.name);
    try {
      const stored = await session.readState(context.pipelineName);
      return new Load(destination, context, session, stored);
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** Options for `normalize`: this load's id, the destination's identifier limit, the tables' primary keys. */
  get normalizerOptions(): { loadId: string; maxIdentifierLength: number; primaryKeyOf: (table: string) => string | undefined } {
    return {
      loadId: this.loadId,
      maxIdentifierLength: this.destination.capabilities.maxIdentifierLength,
      primaryKeyOf: (table) => this.schema.table(table)?.primaryKey?.[0],
    };
  }

  /**
   * Commit what was written since the previous commit — data, `state` (replacing the stored state's
   * top-level keys) and the load row — atomically, and keep the session open for the next unit.
   * `final` marks the load complete (`_dlt_loads.status = 0`).
   */
  async commitUnit(unit: {
    readonly state?: Readonly<Record<string, unknown>>;
    readonly deletes?: readonly DeleteSpec[];
    readonly writtenTables?: readonly string[];
    readonly final: boolean;
  }): Promise<void> {
    if (!this.destination.capabilities.appliesDeletes) this.#ignoredDeletes += (unit.deletes ?? []).reduce((n, d) => n + d.values.length, 0);
    const changes = this.schema.takeChanges();
    if (changes.tables.length > 0) await this.session.ensureSchema(changes.tables);
    const versionHash = this.schema.versionHash();
    // `replace` empties a table once per load, at the first commit that knows it (declared tables appear mid-load).
    const replaceTables = this.schema.tables.filter((t) => t.parent === undefined && t.writeDisposition === 'replace' && !this.#replaced.has(t.name)).map((t) => t.name);
    this.#state = { ...this.#state, ...unit.state, last_load_id: this.loadId };
    await this.session.commit({
      loadId: this.loadId,
      pipelineName: this.context.pipelineName,
      schemaName: this.schema.name,
      tables: this.schema.tables,
      schemaVersionHash: versionHash,
      schemaChanged: versionHash !== this.#committedHash,
      state: this.#state,
      writtenTables: unit.writtenTables ?? this.schema.tables.map((t) => t.name),
      replaceTables,
      final: unit.final,
      ...(unit.deletes && unit.deletes.length > 0 ? { deletes: unit.deletes } : {}),
    });
    for (const t of replaceTables) this.#replaced.add(t);
    this.#committedHash = versionHash;
  }

  /** Commit everything written (see {@link commitUnit}) as the load's last commit, then close. */
  async commit(state: Readonly<Record<string, unknown>> = {}, writtenTables?: readonly string[]): Promise<void> {
    try {
      await this.commitUnit({ state, final: true, ...(writtenTables ? { writtenTables } : {}) });
    } finally {
      await this.close();
    }
  }

  /**
   * Notes for the load info: write dispositions the destination lacks, and the row deletes it does not
   * apply (`capabilities.appliesDeletes`).
   */
  get notes(): readonly string[] {
    const ignored = this.#ignoredDeletes === 0
      ? []
      : [`${this.destination.name} does not apply row deletes: ${this.#ignoredDeletes} replaced or removed object(s) keep their earlier rows; deduplicate by _dlt_id, keeping the newest _dlt_load_id`];
    return [...new Set(this.#notes), ...ignored];
  }

  /** The state as last committed (or stored, before the first commit). */
  get state(): Readonly<Record<string, unknown>> {
    return this.#state;
  }

  /** Discard what was written and close. */
  async rollback(): Promise<void> {
    try {
      await this.session.rollback();
    } finally {
      await this.close();
    }
  }

  /** Close the session (idempotent). */
  async close(): Promise<void> {
    await this.session.close();
  }

  // dlt's rule: a disposition the destination lacks falls back to append, and the load info says so.
  #supported(d: WriteDisposition): WriteDisposition {
    if (this.destination.capabilities.writeDispositions.includes(d)) return d;
    this.#notes.push(`${this.destination.name} does not support write disposition ${d}: rows were appended`);
    return 'append';
  }
}

/** Open a {@link Load} (see there). */
export function openLoad(destination: Destination, context: OpenLoadOptions): Promise<Load> {
  return Load.open(destination, context);
}
