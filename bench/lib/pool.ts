/** What the hand-written contenders use to bound their requests: a promise pool and a request spacer. */

/** At most `limit` tasks at once, first come first served (what `p-limit` does). */
export class Pool {
  readonly #limit: number;
  readonly #queue: (() => void)[] = [];
  #running = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Run `task` once fewer than `limit` tasks run. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((r) => this.#queue.push(r));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#queue.shift()?.();
    }
  }
}

/** Starts spaced evenly to `requests` per `windowMs` (what `p-throttle` does with `strict`). */
export class Spacer {
  readonly #intervalMs: number;
  #next = 0;

  constructor(requests: number, windowMs: number) {
    this.#intervalMs = windowMs / requests;
  }

  /** Resolve at this caller's turn: no sooner than one interval after the previous caller's. */
  async turn(): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, this.#next);
    this.#next = at + this.#intervalMs;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
