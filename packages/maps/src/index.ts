/**
 * @bpf-internals/maps: the map types of Linux v6.18 behind `bpf_map_ops`.
 * @module
 */
export * from './bpf_map.js';
