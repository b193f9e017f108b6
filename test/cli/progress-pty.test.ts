import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/node-child.js';

const run = promisify(execFile);

// A real terminal: Debian's `script` runs the renderer with a pseudo-terminal as its stdout.
describe('progress under a pseudo-terminal', () => {
  it('picks tty mode by itself and redraws the view in place', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['CI'];
    delete env['NODE_OPTIONS']; // jest's --experimental-vm-modules is not for the child
    const command = `node --import ${ROOT}test/helpers/ts-loader.mjs ${ROOT}test/helpers/render-progress.ts`;
    const { stdout } = await run('script', ['-qfec', command, '/dev/null'], { cwd: process.cwd(), env, timeout: 30_000 });
    const output = stdout.replaceAll('\r\n', '\n');
    expect(output.startsWith('mode tty\n')).toBe(true);
    const views = output.slice('mode tty\n'.length).split(/\u001b\[(\d+)A\r\u001b\[J/);
    // The first view, then (lines moved up over, next view) three times: two progress redraws and done.
    expect(views).toHaveLength(7);
    for (let i = 1; i < views.length; i += 2) expect(Number(views[i])).toBe(views[i - 1]!.split('\n').length - 1);
    expect(views[0]).toContain('notionflow: loading, 1s elapsed\n');
    expect(views[0]).toContain('  waiting 30s (Retry-After)\n');
    expect(views[0]).toContain('  requests   13 (ok 12, retried 1, 429 1, failed 0)\n');
    expect(views[6]).toContain('notionflow: done in 4s\n');
    expect(views[6]).toContain('    blocks        100\n');
  });
});
