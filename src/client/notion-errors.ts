import { NotionflowError } from '../errors.js';
import type { NotionMethod } from './types.js';

/**
 * Error codes the Notion API returns in `{"object":"error","code":…}` bodies, plus `unknown` for a
 * body without a known code (an HTML page from a proxy, an empty body).
 */
export type NotionErrorCode =
  | 'unauthorized'
  | 'restricted_resource'
  | 'object_not_found'
  | 'rate_limited'
  | 'invalid_json'
  | 'invalid_request_url'
  | 'invalid_request'
  | 'validation_error'
  | 'missing_version'
  | 'conflict_error'
  | 'internal_server_error'
  | 'bad_gateway'
  | 'service_unavailable'
  | 'database_connection_unavailable'
  | 'gateway_timeout'
  | 'service_overload'
  | 'unknown';

const NOTION_ERROR_CODES: ReadonlySet<string> = new Set<NotionErrorCode>([
  'unauthorized',
  'restricted_resource',
  'object_not_found',
  'rate_limited',
  'invalid_json',
  'invalid_request_url',
  'invalid_request',
  'validation_error',
  'missing_version',
  'conflict_error',
  'internal_server_error',
  'bad_gateway',
  'service_unavailable',
  'database_connection_unavailable',
  'gateway_timeout',
  'service_overload',
]);

/** Statuses worth repeating: overload and rate limits (after `Retry-After`), server faults, conflicts. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([409, 429, 500, 502, 503, 504, 529]);

/** Everything known about one failed response, as {@link NotionApiError} receives it. */
export interface NotionApiErrorInit {
  readonly status: number;
  readonly notionCode: NotionErrorCode;
  /** Notion's own `message`, or a short description of a body that was not a Notion error. */
  readonly notionMessage: string;
  readonly method: NotionMethod;
  readonly path: string;
  readonly requestId?: string | undefined;
  /** From the `Retry-After` header (or `additional_data.retry_after`), in milliseconds. */
  readonly retryAfterMs?: number | undefined;
  /** `additional_data.rate_limit_reason` of a 429 (`public_api_request_rate_limit`, `public_api_request_blocked`, …). */
  readonly rateLimitReason?: string | undefined;
}

/**
 * A non-2xx answer from the Notion API. The message says what happened and what to do about it;
 * `transient` says whether {@link RetryPolicy} will try again. Never carries the token: it holds
 * no request options, headers or got error.
 */
export class NotionApiError extends NotionflowError {
  readonly status: number;
  readonly notionCode: NotionErrorCode;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly rateLimitReason: string | undefined;
  readonly method: NotionMethod;
  readonly path: string;
  /** True for a 400 `validation_error` about `start_cursor`: the listing must restart from the beginning. */
  readonly isExpiredCursor: boolean;

  constructor(init: NotionApiErrorInit) {
    const isExpiredCursor =
      init.status === 400 && init.notionCode === 'validation_error' && init.notionMessage.includes('start_cursor');
    const transient =
      TRANSIENT_STATUSES.has(init.status) && init.rateLimitReason !== 'public_api_request_blocked';
    const requestId = init.requestId === undefined ? '' : ` (request id ${init.requestId})`;
    super(
      'notion_api_error',
      `Notion API ${init.status} ${init.notionCode} on ${init.method} ${init.path}: ${init.notionMessage}${requestId}. ` +
        advice(init, isExpiredCursor),
      { transient },
    );
    this.name = 'NotionApiError';
    this.status = init.status;
    this.notionCode = init.notionCode;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.rateLimitReason = init.rateLimitReason;
    this.method = init.method;
    this.path = init.path;
    this.isExpiredCursor = isExpiredCursor;
  }
}

/** The Notion code for a response body's `code`, or the code Notion uses for that status. */
export function toNotionErrorCode(code: unknown, status: number): NotionErrorCode {
  if (typeof code === 'string' && NOTION_ERROR_CODES.has(code)) return code as NotionErrorCode;
  switch (status) {
    case 401: return 'unauthorized';
    case 403: return 'restricted_resource';
    case 404: return 'object_not_found';
    case 409: return 'conflict_error';
    case 429: return 'rate_limited';
    case 500: return 'internal_server_error';
    case 502: return 'bad_gateway';
    case 503: return 'service_unavailable';
    case 504: return 'gateway_timeout';
    case 529: return 'service_overload';
    default: return 'unknown';
  }
}

function advice(init: NotionApiErrorInit, isExpiredCursor: boolean): string {
  if (isExpiredCursor) {
    return 'The listing cursor expired or is invalid: restart the listing from its first page and deduplicate by id.';
  }
  switch (init.status) {
    case 400:
      return init.notionCode === 'missing_version'
        ? 'Send a Notion-Version header: set notionVersion to 2025-09-03, 2022-06-28, 2026-03-11 or 2026-12-01.'
        : 'The request does not match what this endpoint accepts; fix its parameters (this is not retried).';
    case 401:
      return 'Check NOTION_API_KEY: it must be the integration token (internal integration secret) of a live integration.';
    case 403:
      return 'Give the integration the capability this request needs in its settings: Read content (pages, databases, blocks), Read user information (users) or Read comments (comments).';
    case 404:
      return 'Share the page or database with the integration (page menu ··· → Connections → add the integration), or check the id.';
    case 409:
      return 'Transient (retried with backoff); if it persists, run again later.';
    case 429:
      return init.rateLimitReason === 'public_api_request_blocked'
        ? 'Notion blocked requests from this integration; retrying will not help. Ask a workspace admin why access is restricted.'
        : 'Transient (retried after Retry-After); if this keeps happening, lower the rate budget (limiter requests per window) or run fewer pipelines on this token at once.';
    case 500:
    case 502:
    case 503:
    case 504:
    case 529:
      return 'Notion is failing or overloaded. Transient (retried with backoff); if it persists, run again later.';
    default:
      return 'Unexpected status from the Notion API; check NOTION_BASE_URL points at the Notion API.';
  }
}

/**
 * What went wrong below HTTP: `unreachable` (nothing listened, unknown host), `reset` (the connection
 * broke before or during the answer), `timeout`, `truncated` (a complete answer whose JSON stops before
 * its end), `invalid_body` (an answer that is not JSON at all, such as a proxy's HTML page).
 */
export type TransportFailure = 'unreachable' | 'reset' | 'timeout' | 'truncated' | 'invalid_body';

/** Everything {@link NotionTransportError} needs. */
export interface NotionTransportErrorInit {
  readonly failure: TransportFailure;
  readonly method: NotionMethod;
  readonly path: string;
  /** A short description of the low-level failure (`connect ECONNREFUSED 127.0.0.1:9`). */
  readonly detail: string;
  /** The system error code (`ECONNREFUSED`, `ETIMEDOUT`, …) if any. */
  readonly systemCode?: string | undefined;
  /** The HTTP status, when a response arrived but its body was unusable. */
  readonly status?: number | undefined;
  /** The API's base URL the request went to, named in the message. */
  readonly baseUrl?: string | undefined;
  /** Where {@link baseUrl} came from (`NOTION_BASE_URL`, `the --base-url flag`, …), named in the message; undefined for the default. */
  readonly baseUrlOrigin?: string | undefined;
  /**
   * Whether retrying may help. Default true, except for an unknown host (`ENOTFOUND`): DNS answered that
   * the name does not exist, which a retry will not change.
   */
  readonly transient?: boolean | undefined;
}

/**
 * The request got no usable answer: connection refused or DNS failure, a reset, a timeout, or a body
 * that was cut short or was not JSON. Transient unless the host is unknown or the client says otherwise
 * (a server that refuses the very first connection is a wrong URL, not a blip). Its `cause` is a plain
 * error holding only the system code and message, never got's request options (which hold the
 * Authorization header).
 */
export class NotionTransportError extends NotionflowError {
  readonly failure: TransportFailure;
  readonly method: NotionMethod;
  readonly path: string;
  readonly systemCode: string | undefined;
  readonly status: number | undefined;

  constructor(init: NotionTransportErrorInit) {
    const cause = Object.assign(new Error(init.detail), init.systemCode === undefined ? {} : { code: init.systemCode });
    super('notion_transport_error', transportMessage(init), { transient: init.transient ?? init.systemCode !== 'ENOTFOUND', cause });
    this.name = 'NotionTransportError';
    this.failure = init.failure;
    this.method = init.method;
    this.path = init.path;
    this.systemCode = init.systemCode;
    this.status = init.status;
  }
}

function transportMessage(init: NotionTransportErrorInit): string {
  const where = `on ${init.method} ${init.path} (${init.detail})`;
  switch (init.failure) {
    case 'unreachable': {
      if (init.baseUrl === undefined) return `Notion API server unreachable ${where}. Check NOTION_BASE_URL, and the network or proxy.`;
      const origin = init.baseUrlOrigin;
      const unknownHost = init.systemCode === 'ENOTFOUND' ? ': unknown host' : '';
      const advice = origin === undefined ? 'Check the network or proxy, or set NOTION_BASE_URL' : `Check ${origin}, and the network or proxy`;
      return `Notion API server unreachable at ${init.baseUrl} (${origin === undefined ? 'the default' : `from ${origin}`})${unknownHost} ${where}. ${advice}.`;
    }
    case 'reset':
      return `Connection to the Notion API was reset ${where}. Transient (retried); if it persists, check the network or proxy.`;
    case 'timeout':
      return `The Notion API did not answer in time ${where}. Transient (retried); if it persists, raise timeoutMs.`;
    case 'truncated':
      return `The Notion API response was cut short ${where}. Transient (retried); if it persists, check the network or proxy.`;
    case 'invalid_body':
      return `The Notion API answered ${init.status ?? ''} with a body that is not JSON ${where}. Transient (retried); if it persists, check NOTION_BASE_URL points at the Notion API.`;
  }
}
