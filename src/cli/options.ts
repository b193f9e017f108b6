import type { ParseArgsConfig } from 'node:util';
import { DESTINATIONS } from './destinations.js';

/** The CLI's commands. */
export type CommandName = 'run' | 'demo' | 'info' | 'state' | 'loads' | 'schema' | 'trace' | 'show' | 'drop';

/**
 * One command-line option, defined once: `parseArgs` reads `name`, `type` and `short`, `--help` reads
 * `arg` and `help`, and configuration resolution reads `config` (the dlt-style path the flag sets, so a
 * flag overrides the environment and the config files).
 */
export interface CliOption {
  /** The long name, without `--`. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** What a string option's value is, as help shows it (`<n>`, `<file>`). */
  readonly arg?: string;
  /** One line (or several, joined by `\n`) for `--help`. */
  readonly help: string;
  /** The config path the flag sets; without it the option is read from the parsed values only. */
  readonly config?: string;
  /** The value a boolean flag puts at `config` (`--no-blocks` puts `false`). Default `true`. */
  readonly configValue?: boolean;
  readonly commands: readonly CommandName[];
}

/** Values as `parseArgs` returns them, by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

const ALL: readonly CommandName[] = ['run', 'demo', 'info', 'state', 'loads', 'schema', 'trace', 'show', 'drop'];
const LOAD: readonly CommandName[] = ['run', 'demo'];

/** Every option of every command, in the order `--help` lists them. */
export const OPTIONS: readonly CliOption[] = [
  { name: 'preset', type: 'string', arg: '<name>', help: 'tiny | small (default) | medium | large | wiki | hostile', commands: ['demo'] },
  { name: 'seed', type: 'string', arg: '<n>', help: 'workspace seed (default 1)', commands: ['demo'] },
  { name: 'format', type: 'string', arg: '<f>', help: 'yaml (default) | json', commands: ['schema'] },
  { name: 'port', type: 'string', arg: '<n>', help: 'port to listen on, on 127.0.0.1 (default: a free one)', commands: ['show'] },
  { name: 'no-open', type: 'boolean', help: 'print the URL, do not open a browser', commands: ['show'] },
  { name: 'yes', type: 'boolean', short: 'y', help: 'do not ask', commands: ['drop'] },
  { name: 'pipeline-name', type: 'string', arg: '<name>', help: 'pipeline name; also names the DuckDB file (default notion_pipeline)', config: 'pipeline_name', commands: ALL },
  { name: 'dataset-name', type: 'string', arg: '<name>', help: 'dataset (schema) the tables go to (default notion_data)', config: 'dataset_name', commands: ALL },
  {
    name: 'destination',
    type: 'string',
    arg: '<name>',
    help: `${Object.keys(DESTINATIONS).map((d, i) => (i === 0 ? `${d} (default)` : d)).join(' | ')}; settings: see notionflow --help`,
    config: 'destination_name',
    commands: ALL,
  },
  { name: 'duckdb-path', type: 'string', arg: '<file>', help: 'DuckDB file (default ./<pipeline-name>.duckdb)', config: 'destination.duckdb.path', commands: ALL },
  {
    name: 'notion-version',
    type: 'string',
    arg: '<v>',
    help: '2025-09-03 (default, data sources), 2022-06-28 (databases), 2026-03-11 or 2026-12-01',
    config: 'sources.notion.notion_version',
    commands: LOAD,
  },
  { name: 'base-url', type: 'string', arg: '<url>', help: 'Notion API base URL (default https://api.notion.com; env NOTION_BASE_URL)', config: 'sources.notion.base_url', commands: LOAD },
  { name: 'rate-limit', type: 'string', arg: '<n>', help: 'requests per minute shared by the whole load (default 180; 0 = no limit)', config: 'sources.notion.rate_limit', commands: LOAD },
  { name: 'comments', type: 'string', arg: '<mode>', help: 'pages (default) | all (also inline comments, one request per block) | none', config: 'sources.notion.comments', commands: LOAD },
  { name: 'tables', type: 'string', arg: '<which>', help: 'all (default) | typed (one table per database only) | raw (dlt-style pages tables only)', config: 'sources.notion.tables', commands: LOAD },
  {
    name: 'page-content',
    type: 'string',
    arg: '<mode>',
    help: 'rendered (default: Markdown from the blocks) | notion (Notion\'s Markdown endpoint,\none request per page) | none',
    config: 'sources.notion.page_content',
    commands: LOAD,
  },
  { name: 'no-blocks', type: 'boolean', help: 'skip the block trees (with --page-content notion: the cheapest load of a wiki)', config: 'sources.notion.blocks', configValue: false, commands: LOAD },
  { name: 'concurrency', type: 'string', arg: '<n>', help: 'child listings in flight at once (default 8)', config: 'sources.notion.concurrency', commands: LOAD },
  { name: 'full-refresh', type: 'boolean', help: 'ignore the stored state: reload everything and replace the tables', commands: LOAD },
  { name: 'checkpoint-pages', type: 'string', arg: '<n>', help: 'commit after every n pages with their block trees (default 2000)', config: 'sources.notion.checkpoint_pages', commands: LOAD },
  { name: 'checkpoint-seconds', type: 'string', arg: '<s>', help: '…or every s seconds (default 60)', config: 'sources.notion.checkpoint_seconds', commands: LOAD },
  { name: 'checkpoint-objects', type: 'string', arg: '<n>', help: '…or once a unit holds about n blocks and comments (default 50000)', config: 'sources.notion.checkpoint_objects', commands: LOAD },
  { name: 'detect-deletes', type: 'boolean', help: 'list every page id and remove pages that are gone or no longer shared', config: 'sources.notion.detect_deletes', commands: LOAD },
  { name: 'hard-delete', type: 'boolean', help: 'delete trashed pages instead of keeping them with in_trash set', config: 'sources.notion.hard_delete', commands: LOAD },
  { name: 'initial-value', type: 'string', arg: '<iso>', help: 'first run only: load pages and rows edited since this instant', config: 'sources.notion.initial_value', commands: LOAD },
  { name: 'end-value', type: 'string', arg: '<iso>', help: 'load only what was edited up to this instant (cursors are not advanced)', config: 'sources.notion.end_value', commands: LOAD },
  { name: 'lag', type: 'string', arg: '<seconds>', help: 're-read this much before the cursor (clock skew)', config: 'sources.notion.lag_seconds', commands: LOAD },
  { name: 'progress', type: 'string', arg: '<mode>', help: 'tty (a live view, default on a terminal) | log (a line every 10 s, default otherwise\nand when CI is set) | none; drawn on stderr', commands: LOAD },
  { name: 'json', type: 'boolean', help: 'print the load info as JSON instead of the summary', commands: LOAD },
  { name: 'quiet', type: 'boolean', short: 'q', help: 'print nothing on success (no progress either)', commands: LOAD },
  { name: 'verbose', type: 'boolean', short: 'v', help: 'print each SQL statement / file operation to stderr', commands: LOAD },
  { name: 'help', type: 'boolean', short: 'h', help: 'show this help', commands: ALL },
];

/** Help's column where option descriptions start. */
const HELP_COLUMN = 27;

/** The `parseArgs` options of `command`. */
export function parseOptionsOf(command: CommandName): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const o of optionsOf(command)) options[o.name] = { type: o.type, ...(o.short !== undefined ? { short: o.short } : {}) };
  return options;
}

/** The option lines of `command`'s help, aligned. */
export function optionsHelp(command: CommandName): string {
  return optionsOf(command)
    .map((o) => {
      const flag = `  ${o.short !== undefined ? `-${o.short}, ` : ''}--${o.name}${o.arg !== undefined ? ` ${o.arg}` : ''}`;
      const [first, ...more] = o.help.split('\n');
      return [`${flag.padEnd(HELP_COLUMN - 1)} ${first}`, ...more.map((line) => `${' '.repeat(HELP_COLUMN)}${line}`)].join('\n');
    })
    .join('\n');
}

/** The config flags (dotted path → value) that parsed `values` set, for `resolveConfig({ flags })`. */
export function configFlags(values: OptionValues): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const value = values[o.name];
    if (o.config === undefined || value === undefined) continue;
    // parseArgs sets a boolean option only when it is given, always to true.
    flags[o.config] = o.type === 'boolean' ? (o.configValue ?? true) : value;
  }
  return flags;
}

function optionsOf(command: CommandName): CliOption[] {
  return OPTIONS.filter((o) => o.commands.includes(command));
}
