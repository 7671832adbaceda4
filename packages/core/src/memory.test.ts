import { describe, expect, it } from 'vitest';
import { BpfFault, BpfMemory, DIRECT_MAP_HI, VMALLOC_HI, regionAddr } from './memory.js';

describe('BpfMemory', () => {
  it('maps regions at kernel-looking addresses: direct map for data, vmalloc for stacks', () => {
    const mem = new BpfMemory();
    const r = mem.map({ kind: 'mem', name: 'buf', bytes: new Uint8Array(16) });
    expect(r.hi).toBe(DIRECT_MAP_HI);
    expect(regionAddr(r) >> 32n).toBe(0xffff8880n);
    const s = mem.stackFrame(0);
    expect(s.hi).toBe(VMALLOC_HI);
    expect(s.size).toBe(512);
  });

  it.each([
    [1, 0x1122334455667788n, 0x88n],
    [2, 0x1122334455667788n, 0x7788n],
    [4, 0x1122334455667788n, 0x55667788n],
    [8, 0x1122334455667788n, 0x1122334455667788n],
  ] as const)('a %i-byte store then load round-trips little-endian', (size, value, expected) => {
    const mem = new BpfMemory();
    const bytes = new Uint8Array(16);
    const a = regionAddr(mem.map({ kind: 'mem', name: 'buf', bytes })) + 4n;
    mem.store(a, size, value);
    expect(mem.load(a, size)).toBe(expected);
    expect(bytes[4]).toBe(0x88);
  });

  it.each([
    ['the byte after the end', 16n, 1, 'no region'],
    ['a 2-byte load at the last byte', 15n, 2, 'out of bounds'],
    ['a load straddling the end', 12n, 8, 'out of bounds'],
    ['the guard gap after the region', 40n, 4, 'no region'],
    ['below the region', -8n, 4, 'no region'],
  ] as const)('an access at %s faults (%s)', (_what, off, size, reason) => {
    const mem = new BpfMemory();
    const r = mem.map({ kind: 'mem', name: 'buf', bytes: new Uint8Array(16) });
    let fault: unknown;
    try {
      mem.load(regionAddr(r) + off, size as 1 | 2 | 4 | 8, 7);
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(BpfFault);
    const f = fault as BpfFault;
    expect(f.reason).toBe(reason);
    expect(f.insn).toBe(7);
    expect(f.size).toBe(size);
    expect(f.addr).toBe(regionAddr(r) + off);
  });

  it('a store to a read-only region faults with "read-only"', () => {
    const mem = new BpfMemory();
    const r = mem.map({ kind: 'map_value', name: 'ro', bytes: new Uint8Array(8), writable: false });
    expect(() => mem.store(regionAddr(r), 4, 1n)).toThrow(/read-only of ro/);
    expect(mem.load(regionAddr(r), 4)).toBe(0n);
  });

  it('a kernel object gets one stable address and is found by it, but cannot be read', () => {
    const mem = new BpfMemory();
    const map = { name: 'm' };
    const a = mem.objectAddr(map, "map 'm'");
    expect(mem.objectAddr(map, "map 'm'")).toBe(a);
    expect(mem.objectAt(a)).toBe(map);
    expect(mem.objectAt(a + 8n)).toBeUndefined();
    expect(() => mem.load(a, 8)).toThrow(BpfFault);
  });

  it('views of one buffer keep buffer-relative addresses (the same element, the same pointer)', () => {
    const mem = new BpfMemory();
    const buf = new Uint8Array(64);
    const a0 = mem.addressOf(buf.subarray(0, 8));
    const a1 = mem.addressOf(buf.subarray(16, 24));
    expect(a1 - a0).toBe(16n);
    expect(mem.addressOf(buf.subarray(16, 24))).toBe(a1);
    mem.store(a1, 1, 0xabn);
    expect(buf[16]).toBe(0xab);
  });

  it('unmapping a region bumps the epoch and makes its addresses fault', () => {
    const mem = new BpfMemory();
    const r = mem.map({ kind: 'packet', name: 'pkt', bytes: new Uint8Array(8) });
    const e = mem.epoch;
    mem.unmap(r);
    expect(mem.epoch).toBe(e + 1);
    expect(() => mem.load(regionAddr(r), 1)).toThrow(/no region/);
  });
});
