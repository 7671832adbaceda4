/**
 * @bpf-internals/verifier: `bpf_check` (the early structural passes, see verifier.ts for what is
 * and is not modelled) and the verifier log of kernel/bpf/log.c.
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c
 * @module
 */
export * from './log.js';
export * from './verifier.js';
export * from './insntable.js';
