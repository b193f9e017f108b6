import type { NotionServer, NotionVersion } from '../../src/server/index.js';

/** A minimal Notion API caller for the server tests (real HTTP through node's fetch). */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

export async function call(
  server: NotionServer,
  method: 'GET' | 'POST',
  path: string,
  options: { version?: NotionVersion | null; body?: unknown; token?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { Authorization: `Bearer ${options.token ?? server.token}` };
  if (options.version !== null) headers['Notion-Version'] = options.version ?? '2025-09-03';
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // non-JSON bodies stay text
  }
  return { status: res.status, headers: res.headers, body };
}

/** Every result of a listing, following next_cursor (GET: query string; POST: body), and the last page's body. */
export async function collect(
  server: NotionServer,
  method: 'GET' | 'POST',
  path: string,
  version: NotionVersion,
  body: Record<string, unknown> = {},
): Promise<{ results: any[]; requests: number; status: number; last: any }> {
  const results: any[] = [];
  let cursor: string | undefined;
  let requests = 0;
  for (;;) {
    requests++;
    const sep = path.includes('?') ? '&' : '?';
    const res = method === 'GET'
      ? await call(server, 'GET', cursor === undefined ? path : `${path}${sep}start_cursor=${encodeURIComponent(cursor)}`, { version })
      : await call(server, 'POST', path, { version, body: cursor === undefined ? body : { ...body, start_cursor: cursor } });
    if (res.status !== 200) return { results, requests, status: res.status, last: res.body };
    results.push(...res.body.results);
    if (!res.body.has_more) return { results, requests, status: 200, last: res.body };
    cursor = res.body.next_cursor;
  }
}
