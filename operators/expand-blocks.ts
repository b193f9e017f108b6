import { EMPTY, catchError, concat, defer, expand, filter, from, map, type Observable, type OperatorFunction } from 'rxjs';
import type { ListResponse } from '../src/client/types.js';
import type { ResourcePage } from '../src/records.js';

/** A Notion block as the API returns it, plus the fields `expandBlocks` attaches. */
export interface BlockRecord extends Record<string, unknown> {
  readonly id: string;
  readonly type?: string;
  readonly has_children?: boolean;
  /** The block or page this block is a child of. */
  parent_id?: string;
  /** The page whose content this block is. */
  page_id?: string;
  /** 0 for a page's top-level blocks. */
  depth?: number;
  /** 0-based order among its siblings. */
  position?: number;
}

/** Options of {@link expandBlocks}. */
export interface ExpandBlocksConfig {
  /** Child listings in flight at once, over all pages. Default 8. */
  readonly concurrency?: number;
  /**
   * Called when a child listing answers 404 (the block or a synced original is not shared with the
   * integration). The run goes on without those children. Without it, a 404 is still not fatal.
   */
  readonly onUnreachable?: (blockId: string, pageId: string, error: unknown) => void;
}

interface ListStep {
  readonly kind: 'list';
  readonly blockId: string;
  readonly pageId: string;
  readonly depth: number;
}
interface BlocksStep {
  readonly kind: 'blocks';
  readonly blocks: BlockRecord[];
  readonly pageId: string;
  readonly depth: number;
}
type Step = ListStep | BlocksStep;

/** Blocks whose children are loaded as pages of their own, not as content of this page. */
const NOT_DESCENDED = new Set(['child_page', 'child_database']);

/**
 * Expand pages into every block of their content, breadth first, with bounded concurrency.
 *
 * <span class="informal">For each page, list its children, then the children of every block that has
 * some, level by level; each listed page of blocks is emitted as one `ResourcePage` of the `blocks`
 * resource with `parent_id`, `page_id`, `depth` and `position` attached.</span>
 *
 * - `child_page` and `child_database` blocks are emitted but not descended into: they are loaded as pages.
 * - A synced block reference (`synced_block.synced_from` set) is not listed itself; its original's
 *   children are listed once, where the original is (if the original was never met on a loaded page,
 *   it is listed once at the end, as content of the first page that referenced it).
 * - A 404 on a child listing is reported through `onUnreachable` and skipped; other errors fail the stream.
 * - rxjs `expand` buffers pending listings without bound; what keeps that bounded in practice is the
 *   shared rate limiter and `concurrency` (STYLE.md §7).
 *
 * @param listChildren Every list response of one block's children, in order (see `paginate`).
 * @example
 * ```ts
 * pages$.pipe(expandBlocks((id) => paginate(listRequest(client, 'GET', `/v1/blocks/${id}/children`))))
 * ```
 */
export function expandBlocks(
  listChildren: (blockId: string) => Observable<ListResponse<BlockRecord>>,
  config: ExpandBlocksConfig = {},
): OperatorFunction<{ readonly id: string }, ResourcePage<BlockRecord>> {
  const concurrency = config.concurrency ?? 8;
  return (pages) =>
    defer(() => {
      // Per subscription: synced originals met while walking, and those only referenced.
      const originalsSeen = new Set<string>();
      const referenced = new Map<string, string>();

      const list = (step: ListStep): Observable<Step> => {
        let position = 0;
        return listChildren(step.blockId).pipe(
          map((response): BlocksStep => {
            const blocks = response.results;
            for (const block of blocks) {
              block.parent_id = step.blockId;
              block.page_id = step.pageId;
              block.depth = step.depth;
              block.position = position++;
            }
            return { kind: 'blocks', blocks, pageId: step.pageId, depth: step.depth };
          }),
          catchError((error: unknown) => {
            if (!isNotFound(error)) throw error;
            config.onUnreachable?.(step.blockId, step.pageId, error);
            return EMPTY;
          }),
        );
      };

      const descend = (step: BlocksStep): Observable<Step> => {
        const next: ListStep[] = [];
        for (const block of step.blocks) {
          if (!block.has_children || (block.type !== undefined && NOT_DESCENDED.has(block.type))) continue;
          const syncedFrom = syncedOriginalOf(block);
          if (syncedFrom !== undefined) {
            if (!referenced.has(syncedFrom)) referenced.set(syncedFrom, step.pageId);
            continue;
          }
          if (block.type === 'synced_block') originalsSeen.add(block.id);
          next.push({ kind: 'list', blockId: block.id, pageId: step.pageId, depth: step.depth + 1 });
        }
        return next.length === 0 ? EMPTY : from(next);
      };

      const walk = (roots: Observable<ListStep>): Observable<BlocksStep> =>
        roots.pipe(
          expand((step: Step) => (step.kind === 'list' ? list(step) : descend(step)), concurrency),
          filter((step): step is BlocksStep => step.kind === 'blocks'),
        );

      // Originals only referenced, listed after the walk; their content may reference further such
      // originals, so repeat until none is left. `listedLate` lists each once, even when referenced from itself.
      const listedLate = new Set<string>();
      const unvisitedOriginals = (): Observable<BlocksStep> =>
        defer(() => {
          const todo = [...referenced].filter(([id]) => !originalsSeen.has(id) && !listedLate.has(id));
          if (todo.length === 0) return EMPTY;
          for (const [id] of todo) listedLate.add(id);
          return concat(walk(from(todo.map(([id, pageId]): ListStep => ({ kind: 'list', blockId: id, pageId, depth: 0 })))), unvisitedOriginals());
        });

      return concat(
        walk(pages.pipe(map((page): ListStep => ({ kind: 'list', blockId: page.id, pageId: page.id, depth: 0 })))),
        unvisitedOriginals(),
      ).pipe(map((step): ResourcePage<BlockRecord> => ({ resource: 'blocks', items: step.blocks })));
    });
}

function syncedOriginalOf(block: BlockRecord): string | undefined {
  if (block.type !== 'synced_block') return undefined;
  const payload = block['synced_block'] as { synced_from?: { block_id?: string } | null } | undefined;
  return payload?.synced_from?.block_id ?? undefined;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}
