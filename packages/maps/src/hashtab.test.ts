import { describe, expect, it } from 'vitest';
import { bpf_map_type as T } from '@bpf-internals/uapi';
import type { BpfMap, BpfMapCreateAttr } from './bpf_map.js';
import { bpf_percpu_hash_copy, bpf_percpu_hash_update, htab_map_lookup_batch, type bpf_htab } from './hashtab.js';
import { htab_map_hash } from './jhash.js';
import { find_map_ops } from './bpf_types.js';
import { createMapEnv, mapCreateAttr } from './internal/common.js';

function create(a: Partial<BpfMapCreateAttr>, env = createMapEnv(1, { get_random_u32: () => 0 })): BpfMap | number {
  const at = mapCreateAttr({ map_type: T.BPF_MAP_TYPE_HASH, ...a });
  const ops = find_map_ops(at.map_type)!;
  const err = ops.map_alloc_check?.(at, env) ?? 0;
  return err || ops.map_alloc(at, env);
}
const u32 = (v: number): Uint8Array => new Uint8Array(new Uint32Array([v]).buffer);
const keyOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
const v8 = (x: number): Uint8Array => new Uint8Array(8).fill(x);

function walk(m: BpfMap): number[] {
  const out: number[] = [];
  let prev: Uint8Array | null = null;
  for (;;) {
    const next: Uint8Array = new Uint8Array(4);
    if (m.ops.map_get_next_key(m, prev, next)) return out;
    out.push(keyOf(next));
    prev = next;
  }
}

describe('htab_map_alloc_check', () => {
  // expectations from kernel/bpf/hashtab.c
  const rows: [string, Partial<BpfMapCreateAttr>, number][] = [
    ['a hash is created', {}, 0],
    ['BPF_F_NO_COMMON_LRU on a plain hash is EINVAL', { map_flags: 2 }, -22],
    ['an LRU hash without preallocation is ENOTSUPP', { map_type: T.BPF_MAP_TYPE_LRU_HASH, map_flags: 1 }, -524],
    ['a NUMA node on a per-CPU hash is EINVAL', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, map_flags: 4 }, -22],
    ['a NUMA node on a per-CPU LRU list is EINVAL', { map_type: T.BPF_MAP_TYPE_LRU_HASH, map_flags: 4 | 2 }, -22],
    ['key_size 0 is EINVAL', { key_size: 0 }, -22],
    ['key + value reaching KMALLOC_MAX_SIZE - sizeof(htab_elem) is E2BIG', { key_size: 4, value_size: (1 << 22) - 52 }, -7],
    ['a per-CPU value above PCPU_MIN_UNIT_SIZE is E2BIG', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, value_size: 32769 }, -7],
    ['BPF_F_MMAPABLE is not a hash flag', { map_flags: 1024 }, -22],
    ['hash of maps needs a 4-byte value', { map_type: T.BPF_MAP_TYPE_HASH_OF_MAPS, value_size: 8 }, -22],
    ['max_entries above 2^31 is E2BIG', { max_entries: 2 ** 31 + 1, map_flags: 1 }, -7],
  ];
  it.each(rows)('%s', (_n, a, want) => {
    const m = create(a);
    expect(typeof m === 'number' ? m : 0).toBe(want);
  });

  it('BPF_F_ZERO_SEED without CAP_SYS_ADMIN is EPERM', () => {
    expect(create({ map_flags: 64 }, createMapEnv(1, { capable: () => false }))).toBe(-1);
    expect(typeof create({ map_flags: 64 })).toBe('object');
  });

  // [max_entries, n_buckets]: roundup_pow_of_two(max_entries)
  const buckets: [number, number][] = [
    [1, 1],
    [3, 4],
    [4, 4],
    [5, 8],
    [1000, 1024],
  ];
  it.each(buckets)('max_entries %i gives %i buckets', (max_entries, n) => {
    expect((create({ max_entries }) as bpf_htab).n_buckets).toBe(n);
  });

  it('a per-CPU LRU list rounds max_entries to a multiple of the CPU count', () => {
    const m = create({ map_type: T.BPF_MAP_TYPE_LRU_HASH, max_entries: 10, map_flags: 2 }, createMapEnv(3)) as BpfMap;
    expect(m.max_entries).toBe(12);
  });
});

describe('update flags and the full map', () => {
  // [name, flags of the second update of key 1, expected]
  const rows: [string, bigint, number][] = [
    ['BPF_NOEXIST on an existing key is EEXIST', 1n, -17],
    ['BPF_EXIST on an existing key replaces it', 2n, 0],
    ['BPF_ANY replaces', 0n, 0],
    ['flags 3 are EINVAL', 3n, -22],
    ['BPF_F_LOCK without a bpf_spin_lock is EINVAL', 4n, -22],
  ];
  it.each(rows)('%s', (_n, flags, want) => {
    const m = create({}) as BpfMap;
    expect(m.ops.map_update_elem(m, u32(1), v8(1), 0n)).toBe(0);
    expect(m.ops.map_update_elem(m, u32(1), v8(2), flags)).toBe(want);
    expect(m.ops.map_update_elem(m, u32(2), v8(2), 2n)).toBe(-2); // BPF_EXIST on a missing key
    expect(m.ops.map_delete_elem(m, u32(7))).toBe(-2);
  });

  // [name, map_flags]: both answer E2BIG for a new key when full, and allow replacing
  const full: [string, number][] = [
    ['preallocated', 0],
    ['BPF_F_NO_PREALLOC', 1],
  ];
  it.each(full)('a full %s hash refuses a new key with E2BIG but replaces an old one', (_n, map_flags) => {
    const m = create({ max_entries: 2, map_flags }) as BpfMap;
    expect([1, 2, 3].map((k) => m.ops.map_update_elem(m, u32(k), v8(k), 0n))).toEqual([0, 0, -7]);
    expect(m.ops.map_update_elem(m, u32(1), v8(9), 0n)).toBe(0);
    expect(m.ops.map_delete_elem(m, u32(2))).toBe(0);
    expect(m.ops.map_update_elem(m, u32(3), v8(3), 0n)).toBe(0);
  });
});

describe('lookup returns a pointer into the element', () => {
  it('the same key gives the same live view; an update through it is seen by the next lookup', () => {
    const m = create({}) as BpfMap;
    m.ops.map_update_elem(m, u32(5), v8(1), 0n);
    const a = m.ops.map_lookup_elem(m, u32(5))!;
    expect(m.ops.map_lookup_elem(m, u32(5))).toBe(a);
    a[0] = 42;
    expect(m.ops.map_lookup_elem(m, u32(5))![0]).toBe(42);
    expect(a.length).toBe(8);
  });
});

describe('preallocated elements are reused, as the kernel reuses them', () => {
  it('a replace retires the old element to the CPU spare, and the next replace writes into it', () => {
    const m = create({}) as BpfMap;
    m.ops.map_update_elem(m, u32(1), v8(1), 0n);
    m.ops.map_update_elem(m, u32(2), v8(2), 0n);
    const stale = m.ops.map_lookup_elem(m, u32(1))!;
    m.ops.map_update_elem(m, u32(1), v8(3), 0n); // key 1 moves to a new element
    expect(stale[0]).toBe(1); // the old pointer still reads the old value
    expect(m.ops.map_lookup_elem(m, u32(1))![0]).toBe(3);
    m.ops.map_update_elem(m, u32(2), v8(9), 0n); // this replace takes the spare: the old element of key 1
    expect(stale[0]).toBe(9);
    expect(m.ops.map_lookup_elem(m, u32(2))).toBe(stale);
  });

  it('a deleted element goes back to the freelist and the next insert gets it', () => {
    const m = create({}) as BpfMap;
    m.ops.map_update_elem(m, u32(1), v8(1), 0n);
    const old = m.ops.map_lookup_elem(m, u32(1))!;
    m.ops.map_delete_elem(m, u32(1));
    m.ops.map_update_elem(m, u32(7), v8(7), 0n);
    expect(m.ops.map_lookup_elem(m, u32(7))).toBe(old);
  });
});

describe('bucket order (htab_map_get_next_key)', () => {
  // Two keys that share bucket 0 of a 2-bucket map, by the kernel's hash with seed 0.
  const same: number[] = [];
  for (let k = 0; same.length < 2; k++) if ((htab_map_hash(u32(k), 4, 0) & 1) === 0) same.push(k);
  const [a, b] = same;

  it('the newer key of a bucket comes first; replacing a key moves it to the head', () => {
    const m = create({ max_entries: 2, map_flags: 64 }) as BpfMap;
    m.ops.map_update_elem(m, u32(a), v8(1), 0n);
    m.ops.map_update_elem(m, u32(b), v8(2), 0n);
    expect(walk(m)).toEqual([b, a]);
    m.ops.map_update_elem(m, u32(a), v8(3), 2n);
    expect(walk(m)).toEqual([a, b]);
  });

  it('a per-CPU hash updates in place: the order stays', () => {
    const m = create({ map_type: T.BPF_MAP_TYPE_PERCPU_HASH, max_entries: 2, map_flags: 64 }) as BpfMap;
    m.ops.map_update_elem(m, u32(a), v8(1), 0n);
    m.ops.map_update_elem(m, u32(b), v8(2), 0n);
    m.ops.map_update_elem(m, u32(a), v8(3), 2n);
    expect(walk(m)).toEqual([b, a]);
  });

  it('a missing key restarts at the first bucket', () => {
    const m = create({ max_entries: 2, map_flags: 64 }) as BpfMap;
    m.ops.map_update_elem(m, u32(a), v8(1), 0n);
    const out = new Uint8Array(4);
    expect(m.ops.map_get_next_key(m, u32(0xdeadbeef), out)).toBe(0);
    expect(keyOf(out)).toBe(a);
    expect(m.ops.map_get_next_key(m, u32(a), out)).toBe(-2);
  });
});

describe('per-CPU values', () => {
  it('a program insert zeroes the other CPUs; the syscall copy pads each CPU to 8 bytes', () => {
    const env = createMapEnv(3);
    const m = create({ map_type: T.BPF_MAP_TYPE_PERCPU_HASH, value_size: 4 }, env) as BpfMap;
    expect(bpf_percpu_hash_update(m, u32(1), new Uint8Array(24).fill(0xff), 0n)).toBe(0);
    expect(m.ops.map_delete_elem(m, u32(1))).toBe(0);
    env.cpu = 2;
    expect(m.ops.map_update_elem(m, u32(1), u32(0x04030201), 0n)).toBe(0);
    const out = new Uint8Array(24).fill(0x55);
    expect(bpf_percpu_hash_copy(m, u32(1), out)).toBe(0);
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0]);
    expect(m.ops.map_lookup_percpu_elem!(m, u32(1), 3)).toBeNull();
  });
});

describe('LRU eviction (bpf_lru_list.c, one CPU, common LRU)', () => {
  // max_entries 4 on 1 CPU: target_free = clamp(4 / 1 / 2, 1, 128) = 2, so a refill
  // that finds no free node shrinks the inactive list by two, oldest first.
  const rows: [string, (m: BpfMap) => void, number[]][] = [
    [
      'a fifth key evicts the two oldest at once',
      (m) => [1, 2, 3, 4, 5].forEach((k) => m.ops.map_update_elem(m, u32(k), v8(k), 0n)),
      [3, 4, 5],
    ],
    [
      'a sixth key takes the node freed with the fifth: no new eviction',
      (m) => [1, 2, 3, 4, 5, 6].forEach((k) => m.ops.map_update_elem(m, u32(k), v8(k), 0n)),
      [3, 4, 5, 6],
    ],
    [
      'a key a program looked up gets a second chance',
      (m) => {
        [1, 2, 3, 4].forEach((k) => m.ops.map_update_elem(m, u32(k), v8(k), 0n));
        m.ops.map_lookup_elem(m, u32(1));
        m.ops.map_update_elem(m, u32(5), v8(5), 0n);
      },
      [1, 4, 5],
    ],
    [
      'a lookup from user space does not count as a use',
      (m) => {
        [1, 2, 3, 4].forEach((k) => m.ops.map_update_elem(m, u32(k), v8(k), 0n));
        m.ops.map_lookup_elem_sys_only!(m, u32(1));
        m.ops.map_update_elem(m, u32(5), v8(5), 0n);
      },
      [3, 4, 5],
    ],
  ];
  it.each(rows)('%s', (_n, run, survivors) => {
    const m = create({ map_type: T.BPF_MAP_TYPE_LRU_HASH, max_entries: 4 }) as BpfMap;
    run(m);
    expect(walk(m).sort((x, y) => x - y)).toEqual(survivors);
  });
});

describe('htab_map_lookup_batch', () => {
  it('walks whole buckets, ENOSPC when the first bucket does not fit, ENOENT at the end', () => {
    const m = create({ max_entries: 8, map_flags: 64 }) as BpfMap;
    for (let k = 0; k < 8; k++) m.ops.map_update_elem(m, u32(k), v8(k), 0n);
    const order = walk(m);
    let in_batch: number | null = null;
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = htab_map_lookup_batch(m, in_batch, 3, 0n, 0n);
      for (let j = 0; j < r.total; j++) seen.push(keyOf(r.keys.subarray(j * 4)));
      if (r.ret === -2) break;
      if (r.ret === -28) throw new Error('bucket larger than 3');
      in_batch = r.out_batch;
    }
    expect(seen).toEqual(order);
    expect(htab_map_lookup_batch(m, 8, 3, 0n, 0n)).toMatchObject({ ret: -2, write_back: 'count' });
    expect(htab_map_lookup_batch(m, null, 0, 0n, 0n)).toMatchObject({ ret: 0, write_back: 'none' });
    expect(htab_map_lookup_batch(m, null, 3, 4n, 0n).ret).toBe(-22);
    expect(htab_map_lookup_batch(m, null, 3, 0n, 1n).ret).toBe(-22);
  });

  it('lookup-and-delete empties the map', () => {
    const m = create({ max_entries: 4 }) as BpfMap;
    for (let k = 0; k < 4; k++) m.ops.map_update_elem(m, u32(k), v8(k), 0n);
    const r = htab_map_lookup_batch(m, null, 100, 0n, 0n, true);
    expect(r).toMatchObject({ ret: -2, total: 4 });
    expect(walk(m)).toEqual([]);
  });
});
