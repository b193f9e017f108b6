import { Workspace, WORKSPACE_PRESETS, type WorkspaceOptions } from '../../src/server/index.js';
import type { Dataset } from '../../src/pipeline/dataset.js';

/**
 * What a load left in a dataset, read with plain SQL, and what the built-in server's ground truth says it
 * must be (computed from `Workspace` alone, never from the loader's code).
 */

/** A tiny workspace (`options` changing it) whose clock stands still: edits land in one minute, file URLs stay the same. */
export function frozenWorkspace(seed: number, options: WorkspaceOptions = {}): Workspace {
  const now = Date.now();
  return new Workspace({ ...WORKSPACE_PRESETS.tiny, ...options, seed }, () => now);
}

/** Sorted distinct values of a column. */
export async function column(ds: Dataset, table: string, name = 'id', where = 'true'): Promise<string[]> {
  const rows = await ds.sql(`select distinct "${name}" as v from notion_data."${table}" where ${where} order by 1`);
  return rows.map((r) => String(r['v']));
}

/** Tables of the dataset (data and system). */
export async function tables(ds: Dataset): Promise<string[]> {
  return (await ds.sql(`select table_name from information_schema.tables where table_schema = 'notion_data' order by 1`)).map((r) => String(r['table_name']));
}

/** Ids of every typed-table row (one table per data source, as `notion_properties` names them). */
export async function typedRowIds(ds: Dataset): Promise<string[]> {
  const typed = await column(ds, 'notion_properties', 'table_name');
  const out: string[] = [];
  for (const t of typed) out.push(...(await column(ds, t)));
  return out.sort();
}

/** Pages whose tree was loaded: those with a block whose parent is the page itself. */
export async function pagesWithTopBlocks(ds: Dataset): Promise<string[]> {
  return column(ds, 'blocks', 'page_id', 'parent_id = page_id');
}

/** The truth, restricted to pages `keep` accepts (default all): page ids, row ids, pages with blocks, page-level comments. */
export function truthOf(ws: Workspace, keep: (page: { id: string; last_edited_time: string }) => boolean = () => true) {
  const pages = [...ws.pages()].filter(keep);
  const ids = new Set(pages.map((p) => p.id));
  const blocks = [...ws.blocks()].filter((b) => ids.has(b.page_id));
  const comments = [...ws.comments()].filter((c) => ids.has(c.page_id));
  return {
    pages: pages.map((p) => p.id).sort(),
    rows: pages.filter((p) => p.parent_type === 'database_id').map((p) => p.id).sort(),
    pagesWithBlocks: [...new Set(blocks.filter((b) => b.parent_id === b.page_id).map((b) => b.page_id))].sort(),
    pageComments: comments.filter((c) => c.parent_id === c.page_id).map((c) => c.id).sort(),
    allComments: comments.map((c) => c.id).sort(),
    blocks: blocks.map((b) => b.id).sort(),
  };
}

/** What a load left, in the shape of {@link truthOf} (comments: every loaded comment). */
export async function loadedOf(ds: Dataset): Promise<{ pages: string[]; rows: string[]; pagesWithBlocks: string[]; comments: string[]; content: string[] }> {
  const present = await tables(ds);
  return {
    pages: await column(ds, 'pages'),
    rows: await typedRowIds(ds),
    pagesWithBlocks: await pagesWithTopBlocks(ds),
    comments: present.includes('comments') ? await column(ds, 'comments') : [],
    content: await column(ds, 'page_content', 'page_id'),
  };
}
