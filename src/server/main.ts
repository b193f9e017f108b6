/**
 * Starts the local Notion server from the command line and prints one JSON line
 * `{"url": …, "token": …}` to stdout, then serves until killed (SIGINT / SIGTERM close it).
 * The token printed is the local server's own demo token, not a Notion token.
 *
 * Flags: `--preset tiny|small|medium|large|wiki`, `--seed N`, `--latency MS`, `--rate REQUESTS/WINDOW_MS` (or `off`),
 * `--faults RATE`, `--fault-seed N`, `--fault-kinds 500,502,…`, `--fault-slow-ms MS`, `--cap N`, `--markdown-limit N`, `--expire-cursor-after N`,
 * `--token T`, `--host H`, `--port P`, `--json '<ServerOptions JSON>'` (merged first; flags override).
 *
 * @example
 * ```sh
 * node dist/src/server/main.js --preset medium --rate 180/60000 --faults 0.01
 * ```
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { FAULT_KINDS } from './faults.js';
import type { FaultKind } from './faults.js';
import { startNotionServer } from './server.js';
import type { ServerOptions } from './server.js';
import { WORKSPACE_PRESETS } from './workspace.js';
import type { WorkspaceOptions } from './workspace.js';

function int(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got ${raw}.`);
  return n;
}

/** Builds {@link ServerOptions} from command-line arguments. */
export function serverOptionsFromArgs(args: readonly string[]): ServerOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      preset: { type: 'string' }, seed: { type: 'string' }, latency: { type: 'string' }, rate: { type: 'string' },
      faults: { type: 'string' }, 'fault-seed': { type: 'string' }, 'fault-kinds': { type: 'string' }, 'fault-slow-ms': { type: 'string' }, cap: { type: 'string' }, 'markdown-limit': { type: 'string' },
      'expire-cursor-after': { type: 'string' }, token: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const base = (values.json === undefined ? {} : JSON.parse(values.json)) as ServerOptions & { workspace?: WorkspaceOptions | string };
  let workspace: WorkspaceOptions = typeof base.workspace === 'string' ? presetOf(base.workspace) : (base.workspace ?? {});
  if (values.preset !== undefined) workspace = { ...workspace, ...presetOf(values.preset) };
  if (values.seed !== undefined) workspace = { ...workspace, seed: int('seed', values.seed) };
  let rateLimit = base.rateLimit;
  if (values.rate !== undefined) {
    const [requests, windowMs] = values.rate.split('/');
    rateLimit = values.rate === 'off' ? false : { requests: int('rate', requests!), windowMs: int('rate', windowMs ?? '60000') };
  }
  let faults = base.faults;
  if (values.faults !== undefined) {
    const kinds = values['fault-kinds']?.split(',') as FaultKind[] | undefined;
    if (kinds?.some((k) => !FAULT_KINDS.includes(k))) throw new ConfigError(`--fault-kinds must be among ${FAULT_KINDS.join(',')}.`);
    faults = {
      rate: int('faults', values.faults),
      seed: values['fault-seed'] === undefined ? 1 : int('fault-seed', values['fault-seed']),
      ...(kinds === undefined ? {} : { kinds }),
      ...(values['fault-slow-ms'] === undefined ? {} : { slowMs: int('fault-slow-ms', values['fault-slow-ms']) }),
    };
  }
  return {
    ...base,
    workspace,
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(faults === undefined ? {} : { faults }),
    ...(values.latency === undefined ? {} : { latencyMs: int('latency', values.latency) }),
    ...(values.cap === undefined ? {} : { queryResultCap: int('cap', values.cap) }),
    ...(values['markdown-limit'] === undefined ? {} : { markdownRecordLimit: int('markdown-limit', values['markdown-limit']) }),
    ...(values['expire-cursor-after'] === undefined ? {} : { expireCursorAfter: int('expire-cursor-after', values['expire-cursor-after']) }),
    ...(values.token === undefined ? {} : { token: values.token }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.port === undefined ? {} : { port: int('port', values.port) }),
  };
}

function presetOf(name: string): WorkspaceOptions {
  if (!(name in WORKSPACE_PRESETS)) throw new ConfigError(`Unknown preset ${name}; use one of ${Object.keys(WORKSPACE_PRESETS).join(', ')}.`);
  return WORKSPACE_PRESETS[name as keyof typeof WORKSPACE_PRESETS];
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const server = await startNotionServer(serverOptionsFromArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify({ url: server.url, token: server.token })}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
