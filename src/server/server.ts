import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.js';
import { ApiErrorReply, notFound, validationError } from './api-error.js';
import { BLOCK_SPACE } from './block-tree.js';
import type { BlockNode } from './block-tree.js';
import { FaultPlan } from './faults.js';
import type { FaultKind, FaultOptions } from './faults.js';
import { COMMENT_SPACE, IdKind } from './ids.js';
import { Cursors } from './listing.js';
import { blockMarkdown, pageMarkdown } from './markdown.js';
import type { MarkdownOptions, MarkdownResult } from './markdown.js';
import { renderBlock, renderComment, renderDatabase, renderDataSource, renderPage, renderPageAsBlock, renderUser, rowPropertyItems } from './render.js';
import { textItem } from './text.js';
import type { Json, JsonObject } from './text.js';
import { NOTION_VERSIONS, Workspace } from './workspace.js';
import type { NotionVersion, WorkspaceOptions } from './workspace.js';

/** Options of {@link startNotionServer}. */
export interface ServerOptions {
  /** The workspace to serve: options to generate one, or a {@link Workspace} (to mutate it or set its clock). Default: the `small` preset. */
  readonly workspace?: WorkspaceOptions | Workspace;
  /** The Bearer token requests must carry. Default `'demo-token'`. */
  readonly token?: string;
  /** Delay before each response, in ms. Default 0. */
  readonly latencyMs?: number;
  /** Per-token fixed-window rate limit; over it → 429 `rate_limited` with `Retry-After`. Default `false` (none). */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number } | false;
  /** Clock of the rate limit's windows, in epoch ms (a test's virtual clock, shared with the client's). Default `Date.now`. */
  readonly clock?: () => number;
  /** Seeded fault injection (see {@link FaultPlan}). Default: none. */
  readonly faults?: FaultOptions;
  /** Most results one data source / database query returns before `request_status: incomplete`. Default 10 000. */
  readonly queryResultCap?: number;
  /** Most blocks one `GET /v1/pages/:id/markdown` answer renders before it is `truncated` (see `pageMarkdown`). Default 300. */
  readonly markdownRecordLimit?: number;
  /** For tests: after this many pages of a listing, its next cursor is rejected once as expired. Default: never. */
  readonly expireCursorAfter?: number;
  /** Host to listen on. Default `'127.0.0.1'`. */
  readonly host?: string;
  /** Port to listen on. Default 0 (a free port). */
  readonly port?: number;
  /** Called for every request received (method and path with query), e.g. to count requests per object in tests. */
  readonly onRequest?: (method: string, path: string) => void;
}

/** Request counters of a running server. */
export interface ServerStats {
  /** Every request received. */
  readonly total: number;
  /** Requests by endpoint key, e.g. `'GET /v1/blocks/:id/children'`, `'POST /v1/search'`. */
  readonly byEndpoint: Readonly<Record<string, number>>;
  /** Responses by HTTP status (a `slow` answer the client hung up on sends none). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** 429 answers. */
  readonly rateLimited: number;
  /** Injected faults by kind. */
  readonly faults: Readonly<Partial<Record<FaultKind, number>>>;
  /** Injected faults, all kinds. */
  readonly faultsInjected: number;
  /** `slow` answers the client hung up on (timed out) before they were sent. */
  readonly abandoned: number;
}

/** A running local Notion server. */
export interface NotionServer {
  /** `http://127.0.0.1:PORT` (no trailing slash, no `/v1`). */
  readonly url: string;
  readonly token: string;
  readonly workspace: Workspace;
  /** A snapshot of the counters. */
  readonly stats: ServerStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

interface Request {
  readonly method: string;
  readonly url: URL;
  readonly body: JsonObject;
  readonly version: NotionVersion;
  readonly params: readonly string[];
}

type Handler = (req: Request) => JsonObject;

const VERSIONS: readonly string[] = NOTION_VERSIONS;
const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n';
const HTML_PAGE = '<!DOCTYPE html><html><head><title>Notion</title></head><body>Something went wrong.</body></html>';

function errorReply(e: ApiErrorReply, requestId: string): Reply {
  const body: JsonObject = { object: 'error', status: e.status, code: e.apiCode, message: e.message, request_id: requestId };
  if (e.additionalData !== undefined) body.additional_data = e.additionalData;
  return { status: e.status, body: JSON.stringify(body), headers: { 'content-type': JSON_TYPE, 'x-notion-request-id': requestId, ...e.headers } };
}

/** Waits `ms` before an answer is sent: true then, false as soon as the client hangs up (nothing is sent). */
function holdBack(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const hungUp = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', hungUp);
      resolve(true);
    }, ms);
    res.once('close', hungUp);
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The `filter_properties` of a query string (repeated `filter_properties=<id>` or the bracket form
 * `filter_properties[]=<id>`) as a test on property ids, or undefined when there are none. Ids are
 * compared decoded, so `rt%3Ax` matches whether it was sent encoded once more (as it should) or not.
 */
function propertyFilter(url: URL): ((id: string) => boolean) | undefined {
  const ids = [...url.searchParams.getAll('filter_properties'), ...url.searchParams.getAll('filter_properties[]')];
  if (ids.length === 0) return undefined;
  const wanted = new Set(ids.map(safeDecode));
  return (id) => wanted.has(safeDecode(id));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Timestamp filter / sort support for queries. */
type RowPredicate = (created: number, edited: number) => boolean;

function compileFilter(filter: Json | undefined): RowPredicate {
  if (filter === undefined || filter === null) return () => true;
  if (typeof filter !== 'object' || Array.isArray(filter)) throw validationError('body.filter should be an object.');
  for (const group of ['and', 'or'] as const) {
    const parts = filter[group];
    if (parts !== undefined) {
      if (!Array.isArray(parts)) throw validationError(`body.filter.${group} should be an array.`);
      const preds = parts.map(compileFilter);
      return group === 'and' ? (c, e) => preds.every((p) => p(c, e)) : (c, e) => preds.some((p) => p(c, e));
    }
  }
  const ts = filter.timestamp;
  if (ts !== 'created_time' && ts !== 'last_edited_time') throw validationError('The local Notion server supports timestamp filters (created_time, last_edited_time) and and/or of them.');
  const cond = filter[ts];
  if (typeof cond !== 'object' || cond === null || Array.isArray(cond)) throw validationError(`body.filter.${ts} should be an object.`);
  const checks = Object.entries(cond).map(([op, raw]): ((t: number) => boolean) => {
    const v = typeof raw === 'string' ? Date.parse(raw) : NaN;
    if (Number.isNaN(v)) throw validationError(`body.filter.${ts}.${op} should be a valid ISO 8601 date string.`);
    switch (op) {
      case 'on_or_after': return (t) => t >= v;
      case 'after': return (t) => t > v;
      case 'before': return (t) => t < v;
      case 'on_or_before': return (t) => t <= v;
      case 'equals': return (t) => t === v;
      default: throw validationError(`body.filter.${ts}.${op} is not a supported timestamp condition.`);
    }
  });
  return ts === 'created_time' ? (c) => checks.every((f) => f(c)) : (_, e) => checks.every((f) => f(e));
}

function compileSorts(sorts: Json | undefined): Array<{ key: 'created_time' | 'last_edited_time'; sign: number }> {
  if (sorts === undefined || sorts === null) return [];
  if (!Array.isArray(sorts)) throw validationError('body.sorts should be an array.');
  return sorts.map((s) => {
    const o = s as JsonObject;
    if (o === null || typeof o !== 'object' || (o.timestamp !== 'created_time' && o.timestamp !== 'last_edited_time')) {
      throw validationError('The local Notion server supports sorts on timestamp created_time or last_edited_time.');
    }
    if (o.direction !== 'ascending' && o.direction !== 'descending') throw validationError('body.sorts[].direction should be "ascending" or "descending".');
    return { key: o.timestamp, sign: o.direction === 'ascending' ? 1 : -1 };
  });
}

class FixedWindow {
  readonly #requests: number;
  readonly #windowMs: number;
  #start = 0;
  #count = 0;

  constructor(requests: number, windowMs: number) {
    this.#requests = requests;
    this.#windowMs = windowMs;
  }

  /** Seconds to wait when over the limit, else undefined (and the request is counted). */
  take(now: number): number | undefined {
    if (now - this.#start >= this.#windowMs) {
      this.#start = now;
      this.#count = 0;
    }
    if (this.#count >= this.#requests) return Math.ceil((this.#start + this.#windowMs - now) / 1000);
    this.#count++;
    return undefined;
  }
}

function emptyStats(): { total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number>; rateLimited: number; faults: Partial<Record<FaultKind, number>>; faultsInjected: number; abandoned: number } {
  return { total: 0, byEndpoint: {}, byStatus: {}, rateLimited: 0, faults: {}, faultsInjected: 0, abandoned: 0 };
}

class LocalNotionServer implements NotionServer {
  readonly workspace: Workspace;
  readonly token: string;
  url = '';
  readonly #latencyMs: number;
  readonly #limiter: FixedWindow | undefined;
  readonly #clock: () => number;
  readonly #faults: FaultPlan | undefined;
  readonly #cap: number;
  readonly #markdownLimit: number;
  readonly #cursors: Cursors;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  readonly #routes: ReadonlyArray<readonly [string, RegExp, string, Handler]>;
  readonly #onRequest: ((method: string, path: string) => void) | undefined;
  readonly #listCache = new Map<string, number[]>();
  #stats = emptyStats();

  constructor(options: ServerOptions) {
    this.workspace = options.workspace instanceof Workspace ? options.workspace : new Workspace(options.workspace);
    this.token = options.token ?? 'demo-token';
    this.#latencyMs = options.latencyMs ?? 0;
    const rl = options.rateLimit ?? false;
    if (rl !== false && !(rl.requests >= 1 && rl.windowMs > 0)) throw new ConfigError('rateLimit needs requests ≥ 1 and windowMs > 0.');
    this.#limiter = rl === false ? undefined : new FixedWindow(rl.requests, rl.windowMs);
    this.#clock = options.clock ?? Date.now;
    this.#faults = options.faults === undefined ? undefined : new FaultPlan(options.faults);
    this.#cap = options.queryResultCap ?? 10_000;
    if (!(Number.isInteger(this.#cap) && this.#cap >= 1)) throw new ConfigError('queryResultCap must be a positive integer.');
    this.#markdownLimit = options.markdownRecordLimit ?? 300;
    if (!(Number.isInteger(this.#markdownLimit) && this.#markdownLimit >= 1)) throw new ConfigError('markdownRecordLimit must be a positive integer.');
    this.#cursors = new Cursors(options.expireCursorAfter);
    this.#onRequest = options.onRequest;
    const id = '([^/]+)';
    this.#routes = [
      ['GET', /^\/v1\/users$/, 'GET /v1/users', (r) => this.#users(r)],
      ['GET', /^\/v1\/users\/me$/, 'GET /v1/users/me', (r) => renderUser(this.workspace, this.workspace.botUser, r.version)],
      ['GET', new RegExp(`^/v1/users/${id}$`), 'GET /v1/users/:id', (r) => this.#user(r)],
      ['GET', new RegExp(`^/v1/pages/${id}$`), 'GET /v1/pages/:id', (r) => renderPage(this.workspace, this.#pageNo(r.params[0]!), r.version, propertyFilter(r.url))],
      ['GET', new RegExp(`^/v1/pages/${id}/properties/${id}$`), 'GET /v1/pages/:id/properties/:property_id', (r) => this.#propertyItem(r)],
      ['GET', new RegExp(`^/v1/pages/${id}/markdown$`), 'GET /v1/pages/:id/markdown', (r) => this.#markdown(r)],
      ['GET', new RegExp(`^/v1/databases/${id}$`), 'GET /v1/databases/:id', (r) => renderDatabase(this.workspace, this.#database(r.params[0]!), r.version)],
      ['POST', new RegExp(`^/v1/databases/${id}/query$`), 'POST /v1/databases/:id/query', (r) => this.#query(r, 'databases')],
      ['GET', new RegExp(`^/v1/data_sources/${id}$`), 'GET /v1/data_sources/:id', (r) => this.#dataSource(r)],
      ['POST', new RegExp(`^/v1/data_sources/${id}/query$`), 'POST /v1/data_sources/:id/query', (r) => this.#query(r, 'data_sources')],
      ['GET', new RegExp(`^/v1/blocks/${id}$`), 'GET /v1/blocks/:id', (r) => this.#block(r)],
      ['GET', new RegExp(`^/v1/blocks/${id}/children$`), 'GET /v1/blocks/:id/children', (r) => this.#children(r)],
      ['POST', /^\/v1\/search$/, 'POST /v1/search', (r) => this.#search(r)],
      ['GET', /^\/v1\/comments$/, 'GET /v1/comments', (r) => this.#comments(r)],
      ['GET', new RegExp(`^/v1/comments/${id}$`), 'GET /v1/comments/:id', (r) => this.#comment(r)],
    ];
  }

  get stats(): ServerStats {
    const s = this.#stats;
    return { ...s, byEndpoint: { ...s.byEndpoint }, byStatus: { ...s.byStatus }, faults: { ...s.faults } };
  }

  resetStats(): void {
    this.#stats = emptyStats();
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    const address = this.#server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  // ─── Transport ─────────────────────────────────────────────────────────────────────────────

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req).catch(() => undefined);
    if (raw === undefined) return;
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = this.#routes.find(([m, re]) => m === method && re.test(url.pathname));
    this.#stats.total++;
    const endpoint = route?.[2] ?? `${method} (unknown)`;
    this.#stats.byEndpoint[endpoint] = (this.#stats.byEndpoint[endpoint] ?? 0) + 1;
    this.#onRequest?.(method, `${url.pathname}${url.search}`);

    let fault: FaultKind | undefined;
    let reply: Reply;
    try {
      this.#admit(req);
      fault = this.#faults?.decide(`${method} ${req.url ?? ''} ${raw}`);
      if (fault !== undefined) {
        this.#stats.faultsInjected++;
        this.#stats.faults[fault] = (this.#stats.faults[fault] ?? 0) + 1;
      }
      const early = fault === undefined ? undefined : this.#faultReply(fault, requestId);
      if (early !== undefined) reply = early;
      else {
        if (route === undefined) throw new ApiErrorReply(400, 'invalid_request_url', 'Invalid request URL.');
        const request = this.#parse(req, url, raw, route[1]);
        reply = { status: 200, body: JSON.stringify(route[3](request)), headers: { 'content-type': JSON_TYPE, 'x-notion-request-id': requestId } };
      }
    } catch (e) {
      const error = e instanceof ApiErrorReply ? e : new ApiErrorReply(500, 'internal_server_error', 'Unexpected error occurred.');
      if (error.status === 429) this.#stats.rateLimited++;
      reply = errorReply(error, requestId);
    }
    if (this.#latencyMs > 0) await new Promise((r) => setTimeout(r, this.#latencyMs));
    if (fault === 'slow' && !(await holdBack(res, this.#faults!.slowMs))) {
      this.#stats.abandoned++;
      return;
    }
    this.#stats.byStatus[reply.status] = (this.#stats.byStatus[reply.status] ?? 0) + 1;
    const full = Buffer.from(reply.body, 'utf8');
    const half = full.subarray(0, Math.floor(full.length / 2));
    // A truncated body is a complete HTTP answer whose JSON stops halfway; a reset cuts the connection itself.
    const body = fault === 'truncated' ? half : full;
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
    if (fault === 'reset') {
      res.write(half, () => req.socket.resetAndDestroy());
      return;
    }
    res.end(body);
  }

  /** Auth, version and rate limit, in that order. */
  #admit(req: IncomingMessage): void {
    if (req.headers.authorization !== `Bearer ${this.token}`) throw new ApiErrorReply(401, 'unauthorized', 'API token is invalid.');
    const version = req.headers['notion-version'];
    if (version === undefined) throw new ApiErrorReply(400, 'missing_version', 'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.');
    if (typeof version !== 'string' || !VERSIONS.includes(version)) {
      throw validationError(`Notion-Version header failed validation: Notion-Version header should be one of ${VERSIONS.join(', ')}.`);
    }
    const wait = this.#limiter?.take(this.#clock());
    if (wait !== undefined) {
      throw new ApiErrorReply(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.', {
        additionalData: { rate_limit_reason: 'public_api_request_rate_limit', retry_after: String(wait) },
        headers: { 'retry-after': String(wait) },
      });
    }
  }

  #faultReply(fault: FaultKind, requestId: string): Reply | undefined {
    const json = (status: number, code: string, message: string, headers: Record<string, string> = {}): Reply =>
      errorReply(new ApiErrorReply(status, code, message, { headers }), requestId);
    switch (fault) {
      case '500': return json(500, 'internal_server_error', 'Unexpected error occurred.');
      case '503': return json(503, 'service_unavailable', 'Notion is unavailable. Try again later.');
      case '504': return json(504, 'gateway_timeout', 'Notion timed out while processing the request.');
      case '409': return json(409, 'conflict_error', 'Conflict occurred while saving. Please try again.');
      case '529': return json(529, 'service_overload', 'Notion is overloaded. Please try again shortly.', { 'retry-after': '1' });
      case '502': return { status: 502, body: HTML_502, headers: { 'content-type': 'text/html' } };
      case 'html': return { status: 200, body: HTML_PAGE, headers: { 'content-type': 'text/html; charset=utf-8' } };
      default: return undefined;
    }
  }

  #parse(req: IncomingMessage, url: URL, raw: string, re: RegExp): Request {
    const method = req.method ?? 'GET';
    let body: JsonObject = {};
    if (method === 'POST') {
      if (url.searchParams.has('start_cursor')) {
        throw validationError(`query failed validation: query.start_cursor should be not present, instead was \`"${url.searchParams.get('start_cursor')}"\`.`);
      }
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw) as JsonObject;
        } catch {
          throw new ApiErrorReply(400, 'invalid_json', 'Error parsing JSON body.');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationError('body failed validation: body should be an object.');
      }
    }
    return { method, url, body, version: req.headers['notion-version'] as NotionVersion, params: re.exec(url.pathname)!.slice(1) };
  }

  // ─── Shared helpers ────────────────────────────────────────────────────────────────────────

  #pageSize(req: Request): number {
    const raw: unknown = req.method === 'POST' ? req.body.page_size : req.url.searchParams.get('page_size') ?? undefined;
    if (raw === undefined || raw === null) return 100;
    const n = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100) {
      throw validationError(`${req.method === 'POST' ? 'body' : 'query'}.page_size should be an integer from 1 to 100, instead was \`${String(raw)}\`.`);
    }
    return n;
  }

  #startCursor(req: Request): string | undefined {
    const raw: unknown = req.method === 'POST' ? req.body.start_cursor : req.url.searchParams.get('start_cursor') ?? undefined;
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') throw validationError('body.start_cursor should be a string or `undefined`.');
    return raw;
  }

  #list(req: Request, key: string, size: number, item: (i: number) => Json, type: string, extra: { incomplete?: boolean; typeBody?: JsonObject } = {}): JsonObject {
    return this.#cursors.page({ key, size, item, type, pageSize: this.#pageSize(req), startCursor: this.#startCursor(req), ...extra });
  }

  #cached(key: string, build: () => number[]): number[] {
    const full = `${this.workspace.version} ${key}`;
    let items = this.#listCache.get(full);
    if (items === undefined) {
      items = build();
      this.#listCache.set(full, items);
      if (this.#listCache.size > 16) this.#listCache.delete(this.#listCache.keys().next().value!);
    }
    return items;
  }

  #pageNo(rawId: string): number {
    const d = this.workspace.decode(rawId);
    if (d?.kind !== IdKind.page || !this.workspace.isPageShared(d.index)) throw notFound('page', rawId);
    return d.index;
  }

  /** The properties a listing's (search, data source query) pages show: `filter_properties`, or from 2026-12-01 only the title. */
  #listedProperties(req: Request): ((id: string) => boolean) | undefined {
    return propertyFilter(req.url) ?? (req.version >= '2026-12-01' ? (id) => id === 'title' : undefined);
  }

  #database(rawId: string): number {
    const d = this.workspace.decode(rawId);
    if (d?.kind !== IdKind.database || !this.workspace.isDatabaseShared(d.index)) throw notFound('database', rawId);
    return d.index;
  }

  // ─── Endpoints ─────────────────────────────────────────────────────────────────────────────

  #users(req: Request): JsonObject {
    return this.#list(req, 'users', this.workspace.options.users, (u) => renderUser(this.workspace, u, req.version), 'user');
  }

  /** A member or a guest (guests are not listed by `GET /v1/users`, but can be retrieved by id). */
  #user(req: Request): JsonObject {
    const ws = this.workspace;
    const d = ws.decode(req.params[0]!);
    if (d?.kind !== IdKind.user || (d.index >= ws.options.users && !ws.isGuest(d.index))) throw notFound('user', req.params[0]!);
    return renderUser(ws, d.index, req.version);
  }

  #dataSource(req: Request): JsonObject {
    if (req.version === '2022-06-28') throw new ApiErrorReply(400, 'invalid_request_url', 'Data sources need Notion-Version 2025-09-03 or later.');
    const d = this.workspace.decode(req.params[0]!);
    if (d?.kind !== IdKind.dataSource || !this.workspace.isDatabaseShared(d.index)) throw notFound('data_source', req.params[0]!);
    return renderDataSource(this.workspace, d.index, req.version);
  }

  #query(req: Request, path: 'databases' | 'data_sources'): JsonObject {
    const ws = this.workspace;
    const legacy = path === 'databases';
    if ((req.version === '2022-06-28') !== legacy) {
      throw new ApiErrorReply(400, 'invalid_request_url', legacy
        ? 'Invalid request URL: from Notion-Version 2025-09-03 on, query data sources (POST /v1/data_sources/:id/query).'
        : 'Invalid request URL: data sources need Notion-Version 2025-09-03 or later.');
    }
    const raw = req.params[0]!;
    const decoded = ws.decode(raw);
    const kind = legacy ? IdKind.database : IdKind.dataSource;
    if (decoded?.kind !== kind || !ws.isDatabaseShared(decoded.index)) throw notFound(legacy ? 'database' : 'data_source', raw);
    const db = decoded.index;
    const { filter, sorts } = req.body;
    const rows = this.#cached(`query ${db} ${JSON.stringify(filter ?? null)} ${JSON.stringify(sorts ?? null)}`, () => {
      const predicate = compileFilter(filter);
      const order = compileSorts(sorts);
      const times = (p: number): { created_time: number; last_edited_time: number } => ({ created_time: ws.pageCreated(p), last_edited_time: ws.pageEdited(p) });
      const matching = ws.visibleRows(db).filter((p) => predicate(ws.pageCreated(p), ws.pageEdited(p)));
      if (order.length === 0) return matching;
      const keyed = matching.map((p) => ({ p, t: times(p) }));
      keyed.sort((a, b) => {
        for (const { key, sign } of order) if (a.t[key] !== b.t[key]) return sign * (a.t[key] - b.t[key]);
        return a.p - b.p;
      });
      return keyed.map((k) => k.p);
    });
    const capped = rows.length > this.#cap;
    const keep = this.#listedProperties(req);
    return this.#list(req, `query ${raw} ${JSON.stringify(filter ?? null)} ${JSON.stringify(sorts ?? null)}`, capped ? this.#cap : rows.length,
      (i) => renderPage(ws, rows[i]!, req.version, keep), legacy ? 'page_or_database' : 'page_or_data_source', { incomplete: capped });
  }

  #search(req: Request): JsonObject {
    const ws = this.workspace;
    const { filter, sort, query } = req.body;
    const dbValue = req.version === '2022-06-28' ? 'database' : 'data_source';
    let want: 'page' | 'db' | 'all' | 'trash' = 'all';
    if (filter !== undefined && filter !== null && (filter as JsonObject).in_trash === true) {
      // Notion lists the trash with `filter: {in_trash: true}` (optionally with `property`/`value`).
      want = 'trash';
    } else if (filter !== undefined && filter !== null) {
      const f = filter as JsonObject;
      if (f.property !== 'object' || (f.value !== 'page' && f.value !== dbValue)) {
        throw validationError(`body.filter.value should be "page" or "${dbValue}", instead was \`${JSON.stringify(f.value)}\`.`);
      }
      want = f.value === 'page' ? 'page' : 'db';
    }
    let direction = 0;
    if (sort !== undefined && sort !== null) {
      const s = sort as JsonObject;
      if (s.timestamp !== 'last_edited_time' || (s.direction !== 'ascending' && s.direction !== 'descending')) {
        throw validationError('body.sort should be {timestamp: "last_edited_time", direction: "ascending" | "descending"}.');
      }
      direction = s.direction === 'ascending' ? 1 : -1;
    }
    if (query !== undefined && query !== null && typeof query !== 'string') throw validationError('body.query should be a string.');
    const needle = (query ?? '').toLowerCase();
    const key = `search ${want} ${direction} ${needle}`;
    const items = this.#cached(key, () => {
      let out: number[] = [];
      if (want === 'trash') out.push(...ws.trashedPages());
      else {
        if (want !== 'db') out.push(...ws.visiblePages());
        if (want !== 'page') out.push(...ws.sharedDatabases().map((d) => -(d + 1)));
      }
      if (needle !== '') out = out.filter((n) => (n >= 0 ? ws.pageTitle(n) : ws.databaseTitle(-n - 1)).toLowerCase().includes(needle));
      if (direction !== 0) {
        const edited = (n: number): number => (n >= 0 ? ws.pageEdited(n) : ws.databaseTimes(-n - 1).edited);
        const keyed = out.map((n) => ({ n, t: edited(n) }));
        keyed.sort((a, b) => direction * (a.t - b.t) || a.n - b.n);
        out = keyed.map((k) => k.n);
      }
      return out;
    });
    const keep = this.#listedProperties(req);
    const render = (n: number): JsonObject => {
      if (n >= 0) return renderPage(ws, n, req.version, keep);
      return req.version === '2022-06-28' ? renderDatabase(ws, -n - 1, req.version) : renderDataSource(ws, -n - 1, req.version);
    };
    return this.#list(req, key, items.length, (i) => render(items[i]!), req.version === '2022-06-28' ? 'page_or_database' : 'page_or_data_source');
  }

  #block(req: Request): JsonObject {
    const ws = this.workspace;
    const raw = req.params[0]!;
    const d = ws.decode(raw);
    if (d?.kind === IdKind.page && ws.isPageShared(d.index)) return renderPageAsBlock(ws, d.index, req.version);
    const found = this.#blockNode(raw);
    if (found !== undefined) return renderBlock(ws, found.pageNo, found.node, req.version);
    throw notFound('block', raw);
  }

  /** The block of a block id on a shared page, or the child_database block of a shared database on a page. */
  #blockNode(raw: string): { pageNo: number; node: BlockNode } | undefined {
    const ws = this.workspace;
    const d = ws.decode(raw);
    if (d?.kind === IdKind.database && ws.isDatabaseShared(d.index)) {
      const parent = ws.databaseParent(d.index);
      const node = parent >= 0 ? ws.tree(parent).byId.get(ws.databaseId(d.index)) : undefined;
      return node === undefined ? undefined : { pageNo: parent, node };
    }
    const found = d?.kind === IdKind.block ? ws.findBlock(d.index) : undefined;
    return found !== undefined && ws.isPageShared(found.pageNo) ? found : undefined;
  }

  /** `GET /v1/pages/:id/markdown`: a page's content, or (for an id of `unknown_block_ids`) one block's subtree. */
  #markdown(req: Request): JsonObject {
    const ws = this.workspace;
    const raw = req.params[0]!;
    const d = ws.decode(raw);
    const options: MarkdownOptions = { limit: this.#markdownLimit, includeTranscript: req.url.searchParams.get('include_transcript') === 'true' };
    const answer = (id: string, md: MarkdownResult): JsonObject => ({ object: 'page_markdown', id, ...md });
    if (d?.kind === IdKind.page && ws.isPageShared(d.index)) return answer(ws.pageId(d.index), pageMarkdown(ws, d.index, options));
    const found = this.#blockNode(raw);
    if (found !== undefined) return answer(found.node.id, blockMarkdown(ws, found.pageNo, found.node, options));
    throw notFound('page', raw);
  }

  #children(req: Request): JsonObject {
    const ws = this.workspace;
    const raw = req.params[0]!;
    const d = ws.decode(raw);
    let pageNo = -1;
    let children: readonly BlockNode[] | undefined;
    if (d?.kind === IdKind.page && ws.isPageShared(d.index)) {
      pageNo = d.index;
      children = ws.tree(pageNo).top;
    } else if (d?.kind === IdKind.database && ws.isDatabaseShared(d.index)) {
      children = [];
    } else {
      const found = this.#blockNode(raw);
      if (found !== undefined) {
        const { node } = found;
        children = ws.childrenOf(node);
        pageNo = node.type === 'synced_block' && node.ref >= 0 ? Math.floor(node.ref / BLOCK_SPACE) : found.pageNo;
      }
    }
    if (children === undefined) throw notFound('block', raw);
    const list = children;
    return this.#list(req, `children ${raw}`, list.length, (i) => renderBlock(ws, pageNo, list[i]!, req.version), 'block');
  }

  #comments(req: Request): JsonObject {
    const ws = this.workspace;
    const raw = req.url.searchParams.get('block_id');
    if (raw === null) throw validationError('query failed validation: query.block_id should be defined, instead was `undefined`.');
    const d = ws.decode(raw);
    let owner = -1;
    let count = 0;
    if (d?.kind === IdKind.page && ws.isPageShared(d.index)) {
      owner = ws.pageCommentOwner(d.index);
      count = ws.pageCommentCount(d.index);
    } else if (d?.kind === IdKind.block) {
      const found = ws.findBlock(d.index);
      if (found !== undefined && ws.isPageShared(found.pageNo)) {
        owner = d.index;
        count = ws.blockCommentCount(found.pageNo, found.node);
      }
    }
    if (owner < 0) throw notFound('block', raw);
    return this.#list(req, `comments ${raw}`, count, (k) => renderComment(ws, owner, k), 'comment');
  }

  #comment(req: Request): JsonObject {
    const ws = this.workspace;
    const raw = req.params[0]!;
    const d = ws.decode(raw);
    if (d?.kind === IdKind.comment) {
      const owner = Math.floor(d.index / COMMENT_SPACE);
      const k = d.index % COMMENT_SPACE;
      const pageNo = Math.floor(owner / BLOCK_SPACE);
      const found = ws.isPageCommentOwner(owner) ? undefined : ws.findBlock(owner);
      const count = !ws.isPageShared(pageNo) ? 0 : ws.isPageCommentOwner(owner) ? ws.pageCommentCount(pageNo) : found === undefined ? 0 : ws.blockCommentCount(pageNo, found.node);
      if (k < count) return renderComment(ws, owner, k);
    }
    throw notFound('comment', raw);
  }

  #propertyItem(req: Request): JsonObject {
    const ws = this.workspace;
    const [rawPage, rawProp] = req.params as [string, string];
    const pageNo = this.#pageNo(rawPage);
    const row = ws.rowOf(pageNo);
    const same = (id: string): boolean => id === rawProp || safeDecode(id) === safeDecode(rawProp);
    let result;
    if (row === undefined) {
      if (!same('title')) throw notFound('property', rawProp);
      result = { kind: 'list', items: [{ object: 'property_item', id: 'title', type: 'title', title: textItem(ws.pageTitle(pageNo)) }], meta: { id: 'title', type: 'title', title: {} } } as const;
    } else {
      const prop = ws.schema(row.db).find((p) => same(p.id));
      if (prop === undefined) throw notFound('property', rawProp);
      result = rowPropertyItems(ws, pageNo, prop);
    }
    if (result.kind === 'item') return result.item;
    const items = result.items;
    const body = this.#list(req, `property ${pageNo} ${rawProp}`, items.length, (i) => items[i]!, 'property_item', { typeBody: { ...result.meta, next_url: null } });
    const envelope = body.property_item as JsonObject;
    if (typeof body.next_cursor === 'string') {
      envelope.next_url = `${this.url}/v1/pages/${ws.pageId(pageNo)}/properties/${rawProp}?start_cursor=${encodeURIComponent(body.next_cursor)}`;
      // A rollup's result is on the last page; the pages before it say the calculation goes on.
      if (envelope.type === 'rollup') envelope.rollup = { type: 'incomplete', incomplete: {}, function: (envelope.rollup as JsonObject).function! };
    }
    return body;
  }
}

/**
 * Starts a local HTTP server that speaks Notion's REST API (versions 2022-06-28, 2025-09-03, 2026-03-11
 * and 2026-12-01, chosen per request by `Notion-Version`) over a generated {@link Workspace}, with optional latency,
 * rate limiting, seeded faults and a query result cap. Listens on 127.0.0.1, a free port by default.
 *
 * @example
 * ```ts
 * const server = await startNotionServer({ workspace: WORKSPACE_PRESETS.tiny });
 * const res = await fetch(`${server.url}/v1/users`, {
 *   headers: { Authorization: `Bearer ${server.token}`, 'Notion-Version': '2025-09-03' },
 * });
 * await server.close();
 * ```
 */
export async function startNotionServer(options: ServerOptions = {}): Promise<NotionServer> {
  const server = new LocalNotionServer(options);
  await server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return server;
}
