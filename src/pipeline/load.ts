import type { Destination, DestinationSession, OpenContext, StoredState } from '../../destinations/destination.js';
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
  /** Notes for the load info (e.g. a write disposition the destination lacks). */
  readonly notes: string[] = [];

  private constructor(destination: Destination, context: OpenLoadOptions, session: DestinationSession, stored: StoredState | undefined) {
    this.destination = destination;
    this.context = context;
    this.session = session;
    this.stored = stored;
    this.loadId = newLoadId();
    this.schema = new Schema(context.schemaName ?? 'notion', stored?.tables ?? []);
    for (const r of context.resources ?? []) {
      const disposition = this.#supported(r.writeDisposition);
      this.schema.ensureTable({ name: r.name, writeDisposition: disposition, ...(r.primaryKey ? { primaryKey: r.primaryKey } : {}) });
      this.schema.setWriteDisposition(r.name, disposition);
    }
    // The session has to be shown every known table once: it refuses writes to tables it was not shown.
    this.schema.markAllChanged();
  }

  /** Open a session on `destination` and read its state. */
  static async open(destination: Destination, context: OpenLoadOptions): Promise<Load> {
    const { schemaName: _s, resources: _r, ...openContext } = context;
    const session = new RuntimeSession(await destination.open(openContext));
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
   * Commit everything written so far, with `state` (merged over the stored state), atomically; then close.
   * @param writtenTables Tables that received rows (default: every table of the schema).
   */
  async commit(state: Readonly<Record<string, unknown>> = {}, writtenTables?: readonly string[]): Promise<void> {
    try {
      const changes = this.schema.takeChanges();
      if (changes.tables.length > 0) await this.session.ensureSchema(changes.tables);
      const versionHash = this.schema.versionHash();
      await this.session.commit({
        loadId: this.loadId,
        pipelineName: this.context.pipelineName,
        schemaName: this.schema.name,
        tables: this.schema.tables,
        schemaVersionHash: versionHash,
        schemaChanged: versionHash !== this.stored?.schemaVersionHash,
        state: { ...(this.stored?.state ?? {}), ...state, last_load_id: this.loadId },
        writtenTables: writtenTables ?? this.schema.tables.map((t) => t.name),
        replaceTables: this.schema.tables.filter((t) => t.parent === undefined && t.writeDisposition === 'replace').map((t) => t.name),
        final: true,
      });
    } finally {
      await this.close();
    }
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
    this.notes.push(`${this.destination.name} does not support write disposition ${d}: rows were appended`);
    return 'append';
  }
}

/** Open a {@link Load} (see there). */
export function openLoad(destination: Destination, context: OpenLoadOptions): Promise<Load> {
  return Load.open(destination, context);
}
