import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duckdb } from '../../destinations/duckdb/index.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { notionSource } from '../../src/resources/notion-source.js';
import { startNotionServer, Workspace, WORKSPACE_PRESETS, type NotionServer } from '../../src/server/index.js';
import { checkDataset, type DatasetCheck } from '../oracle/dataset.js';
import type { LoadedTable } from '../oracle/loaded.js';
import { compareTables } from '../oracle/relational.js';

/**
 * Every loaded value against the truth, on API versions 2022-06-28 and 2025-09-03: the raw tables and
 * their child tables value for value (every property type of every row, every block's and comment's
 * rich text), the typed tables cell for cell, page content, no unexpected table, no key twice
 * (test/oracle/dataset.ts; the expected side is the server's ground truth only).
 */
const dir = mkdtempSync(join(tmpdir(), 'nf-proof-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLOCK = Date.UTC(2026, 0, 1, 10, 0);
const FAST_RETRY = { baseMs: 5, maxMs: 50, maxRetryAfterMs: 50 };
/** One load of a tiny workspace (seconds of CPU); the bound leaves room for a shared, busy machine. */
const LOAD_TIMEOUT = 120_000;

/** The first differences, readable in a failure message. */
const first = (check: DatasetCheck) => check.differences.slice(0, 20);

describe.each(['2022-06-28', '2025-09-03'] as const)('loaded values equal the truth (%s)', (version) => {
  let server: NotionServer;
  let ws: Workspace;
  let check: DatasetCheck;

  beforeAll(async () => {
    ws = new Workspace({ ...WORKSPACE_PRESETS.tiny, seed: 11 }, () => CLOCK);
    server = await startNotionServer({ workspace: ws, faults: { rate: 0.03, seed: 11 } });
    const path = join(dir, `values-${version}.duckdb`);
    const p = pipeline({ pipelineName: 'values', destination: duckdb({ path }) });
    await p.run(notionSource({ apiKey: server.token, baseUrl: server.url, notionVersion: version, rateLimit: false, retry: FAST_RETRY, comments: 'all' }));
    check = await checkDataset(path, 'notion_data', ws, { version, comments: 'all' });
  }, LOAD_TIMEOUT);
  afterAll(() => server.close());

  it('holds every raw, typed and content value of the truth and nothing else', () => {
    expect(first(check)).toEqual([]);
    expect(check.unexpectedTables).toEqual([]);
    expect(check.duplicates).toEqual([]);
    expect(check.typedCells).toBeGreaterThan(1000);
  });

  it('compared every property type, and the text of every kind of block and of comments', () => {
    const { loaded } = check;
    // Each property column prefix carries the property's type: every type of the truth's schemas was
    // located (by id and type) and compared, since no difference was found.
    const pages = loaded.get('pages')!;
    const typeColumns = pages.columns.filter((c) => /^properties__.+__type$/.test(c) && pages.columns.includes(c.replace(/__type$/, '__id')));
    const types = new Set(typeColumns.flatMap((c) => pages.rows.map((r) => r[c])).filter((t) => t != null));
    const truthTypes = new Set(ws.sharedDatabases().flatMap((d) => ws.schema(d).map((p) => p.type)));
    expect([...types].sort()).toEqual([...truthTypes].sort());
    expect(truthTypes.size).toBeGreaterThanOrEqual(20);
    for (const list of ['title', 'rich_text', 'multi_select', 'people', 'relation', 'files', 'rollup__array']) {
      expect({ list, compared: [...check.childRows].some(([t, n]) => t.startsWith('pages__properties__') && t.endsWith(`__${list}`) && n > 0) }).toEqual({ list, compared: true });
    }
    // Block text: every block type whose truth holds rich text had its text rows compared.
    const blocks = check.expected.find((t) => t.table === 'blocks')!;
    const withText = new Set([...blocks.docs.values()].filter((b) => ((b[String(b['type'])] as { rich_text?: unknown[] })?.rich_text ?? []).length > 0).map((b) => String(b['type'])));
    expect(withText.size).toBeGreaterThanOrEqual(8);
    for (const type of withText) expect({ type, compared: (check.childRows.get(`blocks__${type}__rich_text`) ?? 0) > 0 }).toEqual({ type, compared: true });
    expect(check.childRows.get('comments__rich_text')).toBeGreaterThan(0);
    // Inline comments on blocks (comments: 'all') were loaded and compared too.
    expect([...ws.comments()].some((c) => c.parent_id !== c.page_id)).toBe(true);
  });

  it('the comparison finds a changed value, a lost child row and a stray row', () => {
    const { loaded, expected } = check;
    const tamper = (name: string, change: (rows: Record<string, unknown>[]) => Record<string, unknown>[]): Map<string, LoadedTable> => {
      const copy = new Map(loaded);
      const table = loaded.get(name)!;
      copy.set(name, { ...table, rows: change(table.rows.map((r) => ({ ...r }))) });
      return copy;
    };
    const changed = tamper('pages', (rows) => {
      const row = rows.find((r) => typeof r['properties__estimate__number'] === 'number')!;
      row['properties__estimate__number'] = Number(row['properties__estimate__number']) + 1;
      return rows;
    });
    expect(compareTables(changed, expected).differences.map((d) => d.path)).toEqual(['pages.properties__estimate__number']);
    const lost = compareTables(tamper('comments__rich_text', (rows) => rows.slice(1)), expected).differences;
    expect(lost.length).toBeGreaterThan(0);
    const stray = compareTables(tamper('blocks__paragraph__rich_text', (rows) => [...rows, { ...rows[0]!, _dlt_id: 'stray' }]), expected).differences;
    expect(stray.map((d) => d.path)).toContain('blocks__paragraph__rich_text rows');
  });
});
