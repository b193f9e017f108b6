/**
 * The local Notion server as a process of its own, for benchmarks: same flags as `src/server/main.ts`
 * (`--preset`, `--rate`, `--latency`, `--json`, …), started with `fork` so that the parent can read the
 * server's request counters over IPC while its CPU and memory stay out of the contender's figures.
 *
 * IPC messages from the parent: `{ type: 'stats' }`, `{ type: 'reset' }`,
 * `{ type: 'minimal', notionVersion, comments }` (→ `workspace.minimalRequests`), `{ type: 'counts' }`
 * (→ `workspace.counts()`).
 * It answers each with `{ type, value }`, and sends `{ type: 'ready', url, token }` once listening.
 */
import { serverOptionsFromArgs } from '../../src/server/main.js';
import { startNotionServer } from '../../src/server/server.js';
import type { MinimalRequestOptions } from '../../src/server/workspace.js';

type Message =
  | { readonly type: 'stats' | 'reset' | 'counts' }
  | ({ readonly type: 'minimal' } & MinimalRequestOptions);

const server = await startNotionServer(serverOptionsFromArgs(process.argv.slice(2)));
const reply = (type: string, value: unknown): void => void process.send!({ type, value });

process.on('message', (raw) => {
  const message = raw as Message;
  switch (message.type) {
    case 'stats': return reply('stats', server.stats);
    case 'reset': server.resetStats(); return reply('reset', null);
    case 'minimal': return reply('minimal', server.workspace.minimalRequests({ notionVersion: message.notionVersion, comments: message.comments }));
    case 'counts': return reply('counts', server.workspace.counts());
  }
});
process.once('disconnect', () => void server.close().then(() => process.exit(0)));
process.send!({ type: 'ready', url: server.url, token: server.token });
