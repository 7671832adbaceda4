/**
 * The program side of @bpf-internals/syscall in one place: BPF_PROG_LOAD,
 * BPF_PROG_TEST_RUN, BPF_PROG_ATTACH/DETACH/QUERY, BPF_LINK_CREATE/UPDATE/DETACH, program and
 * link info, the hooks a packet runs through, and the load-path trace events
 * (the whole traced load path is @bpf-internals/loader's `runExampleLoadPath`).
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * syscall.ts dispatches the program commands to these modules (bpf_prog_load, bpf_prog_test_run,
 * bpf_prog_attach/detach/query, link_create/update/detach); the package index re-exports
 * this module.
 * @module
 */
export * from './prog.js';
export * from './prog_info.js';
export * from './trace.js';
export * from './runtime.js';
export * from './test_run.js';
export * from './attach.js';
export * from './attach_types.js';
export * from './cgroup.js';
export * from './link.js';
export * from './net.js';
export * from './sock.js';
