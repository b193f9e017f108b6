import type { RecordBatch, Table } from 'apache-arrow';
import type { TableSchema } from '../src/schema/table-schema.js';
import type { Abortable, DestinationSession, LoadCommit, QueryResult, StoredState } from './destination.js';
import { NotionflowError } from '../src/errors.js';
import { DestinationError, DestinationStateError } from './errors.js';

/**
 * Where a session is in its lifecycle.
 * - `opened`: nothing called yet; `readState` comes first.
 * - `idle`: state read or last unit committed; a new unit may start.
 * - `writing`: schema ensured or batches staged since the last commit.
 * - `failed`: a call failed; only `rollback` or `close` may follow.
 * - `closed`: only `close` (a no-op) may follow.
 */
export type SessionPhase = 'opened' | 'idle' | 'writing' | 'failed' | 'closed';

/**
 * Wraps any {@link DestinationSession} and enforces the order of calls, once, for every destination
 * (kysely's `RuntimeDriver`): `readState` → (`ensureSchema`* → `write`* → `commit`)* → `close`, with
 * `rollback` instead of `commit` after an error. A call out of order raises {@link DestinationStateError}
 * without reaching the destination:
 *
 * - anything but `readState`/`close` before `readState`;
 * - `write` for a table, or a column, that no `ensureSchema` of this session covered;
 * - `ensureSchema`, `write` or `commit` after a failed call, until `rollback`;
 * - anything but `close` after `close`.
 *
 * Calls are serialized: each starts after the previous one settled, so `close()` issued while a write is
 * in flight (an unsubscribe) waits for it and then releases the connection. `close` is idempotent and
 * runs after errors too.
 *
 * Given the destination's name, it also makes sure every error a call raises is typed: an error that is
 * not a notionflow error (a driver's own, which a destination let through) becomes a one-line
 * {@link DestinationError} naming the destination and the call, with the original as its `cause`.
 *
 * @example
 * ```ts
 * const session = new RuntimeSession(await destination.open(ctx));
 * const stored = await session.readState(ctx.pipelineName);
 * await session.ensureSchema(schema.tables);
 * await session.write('pages', batch);
 * await session.commit(load);
 * await session.close();
 * ```
 */
export class RuntimeSession implements DestinationSession {
  readonly #inner: DestinationSession;
  readonly #destination: string | undefined;
  readonly #ensured = new Map<string, Set<string>>();
  #phase: SessionPhase = 'opened';
  #tail: Promise<unknown> = Promise.resolve();

  /** `destination`: the destination's name, for the errors it lets through untyped (see above). */
  constructor(inner: DestinationSession, destination?: string) {
    this.#inner = inner;
    this.#destination = destination;
  }

  /** The current lifecycle phase. */
  get phase(): SessionPhase {
    return this.#phase;
  }

  readState(pipelineName: string, opts?: Abortable): Promise<StoredState | undefined> {
    return this.#run('readState', ['opened', 'idle'], () => this.#inner.readState(pipelineName, opts), 'idle');
  }

  ensureSchema(tables: readonly TableSchema[], opts?: Abortable): Promise<void> {
    return this.#run('ensureSchema', ['idle', 'writing'], async () => {
      await this.#inner.ensureSchema(tables, opts);
      for (const t of tables) {
        const columns = this.#ensured.get(t.name) ?? new Set<string>();
        for (const c of t.columns) columns.add(c.name);
        this.#ensured.set(t.name, columns);
      }
    }, 'writing');
  }

  write(table: string, batch: RecordBatch, opts?: Abortable): Promise<void> {
    return this.#run('write', ['idle', 'writing'], () => {
      const columns = this.#ensured.get(table);
      if (!columns) throw new DestinationStateError(`write("${table}") before ensureSchema covered that table.`);
      const missing = batch.schema.fields.find((f) => !columns.has(f.name));
      if (missing) throw new DestinationStateError(`write("${table}") carries column "${missing.name}" that ensureSchema never added.`);
      return this.#inner.write(table, batch, opts);
    }, 'writing');
  }

  commit(load: LoadCommit, opts?: Abortable): Promise<void> {
    return this.#run('commit', ['idle', 'writing'], () => this.#inner.commit(load, opts), 'idle');
  }

  rollback(opts?: Abortable): Promise<void> {
    return this.#run('rollback', ['idle', 'writing', 'failed'], () => this.#inner.rollback(opts), 'idle');
  }

  query(sql: string, opts?: Abortable): Promise<QueryResult> {
    const inner = this.#inner;
    if (!inner.query) return Promise.reject(new DestinationStateError('This destination cannot run queries.'));
    return this.#run('query', ['opened', 'idle', 'writing'], () => inner.query!(sql, opts));
  }

  queryArrow(sql: string, opts?: Abortable): Promise<Table> {
    const inner = this.#inner;
    if (!inner.queryArrow) return Promise.reject(new DestinationStateError('This destination cannot return Arrow tables.'));
    return this.#run('queryArrow', ['opened', 'idle', 'writing'], () => inner.queryArrow!(sql, opts));
  }

  close(): Promise<void> {
    const closing = this.#tail.then(async () => {
      if (this.#phase === 'closed') return;
      this.#phase = 'closed';
      await this.#inner.close();
    });
    this.#tail = closing.catch(() => undefined);
    return closing;
  }

  /**
   * Queue `call` after the previous call and check the phase when its turn comes. A lifecycle call
   * (one with a `next` phase) moves there on success and to `failed` on error.
   */
  #run<T>(name: string, allowed: readonly SessionPhase[], call: () => Promise<T>, next?: SessionPhase): Promise<T> {
    const result = this.#tail.then(async () => {
      if (!allowed.includes(this.#phase)) {
        throw new DestinationStateError(`${name}() is not allowed when the session is ${this.#phase} (allowed: ${allowed.join(', ')}).`);
      }
      try {
        const value = await call();
        if (next) this.#phase = next;
        return value;
      } catch (err) {
        // A failed query changes nothing; a failed lifecycle call needs a rollback before the next unit.
        if (next && !(err instanceof DestinationStateError) && (this.#phase as SessionPhase) !== 'closed') this.#phase = 'failed';
        throw this.#typed(name, err);
      }
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** `err` as a {@link DestinationError} of this destination, unless it is typed already (or an abort). */
  #typed(call: string, err: unknown): unknown {
    if (this.#destination === undefined || err instanceof NotionflowError || !(err instanceof Error) || err.name === 'AbortError') return err;
    const detail = err.message.split(/\r?\n/, 1)[0]!.trim() || err.name;
    return new DestinationError(this.#destination, `${call} failed: ${detail}`, { cause: err });
  }
}
