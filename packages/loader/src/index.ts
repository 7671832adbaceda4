/**
 * @bpf-internals/loader (work in progress).
 * @module
 */
export {};
