import { EMPTY, catchError, filter, from, map, merge, mergeMap, of, toArray, type Observable } from 'rxjs';
import type { DeleteSpec } from '../../destinations/destination.js';
import type { NotionClient } from '../client/notion-client.js';
import { queryAllRows, restartingListing } from './listings.js';
import type { Checkpoint } from './resource.js';
import { page, search } from './resources.js';
import type { SourceSettings } from './source-options.js';

/** What delete detection needs from the run. */
export interface DetectDeletesContext {
  readonly client: NotionClient;
  readonly settings: SourceSettings;
  /** Page id → loaded tree; the pages found gone are removed from it. */
  readonly trees: Map<string, string>;
  /** Pages this run already saw. */
  readonly seen: ReadonlySet<string>;
  /** Tables that hold rows keyed by page (`page_id` or `id`), besides the core ones. */
  readonly pageTables: () => readonly DeleteSpec['table'][];
  /** Tables keyed by `page_id`: blocks, comments, page_content (those this load writes). */
  readonly contentTables: readonly string[];
  readonly note: (line: string) => void;
}

/**
 * Every page id the integration can see (search, and every data source's rows), against the loaded
 * trees: the pages missing from both — and confirmed gone or trashed by `GET /v1/pages/{id}` — are
 * removed from every table that holds them, in one commit.
 */
export function detectDeletes(ctx: DetectDeletesContext): Observable<Checkpoint> {
  const { client: c, settings } = ctx;
  const all = new Set(ctx.seen);
  const listAll$ = merge(
    restartingListing(() => search(c, 'page', 'descending')),
    restartingListing(() => search(c, settings.containerObject)).pipe(
      mergeMap((r) => from(r.results)),
      mergeMap((container) => queryAllRows(c, settings.version, container.id), 2),
    ),
  );
  return listAll$.pipe(
    toArray(),
    mergeMap((responses) => {
      for (const r of responses) for (const p of r.results) all.add(p.id);
      const missing = [...ctx.trees.keys()].filter((id) => !all.has(id));
      // Confirm each: a page that still answers (e.g. search did not index it) is not gone.
      return from(missing).pipe(
        mergeMap(
          (id) =>
            page(c, id).pipe(
              map((p) => (p['in_trash'] === true || p['archived'] === true ? id : undefined)),
              catchError((e: unknown) => ((e as { status?: number } | null)?.status === 404 ? of(id) : EMPTY)),
            ),
          settings.concurrency,
        ),
        filter((id): id is string => id !== undefined),
        toArray(),
      );
    }),
    map((gone): Checkpoint => {
      for (const id of gone) ctx.trees.delete(id);
      ctx.note(`detect deletes: ${gone.length} page(s) gone or no longer shared, removed`);
      const deletes: DeleteSpec[] =
        gone.length === 0
          ? []
          : [
              ...ctx.pageTables().map((table) => ({ table, column: 'id', values: gone })),
              ...ctx.contentTables.map((table) => ({ table, column: 'page_id', values: gone })),
            ];
      return { kind: 'flush', state: {}, deletes };
    }),
    filter((cp) => (cp.deletes?.length ?? 0) > 0),
  );
}
