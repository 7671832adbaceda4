/**
 * @bpf-internals/syscall (work in progress).
 * @module
 */
export {};
