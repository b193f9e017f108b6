import type { RecordBatch } from 'apache-arrow';
import type { Destination, DestinationSession, LoadCommit, OpenContext } from '../../destinations/destination.js';

/** Deterministic failure points of {@link hooked}: each runs before the call it names reaches the destination. */
export interface DestinationHooks {
  /** Before the `n`-th `write` of the destination (1-based, every session of it counted). */
  readonly beforeWrite?: (n: number, table: string) => Promise<void> | void;
  /** Before the `n`-th `commit` (1-based, every session counted). */
  readonly beforeCommit?: (n: number, load: LoadCommit) => Promise<void> | void;
  /**
   * Each line the destination logs, synchronously, before the statement it names is sent (the SQL
   * destinations log every statement). Only a synchronous action fits here: the statement goes out
   * as soon as this returns.
   */
  readonly onLog?: (line: string) => void;
}

/**
 * `destination` with hooks before its writes and commits, to break the destination at an exact point
 * of a load (stop its server, fill its disk) instead of racing a timer or a log line.
 *
 * @example
 * ```ts
 * const dest = hooked(postgres({ credentials }), { beforeCommit: (n) => (n === 2 ? server.halt() : undefined) });
 * ```
 */
export function hooked(destination: Destination, hooks: DestinationHooks): Destination {
  let writes = 0;
  let commits = 0;
  return {
    name: destination.name,
    capabilities: destination.capabilities,
    location: (ctx) => destination.location(ctx),
    open: async (ctx: OpenContext, opts) => {
      const log = hooks.onLog;
      const inner = await destination.open(log ? { ...ctx, log: (line) => (log(line), ctx.log?.(line)) } : ctx, opts);
      const session: DestinationSession = {
        readState: (name, o) => inner.readState(name, o),
        ensureSchema: (tables, o) => inner.ensureSchema(tables, o),
        write: async (table: string, batch: RecordBatch, o) => {
          await hooks.beforeWrite?.(++writes, table);
          return inner.write(table, batch, o);
        },
        commit: async (load, o) => {
          await hooks.beforeCommit?.(++commits, load);
          return inner.commit(load, o);
        },
        rollback: (o) => inner.rollback(o),
        close: () => inner.close(),
        ...(inner.query ? { query: (sql: string, o?: { signal?: AbortSignal }) => inner.query!(sql, o) } : {}),
      };
      return session;
    },
  };
}
