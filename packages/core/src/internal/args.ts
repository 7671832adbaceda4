/**
 * Argument and return plumbing shared by the helpers (r1..r5 in, r0 out), as the
 * kernel's BPF_CALL_x macros unpack u64 arguments.
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h (BPF_CALL_5)
 * @module
 */
import type { BpfMap } from '@bpf-internals/maps';
import type { BpfRegs, BpfRunEnv } from '../filter.js';
import { addrOf } from '../memory.js';

/** Argument `i` (1..5) as an unsigned bigint. */
export function arg(r: BpfRegs, i: number): bigint {
  return addrOf(r.hi[i]!, r.lo[i]!);
}

/** Set r0 from a signed 32-bit result (an errno or a small count), sign-extended. */
export function ret32(r: BpfRegs, v: number): void {
  r.lo[0] = v | 0;
  r.hi[0] = v < 0 ? -1 : 0;
}

/** Set r0 from a u64. */
export function ret64(r: BpfRegs, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  r.lo[0] = Number(u & 0xffffffffn) | 0;
  r.hi[0] = Number(u >> 32n) | 0;
}

/** The map behind a map-pointer argument, or a fault. */
export function argMap(env: BpfRunEnv, r: BpfRegs, i: number, insn: number): BpfMap {
  const m = env.mem.objectAtHL(r.hi[i]!, r.lo[i]!) as BpfMap | undefined;
  if (!m || typeof m !== 'object' || !('ops' in m)) throw env.mem.fault(r.hi[i]!, r.lo[i]! >>> 0, 8, false, insn);
  return m;
}

/** A live view of `len` bytes at a pointer argument (a fault if it is not mapped). */
export function argMem(env: BpfRunEnv, r: BpfRegs, i: number, len: number, write: boolean, insn: number): Uint8Array {
  return env.mem.viewHL(r.hi[i]!, r.lo[i]!, len, write, insn);
}

