import { jest } from '@jest/globals';
import { main } from '../../src/cli/main.js';

/** What one in-process CLI run printed. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the CLI in-process with `env` set (NOTION_API_KEY and NOTION_BASE_URL cleared first), capturing
 * what it prints; `cwd` is the working directory during the run (default: unchanged).
 */
export async function cli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  const savedCwd = process.cwd();
  for (const k of ['NOTION_API_KEY', 'NOTION_BASE_URL']) delete process.env[k];
  Object.assign(process.env, env);
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    if (cwd !== undefined) process.chdir(cwd);
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.chdir(savedCwd);
    o.mockRestore();
    e.mockRestore();
    process.env = saved;
  }
}

/** What stderr holds after a successful run that is not on a terminal: log-mode progress lines only. */
export const PROGRESS_LINES_ONLY = /^(?:(?:progress|done) [^\n]*\n)*$/;
