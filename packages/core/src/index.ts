/**
 * @bpf-internals/core: the interpreter (`___bpf_prog_run`), the memory model, the helpers,
 * the disassembler and PROG_TEST_RUN.
 * Mirrors kernel/bpf/core.c, kernel/bpf/helpers.c, kernel/bpf/disasm.c and net/bpf/test_run.c
 * at v6.18: https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c
 * @module
 */
export * from './memory.js';
export * from './filter.js';
export * from './core.js';
export {
  ___bpf_prog_run,
  interpret,
  bpf_prog_predecode,
  bpf_opcode_in_insntable,
  regsToBigints,
  BPF_MAX_LOOPS,
  type Predecoded,
  type PredecodeError,
  type PredecodeOptions,
} from './interp.js';
export { ___bpf_prog_run_js, interpret_js, bpf_prog_js_source, bpf_prog_js_compile } from './interp_js.js';
export * from './ldimm64.js';
export * from './helpers.js';
export * from './bpf_trace.js';
export * from './ringbuf.js';
export * from './net.js';
export * from './run_program.js';
export * from './disasm.js';
export * from './test_run.js';
export { sha256 } from './internal/sha256.js';
export { arg, argMap, argMem, ret32, ret64 } from './internal/args.js';
