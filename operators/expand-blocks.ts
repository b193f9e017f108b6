import { EMPTY, Observable, Subject, catchError, concat, defer, finalize, from, map, mergeMap, tap, type OperatorFunction } from 'rxjs';
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
  /**
   * Synced-block bookkeeping shared with other walks (the checkpoint units of one load, or loads
   * before it). When given, originals met only through references are NOT listed at the end of this
   * walk: the owner lists them once, when every walk is done (`synced.unvisited()`).
   */
  readonly synced?: SyncedBlocks;
}

/**
 * Which synced-block originals were walked, and which were only referenced (with the page of the
 * first reference). A reference is never listed itself: its original's children are listed once.
 */
export class SyncedBlocks {
  /** Originals whose children were listed (by their own page, or late). */
  readonly originals: Set<string>;
  /** Original id → the page of the first reference to it. */
  readonly referenced = new Map<string, string>();
  /**
   * Originals listed late, from a reference (their own page was not loaded, or they answered 404):
   * their content is stored with the referencing page, so a later run must list them again when it
   * fetches a referencing page's tree again (see {@link listedWithTheirPages}).
   */
  readonly late = new Set<string>();

  constructor(originals: Iterable<string> = []) {
    this.originals = new Set(originals);
  }

  /** Originals referenced but never listed, as walk roots (`page_id`: the referencing page); they count as listed from now on. */
  unvisited(): { readonly id: string; readonly page_id: string }[] {
    const out: { id: string; page_id: string }[] = [];
    for (const [id, pageId] of this.referenced) {
      if (this.originals.has(id)) continue;
      this.originals.add(id);
      this.late.add(id);
      out.push({ id, page_id: pageId });
    }
    return out;
  }

  /** Originals whose children were listed with their own page: what a later run need not list again. */
  listedWithTheirPages(): string[] {
    return [...this.originals].filter((id) => !this.late.has(id));
  }
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
): OperatorFunction<{ readonly id: string; readonly page_id?: string }, ResourcePage<BlockRecord>> {
  const concurrency = config.concurrency ?? 8;
  return (pages) =>
    defer(() => {
      // Per subscription unless shared: synced originals met while walking, and those only referenced.
      const synced = config.synced ?? new SyncedBlocks();

      const list = (step: ListStep): Observable<BlocksStep> => {
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

      const childrenOf = (step: BlocksStep): ListStep[] => {
        const next: ListStep[] = [];
        for (const block of step.blocks) {
          if (!block.has_children || (block.type !== undefined && NOT_DESCENDED.has(block.type))) continue;
          const syncedFrom = syncedOriginalOf(block);
          if (syncedFrom !== undefined) {
            if (!synced.referenced.has(syncedFrom)) synced.referenced.set(syncedFrom, step.pageId);
            continue;
          }
          if (block.type === 'synced_block') synced.originals.add(block.id);
          next.push({ kind: 'list', blockId: block.id, pageId: step.pageId, depth: step.depth + 1 });
        }
        return next;
      };

      // A work queue under mergeMap rather than rxjs `expand`: expand re-feeds every emitted value to
      // its projection, and the leaf steps that complete synchronously then nest one stack frame each
      // when thousands drain at once (a stack overflow on large trees). Here only listings are inner
      // subscriptions; children found in a response are queued behind the listings already waiting,
      // which keeps the walk breadth first.
      const walk = (roots: Observable<ListStep>): Observable<BlocksStep> =>
        new Observable<BlocksStep>((subscriber) => {
          const steps = new Subject<ListStep>();
          let outstanding = 0;
          let rootsDone = false;
          const settle = (): void => {
            if (rootsDone && outstanding === 0) steps.complete();
          };
          const enqueue = (step: ListStep): void => {
            outstanding++;
            steps.next(step);
          };
          const subscription = steps
            .pipe(
              mergeMap(
                (step) =>
                  list(step).pipe(
                    tap((blocks) => {
                      for (const child of childrenOf(blocks)) enqueue(child);
                    }),
                    finalize(() => {
                      outstanding--;
                      settle();
                    }),
                  ),
                concurrency,
              ),
            )
            .subscribe(subscriber);
          subscription.add(
            roots.subscribe({
              next: enqueue,
              error: (error: unknown) => subscriber.error(error),
              complete: () => {
                rootsDone = true;
                settle();
              },
            }),
          );
          return subscription;
        });

      // Originals only referenced, listed after the walk; their content may reference further such
      // originals, so repeat until none is left (each is listed once, even when referenced from itself).
      const unvisitedOriginals = (): Observable<BlocksStep> =>
        defer(() => {
          const todo = synced.unvisited();
          if (todo.length === 0) return EMPTY;
          return concat(walk(from(todo.map((o): ListStep => ({ kind: 'list', blockId: o.id, pageId: o.page_id, depth: 0 })))), unvisitedOriginals());
        });

      const roots = pages.pipe(map((page): ListStep => ({ kind: 'list', blockId: page.id, pageId: page.page_id ?? page.id, depth: 0 })));
      return concat(walk(roots), config.synced ? EMPTY : unvisitedOriginals()).pipe(
        map((step): ResourcePage<BlockRecord> => ({ resource: 'blocks', items: step.blocks })),
      );
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
