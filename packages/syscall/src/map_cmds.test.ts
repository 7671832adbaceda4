import { describe, expect, it } from 'vitest';
import { bpf_get_file_flag, bpf_obj_name_cpy, isalnum } from './map_cmds.js';
import { sha256 } from './sha256.js';

const EINVAL = -22;
const name = (...b: number[]) => {
  const a = new Uint8Array(16);
  a.set(b);
  return a;
};

describe('bpf_obj_name_cpy', () => {
  const rows: [string, Uint8Array, string | number][] = [
    ['an empty name', name(), ''],
    ['letters, digits, "_" and "."', name(...new TextEncoder().encode('my_map.v2')), 'my_map.v2'],
    ['a "-"', name(0x61, 0x2d), EINVAL],
    ['a space', name(0x61, 0x20), EINVAL],
    ['15 characters and the NUL', name(...new Uint8Array(15).fill(0x61)), 'a'.repeat(15)],
    ['16 characters, no NUL', new Uint8Array(16).fill(0x61), EINVAL],
    ['Latin-1 letters (the kernel ctype is ISO 8859-1)', name(0xe9, 0xff, 0xc0), '\u00e9\u00ff\u00c0'],
    ['the multiplication sign', name(0xd7), EINVAL],
    ['a C1 control byte', name(0x85), EINVAL],
  ];
  it.each(rows)('%s', (_n, src, want) => {
    expect(bpf_obj_name_cpy(src)).toBe(want);
  });
  it('isalnum agrees with lib/ctype.c on every byte', () => {
    const alnum = [...Array(256).keys()].filter(isalnum);
    const latin = [...Array(64).keys()].map((i) => 0xc0 + i).filter((c) => c !== 0xd7 && c !== 0xf7);
    const ascii = [...Array(128).keys()].filter((c) => /[0-9A-Za-z]/.test(String.fromCharCode(c)));
    expect(alnum).toEqual([...ascii, ...latin]);
  });
});

describe('bpf_get_file_flag', () => {
  it.each([
    [0, 2],
    [1 << 3, 0],
    [1 << 4, 1],
    [(1 << 3) | (1 << 4), EINVAL],
  ])('flags %i give %i', (flags, want) => {
    expect(bpf_get_file_flag(flags)).toBe(want);
  });
});

describe('sha256 (FIPS 180-4 test vectors)', () => {
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('sha256(%j)', (s, want) => {
    expect(hex(sha256(new TextEncoder().encode(s)))).toBe(want);
  });
});
