import { describe, expect, it, jest } from '@jest/globals';
import type { Observable } from 'rxjs';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import { SyncedBlocks, expandBlocks, type BlockRecord, type ExpandBlocksConfig } from '../../operators/expand-blocks.js';
import { NotionApiError } from '../../src/client/notion-errors.js';
import type { ListResponse } from '../../src/client/types.js';
import type { ResourcePage } from '../../src/records.js';

/** A cold listing with its subscription log. */
interface Cold extends Observable<ListResponse<BlockRecord>> {
  readonly subscriptions: ReturnType<RunHelpers['cold']>['subscriptions'];
}

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A fresh block: `expandBlocks` writes into the objects it receives, so every listing builds new ones. */
function block(id: string, extra: Partial<BlockRecord> & Record<string, unknown> = {}): BlockRecord {
  return { object: 'block', id, type: 'paragraph', has_children: false, ...extra };
}
const parentOf = (id: string) => block(id, { has_children: true });
const synced = (id: string, from: string | null) => block(id, { type: 'synced_block', has_children: true, synced_block: { synced_from: from === null ? null : { type: 'block_id', block_id: from } } });

function apiError(status: number, id: string): NotionApiError {
  return new NotionApiError({
    status,
    notionCode: status === 404 ? 'object_not_found' : 'internal_server_error',
    notionMessage: status === 404 ? 'Could not find block' : 'Something went wrong',
    method: 'GET',
    path: `/v1/blocks/${id}/children`,
  });
}

/** What a block tree's listings answer: each id → its list responses (built lazily), or an error. */
type Tree = Readonly<Record<string, readonly (() => BlockRecord[])[] | { readonly error: unknown } | { readonly marble: string }>>;

/**
 * A fake `listChildren` over a tree: every listing is a cold Observable that answers one response per
 * frame (`-a-b|`), so listings take virtual time and overlap. Records calls and subscriptions.
 */
function fakeNotion({ cold }: RunHelpers, tree: Tree) {
  const calls: string[] = [];
  const listings: { id: string; obs: Cold }[] = [];
  const listChildren = (id: string): Observable<ListResponse<BlockRecord>> => {
    calls.push(id);
    const spec = tree[id];
    let obs: Cold;
    if (spec === undefined) throw new Error(`unexpected listing of ${id}`);
    if ('error' in spec) obs = cold<ListResponse<BlockRecord>>('-#', undefined, spec.error);
    else if ('marble' in spec) obs = cold<ListResponse<BlockRecord>>(spec.marble);
    else {
      const values: Record<string, ListResponse<BlockRecord>> = {};
      let marble = '';
      spec.forEach((results, i) => {
        const k = String.fromCharCode(97 + i);
        const next = i < spec.length - 1 ? `cursor-${i + 1}` : null;
        values[k] = { object: 'list', results: results(), next_cursor: next, has_more: next !== null, type: 'block' };
        marble += `-${k}`;
      });
      obs = cold(`${marble}|`, values);
    }
    listings.push({ id, obs });
    return obs;
  };
  /** Most listings subscribed at the same virtual time (call after flush). */
  const maxInFlight = (): number => {
    const logs = listings.flatMap((l) => l.obs.subscriptions);
    const frames = logs.map((l) => l.subscribedFrame);
    return Math.max(0, ...frames.map((t) => logs.filter((l) => l.subscribedFrame <= t && t < l.unsubscribedFrame).length));
  };
  return { listChildren, calls, listings, maxInFlight };
}

/** The blocks of an emission with the attached fields, for compact comparison. */
const where = (b: BlockRecord) => `${b.id}@${b.parent_id}/${b.page_id}:d${b.depth}p${b.position}`;
const collect = (out$: Observable<ResourcePage<BlockRecord>>): string[][] => {
  const pages: string[][] = [];
  out$.subscribe((p) => {
    expect(p.resource).toBe('blocks');
    pages.push(p.items.map(where));
  });
  return pages;
};

describe('expandBlocks', () => {
  it('emits nothing and completes for no pages; stays silent for a source that never emits', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const list = jest.fn<(id: string) => Observable<ListResponse<BlockRecord>>>();
      expectObservable(cold<{ id: string }>('--|').pipe(expandBlocks(list))).toBe('--|');
      expectObservable(cold<{ id: string }>('-').pipe(expandBlocks(list))).toBe('-');
      expect(list).not.toHaveBeenCalled();
    });
  });

  it('emits one empty page of blocks for an empty Notion page, and completes', () => {
    newScheduler().run((helpers) => {
      const { listChildren } = fakeNotion(helpers, { p: [() => []] });
      helpers.expectObservable(helpers.cold('-a|', { a: { id: 'p' } }).pipe(expandBlocks(listChildren))).toBe('--x|', {
        x: { resource: 'blocks', items: [] },
      });
    });
  });

  it('walks a deep tree level by level, attaching parent_id, page_id, depth and position', () => {
    newScheduler().run((helpers) => {
      const { listChildren, calls } = fakeNotion(helpers, {
        p: [() => [parentOf('a'), block('b')]],
        a: [() => [parentOf('c')]],
        c: [() => [parentOf('d'), block('e')]],
        d: [() => [block('f')]],
      });
      const values = {
        p: { resource: 'blocks', items: [{ ...parentOf('a'), parent_id: 'p', page_id: 'p', depth: 0, position: 0 }, { ...block('b'), parent_id: 'p', page_id: 'p', depth: 0, position: 1 }] },
        a: { resource: 'blocks', items: [{ ...parentOf('c'), parent_id: 'a', page_id: 'p', depth: 1, position: 0 }] },
        c: { resource: 'blocks', items: [{ ...parentOf('d'), parent_id: 'c', page_id: 'p', depth: 2, position: 0 }, { ...block('e'), parent_id: 'c', page_id: 'p', depth: 2, position: 1 }] },
        d: { resource: 'blocks', items: [{ ...block('f'), parent_id: 'd', page_id: 'p', depth: 3, position: 0 }] },
      };
      // each listing answers one frame after it starts, and the next level starts at once
      helpers.expectObservable(helpers.cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(listChildren))).toBe('--pacd|', values);
      helpers.flush();
      expect(calls).toEqual(['p', 'a', 'c', 'd']);
    });
  });

  it('lists breadth first: every block of a level before the next level', () => {
    newScheduler().run((helpers) => {
      const { listChildren, calls } = fakeNotion(helpers, {
        p: [() => [parentOf('a'), parentOf('b')]],
        a: [() => [parentOf('a1')]],
        b: [() => [parentOf('b1')]],
        a1: [() => []],
        b1: [() => []],
      });
      helpers.cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(listChildren, { concurrency: 1 })).subscribe();
      helpers.flush();
      expect(calls).toEqual(['p', 'a', 'b', 'a1', 'b1']);
    });
  });

  it('follows every list response of a wide block, positions continuing across responses', () => {
    newScheduler().run((helpers) => {
      const { listChildren, calls } = fakeNotion(helpers, {
        p: [() => [block('a'), parentOf('b'), block('c')], () => [parentOf('d'), block('e')], () => [block('f')]],
        b: [() => [block('b1'), block('b2')], () => [block('b3')]],
        d: [() => [block('d1')]],
      });
      const pages = collect(helpers.cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(listChildren)));
      helpers.flush();
      expect(pages).toEqual([
        ['a@p/p:d0p0', 'b@p/p:d0p1', 'c@p/p:d0p2'],
        ['b1@b/p:d1p0', 'b2@b/p:d1p1'],
        ['d@p/p:d0p3', 'e@p/p:d0p4'],
        ['b3@b/p:d1p2'],
        ['d1@d/p:d1p0'],
        ['f@p/p:d0p5'],
      ]);
      expect(calls).toEqual(['p', 'b', 'd']);
    });
  });

  it('keeps positions per parent when several pages and blocks are listed at once', () => {
    newScheduler().run((helpers) => {
      const { listChildren } = fakeNotion(helpers, {
        p: [() => [parentOf('a')], () => [block('b')]],
        q: [() => [block('c')], () => [block('d')]],
        a: [() => [block('a1')], () => [block('a2')]],
      });
      const pages = collect(helpers.cold('-(xy)|', { x: { id: 'p' }, y: { id: 'q' } }).pipe(expandBlocks(listChildren)));
      helpers.flush();
      expect(pages.flat().sort()).toEqual(['a1@a/p:d1p0', 'a2@a/p:d1p1', 'a@p/p:d0p0', 'b@p/p:d0p1', 'c@q/q:d0p0', 'd@q/q:d0p1']);
    });
  });

  it.each([1, 3, 8])('never has more than %i child listings in flight, over all pages', (concurrency) => {
    newScheduler().run((helpers) => {
      const tree: Record<string, (() => BlockRecord[])[]> = {};
      const pageIds = ['p', 'q'];
      for (const pid of pageIds) {
        const kids = Array.from({ length: 12 }, (_, i) => `${pid}${i}`);
        tree[pid] = [() => kids.slice(0, 6).map(parentOf), () => kids.slice(6).map(parentOf)];
        for (const k of kids) tree[k] = [() => [block(`${k}x`)], () => [block(`${k}y`)]];
      }
      const { listChildren, calls, maxInFlight } = fakeNotion(helpers, tree);
      const config: ExpandBlocksConfig = concurrency === 8 ? {} : { concurrency };
      const pages = collect(helpers.cold('-(pq)|', { p: { id: 'p' }, q: { id: 'q' } }).pipe(expandBlocks(listChildren, config)));
      helpers.flush();
      expect(maxInFlight()).toBe(concurrency);
      expect(calls).toHaveLength(2 + 24);
      expect(new Set(calls).size).toBe(calls.length);
      expect(pages.flat()).toHaveLength(24 + 48);
    });
  });

  it('emits child_page and child_database blocks but does not descend into them', () => {
    newScheduler().run((helpers) => {
      const { listChildren, calls } = fakeNotion(helpers, {
        p: [() => [block('sub', { type: 'child_page', has_children: true, child_page: { title: 'Sub' } }), block('db', { type: 'child_database', has_children: true }), parentOf('t')]],
        t: [() => [block('t1')]],
      });
      const pages = collect(helpers.cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(listChildren)));
      helpers.flush();
      expect(calls).toEqual(['p', 't']);
      expect(pages).toEqual([['sub@p/p:d0p0', 'db@p/p:d0p1', 't@p/p:d0p2'], ['t1@t/p:d1p0']]);
    });
  });

  describe('synced blocks', () => {
    it('lists an original once and never a reference met before it', () => {
      newScheduler().run((helpers) => {
        const { listChildren, calls } = fakeNotion(helpers, {
          p: [() => [synced('ref', 'orig'), parentOf('x')]],
          x: [() => [synced('orig', null)]],
          orig: [() => [block('o1')]],
        });
        const pages = collect(helpers.cold('-a|', { a: { id: 'p' } }).pipe(expandBlocks(listChildren)));
        helpers.flush();
        expect(calls).toEqual(['p', 'x', 'orig']);
        expect(pages).toEqual([['ref@p/p:d0p0', 'x@p/p:d0p1'], ['orig@x/p:d1p0'], ['o1@orig/p:d2p0']]);
      });
    });

    it('never lists a reference met after its original, even on another page', () => {
      newScheduler().run((helpers) => {
        const { listChildren, calls } = fakeNotion(helpers, {
          p: [() => [synced('orig', null)]],
          orig: [() => [block('o1')]],
          q: [() => [synced('ref1', 'orig'), synced('ref2', 'orig')]],
        });
        helpers.cold('-a---b|', { a: { id: 'p' }, b: { id: 'q' } }).pipe(expandBlocks(listChildren)).subscribe();
        helpers.flush();
        expect(calls).toEqual(['p', 'orig', 'q']);
      });
    });

    it('lists an original never met once, at the end, as content of the first page that referenced it', () => {
      newScheduler().run((helpers) => {
        const { listChildren, calls } = fakeNotion(helpers, {
          p: [() => [synced('ref1', 'elsewhere')]],
          q: [() => [synced('ref2', 'elsewhere'), parentOf('y')]],
          y: [() => [block('y1')]],
          elsewhere: [() => [parentOf('e1')]],
          e1: [() => [block('e2')]],
        });
        const pages = collect(helpers.cold('-ab|', { a: { id: 'p' }, b: { id: 'q' } }).pipe(expandBlocks(listChildren)));
        helpers.flush();
        expect(calls).toEqual(['p', 'q', 'y', 'elsewhere', 'e1']);
        expect(pages.slice(-2)).toEqual([['e1@elsewhere/p:d0p0'], ['e2@e1/p:d1p0']]);
      });
    });

    it('also lists originals referenced only from inside an original never met, each once', () => {
      newScheduler().run((helpers) => {
        const { listChildren, calls } = fakeNotion(helpers, {
          p: [() => [synced('ref1', 'outer')]],
          outer: [() => [synced('ref2', 'inner'), synced('self', 'outer')]],
          inner: [() => [synced('ref3', 'outer'), block('i1')]],
        });
        const pages = collect(helpers.cold('-a|', { a: { id: 'p' } }).pipe(expandBlocks(listChildren)));
        helpers.flush();
        expect(calls).toEqual(['p', 'outer', 'inner']);
        expect(pages.at(-1)).toEqual(['ref3@inner/p:d0p0', 'i1@inner/p:d0p1']);
      });
    });

    it('remembers for later runs the originals listed with their pages, not those listed late', () => {
      newScheduler().run((helpers) => {
        const registry = new SyncedBlocks();
        const { listChildren } = fakeNotion(helpers, {
          p: [() => [synced('orig', null), synced('ref', 'elsewhere')]],
          orig: [() => [block('o1')]],
          elsewhere: [() => [block('e1')]],
        });
        collect(helpers.cold('-a|', { a: { id: 'p' } }).pipe(expandBlocks(listChildren, { synced: registry })));
        helpers.flush();
        // A shared registry leaves the late listings to its owner (the source lists them once, at the end).
        expect(registry.unvisited()).toEqual([{ id: 'elsewhere', page_id: 'p' }]);
        // 'elsewhere' is stored as content of p: a later run that lists p again must list it again.
        expect(registry.listedWithTheirPages()).toEqual(['orig']);
        expect([...registry.originals].sort()).toEqual(['elsewhere', 'orig']);
      });
    });

    it('reports an unreachable original and completes', () => {
      newScheduler().run((helpers) => {
        const gone = apiError(404, 'gone');
        const { listChildren } = fakeNotion(helpers, { p: [() => [synced('ref', 'gone')]], gone: { error: gone } });
        const onUnreachable = jest.fn();
        const out$ = helpers.cold('-a|', { a: { id: 'p' } }).pipe(expandBlocks(listChildren, { onUnreachable }));
        helpers.expectObservable(out$).toBe('--x-|', { x: { resource: 'blocks', items: [expect.objectContaining({ id: 'ref' })] } });
        helpers.flush();
        expect(onUnreachable).toHaveBeenCalledTimes(1);
        expect(onUnreachable).toHaveBeenCalledWith('gone', 'p', gone);
      });
    });
  });

  it('reports a 404 on a child listing and goes on with the rest', () => {
    newScheduler().run((helpers) => {
      const denied = apiError(404, 'a');
      const { listChildren } = fakeNotion(helpers, {
        p: [() => [parentOf('a'), parentOf('b')]],
        a: { error: denied },
        b: [() => [block('b1')]],
      });
      const onUnreachable = jest.fn();
      const pages = collect(helpers.cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(listChildren, { onUnreachable })));
      helpers.flush();
      expect(onUnreachable).toHaveBeenCalledWith('a', 'p', denied);
      expect(pages).toEqual([['a@p/p:d0p0', 'b@p/p:d0p1'], ['b1@b/p:d1p0']]);
    });
  });

  it('does not fail on a 404 without an onUnreachable callback', () => {
    newScheduler().run((helpers) => {
      const { listChildren } = fakeNotion(helpers, { p: { error: apiError(404, 'p') } });
      helpers.expectObservable(helpers.cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(listChildren))).toBe('--|');
    });
  });

  it('fails on a 500 and stops every other listing', () => {
    newScheduler().run((helpers) => {
      const boom = apiError(500, 'a');
      const { listChildren, listings } = fakeNotion(helpers, {
        p: [() => [parentOf('a'), parentOf('b')]],
        a: { error: boom },
        b: { marble: '-----a|' },
      });
      const onUnreachable = jest.fn();
      const out$ = helpers.cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(listChildren, { onUnreachable }));
      helpers.expectObservable(out$).toBe('--p#', { p: { resource: 'blocks', items: [expect.objectContaining({ id: 'a' }), expect.objectContaining({ id: 'b' })] } }, boom);
      helpers.flush();
      expect(onUnreachable).not.toHaveBeenCalled();
      helpers.expectSubscriptions(listings.find((l) => l.id === 'b')!.obs.subscriptions).toBe('--^!');
    });
  });

  it('fails when the onUnreachable callback throws', () => {
    newScheduler().run((helpers) => {
      const thrown = new Error('callback');
      const { listChildren } = fakeNotion(helpers, { p: { error: apiError(404, 'p') } });
      const out$ = helpers.cold('-x|', { x: { id: 'p' } }).pipe(
        expandBlocks(listChildren, {
          onUnreachable: () => {
            throw thrown;
          },
        }),
      );
      helpers.expectObservable(out$).toBe('--#', undefined, thrown);
    });
  });

  it('fails when listChildren throws, and when the page source errors', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const thrown = new Error('bad id');
      const list = (): Observable<ListResponse<BlockRecord>> => {
        throw thrown;
      };
      expectObservable(cold('-x|', { x: { id: 'p' } }).pipe(expandBlocks(list))).toBe('-#', undefined, thrown);
      const upstream = new Error('search failed');
      expectObservable(cold<{ id: string }>('--#', undefined, upstream).pipe(expandBlocks(list))).toBe('--#', undefined, upstream);
    });
  });

  it('keeps emitting while the page source never ends, and never completes', () => {
    newScheduler().run((helpers) => {
      const { listChildren } = fakeNotion(helpers, { p: [() => [block('a')]], q: [() => [block('b')]] });
      const out$ = helpers.cold('-x--y-', { x: { id: 'p' }, y: { id: 'q' } }).pipe(expandBlocks(listChildren));
      helpers.expectObservable(out$).toBe('--a--b-', {
        a: { resource: 'blocks', items: [expect.objectContaining({ id: 'a' })] },
        b: { resource: 'blocks', items: [expect.objectContaining({ id: 'b' })] },
      });
    });
  });

  it('unsubscribes from the pages and every listing in flight on early unsubscribe', () => {
    newScheduler().run((helpers) => {
      const { listChildren, listings } = fakeNotion(helpers, {
        p: [() => [parentOf('a'), parentOf('b')]],
        a: { marble: '--------a|' },
        b: { marble: '-' },
      });
      const pages$ = helpers.cold('-x-', { x: { id: 'p' } });
      helpers.expectObservable(pages$.pipe(expandBlocks(listChildren)), '^----!').toBe('--p', { p: expect.objectContaining({ resource: 'blocks' }) });
      helpers.flush();
      helpers.expectSubscriptions(pages$.subscriptions).toBe('^----!');
      for (const l of listings.filter((x) => x.id !== 'p')) helpers.expectSubscriptions(l.obs.subscriptions).toBe('--^--!');
    });
  });

  it('gives each subscription its own synced-block bookkeeping', () => {
    newScheduler().run((helpers) => {
      const { listChildren, calls } = fakeNotion(helpers, {
        p: [() => [synced('orig', null)]],
        orig: [() => [block('o1')]],
        q: [() => [synced('ref', 'orig')]],
      });
      const op = expandBlocks(listChildren);
      helpers.cold('-a|', { a: { id: 'p' } }).pipe(op).subscribe();
      helpers.cold('-a|', { a: { id: 'q' } }).pipe(op).subscribe();
      helpers.flush();
      // the second run never met the original, so it lists it itself
      expect(calls.filter((c) => c === 'orig')).toHaveLength(2);
    });
  });
});
