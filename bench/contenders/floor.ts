/**
 * Contender "floor": the least work that makes the same requests as notionflow — node:http with
 * keep-alive, `JSON.parse` of each body, nothing else (no retries, no limiter, no storage). Same
 * traversal and the same concurrency per kind of listing as `notionSource`: queries 2 at a time,
 * relation completion, block listings and page comments `--concurrency` each (default 8).
 */
import http from 'node:http';
import { contenderSettings, reportFigures } from '../lib/contender.js';
import { Pool } from '../lib/pool.js';

type Obj = Record<string, unknown> & { id: string };
interface List {
  readonly results: Obj[];
  readonly has_more: boolean;
  readonly next_cursor: string | null;
}

const settings = contenderSettings();
const base = new URL(settings.url);
const agent = new http.Agent({ keepAlive: true });
const headers = { authorization: `Bearer ${settings.token}`, 'notion-version': settings.notionVersion, accept: 'application/json' };
let requests = 0;
let objects = 0;

function send(method: 'GET' | 'POST', path: string, body?: object): Promise<List> {
  requests++;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`${method} ${path}: ${String(res.statusCode)}`));
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as List);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Every page of a listing; `onPage` sees each page's results. 404 → undefined (unreachable, as notionflow skips it). */
async function listAll(method: 'GET' | 'POST', path: string, body: object | undefined, onPage: (items: Obj[]) => void, allow404 = false): Promise<void> {
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: List = await (method === 'GET'
      ? send('GET', `${path}${sep}page_size=100${cursor === null ? '' : `&start_cursor=${encodeURIComponent(cursor)}`}`)
      : send('POST', path, { ...body, page_size: 100, ...(cursor === null ? {} : { start_cursor: cursor }) })
    ).catch((error: unknown) => {
      if (allow404 && String(error).endsWith(': 404')) return { results: [], has_more: false, next_cursor: null };
      throw error;
    });
    onPage(page.results);
    cursor = page.has_more ? page.next_cursor : null;
  } while (cursor !== null);
}

const version = settings.notionVersion;
const n = settings.concurrency;
const queries = new Pool(2);
const relations = new Pool(n);
const listings = new Pool(n);
const commentPool = new Pool(n);
const seenPages = new Set<string>();
const originalsSeen = new Set<string>();
const referenced = new Set<string>();

const count = (items: Obj[]): void => {
  objects += items.length;
};

const walk = async (blockId: string): Promise<void> => {
  const next: string[] = [];
  await listings.run(() =>
    listAll('GET', `/v1/blocks/${blockId}/children`, undefined, (blocks) => {
      objects += blocks.length;
      for (const b of blocks) {
        if (b['has_children'] !== true || b['type'] === 'child_page' || b['type'] === 'child_database') continue;
        const from = b['type'] === 'synced_block' ? (b['synced_block'] as { synced_from?: { block_id?: string } | null }).synced_from?.block_id : undefined;
        if (from !== undefined) {
          referenced.add(from);
          continue;
        }
        if (b['type'] === 'synced_block') originalsSeen.add(b.id);
        next.push(b.id);
      }
    }, true),
  );
  await Promise.all(next.map(walk));
};

const loadPages = async (items: Obj[]): Promise<void> => {
  const fresh = items.filter((p) => !seenPages.has(p.id) && seenPages.add(p.id));
  objects += fresh.length;
  const work: Promise<void>[] = [];
  for (const p of fresh) {
    for (const prop of Object.values((p['properties'] ?? {}) as Record<string, { id: string; type: string; has_more?: boolean }>)) {
      if (prop.type === 'relation' && prop.has_more === true) {
        work.push(relations.run(() => listAll('GET', `/v1/pages/${p.id}/properties/${prop.id}`, undefined, () => undefined)));
      }
    }
    work.push(walk(p.id));
    work.push(commentPool.run(() => listAll('GET', `/v1/comments?block_id=${p.id}`, undefined, count)));
  }
  await Promise.all(work);
};

const start = performance.now();
const containers: Obj[] = [];
const pageWork: Promise<void>[] = [];
await Promise.all([
  listAll('GET', '/v1/users', undefined, count),
  listAll('POST', '/v1/search', { filter: { property: 'object', value: version === '2022-06-28' ? 'database' : 'data_source' }, sort: { timestamp: 'last_edited_time', direction: 'descending' } }, (items) => (count(items), containers.push(...items))).then(() =>
    Promise.all(containers.map((c) => queries.run(() => listAll('POST', version === '2022-06-28' ? `/v1/databases/${c.id}/query` : `/v1/data_sources/${c.id}/query`, {}, (items) => pageWork.push(loadPages(items)))))),
  ),
  listAll('POST', '/v1/search', { filter: { property: 'object', value: 'page' }, sort: { timestamp: 'last_edited_time', direction: 'descending' } }, (items) => pageWork.push(loadPages(items))),
]);
await Promise.all(pageWork);
// Synced originals only referenced, never met on a loaded page: listed once each, until none is left.
const listedLate = new Set<string>();
for (let todo = [...referenced].filter((id) => !originalsSeen.has(id)); todo.length > 0; todo = [...referenced].filter((id) => !originalsSeen.has(id) && !listedLate.has(id))) {
  for (const id of todo) listedLate.add(id);
  await Promise.all(todo.map(walk));
}
agent.destroy();
reportFigures('floor', start, objects, { requests });
