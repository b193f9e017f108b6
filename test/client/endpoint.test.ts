import { describe, expect, it } from '@jest/globals';
import { endpointOf } from '../../src/client/endpoint.js';

describe('endpointOf', () => {
  it.each([
    ['GET', '/v1/users', 'GET /v1/users'],
    ['GET', '/v1/users/me', 'GET /v1/users/me'],
    ['GET', '/v1/users/5c2e-user', 'GET /v1/users/:id'],
    ['POST', '/v1/search', 'POST /v1/search'],
    ['GET', '/v1/blocks/0b8f3d1e-2c4a-4d0e-9a5b-7f6e5d4c3b2a/children', 'GET /v1/blocks/:id/children'],
    ['POST', '/v1/data_sources/ds1/query', 'POST /v1/data_sources/:id/query'],
    ['GET', '/v1/pages/p1/properties/title%3Dx', 'GET /v1/pages/:id/properties/:property_id'],
    ['GET', '/v1/pages/p1/markdown', 'GET /v1/pages/:id/markdown'],
    ['GET', 'v1/comments', 'GET /v1/comments'],
  ] as const)('%s %s is %s', (method, path, endpoint) => {
    expect(endpointOf(method, path)).toBe(endpoint);
  });

  it('never keeps an id, whatever it looks like', () => {
    const id = 'secret-looking-0123456789abcdef';
    for (const path of [`/v1/blocks/${id}`, `/v1/blocks/${id}/children`, `/v1/pages/${id}/properties/${id}`, `/v1/databases/${id}/query`]) {
      expect(endpointOf('GET', path)).not.toContain(id);
    }
  });
});
