/**
 * @bpf-internals/core (work in progress).
 * @module
 */
export {};
