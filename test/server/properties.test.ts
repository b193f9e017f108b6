import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startNotionServer, Workspace, WORKSPACE_PRESETS } from '../../src/server/index.js';
import type { NotionServer } from '../../src/server/index.js';
import { call, collect } from './api.js';

const FIXED = () => Date.UTC(2026, 0, 1, 10, 0, 0);
const prop = (page: any, id: string): any => Object.values(page.properties).find((p: any) => p.id === id);
const mentions = (items: any[]): number => items.filter((t) => t.type === 'mention').length;

describe('property values and their completeness', () => {
  let server: NotionServer;
  let ws: Workspace;
  /** Row ids of both databases with their full values. */
  let rows: Array<{ id: string; values: Map<string, any> }>;
  beforeAll(async () => {
    ws = new Workspace(WORKSPACE_PRESETS.tiny, FIXED);
    server = await startNotionServer({ workspace: ws });
    rows = [...ws.rows(0), ...ws.rows(1)].map((id) => ({ id, values: ws.rowProperties(id) }));
  });
  afterAll(() => server.close());

  const items = (row: string, id: string, pageSize = 100) => collect(server, 'GET', `/v1/pages/${row}/properties/${id}?page_size=${pageSize}`, '2025-09-03');

  it('lists rows per data source, by index, database id or data source id, every value deterministic', () => {
    expect(ws.rows(ws.dataSourceId(1))).toEqual(ws.rows(1));
    expect(ws.rows(ws.databaseId(1))).toEqual(ws.rows(1));
    expect(ws.rows(0)).toEqual([...ws.pages()].filter((p) => p.data_source_id === ws.dataSourceId(0)).map((p) => p.id));
    const twin = new Workspace(WORKSPACE_PRESETS.tiny, FIXED);
    for (const row of rows) expect(twin.rowProperties(row.id)).toEqual(row.values);
    expect(() => ws.rowProperties([...ws.pages()].find((p) => p.parent_type === 'workspace')!.id)).toThrow('Not a database row');
  });

  it('cuts people at 25 in the page response without a flag; the property items list them all, guests too', async () => {
    const many = rows.filter((r) => r.values.get('ppl1').length > 25);
    const exactly = rows.filter((r) => r.values.get('ppl1').length === 25);
    expect(many.length).toBeGreaterThan(0);
    expect(exactly.length).toBeGreaterThan(0);
    const members = new Set((await collect(server, 'GET', '/v1/users', '2025-09-03')).results.map((u) => u.id));
    for (const row of [...many, ...exactly]) {
      const page = (await call(server, 'GET', `/v1/pages/${row.id}`)).body;
      expect(prop(page, 'ppl1').people).toEqual(row.values.get('ppl1').slice(0, 25));
      expect(prop(page, 'ppl1').has_more).toBeUndefined();
      const listed = await items(row.id, 'ppl1', 10);
      expect(listed.results.map((r) => r.people)).toEqual(row.values.get('ppl1'));
    }
    const guests = many[0]!.values.get('ppl1').filter((u: any) => !members.has(u.id));
    expect(guests.length).toBeGreaterThan(0);
    expect((await call(server, 'GET', `/v1/users/${guests[0].id}`)).body).toMatchObject({ object: 'user', id: guests[0].id, type: 'person' });
  });

  it('keeps long text whole (2,000-character items) and cuts rich text after its 25th mention', async () => {
    const long = rows.find((r) => r.values.get('rt%3Ax').some((t: any) => t.plain_text.length === 2000))!;
    const text = long.values.get('rt%3Ax');
    expect(text.map((t: any) => t.plain_text.length)).toEqual([2000, 2000, 500]);
    expect(prop((await call(server, 'GET', `/v1/pages/${long.id}`)).body, 'rt%3Ax').rich_text).toEqual(text);

    const mentioned = rows.find((r) => mentions(r.values.get('rt%3Ax')) === 30)!;
    const full = mentioned.values.get('rt%3Ax');
    const shown = prop((await call(server, 'GET', `/v1/pages/${mentioned.id}`)).body, 'rt%3Ax').rich_text;
    expect(mentions(shown)).toBe(25);
    expect(shown.at(-1).type).toBe('mention');
    expect(shown).toEqual(full.slice(0, shown.length));
    expect((await items(mentioned.id, 'rt%3Ax', 20)).results.map((r) => r.rich_text)).toEqual(full);
    const kinds = new Set(full.filter((t: any) => t.type === 'mention').map((t: any) => t.mention.type));
    expect(kinds).toEqual(new Set(['user', 'page', 'date']));
    for (const t of full.filter((x: any) => x.type === 'mention')) {
      if (t.mention.type === 'user') expect(t.plain_text).toBe(`@${(await call(server, 'GET', `/v1/users/${t.mention.user.id}`)).body.name}`);
      if (t.mention.type === 'page') expect(t.plain_text).toBe(ws.pageTitle(ws.decode(t.mention.page.id)!.index));
      if (t.mention.type === 'date') expect(t.plain_text).toBe(t.mention.date.start);
    }
  });

  it('computes rollups from the related rows: over the first 25 in the page, over all in the property items', async () => {
    const row = rows.find((r) => r.values.get('rel%3D').length > 25)!;
    const related: string[] = row.values.get('rel%3D').map((r: any) => r.id);
    const relatedPages = await Promise.all(related.map(async (id) => (await call(server, 'GET', `/v1/pages/${id}`)).body));
    const estimate = (n: number) => relatedPages.slice(0, n).reduce((s, p) => s + (prop(p, 'num1').number ?? 0), 0);
    const latest = (n: number) => relatedPages.slice(0, n).map((p) => prop(p, 'due%5B').date?.start).filter(Boolean).sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1);
    const names = (n: number) => relatedPages.slice(0, n).map((p) => ({ type: 'title', title: prop(p, 'title').title }));

    const page = (await call(server, 'GET', `/v1/pages/${row.id}`)).body;
    expect(prop(page, 'rlup').rollup).toEqual({ type: 'number', number: 25, function: 'count' });
    expect(prop(page, 'rsum').rollup).toEqual({ type: 'number', number: estimate(25), function: 'sum' });
    expect(prop(page, 'rlat').rollup).toEqual({ type: 'date', date: { start: latest(25), end: null, time_zone: null }, function: 'latest_date' });
    expect(prop(page, 'rnam').rollup).toEqual({ type: 'array', array: names(25), function: 'show_original' });

    const n = related.length;
    expect(row.values.get('rsum')).toEqual({ type: 'number', number: estimate(n), function: 'sum' });
    for (const [id, expected] of [['rlup', { type: 'number', number: n, function: 'count' }], ['rsum', row.values.get('rsum')], ['rlat', row.values.get('rlat')]] as const) {
      const listed = await items(row.id, id, 10);
      expect(listed.last.property_item).toMatchObject({ id, type: 'rollup', rollup: expected, next_url: null });
      expect(listed.results.map((r) => r.relation.id)).toEqual(related);
      const first = await call(server, 'GET', `/v1/pages/${row.id}/properties/${id}?page_size=10`);
      expect(first.body.property_item.rollup).toEqual({ type: 'incomplete', incomplete: {}, function: expected.function });
    }
    const originals = await items(row.id, 'rnam', 10);
    expect(originals.last.property_item.rollup).toEqual({ type: 'array', array: [], function: 'show_original' });
    expect(originals.results.map((r) => ({ type: r.type, title: r.title }))).toEqual(names(n));
    expect(row.values.get('rnam')).toEqual({ type: 'array', array: names(n), function: 'show_original' });

    const small = rows.find((r) => r.values.get('rel%3D').length > 0 && r.values.get('rel%3D').length <= 25)!;
    const smallPage = (await call(server, 'GET', `/v1/pages/${small.id}`)).body;
    for (const id of ['rlup', 'rsum', 'rlat', 'rnam']) expect(prop(smallPage, id).rollup).toEqual(small.values.get(id));
  });

  it('has date ranges, date-only ranges and ranges in time zones written with the zone offset', () => {
    const dues = rows.map((r) => r.values.get('due%5B')).filter((d) => d !== null);
    expect(dues.some((d) => d.end !== null && d.time_zone === null && /^\d{4}-\d\d-\d\d$/.test(d.end))).toBe(true);
    const zoned = dues.filter((d) => d.time_zone !== null);
    expect(zoned.length).toBeGreaterThan(0);
    for (const d of zoned) {
      expect(d.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000[+-]\d\d:\d\d$/);
      expect(Date.parse(d.end)).toBeGreaterThan(Date.parse(d.start));
      const offset = new Intl.DateTimeFormat('en-US', { timeZone: d.time_zone, timeZoneName: 'longOffset' }).formatToParts(Date.parse(d.start))
        .find((p) => p.type === 'timeZoneName')!.value.replace('GMT', '') || '+00:00';
      expect(d.start.slice(-6)).toBe(offset);
    }
    expect(zoned.some((d) => d.time_zone === 'Europe/Berlin' && d.start.endsWith('+02:00'))).toBe(true);
  });
});
