import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigError, NotionflowError, PipelineNotFoundError } from '../errors.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { DatasetView } from './dataset-view.js';
import { Sections } from './sections.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The pipeline to show: its destination, dataset and name. */
  readonly pipeline: Pipeline;
  /** Port to listen on. Default 0: a free port the system picks (see {@link Dashboard.url}). */
  readonly port?: number;
  /** Interface to listen on. Only the loopback interface is allowed. Default `127.0.0.1`. */
  readonly host?: '127.0.0.1';
  /** Directory holding `.notionflow/pipelines/<pipelineName>/trace.json`. Default `process.cwd()`. */
  readonly cwd?: string;
}

/** A running dashboard. */
export interface Dashboard {
  /** Where it listens, e.g. `http://127.0.0.1:53117/`. */
  readonly url: string;
  /** Stop listening and drop open connections. Idempotent. */
  close(): Promise<void>;
}

/** The page's files, served as they are (no build step): path → file in `static/` and its content type. */
const ASSETS: Readonly<Record<string, readonly [string, string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/dashboard.js': ['dashboard.js', 'text/javascript; charset=utf-8'],
  '/dashboard.css': ['dashboard.css', 'text/css; charset=utf-8'],
};

/**
 * Nothing from elsewhere: the page's own script and style only, fetches to itself only, and no HTML
 * built from strings (Trusted Types make `innerHTML = string` throw, so user data only ever becomes text).
 */
const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'", 'trusted-types',
].join('; ');

const HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Largest SQL box request accepted. */
const MAX_BODY_BYTES = 100_000;

/**
 * Start the local web dashboard of a pipeline (what `notionflow show` opens), as dlt's
 * `dlt pipeline <name> show` does: overview with every table's row count, load history, schema with the
 * typed tables' Notion properties, stored state, a data browser, a read-only SQL box and the last run's
 * trace. It listens on 127.0.0.1 only, answers only requests addressed to that host and port (so a web
 * page cannot reach it through DNS rebinding), and creates no files.
 *
 * JSON endpoints: `GET /api/pipeline` (name, destination, dataset), `/api/overview`, `/api/loads`, `/api/schema`, `/api/state`, `/api/trace`,
 * `/api/tables/<table>/rows?page=<n>` (50 rows a page), and `POST /api/sql` with `{"sql": "select …"}`
 * (one read-only statement, at most 500 rows).
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ pipeline: pipeline({ pipelineName: 'notion_pipeline' }) });
 * console.log(`Dashboard at ${dashboard.url}`);
 * // … later
 * await dashboard.close();
 * ```
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`dashboard port must be an integer from 0 to 65535, got ${String(port)}.`);
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new ConfigError(`the dashboard listens on 127.0.0.1 only, not ${String(host)}.`);
  const assets = await loadAssets();
  const sections = new Sections(options.pipeline, new DatasetView(options.pipeline), options.cwd ?? process.cwd());

  let origins: readonly string[] = [];
  const server = createServer((req, res) => {
    handle(req, res, { sections, assets, origins }).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (!(error instanceof NotionflowError)) return sendJson(res, 500, { error: `unexpected error: ${(error as Error).message}` });
      // Nothing stored yet is 404; a load holding the destination's lock (transient) is 503: try again.
      sendJson(res, error instanceof PipelineNotFoundError ? 404 : error.transient ? 503 : 500, { error: error.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new ConfigError(`the dashboard cannot listen on ${host}:${port}: ${error.message}`, { cause: error })));
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  origins = [`127.0.0.1:${bound}`, `localhost:${bound}`];
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

interface Context {
  readonly sections: Sections;
  readonly assets: ReadonlyMap<string, { readonly body: Buffer; readonly type: string }>;
  /** `host:port` pairs the dashboard answers to. */
  readonly origins: readonly string[];
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  // DNS rebinding: a foreign name resolving to 127.0.0.1 still carries its own Host header.
  if (!ctx.origins.includes(req.headers.host ?? '')) return sendJson(res, 403, { error: 'unexpected Host header: open the dashboard at the URL it printed.' });
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const asset = ctx.assets.get(url.pathname);
  if (req.method === 'GET' && asset) return send(res, 200, asset.type, asset.body);
  // The page has no icon; answering keeps the browser from logging a 404.
  if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', Buffer.alloc(0));
  if (!url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: `no page ${url.pathname}` });
  const route = url.pathname.slice('/api/'.length);

  if (route === 'sql') {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST the query as {"sql": "…"}' });
    // Another site's page cannot send JSON here: a cross-origin JSON POST needs a preflight this server never answers.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: 'send the query as application/json' });
    const origin = req.headers.origin;
    if (origin !== undefined && !ctx.origins.some((o) => origin === `http://${o}`)) return sendJson(res, 403, { error: `requests from ${origin} are not accepted` });
    const body = await readBody(req);
    if (body === undefined) return sendJson(res, 413, { error: `the query is longer than ${MAX_BODY_BYTES} bytes` });
    let sql: unknown;
    try {
      sql = (JSON.parse(body) as { sql?: unknown }).sql;
    } catch {
      sql = undefined;
    }
    if (typeof sql !== 'string') return sendJson(res, 400, { error: 'send {"sql": "<query>"}' });
    const outcome = await ctx.sections.sql(sql);
    return sendJson(res, outcome.ok ? 200 : 400, outcome);
  }

  if (req.method !== 'GET') return sendJson(res, 405, { error: `${req.method ?? ''} is not supported here` });
  const rows = /^tables\/([^/]+)\/rows$/.exec(route);
  if (rows) {
    const table = decoded(rows[1]!);
    if (table === undefined) return sendJson(res, 400, { error: 'the table name is not valid URL encoding' });
    const page = Number(url.searchParams.get('page') ?? '0');
    if (!Number.isInteger(page) || page < 0) return sendJson(res, 400, { error: 'page must be a whole number from 0' });
    const result = await ctx.sections.rows(table, page);
    return result ? sendJson(res, 200, result) : sendJson(res, 404, { error: `no table ${table} in the dataset` });
  }
  switch (route) {
    case 'pipeline':
      return sendJson(res, 200, ctx.sections.pipeline());
    case 'overview':
      return sendJson(res, 200, await ctx.sections.overview());
    case 'loads':
      return sendJson(res, 200, await ctx.sections.loads());
    case 'schema':
      return sendJson(res, 200, await ctx.sections.schema());
    case 'state':
      return sendJson(res, 200, await ctx.sections.state());
    case 'trace':
      return sendJson(res, 200, ctx.sections.trace());
    default:
      return sendJson(res, 404, { error: `no endpoint /api/${route}` });
  }
}

/** The page's files, read once when the dashboard starts. */
async function loadAssets(): Promise<Map<string, { body: Buffer; type: string }>> {
  const dir = staticDir();
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, [file, type]] of Object.entries(ASSETS)) out.set(path, { body: await readFile(new URL(file, dir)), type });
  return out;
}

/**
 * `src/show/static/` of the package. The compiled module runs from `dist/src/show/`, the sources (tests)
 * from `src/show/`; the files ship once, in `src/` (package.json `files`).
 */
function staticDir(): URL {
  const here = new URL('.', import.meta.url);
  return fileURLToPath(here).replaceAll('\\', '/').endsWith('/dist/src/show/') ? new URL('../../../src/show/static/', here) : new URL('static/', here);
}

function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component);
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(value)));
}

function send(res: ServerResponse, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { ...HEADERS, 'content-type': type, 'content-length': body.length });
  res.end(body);
}
