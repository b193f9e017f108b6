import { NOTION_VERSIONS, hasDataSources, type NotionVersion } from '../client/notion-client.js';
import type { RetryPolicyOptions } from '../client/retry-policy.js';
import { ConfigError } from '../errors.js';
import type { PageContentMode } from '../notion/page-content.js';
import type { IncrementalOptions } from './notion-state.js';

/** Which comments a load reads. Inline comments cost one request per block, so they are opt-in. */
export type CommentsMode = 'pages' | 'all' | 'none';

/**
 * Which page tables a load writes: `all` (default) the dlt-style `pages` and `data_sources` /
 * `databases` tables and one typed table per database; `raw` only the former; `typed` only the latter.
 */
export type TablesMode = 'all' | 'typed' | 'raw';

/** Options of `notionSource`. */
export interface NotionSourceOptions {
  /** Integration token (`NOTION_API_KEY`). Never logged, printed or stored. */
  readonly apiKey: string;
  /**
   * Where the API lives; any Notion-compatible server works. Default: the `NOTION_BASE_URL` environment
   * variable when it is set (as the CLI reads it), else `https://api.notion.com`.
   */
  readonly baseUrl?: string;
  /**
   * Where `baseUrl` came from, named when the server cannot be reached (tools that pass a URL from a
   * flag or a config file say so: `the --base-url flag`). Default `notionSource({ baseUrl })`, or
   * `NOTION_BASE_URL` when the URL came from there.
   */
  readonly baseUrlOrigin?: string;
  /**
   * Default `2025-09-03` (data sources). `2022-06-28` (databases), `2026-03-11` and `2026-12-01` are
   * supported too; under 2026-12-01 every query lists the data source's property ids in
   * `filter_properties`, which costs no extra request.
   */
  readonly notionVersion?: NotionVersion;
  /** `pages` (default): comments of every page; `all`: also inline comments of every block; `none`. */
  readonly comments?: CommentsMode;
  /** Page tables to write (see {@link TablesMode}). Default `all`. */
  readonly tables?: TablesMode;
  /**
   * `page_content` (page id, Markdown, plain text): `rendered` (default) from the blocks the load fetches
   * anyway, no extra request; `notion` from Notion's Markdown endpoint, one request per page (with
   * `blocks: false`, the cheapest way to load a wiki's text); `none`.
   */
  readonly pageContent?: PageContentMode;
  /** Fetch every page's block tree into `blocks`. Default true; `false` needs `pageContent` `notion` or `none`. */
  readonly blocks?: boolean;
  /**
   * Request budget shared by every request of the load. Default: Notion's documented 180 requests
   * per 60 s window, spendable in bursts. `false` disables it (local servers, benchmarks).
   */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number } | false;
  /** Child listings and queries in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Request timeout. Default 60 s. */
  readonly timeoutMs?: number;
  /** Retry policy: attempts and backoff bounds (see `createRetryPolicy`). */
  readonly retry?: RetryPolicyOptions;
  /** Incremental loading: initial value, end value, lag (see {@link IncrementalOptions}). */
  readonly incremental?: IncrementalOptions;
  /** Commit after this many pages (each with its whole block tree). Default 2000. */
  readonly checkpointPages?: number;
  /** …or after this many seconds of pages, whichever comes first. Default 60. */
  readonly checkpointSeconds?: number;
  /**
   * …or once a unit holds about this many blocks and comments: units get fewer pages when pages are
   * large (estimated from the trees fetched so far), so that what a destination holds for one
   * uncommitted unit stays bounded. Default 50,000.
   */
  readonly checkpointObjects?: number;
  /** Delete trashed pages (and their blocks and comments) instead of keeping them flagged `in_trash`. Default false. */
  readonly hardDelete?: boolean;
  /**
   * Scan every page id the integration can see and remove the pages that are gone or no longer
   * shared (with their blocks and comments). Costs a full listing. Default false.
   */
  readonly detectDeletes?: boolean;
}

/** {@link NotionSourceOptions} checked, with every default filled in. */
export interface SourceSettings {
  readonly version: NotionVersion;
  /** `baseUrl`, else `NOTION_BASE_URL`; undefined for the client's default. */
  readonly baseUrl: string | undefined;
  /** Where {@link baseUrl} came from; undefined for the default. */
  readonly baseUrlOrigin: string | undefined;
  /** `data_sources` or `databases`. */
  readonly containerTable: string;
  /** What search calls the containers: `data_source` or `database`. */
  readonly containerObject: 'data_source' | 'database';
  readonly comments: CommentsMode;
  readonly rawTables: boolean;
  readonly typedTables: boolean;
  readonly pageContent: PageContentMode;
  readonly blocks: boolean;
  readonly concurrency: number;
  readonly unitPages: number;
  readonly unitMs: number;
  readonly unitObjects: number;
  readonly lagMs: number;
  readonly initialValue: string | undefined;
  readonly endValue: string | undefined;
  readonly hardDelete: boolean;
  readonly detectDeletes: boolean;
}

/**
 * Check the options of `notionSource` (a bad one is a `ConfigError` naming it and the fix) and fill in the
 * defaults; `env` (default `process.env`) supplies `NOTION_BASE_URL`.
 */
export function resolveSourceOptions(options: NotionSourceOptions, env: NodeJS.ProcessEnv = process.env): SourceSettings {
  const version = options.notionVersion ?? '2025-09-03';
  if (!NOTION_VERSIONS.includes(version)) {
    throw new ConfigError(`Unknown Notion API version "${String(version)}": use one of ${NOTION_VERSIONS.join(', ')}.`);
  }
  const comments = oneOf('comments', options.comments ?? 'pages', ['pages', 'all', 'none'] as const);
  const tables = oneOf('tables', options.tables ?? 'all', ['all', 'typed', 'raw'] as const);
  const pageContent = oneOf('pageContent', options.pageContent ?? 'rendered', ['rendered', 'notion', 'none'] as const);
  const blocks = options.blocks ?? true;
  if (!blocks && pageContent === 'rendered') {
    throw new ConfigError('Page content is rendered from blocks, which blocks: false skips: set pageContent to "notion" (--page-content notion) or "none".');
  }
  if (!blocks && comments === 'all') throw new ConfigError('Inline comments are read per block, which blocks: false skips: set comments to "pages" or "none".');
  const dataSources = hasDataSources(version);
  // An explicit option wins over the environment; an empty variable counts as unset.
  const envUrl = env['NOTION_BASE_URL'] || undefined;
  const baseUrl = options.baseUrl ?? envUrl;
  return {
    version,
    baseUrl,
    baseUrlOrigin: options.baseUrl !== undefined ? (options.baseUrlOrigin ?? 'notionSource({ baseUrl })') : envUrl !== undefined ? 'NOTION_BASE_URL' : undefined,
    containerTable: dataSources ? 'data_sources' : 'databases',
    containerObject: dataSources ? 'data_source' : 'database',
    comments,
    rawTables: tables !== 'typed',
    typedTables: tables !== 'raw',
    pageContent,
    blocks,
    concurrency: positive('concurrency', options.concurrency ?? 8),
    unitPages: positive('checkpointPages', options.checkpointPages ?? 2000),
    unitMs: positive('checkpointSeconds', options.checkpointSeconds ?? 60) * 1000,
    unitObjects: positive('checkpointObjects', options.checkpointObjects ?? 50_000),
    lagMs: (options.incremental?.lagSeconds ?? 0) * 1000,
    initialValue: isoOption('incremental.initialValue', options.incremental?.initialValue),
    endValue: isoOption('incremental.endValue', options.incremental?.endValue),
    hardDelete: options.hardDelete ?? false,
    detectDeletes: options.detectDeletes ?? false,
  };
}

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new ConfigError(`Unknown ${name} "${String(value)}": use ${allowed.join(', ')}.`);
  return value;
}

function positive(name: string, n: number): number {
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got ${String(n)}.`);
  return n;
}

function isoOption(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && Number.isNaN(Date.parse(value))) throw new ConfigError(`${name} must be an ISO 8601 date-time, got "${value}".`);
  return value;
}
