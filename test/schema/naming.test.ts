import { describe, expect, it } from '@jest/globals';
import { collisionTag, normalizeIdentifier, quoteIdentifier, shortenIdentifier } from '../../src/schema/naming.js';

const SAFE = /^[a-z_][a-z0-9_]*$/;

describe('normalizeIdentifier (dlt snake_case)', () => {
  it.each([
    ['event_value', 'event_value'],
    ['event value', 'event_value'],
    ['Due Date', 'due_date'],
    ['camelCase', 'camel_case'],
    ['CamelCase', 'camel_case'],
    ['HTTPResponse', 'http_response'],
    ['getHTTPResponseCode', 'get_http_response_code'],
    ['event-.!:value', 'event_value'],
    // trailing separators turn into x, one per underscore, so `a_` and `a` stay apart
    ['drop table x;--', 'drop_table_xxxx'],
    ['"quoted"', '_quotedx'],
    ["it's", 'it_s'],
    // leading digits get an underscore
    ['123abc', '_123abc'],
    ['66ee0102', '_66ee0102'],
    // dlt's reduced alphabet
    ['a+b', 'axb'],
    ['a|b@c*d', 'albacxd'],
    // runs of underscores collapse so a name never contains the path separator
    ['a__b', 'a_b'],
    ['__proto__', '_protoxx'],
    // non-ASCII letters and emoji are not kept
    ['🦚Peacock', '_peacock'],
    ['Ölübeµrsnöalter', '_l_be_rsn_alter'],
    ['Привет', 'x'],
    ['🚀', 'x'],
    ['select', 'select'],
    ['_dlt_id', '_dlt_id'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeIdentifier(input)).toBe(expected);
  });

  it('strips surrounding whitespace first, as dlt does', () => {
    expect(normalizeIdentifier(' Name ')).toBe('name');
    expect(normalizeIdentifier('\tStatus\n')).toBe(normalizeIdentifier('Status'));
  });

  it('gives a usable name for an empty or blank key (dlt would reject it; a load must not fail)', () => {
    expect(normalizeIdentifier('')).toBe('x');
    expect(normalizeIdentifier('   ')).toBe('x');
  });

  it('always produces a safe identifier, and is idempotent', () => {
    const inputs = ['', ' ', '0', '9lives', 'a b\u00a0c', '"; drop table pages; --', "O'Brien", 'Straße', '名前', '👍🏽 Votes', 'A'.repeat(300), '__', 'x__y__', 'Name (copy)', 'ID'];
    for (const input of inputs) {
      const out = normalizeIdentifier(input);
      expect(out).toMatch(SAFE);
      expect(normalizeIdentifier(out)).toBe(out);
    }
  });

  it('returns the same answer from its cache', () => {
    expect(normalizeIdentifier('Last Edited Time')).toBe('last_edited_time');
    expect(normalizeIdentifier('Last Edited Time')).toBe('last_edited_time');
  });
});

describe('shortenIdentifier', () => {
  it('leaves names within the limit alone', () => {
    expect(shortenIdentifier('pages__properties', 63)).toBe('pages__properties');
    expect(shortenIdentifier('a'.repeat(63), 63)).toBe('a'.repeat(63));
  });

  it('cuts long names to exactly the limit with a readable prefix and a hash', () => {
    const long = `pages__properties__${'very_long_property_name_'.repeat(5)}select__name`;
    const short = shortenIdentifier(long, 63);
    expect(short).toHaveLength(63);
    expect(short).toMatch(SAFE);
    expect(long.startsWith(short.slice(0, 40))).toBe(true);
    expect(shortenIdentifier(long, 63)).toBe(short);
  });

  it('keeps distinct long names distinct even when they share the prefix', () => {
    const base = 'x'.repeat(100);
    const a = shortenIdentifier(`${base}_a`, 30);
    const b = shortenIdentifier(`${base}_b`, 30);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(30);
    expect(b.length).toBeLessThanOrEqual(30);
  });
});

describe('collisionTag', () => {
  it('is short, stable, SQL-safe and differs between keys', () => {
    expect(collisionTag('Due Date')).toMatch(/^[0-9a-f]{6}$/);
    expect(collisionTag('Due Date')).toBe(collisionTag('Due Date'));
    expect(collisionTag('Due Date')).not.toBe(collisionTag('due date'));
  });
});

describe('quoteIdentifier', () => {
  it('wraps in double quotes and doubles embedded ones', () => {
    expect(quoteIdentifier('due_date')).toBe('"due_date"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteIdentifier('"; drop table x; --')).toBe('"""; drop table x; --"');
  });
});
