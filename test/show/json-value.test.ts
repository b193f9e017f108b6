import { describe, expect, it } from '@jest/globals';
import { toJsonValue } from '../../src/show/json-value.js';

describe('toJsonValue', () => {
  it('keeps plain JSON as it is', () => {
    expect(toJsonValue({ a: [1, 'x', true, null], b: { c: 2.5 } })).toEqual({ a: [1, 'x', true, null], b: { c: 2.5 } });
    expect(toJsonValue(undefined)).toBeNull();
  });

  it('turns bigints into numbers when exact, strings otherwise', () => {
    expect(toJsonValue(12n)).toBe(12);
    expect(toJsonValue(-(2n ** 53n))).toBe('-9007199254740992');
    expect(toJsonValue(2n ** 64n)).toBe('18446744073709551616');
  });

  it('writes dates as ISO strings, bytes as hex, maps as objects, NaN as text', () => {
    expect(toJsonValue(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(toJsonValue(new Uint8Array([1, 255]))).toBe('\\x01ff');
    expect(toJsonValue(new Uint8Array(100))).toMatch(/^\\x(00){64}… \(100 bytes\)$/);
    expect(toJsonValue(new Map([[1, 2n]]))).toEqual({ 1: 2 });
    expect(toJsonValue(Number.NaN)).toBe('NaN');
  });

  it('gives values JSON.stringify accepts', () => {
    expect(() => JSON.stringify(toJsonValue({ n: 2n ** 70n, rows: [[1n]] }))).not.toThrow();
  });
});
