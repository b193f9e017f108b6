import { describe, expect, it } from '@jest/globals';
import type { RecordBatch } from 'apache-arrow';
import { recordBatchOf } from '../../src/arrow/table-buffer.js';
import type { DestinationSession, LoadCommit, QueryResult, StoredState } from '../../destinations/destination.js';
import { DestinationError, DestinationStateError } from '../../destinations/errors.js';
import { RuntimeSession } from '../../destinations/runtime-session.js';
import type { TableSchema } from '../../src/schema/table-schema.js';

/** Records every call that reaches the destination; `failOn` makes one method reject. */
class RecordingSession implements DestinationSession {
  readonly calls: string[] = [];
  failOn: string | undefined;
  /** What a failing call throws; default a DestinationError. */
  failWith: ((name: string) => Error) | undefined;
  closes = 0;

  async #call(name: string): Promise<void> {
    this.calls.push(name);
    await Promise.resolve();
    if (this.failOn === name) throw this.failWith?.(name) ?? new DestinationError('fake', `${name} failed`);
  }
  async readState(): Promise<StoredState | undefined> {
    await this.#call('readState');
    return undefined;
  }
  ensureSchema(): Promise<void> {
    return this.#call('ensureSchema');
  }
  write(table: string): Promise<void> {
    return this.#call(`write:${table}`);
  }
  commit(): Promise<void> {
    return this.#call('commit');
  }
  rollback(): Promise<void> {
    return this.#call('rollback');
  }
  async query(): Promise<QueryResult> {
    await this.#call('query');
    return { columns: [], rows: [] };
  }
  async close(): Promise<void> {
    this.closes++;
    await this.#call('close');
  }
}

const pages: TableSchema = { name: 'pages', columns: [{ name: 'id', dataType: 'text', nullable: false }], writeDisposition: 'append' };
const batchOf = (columns: string[]): RecordBatch =>
  recordBatchOf(columns.map((name) => ({ name, dataType: 'text', nullable: true })), [{ id: 'a' }]);
const load: LoadCommit = {
  loadId: '1',
  pipelineName: 'p',
  schemaName: 'notion',
  tables: [pages],
  schemaVersionHash: 'h',
  schemaChanged: true,
  state: {},
  writtenTables: ['pages'],
  replaceTables: [],
  final: true,
};

describe('RuntimeSession', () => {
  it('passes calls through in the documented order', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    expect(s.phase).toBe('opened');
    await s.readState('p');
    await s.ensureSchema([pages]);
    await s.write('pages', batchOf(['id']));
    await s.commit(load);
    await s.ensureSchema([pages]);
    await s.write('pages', batchOf(['id']));
    await s.commit(load);
    await s.commit({ ...load, writtenTables: [] });
    await s.close();
    expect(inner.calls).toEqual(['readState', 'ensureSchema', 'write:pages', 'commit', 'ensureSchema', 'write:pages', 'commit', 'commit', 'close']);
    expect(s.phase).toBe('closed');
  });

  it('refuses anything before readState', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    await expect(s.ensureSchema([pages])).rejects.toBeInstanceOf(DestinationStateError);
    await expect(s.commit(load)).rejects.toBeInstanceOf(DestinationStateError);
    expect(inner.calls).toEqual([]);
    expect(s.phase).toBe('opened');
  });

  it('refuses a write for a table or a column never ensured', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    await s.readState('p');
    await expect(s.write('pages', batchOf(['id']))).rejects.toThrow('before ensureSchema');
    await s.ensureSchema([pages]);
    await expect(s.write('pages', batchOf(['id', 'title']))).rejects.toThrow('column "title"');
    await expect(s.write('blocks', batchOf(['id']))).rejects.toBeInstanceOf(DestinationStateError);
    expect(inner.calls).toEqual(['readState', 'ensureSchema']);
  });

  it('requires rollback after a failed call, then allows a new unit', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    await s.readState('p');
    await s.ensureSchema([pages]);
    inner.failOn = 'write:pages';
    await expect(s.write('pages', batchOf(['id']))).rejects.toBeInstanceOf(DestinationError);
    expect(s.phase).toBe('failed');
    inner.failOn = undefined;
    await expect(s.write('pages', batchOf(['id']))).rejects.toBeInstanceOf(DestinationStateError);
    await expect(s.commit(load)).rejects.toBeInstanceOf(DestinationStateError);
    await s.rollback();
    expect(s.phase).toBe('idle');
    await s.write('pages', batchOf(['id']));
    await s.commit(load);
    expect(inner.calls).toEqual(['readState', 'ensureSchema', 'write:pages', 'rollback', 'write:pages', 'commit']);
  });

  it('marks the session failed when commit fails', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    await s.readState('p');
    inner.failOn = 'commit';
    await expect(s.commit(load)).rejects.toBeInstanceOf(DestinationError);
    expect(s.phase).toBe('failed');
  });

  it("types a driver error the destination let through: one line naming the destination and the call, the original as cause", async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner, 'postgres');
    await s.readState('p');
    const raw = new Error('Connection terminated unexpectedly\n    at Client.<anonymous> (pg/lib/client.js:132:73)');
    inner.failOn = 'commit';
    inner.failWith = () => raw;
    const error = await s.commit(load).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DestinationError);
    expect(error).toMatchObject({ destination: 'postgres', message: 'postgres: commit failed: Connection terminated unexpectedly', cause: raw });
    expect(s.phase).toBe('failed');
    // Typed errors and aborts pass unchanged; so does everything when the destination is not named.
    const abort = new DOMException('stopped', 'AbortError');
    inner.failOn = 'rollback';
    inner.failWith = () => abort;
    await expect(s.rollback()).rejects.toBe(abort);
    const unnamed = new RuntimeSession(inner);
    inner.failOn = 'readState';
    inner.failWith = () => raw;
    await expect(unnamed.readState('p')).rejects.toBe(raw);
  });

  it('keeps the phase when a query fails', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    await s.readState('p');
    inner.failOn = 'query';
    await expect(s.query('select 1')).rejects.toBeInstanceOf(DestinationError);
    expect(s.phase).toBe('idle');
  });

  it('closes once, after errors too, and refuses calls after close', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    await s.readState('p');
    inner.failOn = 'commit';
    await expect(s.commit(load)).rejects.toThrow();
    await s.close();
    await s.close();
    expect(inner.closes).toBe(1);
    await expect(s.readState('p')).rejects.toBeInstanceOf(DestinationStateError);
    await expect(s.rollback()).rejects.toBeInstanceOf(DestinationStateError);
    await expect(s.query('select 1')).rejects.toBeInstanceOf(DestinationStateError);
  });

  it('serializes calls: close issued during a write runs after it', async () => {
    const inner = new RecordingSession();
    const s = new RuntimeSession(inner);
    await s.readState('p');
    await s.ensureSchema([pages]);
    const writing = s.write('pages', batchOf(['id']));
    const closing = s.close();
    const late = s.write('pages', batchOf(['id']));
    await writing;
    await closing;
    await expect(late).rejects.toBeInstanceOf(DestinationStateError);
    expect(inner.calls).toEqual(['readState', 'ensureSchema', 'write:pages', 'close']);
  });

  it('reports a missing optional method as a state error', async () => {
    const s = new RuntimeSession(new RecordingSession());
    await expect(s.queryArrow('select 1')).rejects.toBeInstanceOf(DestinationStateError);
  });
});
