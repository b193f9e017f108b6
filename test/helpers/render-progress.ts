// Renders a few progress events in the mode its stdout calls for: run under a pseudo-terminal by
// test/cli/progress-pty.test.ts (`script -qfec "node --import ./test/helpers/ts-loader.mjs …" /dev/null`).
import { defaultProgressMode, progressRenderer } from '../../src/cli/progress.js';
import type { ProgressSnapshot } from '../../src/pipeline/progress.js';

const snapshot = (s: number): ProgressSnapshot => ({
  elapsedMs: s * 1000,
  resources: { pages: { done: s, known: 10 }, blocks: { done: 25 * s } },
  requests: { ok: 12 * s, retried: s, rateLimited: s, failed: 0, total: 13 * s },
  wait: { reason: 'retry-after', untilMs: Date.now() + 30_000 },
  rowsByTable: { blocks: 25 * s, pages: s },
  commits: s,
});

const mode = defaultProgressMode(process.stdout);
process.stdout.write(`mode ${mode}\n`);
const renderer = progressRenderer(mode, { stream: process.stdout });
for (let s = 1; s <= 3; s++) renderer.onProgress({ kind: 'progress', snapshot: snapshot(s) });
renderer.onProgress({ kind: 'done', snapshot: snapshot(4) });
renderer.stop();
