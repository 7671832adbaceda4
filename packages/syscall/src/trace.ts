/**
 * The load-path trace: every modelled step of `bpf(BPF_PROG_LOAD, ...)` from `__sys_bpf` through
 * `bpf_prog_load`, `bpf_check` and its passes, `bpf_prog_select_runtime` to `bpf_prog_new_fd`,
 * as events, and a formatter that prints them as an indented call tree with a v6.18 link per step.
 * Mirrors no single kernel file: each event names the kernel function and file it stands for,
 * e.g. kernel/bpf/syscall.c:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * Events flow through the `trace` option of `createKernel({ trace })` (kernel.ts). Steps emit at
 * depth 0 (`__sys_bpf`), 1 (`bpf_prog_load`), 2 (its steps), 3 (the verifier's passes).
 * @module
 */
import type { Kernel, KernelTraceEvent } from './kernel.js';

/** One traced step: the kernel function, its file, the call depth, what happened, its result. */
export type TraceEvent = KernelTraceEvent;

/** The kernel file each traced function lives in (the formatter links to it at v6.18). */
export const TRACE_FILES: Readonly<Record<string, string>> = {
  __sys_bpf: 'kernel/bpf/syscall.c',
  bpf_prog_load: 'kernel/bpf/syscall.c',
  bpf_prog_load_fixup_attach_type: 'kernel/bpf/syscall.c',
  bpf_prog_load_check_attach: 'kernel/bpf/syscall.c',
  bpf_token_capable: 'kernel/bpf/token.c',
  bpf_prog_alloc: 'kernel/bpf/core.c',
  copy_from_bpfptr: 'include/linux/bpfptr.h',
  strncpy_from_bpfptr: 'include/linux/bpfptr.h',
  license_is_gpl_compatible: 'include/linux/license.h',
  find_prog_type: 'kernel/bpf/syscall.c',
  bpf_obj_name_cpy: 'kernel/bpf/syscall.c',
  bpf_check: 'kernel/bpf/verifier.c',
  process_fd_array: 'kernel/bpf/verifier.c',
  bpf_prog_verify_signature: 'kernel/bpf/syscall.c',
  bpf_vlog_init: 'kernel/bpf/log.c',
  bpf_vlog_finalize: 'kernel/bpf/log.c',
  check_btf_info_early: 'kernel/bpf/verifier.c',
  add_subprog_and_kfunc: 'kernel/bpf/verifier.c',
  check_subprogs: 'kernel/bpf/verifier.c',
  check_btf_info: 'kernel/bpf/verifier.c',
  resolve_pseudo_ldimm64: 'kernel/bpf/verifier.c',
  check_cfg: 'kernel/bpf/verifier.c',
  check_attach_btf_id: 'kernel/bpf/verifier.c',
  do_check_main: 'kernel/bpf/verifier.c',
  bpf_prog_select_runtime: 'kernel/bpf/core.c',
  bpf_int_jit_compile: 'arch/riscv/net/bpf_jit_core.c',
  bpf_prog_alloc_id: 'kernel/bpf/syscall.c',
  bpf_audit_prog: 'kernel/bpf/syscall.c',
  bpf_prog_new_fd: 'kernel/bpf/syscall.c',
  bpf_prog_test_run: 'kernel/bpf/syscall.c',
  bpf_prog_attach: 'kernel/bpf/syscall.c',
  link_create: 'kernel/bpf/syscall.c',
};

/** The v6.18 link of a traced step (the file, with the function name as elixir's search). */
export function traceLink(ev: Pick<TraceEvent, 'file' | 'line'>): string {
  const base = `https://elixir.bootlin.com/linux/v6.18/source/${ev.file}`;
  return ev.line ? `${base}#L${ev.line}` : base;
}

/** Emit one step on the kernel's trace hook, if any (the file comes from TRACE_FILES). */
export function trace_step(kernel: Kernel, depth: number, fn: string, detail: string, ret?: number): void {
  if (!kernel.trace) return;
  const ev: TraceEvent = { fn, file: TRACE_FILES[fn] ?? 'kernel/bpf/syscall.c', depth, detail };
  if (ret !== undefined) ev.ret = ret;
  kernel.trace(ev);
}

const ERRNAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  7: 'E2BIG',
  9: 'EBADF',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  22: 'EINVAL',
  28: 'ENOSPC',
  71: 'EPROTO',
  95: 'EOPNOTSUPP',
  524: 'ENOTSUPP',
};

/** A return value as the trace shows it: `= 3`, or `= -22 (EINVAL)`. */
export function formatRet(ret: number): string {
  return ret < 0 ? `= ${ret} (${ERRNAMES[-ret] ?? `E${-ret}`})` : `= ${ret}`;
}

export interface FormatTraceOptions {
  /** Print the v6.18 link under each step (default true). */
  links?: boolean;
  /** Spaces per depth level (default 2). */
  indent?: number;
}

// #region formatTrace
/**
 * The trace as text: one line per step, indented by depth, `fn()  detail  = ret`, and the kernel
 * link of the step below it.
 */
export function formatTrace(events: readonly TraceEvent[], opts: FormatTraceOptions = {}): string {
  const links = opts.links ?? true;
  const pad = ' '.repeat(opts.indent ?? 2);
  const lines: string[] = [];
  for (const ev of events) {
    const ind = pad.repeat(ev.depth);
    const ret = ev.ret === undefined ? '' : `  ${formatRet(ev.ret)}`;
    const detail = ev.detail ? `  ${ev.detail}` : '';
    lines.push(`${ind}${ev.fn}()${detail}${ret}`);
    if (links) lines.push(`${ind}${pad}↳ ${traceLink(ev)}`);
  }
  return lines.join('\n') + '\n';
}
// #endregion formatTrace

/** A trace collector to pass as `createKernel({ trace: t.hook })`; `t.events` fills as calls run. */
export function collectTrace(): { events: TraceEvent[]; hook: (ev: TraceEvent) => void; clear(): void } {
  const events: TraceEvent[] = [];
  return {
    events,
    hook: (ev) => {
      events.push(ev);
    },
    clear: () => {
      events.length = 0;
    },
  };
}

