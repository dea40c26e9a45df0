// Permission matching: a key, a prefix, a range and "every key from" grants, merged across roles,
// at the edges (adjacent ranges, 0xff prefixes, the empty key, a range one byte too long).
import { describe, expect, it } from 'vitest';
import { GrantedRanges, describeRange, quoteKey } from '../../src/state/auth-ranges.js';
import { prefixEnd } from '../../src/state/keys.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const key = (k: string) => ({ type: 'readwrite' as const, key: b(k), rangeEnd: new Uint8Array(0) });
const range = (k: string, e: string, type: 'read' | 'write' | 'readwrite' = 'readwrite') => ({ type, key: b(k), rangeEnd: b(e) });
const prefix = (k: string, type: 'read' | 'write' | 'readwrite' = 'readwrite') => ({ type, key: b(k), rangeEnd: Buffer.from(prefixEnd(b(k))) });
const fromKey = (k: string) => ({ type: 'readwrite' as const, key: b(k), rangeEnd: Buffer.from([0]) });

describe('GrantedRanges', () => {
  it('a key grant covers that key only', () => {
    const g = new GrantedRanges([key('a')]);
    expect(g.covers('read', { key: b('a') })).toBe(true);
    expect(g.covers('read', { key: b('a\x00') })).toBe(false);
    expect(g.covers('read', { key: b('ab') })).toBe(false);
    expect(g.covers('read', { key: b('a'), rangeEnd: b('b') })).toBe(false);
    // [a, a\0) is exactly the key a.
    expect(g.covers('write', { key: b('a'), rangeEnd: b('a\x00') })).toBe(true);
  });

  it('a prefix grant covers its keys and sub-prefixes, not the key after it', () => {
    const g = new GrantedRanges([prefix('p/')]);
    expect(g.covers('read', { key: b('p/') })).toBe(true);
    expect(g.covers('read', { key: b('p/x/y') })).toBe(true);
    expect(g.covers('read', { key: b('p/x'), rangeEnd: b('p/y') })).toBe(true);
    expect(g.covers('read', { key: b('p/'), rangeEnd: Buffer.from(prefixEnd(b('p/'))) })).toBe(true);
    expect(g.covers('read', { key: b('p0') })).toBe(false); // '0' = '/' + 1: the prefix's range end
    expect(g.covers('read', { key: b('p') })).toBe(false);
    // A range one byte past the prefix is refused as a whole.
    expect(g.covers('read', { key: b('p/'), rangeEnd: b('p0\x00') })).toBe(false);
    expect(g.covers('read', { key: b('p/'), rangeEnd: Buffer.from([0]) })).toBe(false);
  });

  it('a prefix of 0xff bytes reaches the end of the keyspace', () => {
    const g = new GrantedRanges([prefix('\xff\xff')]);
    expect(g.covers('read', { key: b('\xff\xff\xff\x01') })).toBe(true);
    expect(g.covers('read', { key: b('\xff\xff'), rangeEnd: Buffer.from([0]) })).toBe(true);
    expect(g.covers('read', { key: b('\xff\xfe') })).toBe(false);
  });

  it('adjacent and overlapping grants from several roles merge; a gap does not', () => {
    const g = new GrantedRanges([range('a', 'c'), range('c', 'e'), range('d', 'g')]);
    expect(g.covers('read', { key: b('a'), rangeEnd: b('g') })).toBe(true);
    expect(g.covers('read', { key: b('b'), rangeEnd: b('f') })).toBe(true);
    expect(g.covers('read', { key: b('a'), rangeEnd: b('g\x00') })).toBe(false);
    const gap = new GrantedRanges([range('a', 'c'), range('c\x00', 'e')]);
    expect(gap.covers('read', { key: b('a'), rangeEnd: b('e') })).toBe(false); // the key 'c' is not granted
    expect(gap.covers('read', { key: b('c') })).toBe(false);
  });

  it('read and write are separate; readwrite grants both', () => {
    const g = new GrantedRanges([range('a', 'm', 'read'), range('m', 'z', 'write'), prefix('rw/')]);
    expect(g.covers('read', { key: b('b') })).toBe(true);
    expect(g.covers('write', { key: b('b') })).toBe(false);
    expect(g.covers('write', { key: b('n') })).toBe(true);
    expect(g.covers('read', { key: b('n') })).toBe(false);
    expect(g.covers('read', { key: b('rw/1') }) && g.covers('write', { key: b('rw/1') })).toBe(true);
    // A read range across the read and the write grant is not covered for reading.
    expect(g.covers('read', { key: b('a'), rangeEnd: b('z') })).toBe(false);
  });

  it('"every key from" and the whole keyspace', () => {
    const g = new GrantedRanges([fromKey('m')]);
    expect(g.covers('read', { key: b('m'), rangeEnd: Buffer.from([0]) })).toBe(true);
    expect(g.covers('read', { key: b('zzzz') })).toBe(true);
    expect(g.covers('read', { key: b('l'), rangeEnd: Buffer.from([0]) })).toBe(false);
    const all = new GrantedRanges([{ type: 'read', key: new Uint8Array(0), rangeEnd: Buffer.from([0]) }]);
    expect(all.covers('read', { key: new Uint8Array(0), rangeEnd: Buffer.from([0]) })).toBe(true);
    expect(all.covers('write', { key: b('x') })).toBe(false);
  });

  it('no permissions cover nothing', () => {
    const g = new GrantedRanges([]);
    expect(g.covers('read', { key: b('a') })).toBe(false);
  });
});

describe('messages', () => {
  it('name keys, prefixes and ranges, binary and long keys safely', () => {
    expect(describeRange({ key: b('a') })).toBe('key "a"');
    expect(describeRange({ key: b('p/'), rangeEnd: Buffer.from(prefixEnd(b('p/'))) })).toBe('prefix "p/"');
    expect(describeRange({ key: b('a'), rangeEnd: b('c') })).toBe('range ["a", "c")');
    expect(describeRange({ key: b('a'), rangeEnd: Buffer.from([0]) })).toBe('keys from "a"');
    expect(describeRange({ key: new Uint8Array(0), rangeEnd: Buffer.from([0]) })).toBe('every key');
    expect(quoteKey(Buffer.from([0, 1, 0xff]))).toBe('0x0001ff');
    expect(quoteKey(b('x'.repeat(100)))).toBe(`"${'x'.repeat(64)}"…(100 bytes)`);
  });
});
