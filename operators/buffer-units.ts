import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * Groups values into arrays ("units"): a unit is emitted once it holds `maxSize()` values, or
 * `maxMs` after its first value arrived, whichever comes first; what is left is emitted when the
 * source completes. Unlike `bufferTime(ms, null, n)`, the size limit is read again for every value,
 * so a caller can size later units from what earlier ones held, and the clock starts with a unit's
 * first value rather than at fixed intervals (a unit never closes empty or half a period early).
 *
 * @example
 * ```ts
 * // units of about 50,000 blocks, whatever the pages hold
 * pages$.pipe(bufferUnits(() => Math.ceil(50_000 / blocksPerPage), 60_000));
 * ```
 */
export function bufferUnits<T>(maxSize: () => number, maxMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let unit: T[] = [];
      let timer: Subscription | undefined;
      const emit = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (unit.length === 0) return;
        const full = unit;
        unit = [];
        subscriber.next(full);
      };
      const subscription = source.subscribe({
        next: (value) => {
          unit.push(value);
          if (unit.length === 1) timer = scheduler.schedule(emit, maxMs);
          if (unit.length >= Math.max(1, maxSize())) emit();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          emit();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
