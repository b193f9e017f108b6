import { describe, expect, it } from '@jest/globals';
import { tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { bufferUnits } from '../../operators/buffer-units.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('bufferUnits', () => {
  it('emits a unit as soon as it holds the size limit', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcde|').pipe(bufferUnits(() => 2, 100))).toBe('-x-y-(z|)', { x: ['a', 'b'], y: ['c', 'd'], z: ['e'] });
    });
  });

  it('reads the limit again for every value, so later units can be sized from earlier ones', () => {
    scheduler().run(({ cold, expectObservable }) => {
      let limit = 3;
      const units = cold('abcdef|').pipe(
        bufferUnits(() => limit, 100),
        tap(() => (limit = 1)),
      );
      expectObservable(units).toBe('--xyzw|', { x: ['a', 'b', 'c'], y: ['d'], z: ['e'], w: ['f'] });
    });
  });

  it('closes a unit maxMs after its first value, not at fixed intervals, and never emits an empty one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a at 0 opens a unit closed at 10; c at 15 opens the next, closed at 25; nothing arrives 25–40.
      expectObservable(cold('a---b 10ms c 20ms d|').pipe(bufferUnits(() => 100, 10))).toBe('10ms x 14ms y 11ms (z|)', { x: ['a', 'b'], y: ['c'], z: ['d'] });
    });
  });

  it('passes an error on and drops the open unit', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('ab#').pipe(bufferUnits(() => 5, 100))).toBe('--#');
    });
  });
});
