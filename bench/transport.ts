/**
 * What one request costs the client, by transport: node:http (the floor's), got 14 configured as
 * `NotionClient` configures it, and `NotionClient.request$` itself (got + limiter + retry policy +
 * error mapping), each sending the same small GET with the same concurrency.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/transport.js [--requests N] [--concurrency C] [--rounds R]
 *
 * The local Notion server runs in another process, so the CPU figures are the client's alone. Rounds
 * alternate the transports, because this machine is shared and noisy; the table shows each one's best
 * round.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { got } from 'got';
import { lastValueFrom } from 'rxjs';
import { createLimiter } from '../src/client/limiter.js';
import { createNotionClient } from '../src/client/notion-client.js';
import { startServerProcess } from './lib/server-handle.js';

const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, rounds: { type: 'string' } } });
const requests = Number(values.requests ?? 5000);
const concurrency = Number(values.concurrency ?? 8);
const rounds = Number(values.rounds ?? 3);

const server = await startServerProcess(['--preset', 'tiny']);
const path = '/v1/users?page_size=2';
const headers = { authorization: `Bearer ${server.token}`, 'notion-version': '2025-09-03', accept: 'application/json', 'user-agent': 'notionflow' };

const agent = new http.Agent({ keepAlive: true });
const gotClient = got.extend({
  prefixUrl: server.url,
  agent: { http: agent },
  retry: { limit: 0 },
  timeout: { request: 60_000 },
  throwHttpErrors: false,
  followRedirect: false,
  responseType: 'text',
  headers,
});
const client = createNotionClient({ apiKey: server.token, baseUrl: server.url, limiter: createLimiter({ requests: Infinity }) });

const transports: Record<string, () => Promise<unknown>> = {
  'node:http': () =>
    new Promise((resolve, reject) => {
      http
        .get(`${server.url}${path}`, { agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        })
        .on('error', reject);
    }),
  'got 14': () => gotClient(path.slice(1)).then((r) => JSON.parse(r.body) as unknown),
  'got 14 + AbortSignal': () => {
    const controller = new AbortController();
    return gotClient(path.slice(1), { signal: controller.signal }).then((r) => {
      controller.abort();
      return JSON.parse(r.body) as unknown;
    });
  },
  'NotionClient.request$': () => lastValueFrom(client.request$({ method: 'GET', path: '/v1/users', query: { page_size: 2 } })),
};

async function measure(send: () => Promise<unknown>): Promise<{ wallMs: number; cpuUs: number }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent++ < requests) await send();
    }),
  );
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuUs: (used.user + used.system) / requests };
}

const best = new Map<string, { wallMs: number; cpuUs: number }>();
try {
  for (const send of Object.values(transports)) await measure(send); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [name, send] of Object.entries(transports)) {
      const m = await measure(send);
      const b = best.get(name);
      if (b === undefined || m.cpuUs < b.cpuUs) best.set(name, m);
    }
  }
} finally {
  client.close();
  agent.destroy();
  await server.close();
}

const floor = best.get('node:http')!.cpuUs;
console.log(`${requests} GET ${path} per round, ${concurrency} at once, best of ${rounds} rounds; server in another process`);
console.log('');
console.log('| transport | wall ms | client CPU µs per request | × node:http |');
console.log('|---|---|---|---|');
for (const [name, m] of best) console.log(`| ${name} | ${m.wallMs.toFixed(0)} | ${m.cpuUs.toFixed(0)} | ${(m.cpuUs / floor).toFixed(2)} |`);
