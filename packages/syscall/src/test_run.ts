/**
 * BPF_PROG_TEST_RUN (alias BPF_PROG_RUN) on the syscall side: `bpf_prog_test_run` checks the
 * ctx_in/ctx_out pairs, takes the program, copies the user's data_in and ctx_in, calls the
 * type's `test_run` (core's net/bpf/test_run.c model) in the kernel's run environment, and
 * copies back what `bpf_test_finish` / `bpf_ctx_finish` write, in their order.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_test_run)
 * and the user-copy half of net/bpf/test_run.c:
 * https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c
 *
 * How syscall.ts calls in: `case BPF_PROG_TEST_RUN: return bpf_prog_test_run(proc, attr, uattr);`
 *
 * Left out: the kernel copies data_in inside the type's `bpf_test_init`, after the type's flag
 * and size checks; the model copies it before, so an unreadable data_in answers -EFAULT before
 * those checks (a scenario never relies on that order).
 * @module
 */
import { bpf_prog_test_run as core_test_run, type BpfTestRunAttr } from '@bpf-internals/core';
import { attrField } from '@bpf-internals/uapi';
import type { Process } from './process.js';
import { bpf_prog_get, bpf_prog_put } from './prog.js';
import { kernel_run_env } from './runtime.js';
import { trace_step } from './trace.js';

const EFAULT = -14;
const EINVAL = -22;

const off = (p: string): number => attrField('BPF_PROG_TEST_RUN', `test.${p}`).offset;
const O = {
  prog_fd: off('prog_fd'),
  retval: off('retval'),
  data_size_in: off('data_size_in'),
  data_size_out: off('data_size_out'),
  data_in: off('data_in'),
  data_out: off('data_out'),
  repeat: off('repeat'),
  duration: off('duration'),
  ctx_size_in: off('ctx_size_in'),
  ctx_size_out: off('ctx_size_out'),
  ctx_in: off('ctx_in'),
  ctx_out: off('ctx_out'),
  flags: off('flags'),
  cpu: off('cpu'),
  batch_size: off('batch_size'),
};

/** Largest data_in the kernel's `bpf_test_init` could ever accept (a page). */
const PAGE_SIZE = 4096;

// #region bpf_prog_test_run
/**
 * `bpf_prog_test_run`: -EINVAL for a ctx size without a pointer or the reverse, the program's
 * own errors (-EBADF, -EINVAL), then the type's test_run (-ENOTSUPP for types without one).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_test_run)
 */
export function bpf_prog_test_run(proc: Process, attr: Uint8Array, uattr: bigint): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const u64 = (o: number): bigint => dv.getBigUint64(o, true);
  const kernel = proc.kernel;
  const step = (fn: string, detail: string, ret?: number): void => trace_step(kernel, 1, fn, detail, ret);

  const ctx_size_in = u32(O.ctx_size_in);
  const ctx_in = u64(O.ctx_in);
  const ctx_size_out = u32(O.ctx_size_out);
  const ctx_out = u64(O.ctx_out);
  if ((ctx_size_in && !ctx_in) || (!ctx_size_in && ctx_in)) return EINVAL;
  if ((ctx_size_out && !ctx_out) || (!ctx_size_out && ctx_out)) return EINVAL;

  const prog = bpf_prog_get(proc.files, u32(O.prog_fd));
  if (typeof prog === 'number') return prog;
  try {
    const data_size_in = u32(O.data_size_in);
    const data_in_ptr = u64(O.data_in);
    let data_in: Uint8Array | null = null;
    if (data_in_ptr && data_size_in <= PAGE_SIZE) {
      const d = proc.mem.copy_from_user(data_in_ptr, data_size_in);
      if (typeof d === 'number') return EFAULT;
      data_in = d;
    }
    let ctx: Uint8Array | null = null;
    if (ctx_in && ctx_size_in <= PAGE_SIZE) {
      const c = proc.mem.copy_from_user(ctx_in, ctx_size_in);
      if (typeof c === 'number') return EFAULT;
      ctx = c;
    }
    const t: BpfTestRunAttr = {
      data_in,
      data_size_in,
      data_size_out: u32(O.data_size_out),
      data_out: u64(O.data_out) !== 0n,
      ctx_in: ctx,
      ctx_size_in,
      ctx_out: ctx_out !== 0n,
      ctx_size_out,
      repeat: u32(O.repeat),
      flags: u32(O.flags),
      cpu: u32(O.cpu),
      batch_size: u32(O.batch_size),
    };
    const res = core_test_run(prog, t, kernel_run_env(kernel));
    step('bpf_prog_test_run', `type ${prog.type}${res.finish ? `, retval ${res.finish.retval}` : ''}`, res.ret);

    // bpf_test_finish: data_out, then data_size_out, retval, duration
    const mem = proc.mem;
    const put32 = (o: number, v: number): boolean => mem.put_user_u32(uattr + BigInt(o), v) === 0;
    if (res.finish) {
      const f = res.finish;
      if (f.data_out && u64(O.data_out) && mem.copy_to_user(u64(O.data_out), f.data_out) !== 0) return EFAULT;
      if (!put32(O.data_size_out, f.data_size_out)) return EFAULT;
      if (!put32(O.retval, f.retval)) return EFAULT;
      if (!put32(O.duration, f.duration)) return EFAULT;
    }
    // bpf_ctx_finish: ctx_out, then ctx_size_out
    if (res.ctx) {
      if (mem.copy_to_user(ctx_out, res.ctx.ctx_out) !== 0) return EFAULT;
      if (!put32(O.ctx_size_out, res.ctx.ctx_size_out)) return EFAULT;
    }
    return res.ret;
  } finally {
    bpf_prog_put(prog);
  }
}
// #endregion bpf_prog_test_run
