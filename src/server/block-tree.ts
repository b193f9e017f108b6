import { Random } from './hash.js';
import { encodeId, IdKind } from './ids.js';

/** Local block indexes per page: a block's id index is `pageNo * BLOCK_SPACE + local`. */
export const BLOCK_SPACE = 2 ** 16;

/**
 * One block of a generated page tree (a compact structural node; its JSON is rendered on request).
 * `child_page` / `child_database` nodes carry the sub-page / database id as their id.
 */
export interface BlockNode {
  readonly id: string;
  type: string;
  /** Index of the block within its page (`-1` for child_page / child_database nodes). */
  readonly local: number;
  parent: BlockNode | undefined;
  children: BlockNode[];
  depth: number;
  /** child_page: page number; child_database: database index; synced reference: original's block index; link_to_page: page number. */
  readonly ref: number;
  /** Text of a block appended through the mutation API. */
  readonly text?: string;
  /** Creation time (ms) of a block appended through the mutation API. */
  readonly createdAt?: number;
}

/** A page's block tree. */
export interface BlockTree {
  readonly pageNo: number;
  readonly top: BlockNode[];
  readonly byId: Map<string, BlockNode>;
  nextLocal: number;
}

/** What the tree generator needs to know about the page beyond its number. */
export interface TreeSpec {
  readonly seed: number;
  readonly pageNo: number;
  readonly budget: number;
  readonly maxDepth: number;
  /** Rows get short, flat content. */
  readonly flat: boolean;
  /** The page starts with a synced_block original (two paragraph children). */
  readonly syncedOriginal: boolean;
  /**
   * The page ends its generated content with a meeting_notes block whose three paragraph children are,
   * in order, the summary, the notes and the transcript (the children's local indexes follow the block's).
   */
  readonly meetingNotes: boolean;
  /** Block index of a synced original the page references near its top, or -1. */
  readonly syncedReference: number;
  /** Sub-pages (page numbers) and databases (indexes) that live on this page. */
  readonly subPages: readonly number[];
  readonly subDatabases: readonly number[];
  /** A page number to link to (link_to_page), or -1. */
  readonly linkTarget: (rnd: Random) => number;
  /** Ids of sub-pages and databases. */
  readonly pageId: (pageNo: number) => string;
  readonly databaseId: (db: number) => string;
}

/** The children of a meeting_notes block, in order: child `k` has local index `block.local + 1 + k`. */
export const MEETING_PARTS = ['summary', 'notes', 'transcript'] as const;

/** True when `child` is the transcript child of the meeting_notes block `parent`. */
export function isTranscript(parent: BlockNode, child: BlockNode): boolean {
  return parent.type === 'meeting_notes' && child.local === parent.local + MEETING_PARTS.length;
}

const WEIGHTED: ReadonlyArray<readonly [string, number]> = [
  ['paragraph', 20], ['heading_1', 3], ['heading_2', 4], ['heading_3', 4], ['bulleted_list_item', 10],
  ['numbered_list_item', 8], ['to_do', 6], ['toggle', 5], ['quote', 3], ['callout', 3], ['code', 3],
  ['equation', 2], ['divider', 2], ['image', 3], ['bookmark', 2], ['table', 2], ['column_list', 2],
  ['link_to_page', 1], ['unsupported', 1],
];
const TOTAL_WEIGHT = WEIGHTED.reduce((s, [, w]) => s + w, 0);
const FLAT_TYPES = ['paragraph', 'to_do', 'heading_3', 'bulleted_list_item'];
const NESTABLE = new Set([
  'paragraph', 'heading_1', 'heading_2', 'heading_3', 'bulleted_list_item', 'numbered_list_item', 'to_do', 'toggle', 'quote', 'callout',
]);

function pickType(rnd: Random): string {
  let r = rnd.next() * TOTAL_WEIGHT;
  for (const [type, w] of WEIGHTED) {
    r -= w;
    if (r < 0) return type;
  }
  return 'paragraph';
}

/** Builds a tree incrementally; shared by the generator and the mutation replay. */
export class TreeBuilder {
  readonly tree: BlockTree;
  readonly #seed: number;

  constructor(seed: number, pageNo: number) {
    this.#seed = seed;
    this.tree = { pageNo, top: [], byId: new Map(), nextLocal: 0 };
  }

  /** Adds a block with the next local index under `parent` (top level when undefined). */
  add(type: string, parent: BlockNode | undefined, ref = -1, extra: { text?: string; createdAt?: number } = {}): BlockNode {
    const local = this.tree.nextLocal++;
    const id = encodeId(this.#seed, IdKind.block, this.tree.pageNo * BLOCK_SPACE + local);
    return this.attach({ id, type, local, parent, children: [], depth: 0, ref, ...extra }, parent);
  }

  /** Attaches a node (a fresh one or one of a sub-page / database) under `parent`. */
  attach(node: BlockNode, parent: BlockNode | undefined, position?: number): BlockNode {
    node.parent = parent;
    const siblings = parent === undefined ? this.tree.top : parent.children;
    siblings.splice(position ?? siblings.length, 0, node);
    this.#setDepth(node, parent === undefined ? 0 : parent.depth + 1);
    return node;
  }

  /** Detaches a node from its parent; with `forget`, also removes it and its subtree from the id index. */
  detach(node: BlockNode, forget: boolean): void {
    const siblings = node.parent === undefined ? this.tree.top : node.parent.children;
    siblings.splice(siblings.indexOf(node), 1);
    if (forget) this.#forget(node);
  }

  #setDepth(node: BlockNode, depth: number): void {
    node.depth = depth;
    this.tree.byId.set(node.id, node);
    for (const child of node.children) this.#setDepth(child, depth + 1);
  }

  #forget(node: BlockNode): void {
    this.tree.byId.delete(node.id);
    for (const child of node.children) this.#forget(child);
  }
}

/**
 * Generates the block tree of one page from `(seed, pageNo)`: `budget` blocks of generated content
 * (nested up to `maxDepth` levels: depth 0 … maxDepth-1; with `meetingNotes`, the last four are the
 * meeting_notes block and its children), then one child_page block per sub-page and one child_database
 * block per database on the page.
 */
export function generateTree(spec: TreeSpec): TreeBuilder {
  const rnd = new Random(spec.seed, 0x7a11, spec.pageNo);
  const b = new TreeBuilder(spec.seed, spec.pageNo);
  let budget = spec.budget;
  const canNest = (depth: number): boolean => depth + 1 < spec.maxDepth;

  if (spec.syncedOriginal && budget >= 3 && canNest(0)) {
    const original = b.add('synced_block', undefined);
    b.add('paragraph', original);
    b.add('paragraph', original);
    budget -= 3;
  }
  if (spec.syncedReference >= 0 && budget >= 1) {
    b.add('synced_block', undefined, spec.syncedReference);
    budget -= 1;
  }

  const meeting = spec.meetingNotes && budget >= 4 && canNest(0);
  if (meeting) budget -= 4;

  const block = (parent: BlockNode | undefined, depth: number): void => {
    if (spec.flat) {
      b.add(rnd.pick(FLAT_TYPES), parent);
      budget -= 1;
      return;
    }
    const type = pickType(rnd);
    if (type === 'column_list' && canNest(depth + 1) && budget >= 5) {
      const list = b.add('column_list', parent);
      budget -= 1;
      const columns = budget >= 7 && rnd.chance(0.3) ? 3 : 2;
      for (let c = 0; c < columns && budget >= 2; c++) {
        const column = b.add('column', list);
        budget -= 1;
        const reserve = 2 * (columns - c - 1);
        const n = Math.max(1, Math.min(rnd.between(1, 3), budget - reserve));
        for (let i = 0; i < n && budget > 0; i++) block(column, depth + 2);
      }
      return;
    }
    if (type === 'table' && canNest(depth) && budget >= 3) {
      const table = b.add('table', parent);
      budget -= 1;
      const rows = Math.min(rnd.between(2, 4), budget);
      for (let i = 0; i < rows; i++) b.add('table_row', table);
      budget -= rows;
      return;
    }
    if (type === 'link_to_page') {
      const target = spec.linkTarget(rnd);
      b.add(target >= 0 ? 'link_to_page' : 'paragraph', parent, target);
      budget -= 1;
      return;
    }
    const leaf = type === 'column_list' || type === 'table' ? 'paragraph' : type;
    const node = b.add(leaf, parent);
    budget -= 1;
    const p = leaf === 'toggle' ? 0.7 : 0.2;
    if (NESTABLE.has(leaf) && canNest(depth) && budget > 0 && rnd.chance(p)) {
      const n = rnd.between(1, 4);
      for (let i = 0; i < n && budget > 0; i++) block(node, depth + 1);
    }
  };
  while (budget > 0) block(undefined, 0);
  if (meeting) {
    const notes = b.add('meeting_notes', undefined);
    for (let i = 0; i < MEETING_PARTS.length; i++) b.add('paragraph', notes);
  }

  for (const pageNo of spec.subPages) {
    b.attach({ id: spec.pageId(pageNo), type: 'child_page', local: -1, parent: undefined, children: [], depth: 0, ref: pageNo }, undefined);
  }
  for (const db of spec.subDatabases) {
    b.attach({ id: spec.databaseId(db), type: 'child_database', local: -1, parent: undefined, children: [], depth: 0, ref: db }, undefined);
  }
  return b;
}
