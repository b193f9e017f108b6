import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What a child process printed, and how it ended. */
export interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runTs}. */
export interface RunTsOptions {
  /** Default: the test file's own temp working directory (never the checkout, whose .notionflow/ is the developer's). */
  readonly cwd?: string;
  /** Added to the parent's environment (jest's NODE_OPTIONS left out). */
  readonly env?: Record<string, string>;
  /** Packages the child sees as not installed (see `test/helpers/without-packages.mjs`). */
  readonly missing?: readonly string[];
}

/**
 * Run `node <args>` with the TypeScript sources loaded directly (`test/helpers/ts-loader.mjs`): `args`
 * start with a script (relative to the repository root) or `--input-type=module -e <code>`.
 */
export function runTs(args: readonly string[], options: RunTsOptions = {}): Promise<ChildRun> {
  const { NODE_OPTIONS: _jest, ...env } = process.env;
  const loaders = ['--import', `${ROOT}test/helpers/ts-loader.mjs`, ...(options.missing ? ['--import', `${ROOT}test/helpers/without-packages.mjs`] : [])];
  const [script, ...rest] = args;
  const first = script!.startsWith('-') ? script! : `${ROOT}${script}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loaders, first, ...rest], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...env, ...options.env, NOTIONFLOW_TEST_MISSING_PACKAGES: (options.missing ?? []).join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
