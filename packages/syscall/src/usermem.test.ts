import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, ProcessMemory, strndup_user } from './usermem.js';

const EFAULT = -14;

describe('user memory: only what alloc handed out is readable', () => {
  const mem = new ProcessMemory();
  const a = mem.alloc(16);
  const b = mem.alloc(PAGE_SIZE);
  const rows: [string, bigint, number, boolean][] = [
    ['the whole first allocation', a, 16, true],
    ['a range inside it', a + 4n, 8, true],
    ['one byte past its end', a + 16n, 1, false],
    ['a range running past its end', a + 8n, 16, false],
    ['NULL', 0n, 1, false],
    ['the first page (never mapped)', 8n, 4, false],
    ['the guard page after the allocation', a + BigInt(PAGE_SIZE), 1, false],
    ['a whole page-sized allocation', b, PAGE_SIZE, true],
    ['a zero-length copy anywhere', 12345n, 0, true],
  ];
  it.each(rows)('copy_from_user of %s: readable=%s', (_n, addr, len, ok) => {
    const r = mem.copy_from_user(addr, len);
    if (ok) expect(r).toBeInstanceOf(Uint8Array);
    else expect(r).toBe(EFAULT);
  });
  it('allocations are zeroed', () => {
    expect(mem.read(a, 16)).toEqual(new Uint8Array(16));
  });
  it('copy_to_user past the end writes nothing and gives EFAULT', () => {
    expect(mem.copy_to_user(a + 12n, new Uint8Array([1, 2, 3, 4, 5, 6]))).toBe(EFAULT);
    expect(mem.read(a, 16)).toEqual(new Uint8Array(16));
  });
  it('check_zeroed_user is 1, 0 or EFAULT', () => {
    expect(mem.check_zeroed_user(a, 16)).toBe(1);
    mem.write(a + 15n, new Uint8Array([1]));
    expect(mem.check_zeroed_user(a, 16)).toBe(0);
    expect(mem.check_zeroed_user(a, 17)).toBe(EFAULT);
  });
  it('strndup_user reads up to the NUL, EFAULT without one in the allocation, ENAMETOOLONG past max', () => {
    const s = mem.alloc(8);
    mem.write(s, new TextEncoder().encode('/x/y\0'));
    expect(strndup_user(mem, s, 4096)).toBe('/x/y');
    mem.write(s, new TextEncoder().encode('abcdefgh'));
    expect(strndup_user(mem, s, 4096)).toBe(EFAULT);
    expect(strndup_user(mem, s, 4)).toBe(-36);
  });
  it('user-space misuse throws (it is a test bug, not a kernel path)', () => {
    expect(() => mem.write(8n, new Uint8Array(1))).toThrow(RangeError);
  });
});
