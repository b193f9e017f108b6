import { isFlushSignal } from '../../operators/to-record-batches.js';
import type { NotionClient } from '../client/notion-client.js';
import type { ResourcePage } from '../records.js';
import type { Checkpoint, ResourceProgress, SourceProgress } from './resource.js';

/** The endpoints a page's unit spends requests on: its block tree, comments and content. */
const UNIT_ENDPOINTS = ['GET /v1/blocks/:id/children', 'GET /v1/comments', 'GET /v1/pages/:id/markdown', 'GET /v1/blocks/:id'];

/** Which figures a load has (see {@link ExtractProgress}). */
export interface ExtractProgressOptions {
  /** Block trees are fetched. */
  readonly blocks: boolean;
  /** Comments are fetched. */
  readonly comments: boolean;
  /** Nothing but page units is left once the listings are done (false when a delete scan follows them). */
  readonly estimate: boolean;
}

/**
 * The Notion source's live figures for one extraction, as {@link SourceProgress}:
 *
 * - `pages`: pages (standalone pages and rows) whose unit is done — tree, comments and content
 *   fetched; `known` is every page listed for a unit, once search, the queries and the trash are
 *   all listed.
 * - `rows`: database rows the queries listed; `known` once every query is done.
 * - `blocks`, `comments`: objects fetched; `known` only at the end of the extraction.
 *
 * `remainingRequests` is pages still to do × requests per page done so far (the unit endpoints'
 * count ÷ pages done), known only once the listings are done and a page is; earlier, or when a
 * delete scan follows, it is left out.
 */
export class ExtractProgress {
  readonly #changed: () => void;
  readonly #options: ExtractProgressOptions;
  #listed = 0;
  #pagesDone = 0;
  #listingsDone = false;
  #rows = 0;
  #rowListingsDone = false;
  #blocks = 0;
  #comments = 0;
  #finished = false;

  /** `changed` is told after every change (the pipeline's `onProgress`). */
  constructor(changed: () => void, options: ExtractProgressOptions) {
    this.#changed = changed;
    this.#options = options;
  }

  /** Pages listed for a unit. */
  listed(pages: number): void {
    this.#listed += pages;
    this.#changed();
  }

  /** Every listing of pages (search, queries, trash) is done. */
  listingsDone(): void {
    this.#listingsDone = true;
    this.#changed();
  }

  /** Rows a data source (or database) query listed. */
  rowsListed(rows: number): void {
    this.#rows += rows;
    this.#changed();
  }

  /** Every query is done. */
  rowListingsDone(): void {
    this.#rowListingsDone = true;
    this.#changed();
  }

  /** A unit of `pages` pages is done. */
  pagesDone(pages: number): void {
    this.#pagesDone += pages;
    this.#changed();
  }

  /** Counts the blocks and comments of what the source emits. */
  emitted(item: ResourcePage | Checkpoint): void {
    if (isFlushSignal(item)) return;
    if (item.resource === 'blocks') this.#blocks += item.items.length;
    else if (item.resource === 'comments') this.#comments += item.items.length;
    else return;
    this.#changed();
  }

  /** The extraction is over: every count is the whole. */
  finished(): void {
    this.#finished = true;
    this.#changed();
  }

  /** The figures now, with the client's request counts and budget. */
  snapshot(client: NotionClient): SourceProgress {
    const requests = client.stats;
    const { requestsPerWindow, windowMs } = client.limiter.stats;
    const resources: Record<string, ResourceProgress> = {
      pages: count(this.#pagesDone, this.#finished || this.#listingsDone ? this.#listed : undefined),
      rows: count(this.#rows, this.#finished || this.#rowListingsDone ? this.#rows : undefined),
    };
    if (this.#options.blocks) resources['blocks'] = count(this.#blocks, this.#finished ? this.#blocks : undefined);
    if (this.#options.comments) resources['comments'] = count(this.#comments, this.#finished ? this.#comments : undefined);
    const remaining = this.#remaining(requests.byEndpoint);
    return {
      resources,
      requests,
      budget: { requests: requestsPerWindow, windowMs },
      ...(remaining === undefined ? {} : { remainingRequests: remaining }),
    };
  }

  #remaining(byEndpoint: Readonly<Record<string, number>>): number | undefined {
    if (this.#finished) return 0;
    if (!this.#options.estimate || !this.#listingsDone || this.#pagesDone === 0) return undefined;
    const unitRequests = UNIT_ENDPOINTS.reduce((n, endpoint) => n + (byEndpoint[endpoint] ?? 0), 0);
    return Math.round(((this.#listed - this.#pagesDone) * unitRequests) / this.#pagesDone);
  }
}

function count(done: number, known: number | undefined): ResourceProgress {
  return known === undefined ? { done } : { done, known };
}
