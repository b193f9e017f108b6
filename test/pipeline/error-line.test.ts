import { describe, expect, it } from '@jest/globals';
import { NotionApiError } from '../../src/client/notion-errors.js';
import { errorLine } from '../../src/pipeline/error-line.js';

describe('errorLine', () => {
  it('is the name and the first line of the message', () => {
    const error = new NotionApiError({ status: 401, notionCode: 'unauthorized', notionMessage: 'API token is invalid.', method: 'GET', path: '/v1/users' });
    expect(errorLine(error)).toMatch(/^NotionApiError: Notion API 401 unauthorized on GET \/v1\/users: API token is invalid\./);
    expect(errorLine(new Error('first\nsecond\n    at stack'))).toBe('Error: first');
    expect(errorLine('plain text')).toBe('Error: plain text');
  });

  it("removes the source's secrets and whatever looks like a credential", () => {
    const token = 'tok-5f8a1c2e9d';
    const line = errorLine(
      new Error(`bad ${token}; postgres://loader:hunter2@db:5432/x, header Bearer abc.def, ntn_0123456789abcdefgh secret_ABCDEFGHIJ123 password=pa55 pwd: "x y"`),
      (text) => text.replaceAll(token, '[redacted]'),
    );
    expect(line).toBe('Error: bad [redacted]; postgres://loader:***@db:5432/x, header Bearer ***, *** *** password=*** pwd: ***');
  });

  it('keeps a line short', () => {
    expect(errorLine(new Error('x'.repeat(2000))).length).toBe(500);
  });
});
