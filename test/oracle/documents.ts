import type { BlockNode } from '../../src/server/block-tree.js';
import { COMMENT_SPACE } from '../../src/server/ids.js';
import { renderBlock, renderComment, renderDatabase, renderDataSource, renderPage, renderUser } from '../../src/server/render.js';
import type { Json, JsonObject, NotionVersion, Workspace } from '../../src/server/index.js';

/**
 * The expected rows of the raw tables (`users`, `pages`, `data_sources` / `databases`, `blocks`,
 * `comments`), as the complete API documents the built-in server holds for them: each object as the
 * API renders it (the server's renderers, no product code), with every row property at its full value
 * (`Workspace.rowProperties`: relations, people and text past 25 items, rollups over every relation),
 * plus the columns the README documents the product adds (`blocks`: `parent_id`, `page_id`, `depth`,
 * `position`; `comments`: `page_id`). test/oracle/relational.ts compares them with the loaded rows.
 */
export interface ExpectedTable {
  readonly table: string;
  /** The primary key column. */
  readonly key: string;
  /** Key → the document its row (and child-table rows) must hold. */
  readonly docs: ReadonlyMap<string, JsonObject>;
}

export interface ExpectedRawOptions {
  readonly version: NotionVersion;
  readonly comments: 'pages' | 'all';
  /** Pages loaded before and moved to the trash since: their rows stay, flagged. */
  readonly trashed?: readonly string[];
}

/** Every raw table a load of the workspace as it is now must hold. */
export function expectedRawTables(ws: Workspace, options: ExpectedRawOptions): ExpectedTable[] {
  const { version } = options;
  const byId = <T extends { readonly id: string }>(items: Iterable<T>, doc: (item: T) => JsonObject) => new Map([...items].map((i) => [i.id, doc(i)]));
  const index = (id: string): number => ws.decode(id)!.index;
  const pages = [...[...ws.pages()].map((p) => p.id), ...(options.trashed ?? [])];
  const containers = version === '2022-06-28'
    ? byId(ws.databases(), (d) => renderDatabase(ws, index(d.id), version))
    : byId(ws.dataSources(), (d) => renderDataSource(ws, index(d.id), version));
  const comments = [...ws.comments()].filter((c) => options.comments === 'all' || c.parent_id === c.page_id);
  return [
    { table: 'users', key: 'id', docs: byId(ws.users(), (u) => renderUser(ws, index(u.id), version)) },
    { table: 'pages', key: 'id', docs: new Map(pages.map((id) => [id, completePage(ws, id, version)])) },
    { table: version === '2022-06-28' ? 'databases' : 'data_sources', key: 'id', docs: containers },
    { table: 'blocks', key: 'id', docs: expectedBlocks(ws, version) },
    {
      table: 'comments',
      key: 'id',
      docs: byId(comments, (c) => {
        const i = index(c.id);
        return { ...renderComment(ws, Math.floor(i / COMMENT_SPACE), i % COMMENT_SPACE), page_id: c.page_id };
      }),
    },
  ];
}

/** A page as the API renders it, with each row property at its full value (a complete relation has no more). */
function completePage(ws: Workspace, id: string, version: NotionVersion): JsonObject {
  const pageNo = ws.decode(id)!.index;
  const doc = renderPage(ws, pageNo, version);
  if (ws.rowOf(pageNo) === undefined) return doc;
  const full = ws.rowProperties(id);
  const properties: JsonObject = {};
  for (const [name, value] of Object.entries(doc['properties'] as JsonObject)) {
    const prop = value as JsonObject;
    const type = String(prop['type']);
    properties[name] = { ...prop, [type]: full.get(String(prop['id'])) as Json, ...(type === 'relation' ? { has_more: false } : {}) };
  }
  return { ...doc, properties };
}

/** Every block of the truth as the API renders it, with its parent, page, depth and position, by id. */
export function expectedBlocks(ws: Workspace, version: NotionVersion): Map<string, JsonObject> {
  const nodes = new Map<string, { pageNo: number; node: BlockNode }>();
  const walk = (pageNo: number, list: readonly BlockNode[]): void => {
    for (const node of list) {
      nodes.set(node.id, { pageNo, node });
      walk(pageNo, node.children);
    }
  };
  for (const page of ws.pages()) {
    const pageNo = ws.decode(page.id)!.index;
    walk(pageNo, ws.tree(pageNo).top);
  }
  const docs = new Map<string, JsonObject>();
  for (const b of ws.blocks()) {
    const { pageNo, node } = nodes.get(b.id)!;
    docs.set(b.id, { ...renderBlock(ws, pageNo, node, version), parent_id: b.parent_id, page_id: b.page_id, depth: b.depth, position: b.position });
  }
  return docs;
}
