/**
 * Two helpers of kernel/bpf/core.c that the verifier's first passes call: the public instruction
 * table (`bpf_opcode_in_insntable`) and the program tag (`bpf_prog_calc_tag`). Both are core's
 * (one implementation each); this file names them for the verifier. The live 6.18 kernel
 * computes the tag as the first 8 bytes of a SHA-256 (not SHA-1 as older kernels did) of the
 * instructions with map fds zeroed; test/prog-load.test.ts checks it against the host.
 * Mirrors kernel/bpf/core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c
 * @module
 */

/**
 * `bpf_opcode_in_insntable`: core's table (kernel/bpf/core.c), re-exported for the verifier tests.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_opcode_in_insntable)
 */
export { bpf_opcode_in_insntable } from '@bpf-internals/core';

/**
 * `bpf_prog_calc_tag`: core's (kernel/bpf/core.c), re-exported for the verifier's first pass.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_calc_tag)
 */
export { bpf_prog_calc_tag } from '@bpf-internals/core';
