import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { listRequest, paginate } from '../../operators/paginate.js';
import { createLimiter } from '../../src/client/limiter.js';
import { createNotionClient, type NotionClient, type NotionClientOptions, type RequestInfo } from '../../src/client/notion-client.js';
import { NotionApiError, NotionTransportError } from '../../src/client/notion-errors.js';
import { ConfigError } from '../../src/errors.js';

const TOKEN = 'ntn_TEST_SECRET_TOKEN_5f8a1c2e9d';

interface Received {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly remotePort: number | undefined;
}

type Handler = (req: Received, res: http.ServerResponse) => void;

/** A tiny node:http server on 127.0.0.1, port 0; each request is answered by the next handler in the queue. */
class TestServer {
  readonly received: Received[] = [];
  readonly #handlers: Handler[] = [];
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
      };
      this.received.push(received);
      const handler = this.#handlers.shift() ?? ((_r, response) => json(response, 500, { object: 'error', status: 500, code: 'internal_server_error', message: 'no handler left' }));
      handler(received, res);
    });
  });

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  reply(...handlers: Handler[]): void {
    this.#handlers.push(...handlers);
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const ok = (body: unknown): Handler => (_req, res) => json(res, 200, body);
const notionError =
  (status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: http.OutgoingHttpHeaders = {}): Handler =>
  (_req, res) =>
    json(res, status, { object: 'error', status, code, message, request_id: 'req-1234', ...extra }, headers);

function list<T>(results: T[], nextCursor: string | null) {
  return { object: 'list', results, next_cursor: nextCursor, has_more: nextCursor !== null, type: 'user', user: {} };
}

/** Serialize an error every way a log could, to search for the token. */
function everyRendering(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [
    inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify({ ...e, message: e.message, stack: e.stack, cause: e.cause }),
    inspect(e.cause, { depth: Infinity, showHidden: true }),
    String(error),
  ].join('\n');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('NotionClient against a local HTTP server', () => {
  const server = new TestServer();
  const infos: RequestInfo[] = [];
  let client: NotionClient;

  const makeClient = (options: Partial<NotionClientOptions> = {}): NotionClient =>
    createNotionClient({
      apiKey: TOKEN,
      baseUrl: server.url,
      limiter: createLimiter({ requests: Infinity }),
      retry: { baseMs: 1, maxMs: 5, random: () => 0 },
      onRequest: (info) => infos.push(info),
      ...options,
    });

  beforeEach(async () => {
    infos.length = 0;
    server.received.length = 0;
    await server.start();
    client = makeClient();
  });

  afterEach(async () => {
    client.close();
    await server.stop();
  });

  it('sends Bearer auth and Notion-Version, and parses the JSON body', async () => {
    server.reply(ok({ object: 'user', id: 'bot-1', type: 'bot' }));
    const me = await firstValueFrom(client.request$<{ id: string }>({ method: 'GET', path: '/v1/users/me' }));
    expect(me.id).toBe('bot-1');
    const [request] = server.received;
    expect(request!.method).toBe('GET');
    expect(request!.url.pathname).toBe('/v1/users/me');
    expect(request!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers['notion-version']).toBe('2025-09-03');
    expect(request!.headers['content-type']).toBeUndefined();
    expect(client.notionVersion).toBe('2025-09-03');
    expect(client.baseUrl).toBe(server.url);
    expect(infos).toEqual([{ method: 'GET', path: '/v1/users/me', endpoint: 'GET /v1/users/me', status: 200, durationMs: expect.any(Number), attempt: 1 }]);
  });

  it('sends the configured API version', async () => {
    const old = makeClient({ notionVersion: '2022-06-28' });
    server.reply(ok({}));
    await firstValueFrom(old.request$({ method: 'GET', path: '/v1/users/me' }));
    old.close();
    expect(server.received[0]!.headers['notion-version']).toBe('2022-06-28');
  });

  it('lists every user: GET cursor and page_size in the query string', async () => {
    server.reply(ok(list([{ id: 'u1' }, { id: 'u2' }], 'cursor-2')), ok(list([{ id: 'u3' }], null)));
    const users = await lastValueFrom(
      paginate(listRequest<{ id: string }>(client, 'GET', '/v1/users')).pipe(
        mergeMap((page) => page.results),
        toArray(),
      ),
    );
    expect(users.map((u) => u.id)).toEqual(['u1', 'u2', 'u3']);
    expect(server.received.map((r) => Object.fromEntries(r.url.searchParams))).toEqual([
      { page_size: '100' },
      { page_size: '100', start_cursor: 'cursor-2' },
    ]);
    expect(server.received.every((r) => r.body === '')).toBe(true);
  });

  it('searches: POST cursor and page_size in the JSON body', async () => {
    server.reply(ok(list([{ id: 'p1' }], 'cursor-2')), ok(list([{ id: 'p2' }], null)));
    const body = { filter: { property: 'object', value: 'page' } };
    const pages = await lastValueFrom(paginate(listRequest(client, 'POST', '/v1/search', { body })).pipe(toArray()));
    expect(pages).toHaveLength(2);
    expect(server.received.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(server.received.map((r) => r.url.search)).toEqual(['', '']);
    expect(server.received.map((r) => r.headers['content-type'])).toEqual(['application/json', 'application/json']);
    expect(server.received.map((r) => JSON.parse(r.body))).toEqual([
      { ...body, page_size: 100 },
      { ...body, page_size: 100, start_cursor: 'cursor-2' },
    ]);
  });

  it('repeats array query values and leaves undefined ones out', async () => {
    server.reply(ok({}));
    await firstValueFrom(
      client.request$({ method: 'GET', path: '/v1/pages/p1', query: { filter_properties: ['title', 'a%3Bb'], skip: undefined } }),
    );
    expect(server.received[0]!.url.searchParams.getAll('filter_properties')).toEqual(['title', 'a%3Bb']);
    expect(server.received[0]!.url.searchParams.has('skip')).toBe(false);
  });

  it('reuses one keep-alive connection', async () => {
    server.reply(ok({}), ok({}));
    await firstValueFrom(client.request$({ method: 'GET', path: '/v1/users/me' }));
    await firstValueFrom(client.request$({ method: 'GET', path: '/v1/users/me' }));
    expect(server.received[0]!.remotePort).toBe(server.received[1]!.remotePort);
  });

  it.each([
    [401, 'unauthorized', 'API token is invalid.', 'Check NOTION_API_KEY'],
    [403, 'restricted_resource', 'Insufficient permissions for this endpoint.', 'Give the integration the capability'],
    [404, 'object_not_found', 'Could not find page with ID: p1.', 'Share the page or database with the integration'],
    [400, 'validation_error', 'body.filter should be an object.', 'fix its parameters'],
  ])('turns a %i into a NotionApiError with the request id and advice, without retrying', async (status, code, message, advice) => {
    server.reply(notionError(status, code, message));
    const error = await failure(firstValueFrom(client.request$({ method: 'GET', path: '/v1/pages/p1' })));
    expect(error).toBeInstanceOf(NotionApiError);
    expect(error).toMatchObject({ code: 'notion_api_error', status, notionCode: code, requestId: 'req-1234', transient: false });
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain(advice);
    expect((error as Error).message).toContain('req-1234');
    expect(server.received).toHaveLength(1);
  });

  it('reports an expired listing cursor', async () => {
    server.reply(notionError(400, 'validation_error', 'The start_cursor provided is invalid: 6b3a0f1e-1111-2222-3333-444455556666'));
    const error = await failure(firstValueFrom(client.request$({ method: 'POST', path: '/v1/search', body: { start_cursor: 'x' } })));
    expect(error).toMatchObject({ isExpiredCursor: true, status: 400 });
    expect((error as Error).message).toContain('restart the listing');
  });

  it('takes the request id from x-notion-request-id when the body has none, and classifies an HTML error page by status', async () => {
    server.reply((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/html', 'x-notion-request-id': 'hdr-99' });
      res.end('<html>nope</html>');
    });
    const error = await failure(firstValueFrom(client.request$({ method: 'GET', path: '/v1/users' })));
    expect(error).toMatchObject({ status: 401, notionCode: 'unauthorized', requestId: 'hdr-99' });
  });

  it('retries a 503 and then succeeds', async () => {
    server.reply(notionError(503, 'service_unavailable', 'Try again'), ok({ id: 'p1' }));
    const page = await firstValueFrom(client.request$<{ id: string }>({ method: 'POST', path: '/v1/data_sources/d1/query', body: {} }));
    expect(page.id).toBe('p1');
    expect(client.stats).toEqual({
      requests: 2,
      retries: 1,
      rateLimited: 0,
      transportErrors: 0,
      byStatus: { 200: 1, 503: 1 },
      ok: 1,
      failed: 0,
      byEndpoint: { 'POST /v1/data_sources/:id/query': 2 },
      retriesByClass: { '5xx': 1 },
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
    });
    expect(infos.map((i) => i.endpoint)).toEqual(['POST /v1/data_sources/:id/query', 'POST /v1/data_sources/:id/query']);
    expect(infos.map((i) => [i.status, i.attempt])).toEqual([
      [503, 1],
      [200, 2],
    ]);
  });

  it('retries a connection broken mid-body as a reset and then succeeds', async () => {
    server.reply((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"object":"list","results":[');
      setImmediate(() => res.socket?.destroy());
    }, ok({ id: 'u1' }));
    const user = await firstValueFrom(client.request$<{ id: string }>({ method: 'GET', path: '/v1/users/u1' }));
    expect(user.id).toBe('u1');
    expect(client.stats).toMatchObject({ requests: 2, retries: 1, transportErrors: 1, retriesByClass: { reset: 1 } });
  });

  it('retries a complete 200 whose JSON stops before its end as truncated and then succeeds', async () => {
    server.reply((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","resu');
    }, ok({ id: 'u1' }));
    const user = await firstValueFrom(client.request$<{ id: string }>({ method: 'GET', path: '/v1/users/u1' }));
    expect(user.id).toBe('u1');
    expect(client.stats).toMatchObject({ requests: 2, retries: 1, transportErrors: 1, byStatus: { 200: 2 }, ok: 1, retriesByClass: { truncated: 1 } });
  });

  it('retries a 200 whose body is not JSON (an HTML page) and then succeeds', async () => {
    server.reply((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>Something went wrong.</body></html>');
    }, ok({ id: 'u1' }));
    const user = await firstValueFrom(client.request$<{ id: string }>({ method: 'GET', path: '/v1/users/u1' }));
    expect(user.id).toBe('u1');
    expect(client.stats).toMatchObject({ requests: 2, retries: 1, transportErrors: 1, byStatus: { 200: 2 }, ok: 1, retriesByClass: { invalid_body: 1 } });
  });

  it('retries a connection reset and then succeeds', async () => {
    server.reply((_req, res) => res.socket?.destroy(), ok({ id: 'u1' }));
    const user = await firstValueFrom(client.request$<{ id: string }>({ method: 'GET', path: '/v1/users/u1' }));
    expect(user.id).toBe('u1');
    expect(infos.map((i) => i.status)).toEqual([undefined, 200]);
    expect(client.stats.retriesByClass).toEqual({ reset: 1 });
  });

  it('honours a 429 Retry-After: pauses the shared limiter, then succeeds', async () => {
    const limiter = createLimiter({ requests: Infinity });
    const limited = makeClient({ limiter });
    server.reply(
      notionError(429, 'rate_limited', 'You have been rate limited.', { additional_data: { rate_limit_reason: 'public_api_request_rate_limit', retry_after: '0' } }, { 'retry-after': '0' }),
      ok({ id: 'u1' }),
    );
    const user = await firstValueFrom(limited.request$<{ id: string }>({ method: 'POST', path: '/v1/search', body: {} }));
    limited.close();
    expect(user.id).toBe('u1');
    expect(limiter.stats.pauses).toBe(1);
    expect(limited.stats).toMatchObject({ requests: 2, retries: 1, rateLimited: 1, byStatus: { 429: 1, 200: 1 }, retriesByClass: { '429': 1 }, rateLimitWaits: 1, rateLimitWaitMs: 0 });
  });

  it('counts the Retry-After waits of 429s in flight together once (wall-clock time), and each later one again', async () => {
    const limiter = createLimiter({ requests: Infinity });
    const limited = makeClient({ limiter });
    const limitedReply = notionError(429, 'rate_limited', 'You have been rate limited.', {}, { 'retry-after': '0.2' });
    // The two 429s go out together, once both requests are in: their 200 ms waits overlap.
    const held: (() => void)[] = [];
    const together: Handler = (req, res) => {
      held.push(() => limitedReply(req, res));
      if (held.length === 2) for (const reply of held) reply();
    };
    server.reply(together, together, ok({ id: 'a' }), ok({ id: 'b' }));
    const pair = await Promise.all(['/v1/users/a', '/v1/users/b'].map((path) => firstValueFrom(limited.request$<{ id: string }>({ method: 'GET', path }))));
    expect(pair.map((u) => u.id).sort()).toEqual(['a', 'b']);
    const overlapping = limited.stats.rateLimitWaitMs;
    expect(limited.stats.rateLimitWaits).toBe(2);
    expect(overlapping).toBeGreaterThanOrEqual(200);
    expect(overlapping).toBeLessThan(400);
    // A later 429 waits on its own: its 200 ms add up.
    server.reply(limitedReply, ok({ id: 'c' }));
    await firstValueFrom(limited.request$({ method: 'GET', path: '/v1/users/c' }));
    limited.close();
    expect(limited.stats).toMatchObject({ rateLimitWaits: 3, retriesByClass: { '429': 3 }, byEndpoint: { 'GET /v1/users/:id': 6 } });
    expect(limited.stats.rateLimitWaitMs).toBe(overlapping + 200);
  });

  it('reads Retry-After in seconds and says to lower the rate budget', async () => {
    const once = makeClient({ retry: { maxAttempts: 1 } });
    server.reply(notionError(429, 'rate_limited', 'You have been rate limited.', {}, { 'retry-after': '7' }));
    const error = await failure(firstValueFrom(once.request$({ method: 'GET', path: '/v1/users' })));
    once.close();
    expect(error).toMatchObject({ status: 429, notionCode: 'rate_limited', retryAfterMs: 7000, transient: true });
    expect((error as Error).message).toContain('lower the rate budget');
  });

  it('does not retry a blocked integration', async () => {
    server.reply(notionError(429, 'rate_limited', 'Blocked.', { additional_data: { rate_limit_reason: 'public_api_request_blocked' } }, { 'retry-after': '0' }));
    const error = await failure(firstValueFrom(client.request$({ method: 'GET', path: '/v1/users' })));
    expect(error).toMatchObject({ status: 429, rateLimitReason: 'public_api_request_blocked', transient: false });
    expect(server.received).toHaveLength(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const bounded = makeClient({ retry: { maxAttempts: 3, baseMs: 1, random: () => 0 } });
    server.reply(...Array.from({ length: 3 }, () => notionError(502, 'bad_gateway', 'Bad gateway')));
    const error = await failure(firstValueFrom(bounded.request$({ method: 'GET', path: '/v1/users' })));
    bounded.close();
    expect(error).toMatchObject({ status: 502, notionCode: 'bad_gateway' });
    expect(server.received).toHaveLength(3);
    expect(bounded.stats).toMatchObject({ requests: 3, ok: 0, failed: 1, retriesByClass: { '5xx': 2 } });
  });

  it('fails at once when the server refuses the first connection, naming the URL and where it came from', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = makeClient({ baseUrl: `http://127.0.0.1:${port}`, baseUrlOrigin: 'NOTION_BASE_URL', retry: { maxAttempts: 8, baseMs: 1000 } });
    const started = Date.now();
    const error = await failure(firstValueFrom(unreachable.request$({ method: 'GET', path: '/v1/users' })));
    unreachable.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(NotionTransportError);
    expect(error).toMatchObject({ code: 'notion_transport_error', failure: 'unreachable', systemCode: 'ECONNREFUSED', transient: false });
    expect((error as Error).message).toContain(`unreachable at http://127.0.0.1:${port} (from NOTION_BASE_URL)`);
    expect((error as Error).message).toContain('Check NOTION_BASE_URL');
    expect(infos.map((i) => [i.status, i.attempt])).toEqual([[undefined, 1]]);
  });

  it('retries a refused connection once the server has answered: a restart mid-load is a blip', async () => {
    const flaky = makeClient({ retry: { maxAttempts: 2, baseMs: 1 } });
    server.reply(ok({ id: 'u1' }));
    await firstValueFrom(flaky.request$({ method: 'GET', path: '/v1/users/u1' }));
    await server.stop();
    const error = await failure(firstValueFrom(flaky.request$({ method: 'GET', path: '/v1/users/u2' })));
    flaky.close();
    await server.start();
    expect(error).toMatchObject({ failure: 'unreachable', systemCode: 'ECONNREFUSED', transient: true });
    expect(infos.map((i) => [i.path, i.attempt])).toEqual([
      ['/v1/users/u1', 1],
      ['/v1/users/u2', 1],
      ['/v1/users/u2', 2],
    ]);
  });

  it('does not retry an unknown host (ENOTFOUND) and says so within 3 s', async () => {
    const unknown = makeClient({ baseUrl: 'http://nothing-here.invalid', retry: { maxAttempts: 8, baseMs: 1000 } });
    const started = Date.now();
    const error = await failure(firstValueFrom(unknown.request$({ method: 'GET', path: '/v1/users' })));
    unknown.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error).toMatchObject({ failure: 'unreachable', systemCode: 'ENOTFOUND', transient: false });
    expect((error as Error).message).toContain('unreachable at http://nothing-here.invalid (from the baseUrl option): unknown host');
    expect(infos).toHaveLength(1);
  });

  it('times out a request that gets no answer', async () => {
    const slow = makeClient({ timeoutMs: 50, retry: { maxAttempts: 1 } });
    server.reply(() => undefined); // never answers
    const error = await failure(firstValueFrom(slow.request$({ method: 'GET', path: '/v1/users' })));
    slow.close();
    expect(error).toMatchObject({ failure: 'timeout', transient: true });
  });

  it('aborts the request in flight on unsubscribe', async () => {
    const closed = new Promise<void>((resolve) => server.reply((_req, res) => res.on('close', () => resolve())));
    const subscription = client.request$({ method: 'GET', path: '/v1/users' }).subscribe();
    while (server.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
    subscription.unsubscribe();
    await closed; // the server sees the connection close: the socket was destroyed, not left waiting
    expect(infos).toEqual([]);
  });

  it('never lets the token into errors, causes or request infos', async () => {
    const once = makeClient({ retry: { maxAttempts: 1 }, timeoutMs: 50 });
    const errors: unknown[] = [];
    const run = async (request: Parameters<NotionClient['request$']>[0]) => errors.push(await failure(firstValueFrom(once.request$(request))));
    server.reply(notionError(401, 'unauthorized', 'API token is invalid.'));
    await run({ method: 'GET', path: '/v1/users' });
    // A (broken) proxy that echoes the Authorization header in its message.
    server.reply((req, res) => json(res, 400, { object: 'error', code: 'invalid_request', message: `bad header ${req.headers['authorization']}` }));
    await run({ method: 'POST', path: '/v1/search', body: {} });
    server.reply((_req, res) => res.socket?.destroy());
    await run({ method: 'GET', path: '/v1/users' });
    server.reply((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{');
      setImmediate(() => res.socket?.destroy());
    });
    await run({ method: 'GET', path: '/v1/users' });
    server.reply(() => undefined);
    await run({ method: 'GET', path: '/v1/users' });
    once.close();
    const unreachable = makeClient({ baseUrl: 'http://127.0.0.1:1', retry: { maxAttempts: 1 } });
    errors.push(await failure(firstValueFrom(unreachable.request$({ method: 'GET', path: '/v1/users' }))));
    unreachable.close();

    expect(errors.map((e) => (e as { code: string }).code)).toEqual([
      'notion_api_error',
      'notion_api_error',
      'notion_transport_error',
      'notion_transport_error',
      'notion_transport_error',
      'notion_transport_error',
    ]);
    expect((errors[1] as Error).message).toContain('[redacted]');
    for (const error of errors) expect(everyRendering(error)).not.toContain(TOKEN);
    expect(JSON.stringify(infos)).not.toContain(TOKEN);
    expect(inspect(client, { depth: Infinity, showHidden: true })).not.toContain(TOKEN);
  });
});

describe('createNotionClient options', () => {
  it.each<[string, Partial<NotionClientOptions>, string]>([
    ['a baseUrl that is not a URL', { baseUrl: 'not a url' }, 'NOTION_BASE_URL'],
    ['a baseUrl that is not http(s)', { baseUrl: 'ftp://api.notion.com' }, 'NOTION_BASE_URL'],
    ['a baseUrl with credentials', { baseUrl: `https://user:${TOKEN}@api.notion.com` }, 'credentials'],
    ['an unknown version', { notionVersion: '2021-05-13' as '2022-06-28' }, '2025-09-03, 2022-06-28'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
    ['an empty token', { apiKey: '' }, 'NOTION_API_KEY'],
    ['a token with a line break', { apiKey: `${TOKEN}\n` }, 'NOTION_API_KEY'],
  ])('rejects %s with a ConfigError naming the fix', (_case, bad, fix) => {
    let error: unknown;
    try {
      createNotionClient({ apiKey: TOKEN, ...bad });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(fix);
    expect(everyRendering(error)).not.toContain(TOKEN);
  });

  it('defaults to the public API and version 2025-09-03', () => {
    const client = createNotionClient({ apiKey: TOKEN });
    expect(client.baseUrl).toBe('https://api.notion.com');
    expect(client.notionVersion).toBe('2025-09-03');
    expect(client.retryPolicy.maxAttempts).toBe(8);
    expect(client.limiter.stats.requestsPerWindow).toBe(180);
    client.close();
  });
});
