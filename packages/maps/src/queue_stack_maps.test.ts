import { describe, expect, it } from 'vitest';
import { bpf_map_type as T } from '@bpf-internals/uapi';
import type { BpfMap } from './bpf_map.js';
import { queue_map_ops, stack_map_ops } from './queue_stack_maps.js';
import { createMapEnv, mapCreateAttr as attr } from './internal/common.js';

describe('queue_stack_map_alloc_check', () => {
  // expectations from kernel/bpf/queue_stack_maps.c
  const rows: [string, Partial<Parameters<typeof attr>[0]>, number][] = [
    ['a queue with key_size 0 is created', {}, 0],
    ['key_size 4 is EINVAL', { key_size: 4 }, -22],
    ['value_size 0 is EINVAL', { value_size: 0 }, -22],
    ['max_entries 0 is EINVAL', { max_entries: 0 }, -22],
    ['BPF_F_NO_PREALLOC is EINVAL', { map_flags: 1 }, -22],
    ['a value above KMALLOC_MAX_SIZE is E2BIG', { value_size: (1 << 22) + 1 }, -7],
    // 6.12 answered E2BIG here; the 6.18.44 host creates it (probed by hand: a 4 GiB ring, too heavy for the suite)
    ['max_entries * value_size reaching U32_MAX passes the v6.18 check', { value_size: 4, max_entries: 0x3fffffff }, 0],
  ];
  it.each(rows)('%s', (_n, a, want) => {
    const at = attr({ map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 3, ...a });
    expect(queue_map_ops.map_alloc_check!(at, createMapEnv())).toBe(want);
  });
});

function ops(kind: 'queue' | 'stack', max_entries = 3): BpfMap {
  const o = kind === 'queue' ? queue_map_ops : stack_map_ops;
  const at = attr({ map_type: kind === 'queue' ? T.BPF_MAP_TYPE_QUEUE : T.BPF_MAP_TYPE_STACK, key_size: 0, value_size: 4, max_entries });
  return o.map_alloc(at, createMapEnv()) as BpfMap;
}

describe('push / pop / peek', () => {
  // [kind, pushes (value, flags), expected push results, expected pops until ENOENT]
  const rows: [string, 'queue' | 'stack', [number, bigint][], number[], number[]][] = [
    ['a queue pops in push order', 'queue', [[1, 0n], [2, 0n], [3, 0n]], [0, 0, 0], [1, 2, 3]],
    ['a stack pops in reverse order', 'stack', [[1, 0n], [2, 0n], [3, 0n]], [0, 0, 0], [3, 2, 1]],
    ['a full queue refuses a push with E2BIG', 'queue', [[1, 0n], [2, 0n], [3, 0n], [4, 0n]], [0, 0, 0, -7], [1, 2, 3]],
    ['BPF_EXIST on a full queue drops the oldest', 'queue', [[1, 0n], [2, 0n], [3, 0n], [4, 2n]], [0, 0, 0, 0], [2, 3, 4]],
    ['BPF_EXIST on a full stack drops the oldest (bottom)', 'stack', [[1, 0n], [2, 0n], [3, 0n], [4, 2n]], [0, 0, 0, 0], [4, 3, 2]],
    ['BPF_NOEXIST is EINVAL', 'queue', [[1, 1n]], [-22], []],
    ['flags 3 are EINVAL', 'stack', [[1, 3n]], [-22], []],
  ];
  it.each(rows)('%s', (_n, kind, pushes, want_push, want_pops) => {
    const m = ops(kind);
    expect(pushes.map(([v, f]) => m.ops.map_push_elem!(m, new Uint8Array([v, 0, 0, 0]), f))).toEqual(want_push);
    const pops: number[] = [];
    const out = new Uint8Array(4);
    while (m.ops.map_pop_elem!(m, out) === 0) pops.push(out[0]);
    expect(pops).toEqual(want_pops);
  });

  it('peek does not remove; an empty map gives ENOENT and a zeroed value', () => {
    const m = ops('stack');
    const out = new Uint8Array([9, 9, 9, 9]);
    expect(m.ops.map_peek_elem!(m, out)).toBe(-2);
    expect([...out]).toEqual([0, 0, 0, 0]);
    m.ops.map_push_elem!(m, new Uint8Array([5, 0, 0, 0]), 0n);
    expect(m.ops.map_peek_elem!(m, out)).toBe(0);
    expect(m.ops.map_peek_elem!(m, out)).toBe(0);
    expect(out[0]).toBe(5);
  });

  it('keyed operations are refused', () => {
    const m = ops('queue');
    expect(m.ops.map_lookup_elem(m, new Uint8Array(0))).toBeNull();
    expect(m.ops.map_update_elem(m, new Uint8Array(0), new Uint8Array(4), 0n)).toBe(-22);
    expect(m.ops.map_delete_elem(m, new Uint8Array(0))).toBe(-22);
    expect(m.ops.map_get_next_key(m, null, new Uint8Array(0))).toBe(-22);
  });
});
