import http from 'node:http';
import https from 'node:https';
import { got, RequestError, TimeoutError, type CancelableRequest, type Got, type Response } from 'got';
import { asyncScheduler, defer, Observable, tap, type SchedulerLike } from 'rxjs';
import { ConfigError } from '../errors.js';
import { rateLimit } from '../../operators/rate-limit.js';
import { retryTransient } from '../../operators/retry-transient.js';
import { endpointOf } from './endpoint.js';
import { createLimiter, type Limiter, type LimiterWait } from './limiter.js';
import { NotionApiError, NotionTransportError, toNotionErrorCode, type TransportFailure } from './notion-errors.js';
import { createRetryPolicy, retryCauseOf, type RetryCause, type RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';
import type { NotionMethod, NotionQuery, NotionRequest, NotionRequester } from './types.js';

/**
 * API versions this client speaks, default first. 2022-06-28 is the last version without data sources;
 * 2025-09-03 introduced them; 2026-03-11 dropped `archived` for `in_trash` and renamed `transcription`
 * blocks `meeting_notes`; 2026-12-01 lists only the title property in search and data source queries
 * unless `filter_properties` names the others.
 */
export const NOTION_VERSIONS = ['2025-09-03', '2022-06-28', '2026-03-11', '2026-12-01'] as const;

/** One of {@link NOTION_VERSIONS}. */
export type NotionVersion = (typeof NOTION_VERSIONS)[number];

/** Whether a version has data sources (2025-09-03 and later); 2022-06-28 has databases with their schema. */
export function hasDataSources(version: NotionVersion): boolean {
  return version !== '2022-06-28';
}

/** Whether search and data source queries return only the title property unless `filter_properties` lists the others (2026-12-01). */
export function listsTitleOnly(version: NotionVersion): boolean {
  return version === '2026-12-01';
}

/** What {@link NotionClientOptions.onRequest} is told after each HTTP attempt. Never holds headers. */
export interface RequestInfo {
  readonly method: NotionMethod;
  readonly path: string;
  /** The path template with the method, ids left out: `GET /v1/blocks/:id/children` (see {@link endpointOf}). */
  readonly endpoint: string;
  /** HTTP status, or `undefined` when no response arrived (refused, reset, timeout). */
  readonly status: number | undefined;
  readonly durationMs: number;
  /** 1 for the first attempt of a request, 2 for its first retry, … */
  readonly attempt: number;
}

/** Options of {@link createNotionClient}. */
export interface NotionClientOptions {
  /** The integration token (internal integration secret or OAuth access token). Never logged. */
  readonly apiKey: string;
  /** Where the API lives. Default `https://api.notion.com` (set NOTION_BASE_URL for a fake server or a proxy). */
  readonly baseUrl?: string;
  /**
   * Where `baseUrl` came from, named when the server cannot be reached (`NOTION_BASE_URL`, `the --base-url
   * flag`, a config file). Default `the baseUrl option` (nothing without `baseUrl`: the default URL).
   */
  readonly baseUrlOrigin?: string;
  /** Sent as `Notion-Version`. Default `2025-09-03`. */
  readonly notionVersion?: NotionVersion;
  /** Time allowed for one attempt, connection to last byte. Default `60_000` (Notion's own server timeout is 60 s). */
  readonly timeoutMs?: number;
  /** The pipeline's shared limiter. Default: a new `createLimiter({ scheduler })` (180 requests a minute, adaptive). */
  readonly limiter?: Limiter;
  /** Retry policy options (see {@link createRetryPolicy}). */
  readonly retry?: RetryPolicyOptions;
  /** Clock and timers of the limiter and retry delays. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Called after each HTTP attempt, for stats and logs. */
  readonly onRequest?: (info: RequestInfo) => void;
}

/** Request counters of a {@link NotionClient}, a snapshot. */
export interface ClientStats {
  /** HTTP attempts sent, retries included. */
  readonly requests: number;
  readonly retries: number;
  /** Responses with status 429. */
  readonly rateLimited: number;
  /** Attempts with no usable response (refused, reset, timeout, truncated or non-JSON body). */
  readonly transportErrors: number;
  /** Responses by HTTP status. */
  readonly byStatus: Readonly<Record<number, number>>;
  /** Attempts answered with a 2xx status and a JSON body. */
  readonly ok: number;
  /** Requests given up on (a fatal error, or the last attempt failed), each counted once; the caller may still handle them (a 404 block). */
  readonly failed: number;
  /** Attempts by endpoint (`GET /v1/blocks/:id/children`): path templates, never ids. */
  readonly byEndpoint: Readonly<Record<string, number>>;
  /** Retries by what caused them (see {@link RetryCause}). */
  readonly retriesByClass: Readonly<Partial<Record<RetryCause, number>>>;
  /** Retries that waited for the `Retry-After` of a 429. */
  readonly rateLimitWaits: number;
  /**
   * Time spent waiting for the `Retry-After` of 429s, in milliseconds. Requests in flight together
   * usually get the same 429: overlapping waits are counted once, so this is wall-clock time.
   */
  readonly rateLimitWaitMs: number;
  /** The wait the client's limiter holds requests in now (a Retry-After pause or the budget), if any. */
  readonly wait?: LimiterWait;
}

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The one HTTP client of a pipeline: a got 14 instance with keep-alive agents, Bearer auth and
 * `Notion-Version`, got's own retries off, every request through the shared {@link Limiter} and
 * retried by the shared {@link RetryPolicy}. Build it with {@link createNotionClient}; call
 * {@link NotionClient.close} when done.
 */
export class NotionClient implements NotionRequester {
  /** The API's origin (and path prefix, if any), without a trailing slash. */
  readonly baseUrl: string;
  /** The `Notion-Version` sent with every request. */
  readonly notionVersion: NotionVersion;
  /** The token bucket every request of this client waits on (share it with other clients of the same token). */
  readonly limiter: Limiter;
  /** The retry policy every request of this client follows. */
  readonly retryPolicy: RetryPolicy;
  readonly #apiKey: string;
  readonly #baseUrlOrigin: string | undefined;
  /** Whether any response arrived: until one has, a refused connection means a wrong URL and is not retried. */
  #answered = false;
  readonly #scheduler: SchedulerLike;
  readonly #onRequest: ((info: RequestInfo) => void) | undefined;
  readonly #agents: { readonly http: http.Agent; readonly https: https.Agent };
  readonly #got: Got;
  #requests = 0;
  #retries = 0;
  #rateLimited = 0;
  #transportErrors = 0;
  #ok = 0;
  #failed = 0;
  #rateLimitWaits = 0;
  #rateLimitWaitMs = 0;
  /** End of the latest 429 wait counted into `#rateLimitWaitMs`. */
  #rateLimitWaitUntil = -Infinity;
  readonly #byStatus: Record<number, number> = {};
  readonly #byEndpoint: Record<string, number> = {};
  readonly #retriesByClass: Partial<Record<RetryCause, number>> = {};

  /** Prefer {@link createNotionClient}; the options are validated here either way. */
  constructor(options: NotionClientOptions) {
    const valid = validateOptions(options);
    this.baseUrl = valid.baseUrl;
    this.notionVersion = valid.notionVersion;
    this.#apiKey = options.apiKey;
    this.#baseUrlOrigin = options.baseUrlOrigin ?? (options.baseUrl === undefined ? undefined : 'the baseUrl option');
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#onRequest = options.onRequest;
    this.limiter = options.limiter ?? createLimiter({ scheduler: this.#scheduler });
    this.retryPolicy = createRetryPolicy(options.retry);
    this.#agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    this.#got = got.extend({
      prefixUrl: valid.baseUrl,
      agent: this.#agents,
      retry: { limit: 0 }, // one retry policy, ours: got's would skip POST (search, queries)
      timeout: { request: valid.timeoutMs },
      throwHttpErrors: false,
      // A redirect would carry the Authorization header elsewhere; Notion never redirects.
      followRedirect: false,
      responseType: 'text',
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        'notion-version': valid.notionVersion,
        accept: 'application/json',
        'user-agent': 'notionflow',
      },
    });
  }

  /** Counters since the client was built. */
  get stats(): ClientStats {
    const { wait } = this.limiter.stats;
    return {
      requests: this.#requests,
      retries: this.#retries,
      rateLimited: this.#rateLimited,
      transportErrors: this.#transportErrors,
      byStatus: { ...this.#byStatus },
      ok: this.#ok,
      failed: this.#failed,
      byEndpoint: { ...this.#byEndpoint },
      retriesByClass: { ...this.#retriesByClass },
      rateLimitWaits: this.#rateLimitWaits,
      rateLimitWaitMs: this.#rateLimitWaitMs,
      ...(wait ? { wait } : {}),
    };
  }

  /**
   * A cold Observable of one API call: on subscription it waits for a limiter token, sends the
   * request, emits the parsed JSON body and completes. Transient failures are retried (each attempt
   * takes a new token); the final failure is a {@link NotionApiError} or {@link NotionTransportError}.
   * Unsubscribing aborts the request in flight.
   *
   * @example
   * ```ts
   * const me$ = client.request$<{ id: string }>({ method: 'GET', path: '/v1/users/me' });
   * ```
   */
  request$<T>(request: NotionRequest): Observable<T> {
    return defer(() => {
      let attempt = 0;
      const endpoint = endpointOf(request.method, request.path);
      const once$ = new Observable<T>((subscriber) => {
        attempt++;
        const info = { method: request.method, path: request.path, endpoint, attempt };
        const started = this.#scheduler.now();
        // got's cancelable promise, not an AbortSignal: a signal per request costs more CPU than the request itself.
        const sent = this.#send(request);
        let settled = false;
        sent.then(
          (response) => {
            settled = true;
            this.#answered = true;
            let outcome: { status: number; value: T };
            try {
              outcome = this.#read<T>(request, response);
            } catch (error) {
              if (error instanceof NotionTransportError) this.#transportErrors++;
              if (this.#record({ ...info, status: (error as NotionApiError | NotionTransportError).status, durationMs: this.#scheduler.now() - started }, subscriber)) subscriber.error(error);
              return;
            }
            this.#ok++;
            if (!this.#record({ ...info, status: outcome.status, durationMs: this.#scheduler.now() - started }, subscriber)) return;
            subscriber.next(outcome.value);
            subscriber.complete();
          },
          (error: unknown) => {
            settled = true;
            if (sent.isCanceled) return;
            const failure = this.#transportError(error, request.method, request.path);
            this.#transportErrors++;
            if (!this.#record({ ...info, status: undefined, durationMs: this.#scheduler.now() - started }, subscriber)) return;
            subscriber.error(failure);
          },
        );
        return () => {
          if (!settled) sent.cancel();
        };
      });
      return once$.pipe(
        rateLimit(this.limiter),
        retryTransient(this.retryPolicy, {
          scheduler: this.#scheduler,
          limiter: this.limiter,
          // Only Notion API and transport errors are retried (RetryPolicy.classify).
          onRetry: ({ error, delayMs }) => this.#countRetry(retryCauseOf(error as NotionApiError | NotionTransportError), delayMs),
        }),
        tap({ error: () => void this.#failed++ }),
      );
    });
  }

  /** Destroys the keep-alive agents. Requests after `close` open new sockets that are not kept. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #countRetry(cause: RetryCause, delayMs: number): void {
    this.#retries++;
    this.#retriesByClass[cause] = (this.#retriesByClass[cause] ?? 0) + 1;
    if (cause !== '429') return;
    this.#rateLimitWaits++;
    const now = this.#scheduler.now();
    const until = now + delayMs;
    if (until > this.#rateLimitWaitUntil) {
      this.#rateLimitWaitMs += until - Math.max(now, this.#rateLimitWaitUntil);
      this.#rateLimitWaitUntil = until;
    }
  }

  /** Counts one attempt and tells `onRequest`; false when `onRequest` threw (the error went downstream). */
  #record(info: RequestInfo, subscriber: { error(error: unknown): void }): boolean {
    this.#requests++;
    this.#byEndpoint[info.endpoint] = (this.#byEndpoint[info.endpoint] ?? 0) + 1;
    if (info.status !== undefined) {
      this.#byStatus[info.status] = (this.#byStatus[info.status] ?? 0) + 1;
      if (info.status === 429) this.#rateLimited++;
    }
    try {
      this.#onRequest?.(info);
      return true;
    } catch (error) {
      subscriber.error(error);
      return false;
    }
  }

  /** One HTTP attempt; got's promise, cancelable. */
  #send(request: NotionRequest): CancelableRequest<Response<string>> {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const query = toQueryString(request.query);
    return this.#got(`${request.path.replace(/^\/+/, '')}${query}`, {
      method: request.method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    }) as CancelableRequest<Response<string>>;
  }

  /** The parsed body of a 2xx answer; anything else is thrown as a {@link NotionApiError} or {@link NotionTransportError}. */
  #read<T>(request: NotionRequest, response: Response<string>): { status: number; value: T } {
    const { method, path } = request;
    const status = response.statusCode;
    let parsed: unknown;
    let isJson = true;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      isJson = false;
    }
    if (status >= 200 && status < 300) {
      if (isJson) return { status, value: parsed as T };
      // A body that starts as JSON and does not parse was cut short (a proxy's buffer, a broken gzip stream);
      // anything else (an HTML page) is not JSON at all.
      const cut = /^\s*[{[]/.test(response.body);
      const detail = `${response.body.length} characters ${cut ? 'of JSON that stops before its end' : 'that are not JSON'}`;
      throw new NotionTransportError({ failure: cut ? 'truncated' : 'invalid_body', method, path, status, detail });
    }
    // Notion's error body: {object:'error', status, code, message, request_id, additional_data?}.
    // A proxy's HTML page has none of it; the status then decides the code.
    const error = asRecord(parsed);
    const additional = asRecord(error['additional_data']);
    const message = error['message'];
    throw new NotionApiError({
      status,
      notionCode: toNotionErrorCode(error['code'], status),
      notionMessage: this.#scrub(typeof message === 'string' ? message : `${isJson ? 'a' : 'a non-JSON'} body without a Notion error`),
      method,
      path,
      requestId: asString(error['request_id']) ?? asString(response.headers['x-notion-request-id']),
      retryAfterMs: parseRetryAfter(response.headers['retry-after'] ?? additional['retry_after']),
      rateLimitReason: asString(additional['rate_limit_reason']),
    });
  }

  /**
   * Maps a got error to a transport error holding only its code and message (no options, no headers).
   * A server unreachable before any response arrived is a wrong URL, not a blip: not retried, so the load
   * fails at once naming the URL and where it came from.
   */
  #transportError(error: unknown, method: NotionMethod, path: string): NotionTransportError {
    const systemCode = error instanceof RequestError ? error.code : undefined;
    // A ReadError is a connection that broke while the body was read (reset or closed mid-body): a reset.
    let failure: TransportFailure = 'reset';
    if (error instanceof TimeoutError) failure = 'timeout';
    else if (systemCode !== undefined && UNREACHABLE_CODES.has(systemCode)) failure = 'unreachable';
    const detail = this.#scrub(error instanceof Error ? error.message : String(error));
    return new NotionTransportError({
      failure,
      method,
      path,
      detail,
      systemCode,
      baseUrl: this.baseUrl,
      baseUrlOrigin: this.#baseUrlOrigin,
      ...(failure === 'unreachable' && !this.#answered ? { transient: false } : {}),
    });
  }

  /** Defence in depth: no text from elsewhere may carry the token into an error. */
  #scrub(text: string): string {
    return this.#apiKey.length > 0 ? text.replaceAll(this.#apiKey, '[redacted]') : text;
  }
}

/**
 * Builds the pipeline's Notion client, checking every option first (a bad value is a
 * {@link ConfigError} that says how to fix it; the token never appears in it).
 *
 * @example
 * ```ts
 * const client = createNotionClient({ apiKey: process.env.NOTION_API_KEY ?? '' });
 * const users$ = paginate(listRequest<User>(client, 'GET', '/v1/users'));
 * ```
 */
export function createNotionClient(options: NotionClientOptions): NotionClient {
  return new NotionClient(options);
}

function validateOptions(options: NotionClientOptions): { baseUrl: string; notionVersion: NotionVersion; timeoutMs: number } {
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new ConfigError('No Notion token: set NOTION_API_KEY (or apiKey) to the integration token.');
  }
  if (/\s/.test(options.apiKey)) {
    throw new ConfigError('The Notion token contains whitespace: check NOTION_API_KEY for a stray space or line break.');
  }
  const rawBaseUrl = options.baseUrl ?? 'https://api.notion.com';
  let url: URL;
  try {
    url = new URL(rawBaseUrl);
  } catch {
    throw new ConfigError('baseUrl is not an absolute URL: set NOTION_BASE_URL to an http(s) URL such as https://api.notion.com.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`baseUrl must use http or https, got ${url.protocol}: check NOTION_BASE_URL (e.g. https://api.notion.com).`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ConfigError('baseUrl must not hold credentials, a query or a fragment: check NOTION_BASE_URL (e.g. https://api.notion.com).');
  }
  const notionVersion = options.notionVersion ?? '2025-09-03';
  if (!(NOTION_VERSIONS as readonly string[]).includes(notionVersion)) {
    throw new ConfigError(`notionVersion must be one of ${NOTION_VERSIONS.join(', ')}, got ${JSON.stringify(notionVersion)}.`);
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigError(`timeoutMs must be a finite number of milliseconds > 0, got ${String(timeoutMs)}.`);
  }
  if (options.onRequest !== undefined && typeof options.onRequest !== 'function') {
    throw new ConfigError('onRequest must be a function.');
  }
  return { baseUrl: url.href.replace(/\/+$/, ''), notionVersion, timeoutMs };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `?a=1&b=2` (or '') for a request's query; arrays repeat their key. */
function toQueryString(query: NotionQuery | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** `Retry-After` is whole seconds (Notion) or an HTTP date (RFC 9110); the body repeats it as a string of seconds. */
function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
