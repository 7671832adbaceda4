/**
 * `bpf_map_types[]`: map type -> `bpf_map_ops`, the table map_create() indexes.
 * Mirrors include/linux/bpf_types.h at v6.18 (the BPF_MAP_TYPE() lines):
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf_types.h
 *
 * Types the model does not implement are absent, so map_create() answers -EINVAL
 * for them as the kernel does for a type it was built without.
 * @module
 */
import { bpf_map_type } from '@bpf-internals/uapi';
import type { bpf_map_ops } from './bpf_map.js';
import { array_map_ops, array_of_maps_map_ops, percpu_array_map_ops, prog_array_map_ops } from './arraymap.js';
import { queue_map_ops, stack_map_ops } from './queue_stack_maps.js';
import { ringbuf_map_ops } from './ringbuf.js';
import { htab_lru_map_ops, htab_lru_percpu_map_ops, htab_map_ops, htab_of_maps_map_ops, htab_percpu_map_ops } from './hashtab.js';

/** Sparse: `bpf_map_types[map_type]` is the type's ops or undefined. */
export const bpf_map_types: Readonly<Partial<Record<number, bpf_map_ops>>> = {
  [bpf_map_type.BPF_MAP_TYPE_ARRAY]: array_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY]: percpu_array_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY]: prog_array_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_ARRAY_OF_MAPS]: array_of_maps_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_HASH]: htab_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_PERCPU_HASH]: htab_percpu_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_LRU_HASH]: htab_lru_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_LRU_PERCPU_HASH]: htab_lru_percpu_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_HASH_OF_MAPS]: htab_of_maps_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_QUEUE]: queue_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_STACK]: stack_map_ops,
  [bpf_map_type.BPF_MAP_TYPE_RINGBUF]: ringbuf_map_ops,
};

/** `bpf_map_types[map_type]`, or undefined for an unknown / unmodelled type. */
export function find_map_ops(map_type: number): bpf_map_ops | undefined {
  return Object.prototype.hasOwnProperty.call(bpf_map_types, map_type) ? bpf_map_types[map_type] : undefined;
}
