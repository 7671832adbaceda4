import { describe, expect, it } from 'vitest';
import { bpf_map_type as T } from '@bpf-internals/uapi';
import type { BpfFdResolver, BpfMap, BpfMapCreateAttr, BpfProgRef } from './bpf_map.js';
import {
  array_map_ops,
  bpf_fd_array_map_lookup_elem,
  bpf_fd_array_map_update_elem,
  bpf_percpu_array_copy,
  bpf_percpu_array_update,
  percpu_array_map_ops,
  prog_array_map_ops,
  array_of_maps_map_ops,
  type bpf_array,
} from './arraymap.js';
import { createMapEnv, mapCreateAttr as attr } from './internal/common.js';
import { find_map_ops } from './bpf_types.js';


const u32 = (v: number): Uint8Array => new Uint8Array(new Uint32Array([v]).buffer);

function create(a: Partial<BpfMapCreateAttr>, cpus = 1, fds?: BpfFdResolver): BpfMap | number {
  const at = attr(a);
  const ops = find_map_ops(at.map_type);
  if (!ops) return -22;
  const env = createMapEnv(cpus);
  const err = ops.map_alloc_check?.(at, env) ?? 0;
  if (err) return err;
  return ops.map_alloc(at, env, fds);
}

describe('array_map_alloc_check / array_map_alloc', () => {
  // [name, attr, expected errno or 0]; expectations from kernel/bpf/arraymap.c
  const rows: [string, Partial<BpfMapCreateAttr>, number][] = [
    ['a plain array is created', {}, 0],
    ['key_size other than 4 is EINVAL', { key_size: 8 }, -22],
    ['value_size 0 is EINVAL', { value_size: 0 }, -22],
    ['max_entries 0 is EINVAL', { max_entries: 0 }, -22],
    ['BPF_F_NO_PREALLOC is not an array flag', { map_flags: 1 }, -22],
    ['BPF_F_MMAPABLE is accepted on an array', { map_flags: 1024 }, 0],
    ['BPF_F_MMAPABLE on a percpu array is EINVAL', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, map_flags: 1024 }, -22],
    ['BPF_F_INNER_MAP on a percpu array is EINVAL', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, map_flags: 4096 }, -22],
    ['BPF_F_PRESERVE_ELEMS on an array is EINVAL', { map_flags: 2048 }, -22],
    ['RDONLY_PROG together with WRONLY_PROG is EINVAL', { map_flags: 128 | 256 }, -22],
    ['RDONLY_PROG alone is accepted', { map_flags: 128 }, 0],
    ['NUMA node on a percpu array is EINVAL', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, map_flags: 4, numa_node: 0 }, -22],
    ['value_size above INT_MAX is E2BIG', { value_size: 0x80000000 }, -7],
    ['percpu value above 32 KiB is E2BIG', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, value_size: 32769 }, -7],
    ['percpu value of exactly 32 KiB is accepted', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, value_size: 32768, max_entries: 1 }, 0],
    ['prog_array needs a 4-byte value', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, value_size: 8 }, -22],
    ['prog_array refuses RDONLY_PROG', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, value_size: 4, map_flags: 128 }, -22],
    ['prog_array is created', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, value_size: 4 }, 0],
    ['array_of_maps without an inner map fd is EBADF', { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, value_size: 4 }, -9],
  ];
  it.each(rows)('%s', (_n, a, want) => {
    const m = create(a);
    expect(typeof m === 'number' ? m : 0).toBe(want);
  });
});

describe('array_map_update_elem / lookup / delete / get_next_key', () => {
  // [name, index, flags, expected]
  const rows: [string, number, bigint, number][] = [
    ['BPF_ANY on index 0 succeeds', 0, 0n, 0],
    ['BPF_EXIST succeeds: every element exists', 3, 2n, 0],
    ['BPF_NOEXIST is EEXIST: every element exists', 1, 1n, -17],
    ['index == max_entries is E2BIG', 4, 0n, -7],
    ['flags 3 are unknown: EINVAL', 0, 3n, -22],
    ['BPF_F_LOCK without a spin lock in the value is EINVAL', 0, 4n, -22],
    ['BPF_F_LOCK|BPF_NOEXIST reports EEXIST first', 0, 5n, -17],
    ['a flag bit above 32 is EINVAL', 0, 1n << 40n, -22],
  ];
  it.each(rows)('%s', (_n, index, flags, want) => {
    const m = create({}) as BpfMap;
    expect(m.ops.map_update_elem(m, u32(index), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), flags)).toBe(want);
  });

  it('lookup returns a live view that a later update changes', () => {
    const m = create({}) as BpfMap;
    const v = m.ops.map_lookup_elem(m, u32(2))!;
    expect([...v]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    m.ops.map_update_elem(m, u32(2), new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]), 0n);
    expect(v[0]).toBe(9);
    expect(m.ops.map_lookup_elem(m, u32(4))).toBeNull();
  });

  it('delete on an array is EINVAL', () => {
    const m = create({}) as BpfMap;
    expect(m.ops.map_delete_elem(m, u32(0))).toBe(-22);
  });

  // [name, key (null = first), expected ret, expected next]
  const next: [string, number | null, number, number][] = [
    ['a null key starts at 0', null, 0, 0],
    ['an out-of-range key starts at 0', 100, 0, 0],
    ['index 1 is followed by 2', 1, 0, 2],
    ['the last index ends with ENOENT', 3, -2, -1],
  ];
  it.each(next)('get_next_key: %s', (_n, key, ret, want) => {
    const m = create({}) as BpfMap;
    const out = new Uint8Array(4).fill(0xff);
    expect(m.ops.map_get_next_key(m, key === null ? null : u32(key), out)).toBe(ret);
    if (ret === 0) expect(new Uint32Array(out.buffer)[0]).toBe(want);
  });
});

describe('per-CPU arrays', () => {
  it('the syscall copy lays out round_up(value_size, 8) per CPU; a program updates only its CPU', () => {
    const m = create({ map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, value_size: 4 }, 3) as bpf_array;
    const env = m.env as ReturnType<typeof createMapEnv>;
    env.cpu = 1;
    expect(percpu_array_map_ops.map_update_elem(m, u32(0), u32(0xaabbccdd), 0n)).toBe(0);
    const out = new Uint8Array(24).fill(0x55);
    expect(bpf_percpu_array_copy(m, u32(0), out)).toBe(0);
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0xdd, 0xcc, 0xbb, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('the syscall update writes every CPU; NOEXIST is EEXIST, F_LOCK is EINVAL', () => {
    const m = create({ map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, value_size: 4 }, 2) as bpf_array;
    const v = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    expect(bpf_percpu_array_update(m, u32(1), v, 1n)).toBe(-17);
    expect(bpf_percpu_array_update(m, u32(1), v, 4n)).toBe(-22);
    expect(bpf_percpu_array_update(m, u32(9), v, 0n)).toBe(-7);
    expect(bpf_percpu_array_update(m, u32(1), v, 0n)).toBe(0);
    expect(m.ops.map_lookup_percpu_elem!(m, u32(1), 1)![0]).toBe(2);
    expect(m.ops.map_lookup_percpu_elem!(m, u32(1), 2)).toBeNull();
    expect(bpf_percpu_array_copy(m, u32(9), new Uint8Array(16))).toBe(-2);
  });
});

describe('mmapable arrays and direct value access', () => {
  it('BPF_F_MMAPABLE exposes one page-aligned region shared with lookups', () => {
    const m = create({ map_flags: 1024, value_size: 12, max_entries: 3 }) as BpfMap;
    const region = m.ops.map_mmap!(m) as Uint8Array;
    expect(region.length).toBe(4096);
    m.ops.map_update_elem(m, u32(1), new Uint8Array(12).fill(7), 0n);
    expect(region[16]).toBe(7); // elem_size = round_up(12, 8) = 16
  });
  it('a non-mmapable array cannot be mapped', () => {
    const m = create({}) as BpfMap;
    expect(array_map_ops.map_mmap!(m)).toBe(-22);
  });
  // [max_entries, off, expected]
  const rows: [number, number, number][] = [
    [1, 0, 0],
    [1, 7, 0],
    [1, 8, -22],
    [2, 0, -524],
  ];
  it.each(rows)('direct_value_addr with max_entries %i, off %i gives %i', (max_entries, off, want) => {
    const m = create({ max_entries }) as BpfMap;
    const r = m.ops.map_direct_value_addr!(m, off);
    expect(typeof r === 'number' ? r : 0).toBe(want);
  });
});

function fakeProg(id: number, type: number, jited = false): BpfProgRef & { refs: number } {
  return {
    id,
    type,
    jited,
    refs: 1,
    inc() {
      this.refs++;
    },
    put() {
      this.refs--;
    },
  };
}

describe('prog_array', () => {
  const progs = new Map<number, ReturnType<typeof fakeProg>>([
    [10, fakeProg(100, 1)],
    [11, fakeProg(101, 1)],
    [12, fakeProg(102, 2)],
    [13, fakeProg(103, 28)],
  ]);
  const fds: BpfFdResolver = {
    get(fd) {
      const p = progs.get(fd);
      if (!p) return -9;
      p.inc();
      return p;
    },
  };
  it('stores programs by fd, reports ids, refuses other owners, clears on the last uref', () => {
    const m = create({ map_type: T.BPF_MAP_TYPE_PROG_ARRAY, value_size: 4 }) as BpfMap;
    expect(bpf_fd_array_map_update_elem(m, fds, u32(0), u32(10), 0n)).toBe(0);
    expect(bpf_fd_array_map_update_elem(m, fds, u32(1), u32(11), 0n)).toBe(0);
    expect(bpf_fd_array_map_update_elem(m, fds, u32(2), u32(12), 0n)).toBe(-22); // other prog type
    expect(bpf_fd_array_map_update_elem(m, fds, u32(2), u32(13), 0n)).toBe(-22); // BPF_PROG_TYPE_EXT
    expect(bpf_fd_array_map_update_elem(m, fds, u32(2), u32(99), 0n)).toBe(-9);
    expect(bpf_fd_array_map_update_elem(m, fds, u32(2), u32(10), 2n)).toBe(-22); // only BPF_ANY
    expect(bpf_fd_array_map_update_elem(m, fds, u32(4), u32(10), 0n)).toBe(-7);
    expect(progs.get(12)!.refs).toBe(1);
    const out = new Uint8Array(4);
    expect(bpf_fd_array_map_lookup_elem(m, u32(1), out)).toBe(0);
    expect(new Uint32Array(out.buffer)[0]).toBe(101);
    expect(bpf_fd_array_map_lookup_elem(m, u32(2), out)).toBe(-2);
    expect(m.ops.map_delete_elem(m, u32(2))).toBe(-2);
    expect(m.ops.map_delete_elem(m, u32(9))).toBe(-7);
    expect(progs.get(10)!.refs).toBe(2);
    prog_array_map_ops.map_release_uref!(m);
    expect(progs.get(10)!.refs).toBe(1);
    expect(progs.get(11)!.refs).toBe(1);
  });
});

describe('array_of_maps', () => {
  it('the template decides which maps may be stored; lookups give the inner map', () => {
    const env = createMapEnv(1);
    const inner = array_map_ops.map_alloc(attr({}), env) as BpfMap;
    const other = array_map_ops.map_alloc(attr({ max_entries: 5 }), env) as BpfMap;
    const hashlike = array_map_ops.map_alloc(attr({ value_size: 16 }), env) as BpfMap;
    inner.id = 7;
    const maps = new Map<number, BpfMap>([
      [3, inner],
      [4, other],
      [5, hashlike],
    ]);
    const fds: BpfFdResolver = { get: () => -9, map: (fd) => maps.get(fd) ?? -9 };
    const outer = create({ map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, value_size: 4, inner_map_fd: 3 }, 1, fds) as BpfMap;
    expect(typeof outer).toBe('object');
    expect(bpf_fd_array_map_update_elem(outer, fds, u32(0), u32(3), 0n)).toBe(0);
    expect(inner.refcnt).toBe(2);
    expect(bpf_fd_array_map_update_elem(outer, fds, u32(1), u32(4), 0n)).toBe(-22); // max_entries differs
    expect(bpf_fd_array_map_update_elem(outer, fds, u32(1), u32(5), 0n)).toBe(-22); // value_size differs
    expect(array_of_maps_map_ops.map_lookup_fd_ptr!(outer, u32(0))).toBe(inner);
    const out = new Uint8Array(4);
    expect(bpf_fd_array_map_lookup_elem(outer, u32(0), out)).toBe(0);
    expect(out[0]).toBe(7);
    // a map-in-map cannot be a template
    maps.set(6, outer);
    expect(create({ map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, value_size: 4, inner_map_fd: 6 }, 1, fds)).toBe(-22);
    outer.ops.map_free(outer);
    expect(inner.refcnt).toBe(1);
  });
});
