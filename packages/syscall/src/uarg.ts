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
