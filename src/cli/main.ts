import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveConfig, type ResolvedConfig } from '../config/resolve-config.js';
import { ConfigError, NotionflowError } from '../errors.js';
import { formatLoadInfo } from '../pipeline/load-info.js';
import { pipeline } from '../pipeline/pipeline.js';
import type { PageContentMode } from '../notion/page-content.js';
import { PROPERTY_MAPPING_TABLE } from '../notion/typed-tables.js';
import { notionSource, type CommentsMode, type TablesMode } from '../resources/notion-source.js';
import type { NotionVersion } from '../client/notion-client.js';
import { createDestination } from './destinations.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  'pipeline-name': { type: 'string' },
  'dataset-name': { type: 'string' },
  destination: { type: 'string' },
  'duckdb-path': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
const LOAD: Options = {
  ...COMMON,
  'notion-version': { type: 'string' },
  'base-url': { type: 'string' },
  'rate-limit': { type: 'string' },
  comments: { type: 'string' },
  tables: { type: 'string' },
  'page-content': { type: 'string' },
  'no-blocks': { type: 'boolean' },
  concurrency: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  'full-refresh': { type: 'boolean' },
  'checkpoint-pages': { type: 'string' },
  'checkpoint-seconds': { type: 'string' },
  'checkpoint-objects': { type: 'string' },
  'detect-deletes': { type: 'boolean' },
  'hard-delete': { type: 'boolean' },
  'initial-value': { type: 'string' },
  'end-value': { type: 'string' },
  lag: { type: 'string' },
};

const COMMON_HELP = `  --pipeline-name <name>   pipeline name; also names the DuckDB file (default notion_pipeline)
  --dataset-name <name>    dataset (schema) the tables go to (default notion_data)
  --destination <name>     duckdb (default)
  --duckdb-path <file>     DuckDB file (default ./<pipeline-name>.duckdb)
  -h, --help               show this help`;
const LOAD_HELP = `${COMMON_HELP}
  --notion-version <v>     2025-09-03 (default, data sources), 2022-06-28 (databases), 2026-03-11 or 2026-12-01
  --base-url <url>         Notion API base URL (default https://api.notion.com; env NOTION_BASE_URL)
  --rate-limit <n>         requests per minute shared by the whole load (default 180; 0 = no limit)
  --comments <mode>        pages (default) | all (also inline comments, one request per block) | none
  --tables <which>         all (default) | typed (one table per database only) | raw (dlt-style pages tables only)
  --page-content <mode>    rendered (default: Markdown from the blocks) | notion (Notion's Markdown endpoint,
                           one request per page) | none
  --no-blocks              skip the block trees (with --page-content notion: the cheapest load of a wiki)
  --concurrency <n>        child listings in flight at once (default 8)
  --full-refresh           ignore the stored state: reload everything and replace the tables
  --checkpoint-pages <n>   commit after every n pages with their block trees (default 2000)
  --checkpoint-seconds <s> …or every s seconds (default 60)
  --checkpoint-objects <n> …or once a unit holds about n blocks and comments (default 50000)
  --detect-deletes         list every page id and remove pages that are gone or no longer shared
  --hard-delete            delete trashed pages instead of keeping them with in_trash set
  --initial-value <iso>    first run only: load pages and rows edited since this instant
  --end-value <iso>        load only what was edited up to this instant (cursors are not advanced)
  --lag <seconds>          re-read this much before the cursor (clock skew)
  -q, --quiet              print nothing on success
  -v, --verbose            print each SQL statement / file operation to stderr`;

const COMMANDS: Record<string, { options: Options; help: string; run: (values: Values) => Promise<void> }> = {
  run: {
    options: LOAD,
    help: `Usage: notionflow run [options]

Load the Notion workspace your integration can see into the destination.
The token comes from NOTION_API_KEY, .notionflow/secrets.toml ([sources.notion] api_key)
or .dlt/secrets.toml ([sources.notion_source] api_key).

${LOAD_HELP}`,
    run: (values) => load(values, undefined),
  },
  demo: {
    options: { ...LOAD, preset: { type: 'string' }, seed: { type: 'string' } },
    help: `Usage: notionflow demo [options]

Start the built-in local Notion workspace and load it, as \`run\` would load a real one.

  --preset <name>          tiny | small (default) | medium | large
  --seed <n>               workspace seed (default 1)
${LOAD_HELP}`,
    run: demo,
  },
  state: {
    options: COMMON,
    help: `Usage: notionflow state [options]

Show a pipeline's stored state: cursors, loaded page trees (checkpoints), last load.

${COMMON_HELP}`,
    run: state,
  },
  drop: {
    options: { ...COMMON, yes: { type: 'boolean', short: 'y' } },
    help: `Usage: notionflow drop [options]

Drop a pipeline's dataset: every table and the stored state. Asks for confirmation.

  -y, --yes                do not ask
${COMMON_HELP}`,
    run: drop,
  },
  info: {
    options: COMMON,
    help: `Usage: notionflow info [options]

Show a pipeline's tables with their row counts, the typed tables' columns with the Notion
properties they hold, and its last loads.

${COMMON_HELP}`,
    run: info,
  },
};

const MAIN_HELP = `Usage: notionflow <command> [options]

Commands:
  run     load a Notion workspace (NOTION_API_KEY) into a destination
  demo    load the built-in demo workspace (no token needed)
  info    show the tables, row counts and last loads of a pipeline
  state   show the stored cursors and checkpoints of a pipeline
  drop    drop a pipeline's tables and state (asks first)

Run \`notionflow <command> --help\` for a command's options.`;

type Values = Record<string, string | boolean | undefined>;

/** Run the CLI with `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${MAIN_HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  const spec = COMMANDS[command];
  if (!spec) return fail(`unknown command "${command}" (use ${Object.keys(COMMANDS).join(', ')}; see notionflow --help)`, 2);
  let values: Values;
  try {
    values = parseArgs({ args: [...rest], options: spec.options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    return fail(`${(error as Error).message.split('\n')[0]} (see notionflow ${command} --help)`, 2);
  }
  if (values['help']) {
    process.stdout.write(`${spec.help}\n`);
    return 0;
  }
  try {
    await spec.run(values);
    return 0;
  } catch (error) {
    return fail(error instanceof NotionflowError ? error.message : `unexpected error: ${(error as Error).stack ?? String(error)}`, 1);
  }
}

function fail(message: string, code: number): number {
  process.stderr.write(`notionflow: ${message.split('\n')[0]}\n`);
  return code;
}

function configFrom(values: Values): ResolvedConfig {
  return resolveConfig({
    flags: {
      pipeline_name: values['pipeline-name'],
      dataset_name: values['dataset-name'],
      destination_name: values['destination'],
      'destination.duckdb.path': values['duckdb-path'],
      'sources.notion.base_url': values['base-url'],
      'sources.notion.notion_version': values['notion-version'],
      'sources.notion.rate_limit': values['rate-limit'],
      'sources.notion.comments': values['comments'],
      'sources.notion.tables': values['tables'],
      'sources.notion.page_content': values['page-content'],
      'sources.notion.blocks': values['no-blocks'] === true ? false : undefined,
      'sources.notion.concurrency': values['concurrency'],
      'sources.notion.checkpoint_pages': values['checkpoint-pages'],
      'sources.notion.checkpoint_seconds': values['checkpoint-seconds'],
      'sources.notion.checkpoint_objects': values['checkpoint-objects'],
      'sources.notion.initial_value': values['initial-value'],
      'sources.notion.end_value': values['end-value'],
      'sources.notion.lag_seconds': values['lag'],
    },
  });
}

async function makePipeline(config: ResolvedConfig, verbose = false) {
  // `destination_name` names the destination; `[destination.<name>]` holds its settings (a bare string
  // `destination = "duckdb"` in config.toml is accepted too).
  const legacy = config.get('destination');
  const name = config.string('destination_name') ?? (typeof legacy === 'string' ? legacy : 'duckdb');
  const destination = await createDestination(name, config);
  return pipeline({
    pipelineName: config.string('pipeline_name', 'notion_pipeline')!,
    datasetName: config.string('dataset_name', 'notion_data')!,
    destination,
    ...(verbose ? { log: (line: string) => void process.stderr.write(`sql: ${line.replace(/\s+/g, ' ')}\n`) } : {}),
  });
}

/** Load from `server` when given (demo), else from the configured Notion API. */
async function load(values: Values, server: { url: string; token: string } | undefined): Promise<void> {
  const config = configFrom(values);
  const apiKey = server?.token ?? config.secret('sources.notion.api_key')?.reveal();
  if (apiKey === undefined) {
    throw new ConfigError('no Notion token: set NOTION_API_KEY (or [sources.notion] api_key in .notionflow/secrets.toml), or try `notionflow demo`');
  }
  const rate = config.number('sources.notion.rate_limit');
  const concurrency = config.number('sources.notion.concurrency');
  const checkpointPages = config.number('sources.notion.checkpoint_pages');
  const checkpointSeconds = config.number('sources.notion.checkpoint_seconds');
  const checkpointObjects = config.number('sources.notion.checkpoint_objects');
  const initialValue = config.string('sources.notion.initial_value');
  const endValue = config.string('sources.notion.end_value');
  const lagSeconds = config.number('sources.notion.lag_seconds');
  const baseUrl = server?.url ?? config.string('sources.notion.base_url');
  const p = await makePipeline(config, values['verbose'] === true);
  const info = await p.run(
    notionSource({
      apiKey,
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      notionVersion: config.string('sources.notion.notion_version', '2025-09-03') as NotionVersion,
      comments: config.string('sources.notion.comments', 'pages') as CommentsMode,
      tables: config.string('sources.notion.tables', 'all') as TablesMode,
      pageContent: config.string('sources.notion.page_content', 'rendered') as PageContentMode,
      ...(config.get('sources.notion.blocks') === false || config.get('sources.notion.blocks') === 'false' ? { blocks: false } : {}),
      ...(rate === undefined ? {} : { rateLimit: rate === 0 ? false : { requests: rate, windowMs: 60_000 } }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(checkpointPages === undefined ? {} : { checkpointPages }),
      ...(checkpointSeconds === undefined ? {} : { checkpointSeconds }),
      ...(checkpointObjects === undefined ? {} : { checkpointObjects }),
      ...(values['detect-deletes'] ? { detectDeletes: true } : {}),
      ...(values['hard-delete'] ? { hardDelete: true } : {}),
      incremental: {
        ...(initialValue === undefined ? {} : { initialValue }),
        ...(endValue === undefined ? {} : { endValue }),
        ...(lagSeconds === undefined ? {} : { lagSeconds }),
      },
    }),
    { fullRefresh: values['full-refresh'] === true },
  );
  if (!values['quiet']) process.stdout.write(`${formatLoadInfo(info)}\n`);
}

async function demo(values: Values): Promise<void> {
  const { startNotionServer, WORKSPACE_PRESETS } = await import('../server/index.js');
  const presetName = (values['preset'] as string | undefined) ?? 'small';
  const preset = (WORKSPACE_PRESETS as Record<string, object>)[presetName];
  if (!preset) throw new ConfigError(`unknown preset "${presetName}": use ${Object.keys(WORKSPACE_PRESETS).join(', ')}`);
  const seed = values['seed'] === undefined ? 1 : Number(values['seed']);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be an integer, got "${String(values['seed'])}"`);
  const server = await startNotionServer({ workspace: { ...preset, seed } });
  try {
    if (!values['quiet']) process.stdout.write(`Demo Notion workspace (${presetName}, seed ${seed}) serving at ${server.url}\n`);
    // The demo server has no rate limit unless asked for; keep the client's default budget off too.
    await load({ 'rate-limit': '0', ...values }, { url: server.url, token: server.token });
  } finally {
    await server.close();
  }
}

async function info(values: Values): Promise<void> {
  const config = configFrom(values);
  const p = await makePipeline(config);
  const ds = p.dataset();
  const tables = await ds.sql(
    `select table_name from information_schema.tables where table_schema = '${p.datasetName.replace(/'/g, "''")}' order by table_name`,
  );
  if (tables.length === 0) {
    process.stdout.write(`Pipeline ${p.pipelineName}: nothing loaded yet in ${p.destination.location(p)} (dataset ${p.datasetName}).\n`);
    return;
  }
  const lines = [`Pipeline ${p.pipelineName} — ${p.destination.name} at ${p.destination.location(p)}, dataset ${p.datasetName}`, '', 'Tables:'];
  for (const { table_name } of tables) {
    const name = String(table_name);
    const n = await ds.table(name).count();
    lines.push(`  ${name.padEnd(48)} ${String(n).padStart(10)}`);
  }
  if (tables.some((t) => t['table_name'] === PROPERTY_MAPPING_TABLE)) {
    const mapping = await ds.sql(
      `select table_name, database_title, column_name, cell, property_name, property_type, deleted from "${p.datasetName.replace(/"/g, '""')}"."${PROPERTY_MAPPING_TABLE}" order by table_name, column_name`,
    );
    lines.push('', 'Typed tables (column ← Notion property, type):');
    let current: unknown;
    for (const m of mapping) {
      if (m['table_name'] !== current) lines.push(`  ${String((current = m['table_name']))} (database "${String(m['database_title'])}")`);
      lines.push(`    ${String(m['column_name']).padEnd(40)} ← ${String(m['property_name'])} (${String(m['property_type'])}${m['cell'] === 'value' ? '' : `, ${String(m['cell'])}`})${m['deleted'] ? ' — deleted or retyped: no longer filled' : ''}`);
    }
  }
  const loads = await ds.sql(
    `select load_id, status, inserted_at from "${p.datasetName.replace(/"/g, '""')}"."_dlt_loads" order by load_id desc limit 5`,
  );
  lines.push('', 'Last loads:');
  for (const l of loads) lines.push(`  ${String(l['load_id'])}  status ${String(l['status'])}  ${String(l['inserted_at'])}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function state(values: Values): Promise<void> {
  const p = await makePipeline(configFrom(values));
  const session = await p.destination.open({ pipelineName: p.pipelineName, datasetName: p.datasetName });
  let stored;
  try {
    stored = await session.readState(p.pipelineName);
  } finally {
    await session.close();
  }
  if (!stored) {
    process.stdout.write(`Pipeline ${p.pipelineName}: no state in ${p.destination.location(p)} (dataset ${p.datasetName}).\n`);
    return;
  }
  const lines = [`Pipeline ${p.pipelineName} — ${p.destination.location(p)}, dataset ${p.datasetName}`, `Last load: ${String(stored.loadId)}`];
  const sources = (stored.state['sources'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, s] of Object.entries(sources)) {
    const cursors = (s['cursors'] ?? {}) as { pages?: string; rows?: Record<string, string> };
    const trees = Object.keys((s['trees'] ?? {}) as object).length;
    lines.push(`Source ${name} (Notion version ${String(s['notion_version'])}):`);
    lines.push(`  pages cursor (last_edited_time): ${cursors.pages ?? 'none'}`);
    for (const [id, at] of Object.entries(cursors.rows ?? {})) lines.push(`  rows cursor of ${id}: ${at}`);
    lines.push(`  page trees loaded (checkpoints): ${trees}`);
    lines.push(`  last complete run started at: ${String(s['run_started_at'] ?? 'never (the last run did not finish)')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function drop(values: Values): Promise<void> {
  const p = await makePipeline(configFrom(values));
  const where = `dataset ${p.datasetName} in ${p.destination.location(p)}`;
  if (!values['yes']) {
    if (!process.stdin.isTTY) throw new ConfigError(`drop needs confirmation: rerun with --yes to drop ${where}`);
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`Drop every table and the state of ${where}? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stdout.write('Nothing dropped.\n');
      return;
    }
  }
  const session = await p.destination.open({ pipelineName: p.pipelineName, datasetName: p.datasetName });
  try {
    if (!session.dropDataset) throw new ConfigError(`the ${p.destination.name} destination cannot drop datasets; remove ${where} by hand`);
    await session.dropDataset();
  } finally {
    await session.close();
  }
  process.stdout.write(`Dropped ${where}.\n`);
}
