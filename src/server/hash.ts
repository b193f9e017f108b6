/**
 * Small deterministic hashing and pseudo-random helpers for the generated workspace. Everything the
 * server generates derives from `(seed, kind, index)` through these functions, so the same options
 * always produce the same ids and bodies, and no object has to be kept in memory to be produced again.
 */

const TWO_32 = 2 ** 32;

function mix(h: number, v: number): number {
  let k = Math.imul(v, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit unsigned hash of non-negative integers (each up to 2^53). */
export function hashInts(...values: readonly number[]): number {
  let h = 0x9747b28c;
  for (const v of values) {
    h = mix(h, v >>> 0);
    h = mix(h, Math.floor(v / TWO_32) >>> 0);
  }
  return finish(h ^ values.length);
}

/** A 32-bit unsigned FNV-1a hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return finish(h);
}

/** A number in [0, 1) derived from integers, for one-off decisions that need no generator. */
export function unitOf(...values: readonly number[]): number {
  return hashInts(...values) / TWO_32;
}

/** A seeded pseudo-random generator (mulberry32) with the few draws the generator needs. */
export class Random {
  #state: number;

  constructor(...seedParts: readonly number[]) {
    this.#state = hashInts(...seedParts);
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}
