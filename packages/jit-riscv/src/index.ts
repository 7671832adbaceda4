/**
 * @bpf-internals/jit-riscv (work in progress).
 * @module
 */
export {};
