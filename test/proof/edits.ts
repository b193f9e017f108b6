import type { Workspace } from '../../src/server/index.js';

/** What {@link editWorkspace} changed, by page id. */
export interface Edits {
  readonly appended: string;
  readonly deletedFrom: string;
  readonly moved: string;
  /** A leaf sub-page moved to the trash; its parent page changes with it (its child_page block goes). */
  readonly trashedPage: string;
  readonly trashedPageParent: string;
  /** A row with more than 25 relations, moved to the trash. */
  readonly trashedRow: string;
  /** Another row, given a new block. */
  readonly editedRow: string;
  readonly addedRow: string;
}

/**
 * Edits of every kind an incremental run must pick up, on distinct pages: a block appended, deleted and
 * moved on three standalone pages, a sub-page trashed, a row with more than 25 relations trashed,
 * another row edited, a row added. No page or row is renamed: a rename changes the mention text and
 * rollups of other pages without their `last_edited_time` moving (as in Notion), which no incremental
 * load sees.
 */
export function editWorkspace(ws: Workspace): Edits {
  const pages = [...ws.pages()];
  const blocks = [...ws.blocks()];
  const top = (id: string) => blocks.filter((b) => b.page_id === id && b.depth === 0);
  const hasSubPages = (id: string) => pages.some((p) => p.parent_id === id);
  const trashed = pages.find((p) => p.parent_type === 'page_id' && !hasSubPages(p.id));
  if (trashed === undefined) throw new Error('editWorkspace needs a sub-page without sub-pages');
  const others = pages.filter((p) => p.parent_type !== 'database_id' && p.id !== trashed.id && p.id !== trashed.parent_id && top(p.id).length >= 3);
  const [appended, deletedFrom, moved] = others;
  const rows = pages.filter((p) => p.parent_type === 'database_id');
  const trashedRow = rows.find((p) => (ws.rowProperties(p.id).get('rel%3D') as unknown[]).length > 25);
  const editedRow = rows.find((p) => p !== trashedRow);
  if (moved === undefined || trashedRow === undefined || editedRow === undefined) {
    throw new Error('editWorkspace needs three pages with three top-level blocks and a row with more than 25 relations');
  }

  ws.appendBlock(appended!.id, { type: 'paragraph', text: 'An appended paragraph' });
  ws.deleteBlock(top(deletedFrom!.id)[0]!.id);
  const movedBlocks = top(moved.id);
  ws.moveBlock(movedBlocks[0]!.id, moved.id, movedBlocks.length - 1);
  ws.trashPage(trashed.id);
  ws.trashPage(trashedRow.id);
  ws.appendBlock(editedRow.id, { type: 'paragraph', text: 'A row edited' });
  const addedRow = ws.addRow(0);
  return {
    appended: appended!.id,
    deletedFrom: deletedFrom!.id,
    moved: moved.id,
    trashedPage: trashed.id,
    trashedPageParent: trashed.parent_id!,
    trashedRow: trashedRow.id,
    editedRow: editedRow.id,
    addedRow,
  };
}
