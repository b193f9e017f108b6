import { asyncScheduler, Observable } from 'rxjs';
import type { SchedulerLike, Subscriber, Subscription } from 'rxjs';
import { ConfigError } from '../errors.js';

/** Options of {@link createLimiter}. */
export interface LimiterOptions {
  /**
   * Requests allowed per window. Default `180` (Notion's per-connection budget on most plans;
   * Business and Enterprise allow 600). `Infinity` disables the budget (pauses still apply).
   */
  readonly requests?: number;
  /** Length of the window in milliseconds. Default `60_000`. */
  readonly windowMs?: number;
  /** Tokens the bucket holds, i.e. the largest burst. Default `requests` (Notion lets the budget be spent in one burst). */
  readonly burst?: number;
  /**
   * The budget is a guess: after a 429, halve the rate (down to 1/8 of the budget) and win it back by a
   * tenth of the budget per window; and spend a burst at most 10× faster than the average rate, so that
   * a guess too high costs the few requests in flight when the server says stop, not a burst's worth.
   * Default `true` when `requests` is not given (the plan's budget is a guess), `false` otherwise.
   */
  readonly adaptive?: boolean;
  /** Clock and timers. Default `asyncScheduler` (virtual time under `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
  /**
   * Called when a wait starts or its end moves (a pause, or requests queued for the budget), and
   * when the queue is served; for progress displays. `stats.wait` always holds the current wait.
   */
  readonly onWait?: (wait: LimiterWait | undefined) => void;
}

/**
 * A wait the limiter holds its callers in: `retry-after` while paused by a 429 or 529, `budget` while
 * requests queue for a token (the budget is spent, or a window of `windowMs` is full).
 */
export interface LimiterWait {
  readonly reason: 'retry-after' | 'budget';
  /** When the wait ends, in the scheduler's clock (epoch milliseconds under `asyncScheduler`). */
  readonly untilMs: number;
}

/** Counters of a {@link Limiter}, a snapshot. */
export interface LimiterStats {
  /** Tokens handed out. */
  readonly acquired: number;
  /** Tokens that were not available at once (the caller waited). */
  readonly waits: number;
  /** Calls to `pause` (one per 429 or 529 seen). */
  readonly pauses: number;
  /** The current rate in requests per window (lower than the budget after an adaptive decrease); `Infinity` without a budget. */
  readonly requestsPerWindow: number;
  /** Length of the budget's window in milliseconds. */
  readonly windowMs: number;
  /** The wait callers are held in now, if any. */
  readonly wait?: LimiterWait;
}

/**
 * One token bucket shared by every request of a pipeline, so that all resources together stay within
 * Notion's budget. Tokens are served first come, first served.
 */
export interface Limiter {
  /**
   * Emits once (then completes) when the caller may send one request. Unsubscribing before that
   * gives the place in the queue up without spending a token.
   */
  acquire(): Observable<void>;
  /**
   * Stops handing out tokens for `ms` milliseconds: every caller waits, not only the one that got
   * the 429 (its `Retry-After` applies to the whole connection). The bucket is left with one token,
   * so when the pause ends one request goes first and the others follow at the steady rate.
   */
  pause(ms: number): void;
  readonly stats: LimiterStats;
}

/** Lowest rate adaptive decrease goes to, as a fraction of the budget. */
const MIN_RATE_FACTOR = 1 / 8;
/** Rate won back per window after a decrease, as a fraction of the budget. */
const RECOVERY_PER_WINDOW = 0.1;
/** An adaptive limiter spends a burst at most this many times faster than its average rate. */
const BURST_PACE = 10;
/** Float slack when comparing token counts (rates like 180/60_000 are not exact in binary). */
const EPSILON = 1e-9;

interface Waiter {
  readonly subscriber: Subscriber<void>;
  readonly since: number;
}

class TokenBucketLimiter implements Limiter {
  readonly #scheduler: SchedulerLike;
  readonly #windowMs: number;
  readonly #burst: number;
  readonly #baseRate: number; // tokens per millisecond
  readonly #adaptive: boolean;
  readonly #unlimited: boolean;
  readonly #queue: Waiter[] = [];
  /** Send times of the last `requests` acquisitions (a ring): no window of `windowMs` may hold more. */
  readonly #sent: number[] = [];
  readonly #requests: number;
  /**
   * The server opens its window when the first request ARRIVES, a little after we sent it: wait this
   * much longer than a window (2% of it, at most 1 s) so the next window's first request never lands
   * in the previous one.
   */
  readonly #margin: number;
  readonly #onWait: ((wait: LimiterWait | undefined) => void) | undefined;
  #rate: number;
  #tokens: number;
  #last: number;
  #pausedUntil = -Infinity;
  #lastGrant = -Infinity;
  #timer: Subscription | undefined;
  #timerDue: number | undefined;
  /** The wait last told to `onWait`, as `reason@untilMs` ('' for none). */
  #toldWait = '';
  #draining = false;
  #acquired = 0;
  #waits = 0;
  #pauses = 0;

  constructor(requests: number, windowMs: number, burst: number, adaptive: boolean, scheduler: SchedulerLike, onWait?: (wait: LimiterWait | undefined) => void) {
    this.#scheduler = scheduler;
    this.#onWait = onWait;
    this.#windowMs = windowMs;
    this.#burst = burst;
    this.#baseRate = requests / windowMs;
    this.#rate = this.#baseRate;
    this.#adaptive = adaptive;
    this.#unlimited = requests === Infinity;
    this.#requests = requests;
    // Only windows of a second or more meet real servers; the margin would only blur short test windows.
    this.#margin = windowMs >= 1000 ? Math.min(1000, windowMs * 0.02) : 0;
    this.#tokens = burst;
    this.#last = scheduler.now();
  }

  get stats(): LimiterStats {
    const now = this.#scheduler.now();
    this.#refill(now);
    const wait = this.#wait(now);
    return {
      acquired: this.#acquired,
      waits: this.#waits,
      pauses: this.#pauses,
      requestsPerWindow: this.#rate * this.#windowMs,
      windowMs: this.#windowMs,
      ...(wait ? { wait } : {}),
    };
  }

  acquire(): Observable<void> {
    return new Observable<void>((subscriber) => {
      const waiter: Waiter = { subscriber, since: this.#scheduler.now() };
      this.#queue.push(waiter);
      this.#drain();
      return () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        if (this.#queue.length === 0) {
          this.#cancelTimer();
          this.#tellWait(this.#scheduler.now());
        }
      };
    });
  }

  pause(ms: number): void {
    const now = this.#scheduler.now();
    this.#refill(now);
    // Several requests in flight usually get the same 429: decrease once per pause, not once per request.
    if (this.#adaptive && !this.#unlimited && now >= this.#pausedUntil) {
      this.#rate = Math.max(this.#baseRate * MIN_RATE_FACTOR, this.#rate / 2);
    }
    this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.max(0, ms));
    this.#tokens = Math.min(this.#tokens, 1);
    this.#pauses++;
    this.#cancelTimer();
    this.#drain();
  }

  #refill(now: number): void {
    if (this.#unlimited) return;
    const elapsed = now - this.#last;
    if (this.#rate < this.#baseRate && elapsed > 0) {
      this.#rate = Math.min(this.#baseRate, this.#rate + (this.#baseRate * RECOVERY_PER_WINDOW * elapsed) / this.#windowMs);
    }
    // No tokens accrue while paused: the server told us the budget is spent until then.
    const from = Math.max(this.#last, this.#pausedUntil);
    if (now > from) this.#tokens = Math.min(this.#burst, this.#tokens + (now - from) * this.#rate);
    this.#last = Math.max(this.#last, now);
  }

  #drain(): void {
    // A waiter's `next` may call acquire() or pause() synchronously; the running loop serves those.
    if (this.#draining) return;
    this.#draining = true;
    const now = this.#scheduler.now();
    this.#refill(now);
    while (
      this.#queue.length > 0 &&
      now >= this.#pausedUntil &&
      (this.#unlimited || (this.#tokens >= 1 - EPSILON && this.#windowFree(now) && now >= this.#nextPaced()))
    ) {
      const waiter = this.#queue.shift()!;
      if (!this.#unlimited) {
        this.#tokens -= 1;
        this.#sent.push(now);
        if (this.#sent.length > this.#requests) this.#sent.shift();
        this.#lastGrant = now;
      }
      this.#acquired++;
      if (now > waiter.since) this.#waits++;
      waiter.subscriber.next();
      waiter.subscriber.complete();
    }
    this.#draining = false;
    if (this.#queue.length > 0 && this.#timer === undefined) {
      const delay =
        now < this.#pausedUntil
          ? this.#pausedUntil - now
          : Math.max(
              1,
              Math.ceil((1 - this.#tokens) / this.#rate - EPSILON),
              this.#windowFree(now) ? 0 : this.#sent[0]! + this.#windowMs + this.#margin - now,
              Math.ceil(this.#nextPaced() - now - EPSILON),
            );
      this.#timerDue = now + delay;
      this.#timer = this.#scheduler.schedule(() => {
        this.#timer = undefined;
        this.#timerDue = undefined;
        this.#drain();
      }, delay);
    }
    this.#tellWait(now);
  }

  /** Paused until the server's Retry-After; else queued callers wait for the timer that serves them. */
  #wait(now: number): LimiterWait | undefined {
    if (now < this.#pausedUntil) return { reason: 'retry-after', untilMs: this.#pausedUntil };
    if (this.#queue.length > 0 && this.#timerDue !== undefined) return { reason: 'budget', untilMs: this.#timerDue };
    return undefined;
  }

  #tellWait(now: number): void {
    if (this.#onWait === undefined) return;
    const wait = this.#wait(now);
    const key = wait === undefined ? '' : `${wait.reason}@${wait.untilMs}`;
    if (key === this.#toldWait) return;
    this.#toldWait = key;
    this.#onWait(wait);
  }

  /**
   * True when one more request keeps every window of `windowMs` at `requests` or fewer. A bucket alone
   * lets a full burst plus the refill through in the first window, which a server counting fixed
   * windows (as Notion does) answers with 429s.
   */
  #windowFree(now: number): boolean {
    return this.#sent.length < this.#requests || now - this.#sent[0]! >= this.#windowMs + this.#margin;
  }

  /** When an adaptive limiter may hand out its next token: bursts go at most {@link BURST_PACE}× the current rate. */
  #nextPaced(): number {
    return this.#adaptive ? this.#lastGrant + 1 / (this.#rate * BURST_PACE) - EPSILON : -Infinity;
  }

  #cancelTimer(): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
    this.#timerDue = undefined;
  }
}

/**
 * Creates the token bucket every request of a pipeline goes through. The bucket starts full (`burst`
 * tokens) and refills continuously at `requests / windowMs`. Time is read only from the scheduler.
 *
 * @example
 * ```ts
 * const limiter = createLimiter({ requests: 600 }); // a Business plan
 * limiter.acquire().pipe(concatMap(() => request$));
 * ```
 */
export function createLimiter(options: LimiterOptions = {}): Limiter {
  const requests = options.requests ?? 180;
  const windowMs = options.windowMs ?? 60_000;
  const burst = options.burst ?? requests;
  if (typeof requests !== 'number' || Number.isNaN(requests) || requests <= 0) {
    throw new ConfigError(`limiter.requests must be a number > 0 (or Infinity for no budget), got ${String(requests)}.`);
  }
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new ConfigError(`limiter.windowMs must be a finite number of milliseconds > 0, got ${String(windowMs)}.`);
  }
  if (typeof burst !== 'number' || Number.isNaN(burst) || burst < 1) {
    throw new ConfigError(`limiter.burst must be a number ≥ 1, got ${String(burst)}.`);
  }
  const adaptive = options.adaptive ?? options.requests === undefined;
  if (options.onWait !== undefined && typeof options.onWait !== 'function') throw new ConfigError('limiter.onWait must be a function.');
  return new TokenBucketLimiter(requests, windowMs, burst, adaptive, options.scheduler ?? asyncScheduler, options.onWait);
}
