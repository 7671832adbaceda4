/**
 * @bpf-internals/uapi: the user/kernel ABI of Linux v6.18's BPF.
 * include/uapi/linux/bpf.h (bpf_attr, bpf_insn, enums), include/uapi/linux/btf.h,
 * and include/linux/filter.h's instruction builders.
 * @module
 */
export * from './opcodes.js';
export * from './insn.js';
export * from './filter.js';
export * from './errno.js';
export * from './errors.js';
export * from './btf.js';
export * from './generated/enums.generated.js';
export * from './attr.js';
export * from './structs.js';
