/**
 * Scenarios for the map commands: create per map type, element commands with
 * every flag and error path, batches, freeze, access modes. Each `expect` is the
 * kernel's answer (v6.18); the runner also compares everything with the host.
 */
import type { Scenario, ScenarioCtx } from './runner.js';
import {
  BAD_ADDR,
  BAD_FD,
  BPF_ANY,
  BPF_EXIST,
  BPF_F_LOCK,
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY,
  BPF_F_WRONLY,
  BPF_NOEXIST,
  C,
  E2BIG,
  EBADF,
  EBUSY,
  EEXIST,
  EFAULT,
  EINVAL,
  ENOENT,
  ENOSPC,
  ENOTSUPP,
  EPERM,
  T,
  batch,
  bytes,
  create,
  del,
  freeze,
  get,
  lookup,
  lookupAndDelete,
  mapId,
  nextKey,
  pin,
  u32,
  u64,
  update,
  type CreateFields,
} from './helpers.js';

const s = (name: string, run: (c: ScenarioCtx) => void, extra: Partial<Scenario> = {}): Scenario => ({ name, run, ...extra });

/** One create per map type with a valid attr, and the kernel's answer. */
const validCreates: [string, CreateFields, number | 'fd'][] = [
  ['array', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4 }, 'fd'],
  ['percpu_array', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 8, max_entries: 4 }, 'fd'],
  ['prog_array', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 4 }, 'fd'],
  ['perf_event_array', { map_type: T.BPF_MAP_TYPE_PERF_EVENT_ARRAY, key_size: 4, value_size: 4, max_entries: 4 }, 'fd'],
  ['hash', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd'],
  ['percpu_hash', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd'],
  ['lru_hash', { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd'],
  ['lru_percpu_hash', { map_type: T.BPF_MAP_TYPE_LRU_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd'],
  ['lpm_trie', { map_type: T.BPF_MAP_TYPE_LPM_TRIE, key_size: 8, value_size: 4, max_entries: 4, map_flags: BPF_F_NO_PREALLOC }, 'fd'],
  ['queue', { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 4 }, 'fd'],
  ['stack', { map_type: T.BPF_MAP_TYPE_STACK, key_size: 0, value_size: 4, max_entries: 4 }, 'fd'],
  ['ringbuf', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 }, 'fd'],
  ['bloom_filter', { map_type: T.BPF_MAP_TYPE_BLOOM_FILTER, key_size: 0, value_size: 4, max_entries: 4 }, 'fd'],
  ['stack_trace', { map_type: T.BPF_MAP_TYPE_STACK_TRACE, key_size: 4, value_size: 8, max_entries: 4 }, 'fd'],
  ['cgroup_array', { map_type: T.BPF_MAP_TYPE_CGROUP_ARRAY, key_size: 4, value_size: 4, max_entries: 4 }, 'fd'],
  ['devmap', { map_type: T.BPF_MAP_TYPE_DEVMAP, key_size: 4, value_size: 4, max_entries: 4 }, 'fd'],
  ['sockmap', { map_type: T.BPF_MAP_TYPE_SOCKMAP, key_size: 4, value_size: 4, max_entries: 4 }, 'fd'],
  ['cpumap', { map_type: T.BPF_MAP_TYPE_CPUMAP, key_size: 4, value_size: 4, max_entries: 4 }, 'fd'],
  ['user_ringbuf', { map_type: T.BPF_MAP_TYPE_USER_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 }, 'fd'],
];

/** Invalid creates: one row per check, with the kernel's errno. */
const badCreates: [string, CreateFields, number][] = [
  ['map_type 0 (UNSPEC) is EINVAL', { map_type: 0, key_size: 4, value_size: 4, max_entries: 1 }, EINVAL],
  ['map_type past the last type is EINVAL', { map_type: 1000, key_size: 4, value_size: 4, max_entries: 1 }, EINVAL],
  ['array with key_size 8 is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 8, value_size: 4, max_entries: 1 }, EINVAL],
  ['array with value_size 0 is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 0, max_entries: 1 }, EINVAL],
  ['array with max_entries 0 is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 0 }, EINVAL],
  ['array with BPF_F_NO_PREALLOC is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_flags: 1 }, EINVAL],
  ['hash with key_size 0 is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 0, value_size: 4, max_entries: 1 }, EINVAL],
  ['hash with max_entries 0 is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 0 }, EINVAL],
  ['BPF_F_RDONLY|BPF_F_WRONLY together is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_flags: BPF_F_RDONLY | BPF_F_WRONLY }, EINVAL],
  ['map_extra on an array is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_extra: 1n }, EINVAL],
  ['btf_key_type_id without btf_value_type_id is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, btf_key_type_id: 1 }, EINVAL],
  ['btf_vmlinux_value_type_id on an array is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, btf_vmlinux_value_type_id: 1 }, EINVAL],
  ['BPF_F_NUMA_NODE with node 1 on a one-node machine is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 1, map_flags: 4, numa_node: 1 }, EINVAL],
  ['a map name with "-" is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_name: new TextEncoder().encode('my-map') }, EINVAL],
  ['a map name with Latin-1 "\xd7" (multiplication sign, not a letter) is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_name: new Uint8Array([0x61, 0xd7]) }, EINVAL],
  ['a 16-byte map name without NUL is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_name: bytes(16, 0x61) }, EINVAL],
  ['map_ifindex of the loopback (no ndo_bpf) is EOPNOTSUPP', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_ifindex: 1 }, -95],
  ['map_ifindex of a missing device is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 1, map_ifindex: 999 }, EINVAL],
  ['map_ifindex on a queue (not offloadable) is EINVAL', { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 1, map_ifindex: 1 }, EINVAL],
  ['btf ids with a bad btf_fd is EBADF', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, btf_fd: BAD_FD, btf_key_type_id: 1, btf_value_type_id: 2 }, EBADF],
  ['excl_prog_hash_size without a hash is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, excl_prog_hash_size: 32 }, EINVAL],
  ['excl_prog_hash with size 31 is EINVAL', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, excl_prog_hash: 0x10000n, excl_prog_hash_size: 31 }, EINVAL],
  ['excl_prog_hash at an unmapped address is EFAULT', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, excl_prog_hash: BAD_ADDR, excl_prog_hash_size: 32 }, EFAULT],
  ['BPF_F_TOKEN_FD with a closed token fd is EBADF', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_flags: 1 << 16, map_token_fd: BAD_FD }, EBADF],
  ['queue with key_size 4 is EINVAL', { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 4, value_size: 4, max_entries: 4 }, EINVAL],
  ['ringbuf with max_entries not a power of 2 is EINVAL', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 5000 }, EINVAL],
  ['prog_array with value_size 8 is EINVAL', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 8, max_entries: 4 }, EINVAL],
  ['array_of_maps with a closed inner_map_fd is EBADF', { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 4, inner_map_fd: BAD_FD }, EBADF],
  ['hash_of_maps with a closed inner_map_fd is EBADF', { map_type: T.BPF_MAP_TYPE_HASH_OF_MAPS, key_size: 4, value_size: 4, max_entries: 4, inner_map_fd: BAD_FD }, EBADF],
];

const ARR: CreateFields = { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4 };
const HASH: CreateFields = { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 4, map_flags: 1 << 6 /* BPF_F_ZERO_SEED */ };
const V1 = u64(0x1122334455667788n);
const V2 = u64(0x0102030405060708n);

export const mapScenarios: Scenario[] = [
  ...validCreates.map(([n, f, e]) => s(`create: a ${n} map`, (c) => create(c, f, e))),
  ...badCreates.map(([n, f, e]) => s(`create: ${n}`, (c) => create(c, f, e))),
  s('create: Latin-1 letters are alphanumeric to the kernel (its ctype is ISO 8859-1)', (c) => {
    const fd = create(c, { ...ARR, map_name: new Uint8Array([0xe9, 0x74, 0xe9, 0xff, 0xc0]) }, 'fd');
    const buf = c.mem(104);
    c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, c.attr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len: 104, info: buf } }), { expect: 0 });
    c.read(buf + 24n, 16); // the name as the kernel copies it back
  }),
  s('create: a named map keeps its name', (c) => {
    create(c, { ...ARR, map_name: new TextEncoder().encode('counters.v1') }, 'fd');
  }),
  s('create: BPF_F_RDONLY gives an fd that cannot update (EPERM) but can look up', (c) => {
    const fd = create(c, { ...ARR, map_flags: BPF_F_RDONLY }, 'fd');
    update(c, fd, u32(0), V1, BPF_ANY, EPERM);
    lookup(c, fd, u32(0), 8, 0);
  }),
  s('create: BPF_F_WRONLY gives an fd that cannot look up (EPERM) or iterate', (c) => {
    const fd = create(c, { ...ARR, map_flags: BPF_F_WRONLY }, 'fd');
    update(c, fd, u32(0), V1, BPF_ANY, 0);
    lookup(c, fd, u32(0), 8, EPERM);
    nextKey(c, fd, null, 4, EPERM);
  }),

  // ---- array ------------------------------------------------------------------------------------
  s('array: update then lookup returns the value', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(1), V1, BPF_ANY, 0);
    lookup(c, fd, u32(1), 8, 0);
  }),
  s('array: a fresh element reads as zero', (c) => {
    const fd = create(c, ARR, 'fd');
    lookup(c, fd, u32(3), 8, 0);
  }),
  s('array: BPF_NOEXIST is EEXIST (every element exists)', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(0), V1, BPF_NOEXIST, EEXIST);
  }),
  s('array: BPF_EXIST replaces', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(0), V1, BPF_EXIST, 0);
    lookup(c, fd, u32(0), 8, 0);
  }),
  s('array: update past max_entries is E2BIG', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(4), V1, BPF_ANY, E2BIG);
  }),
  s('array: lookup past max_entries is ENOENT', (c) => {
    const fd = create(c, ARR, 'fd');
    lookup(c, fd, u32(4), 8, ENOENT);
  }),
  s('array: delete is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    del(c, fd, u32(0), EINVAL);
  }),
  s('array: update flags 3 is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(0), V1, 3n, EINVAL);
  }),
  s('array: update with BPF_F_LOCK on a value without a spin lock is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(0), V1, BPF_F_LOCK, EINVAL);
  }),
  s('array: lookup flags other than BPF_F_LOCK are EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    lookup(c, fd, u32(0), 8, EINVAL, 1n);
  }),
  s('array: lookup with BPF_F_LOCK without a spin lock is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    lookup(c, fd, u32(0), 8, EINVAL, BPF_F_LOCK);
  }),
  s('array: get_next_key from NULL is index 0', (c) => {
    const fd = create(c, ARR, 'fd');
    nextKey(c, fd, null, 4, 0);
  }),
  s('array: get_next_key walks 0..3 then ENOENT', (c) => {
    const fd = create(c, ARR, 'fd');
    for (let i = 0; i < 3; i++) nextKey(c, fd, u32(i), 4, 0);
    nextKey(c, fd, u32(3), 4, ENOENT);
  }),
  s('array: get_next_key of an out-of-range key restarts at 0', (c) => {
    const fd = create(c, ARR, 'fd');
    nextKey(c, fd, u32(100), 4, 0);
  }),
  s('array: a key at an unmapped address is EFAULT', (c) => {
    const fd = create(c, ARR, 'fd');
    lookup(c, fd, BAD_ADDR, 8, EFAULT);
    update(c, fd, BAD_ADDR, V1, BPF_ANY, EFAULT);
  }),
  s('array: a value at an unmapped address is EFAULT', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(0), BAD_ADDR, BPF_ANY, EFAULT);
    c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: c.mem(u32(0)), value: BAD_ADDR }), { expect: EFAULT });
  }),
  s('array: a NULL next_key is EFAULT after the walk', (c) => {
    const fd = create(c, ARR, 'fd');
    c.bpf(C.BPF_MAP_GET_NEXT_KEY, c.attr('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: 0n, next_key: 0n }), { expect: EFAULT });
  }),
  s('array: lookup_and_delete is ENOTSUPP', (c) => {
    const fd = create(c, ARR, 'fd');
    lookupAndDelete(c, fd, u32(0), 8, ENOTSUPP);
  }),
  s('array: a value_size of 3 copies 3 bytes', (c) => {
    const fd = create(c, { ...ARR, value_size: 3 }, 'fd');
    update(c, fd, u32(0), new Uint8Array([1, 2, 3]), BPF_ANY, 0);
    lookup(c, fd, u32(0), 3, 0);
  }),
  s('array: frozen map: update EPERM, lookup still works, freeze again EPERM', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(0), V1, BPF_ANY, 0);
    freeze(c, fd, 0);
    update(c, fd, u32(0), V2, BPF_ANY, EPERM);
    lookup(c, fd, u32(0), 8, 0);
    freeze(c, fd, EPERM);
  }),
  s('freeze: a read-only fd cannot freeze (EPERM)', (c) => {
    const fd = create(c, { ...ARR, map_flags: BPF_F_RDONLY }, 'fd');
    freeze(c, fd, EPERM);
  }),
  s('freeze: a closed fd is EBADF, a non-map fd EINVAL', (c) => {
    freeze(c, BAD_FD, EBADF);
    const n = c.open('/dev/null');
    freeze(c, n, EINVAL);
  }),
  s('percpu_array: lookup copies every CPU, each rounded up to 8 bytes', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 4, max_entries: 2 }, 'fd');
    const v = new Uint8Array(16);
    v.set([1, 2, 3, 4], 0);
    v.set([5, 6, 7, 8], 8);
    update(c, fd, u32(1), v, BPF_ANY, 0);
    lookup(c, fd, u32(1), 16, 0);
  }),
  s('percpu_array: BPF_NOEXIST is EEXIST', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 4, max_entries: 2 }, 'fd');
    update(c, fd, u32(0), bytes(16, 1), BPF_NOEXIST, EEXIST);
  }),

  // ---- element commands on bad fds -----------------------------------------------------------
  s('lookup on a closed fd is EBADF', (c) => {
    lookup(c, BAD_FD, u32(0), 8, EBADF);
  }),
  s('lookup on /dev/null is EINVAL', (c) => {
    const n = c.open('/dev/null');
    lookup(c, n, u32(0), 8, EINVAL);
  }),
  s('update on stdin (fd 0) is EINVAL', (c) => {
    update(c, 0, u32(0), V1, BPF_ANY, EINVAL);
  }),
  s('delete, get_next_key, lookup_and_delete on a closed fd are EBADF', (c) => {
    del(c, BAD_FD, u32(0), EBADF);
    nextKey(c, BAD_FD, null, 4, EBADF);
    lookupAndDelete(c, BAD_FD, u32(0), 8, EBADF);
  }),
  s('lookup_and_delete with flags other than BPF_F_LOCK is EINVAL before the fd', (c) => {
    lookupAndDelete(c, BAD_FD, u32(0), 8, EINVAL, 2n);
  }),
  s('a closed map fd is EBADF for the next call', (c) => {
    const fd = create(c, ARR, 'fd');
    c.close(fd, 0);
    lookup(c, fd, u32(0), 8, EBADF);
    c.close(fd, EBADF);
  }),

  // ---- hash --------------------------------------------------------------------------------------
  s('hash: update, lookup, delete, lookup ENOENT', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, u32(7), V1, BPF_ANY, 0);
    lookup(c, fd, u32(7), 8, 0);
    del(c, fd, u32(7), 0);
    lookup(c, fd, u32(7), 8, ENOENT);
  }),
  // #region scenario_example
  s('hash: BPF_NOEXIST on an existing key is EEXIST', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, u32(1), V1, BPF_NOEXIST, 0);
    update(c, fd, u32(1), V2, BPF_NOEXIST, EEXIST);
    lookup(c, fd, u32(1), 8, 0); // the value read back must be V1 on both sides
  }),
  // #endregion scenario_example
  s('hash: BPF_EXIST on a missing key is ENOENT', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, u32(1), V1, BPF_EXIST, ENOENT);
  }),
  s('hash: delete of a missing key is ENOENT', (c) => {
    const fd = create(c, HASH, 'fd');
    del(c, fd, u32(1), ENOENT);
  }),
  s('hash: a full preallocated map is E2BIG for a new key, replacing still works', (c) => {
    const fd = create(c, HASH, 'fd');
    for (let i = 0; i < 4; i++) update(c, fd, u32(i), V1, BPF_ANY, 0);
    update(c, fd, u32(9), V1, BPF_ANY, E2BIG);
    update(c, fd, u32(2), V2, BPF_ANY, 0);
  }),
  s('hash: BPF_F_NO_PREALLOC full map is E2BIG too', (c) => {
    const fd = create(c, { ...HASH, map_flags: BPF_F_NO_PREALLOC }, 'fd');
    for (let i = 0; i < 4; i++) update(c, fd, u32(i), V1, BPF_ANY, 0);
    update(c, fd, u32(9), V1, BPF_ANY, E2BIG);
  }),
  s('hash: empty map get_next_key is ENOENT', (c) => {
    const fd = create(c, HASH, 'fd');
    nextKey(c, fd, null, 4, ENOENT);
  }),
  s('hash: get_next_key order with BPF_F_ZERO_SEED', (c) => {
    const fd = create(c, { ...HASH, max_entries: 8 }, 'fd');
    for (const k of [5, 1, 9, 3]) update(c, fd, u32(k), V1, BPF_ANY, 0);
    let key: Uint8Array | null = null;
    for (let i = 0; i < 5; i++) {
      const buf = c.mem(4);
      const r = c.bpf(C.BPF_MAP_GET_NEXT_KEY, c.attr('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: key ? c.mem(key) : 0n, next_key: buf }));
      if (r) break;
      key = c.read(buf, 4);
    }
  }),
  s('hash: get_next_key of a missing key restarts from the first', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, u32(1), V1, BPF_ANY, 0);
    nextKey(c, fd, u32(42), 4, 0);
  }),
  s('hash: lookup_and_delete returns the value and removes the key', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, u32(3), V1, BPF_ANY, 0);
    lookupAndDelete(c, fd, u32(3), 8, 0);
    lookup(c, fd, u32(3), 8, ENOENT);
    lookupAndDelete(c, fd, u32(3), 8, ENOENT);
  }),
  s('hash: lookup_and_delete with BPF_F_LOCK is EINVAL', (c) => {
    const fd = create(c, HASH, 'fd');
    lookupAndDelete(c, fd, u32(3), 8, EINVAL, BPF_F_LOCK);
  }),
  s('hash: a read-only fd cannot lookup_and_delete (EPERM)', (c) => {
    const fd = create(c, { ...HASH, map_flags: (1 << 6) | BPF_F_RDONLY }, 'fd');
    lookupAndDelete(c, fd, u32(3), 8, EPERM);
  }),
  s('hash: a 1-byte key with value 16 bytes round-trips', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_HASH, key_size: 1, value_size: 16, max_entries: 2 }, 'fd');
    update(c, fd, new Uint8Array([0xab]), bytes(16, 0x5a), BPF_ANY, 0);
    lookup(c, fd, new Uint8Array([0xab]), 16, 0);
  }),
  s('hash: a NULL key is EFAULT', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, null, V1, BPF_ANY, EFAULT);
  }),
  s('hash: frozen hash refuses delete (EPERM)', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, u32(1), V1, BPF_ANY, 0);
    freeze(c, fd, 0);
    del(c, fd, u32(1), EPERM);
    lookup(c, fd, u32(1), 8, 0);
  }),
  s('percpu_hash: update all CPUs and read them back', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd');
    const v = new Uint8Array(16);
    v.set(V1, 0);
    v.set(V2, 8);
    update(c, fd, u32(1), v, BPF_ANY, 0);
    lookup(c, fd, u32(1), 16, 0);
  }),
  s('percpu_hash: lookup_and_delete copies every CPU', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 4, max_entries: 4 }, 'fd');
    update(c, fd, u32(1), bytes(16, 7), BPF_ANY, 0);
    lookupAndDelete(c, fd, u32(1), 16, 0);
  }),
  s('lru_hash: a full map evicts instead of E2BIG', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd');
    for (let i = 0; i < 6; i++) update(c, fd, u32(i), V1, BPF_ANY, 0);
  }),
  s('lru_hash: BPF_NOEXIST, BPF_EXIST behave as for hash', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd');
    update(c, fd, u32(1), V1, BPF_EXIST, ENOENT);
    update(c, fd, u32(1), V1, BPF_NOEXIST, 0);
    update(c, fd, u32(1), V1, BPF_NOEXIST, EEXIST);
  }),
  s('lru_percpu_hash: update and lookup', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_LRU_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 4 }, 'fd');
    update(c, fd, u32(2), bytes(16, 3), BPF_ANY, 0);
    lookup(c, fd, u32(2), 16, 0);
  }),

  // ---- fd maps -----------------------------------------------------------------------------------
  s('prog_array: storing a map fd is EINVAL, a closed fd EBADF', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 4 }, 'fd');
    const m = create(c, ARR, 'fd');
    update(c, fd, u32(0), u32(m), BPF_ANY, EINVAL);
    update(c, fd, u32(0), u32(BAD_FD), BPF_ANY, EBADF);
  }),
  s('prog_array: an empty slot looks up as ENOENT, deletes as ENOENT', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 4 }, 'fd');
    lookup(c, fd, u32(0), 4, ENOENT);
    del(c, fd, u32(0), ENOENT);
  }),
  s('prog_array: update with BPF_NOEXIST is EINVAL (only BPF_ANY)', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 4 }, 'fd');
    update(c, fd, u32(0), u32(BAD_FD), BPF_NOEXIST, EINVAL);
  }),
  s('array_of_maps: store an inner map, read back its id, delete it', (c) => {
    const inner = create(c, ARR, 'fd');
    const outer = create(c, { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: inner }, 'fd');
    const id = mapId(c, inner);
    update(c, outer, u32(1), u32(inner), BPF_ANY, 0);
    const v = c.mem(4);
    c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: outer, key: c.mem(u32(1)), value: v }), { expect: 0 });
    const got = new DataView(c.proc.mem.read(v, 4).buffer).getUint32(0, true);
    c.note('inner id matches', got === id);
    del(c, outer, u32(1), 0);
    lookup(c, outer, u32(1), 4, ENOENT);
  }),
  s('array_of_maps: an inner map of another shape is EINVAL', (c) => {
    const inner = create(c, ARR, 'fd');
    const outer = create(c, { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: inner }, 'fd');
    const other = create(c, { ...ARR, value_size: 16 }, 'fd');
    update(c, outer, u32(0), u32(other), BPF_ANY, EINVAL);
  }),
  s('array_of_maps: the outer map keeps the inner map alive after its fd closes', (c) => {
    const inner = create(c, ARR, 'fd');
    update(c, inner, u32(0), V1, BPF_ANY, 0);
    const outer = create(c, { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: inner }, 'fd');
    const id = mapId(c, inner);
    update(c, outer, u32(0), u32(inner), BPF_ANY, 0);
    c.close(inner, 0);
    const again = c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: 'fd' });
    lookup(c, again, u32(0), 8, 0);
  }),
  s('array_of_maps: a map-in-map as inner map is EINVAL', (c) => {
    const inner = create(c, ARR, 'fd');
    const mid = create(c, { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: inner }, 'fd');
    create(c, { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: mid }, EINVAL);
  }),
  s('hash_of_maps: store, look up the id, BPF_NOEXIST twice is EEXIST', (c) => {
    const inner = create(c, HASH, 'fd');
    const outer = create(c, { map_type: T.BPF_MAP_TYPE_HASH_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: inner }, 'fd');
    update(c, outer, u32(5), u32(inner), BPF_NOEXIST, 0);
    update(c, outer, u32(5), u32(inner), BPF_NOEXIST, EEXIST);
    const id = mapId(c, inner);
    const v = c.mem(4);
    c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: outer, key: c.mem(u32(5)), value: v }), { expect: 0 });
    c.note('inner id matches', new DataView(c.proc.mem.read(v, 4).buffer).getUint32(0, true) === id);
  }),

  // ---- queue / stack / bloom ----------------------------------------------------------------------
  s('queue: push, push, peek (lookup), pop in FIFO order, then ENOENT', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 4 }, 'fd');
    update(c, fd, null, u32(1), BPF_ANY, 0);
    update(c, fd, null, u32(2), BPF_ANY, 0);
    lookup(c, fd, null, 4, 0);
    lookupAndDelete(c, fd, null, 4, 0);
    lookupAndDelete(c, fd, null, 4, 0);
    lookupAndDelete(c, fd, null, 4, ENOENT);
  }),
  s('stack: pop in LIFO order', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_STACK, key_size: 0, value_size: 4, max_entries: 4 }, 'fd');
    update(c, fd, null, u32(1), BPF_ANY, 0);
    update(c, fd, null, u32(2), BPF_ANY, 0);
    lookupAndDelete(c, fd, null, 4, 0);
  }),
  s('queue: a non-NULL key is EINVAL', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 4 }, 'fd');
    update(c, fd, u32(0), u32(1), BPF_ANY, EINVAL);
  }),
  s('queue: full push is E2BIG, BPF_EXIST overwrites the oldest', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 2 }, 'fd');
    update(c, fd, null, u32(1), BPF_ANY, 0);
    update(c, fd, null, u32(2), BPF_ANY, 0);
    update(c, fd, null, u32(3), BPF_ANY, E2BIG);
    update(c, fd, null, u32(3), BPF_EXIST, 0);
    lookupAndDelete(c, fd, null, 4, 0);
  }),
  s('queue: lookup_and_delete with flags is EINVAL', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 2 }, 'fd');
    lookupAndDelete(c, fd, null, 4, EINVAL, BPF_F_LOCK);
  }),
  s('bloom_filter: a pushed value is found, get_next_key is EINVAL', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_BLOOM_FILTER, key_size: 0, value_size: 4, max_entries: 16 }, 'fd');
    update(c, fd, null, u32(42), BPF_ANY, 0);
    c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: 0n, value: c.mem(u32(42)) }), { expect: 0 });
    nextKey(c, fd, null, 4, EINVAL);
  }),

  s('ringbuf: every element command is ENOTSUPP, a key is EINVAL, freeze works', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 }, 'fd');
    lookup(c, fd, null, 8, ENOTSUPP);
    lookup(c, fd, u32(0), 8, EINVAL);
    update(c, fd, null, u64(0), BPF_ANY, ENOTSUPP);
    del(c, fd, null, ENOTSUPP);
    nextKey(c, fd, null, 4, ENOTSUPP);
    lookupAndDelete(c, fd, null, 8, ENOTSUPP);
    batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(4), values: c.mem(8), count: 1 }, ENOTSUPP);
    freeze(c, fd, 0);
  }),
  s('queue: get_next_key and delete are EINVAL, lookup of an empty queue ENOENT', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 2 }, 'fd');
    nextKey(c, fd, null, 4, EINVAL);
    del(c, fd, null, EINVAL);
    lookup(c, fd, null, 4, ENOENT);
  }),
  s('queue: BPF_NOEXIST and BPF_F_LOCK are EINVAL for a push', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 2 }, 'fd');
    update(c, fd, null, u32(1), BPF_NOEXIST, EINVAL);
    update(c, fd, null, u32(1), BPF_F_LOCK, EINVAL);
  }),
  s('stack: a frozen stack refuses push and pop (EPERM)', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_STACK, key_size: 0, value_size: 4, max_entries: 2 }, 'fd');
    update(c, fd, null, u32(7), BPF_ANY, 0);
    freeze(c, fd, 0);
    update(c, fd, null, u32(8), BPF_ANY, EPERM);
    lookupAndDelete(c, fd, null, 4, EPERM);
    lookup(c, fd, null, 4, 0);
  }),
  s('lpm_trie: longest-prefix match from user space', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_LPM_TRIE, key_size: 8, value_size: 4, max_entries: 4, map_flags: BPF_F_NO_PREALLOC }, 'fd');
    update(c, fd, new Uint8Array([16, 0, 0, 0, 10, 1, 0, 0]), u32(16), BPF_ANY, 0);
    update(c, fd, new Uint8Array([24, 0, 0, 0, 10, 1, 2, 0]), u32(24), BPF_ANY, 0);
    lookup(c, fd, new Uint8Array([32, 0, 0, 0, 10, 1, 2, 3]), 4, 0);
    lookup(c, fd, new Uint8Array([32, 0, 0, 0, 10, 1, 9, 9]), 4, 0);
    lookup(c, fd, new Uint8Array([32, 0, 0, 0, 11, 0, 0, 0]), 4, ENOENT);
    nextKey(c, fd, null, 8, 0);
  }),

  // ---- batch -------------------------------------------------------------------------------------
  s('batch: array lookup of all 4 elements writes count and out_batch', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(2), V1, BPF_ANY, 0);
    const keys = c.mem(16);
    const values = c.mem(32);
    const ob = c.mem(4);
    const r = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys, values, count: 4, out_batch: ob }, 0);
    c.read(r.attr + 32n, 4);
    c.read(keys, 16);
    c.read(values, 32);
    c.read(ob, 4);
  }),
  s('batch: array lookup in two halves, the second ends with ENOENT', (c) => {
    const fd = create(c, ARR, 'fd');
    const keys = c.mem(16);
    const values = c.mem(32);
    const ob = c.mem(4);
    const r1 = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys, values, count: 2, out_batch: ob }, 0);
    c.read(r1.attr + 32n, 4);
    c.read(ob, 4);
    const ob2 = c.mem(4);
    const r2 = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys, values, count: 4, in_batch: ob, out_batch: ob2 }, ENOENT);
    c.read(r2.attr + 32n, 4);
    c.read(ob2, 4);
  }),
  s('batch: count 0 returns 0 and writes nothing', (c) => {
    const fd = create(c, ARR, 'fd');
    const r = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(16), values: c.mem(32), count: 0 }, 0);
    c.read(r.attr + 32n, 4);
  }),
  s('batch: array update of 3 elements, then lookup', (c) => {
    const fd = create(c, ARR, 'fd');
    const keys = c.mem(new Uint8Array([...u32(0), ...u32(1), ...u32(3)]));
    const values = c.mem(bytes(24, 9));
    const r = batch(c, C.BPF_MAP_UPDATE_BATCH, { map_fd: fd, keys, values, count: 3 }, 0);
    c.read(r.attr + 32n, 4);
    lookup(c, fd, u32(3), 8, 0);
  }),
  s('batch: update stops at the first error and reports how many went in', (c) => {
    const fd = create(c, ARR, 'fd');
    const keys = c.mem(new Uint8Array([...u32(0), ...u32(9), ...u32(1)]));
    const r = batch(c, C.BPF_MAP_UPDATE_BATCH, { map_fd: fd, keys, values: c.mem(24), count: 3 }, E2BIG);
    c.read(r.attr + 32n, 4);
  }),
  s('batch: array delete batch is ENOTSUPP', (c) => {
    const fd = create(c, ARR, 'fd');
    batch(c, C.BPF_MAP_DELETE_BATCH, { map_fd: fd, keys: c.mem(4), count: 1 }, ENOTSUPP);
  }),
  s('batch: array lookup_and_delete batch is ENOTSUPP', (c) => {
    const fd = create(c, ARR, 'fd');
    batch(c, C.BPF_MAP_LOOKUP_AND_DELETE_BATCH, { map_fd: fd, keys: c.mem(4), values: c.mem(8), count: 1 }, ENOTSUPP);
  }),
  s('batch: elem_flags other than BPF_F_LOCK are EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(16), values: c.mem(32), count: 4, elem_flags: 1n }, EINVAL);
  }),
  s('batch: a closed fd is EBADF, a read-only fd cannot update (EPERM)', (c) => {
    batch(c, C.BPF_MAP_UPDATE_BATCH, { map_fd: BAD_FD, count: 1 }, EBADF);
    const fd = create(c, { ...ARR, map_flags: BPF_F_RDONLY }, 'fd');
    batch(c, C.BPF_MAP_UPDATE_BATCH, { map_fd: fd, keys: c.mem(4), values: c.mem(8), count: 1 }, EPERM);
  }),
  s('batch: a write-only fd cannot lookup (EPERM)', (c) => {
    const fd = create(c, { ...ARR, map_flags: BPF_F_WRONLY }, 'fd');
    batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(16), values: c.mem(32), count: 4 }, EPERM);
  }),
  s('batch: keys at an unmapped address are EFAULT', (c) => {
    const fd = create(c, ARR, 'fd');
    const r = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: BAD_ADDR, values: c.mem(32), count: 4 }, EFAULT);
    c.read(r.attr + 32n, 4);
  }),
  s('batch: hash lookup batch walks buckets and ends with ENOENT', (c) => {
    const fd = create(c, { ...HASH, max_entries: 8 }, 'fd');
    for (const k of [1, 2, 3]) update(c, fd, u32(k), u64(k), BPF_ANY, 0);
    const keys = c.mem(32);
    const values = c.mem(64);
    const ob = c.mem(4);
    const r = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys, values, count: 8, out_batch: ob }, ENOENT);
    c.read(r.attr + 32n, 4);
    c.read(keys, 32);
    c.read(values, 64);
    c.read(ob, 4);
  }),
  s('batch: hash lookup_and_delete empties the map', (c) => {
    const fd = create(c, { ...HASH, max_entries: 8 }, 'fd');
    for (const k of [4, 5]) update(c, fd, u32(k), u64(k), BPF_ANY, 0);
    const r = batch(c, C.BPF_MAP_LOOKUP_AND_DELETE_BATCH, { map_fd: fd, keys: c.mem(32), values: c.mem(64), count: 8, out_batch: c.mem(4) }, ENOENT);
    c.read(r.attr + 32n, 4);
    nextKey(c, fd, null, 4, ENOENT);
  }),
  s('batch: hash lookup batch with flags is EINVAL', (c) => {
    const fd = create(c, HASH, 'fd');
    batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(16), values: c.mem(32), count: 4, flags: 1n }, EINVAL);
  }),
  s('batch: hash delete batch deletes listed keys, ENOENT on a missing one', (c) => {
    const fd = create(c, HASH, 'fd');
    update(c, fd, u32(1), V1, BPF_ANY, 0);
    const r = batch(c, C.BPF_MAP_DELETE_BATCH, { map_fd: fd, keys: c.mem(new Uint8Array([...u32(1), ...u32(2)])), count: 2 }, ENOENT);
    c.read(r.attr + 32n, 4);
  }),
  s('batch: hash update batch inserts', (c) => {
    const fd = create(c, HASH, 'fd');
    const r = batch(c, C.BPF_MAP_UPDATE_BATCH, { map_fd: fd, keys: c.mem(new Uint8Array([...u32(1), ...u32(2)])), values: c.mem(bytes(16, 4)), count: 2 }, 0);
    c.read(r.attr + 32n, 4);
    lookup(c, fd, u32(2), 8, 0);
  }),
  s('batch: hash lookup batch with an in_batch past the last bucket is ENOENT, count 0', (c) => {
    const fd = create(c, HASH, 'fd');
    const r = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(16), values: c.mem(32), count: 4, in_batch: c.mem(u32(100)), out_batch: c.mem(4) }, ENOENT);
    c.read(r.attr + 32n, 4);
  }),
  s('batch: a queue has no batch ops (ENOTSUPP)', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 4 }, 'fd');
    batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(4), values: c.mem(4), count: 1 }, ENOTSUPP);
  }),

  // ---- pinned maps keep their data --------------------------------------------------------------
  s('pin: a pinned map survives its fd; BPF_OBJ_GET sees the same data', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(1), V1, BPF_ANY, 0);
    pin(c, fd, '/sys/fs/bpf/m', 0);
    c.close(fd, 0);
    const again = get(c, '/sys/fs/bpf/m', 'fd');
    lookup(c, again, u32(1), 8, 0);
    c.unlink('/sys/fs/bpf/m');
  }),
  s('pin: BPF_OBJ_GET with BPF_F_RDONLY gives a read-only fd', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/ro', 0);
    const ro = get(c, '/sys/fs/bpf/ro', 'fd', { file_flags: BPF_F_RDONLY });
    update(c, ro, u32(0), V1, BPF_ANY, EPERM);
    lookup(c, ro, u32(0), 8, 0);
  }),
  s('pin: BPF_OBJ_GET with BPF_F_WRONLY gives a write-only fd', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/wo', 0);
    const wo = get(c, '/sys/fs/bpf/wo', 'fd', { file_flags: BPF_F_WRONLY });
    update(c, wo, u32(0), V1, BPF_ANY, 0);
    lookup(c, wo, u32(0), 8, EPERM);
  }),
  s('batch: ENOSPC when the first hash bucket holds more than count', (c) => {
    // n_buckets = 1: every key shares bucket 0.
    const fd = create(c, { ...HASH, max_entries: 1, map_flags: (1 << 6) | BPF_F_NO_PREALLOC }, 'fd');
    update(c, fd, u32(1), V1, BPF_ANY, 0);
    const r = batch(c, C.BPF_MAP_LOOKUP_BATCH, { map_fd: fd, keys: c.mem(16), values: c.mem(32), count: 1, out_batch: c.mem(4) });
    c.read(r.attr + 32n, 4);
    c.note('not ENOSPC with one element', r.ret !== ENOSPC);
  }),
  s('update of a map while frozen via a second fd from BPF_MAP_GET_FD_BY_ID is EPERM', (c) => {
    const fd = create(c, ARR, 'fd');
    const id = mapId(c, fd);
    freeze(c, fd, 0);
    const fd2 = c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: 'fd' });
    update(c, fd2, u32(0), V1, BPF_ANY, EPERM);
  }),
  s('freeze while the map is already frozen from another fd is EPERM', (c) => {
    const fd = create(c, HASH, 'fd');
    const id = mapId(c, fd);
    const fd2 = c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: 'fd' });
    freeze(c, fd, 0);
    freeze(c, fd2, EPERM);
    void EBUSY;
  }),
];
