/**
 * Request economy of an incremental run: load a workspace, edit 1% of its pages (titles of rows, blocks
 * appended to pages), load again, and compare the requests of the second run with the minimum possible:
 * the listings (users, data sources, search from the cursor, one query per data source from its cursor,
 * the trash) plus the edited pages' trees, comments and truncated relations.
 *
 *   npm run build && node dist/bench/incremental-requests.js [--preset small|medium] [--seed 1] [--percent 1]
 *
 * Requests are counted by the local server, so the figures do not depend on the machine's speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { duckdb } from '../destinations/duckdb/index.js';
import { pipeline } from '../src/pipeline/pipeline.js';
import { notionSource } from '../src/resources/notion-source.js';
import { startNotionServer, Workspace, WORKSPACE_PRESETS } from '../src/server/index.js';

const { values } = parseArgs({ options: { preset: { type: 'string' }, seed: { type: 'string' }, percent: { type: 'string' }, json: { type: 'boolean' } } });
const presetName = (values.preset ?? 'medium') as keyof typeof WORKSPACE_PRESETS;
const percent = Number(values.percent ?? 1);
const now = Date.now();
const ws = new Workspace({ ...WORKSPACE_PRESETS[presetName], seed: Number(values.seed ?? 1) }, () => now);
const log: string[] = [];
let logging = true;
const server = await startNotionServer({ workspace: ws, onRequest: (m, p) => void (logging && log.push(`${m} ${p.replace(/\?.*/, '')}`)) });
const headers = { authorization: `Bearer ${server.token}`, 'notion-version': '2025-09-03' };
const dir = mkdtempSync(join(tmpdir(), 'nf-bench-incr-'));
try {
  const p = pipeline({ pipelineName: 'bench_incr', destination: duckdb({ path: join(dir, 'incr.duckdb') }) });
  const source = () => notionSource({ apiKey: server.token, baseUrl: server.url, rateLimit: false });
  let t = performance.now();
  await p.run(source());
  const firstRequests = log.length;
  const firstMs = performance.now() - t;

  // Edit 1% of the pages: every other edit renames a row, the others append a block to a page.
  const pages = [...ws.pages()];
  const k = Math.max(1, Math.round((pages.length * percent) / 100));
  const step = Math.floor(pages.length / k);
  const edited = Array.from({ length: k }, (_, i) => pages[i * step]!);
  for (const page of edited) {
    if (page.parent_type === 'database_id') ws.editPage(page.id, { title: `Edited ${page.title}` });
    else ws.appendBlock(page.id, { type: 'paragraph', text: 'edited' });
  }

  log.length = 0;
  t = performance.now();
  await p.run(source());
  const secondMs = performance.now() - t;
  const made = countBy(log.map((l) => endpoint(l)));

  // The minimum: listings at one request per 100 listed items, then each edited page's tree.
  const blocks = [...ws.blocks()];
  const children = new Map<string, number>();
  for (const b of blocks) children.set(b.parent_id, (children.get(b.parent_id) ?? 0) + 1);
  const parentsOf = new Map<string, Set<string>>();
  for (const b of blocks) {
    const set = parentsOf.get(b.page_id) ?? new Set<string>();
    set.add(b.parent_id);
    parentsOf.set(b.page_id, set);
  }
  const editedIds = new Set(edited.map((x) => x.id));
  const tree = (id: string): number => {
    let n = Math.max(1, Math.ceil((children.get(id) ?? 0) / 100));
    for (const parent of parentsOf.get(id) ?? []) if (parent !== id) n += Math.ceil((children.get(parent) ?? 0) / 100);
    return n;
  };
  // Relations Notion truncates at 25 need the page property endpoint: ask the server how long they are.
  logging = false;
  let propertyPages = 0;
  for (const row of edited.filter((x) => x.parent_type === 'database_id')) {
    const page = (await (await fetch(`${server.url}/v1/pages/${row.id}`, { headers })).json()) as { properties: Record<string, { id: string; type: string; has_more?: boolean }> };
    for (const prop of Object.values(page.properties)) {
      if (prop.type !== 'relation' || !prop.has_more) continue;
      const items = (await (await fetch(`${server.url}/v1/pages/${row.id}/properties/${prop.id}?page_size=100`, { headers })).json()) as { has_more: boolean };
      propertyPages += items.has_more ? 2 : 1;
    }
  }
  const comments = [...ws.comments()].filter((c) => editedIds.has(c.page_id) && c.parent_id === c.page_id);
  const dataSources = [...ws.dataSources()].length;
  const minimum = {
    users: Math.max(1, Math.ceil([...ws.users()].length / 100)),
    // Search lists pages and rows: every edited one is newer than the cursor.
    'search (data sources, pages from the cursor, trash)': 1 + Math.max(1, Math.ceil(edited.length / 100)) + 1,
    'data source queries (from the cursor)': dataSources,
    'block children (edited trees)': edited.reduce((s, x) => s + tree(x.id), 0),
    'comments (edited pages)': edited.length + Math.max(0, Math.ceil(comments.length / 100) - edited.length),
    'property items (edited rows over 25 relations)': propertyPages,
  };
  const minTotal = Object.values(minimum).reduce((a, b) => a + b, 0);
  const madeTotal = log.length;
  const figures = {
    preset: presetName,
    pages: pages.length,
    edited: edited.length,
    firstRun: { requests: firstRequests, ms: Math.round(firstMs) },
    incremental: { requests: madeTotal, ms: Math.round(secondMs), byEndpoint: made },
    minimum: { total: minTotal, ...minimum },
    ratio: Number((madeTotal / minTotal).toFixed(3)),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    console.log(`Incremental request economy — preset ${presetName}: ${pages.length} pages, ${edited.length} edited (${percent}%)`);
    console.log(`  first (full) run:   ${firstRequests} requests in ${(firstMs / 1000).toFixed(1)} s`);
    console.log(`  incremental run:    ${madeTotal} requests in ${(secondMs / 1000).toFixed(1)} s`);
    for (const [e, n] of Object.entries(made)) console.log(`    ${e.padEnd(44)} ${n}`);
    console.log(`  minimum possible:   ${minTotal}`);
    for (const [e, n] of Object.entries(minimum)) console.log(`    ${e.padEnd(44)} ${n}`);
    console.log(`  incremental / minimum = ${figures.ratio}`);
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

function endpoint(line: string): string {
  return line.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id').replace(/\/properties\/[^/]+$/, '/properties/:pid');
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}
