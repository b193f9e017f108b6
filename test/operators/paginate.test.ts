import { describe, expect, it } from '@jest/globals';
import { defer, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { listRequest, paginate, PaginationLoopError } from '../../operators/paginate.js';
import { ConfigError } from '../../src/errors.js';
import type { ListResponse, NotionRequest, NotionRequester } from '../../src/client/types.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

function page(results: string[], nextCursor: string | null): ListResponse<string> {
  return { object: 'list', results, next_cursor: nextCursor, has_more: nextCursor !== null, type: 'user' };
}

describe('paginate', () => {
  it('emits an empty list and completes', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-a|', { a: page([], null) });
      expectObservable(paginate(() => first)).toBe('-a|', { a: page([], null) });
      expectSubscriptions(first.subscriptions).toBe('^-!');
    });
  });

  it('emits a single page when has_more is false', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const a = page(['u1', 'u2'], null);
      expectObservable(paginate(() => cold('--a|', { a }))).toBe('--a|', { a });
    });
  });

  it('follows next_cursor sequentially, one request after the previous page', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const values = { a: page(['u1'], 'c1'), b: page(['u2'], 'c2'), c: page(['u3'], null) };
      const requests: Record<string, ReturnType<typeof cold<ListResponse<string>>>> = {
        start: cold('-a|', values),
        c1: cold('--b|', values),
        c2: cold('-c|', values),
      };
      const cursors: (string | undefined)[] = [];
      const pages$ = paginate((cursor) => {
        cursors.push(cursor);
        return requests[cursor ?? 'start']!;
      });
      // expand emits a page when its request completes; a real request completes right after its value.
      expectObservable(pages$).toBe('-a--b-(c|)', values);
      expectSubscriptions(requests['start']!.subscriptions).toBe('^-!');
      expectSubscriptions(requests['c1']!.subscriptions).toBe('-^--!');
      expectSubscriptions(requests['c2']!.subscriptions).toBe('----^-!');
      flush();
      expect(cursors).toEqual([undefined, 'c1', 'c2']);
    });
  });

  it('errors with PaginationLoopError when a cursor repeats', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: page(['u1'], 'c1'), b: page(['u2'], 'c1') };
      const pages$ = paginate((cursor) => (cursor === undefined ? cold('-a|', values) : cold('-b|', values)));
      expectObservable(pages$).toBe('-a-(b#)', values, new PaginationLoopError('c1', 2));
    });
  });

  it('passes a fetch error through and sends no further request', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const values = { a: page(['u1'], 'c1') };
      const failure = new Error('boom');
      const cursors: (string | undefined)[] = [];
      const pages$ = paginate((cursor) => {
        cursors.push(cursor);
        return cursor === undefined ? cold('-a|', values) : cold<ListResponse<string>>('--#', undefined, failure);
      });
      expectObservable(pages$).toBe('-a-#', values, failure);
      flush();
      expect(cursors).toEqual([undefined, 'c1']);
    });
  });

  it('errors when fetchPage throws', () => {
    scheduler().run(({ expectObservable }) => {
      const failure = new Error('bad path');
      const pages$ = paginate<string>(() => {
        throw failure;
      });
      expectObservable(pages$).toBe('#', undefined, failure);
    });
  });

  it('never emits while the first request never answers', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(paginate<string>(() => cold('-'))).toBe('-');
    });
  });

  it('stops requesting when unsubscribed early', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const values = { a: page(['u1'], 'c1'), b: page(['u2'], 'c2') };
      const second = cold('----b|', values);
      const cursors: (string | undefined)[] = [];
      const pages$ = paginate((cursor) => {
        cursors.push(cursor);
        return cursor === undefined ? cold('-a|', values) : second;
      });
      expectObservable(pages$, '---!').toBe('-a-', values);
      expectSubscriptions(second.subscriptions).toBe('-^-!');
      flush();
      expect(cursors).toEqual([undefined, 'c1']);
    });
  });

  it('completes when has_more is true but next_cursor is null', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const a: ListResponse<string> = { object: 'list', results: ['u1'], next_cursor: null, has_more: true };
      expectObservable(paginate(() => cold('-a|', { a }))).toBe('-a|', { a });
    });
  });

  it('completes after maxPages pages', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: page(['u1'], 'c1'), b: page(['u2'], 'c2') };
      const pages$ = paginate((cursor) => cold('-x|', { x: cursor === undefined ? values.a : values.b }), {
        maxPages: 2,
      });
      expectObservable(pages$).toBe('-a-(b|)', values);
    });
  });

  it('starts a fresh listing, with a fresh cursor history, on each subscription', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: page(['u1'], 'c1'), b: page(['u2'], null) };
      const pages$ = paginate((cursor) => (cursor === undefined ? cold('-a|', values) : cold('-b|', values)));
      expectObservable(pages$).toBe('-a-(b|)', values);
      expectObservable(pages$).toBe('-a-(b|)', values);
    });
  });
});

describe('listRequest', () => {
  function recorder(): { client: NotionRequester; requests: NotionRequest[] } {
    const requests: NotionRequest[] = [];
    const client: NotionRequester = {
      request$<T>(request: NotionRequest): Observable<T> {
        return defer(() => {
          requests.push(request);
          const next = requests.length < 2 ? 'cur-1' : null;
          return of(page([`r${requests.length}`], next) as T);
        });
      },
    };
    return { client, requests };
  }

  async function collect<T>(pages$: Observable<ListResponse<T>>): Promise<T[]> {
    const results: T[] = [];
    await new Promise<void>((resolve, reject) =>
      pages$.subscribe({ next: (p) => results.push(...p.results), error: reject, complete: resolve }),
    );
    return results;
  }

  it('puts start_cursor and page_size in the query string of a GET', async () => {
    const { client, requests } = recorder();
    const results = await collect(paginate(listRequest<string>(client, 'GET', '/v1/comments', { query: { block_id: 'b1' } })));
    expect(results).toEqual(['r1', 'r2']);
    expect(requests).toEqual([
      { method: 'GET', path: '/v1/comments', query: { block_id: 'b1', page_size: 100 } },
      { method: 'GET', path: '/v1/comments', query: { block_id: 'b1', page_size: 100, start_cursor: 'cur-1' } },
    ]);
  });

  it('puts start_cursor and page_size in the body of a POST', async () => {
    const { client, requests } = recorder();
    const body = { filter: { property: 'object', value: 'page' } };
    await collect(paginate(listRequest<string>(client, 'POST', '/v1/search', { body, pageSize: 50 })));
    expect(requests).toEqual([
      { method: 'POST', path: '/v1/search', query: undefined, body: { ...body, page_size: 50 } },
      { method: 'POST', path: '/v1/search', query: undefined, body: { ...body, page_size: 50, start_cursor: 'cur-1' } },
    ]);
  });

  it('rejects a page size Notion would refuse', () => {
    const { client } = recorder();
    expect(() => listRequest(client, 'GET', '/v1/users', { pageSize: 101 })).toThrow(ConfigError);
    expect(() => listRequest(client, 'GET', '/v1/users', { pageSize: 0 })).toThrow(ConfigError);
  });
});
