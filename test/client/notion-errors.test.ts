import { describe, expect, it } from '@jest/globals';
import { NotionApiError, NotionTransportError, toNotionErrorCode, type NotionErrorCode } from '../../src/client/notion-errors.js';
import { NotionflowError } from '../../src/errors.js';

function apiError(status: number, code: NotionErrorCode, notionMessage = 'failed', rateLimitReason?: string): NotionApiError {
  return new NotionApiError({ status, notionCode: code, notionMessage, method: 'GET', path: '/v1/users', rateLimitReason });
}

describe('Notion errors', () => {
  it('keeps the error codes narrow literal unions', () => {
    // Fails to compile if either union widens to string.
    const notionCodeIsNarrow: string extends NotionErrorCode ? false : true = true;
    const codeIsNarrow: string extends NotionApiError['code'] ? false : true = true;
    expect([notionCodeIsNarrow, codeIsNarrow]).toEqual([true, true]);
  });

  it('maps unknown or missing body codes from the status', () => {
    expect(toNotionErrorCode('object_not_found', 404)).toBe('object_not_found');
    expect(toNotionErrorCode('database_connection_unavailable', 503)).toBe('database_connection_unavailable');
    expect(toNotionErrorCode('something_new', 503)).toBe('service_unavailable');
    expect(toNotionErrorCode(undefined, 529)).toBe('service_overload');
    expect(toNotionErrorCode(42, 418)).toBe('unknown');
  });

  it('marks exactly the retryable statuses transient', () => {
    const transient = [409, 429, 500, 502, 503, 504, 529];
    for (const status of [400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504, 529]) {
      expect(apiError(status, toNotionErrorCode(undefined, status)).transient).toBe(transient.includes(status));
    }
    expect(apiError(429, 'rate_limited', 'blocked', 'public_api_request_blocked').transient).toBe(false);
  });

  it('names the capability to grant on a 403 and says a blocked integration will not recover by retrying', () => {
    const forbidden = apiError(403, 'restricted_resource').message;
    for (const capability of ['Read content', 'Read user information', 'Read comments']) expect(forbidden).toContain(capability);
    expect(apiError(429, 'rate_limited', 'blocked', 'public_api_request_blocked').message).toContain('retrying will not help');
    expect(apiError(400, 'missing_version').message).toContain('notionVersion');
    expect(apiError(529, 'service_overload').message).toContain('run again later');
  });

  it('flags only a start_cursor validation error as an expired cursor', () => {
    expect(apiError(400, 'validation_error', 'The start_cursor provided is invalid: abc').isExpiredCursor).toBe(true);
    expect(apiError(400, 'validation_error', 'body.filter should be an object').isExpiredCursor).toBe(false);
    expect(apiError(404, 'object_not_found', 'start_cursor').isExpiredCursor).toBe(false);
  });

  it('gives transport errors a plain cause with only the system code and message', () => {
    const error = new NotionTransportError({ failure: 'reset', method: 'POST', path: '/v1/search', detail: 'socket hang up', systemCode: 'ECONNRESET' });
    expect(error).toBeInstanceOf(NotionflowError);
    expect(error).toMatchObject({ name: 'NotionTransportError', code: 'notion_transport_error', transient: true, failure: 'reset' });
    expect(Object.getPrototypeOf(error.cause)).toBe(Error.prototype);
    expect({ ...(error.cause as object) }).toEqual({ code: 'ECONNRESET' });
    expect(error.message).toBe(
      'Connection to the Notion API was reset on POST /v1/search (socket hang up). Transient (retried); if it persists, check the network or proxy.',
    );
  });
});
