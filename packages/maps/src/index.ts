/**
 * @bpf-internals/maps: the map types of Linux v6.18 behind `bpf_map_ops`.
 * @module
 */
export * from './bpf_map.js';
export * from './bpf_types.js';
export * from './arraymap.js';
export * from './map_in_map.js';
export * from './hashtab.js';
export * from './jhash.js';
export * from './bpf_lru_list.js';
export * from './queue_stack_maps.js';
export * from './ringbuf.js';
export { createMapEnv, mapCreateAttr, ENOTSUPP, MODEL_MAX_ALLOC } from './internal/common.js';
export type { list_head } from './internal/list.js';
