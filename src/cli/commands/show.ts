import { spawn } from 'node:child_process';
import { ConfigError } from '../../errors.js';
import { configOf, pipelineOf, readStoredState } from '../cli-pipeline.js';
import type { Command } from '../command.js';

/** `notionflow show` (dlt's `notionflow pipeline <name> show`): the local web dashboard. */
export const show: Command = {
  name: 'show',
  summary: 'open the local web dashboard of a pipeline (also: notionflow pipeline <name> show)',
  description: `Serve a pipeline's dashboard on 127.0.0.1 (overview, loads, schema, state, data, a read-only
SQL box, the last run's trace), print its URL and open it in the browser. Runs until Ctrl-C.
Reads only: creates nothing.`,
  async run(values) {
    const port = values['port'] === undefined ? undefined : Number(values['port']);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
      throw new ConfigError(`--port must be an integer from 0 to 65535, got "${String(values['port'])}"`);
    }
    const p = await pipelineOf(configOf(values));
    // A pipeline that is not there fails now (PipelineNotFoundError), before anything listens.
    await readStoredState(p);
    const { startDashboard } = await import('../../show/dashboard.js');
    const dashboard = await startDashboard({ pipeline: p, ...(port !== undefined ? { port } : {}), cwd: process.cwd() });
    process.stdout.write(`Dashboard of pipeline ${p.pipelineName} at ${dashboard.url} (Ctrl-C to stop)\n`);
    if (!values['no-open']) openBrowser(dashboard.url);
    await stopSignal();
    await dashboard.close();
  },
};

/** Open `url` in the default browser, detached; without one (a server, a container) nothing happens: the URL is printed. */
function openBrowser(url: string): void {
  const [command, args]: [string, string[]] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // spawn throws synchronously only for invalid arguments; the printed URL is the fallback either way.
  }
}

/** Resolves on the first SIGINT or SIGTERM, then stops listening for them. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
