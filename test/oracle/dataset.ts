import type { NotionVersion, Workspace } from '../../src/server/index.js';
import { expectedBlocks, expectedRawTables, type ExpectedTable } from './documents.js';
import { keyCounts, readSchema, type KeyCount, type LoadedTable } from './loaded.js';
import { compareTables, type Difference } from './relational.js';
import { compareTypedTables } from './typed.js';

/** The system tables every dlt-style dataset holds. */
const SYSTEM_TABLES = ['_dlt_loads', '_dlt_pipeline_state', '_dlt_version'];

export interface DatasetCheck {
  /** Values, rows and tables that differ from the truth (raw tables, typed tables, page content). */
  readonly differences: Difference[];
  /** Tables of the schema none of the expected tables accounts for. */
  readonly unexpectedTables: string[];
  /** Keys counted over every table of the schema (see `keyCounts`). */
  readonly keys: KeyCount[];
  /** Tables whose key is not unique (or has nulls), or that no key rule covers. */
  readonly duplicates: KeyCount[];
  /** Values compared, by table, and child rows compared, by child table (to show the check had something to check). */
  readonly values: ReadonlyMap<string, number>;
  readonly childRows: ReadonlyMap<string, number>;
  readonly typedCells: number;
  /** What was read and what was expected, for further checks. */
  readonly loaded: ReadonlyMap<string, LoadedTable>;
  readonly expected: readonly ExpectedTable[];
}

export interface DatasetCheckOptions {
  readonly version: NotionVersion;
  readonly comments: 'pages' | 'all';
  /** Pages loaded and moved to the trash since: their raw rows stay, flagged. */
  readonly trashed?: readonly string[];
}

/**
 * Everything a DuckDB file holds in `schema`, against what a load of the workspace as it is now must
 * have produced: the raw tables and their child tables value for value, the typed tables cell for
 * cell, a `page_content` row for every page with content holding every block's text, no table
 * beyond those, and no key twice in any table of the catalog.
 */
export async function checkDataset(path: string, schema: string, ws: Workspace, options: DatasetCheckOptions): Promise<DatasetCheck> {
  const loaded = await readSchema(path, schema);
  const raw = expectedRawTables(ws, options);
  const comparison = compareTables(loaded, raw);
  const typed = compareTypedTables(loaded, ws, options.version);
  const differences = [...comparison.differences, ...typed.differences, ...pageContentDifferences(loaded.get('page_content')?.rows ?? [], ws, options.version)];
  const accounted = (t: string) =>
    SYSTEM_TABLES.includes(t) || t === 'page_content' || t === 'notion_properties' || typed.tables.includes(t) || raw.some((r) => t === r.table || t.startsWith(`${r.table}__`));
  const unexpectedTables = [...loaded.keys()].filter((t) => !accounted(t));
  const keys = await keyCounts(path, schema);
  return {
    differences,
    unexpectedTables,
    keys,
    duplicates: keys.filter((k) => k.rows !== k.distinct),
    values: comparison.values,
    childRows: comparison.childRows,
    typedCells: typed.cells,
    loaded,
    expected: raw,
  };
}

/** A block's text as its rich text spells it. */
function textOf(block: Record<string, unknown>): string | undefined {
  const payload = block[String(block['type'])] as { rich_text?: { plain_text: string }[] } | undefined;
  return payload?.rich_text?.map((t) => t.plain_text).join('');
}

/** `page_content`: one row per page with blocks, whose plain text holds the text of each of the page's own blocks. */
function pageContentDifferences(rows: readonly Record<string, unknown>[], ws: Workspace, version: NotionVersion): Difference[] {
  const out: Difference[] = [];
  const docs = expectedBlocks(ws, version);
  const byPage = new Map<string, string[]>();
  for (const doc of docs.values()) {
    const texts = byPage.get(String(doc['page_id'])) ?? [];
    const text = textOf(doc);
    // One block a line: the line's surrounding whitespace is not the block's text.
    if (text !== undefined && text.trim() !== '') texts.push(text.trim());
    byPage.set(String(doc['page_id']), texts);
  }
  const loaded = new Map(rows.map((r) => [String(r['page_id']), String(r['plain_text'] ?? '')]));
  if (loaded.size !== rows.length) out.push({ table: 'page_content', key: '', path: 'rows', expected: loaded.size, actual: rows.length });
  for (const id of loaded.keys()) if (!byPage.has(id)) out.push({ table: 'page_content', key: id, path: 'page_id', expected: 'no such row', actual: id });
  for (const [id, texts] of byPage) {
    const plain = loaded.get(id);
    if (plain === undefined) out.push({ table: 'page_content', key: id, path: 'page_id', expected: id, actual: 'missing row' });
    else for (const text of texts) if (!plain.includes(text)) out.push({ table: 'page_content', key: id, path: 'plain_text', expected: `to contain ${JSON.stringify(text)}`, actual: plain });
  }
  return out;
}
