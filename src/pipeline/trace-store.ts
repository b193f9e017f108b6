import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, PipelineError } from '../errors.js';
import { normalizeIdentifier } from '../schema/naming.js';
import type { RunTrace } from './progress.js';

/**
 * Where the last run's trace of a pipeline is kept: `<cwd>/.notionflow/pipelines/<pipelineName>/trace.json`.
 *
 * @example
 * ```ts
 * traceFile('notion_pipeline'); // '/home/me/project/.notionflow/pipelines/notion_pipeline/trace.json'
 * ```
 * @throws {ConfigError} When `pipelineName` is not a pipeline name (lower-case letters, digits, underscores).
 */
export function traceFile(pipelineName: string, cwd: string = process.cwd()): string {
  // A pipeline name is an identifier, so it can never climb out of the folder (`..`, `/`).
  if (typeof pipelineName !== 'string' || pipelineName === '' || normalizeIdentifier(pipelineName) !== pipelineName) {
    throw new ConfigError(`"${String(pipelineName)}" is not a pipeline name: use lower-case letters, digits and underscores.`);
  }
  return join(cwd, '.notionflow', 'pipelines', pipelineName, 'trace.json');
}

/**
 * Saves `trace` as the pipeline's last run trace (see {@link traceFile}), replacing the previous one
 * whole: it is written beside it and renamed into place, so a reader never sees half a file.
 * `Pipeline.run` calls it after every run, failed ones too.
 *
 * @example
 * ```ts
 * saveTrace(info.trace);
 * ```
 */
export function saveTrace(trace: RunTrace, cwd?: string): void {
  const file = traceFile(trace.pipelineName, cwd);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(trace, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * The pipeline's last run trace, or undefined when it has none. Reads only: creates no file or folder.
 *
 * @example
 * ```ts
 * const trace = readTrace('notion_pipeline');
 * if (trace) console.log(trace.status, trace.requests.total);
 * ```
 * @throws {PipelineError} When the file is there but is not a trace.
 */
export function readTrace(pipelineName: string, cwd?: string): RunTrace | undefined {
  const file = traceFile(pipelineName, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PipelineError(`Cannot read the run trace ${file}: ${(error as Error).message}`, { cause: error });
  }
  let trace: unknown;
  try {
    trace = JSON.parse(text);
  } catch (error) {
    throw new PipelineError(`${file} is not a run trace (not JSON): delete it, the next run writes a new one.`, { cause: error });
  }
  if (typeof trace !== 'object' || trace === null || (trace as { pipelineName?: unknown }).pipelineName !== pipelineName) {
    throw new PipelineError(`${file} is not a run trace of pipeline ${pipelineName}: delete it, the next run writes a new one.`);
  }
  return trace as RunTrace;
}
