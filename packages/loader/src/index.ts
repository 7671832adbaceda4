/**
 * @bpf-internals/loader: libbpf's side of the load path, as tools/lib/bpf at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/tools/lib/bpf/libbpf.c
 *
 * The bundled example program (example.ts), the attr trace (trace.ts) and the whole
 * load path run on a model kernel (loadpath.ts), which the `bpf-internals` CLI prints.
 * ELF objects and relocations come later.
 * @module
 */
export * from './example.js';
export * from './trace.js';
export * from './loadpath.js';
