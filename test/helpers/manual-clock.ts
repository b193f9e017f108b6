import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/**
 * A virtual clock for code that takes an rxjs scheduler while it also does real I/O (which
 * `TestScheduler.run` cannot wait for): `schedule` queues work at now + delay, `advance(ms)` runs what
 * falls due, earliest first. With `instant`, every timer falls due as soon as the code that set it yields
 * (a microtask later), the clock jumping to its due time: waits take no real time. It records every delay
 * asked for and how each timer ended.
 */
export class ManualClock implements SchedulerLike {
  #now: number;
  readonly #instant: boolean;
  readonly #timers: ManualAction<unknown>[] = [];
  /** Every delay a caller scheduled, in order. */
  readonly delays: number[] = [];
  /** Timers that ran. */
  fired = 0;
  /** Timers unsubscribed before they were due. */
  cancelled = 0;

  constructor(start: number, options: { readonly instant?: boolean } = {}) {
    this.#now = start;
    this.#instant = options.instant ?? false;
  }

  now(): number {
    return this.#now;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    this.delays.push(delay);
    const action = new ManualAction<T>(this, work, this.#now + delay, state);
    this.#timers.push(action as ManualAction<unknown>);
    action.add(() => {
      const i = this.#timers.indexOf(action as ManualAction<unknown>);
      if (i < 0) return;
      this.#timers.splice(i, 1);
      this.cancelled++;
    });
    if (this.#instant) queueMicrotask(() => this.advance(Math.max(0, action.at - this.#now)));
    return action;
  }

  /** Move the clock `ms` forward, running every timer due by then in order of due time. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const next = [...this.#timers].sort((a, b) => a.at - b.at)[0];
      if (next === undefined || next.at > until) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = next.at;
      this.fired++;
      next.run();
    }
    this.#now = until;
  }
}

class ManualAction<T> extends Subscription implements SchedulerAction<T> {
  readonly at: number;
  readonly #clock: ManualClock;
  readonly #work: (this: SchedulerAction<T>, state?: T) => void;
  readonly #state: T | undefined;

  constructor(clock: ManualClock, work: (this: SchedulerAction<T>, state?: T) => void, at: number, state: T | undefined) {
    super();
    this.#clock = clock;
    this.#work = work;
    this.at = at;
    this.#state = state;
  }

  schedule(state?: T, delay = 0): Subscription {
    return this.#clock.schedule(this.#work, delay, state);
  }

  run(): void {
    if (!this.closed) this.#work.call(this, this.#state);
  }
}
