/**
 * The program side of @bpf-internals/syscall in one place (syscall part B): BPF_PROG_LOAD,
 * BPF_PROG_TEST_RUN, BPF_PROG_ATTACH/DETACH/QUERY, BPF_LINK_CREATE/UPDATE/DETACH, program and
 * link info, the hooks a packet runs through, and the load-path trace.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * For syscall.ts: `prog_cmds` maps each program command to its handler with the dispatcher's
 * signature `(proc, attr, uattr, size)`; index.ts re-exports this module.
 * @module
 */
import { bpf_cmd } from '@bpf-internals/uapi';
import type { Process } from './process.js';
import { bpf_prog_bind_map, bpf_prog_load } from './prog.js';
import { bpf_prog_test_run } from './test_run.js';
import { bpf_prog_attach, bpf_prog_detach, bpf_prog_query } from './attach.js';
import { link_create, link_detach, link_update } from './link.js';
import './cgroup.js';
import './net.js';

/** A handler as syscall.ts's dispatch table holds it. */
export type ProgCmdHandler = (proc: Process, attr: Uint8Array, uattr: bigint, size: number) => number;

// #region prog_cmds
/** The program commands by `enum bpf_cmd` number, for `bpf_cmds` in syscall.ts. */
export const prog_cmds: Readonly<Record<number, ProgCmdHandler>> = {
  [bpf_cmd.BPF_PROG_LOAD]: (p, a, u, s) => bpf_prog_load(p, a, u, s),
  [bpf_cmd.BPF_PROG_TEST_RUN]: (p, a, u) => bpf_prog_test_run(p, a, u),
  [bpf_cmd.BPF_PROG_ATTACH]: (p, a) => bpf_prog_attach(p, a),
  [bpf_cmd.BPF_PROG_DETACH]: (p, a) => bpf_prog_detach(p, a),
  [bpf_cmd.BPF_PROG_QUERY]: (p, a, u, s) => bpf_prog_query(p, a, u, s),
  [bpf_cmd.BPF_LINK_CREATE]: (p, a, u) => link_create(p, a, u),
  [bpf_cmd.BPF_LINK_UPDATE]: (p, a) => link_update(p, a),
  [bpf_cmd.BPF_LINK_DETACH]: (p, a) => link_detach(p, a),
  [bpf_cmd.BPF_PROG_BIND_MAP]: (p, a) => bpf_prog_bind_map(p, a),
};
// #endregion prog_cmds

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
