/**
 * Map-in-map: the inner-map template of ARRAY_OF_MAPS / HASH_OF_MAPS and the
 * fd <-> map slot conversion.
 * Mirrors kernel/bpf/map_in_map.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/map_in_map.c
 *
 * The template (`inner_map_meta`) is a copy of the inner map's shape taken at
 * create time; every map stored later must be `map_meta_equal` to it, which is
 * what lets the verifier check a program against the template alone.
 * BTF records are not modelled, so `btf_record_equal` is always true.
 * @module
 */
import type { BpfFdPtr, BpfFdResolver, BpfMap } from './bpf_map.js';
import { bpf_map_inc, bpf_map_put } from './bpf_map.js';
import { EBADF, EINVAL, ENOTSUPP } from './internal/common.js';

/**
 * `bpf_map_meta_alloc`: copy the shape of the map behind `inner_map_ufd`.
 * -EINVAL for a map that is itself a map-in-map (one level only), -ENOTSUPP for a
 * type without `map_meta_equal` (prog_array, map-in-maps, ...).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/map_in_map.c (bpf_map_meta_alloc)
 */
export function bpf_map_meta_alloc(inner_map_ufd: number, fds?: BpfFdResolver): BpfMap | number {
  const inner_map = fds?.map ? fds.map(inner_map_ufd) : EBADF;
  if (typeof inner_map === 'number') return inner_map;
  // Does not support >1 level map-in-map
  if (inner_map.inner_map_meta) return EINVAL;
  if (!inner_map.ops.map_meta_equal) return ENOTSUPP;
  const meta: BpfMap = {
    ops: inner_map.ops,
    map_type: inner_map.map_type,
    key_size: inner_map.key_size,
    value_size: inner_map.value_size,
    map_flags: inner_map.map_flags,
    max_entries: inner_map.max_entries,
    map_extra: 0n,
    numa_node: -1,
    name: '',
    id: 0,
    refcnt: 1,
    usercnt: 0,
    frozen: false,
    env: inner_map.env,
  };
  // The verifier inlines array lookups against the template: it needs their geometry.
  const arr = inner_map as BpfMap & { elem_size?: number; index_mask?: number };
  if (arr.elem_size !== undefined) Object.assign(meta, { elem_size: arr.elem_size, index_mask: arr.index_mask });
  return meta;
}

/**
 * `bpf_map_meta_free`: the template holds nothing but its copy.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/map_in_map.c (bpf_map_meta_free)
 */
export function bpf_map_meta_free(_map_meta: BpfMap): void {}

/**
 * `bpf_map_meta_equal`: same type, key and value sizes and flags (and BTF record).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/map_in_map.c (bpf_map_meta_equal)
 */
export function bpf_map_meta_equal(meta0: BpfMap, meta1: BpfMap): boolean {
  // No need to compare ops because it is covered by map_type
  return (
    meta0.map_type === meta1.map_type &&
    meta0.key_size === meta1.key_size &&
    meta0.value_size === meta1.value_size &&
    meta0.map_flags === meta1.map_flags
  );
}

/**
 * `bpf_map_fd_get_ptr`: the map behind `ufd`, with a reference, if it matches the template.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/map_in_map.c (bpf_map_fd_get_ptr)
 */
export function bpf_map_fd_get_ptr(map: BpfMap, ufd: number, fds: BpfFdResolver): BpfFdPtr | number {
  const inner_map = fds.map ? fds.map(ufd) : EBADF;
  if (typeof inner_map === 'number') return inner_map;
  const inner_map_meta = map.inner_map_meta;
  if (!inner_map_meta?.ops.map_meta_equal?.(inner_map_meta, inner_map)) return EINVAL;
  bpf_map_inc(inner_map);
  return inner_map;
}

/**
 * `bpf_map_fd_put_ptr`: drop the slot's reference (the kernel defers the free past
 * an RCU grace period; a sequential model has no readers to wait for).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/map_in_map.c (bpf_map_fd_put_ptr)
 */
export function bpf_map_fd_put_ptr(_map: BpfMap, ptr: BpfFdPtr, _need_defer: boolean): void {
  bpf_map_put(ptr as BpfMap);
}

/**
 * `bpf_map_fd_sys_lookup_elem`: user space sees the inner map's id.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/map_in_map.c (bpf_map_fd_sys_lookup_elem)
 */
export function bpf_map_fd_sys_lookup_elem(ptr: BpfFdPtr): number {
  return (ptr as BpfMap).id;
}
