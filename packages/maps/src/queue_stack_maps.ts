/**
 * Queue and stack maps: BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO).
 * Mirrors kernel/bpf/queue_stack_maps.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c
 *
 * One ring of max_entries + 1 slots (one always empty, so head == tail means
 * empty); push writes at head, a queue pops at tail, a stack pops below head.
 * There are no keys: lookup/update/delete/get_next_key are refused, user space
 * uses BPF_MAP_LOOKUP_ELEM (peek) / LOOKUP_AND_DELETE_ELEM (pop) / UPDATE_ELEM
 * (push) with a NULL key, which the syscall layer routes to these ops.
 * Left out: the NMI trylock path (-EBUSY), which a sequential model never takes.
 * @module
 */
import { bpf_map_type } from '@bpf-internals/uapi';
import type { BpfMap, BpfMapCreateAttr, BpfMapEnv, bpf_map_ops } from './bpf_map.js';
import { BPF_EXIST, BPF_F_ACCESS_MASK, BPF_F_NUMA_NODE, BPF_NOEXIST, E2BIG, EINVAL, ENOENT, ENOMEM, KMALLOC_MAX_SIZE, MODEL_MAX_ALLOC, bpf_map_flags_access_ok, bpf_map_init_from_attr, copy_bytes } from './internal/common.js';
import { bpf_map_meta_equal } from './map_in_map.js';

/** The update flags as u64, as they arrive. */
const F_EXIST = BigInt(BPF_EXIST);
const F_NOEXIST = BigInt(BPF_NOEXIST);

const QUEUE_STACK_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;

/** `struct bpf_queue_stack`. */
export interface bpf_queue_stack extends BpfMap {
  head: number;
  tail: number;
  /** max_entries + 1 */
  size: number;
  elements: Uint8Array;
}

const qs_of = (map: BpfMap): bpf_queue_stack => map as bpf_queue_stack;

function queue_stack_map_is_empty(qs: bpf_queue_stack): boolean {
  return qs.head === qs.tail;
}

function queue_stack_map_is_full(qs: bpf_queue_stack): boolean {
  let head = qs.head + 1;
  if (head >= qs.size) head = 0;
  return head === qs.tail;
}

/**
 * `queue_stack_map_alloc_check`: key_size must be 0, value non-empty and at most
 * KMALLOC_MAX_SIZE.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (queue_stack_map_alloc_check)
 */
export function queue_stack_map_alloc_check(attr: BpfMapCreateAttr): number {
  const value_size = attr.value_size >>> 0;
  if (
    attr.max_entries === 0 ||
    attr.key_size !== 0 ||
    value_size === 0 ||
    attr.map_flags & ~QUEUE_STACK_CREATE_FLAG_MASK ||
    !bpf_map_flags_access_ok(attr.map_flags)
  )
    return EINVAL;
  // bigger values could not be copied through the syscall
  if (value_size > KMALLOC_MAX_SIZE) return E2BIG;
  // Linux 6.12 also refused max_entries >= U32_MAX / value_size with -E2BIG; v6.18
  // sizes the ring in u64 and has no such check (the host creates a 0x3fffffff x 4
  // stack; test/maps-types.test.ts keeps the probe cheap and the unit table records it).
  return 0;
}

/**
 * `queue_stack_map_alloc`: (max_entries + 1) * value_size bytes of ring.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (queue_stack_map_alloc)
 */
export function queue_stack_map_alloc(attr: BpfMapCreateAttr, env: BpfMapEnv): BpfMap | number {
  const size = (attr.max_entries >>> 0) + 1;
  const bytes = size * (attr.value_size >>> 0);
  if (bytes > MODEL_MAX_ALLOC) return ENOMEM;
  const ops = attr.map_type === bpf_map_type.BPF_MAP_TYPE_STACK ? stack_map_ops : queue_map_ops;
  const qs = bpf_map_init_from_attr(ops, attr, env) as bpf_queue_stack;
  qs.size = size;
  qs.head = 0;
  qs.tail = 0;
  qs.elements = new Uint8Array(bytes);
  return qs;
}

/**
 * `__queue_map_get`: the oldest element (at tail); -ENOENT and a zeroed value when empty.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (__queue_map_get)
 */
function __queue_map_get(map: BpfMap, value: Uint8Array, del: boolean): number {
  const qs = qs_of(map);
  const vs = qs.value_size;
  if (queue_stack_map_is_empty(qs)) {
    value.fill(0, 0, vs);
    return ENOENT;
  }
  copy_bytes(value, qs.elements.subarray(qs.tail * vs, qs.tail * vs + vs), vs);
  if (del && ++qs.tail >= qs.size) qs.tail = 0;
  return 0;
}

/**
 * `__stack_map_get`: the newest element (below head).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (__stack_map_get)
 */
function __stack_map_get(map: BpfMap, value: Uint8Array, del: boolean): number {
  const qs = qs_of(map);
  const vs = qs.value_size;
  if (queue_stack_map_is_empty(qs)) {
    value.fill(0, 0, vs);
    return ENOENT;
  }
  let index = qs.head - 1;
  if (index < 0 || index >= qs.size) index = qs.size - 1;
  copy_bytes(value, qs.elements.subarray(index * vs, index * vs + vs), vs);
  if (del) qs.head = index;
  return 0;
}

/** `queue_map_peek_elem`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (queue_map_peek_elem) */
export function queue_map_peek_elem(map: BpfMap, value: Uint8Array): number {
  return __queue_map_get(map, value, false);
}
/** `queue_map_pop_elem`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (queue_map_pop_elem) */
export function queue_map_pop_elem(map: BpfMap, value: Uint8Array): number {
  return __queue_map_get(map, value, true);
}
/** `stack_map_peek_elem`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (stack_map_peek_elem) */
export function stack_map_peek_elem(map: BpfMap, value: Uint8Array): number {
  return __stack_map_get(map, value, false);
}
/** `stack_map_pop_elem`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (stack_map_pop_elem) */
export function stack_map_pop_elem(map: BpfMap, value: Uint8Array): number {
  return __stack_map_get(map, value, true);
}

// #region push
/**
 * `queue_stack_map_push_elem`: -E2BIG when full, unless BPF_EXIST asks to make
 * room by dropping the oldest element; BPF_NOEXIST or unknown flags are -EINVAL.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (queue_stack_map_push_elem)
 */
export function queue_stack_map_push_elem(map: BpfMap, value: Uint8Array, flags: bigint): number {
  const qs = qs_of(map);
  const vs = qs.value_size;
  // BPF_EXIST is used to force making room for a new element in case the map is full
  const replace = (flags & F_EXIST) !== 0n;
  if (flags & F_NOEXIST || flags > F_EXIST) return EINVAL;
  if (queue_stack_map_is_full(qs)) {
    if (!replace) return E2BIG;
    // advance tail pointer to overwrite oldest element
    if (++qs.tail >= qs.size) qs.tail = 0;
  }
  copy_bytes(qs.elements.subarray(qs.head * vs, qs.head * vs + vs), value, vs);
  if (++qs.head >= qs.size) qs.head = 0;
  return 0;
}
// #endregion push

/** `queue_stack_map_lookup_elem`: no keyed lookup. */
function queue_stack_map_lookup_elem(): Uint8Array | null {
  return null;
}

/** `queue_stack_map_update_elem` / `_delete_elem` / `_get_next_key`: -EINVAL. */
function queue_stack_map_einval(): number {
  return EINVAL;
}

/** Bytes a queue/stack holds, for fdinfo (`queue_stack_map_mem_usage`). */
function queue_stack_map_mem_usage(map: BpfMap): bigint {
  return 312n + BigInt(qs_of(map).size) * BigInt(map.value_size);
}

/** `queue_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (queue_map_ops) */
export const queue_map_ops: bpf_map_ops = {
  map_meta_equal: bpf_map_meta_equal,
  map_alloc_check: queue_stack_map_alloc_check,
  map_alloc: queue_stack_map_alloc,
  map_free: (map) => void (qs_of(map).elements = new Uint8Array(0)),
  map_lookup_elem: queue_stack_map_lookup_elem,
  map_update_elem: queue_stack_map_einval,
  map_delete_elem: queue_stack_map_einval,
  map_push_elem: queue_stack_map_push_elem,
  map_pop_elem: queue_map_pop_elem,
  map_peek_elem: queue_map_peek_elem,
  map_get_next_key: queue_stack_map_einval,
  map_mem_usage: queue_stack_map_mem_usage,
};

/** `stack_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/queue_stack_maps.c (stack_map_ops) */
export const stack_map_ops: bpf_map_ops = {
  ...queue_map_ops,
  map_pop_elem: stack_map_pop_elem,
  map_peek_elem: stack_map_peek_elem,
};
