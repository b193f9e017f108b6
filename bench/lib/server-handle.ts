/** Parent side of `notion-server-process.ts`: start the server in its own process and talk to it. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from '../../src/server/server.js';
import type { MinimalRequestOptions, RequestCounts, WorkspaceCounts } from '../../src/server/workspace.js';

/** A local Notion server running in a child process. */
export interface ServerHandle {
  readonly url: string;
  /** The local server's demo token (not a Notion token); pass it to contenders through the environment. */
  readonly token: string;
  readonly pid: number;
  stats(): Promise<ServerStats>;
  resetStats(): Promise<void>;
  minimalRequests(options: MinimalRequestOptions): Promise<RequestCounts>;
  counts(): Promise<WorkspaceCounts>;
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./notion-server-process.js', import.meta.url));

/** Start the server with `src/server/main.ts` flags (e.g. `['--preset', 'medium']`); resolves once it listens. */
export async function startServerProcess(args: readonly string[]): Promise<ServerHandle> {
  const child = fork(SCRIPT, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=8192'] });
  const ready = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; token: string }));
    child.once('exit', (code) => reject(new Error(`the Notion server process exited with ${String(code)} before listening`)));
  });
  const ask = <T>(message: object & { type: string }): Promise<T> => request<T>(child, message);
  return {
    url: ready.url,
    token: ready.token,
    pid: child.pid!,
    stats: () => ask<ServerStats>({ type: 'stats' }),
    resetStats: () => ask<void>({ type: 'reset' }),
    minimalRequests: (options) => ask<RequestCounts>({ type: 'minimal', ...options }),
    counts: () => ask<WorkspaceCounts>({ type: 'counts' }),
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

function request<T>(child: ChildProcess, message: { type: string }): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown): void => {
      const reply = m as { type: string; value: T };
      if (reply.type !== message.type) return;
      child.off('message', onMessage);
      resolve(reply.value);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}
