/**
 * The program side of @bpf-internals/syscall in one place (syscall part B): BPF_PROG_LOAD,
 * BPF_PROG_TEST_RUN, BPF_PROG_ATTACH/DETACH/QUERY, BPF_LINK_CREATE/UPDATE/DETACH, program and
 * link info, the hooks a packet runs through, and the load-path trace.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * syscall.ts dispatches the program commands to these modules (bpf_prog_load, bpf_prog_test_run,
 * bpf_prog_attach/detach/query, link_create/update/detach); the package index should re-export
 * this module.
 * @module
 */
import { bpf_cmd, encodeAttr, encodeInsns, type BpfAttrInput, type BpfInsn } from '@bpf-internals/uapi';
import { createKernel, type KernelOptions } from './kernel.js';
import { collectTrace, formatTrace, type FormatTraceOptions, type TraceEvent } from './trace.js';

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

/** What {@link traceProgLoad} loads: the maps to create first, then the program. */
export interface TraceProgLoadInput {
  /** BPF_MAP_CREATE attrs, created in order; their fds are passed to `insns`. */
  maps?: BpfAttrInput<'BPF_MAP_CREATE'>[];
  /** The instructions, given the map fds (for BPF_LD_MAP_FD). */
  insns: (mapFds: number[]) => BpfInsn[];
  prog_type: number;
  prog_name?: string;
  license?: string;
  log_level?: number;
  log_size?: number;
  expected_attach_type?: number;
  /** Kernel options (e.g. `{ jit: false }`); the trace hook is added. */
  kernel?: KernelOptions;
}

// #region traceProgLoad
/**
 * One traced BPF_PROG_LOAD on a fresh model kernel, for `npm start` and the docs: create the maps
 * (untraced), load the program through the modelled bpf(), and return the events, the result, the
 * verifier log and the formatted trace.
 */
export function traceProgLoad(input: TraceProgLoadInput, fmt: FormatTraceOptions = {}): { events: TraceEvent[]; ret: number; log: string; log_true_size: number; text: string } {
  const t = collectTrace();
  const kernel = createKernel({ ...input.kernel, trace: t.hook });
  const proc = kernel.spawn();
  const put = (bytes: Uint8Array): bigint => {
    const a = proc.mem.alloc(bytes.length);
    proc.mem.write(a, bytes);
    return a;
  };
  const call = (cmd: number, attr: Uint8Array): number => proc.bpf(cmd, put(attr), attr.length);
  const fds = (input.maps ?? []).map((m) => call(bpf_cmd.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', m)));
  const insns = input.insns(fds);
  const log_level = input.log_level ?? 1;
  const log_size = log_level ? (input.log_size ?? 4096) : 0;
  const log_buf = log_size ? proc.mem.alloc(log_size) : 0n;
  const name = new Uint8Array(16);
  name.set(new TextEncoder().encode(input.prog_name ?? '').subarray(0, 15));
  const attr = encodeAttr('BPF_PROG_LOAD', {
    prog_type: input.prog_type,
    insn_cnt: insns.length,
    insns: put(encodeInsns(insns)),
    license: put(new TextEncoder().encode(`${input.license ?? 'GPL'}\0`)),
    log_level,
    log_size,
    log_buf,
    prog_name: name,
    expected_attach_type: input.expected_attach_type ?? 0,
  });
  const at = put(attr);
  t.clear();
  const ret = proc.bpf(bpf_cmd.BPF_PROG_LOAD, at, attr.length);
  const logBytes = log_size ? proc.mem.read(log_buf, log_size) : new Uint8Array(0);
  const z = logBytes.indexOf(0);
  const back = proc.mem.read(at, attr.length);
  return {
    events: t.events,
    ret,
    log: new TextDecoder().decode(logBytes.subarray(0, z < 0 ? logBytes.length : z)),
    log_true_size: new DataView(back.buffer, back.byteOffset).getUint32(140, true),
    text: formatTrace(t.events, fmt),
  };
}
// #endregion traceProgLoad
