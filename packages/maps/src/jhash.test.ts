import { describe, expect, it } from 'vitest';
import { htab_map_hash, jhash, jhash2 } from './jhash.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('jhash (lookup3 hashlittle)', () => {
  // Vectors from Bob Jenkins' lookup3.c driver5(): hashlittle(key, len, initval).
  const rows: [string, string, number, number][] = [
    ['the empty key hashes to the initial value', '', 0, 0xdeadbeef],
    ['the empty key with seed deadbeef', '', 0xdeadbeef, 0xbd5b7dde],
    ['"Four score and seven years ago", seed 0', 'Four score and seven years ago', 0, 0x17770551],
    ['"Four score and seven years ago", seed 1', 'Four score and seven years ago', 1, 0xcd628161],
  ];
  it.each(rows)('%s', (_n, s, seed, want) => {
    expect(jhash(bytes(s), s.length, seed)).toBe(want);
  });
});

describe('jhash2 and htab_map_hash', () => {
  it('jhash2 of zero words is its initial value', () => {
    expect(jhash2(new Uint8Array(0), 0, 5)).toBe((0xdeadbeef + 5) >>> 0);
  });
  // htab_map_hash picks jhash2 for word-sized keys, jhash otherwise (hashtab.c).
  const rows: [number, 'jhash' | 'jhash2'][] = [
    [4, 'jhash2'],
    [5, 'jhash'],
    [8, 'jhash2'],
    [13, 'jhash'],
    [16, 'jhash2'],
  ];
  it.each(rows)('a %i-byte key is hashed with %s', (len, fn) => {
    const key = Uint8Array.from({ length: len }, (_, i) => i * 37 + 1);
    const want = fn === 'jhash2' ? jhash2(key, len / 4, 9) : jhash(key, len, 9);
    expect(htab_map_hash(key, len, 9)).toBe(want);
  });
});
