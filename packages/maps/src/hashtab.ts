/**
 * Hash maps: BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS.
 * Mirrors kernel/bpf/hashtab.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c
 *
 * Modelled exactly: the bucket an element lands in (`htab_map_hash` = jhash with
 * the map's seed, `n_buckets = roundup_pow_of_two(max_entries)`), the order inside
 * a bucket (a new or replaced element goes to the head), hence the order of
 * `htab_map_get_next_key` and of the batch walk; the update flags; where a full
 * map answers -E2BIG (preallocated: no free element; BPF_F_NO_PREALLOC: element
 * count at max_entries, replacing still allowed); LRU eviction through
 * bpf_lru_list.ts; per-CPU values (round_up(value_size, 8) per possible CPU).
 * Preallocated element memory is reused as in the kernel: a replace takes the
 * CPU's spare (`extra_elems`) and retires the old element to it, a delete returns
 * the element to the freelist for the next insert (so a pointer a program kept
 * sees the reuse). Simplified: the per-CPU freelist is one LIFO (which free
 * element an insert gets can differ from the kernel's); no BTF special fields (BPF_F_LOCK
 * is therefore -EINVAL, as for a value without a bpf_spin_lock); no bucket-lock
 * contention (-EBUSY from a program re-entering a bucket never happens).
 * @module
 */
import { bpf_map_type } from '@bpf-internals/uapi';
import type { BpfFdPtr, BpfFdResolver, BpfMap, BpfMapCreateAttr, BpfMapEnv, bpf_map_ops } from './bpf_map.js';
import { bpf_lru_init, bpf_lru_node, bpf_lru_node_set_ref, bpf_lru_pop_free, bpf_lru_populate, bpf_lru_push_free, type bpf_lru } from './bpf_lru_list.js';
import {
  BPF_EXIST,
  BPF_F_ACCESS_MASK,
  BPF_F_LOCK,
  BPF_F_NO_COMMON_LRU,
  BPF_F_NO_PREALLOC,
  BPF_F_NUMA_NODE,
  BPF_F_ZERO_SEED,
  BPF_NOEXIST,
  CAP_SYS_ADMIN,
  E2BIG,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOTSUPP,
  EPERM,
  KMALLOC_MAX_SIZE,
  MODEL_MAX_ALLOC,
  NUMA_NO_NODE,
  PCPU_MIN_UNIT_SIZE,
  bpf_map_attr_numa_node,
  bpf_map_flags_access_ok,
  bpf_map_init_from_attr,
  copy_bytes,
  num_possible_cpus,
  read_u32,
  round_up,
  roundup_pow_of_two,
  this_cpu,
  write_u32,
} from './internal/common.js';
import { htab_map_hash } from './jhash.js';
import { bpf_map_fd_get_ptr, bpf_map_fd_put_ptr, bpf_map_fd_sys_lookup_elem, bpf_map_meta_alloc, bpf_map_meta_equal, bpf_map_meta_free } from './map_in_map.js';

/** The update flags as u64, as they arrive. */
const F_LOCK = BigInt(BPF_F_LOCK);
const F_EXIST = BigInt(BPF_EXIST);
const F_NOEXIST = BigInt(BPF_NOEXIST);

const HTAB_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;

/** sizeof(struct htab_elem) on x86-64 (hash node, LRU node / per-CPU pointer, hash), before the key. */
export const SIZEOF_HTAB_ELEM = 48;
/** `HASHTAB_MAP_LOCK_COUNT`: per-CPU recursion counters, one int per CPU each. */
const HASHTAB_MAP_LOCK_COUNT = 8;
/** sizeof(struct bucket). */
const SIZEOF_BUCKET = 16;
/** sizeof(struct bpf_htab) on v6.18 x86-64 (from the host's BTF). */
const SIZEOF_BPF_HTAB = 832;

/** `struct htab_elem`: key, hash and the value (or per-CPU values, or an inner map). */
export interface htab_elem {
  key: Uint8Array;
  hash: number;
  /** The value (round_up(value_size, 8) bytes), for non-per-CPU types. */
  value: Uint8Array;
  /** The value_size-byte view lookups hand out (made once: the same pointer every time). */
  view?: Uint8Array;
  /** Per-CPU values, one per possible CPU. */
  pptr: Uint8Array[] | null;
  /** HASH_OF_MAPS: the inner map held. */
  ptr: BpfFdPtr | null;
  /** LRU types: this element's node in the LRU lists. */
  lru_node: bpf_lru_node<htab_elem> | null;
  /** The bucket the element is linked in, -1 when it is not in the table. */
  bucket: number;
}

/** `struct bpf_htab`. */
export interface bpf_htab extends BpfMap {
  /** `buckets[i]`: the bucket's list, HEAD AT THE END (push = hlist_nulls_add_head). */
  buckets: (htab_elem[] | undefined)[];
  n_buckets: number;
  elem_size: number;
  hashrnd: number;
  /** Elements in the table (`htab->count` / `pcount`, exact). */
  count: number;
  /** Preallocated, non-LRU: elements still on the freelist (created lazily). */
  free_count: number;
  /** Preallocated: freed elements, reused by the next insert (the kernel's pcpu_freelist, as one LIFO). */
  freelist: htab_elem[];
  /** Preallocated plain hash: each CPU's spare element, swapped with the one a replace retires. */
  extra_elems: (htab_elem | null)[];
  lru: bpf_lru | null;
}

const is_percpu_type = (t: number): boolean => t === bpf_map_type.BPF_MAP_TYPE_PERCPU_HASH || t === bpf_map_type.BPF_MAP_TYPE_LRU_PERCPU_HASH;
const is_lru_type = (t: number): boolean => t === bpf_map_type.BPF_MAP_TYPE_LRU_HASH || t === bpf_map_type.BPF_MAP_TYPE_LRU_PERCPU_HASH;
const htab_is_prealloc = (htab: BpfMap): boolean => !(htab.map_flags & BPF_F_NO_PREALLOC);

// #region htab-alloc-check
/**
 * `htab_map_alloc_check`: flags from the hash mask, LRU needs preallocation, no NUMA
 * node for per-CPU kinds, non-empty key and value, sizes below kmalloc's limit.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_alloc_check)
 */
export function htab_map_alloc_check(attr: BpfMapCreateAttr, env: BpfMapEnv): number {
  const percpu = is_percpu_type(attr.map_type);
  const lru = is_lru_type(attr.map_type);
  // percpu_lru: each CPU has its own LRU list (nothing to do with per-CPU values)
  const percpu_lru = (attr.map_flags & BPF_F_NO_COMMON_LRU) !== 0;
  const prealloc = !(attr.map_flags & BPF_F_NO_PREALLOC);
  const zero_seed = (attr.map_flags & BPF_F_ZERO_SEED) !== 0;
  const numa_node = bpf_map_attr_numa_node(attr);
  const key_size = attr.key_size >>> 0;
  const value_size = attr.value_size >>> 0;

  // Guard against local DoS, and discourage production use.
  if (zero_seed && !(env.capable?.(CAP_SYS_ADMIN) ?? true)) return EPERM;
  if (attr.map_flags & ~HTAB_CREATE_FLAG_MASK || !bpf_map_flags_access_ok(attr.map_flags)) return EINVAL;
  if (!lru && percpu_lru) return EINVAL;
  if (lru && !prealloc) return ENOTSUPP;
  if (numa_node !== NUMA_NO_NODE && (percpu || percpu_lru)) return EINVAL;
  // value_size == 0 may be allowed in the future to use map as a set
  if (attr.max_entries === 0 || key_size === 0 || value_size === 0) return EINVAL;
  // bigger elements could not be copied through the syscall
  if (key_size + value_size >= KMALLOC_MAX_SIZE - SIZEOF_HTAB_ELEM) return E2BIG;
  // percpu map value size is bound by PCPU_MIN_UNIT_SIZE
  if (percpu && round_up(value_size, 8) > PCPU_MIN_UNIT_SIZE) return E2BIG;
  return 0;
}
// #endregion htab-alloc-check

/**
 * `fd_htab_map_alloc_check`: hash of maps stores u32 fds.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (fd_htab_map_alloc_check)
 */
export function fd_htab_map_alloc_check(attr: BpfMapCreateAttr, env: BpfMapEnv): number {
  if (attr.value_size !== 4) return EINVAL;
  return htab_map_alloc_check(attr, env);
}

function new_elem(htab: bpf_htab): htab_elem {
  const percpu = is_percpu_type(htab.map_type);
  const size = round_up(htab.value_size, 8);
  const pptr: Uint8Array[] | null = percpu ? [] : null;
  if (pptr) for (let c = 0; c < num_possible_cpus(htab.env); c++) pptr.push(new Uint8Array(size));
  return {
    key: new Uint8Array(htab.key_size),
    hash: 0,
    value: percpu ? new Uint8Array(0) : new Uint8Array(size),
    pptr,
    ptr: null,
    lru_node: null,
    bucket: -1,
  };
}

/**
 * `htab_map_alloc`: n_buckets = roundup_pow_of_two(max_entries) (after rounding
 * max_entries to a multiple of the CPU count for a per-CPU LRU), the seed (0 with
 * BPF_F_ZERO_SEED), and for LRU maps every element on the LRU free lists.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_alloc)
 */
export function htab_map_alloc(attr: BpfMapCreateAttr, env: BpfMapEnv, ops: bpf_map_ops = htab_ops_for(attr.map_type)): bpf_htab | number {
  const percpu = is_percpu_type(attr.map_type);
  const lru = is_lru_type(attr.map_type);
  const percpu_lru = (attr.map_flags & BPF_F_NO_COMMON_LRU) !== 0;
  const prealloc = !(attr.map_flags & BPF_F_NO_PREALLOC);
  const ncpus = num_possible_cpus(env);
  const htab = bpf_map_init_from_attr(ops, attr, env) as bpf_htab;

  if (percpu_lru) {
    // ensure each CPU's lru list has >= 1 element, and the same number on each
    const up = Math.ceil(htab.max_entries / ncpus) * ncpus;
    htab.max_entries = up > 0xffffffff ? Math.floor(htab.max_entries / ncpus) * ncpus : up;
  }
  // hash table size must be power of 2
  if (htab.max_entries > 2 ** 31) return E2BIG;
  htab.n_buckets = roundup_pow_of_two(htab.max_entries);
  htab.elem_size = SIZEOF_HTAB_ELEM + round_up(htab.key_size, 8) + (percpu ? 8 : round_up(htab.value_size, 8));
  // check for u32 overflow
  if (htab.n_buckets > Math.floor(0xffffffff / SIZEOF_BUCKET)) return E2BIG;

  let bytes = htab.n_buckets * SIZEOF_BUCKET;
  if (prealloc) bytes += htab.max_entries * (htab.elem_size + (percpu ? round_up(htab.value_size, 8) * ncpus : 0));
  if (bytes > MODEL_MAX_ALLOC) return ENOMEM;

  htab.hashrnd = htab.map_flags & BPF_F_ZERO_SEED ? 0 : env.get_random_u32() >>> 0;
  htab.buckets = new Array(htab.n_buckets);
  htab.count = 0;
  htab.free_count = prealloc && !lru ? htab.max_entries : 0;
  htab.freelist = [];
  htab.extra_elems = prealloc && !lru && !percpu ? new Array<htab_elem | null>(ncpus).fill(null) : [];
  htab.lru = null;

  if (lru) {
    htab.lru = bpf_lru_init(percpu_lru, ncpus, () => this_cpu(env), (node) => htab_lru_map_delete_node(htab, node as bpf_lru_node<htab_elem>));
    const nodes: bpf_lru_node<htab_elem>[] = [];
    for (let i = 0; i < htab.max_entries; i++) {
      const l = new_elem(htab);
      l.lru_node = new bpf_lru_node(l);
      nodes.push(l.lru_node);
    }
    bpf_lru_populate(htab.lru, nodes);
  }
  return htab;
}

/** `__select_bucket`: the low bits of the hash. */
function select_bucket(htab: bpf_htab, hash: number): number {
  return (hash & (htab.n_buckets - 1)) >>> 0;
}

function key_equal(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `lookup_elem_raw`: walk the bucket from its head. */
function lookup_elem_raw(htab: bpf_htab, b: number, hash: number, key: Uint8Array): htab_elem | null {
  const head = htab.buckets[b];
  if (!head) return null;
  for (let i = head.length - 1; i >= 0; i--) {
    const l = head[i];
    if (l.hash === hash && key_equal(l.key, key, htab.key_size)) return l;
  }
  return null;
}

/** `hlist_nulls_add_head_rcu`. */
function add_head(htab: bpf_htab, b: number, l: htab_elem): void {
  let head = htab.buckets[b];
  if (!head) head = htab.buckets[b] = [];
  head.push(l);
  l.bucket = b;
}

/** `hlist_nulls_del_rcu`. */
function del_elem(htab: bpf_htab, l: htab_elem): void {
  const head = htab.buckets[l.bucket];
  if (head) {
    const i = head.lastIndexOf(l);
    if (i >= 0) head.splice(i, 1);
    if (head.length === 0) htab.buckets[l.bucket] = undefined;
  }
  l.bucket = -1;
}

/**
 * `__htab_map_lookup_elem`: the element for `key`, or null.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (__htab_map_lookup_elem)
 */
export function __htab_map_lookup_elem(map: BpfMap, key: Uint8Array): htab_elem | null {
  const htab = map as bpf_htab;
  const hash = htab_map_hash(key, htab.key_size, htab.hashrnd);
  return lookup_elem_raw(htab, select_bucket(htab, hash), hash, key);
}

const value_view = (htab: bpf_htab, l: htab_elem): Uint8Array => (l.view ??= l.value.subarray(0, htab.value_size));

/**
 * `htab_map_lookup_elem`: a live view of the value.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_lookup_elem)
 */
export function htab_map_lookup_elem(map: BpfMap, key: Uint8Array): Uint8Array | null {
  const l = __htab_map_lookup_elem(map, key);
  return l ? value_view(map as bpf_htab, l) : null;
}

/**
 * `htab_lru_map_lookup_elem`: as htab_map_lookup_elem, and marks the element referenced.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_map_lookup_elem)
 */
export function htab_lru_map_lookup_elem(map: BpfMap, key: Uint8Array): Uint8Array | null {
  const l = __htab_map_lookup_elem(map, key);
  if (!l) return null;
  if (l.lru_node) bpf_lru_node_set_ref(l.lru_node);
  return value_view(map as bpf_htab, l);
}

/**
 * `htab_lru_map_lookup_elem_sys`: user space looking does not count as a use.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_map_lookup_elem_sys)
 */
export function htab_lru_map_lookup_elem_sys(map: BpfMap, key: Uint8Array): Uint8Array | null {
  return htab_map_lookup_elem(map, key);
}

/**
 * `htab_percpu_map_lookup_percpu_elem` / `htab_lru_percpu_map_lookup_percpu_elem`:
 * CPU `cpu`'s value (the LRU flavour marks the element referenced).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_percpu_map_lookup_percpu_elem)
 */
export function htab_percpu_map_lookup_percpu_elem(map: BpfMap, key: Uint8Array, cpu: number): Uint8Array | null {
  if (cpu >>> 0 >= num_possible_cpus(map.env)) return null;
  const l = __htab_map_lookup_elem(map, key);
  if (!l || !l.pptr) return null;
  if (l.lru_node) bpf_lru_node_set_ref(l.lru_node);
  return l.pptr[cpu].subarray(0, map.value_size);
}

/**
 * `htab_percpu_map_lookup_elem` / `htab_lru_percpu_map_lookup_elem`: this CPU's value.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_percpu_map_lookup_elem)
 */
export function htab_percpu_map_lookup_elem(map: BpfMap, key: Uint8Array): Uint8Array | null {
  return htab_percpu_map_lookup_percpu_elem(map, key, this_cpu(map.env));
}

// #region get-next-key
/**
 * `htab_map_get_next_key`: the element after `key` in its bucket, else the head of
 * the next non-empty bucket. A null or missing key starts from bucket 0.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_get_next_key)
 */
export function htab_map_get_next_key(map: BpfMap, key: Uint8Array | null, next_key: Uint8Array): number {
  const htab = map as bpf_htab;
  let i = 0;
  if (key) {
    const hash = htab_map_hash(key, htab.key_size, htab.hashrnd);
    const b = select_bucket(htab, hash);
    const l = lookup_elem_raw(htab, b, hash, key);
    if (l) {
      // key was found: the next element in the same bucket (towards the tail)
      const head = htab.buckets[b]!;
      const pos = head.lastIndexOf(l);
      if (pos > 0) {
        copy_bytes(next_key, head[pos - 1].key, htab.key_size);
        return 0;
      }
      // no more elements in this hash list, go to the next bucket
      i = b + 1;
    }
  }
  // iterate over buckets, pick the first element of the first non-empty one
  for (; i < htab.n_buckets; i++) {
    const head = htab.buckets[i];
    if (head && head.length) {
      copy_bytes(next_key, head[head.length - 1].key, htab.key_size);
      return 0;
    }
  }
  return ENOENT; // iterated over all buckets and all elements
}
// #endregion get-next-key

/** `check_flags`: BPF_NOEXIST on an existing key, BPF_EXIST on a missing one. */
function check_flags(l_old: htab_elem | null, map_flags: bigint): number {
  const f = map_flags & ~F_LOCK;
  if (l_old && f === F_NOEXIST) return EEXIST; // elem already exists
  if (!l_old && f === F_EXIST) return ENOENT; // elem doesn't exist, cannot update it
  return 0;
}

// #region alloc-htab-elem
/**
 * `alloc_htab_elem`: a fresh element, or -E2BIG when the map is full. Preallocated:
 * replacing takes the CPU's spare element, a new key needs a free one. Not
 * preallocated: a replacement may exceed max_entries for a moment, a new key may not.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (alloc_htab_elem)
 */
function alloc_htab_elem(htab: bpf_htab, key: Uint8Array, hash: number, old_elem: htab_elem | null): htab_elem | number {
  let l: htab_elem;
  if (htab_is_prealloc(htab)) {
    if (old_elem && htab.extra_elems.length) {
      // updating an existing element: use this CPU's spare, the old one becomes the spare
      const cpu = this_cpu(htab.env);
      l = htab.extra_elems[cpu] ?? new_elem(htab);
      htab.extra_elems[cpu] = old_elem;
    } else {
      if (htab.free_count === 0) return E2BIG;
      htab.free_count--;
      htab.count++;
      l = htab.freelist.pop() ?? new_elem(htab);
    }
  } else {
    if (htab.count >= htab.max_entries && !old_elem) return E2BIG;
    htab.count++;
    l = new_elem(htab);
  }
  copy_bytes(l.key, key, htab.key_size);
  l.hash = hash;
  l.ptr = null;
  return l;
}
// #endregion alloc-htab-elem

/** `free_htab_elem`: back to the freelist, dropping an inner map. */
function free_htab_elem(htab: bpf_htab, l: htab_elem): void {
  if (l.ptr && htab.ops.map_fd_put_ptr) {
    htab.ops.map_fd_put_ptr(htab, l.ptr, true);
    l.ptr = null;
  }
  if (htab_is_prealloc(htab)) {
    htab.free_count++;
    htab.freelist.push(l);
  }
  htab.count--;
}

// #region htab-update
/**
 * `htab_map_update_elem`: insert or replace. The new element goes to the head of
 * its bucket (a replaced key moves to the head too); -EEXIST / -ENOENT per flag;
 * -E2BIG when full; -EINVAL for unknown flags or BPF_F_LOCK without a spin lock.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_update_elem)
 */
export function htab_map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  return htab_update(map as bpf_htab, key, value, null, map_flags);
}

function htab_update(htab: bpf_htab, key: Uint8Array, value: Uint8Array, ptr: BpfFdPtr | null, map_flags: bigint): number {
  if ((map_flags & ~F_LOCK) > F_EXIST) return EINVAL; // unknown flags
  const hash = htab_map_hash(key, htab.key_size, htab.hashrnd);
  const b = select_bucket(htab, hash);
  if (map_flags & F_LOCK) return EINVAL; // no bpf_spin_lock in the value
  const l_old = lookup_elem_raw(htab, b, hash, key);
  const ret = check_flags(l_old, map_flags);
  if (ret) return ret;
  const l_new = alloc_htab_elem(htab, key, hash, l_old);
  if (typeof l_new === 'number') return l_new; // all pre-allocated elements are in use
  if (ptr) l_new.ptr = ptr;
  else copy_bytes(l_new.value, value, htab.value_size);
  // add new element to the head of the list, so a concurrent search finds it first
  add_head(htab, b, l_new);
  if (l_old) {
    del_elem(htab, l_old);
    if (htab_is_prealloc(htab)) {
      // the old element became this CPU's spare: the count of free ones is unchanged
      if (l_old.ptr && htab.ops.map_fd_put_ptr) htab.ops.map_fd_put_ptr(htab, l_old.ptr, true);
      l_old.ptr = null;
    } else {
      free_htab_elem(htab, l_old);
    }
  }
  return 0;
}
// #endregion htab-update

/** `htab_lru_push_free`. */
function htab_lru_push_free(htab: bpf_htab, l: htab_elem): void {
  bpf_lru_push_free(htab.lru!, l.lru_node!);
}

/**
 * `prealloc_lru_pop`: a node from the LRU (evicting the least recently used
 * element when none is free), its key set.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (prealloc_lru_pop)
 */
function prealloc_lru_pop(htab: bpf_htab, key: Uint8Array, hash: number): htab_elem | null {
  const node = bpf_lru_pop_free(htab.lru!);
  if (!node) return null;
  const l = node.owner as htab_elem;
  copy_bytes(l.key, key, htab.key_size);
  l.hash = hash;
  return l;
}

/**
 * `htab_lru_map_delete_node`: the LRU evicts an element: unlink it from its bucket.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_map_delete_node)
 */
function htab_lru_map_delete_node(htab: bpf_htab, node: bpf_lru_node<htab_elem>): boolean {
  const l = node.owner;
  if (l.bucket < 0) return false;
  del_elem(htab, l);
  htab.count--;
  return true;
}

// #region lru-update
/**
 * `htab_lru_map_update_elem`: take a node first (this may evict), then check the
 * flags; a failed check gives the node back. Replacing marks the new node referenced.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_map_update_elem)
 */
export function htab_lru_map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  const htab = map as bpf_htab;
  if (map_flags > F_EXIST) return EINVAL; // unknown flags
  const hash = htab_map_hash(key, htab.key_size, htab.hashrnd);
  const b = select_bucket(htab, hash);
  // Allocate before looking: getting a free node may remove older elements.
  const l_new = prealloc_lru_pop(htab, key, hash);
  if (!l_new) return ENOMEM;
  copy_bytes(l_new.value, value, htab.value_size);
  const l_old = lookup_elem_raw(htab, b, hash, key);
  const ret = check_flags(l_old, map_flags);
  if (ret) {
    htab_lru_push_free(htab, l_new);
    return ret;
  }
  add_head(htab, b, l_new);
  htab.count++;
  if (l_old) {
    bpf_lru_node_set_ref(l_new.lru_node!);
    del_elem(htab, l_old);
    htab.count--;
    htab_lru_push_free(htab, l_old);
  }
  return 0;
}
// #endregion lru-update

/** `pcpu_copy_value`: this CPU's value_size bytes, or every CPU's padded slice. */
function pcpu_copy_value(htab: bpf_htab, pptr: Uint8Array[], value: Uint8Array, onallcpus: boolean): void {
  if (!onallcpus) {
    copy_bytes(pptr[this_cpu(htab.env)], value, htab.value_size);
    return;
  }
  const size = round_up(htab.value_size, 8);
  for (let cpu = 0; cpu < pptr.length; cpu++) copy_bytes(pptr[cpu], value.subarray(cpu * size, cpu * size + size), size);
}

/** `pcpu_init_value`: a new element from a program: other CPUs' values are zeroed. */
function pcpu_init_value(htab: bpf_htab, pptr: Uint8Array[], value: Uint8Array, onallcpus: boolean): void {
  if (!onallcpus) {
    const cur = this_cpu(htab.env);
    for (let cpu = 0; cpu < pptr.length; cpu++) {
      pptr[cpu].fill(0);
      if (cpu === cur) copy_bytes(pptr[cpu], value, htab.value_size);
    }
  } else {
    pcpu_copy_value(htab, pptr, value, onallcpus);
  }
}

/**
 * `__htab_percpu_map_update_elem`: an existing element is updated in place (it does
 * not move in its bucket); BPF_F_LOCK is an unknown flag here.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (__htab_percpu_map_update_elem)
 */
function __htab_percpu_map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint, onallcpus: boolean): number {
  const htab = map as bpf_htab;
  if (map_flags > F_EXIST) return EINVAL;
  const hash = htab_map_hash(key, htab.key_size, htab.hashrnd);
  const b = select_bucket(htab, hash);
  const l_old = lookup_elem_raw(htab, b, hash, key);
  const ret = check_flags(l_old, map_flags);
  if (ret) return ret;
  if (l_old) {
    pcpu_copy_value(htab, l_old.pptr!, value, onallcpus);
    return 0;
  }
  const l_new = alloc_htab_elem(htab, key, hash, null);
  if (typeof l_new === 'number') return l_new;
  pcpu_init_value(htab, l_new.pptr!, value, onallcpus);
  add_head(htab, b, l_new);
  return 0;
}

/**
 * `__htab_lru_percpu_map_update_elem`: like the LRU update, but BPF_EXIST takes no
 * node (no eviction) and an existing element is updated in place and referenced.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (__htab_lru_percpu_map_update_elem)
 */
function __htab_lru_percpu_map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint, onallcpus: boolean): number {
  const htab = map as bpf_htab;
  if (map_flags > F_EXIST) return EINVAL;
  const hash = htab_map_hash(key, htab.key_size, htab.hashrnd);
  const b = select_bucket(htab, hash);
  let l_new: htab_elem | null = null;
  if (map_flags !== F_EXIST) {
    l_new = prealloc_lru_pop(htab, key, hash);
    if (!l_new) return ENOMEM;
  }
  const l_old = lookup_elem_raw(htab, b, hash, key);
  const ret = check_flags(l_old, map_flags);
  if (!ret) {
    if (l_old) {
      bpf_lru_node_set_ref(l_old.lru_node!);
      pcpu_copy_value(htab, l_old.pptr!, value, onallcpus);
    } else {
      pcpu_init_value(htab, l_new!.pptr!, value, onallcpus);
      add_head(htab, b, l_new!);
      htab.count++;
      l_new = null;
    }
  }
  if (l_new) bpf_lru_push_free(htab.lru!, l_new.lru_node!);
  return ret;
}

/**
 * `htab_percpu_map_update_elem`: from a program, this CPU's value only.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_percpu_map_update_elem)
 */
export function htab_percpu_map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  return __htab_percpu_map_update_elem(map, key, value, map_flags, false);
}

/**
 * `htab_lru_percpu_map_update_elem`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_percpu_map_update_elem)
 */
export function htab_lru_percpu_map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  return __htab_lru_percpu_map_update_elem(map, key, value, map_flags, false);
}

/**
 * `bpf_percpu_hash_update`: the syscall's update, every CPU from padded slices.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (bpf_percpu_hash_update)
 */
export function bpf_percpu_hash_update(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  if (is_lru_type(map.map_type)) return __htab_lru_percpu_map_update_elem(map, key, value, map_flags, true);
  return __htab_percpu_map_update_elem(map, key, value, map_flags, true);
}

// #region percpu-copy
/**
 * `bpf_percpu_hash_copy`: the syscall's lookup, every CPU's value padded to 8 bytes
 * (an LRU element is not marked: a user-space walk must not skew eviction).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (bpf_percpu_hash_copy)
 */
export function bpf_percpu_hash_copy(map: BpfMap, key: Uint8Array, value: Uint8Array): number {
  const l = __htab_map_lookup_elem(map, key);
  if (!l || !l.pptr) return ENOENT;
  const size = round_up(map.value_size, 8);
  for (let cpu = 0; cpu < l.pptr.length; cpu++) copy_bytes(value.subarray(cpu * size), l.pptr[cpu], size);
  return 0;
}
// #endregion percpu-copy

/**
 * `htab_map_delete_elem`: -ENOENT for a missing key.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_delete_elem)
 */
export function htab_map_delete_elem(map: BpfMap, key: Uint8Array): number {
  const htab = map as bpf_htab;
  const l = __htab_map_lookup_elem(map, key);
  if (!l) return ENOENT;
  del_elem(htab, l);
  free_htab_elem(htab, l);
  return 0;
}

/**
 * `htab_lru_map_delete_elem`: the node goes back to the LRU free lists.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_map_delete_elem)
 */
export function htab_lru_map_delete_elem(map: BpfMap, key: Uint8Array): number {
  const htab = map as bpf_htab;
  const l = __htab_map_lookup_elem(map, key);
  if (!l) return ENOENT;
  del_elem(htab, l);
  htab.count--;
  htab_lru_push_free(htab, l);
  return 0;
}

/**
 * `__htab_map_lookup_and_delete_elem`: copy the value (all CPUs for per-CPU kinds),
 * then delete. BPF_F_LOCK is refused for lack of a spin lock; other flags are the
 * syscall's to check.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (__htab_map_lookup_and_delete_elem)
 */
export function htab_map_lookup_and_delete_elem(map: BpfMap, key: Uint8Array | null, value: Uint8Array, flags: bigint): number {
  const htab = map as bpf_htab;
  if (!key) return EINVAL;
  if (flags & F_LOCK) return EINVAL;
  const l = __htab_map_lookup_elem(map, key);
  if (!l) return ENOENT;
  if (l.pptr) {
    const size = round_up(map.value_size, 8);
    for (let cpu = 0; cpu < l.pptr.length; cpu++) copy_bytes(value.subarray(cpu * size), l.pptr[cpu], size);
  } else {
    copy_bytes(value, l.value, map.value_size);
  }
  del_elem(htab, l);
  if (htab.lru) {
    htab.count--;
    htab_lru_push_free(htab, l);
  } else {
    free_htab_elem(htab, l);
  }
  return 0;
}

/** What one batch call produced, before the syscall copies it to user space. */
export interface HtabBatchResult {
  /** 0, -ENOENT (walked past the last bucket), -ENOSPC (first bucket larger than count), -EINVAL. */
  ret: number;
  /** Elements copied: `keys` holds total * key_size bytes, `values` total * value size. */
  total: number;
  keys: Uint8Array;
  values: Uint8Array;
  /** The bucket to resume from (`out_batch`). */
  out_batch: number;
  /**
   * What the kernel writes back: 'none' (bad flags, count 0), 'count' (only
   * batch.count = 0: in_batch at or past the last bucket), 'all' (count and out_batch).
   */
  write_back: 'none' | 'count' | 'all';
}

/**
 * `__htab_map_lookup_and_delete_batch`: whole buckets at a time, from bucket
 * `in_batch` (0 when absent), until `count` would be exceeded. A first bucket that
 * does not fit gives -ENOSPC; running past the last bucket gives -ENOENT. The
 * syscall layer copies keys/values/count/out_batch to user space (and owns -EFAULT).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (__htab_map_lookup_and_delete_batch)
 */
export function htab_map_lookup_batch(map: BpfMap, in_batch: number | null, count: number, elem_flags: bigint, flags: bigint, do_delete = false): HtabBatchResult {
  const htab = map as bpf_htab;
  const none = (ret: number, write_back: 'none' | 'count' = 'none'): HtabBatchResult => ({ ret, total: 0, keys: new Uint8Array(0), values: new Uint8Array(0), out_batch: 0, write_back });
  if (elem_flags & ~F_LOCK || elem_flags & F_LOCK) return none(EINVAL);
  if (flags) return none(EINVAL);
  const max_count = count >>> 0;
  if (!max_count) return none(0);
  let batch = (in_batch ?? 0) >>> 0;
  if (batch >= htab.n_buckets) return none(ENOENT, 'count');
  const percpu = is_percpu_type(map.map_type);
  const size = round_up(map.value_size, 8);
  const value_size = percpu ? size * num_possible_cpus(map.env) : map.value_size;
  const keys: number[] = [];
  const values: number[] = [];
  let total = 0;
  let ret = 0;
  for (;;) {
    const head = htab.buckets[batch] ?? [];
    const bucket_cnt = head.length;
    if (bucket_cnt > max_count - total) {
      if (total === 0) ret = -28; // -ENOSPC
      break;
    }
    const walked = head.slice().reverse(); // head first
    for (const l of walked) {
      for (let i = 0; i < map.key_size; i++) keys.push(l.key[i]);
      const v = new Uint8Array(value_size);
      if (l.pptr) for (let cpu = 0; cpu < l.pptr.length; cpu++) v.set(l.pptr[cpu], cpu * size);
      else if (l.ptr && map.ops.map_fd_sys_lookup_elem) write_u32(v, 0, map.ops.map_fd_sys_lookup_elem(l.ptr));
      else copy_bytes(v, l.value, map.value_size);
      for (const x of v) values.push(x);
    }
    if (do_delete) {
      for (const l of walked) {
        del_elem(htab, l);
        if (htab.lru) {
          htab.count--;
          htab_lru_push_free(htab, l);
        } else {
          free_htab_elem(htab, l);
        }
      }
    }
    total += bucket_cnt;
    batch++;
    if (batch >= htab.n_buckets) {
      ret = ENOENT;
      break;
    }
  }
  return { ret, total, keys: Uint8Array.from(keys), values: Uint8Array.from(values), out_batch: batch, write_back: 'all' };
}

/**
 * `htab_map_free`: drop every element (inner maps of a hash of maps included).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_free)
 */
export function htab_map_free(map: BpfMap): void {
  const htab = map as bpf_htab;
  for (const head of htab.buckets) {
    if (!head) continue;
    for (const l of head) if (l.ptr && map.ops.map_fd_put_ptr) map.ops.map_fd_put_ptr(map, l.ptr, false);
  }
  htab.buckets = [];
  htab.count = 0;
}

/**
 * `htab_map_mem_usage`: what fdinfo's memlock shows: the table, buckets, the
 * per-CPU `map_locked` counters, and the elements (preallocated: all of them plus
 * the per-CPU spares; otherwise those in use). Equal to the host's for every
 * type in test/maps-types.test.ts.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_mem_usage)
 */
export function htab_map_mem_usage(map: BpfMap): bigint {
  const htab = map as bpf_htab;
  const ncpus = BigInt(num_possible_cpus(map.env));
  const value_size = BigInt(round_up(map.value_size, 8));
  const percpu = is_percpu_type(map.map_type);
  let usage = BigInt(SIZEOF_BPF_HTAB) + BigInt(SIZEOF_BUCKET) * BigInt(htab.n_buckets);
  usage += 4n * ncpus * BigInt(HASHTAB_MAP_LOCK_COUNT);
  if (htab_is_prealloc(htab)) {
    let n = BigInt(map.max_entries);
    const extra = !percpu && !htab.lru;
    if (extra) n += ncpus;
    usage += BigInt(htab.elem_size) * n;
    if (percpu) usage += value_size * ncpus * n;
    else if (!htab.lru) usage += 8n * ncpus;
  } else {
    const n = BigInt(htab.count);
    usage += (BigInt(htab.elem_size) + 8n) * n;
    if (percpu) usage += (16n + value_size * ncpus) * n;
  }
  return usage;
}

/** The number of elements in the table (`bpf_map_sum_elem_count` for user-facing stats). */
export function htab_elem_count(map: BpfMap): number {
  return (map as bpf_htab).count ?? 0;
}

/** Model plumbing for the bucket picture: each bucket's keys, head first. */
export function htab_buckets(map: BpfMap): Uint8Array[][] {
  const htab = map as bpf_htab;
  const out: Uint8Array[][] = [];
  for (let i = 0; i < htab.n_buckets; i++) out.push((htab.buckets[i] ?? []).slice().reverse().map((l) => l.key.slice()));
  return out;
}

/* ------------------------------------------------------------------ hash of maps */

/**
 * `htab_of_map_alloc`: the inner-map template, then the hash table.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_of_map_alloc)
 */
export function htab_of_map_alloc(attr: BpfMapCreateAttr, env: BpfMapEnv, fds?: BpfFdResolver): BpfMap | number {
  const inner_map_meta = bpf_map_meta_alloc(attr.inner_map_fd, fds);
  if (typeof inner_map_meta === 'number') return inner_map_meta;
  const map = htab_map_alloc(attr, env, htab_of_maps_map_ops);
  if (typeof map === 'number') {
    bpf_map_meta_free(inner_map_meta);
    return map;
  }
  map.inner_map_meta = inner_map_meta;
  return map;
}

/**
 * `htab_of_map_lookup_elem`: a program gets the inner map.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_of_map_lookup_elem)
 */
export function htab_of_map_lookup_elem(map: BpfMap, key: Uint8Array): BpfFdPtr | null {
  return __htab_map_lookup_elem(map, key)?.ptr ?? null;
}

/**
 * `bpf_fd_htab_map_lookup_elem`: the syscall's lookup writes the inner map's id.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (bpf_fd_htab_map_lookup_elem)
 */
export function bpf_fd_htab_map_lookup_elem(map: BpfMap, key: Uint8Array, value: Uint8Array): number {
  if (!map.ops.map_fd_sys_lookup_elem) return ENOTSUPP;
  const l = __htab_map_lookup_elem(map, key);
  if (!l || !l.ptr) return ENOENT;
  write_u32(value, 0, map.ops.map_fd_sys_lookup_elem(l.ptr) >>> 0);
  return 0;
}

/**
 * `bpf_fd_htab_map_update_elem`: resolve the fd (a reference), then insert; on
 * failure the reference is dropped again.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (bpf_fd_htab_map_update_elem)
 */
export function bpf_fd_htab_map_update_elem(map: BpfMap, fds: BpfFdResolver, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  const ufd = read_u32(value) | 0;
  const ptr = map.ops.map_fd_get_ptr ? map.ops.map_fd_get_ptr(map, ufd, fds) : EINVAL;
  if (typeof ptr === 'number') return ptr;
  const ret = htab_update(map as bpf_htab, key, value, ptr, map_flags);
  if (ret) map.ops.map_fd_put_ptr?.(map, ptr, false);
  return ret;
}

/* ------------------------------------------------------------------ ops tables */

const common = {
  map_meta_equal: bpf_map_meta_equal,
  map_alloc_check: htab_map_alloc_check,
  map_free: htab_map_free,
  map_get_next_key: htab_map_get_next_key,
  map_mem_usage: htab_map_mem_usage,
};

/** `htab_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_ops) */
export const htab_map_ops: bpf_map_ops = {
  ...common,
  map_alloc: (attr, env) => htab_map_alloc(attr, env, htab_map_ops),
  map_lookup_elem: htab_map_lookup_elem,
  map_lookup_and_delete_elem: htab_map_lookup_and_delete_elem,
  map_update_elem: htab_map_update_elem,
  map_delete_elem: htab_map_delete_elem,
};

/** `htab_lru_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_map_ops) */
export const htab_lru_map_ops: bpf_map_ops = {
  ...common,
  map_alloc: (attr, env) => htab_map_alloc(attr, env, htab_lru_map_ops),
  map_lookup_elem: htab_lru_map_lookup_elem,
  map_lookup_elem_sys_only: htab_lru_map_lookup_elem_sys,
  map_lookup_and_delete_elem: htab_map_lookup_and_delete_elem,
  map_update_elem: htab_lru_map_update_elem,
  map_delete_elem: htab_lru_map_delete_elem,
};

/** `htab_percpu_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_percpu_map_ops) */
export const htab_percpu_map_ops: bpf_map_ops = {
  ...common,
  map_alloc: (attr, env) => htab_map_alloc(attr, env, htab_percpu_map_ops),
  map_lookup_elem: htab_percpu_map_lookup_elem,
  map_lookup_and_delete_elem: htab_map_lookup_and_delete_elem,
  map_update_elem: htab_percpu_map_update_elem,
  map_delete_elem: htab_map_delete_elem,
  map_lookup_percpu_elem: htab_percpu_map_lookup_percpu_elem,
};

/** `htab_lru_percpu_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_lru_percpu_map_ops) */
export const htab_lru_percpu_map_ops: bpf_map_ops = {
  ...common,
  map_alloc: (attr, env) => htab_map_alloc(attr, env, htab_lru_percpu_map_ops),
  map_lookup_elem: htab_percpu_map_lookup_elem,
  map_lookup_and_delete_elem: htab_map_lookup_and_delete_elem,
  map_update_elem: htab_lru_percpu_map_update_elem,
  map_delete_elem: htab_lru_map_delete_elem,
  map_lookup_percpu_elem: htab_percpu_map_lookup_percpu_elem,
};

/** `htab_of_maps_map_ops`: no map_meta_equal (one level of nesting only). @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_of_maps_map_ops) */
export const htab_of_maps_map_ops: bpf_map_ops = {
  map_alloc_check: fd_htab_map_alloc_check,
  map_alloc: htab_of_map_alloc,
  map_free: (map) => {
    if (map.inner_map_meta) bpf_map_meta_free(map.inner_map_meta);
    htab_map_free(map);
  },
  map_get_next_key: htab_map_get_next_key,
  map_lookup_elem: () => null,
  map_lookup_fd_ptr: htab_of_map_lookup_elem,
  map_update_elem: () => EINVAL, // the syscall uses bpf_fd_htab_map_update_elem
  map_delete_elem: htab_map_delete_elem,
  map_fd_get_ptr: bpf_map_fd_get_ptr,
  map_fd_put_ptr: bpf_map_fd_put_ptr,
  map_fd_sys_lookup_elem: bpf_map_fd_sys_lookup_elem,
  map_mem_usage: htab_map_mem_usage,
};

function htab_ops_for(map_type: number): bpf_map_ops {
  switch (map_type) {
    case bpf_map_type.BPF_MAP_TYPE_PERCPU_HASH:
      return htab_percpu_map_ops;
    case bpf_map_type.BPF_MAP_TYPE_LRU_HASH:
      return htab_lru_map_ops;
    case bpf_map_type.BPF_MAP_TYPE_LRU_PERCPU_HASH:
      return htab_lru_percpu_map_ops;
    case bpf_map_type.BPF_MAP_TYPE_HASH_OF_MAPS:
      return htab_of_maps_map_ops;
    default:
      return htab_map_ops;
  }
}
