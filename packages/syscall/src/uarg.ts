/**
 * `bpf_check_uarg_tail_zero`: the forward-compatibility rule of every
 * size-carrying BPF struct (bpf_attr itself, the info structs): user space may
 * pass a larger struct than the kernel knows, provided the bytes the kernel
 * does not know are zero.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_check_uarg_tail_zero)
 * @module
 */
import { PAGE_SIZE, type ProcessMemory } from './usermem.js';

const E2BIG = -7;

/**
 * 0 when `actual_size` <= `expected_size` or the tail is zero; -E2BIG for a
 * size over PAGE_SIZE ("silly large") or a non-zero tail; -EFAULT when the
 * tail cannot be read.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_check_uarg_tail_zero)
 */
// #region bpf_check_uarg_tail_zero
export function bpf_check_uarg_tail_zero(mem: ProcessMemory, uaddr: bigint, expected_size: number, actual_size: number): number {
  if (actual_size > PAGE_SIZE) return E2BIG; /* silly large */
  if (actual_size <= expected_size) return 0;
  const res = mem.check_zeroed_user(uaddr + BigInt(expected_size), actual_size - expected_size);
  if (res < 0) return res;
  return res ? 0 : E2BIG;
}
// #endregion bpf_check_uarg_tail_zero

const EFAULT = -14;

/** What {@link info_copy_in} hands a `*_get_info_by_fd`: the struct to fill and where it goes back. */
export interface InfoCopy {
  /** `sizeof(struct bpf_*_info)` bytes: user space's first info_len, zeros after. */
  info: Uint8Array;
  /** `attr->info.info`: the user's struct. */
  uinfo: bigint;
  /** min(sizeof, attr->info.info_len): how much is copied back, and written back as info_len. */
  info_len: number;
}

/**
 * The opening every `bpf_{map,prog,link}_get_info_by_fd` repeats in the kernel:
 * `bpf_check_uarg_tail_zero(uinfo, known, info_len)` (known is sizeof, or the end of the last
 * field where the live 6.18 kernel also refuses the struct's tail padding), `info_len =
 * min(sizeof, info_len)`, then `memset` + `copy_from_user` of that much (-EFAULT).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_get_info_by_fd)
 */
export function info_copy_in(mem: ProcessMemory, attr: Uint8Array, known: number, size: number): InfoCopy | number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  // union bpf_attr.info: bpf_fd at 0, info_len at 4, info at 8.
  const uinfo = dv.getBigUint64(8, true);
  const err = bpf_check_uarg_tail_zero(mem, uinfo, known, dv.getUint32(4, true));
  if (err) return err;
  const info_len = Math.min(size, dv.getUint32(4, true));
  const info = new Uint8Array(size);
  const got = mem.copy_from_user(uinfo, info_len);
  if (typeof got === 'number') return EFAULT;
  info.set(got);
  return { info, uinfo, info_len };
}

/**
 * The closing they repeat: `copy_to_user(uinfo, &info, info_len)` and
 * `put_user(info_len, &uattr->info.info_len)`, -EFAULT if either fails.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_get_info_by_fd)
 */
export function info_copy_out(mem: ProcessMemory, uattr: bigint, c: InfoCopy): number {
  if (mem.copy_to_user(c.uinfo, c.info.subarray(0, c.info_len)) || mem.put_user_u32(uattr + 4n, c.info_len)) return EFAULT;
  return 0;
}
