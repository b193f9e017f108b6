import type { NotionVersion } from '../../client/notion-client.js';
import type { ResolvedConfig } from '../../config/resolve-config.js';
import { ConfigError } from '../../errors.js';
import type { PageContentMode } from '../../notion/page-content.js';
import { formatLoadInfo } from '../../pipeline/load-info.js';
import type { ProgressEvent } from '../../pipeline/progress.js';
import { notionSource, type CommentsMode, type TablesMode } from '../../resources/notion-source.js';
import { configOf, pipelineOf } from '../cli-pipeline.js';
import type { Command } from '../command.js';
import type { OptionValues } from '../options.js';
import { defaultProgressMode, progressRenderer, type ProgressMode } from '../progress.js';

/** `notionflow run`: load the workspace the token can see. */
export const run: Command = {
  name: 'run',
  summary: 'load a Notion workspace (NOTION_API_KEY) into a destination',
  description: `Load the Notion workspace your integration can see into the destination.
The token comes from NOTION_API_KEY, .notionflow/secrets.toml ([sources.notion] api_key)
or .dlt/secrets.toml ([sources.notion_source] api_key). Progress is drawn on stderr.`,
  run: (values) => load(values),
};

/** The Notion-compatible server `demo` starts, used instead of the configured API. */
export interface DemoServer {
  readonly url: string;
  readonly token: string;
}

/**
 * Load from `demo` when given, else from the configured Notion API, drawing progress on stderr; prints
 * the load info (or its JSON with `--json`) unless `--quiet`.
 */
export async function load(values: OptionValues, demo?: DemoServer): Promise<void> {
  const config = configOf(values);
  const apiKey = demo?.token ?? config.secret('sources.notion.api_key')?.reveal();
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
  const baseUrl = demo?.url ?? config.string('sources.notion.base_url');
  const baseUrlOrigin = demo === undefined ? originOf(config) : 'the demo server';
  const source = notionSource({
    apiKey,
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(baseUrlOrigin !== undefined ? { baseUrlOrigin } : {}),
    notionVersion: config.string('sources.notion.notion_version', '2025-09-03') as NotionVersion,
    comments: config.string('sources.notion.comments', 'pages') as CommentsMode,
    tables: config.string('sources.notion.tables', 'all') as TablesMode,
    pageContent: config.string('sources.notion.page_content', 'rendered') as PageContentMode,
    ...(config.boolean('sources.notion.blocks') === false ? { blocks: false } : {}),
    ...(rate === undefined ? {} : { rateLimit: rate === 0 ? false : { requests: rate, windowMs: 60_000 } }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(checkpointPages === undefined ? {} : { checkpointPages }),
    ...(checkpointSeconds === undefined ? {} : { checkpointSeconds }),
    ...(checkpointObjects === undefined ? {} : { checkpointObjects }),
    ...(config.boolean('sources.notion.detect_deletes') ? { detectDeletes: true } : {}),
    ...(config.boolean('sources.notion.hard_delete') ? { hardDelete: true } : {}),
    incremental: {
      ...(initialValue === undefined ? {} : { initialValue }),
      ...(endValue === undefined ? {} : { endValue }),
      ...(lagSeconds === undefined ? {} : { lagSeconds }),
    },
  });
  const renderer = progressRenderer(progressModeOf(values), { stream: process.stderr });
  const p = await pipelineOf(config, values['verbose'] === true);
  // The last event (`done`) is drawn once the run succeeded: a failed run ends with its one error line.
  let done: ProgressEvent | undefined;
  let info;
  try {
    info = await p.run(source, {
      fullRefresh: values['full-refresh'] === true,
      onProgress: (event) => (event.kind === 'done' ? (done = event) : renderer.onProgress(event)),
    });
    if (done) renderer.onProgress(done);
  } finally {
    renderer.stop();
  }
  if (values['quiet']) return;
  process.stdout.write(values['json'] ? `${JSON.stringify(info, null, 2)}\n` : `${formatLoadInfo(info)}\n`);
}

/** `--progress`, checked; by default `tty` on a terminal and `log` otherwise; `none` with `--quiet`. */
export function progressModeOf(values: OptionValues): ProgressMode {
  if (values['quiet']) return 'none';
  const mode = values['progress'];
  if (mode === undefined) return defaultProgressMode(process.stderr);
  if (mode !== 'tty' && mode !== 'log' && mode !== 'none') throw new ConfigError(`--progress must be tty, log or none, got "${String(mode)}"`);
  return mode;
}

/** Where the configured base URL came from, as connection errors name it. */
function originOf(config: ResolvedConfig): string | undefined {
  const layer = config.origin('sources.notion.base_url');
  switch (layer) {
    case 'flags':
      return 'the --base-url flag';
    case 'environment':
      return process.env['NOTION_BASE_URL'] ? 'NOTION_BASE_URL' : 'NOTIONFLOW__SOURCES__NOTION__BASE_URL';
    default:
      return layer;
  }
}
