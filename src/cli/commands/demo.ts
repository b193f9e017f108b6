import { ConfigError } from '../../errors.js';
import type { Command } from '../command.js';
import { load, progressModeOf } from './run.js';

/** `notionflow demo`: start the built-in workspace and load it. */
export const demo: Command = {
  name: 'demo',
  summary: 'load the built-in demo workspace (no token needed)',
  description: 'Start the built-in local Notion workspace and load it, as `run` would load a real one.',
  async run(values) {
    const { hostileWorkspace, startNotionServer, WORKSPACE_PRESETS } = await import('../../server/index.js');
    const presetName = (values['preset'] as string | undefined) ?? 'small';
    const preset = (WORKSPACE_PRESETS as Record<string, object>)[presetName];
    if (!preset && presetName !== 'hostile') throw new ConfigError(`unknown preset "${presetName}": use ${[...Object.keys(WORKSPACE_PRESETS), 'hostile'].join(', ')}`);
    const seed = values['seed'] === undefined ? 1 : Number(values['seed']);
    if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${String(values['seed'])}"`);
    progressModeOf(values); // a bad --progress fails before the server starts
    // `hostile`: the tiny workspace with hostile text, depth and sizes (see `hostileWorkspace`).
    const server = await startNotionServer({ workspace: preset ? { ...preset, seed } : hostileWorkspace({ seed }).workspace });
    try {
      if (!values['quiet'] && !values['json']) process.stdout.write(`Demo Notion workspace (${presetName}, seed ${seed}) serving at ${server.url}\n`);
      // The demo server has no rate limit unless asked for; keep the client's default budget off too.
      await load({ 'rate-limit': '0', ...values }, { url: server.url, token: server.token });
    } finally {
      await server.close();
    }
  },
};
