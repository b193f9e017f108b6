import { hashInts } from './hash.js';

/** The kinds of object the generated workspace gives ids to. The kind is encoded (masked) in the id. */
export const IdKind = {
  user: 1,
  page: 2,
  database: 3,
  dataSource: 4,
  block: 5,
  comment: 6,
  discussion: 7,
} as const;

/** Comment ids: `ownerBlockIndex * COMMENT_SPACE + k`. */
export const COMMENT_SPACE = 64;

/** One of the {@link IdKind} values. */
export type IdKindValue = (typeof IdKind)[keyof typeof IdKind];

/** What an id stands for: its kind and its index within that kind. */
export interface DecodedId {
  readonly kind: number;
  readonly index: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const TWO_32 = 2 ** 32;

let maskSeed = -1;
let mask: number[] = [];

function maskBytes(seed: number): number[] {
  if (seed === maskSeed) return mask;
  const a = hashInts(seed, 0x51ed, 1);
  const b = hashInts(seed, 0x51ed, 2);
  mask = [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255];
  maskSeed = seed;
  return mask;
}

/**
 * The UUID (with dashes, version 4 layout) of object `index` of `kind` in the workspace of `seed`.
 * The first half is a hash of `(seed, kind, index)`; the second half carries kind and index masked by
 * the seed, so the server can resolve an id without an id → object map, and {@link decodeId} checks
 * the hash half, so an id of another seed (or a made-up one) does not resolve.
 */
export function encodeId(seed: number, kind: number, index: number): string {
  const h1 = hashInts(seed, kind, index, 1);
  const h2 = hashInts(seed, kind, index, 2);
  const mask = maskBytes(seed);
  const hi = Math.floor(index / TWO_32);
  const lo = index >>> 0;
  const bytes = [
    h1 >>> 24, (h1 >>> 16) & 255, (h1 >>> 8) & 255, h1 & 255,
    h2 >>> 24, (h2 >>> 16) & 255, 0x40 | ((h2 >>> 8) & 15), h2 & 255,
    0x80 | ((kind ^ mask[0]!) & 0x3f),
    ((hi >>> 16) & 255) ^ mask[1]!, ((hi >>> 8) & 255) ^ mask[2]!, (hi & 255) ^ mask[3]!,
    (lo >>> 24) ^ mask[4]!, ((lo >>> 16) & 255) ^ mask[5]!, ((lo >>> 8) & 255) ^ mask[6]!, (lo & 255) ^ mask[7]!,
  ];
  const hex = bytes.map((b) => HEX[b]).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Normalizes an id as Notion accepts it (with or without dashes, any case) to the dashed lowercase form. */
export function normalizeId(raw: string): string | undefined {
  const hex = raw.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The kind and index an id of this seed stands for, or `undefined` when it is not one of ours. */
export function decodeId(seed: number, raw: string): DecodedId | undefined {
  const id = normalizeId(raw);
  if (id === undefined) return undefined;
  const hex = id.replace(/-/g, '');
  const byte = (i: number): number => parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  const mask = maskBytes(seed);
  const kind = (byte(8) ^ mask[0]!) & 0x3f;
  const hi = ((byte(9) ^ mask[1]!) << 16) | ((byte(10) ^ mask[2]!) << 8) | (byte(11) ^ mask[3]!);
  const lo = (((byte(12) ^ mask[4]!) << 24) | ((byte(13) ^ mask[5]!) << 16) | ((byte(14) ^ mask[6]!) << 8) | (byte(15) ^ mask[7]!)) >>> 0;
  const index = hi * TWO_32 + lo;
  return encodeId(seed, kind, index) === id ? { kind, index } : undefined;
}
