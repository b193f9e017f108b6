import { describe, expect, it } from '@jest/globals';
import { floorMinute, HOSTILE_DEPTH, HOSTILE_OPTIONS, HOSTILE_TEXT, HOSTILE_TEXT_BYTES, hostileWorkspace, Workspace, WORKSPACE_PRESETS } from '../../src/server/index.js';
import { decodeId, encodeId, IdKind } from '../../src/server/ids.js';
import { renderBlock } from '../../src/server/render.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids', () => {
  it('are UUIDs that decode back to kind and index, and only for their seed', () => {
    for (const index of [0, 1, 255, 2 ** 24 + 5, 2 ** 44 + 3]) {
      const id = encodeId(7, IdKind.block, index);
      expect(id).toMatch(UUID);
      expect(decodeId(7, id)).toEqual({ kind: IdKind.block, index });
      expect(decodeId(7, id.replace(/-/g, '').toUpperCase())).toEqual({ kind: IdKind.block, index });
      expect(decodeId(8, id)).toBeUndefined();
    }
    expect(decodeId(7, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

describe('Workspace', () => {
  it('is deterministic: same seed, same ground truth; another seed, other ids', () => {
    const a = new Workspace(WORKSPACE_PRESETS.tiny);
    const b = new Workspace(WORKSPACE_PRESETS.tiny);
    const c = new Workspace({ ...WORKSPACE_PRESETS.tiny, seed: 2 });
    expect([...b.blocks()]).toEqual([...a.blocks()]);
    expect([...b.pages()]).toEqual([...a.pages()]);
    expect([...b.comments()]).toEqual([...a.comments()]);
    const idsA = new Set([...a.blocks()].map((x) => x.id));
    expect([...c.blocks()].some((x) => idsA.has(x.id))).toBe(false);
  });

  it('has every block type the brief lists, synced references, and unreachable content', () => {
    const ws = new Workspace({ ...WORKSPACE_PRESETS.small, pages: 60 });
    const types = new Set([...ws.blocks()].map((b) => b.type));
    for (const t of ['paragraph', 'heading_1', 'heading_2', 'heading_3', 'bulleted_list_item', 'numbered_list_item', 'to_do', 'toggle',
      'quote', 'callout', 'code', 'equation', 'divider', 'image', 'bookmark', 'table', 'table_row', 'column_list', 'column',
      'synced_block', 'child_page', 'child_database', 'link_to_page', 'unsupported', 'meeting_notes']) {
      expect(types).toContain(t);
    }
    const unreachable = [...ws.unreachable()];
    expect(unreachable.length).toBeGreaterThan(0);
    const reachable = new Set([...ws.blocks()].map((b) => b.id));
    for (const u of unreachable) {
      expect(reachable).toContain(u.block_id);
      expect(reachable).not.toContain(u.synced_from);
    }
  });

  it('keeps blocks consistent: positions, depths, parents, one page per block', () => {
    const ws = new Workspace(WORKSPACE_PRESETS.small);
    const blocks = [...ws.blocks()];
    const byId = new Map(blocks.map((b) => [b.id, b]));
    expect(byId.size).toBe(blocks.length);
    const pageIds = new Set([...ws.pages()].map((p) => p.id));
    for (const b of blocks) {
      // A sub-page's top-level blocks have the sub-page id as parent_id, which is also the id of the
      // child_page block on the containing page: page ids win.
      const parent = pageIds.has(b.parent_id) ? undefined : byId.get(b.parent_id);
      if (parent === undefined) {
        expect(b.parent_id).toBe(b.page_id);
        expect(b.depth).toBe(0);
      } else {
        expect(parent.page_id).toBe(b.page_id);
        expect(b.depth).toBe(parent.depth + 1);
        expect(parent.has_children).toBe(true);
      }
      expect(pageIds).toContain(b.page_id);
      expect(b.depth).toBeLessThan(ws.options.maxDepth);
      if (b.type === 'child_page') expect(pageIds).toContain(b.id);
    }
    const siblings = new Map<string, number[]>();
    for (const b of blocks) siblings.set(b.parent_id, [...(siblings.get(b.parent_id) ?? []), b.position]);
    for (const positions of siblings.values()) expect(positions).toEqual(positions.map((_, i) => i));
  });

  it('rounds times down to the minute', () => {
    const ws = new Workspace(WORKSPACE_PRESETS.tiny);
    for (const p of ws.pages()) {
      expect(Date.parse(p.created_time) % 60_000).toBe(0);
      expect(Date.parse(p.last_edited_time) % 60_000).toBe(0);
      expect(Date.parse(p.last_edited_time)).toBeGreaterThanOrEqual(Date.parse(p.created_time));
    }
  });

  it('applies mutations with the injected clock, and the ground truth follows', () => {
    let now = Date.UTC(2026, 4, 10, 12, 34, 56, 789);
    const ws = new Workspace(WORKSPACE_PRESETS.tiny, () => now);
    const page = [...ws.pages()].find((p) => p.parent_type === 'workspace')!;
    const before = [...ws.blocks()].filter((b) => b.page_id === page.id && b.depth === 0);

    ws.editPage(page.id, { title: 'Renamed' });
    let truth = [...ws.pages()].find((p) => p.id === page.id)!;
    expect(truth.title).toBe('Renamed');
    expect(truth.last_edited_time).toBe(new Date(floorMinute(now)).toISOString());

    now += 120_000;
    const added = ws.appendBlock(page.id, { type: 'paragraph', text: 'hello' });
    const top = () => [...ws.blocks()].filter((b) => b.page_id === page.id && b.depth === 0);
    expect(top().map((b) => b.id)).toEqual([...before.map((b) => b.id), added]);
    const child = ws.appendBlock(added, { type: 'paragraph', text: 'nested' });
    expect([...ws.blocks()].find((b) => b.id === child)).toMatchObject({ parent_id: added, depth: 1, position: 0 });

    ws.moveBlock(added, page.id, 0);
    expect(top()[0]!.id).toBe(added);
    ws.deleteBlock(added);
    expect([...ws.blocks()].some((b) => b.id === added || b.id === child)).toBe(false);
    truth = [...ws.pages()].find((p) => p.id === page.id)!;
    expect(truth.last_edited_time).toBe(new Date(floorMinute(now)).toISOString());

    const rows = ws.counts().rows;
    const row = ws.addRow(0);
    expect(ws.counts().rows).toBe(rows + 1);
    ws.trashPage(row);
    expect([...ws.pages()].some((p) => p.id === row)).toBe(false);
    expect(() => ws.deleteBlock('not-an-id')).toThrow('Not a block');
  });

  it('generates the ground truth of 100k+ blocks in seconds (printed, not asserted)', () => {
    const started = performance.now();
    const ws = new Workspace({ seed: 3, users: 20, databases: 4, rowsPerDatabase: 1000, pages: 1000, blocksPerPage: 100, maxDepth: 4 });
    let blocks = 0;
    for (const _ of ws.blocks()) blocks++;
    const ms = performance.now() - started;
    console.log(`ground truth: ${blocks} blocks in ${Math.round(ms)} ms; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
    expect(blocks).toBeGreaterThan(100_000);
  });
});

describe('the hostile workspace', () => {
  it('holds a depth-50 chain, 1 MB texts, 2,000 options and synced / link cycles, as the server renders them', () => {
    const h = hostileWorkspace({}, () => Date.UTC(2025, 0, 1));
    const ws = h.workspace;
    const blocks = [...ws.blocks()];
    expect(blocks.find((b) => b.id === h.deepestBlockId)).toMatchObject({ page_id: h.deepPageId, depth: HOSTILE_DEPTH - 1 });
    const { pageNo, node } = ws.findBlock(ws.decode(h.bigBlockId)!.index)!;
    const items = (renderBlock(ws, pageNo, node).paragraph as { rich_text: { plain_text: string }[] }).rich_text.map((i) => i.plain_text);
    expect(Math.max(...items.map((i) => i.length))).toBeLessThanOrEqual(2_000);
    expect(items.join('')).toBe(node.text);
    expect(Buffer.byteLength(node.text!, 'utf8')).toBeGreaterThanOrEqual(HOSTILE_TEXT_BYTES);
    expect(node.text).toContain(HOSTILE_TEXT.nul);
    const values = ws.rowProperties(h.allOptionsRowId);
    expect((values.get(h.multiSelectPropertyId) as unknown[]).length).toBe(HOSTILE_OPTIONS);
    const notes = ws.rowProperties(h.bigTextRowId).get(h.bigTextPropertyId) as { plain_text: string }[];
    expect(notes.map((i) => i.plain_text).join('')).toBe(node.text);
    // Both cycle pages: their originals hold references to each other and to themselves; links go both ways.
    for (const id of h.cyclePageIds) {
      const own = blocks.filter((b) => b.page_id === id);
      expect(own.filter((b) => b.type === 'synced_block').length).toBeGreaterThanOrEqual(3);
      expect(own.filter((b) => b.type === 'link_to_page').length).toBeGreaterThanOrEqual(1);
    }
  });

  it('unshares a page and shares it again; refuses pages with sub-pages and rows', () => {
    const ws = new Workspace(WORKSPACE_PRESETS.tiny);
    const holds = (id: string) => [...ws.blocks()].some((b) => b.page_id === id && (b.type === 'child_page' || b.type === 'child_database'));
    const standalone = [...ws.pages()].filter((p) => p.parent_type !== 'database_id');
    const page = standalone.find((p) => !holds(p.id))!;
    expect(() => ws.setPageShared(standalone.find((p) => holds(p.id))!.id, false)).toThrow('holds sub-pages or databases');
    ws.setPageShared(page.id, false);
    expect([...ws.pages()].map((p) => p.id)).not.toContain(page.id);
    expect([...ws.blocks()].some((b) => b.page_id === page.id)).toBe(false);
    ws.setPageShared(page.id, true);
    expect([...ws.pages()].map((p) => p.id)).toContain(page.id);
    expect(() => ws.setPageShared(ws.rows(0)[0]!, false)).toThrow('database row');
  });

  it('adds a property and sets a value; retyping forgets the set value', () => {
    const ws = new Workspace(WORKSPACE_PRESETS.tiny);
    const row = ws.rows(0)[0]!;
    ws.addProperty(0, { id: 'new1', name: 'Added', type: 'rich_text' });
    expect(ws.schema(0).at(-1)).toMatchObject({ id: 'new1', name: 'Added', type: 'rich_text' });
    ws.setPropertyValue(row, 'new1', [{ type: 'text', text: { content: 'set', link: null }, plain_text: 'set', href: null }]);
    expect((ws.rowProperties(row).get('new1') as { plain_text: string }[])[0]!.plain_text).toBe('set');
    ws.retypeProperty(0, 'new1', 'number');
    expect(ws.rowProperties(row).get('new1') === null || typeof ws.rowProperties(row).get('new1') === 'number').toBe(true);
    expect(() => ws.setPropertyValue(row, 'num1', 1)).toThrow('cannot be set');
    expect(() => ws.addProperty(0, { id: 'x', name: 'Formula', type: 'formula' })).toThrow('Cannot add');
  });
});
