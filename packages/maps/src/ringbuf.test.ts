import { describe, expect, it } from 'vitest';
import { bpf_map_type as T } from '@bpf-internals/uapi';
import type { BpfMap } from './bpf_map.js';
import { bpf_ringbuf_discard, bpf_ringbuf_output, bpf_ringbuf_query, bpf_ringbuf_reserve, bpf_ringbuf_submit, ring_buffer__consume, ringbuf_map_ops } from './ringbuf.js';
import { createMapEnv, mapCreateAttr as attr } from './internal/common.js';

describe('ringbuf_map_alloc', () => {
  // expectations from kernel/bpf/ringbuf.c
  const rows: [string, Partial<Parameters<typeof attr>[0]>, number][] = [
    ['one page is created', {}, 0],
    ['a non-power-of-two size is EINVAL', { max_entries: 3 * 4096 }, -22],
    ['a power of two below a page is EINVAL', { max_entries: 2048 }, -22],
    ['a key_size is EINVAL', { key_size: 4 }, -22],
    ['a value_size is EINVAL', { value_size: 4 }, -22],
    ['BPF_F_NO_PREALLOC is EINVAL', { map_flags: 1 }, -22],
    ['BPF_F_NUMA_NODE is accepted', { map_flags: 4 }, 0],
  ];
  it.each(rows)('%s', (_n, a, want) => {
    const m = ringbuf_map_ops.map_alloc(attr({ map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096, ...a }), createMapEnv());
    expect(typeof m === 'number' ? m : 0).toBe(want);
  });
});

const rb = (size = 4096): BpfMap => ringbuf_map_ops.map_alloc(attr({ map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: size }), createMapEnv()) as BpfMap;

describe('records', () => {
  it('a reserved record is invisible until submitted; discarded ones are skipped', () => {
    const m = rb();
    const a = bpf_ringbuf_reserve(m, 5, 0n)!;
    a.set([1, 2, 3, 4, 5]);
    const seen: number[][] = [];
    expect(ring_buffer__consume(m, (s) => void seen.push([...s]))).toBe(0);
    bpf_ringbuf_submit(a, 0n);
    const b = bpf_ringbuf_reserve(m, 3, 0n)!;
    bpf_ringbuf_discard(b, 0n);
    expect(bpf_ringbuf_output(m, new Uint8Array([7, 8]), 2, 0n)).toBe(0);
    expect(ring_buffer__consume(m, (s) => void seen.push([...s]))).toBe(2);
    expect(seen).toEqual([[1, 2, 3, 4, 5], [7, 8]]);
    // 5+8 -> 16, 3+8 -> 16, 2+8 -> 16: records are 8-byte aligned with an 8-byte header
    expect(bpf_ringbuf_query(m, 2n)).toBe(48n);
    expect(bpf_ringbuf_query(m, 3n)).toBe(48n);
    expect(bpf_ringbuf_query(m, 0n)).toBe(0n);
    expect(bpf_ringbuf_query(m, 1n)).toBe(4096n);
  });

  it('the header carries len | BUSY while reserved, then len, and pg_off 3 on the first data page', () => {
    const m = rb();
    const region = m.ops.map_mmap!(m) as Uint8Array;
    const dv = new DataView(region.buffer);
    const s = bpf_ringbuf_reserve(m, 12, 0n)!;
    expect(dv.getUint32(8192, true)).toBe((12 | 0x80000000) >>> 0);
    expect(dv.getUint32(8196, true)).toBe(3);
    bpf_ringbuf_submit(s, 0n);
    expect(dv.getUint32(8192, true)).toBe(12);
    expect(Number(dv.getBigUint64(4096, true))).toBe(24);
  });

  // [name, reserve sizes, expected null-ness]: a 4096-byte ring holds at most 4095 bytes ahead of the consumer
  const room: [string, number[], boolean[]][] = [
    ['a record larger than the ring fails', [4096], [false]],
    ['4088 + 8 header bytes fill the ring exactly, which is one byte too many', [4088], [false]],
    ['4080 + 8 fits', [4080], [true]],
    ['a second record fails while the first is unconsumed', [2040, 2040], [true, false]],
    ['flags must be 0', [], []],
  ];
  it.each(room)('%s', (_n, sizes, want) => {
    const m = rb();
    expect(sizes.map((s) => bpf_ringbuf_reserve(m, s, 0n) !== null)).toEqual(want);
    expect(bpf_ringbuf_reserve(m, 8, 1n)).toBeNull();
  });

  it('a record that wraps reads contiguously and in the first copy too', () => {
    const m = rb();
    for (let i = 0; i < 3; i++) {
      expect(bpf_ringbuf_output(m, new Uint8Array(1000).fill(i), 1000, 0n)).toBe(0);
      ring_buffer__consume(m, () => 0);
    }
    // producer at 3 * 1008 = 3024; a 2000-byte record wraps past 4096
    const data = Uint8Array.from({ length: 2000 }, (_, i) => i & 0xff);
    expect(bpf_ringbuf_output(m, data, 2000, 0n)).toBe(0);
    const got: Uint8Array[] = [];
    expect(ring_buffer__consume(m, (s) => void got.push(s.slice()))).toBe(1);
    expect(got[0]).toEqual(data);
    const region = m.ops.map_mmap!(m) as Uint8Array;
    // bytes past the end of the ring also sit at the start of the data area
    expect(region[8192 + (3024 + 8 + 1500) - 4096]).toBe(1500 & 0xff);
  });

  it('output with an unknown flag is EINVAL, with no room EAGAIN', () => {
    const m = rb();
    expect(bpf_ringbuf_output(m, new Uint8Array(8), 8, 4n)).toBe(-22);
    expect(bpf_ringbuf_output(m, new Uint8Array(4000), 4000, 0n)).toBe(0);
    expect(bpf_ringbuf_output(m, new Uint8Array(100), 100, 0n)).toBe(-11);
  });

  it('a consumer callback error stops consumption after advancing past that record', () => {
    const m = rb();
    bpf_ringbuf_output(m, new Uint8Array([1]), 1, 0n);
    bpf_ringbuf_output(m, new Uint8Array([2]), 1, 0n);
    expect(ring_buffer__consume(m, () => -5)).toBe(-5);
    const seen: number[] = [];
    expect(ring_buffer__consume(m, (s) => void seen.push(s[0]))).toBe(1);
    expect(seen).toEqual([2]);
  });
});
