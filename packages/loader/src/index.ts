/**
 * @bpf-internals/loader: libbpf's side of the load path, as tools/lib/bpf at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/tools/lib/bpf/libbpf.c
 *
 * So far: the bundled example program (example.ts) and the load-path trace the
 * `bpf-internals` CLI prints (trace.ts). ELF objects and relocations come later.
 * @module
 */
export * from './example.js';
export * from './trace.js';
