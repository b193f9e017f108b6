import { randomBytes } from 'node:crypto';
import { hashInts, hashString } from './hash.js';
import { validationError } from './api-error.js';
import type { Json, JsonObject } from './text.js';

/** One paginated listing request. */
export interface ListingRequest {
  /** Identifies the listing: endpoint and its parameters, without `start_cursor` / `page_size`. */
  readonly key: string;
  readonly size: number;
  readonly item: (index: number) => Json;
  readonly pageSize: number;
  readonly startCursor: string | undefined;
  /** The envelope's `type` (the `<type>: {}` key is added too, unless `typeBody` is given). */
  readonly type: string;
  readonly typeBody?: JsonObject;
  /** Set `request_status: incomplete` (the result was capped). */
  readonly incomplete?: boolean;
}

/**
 * Opaque, signed cursors: base64url of a JSON with a hash of the listing key, the offset, a random
 * salt and a signature, so they are neither guessable integers nor valid for another listing. With
 * `expireAfter = n`, the first cursor presented after `n` pages of a listing were served is rejected
 * as expired; each listing expires at most once, so a restarted listing completes.
 */
export class Cursors {
  readonly #secret = randomBytes(4).readUInt32LE(0);
  readonly #expireAfter: number | undefined;
  readonly #served = new Map<number, number>();
  readonly #expired = new Set<number>();

  constructor(expireAfter?: number) {
    this.#expireAfter = expireAfter;
  }

  #encode(key: number, offset: number): string {
    const n = randomBytes(4).readUInt32LE(0);
    return Buffer.from(JSON.stringify({ k: key, o: offset, n, s: hashInts(this.#secret, key, offset, n) })).toString('base64url');
  }

  #decode(key: number, cursor: string): number {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const c = parsed as { k?: unknown; o?: unknown; n?: unknown; s?: unknown } | undefined;
    const valid = typeof c === 'object' && c !== null && c.k === key && Number.isSafeInteger(c.o) && Number.isSafeInteger(c.n)
      && c.s === hashInts(this.#secret, key, c.o as number, c.n as number);
    const expired = this.#expireAfter !== undefined && (this.#served.get(key) ?? 0) >= this.#expireAfter && !this.#expired.has(key);
    if (!valid || expired) {
      if (valid) this.#expired.add(key);
      throw validationError(`The start_cursor provided is invalid: ${cursor}`);
    }
    return c.o as number;
  }

  /** One page of a listing, as Notion's list envelope. Throws a 400 for an invalid or expired cursor. */
  page(req: ListingRequest): JsonObject {
    const key = hashString(req.key);
    const offset = req.startCursor === undefined ? 0 : Math.min(this.#decode(key, req.startCursor), req.size);
    this.#served.set(key, (this.#served.get(key) ?? 0) + 1);
    const end = Math.min(req.size, offset + req.pageSize);
    const results: Json[] = [];
    for (let i = offset; i < end; i++) results.push(req.item(i));
    const hasMore = end < req.size;
    const body: JsonObject = {
      object: 'list',
      results,
      next_cursor: hasMore ? this.#encode(key, end) : null,
      has_more: hasMore,
      type: req.type,
      [req.type]: req.typeBody ?? {},
    };
    if (req.incomplete === true) body.request_status = { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' };
    return body;
  }
}
