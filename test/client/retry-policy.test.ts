import { describe, expect, it } from '@jest/globals';
import { NotionApiError, NotionTransportError, toNotionErrorCode } from '../../src/client/notion-errors.js';
import { createRetryPolicy, retryCauseOf } from '../../src/client/retry-policy.js';
import { ConfigError } from '../../src/errors.js';

function apiError(status: number, extra: { retryAfterMs?: number; rateLimitReason?: string; code?: string } = {}) {
  return new NotionApiError({
    status,
    notionCode: toNotionErrorCode(extra.code, status),
    notionMessage: 'failed',
    method: 'GET',
    path: '/v1/users',
    ...extra,
  });
}

describe('createRetryPolicy', () => {
  const policy = createRetryPolicy();

  it('classifies every Notion failure', () => {
    expect(policy.classify(apiError(429, { retryAfterMs: 1000 }))).toBe('retry-after');
    expect(policy.classify(apiError(529))).toBe('retry-after');
    expect(policy.classify(apiError(429, { rateLimitReason: 'public_api_request_blocked' }))).toBe('fatal');
    for (const status of [409, 500, 502, 503, 504]) expect(policy.classify(apiError(status))).toBe('backoff');
    expect(policy.classify(apiError(503, { code: 'database_connection_unavailable' }))).toBe('backoff');
    for (const status of [400, 401, 403, 404, 413]) expect(policy.classify(apiError(status))).toBe('fatal');
    for (const failure of ['unreachable', 'reset', 'timeout', 'truncated', 'invalid_body'] as const) {
      expect(policy.classify(new NotionTransportError({ failure, method: 'GET', path: '/v1/users', detail: 'x' }))).toBe('backoff');
    }
    // An unknown host stays unknown; a client marks a server that refused its first connection non-transient.
    expect(policy.classify(new NotionTransportError({ failure: 'unreachable', method: 'GET', path: '/v1/users', detail: 'x', systemCode: 'ENOTFOUND' }))).toBe('fatal');
    expect(policy.classify(new NotionTransportError({ failure: 'unreachable', method: 'GET', path: '/v1/users', detail: 'x', systemCode: 'ECONNREFUSED', transient: false }))).toBe('fatal');
    expect(policy.classify(new Error('anything else'))).toBe('fatal');
    expect(policy.classify(undefined)).toBe('fatal');
  });

  it('waits Retry-After, capped at maxRetryAfterMs', () => {
    expect(policy.delayFor(apiError(429, { retryAfterMs: 2000 }), 1)).toBe(2000);
    expect(policy.delayFor(apiError(529, { retryAfterMs: 0 }), 3)).toBe(0);
    expect(policy.delayFor(apiError(429, { retryAfterMs: 3_600_000 }), 1)).toBe(60_000);
    expect(createRetryPolicy({ maxRetryAfterMs: 5000 }).delayFor(apiError(429, { retryAfterMs: 9000 }), 1)).toBe(5000);
  });

  it('keeps full-jitter backoff within [0, min(maxMs, baseMs · 2^(attempt-1))]', () => {
    const draws = [0, 0.25, 0.5, 0.999999];
    for (const draw of draws) {
      const jittered = createRetryPolicy({ baseMs: 500, maxMs: 30_000, random: () => draw });
      for (let attempt = 1; attempt <= 12; attempt++) {
        const cap = Math.min(30_000, 500 * 2 ** (attempt - 1));
        const delay = jittered.delayFor(apiError(503), attempt);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(cap);
        expect(delay).toBe(Math.floor(draw * cap));
      }
    }
    // A 429 without Retry-After backs off the same way.
    expect(createRetryPolicy({ random: () => 0.5 }).delayFor(apiError(429), 2)).toBe(500);
  });

  it('spreads delays over the whole range with the default random', () => {
    const delays = Array.from({ length: 2000 }, () => policy.delayFor(apiError(500), 4)); // cap 4000
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(4000);
    expect(Math.min(...delays)).toBeLessThan(400);
    expect(Math.max(...delays)).toBeGreaterThan(3600);
  });

  it('defaults to 8 attempts and checks its options', () => {
    expect(policy.maxAttempts).toBe(8);
    expect(() => createRetryPolicy({ maxAttempts: 0 })).toThrow(ConfigError);
    expect(() => createRetryPolicy({ maxAttempts: 2.5 })).toThrow(ConfigError);
    expect(() => createRetryPolicy({ baseMs: -1 })).toThrow(ConfigError);
    expect(() => createRetryPolicy({ maxMs: Number.NaN })).toThrow(ConfigError);
  });
});

describe('retryCauseOf', () => {
  it('names a retry by status (429, 529, 409, other 5xx) or by transport failure', () => {
    expect([429, 529, 409, 500, 502, 503, 504].map((status) => retryCauseOf(apiError(status)))).toEqual(['429', '529', '409', '5xx', '5xx', '5xx', '5xx']);
    const transport = (failure: 'reset' | 'timeout' | 'truncated' | 'invalid_body' | 'unreachable') =>
      retryCauseOf(new NotionTransportError({ failure, method: 'GET', path: '/v1/users', detail: 'x' }));
    expect(transport('reset')).toBe('reset');
    expect(transport('timeout')).toBe('timeout');
    expect(transport('truncated')).toBe('truncated');
    expect(transport('invalid_body')).toBe('invalid_body');
    expect(transport('unreachable')).toBe('unreachable');
  });
});
