/**
 * @bpf-internals/verifier (work in progress).
 * @module
 */
export {};
