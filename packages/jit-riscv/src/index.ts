/**
 * @bpf-internals/jit-riscv: Linux v6.18's RV64 BPF JIT (arch/riscv/net/), an RV64 hart that runs
 * its images, and a disassembler in GNU objdump's syntax.
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c
 * @module
 */
export * from './bpf_jit.js';
export { bpf_jit_emit_insn, bpf_jit_build_prologue, bpf_jit_build_epilogue, bpf_jit_inlines_helper_call, bpf_jit_supports_kfunc_call, bpf_jit_supports_ptr_xchg, bpf_jit_supports_arena, bpf_jit_supports_percpu_insn, bpf_jit_supports_subprog_tailcalls, emit_imm, emit_branch, emit_jump_and_link, regmap, bpf_to_rv_reg, BPF_PROBE_MEM, BPF_PROBE_MEMSX, BPF_PROBE_MEM32, BPF_PROBE_ATOMIC, BPF_TAIL_CALL, BPF_NOSPEC } from './bpf_jit_comp64.js';
export * from './bpf_jit_core.js';
export * from './layout.js';
export * from './elf.js';
export * from './disasm.js';
export * from './hart.js';
export * from './jit_prog.js';
export * from './jit_region.js';
export * from './dump.js';
