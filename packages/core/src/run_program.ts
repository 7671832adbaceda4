/**
 * `runProgram`: the entry point ISA conformance suites use. Raw instruction bytes in, r0 (or
 * why the run stopped) out, with r1 = the address of a memory buffer and r2 = its length.
 * The kernel has no such entry point; the closest is `___bpf_prog_run` in kernel/bpf/core.c:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (___bpf_prog_run)
 *
 * There is no verifier in front of it, so it validates the encoding (RFC 9669 "invalid
 * instructions"), bounds every access through the memory model, and stops endless loops
 * after `insn_limit` instructions. Semantics follow RFC 9669 (see interp.ts).
 * @module
 */
import { decodeInsns, type BpfInsn } from '@bpf-internals/uapi';
import type { BpfMap } from '@bpf-internals/maps';
import type { BpfHelperFn, BpfRunEnv, BpfRunError } from './filter.js';
import { bpf_prog_predecode, interpret } from './interp.js';
import { interpret_js } from './interp_js.js';
import { createRunEnv } from './helpers.js';
import { regionAddr } from './memory.js';

export interface RunProgramOptions {
  /** Helpers by id (default: the model's table). */
  helpers?: readonly (BpfHelperFn | undefined)[];
  /** Maps that BPF_PSEUDO_MAP_FD / MAP_VALUE ld_imm64 refer to, by fd. */
  maps?: Record<number, BpfMap>;
  /** Maps by fd_array index (BPF_PSEUDO_MAP_IDX / IDX_VALUE). */
  fd_array?: BpfMap[];
  /** BPF_PSEUDO_BTF_ID: the address of the kernel variable with this BTF id. */
  var_addr?: (btf_id: number) => bigint | undefined;
  /** Runaway guard (default 1e7 instructions). */
  insn_limit?: number;
  /** Use this environment (memory, clocks, trace buffer) instead of a fresh one. */
  env?: BpfRunEnv;
  /**
   * 'js' runs the compiled tier (interp_js.ts) where it applies; 'switch' (default) the switch
   * interpreter. A trace always uses the switch interpreter.
   */
  tier?: 'switch' | 'js';
  /** Called before each instruction with its index and the registers as (lo, hi) int32 lanes. */
  trace?: (pc: number, lo: Int32Array, hi: Int32Array) => void;
}

/** What {@link runProgram} returns. */
export type RunProgramResult =
  | { ok: true; r0: bigint; insns: number }
  | { ok: false; error: BpfRunError; insns: number };

// #region run-program
/**
 * Run raw instruction bytes with r1 = address of `mem` (mapped read-write), r2 = its length.
 * `{ ok: true, r0 }` on exit, `{ ok: false, error }` for an invalid program, a fault, a call
 * stack deeper than 8 frames, an unknown helper or the instruction limit. Never throws.
 */
export function runProgram(insns: Uint8Array | BpfInsn[], mem: Uint8Array = new Uint8Array(0), opts: RunProgramOptions = {}): RunProgramResult {
  let decoded: BpfInsn[];
  if (insns instanceof Uint8Array) {
    if (insns.length % 8 !== 0) {
      return { ok: false, error: { kind: 'invalid_insn', insn: insns.length >> 3, message: 'program length is not a multiple of 8 bytes' }, insns: 0 };
    }
    decoded = decodeInsns(insns);
  } else decoded = insns;
  const env = opts.env ?? createRunEnv({ helpers: opts.helpers, insn_limit: opts.insn_limit ?? 1e7 });
  if (opts.helpers && opts.env) env.helpers = opts.helpers;
  const pd = bpf_prog_predecode(decoded, env.mem, {
    map_by_fd: opts.maps ? (fd) => opts.maps![fd] : undefined,
    map_by_idx: opts.fd_array ? (i) => opts.fd_array![i] : undefined,
    var_addr: opts.var_addr,
  });
  if ('message' in pd) return { ok: false, error: { kind: 'invalid_insn', insn: pd.insn, message: pd.message }, insns: 0 };
  const region = env.mem.map({ kind: 'mem', name: 'mem', bytes: mem });
  env.ld_abs = mem;
  const L = new Int32Array(16);
  const H = new Int32Array(16);
  const a = regionAddr(region);
  L[1] = Number(a & 0xffffffffn) | 0;
  H[1] = Number(a >> 32n) | 0;
  L[2] = mem.length;
  env.tail_call_cnt = 0;
  try {
    if (opts.tier === 'js' && !opts.trace) {
      const r = interpret_js(pd, env, L, H);
      if (r !== null) return r;
    }
    return interpret(pd, env, L, H, opts.trace);
  } catch (e) {
    // A helper that threw something other than a fault: report, never leak the exception.
    return { ok: false, error: { kind: 'internal', insn: -1, message: `internal error: ${(e as Error).message}` }, insns: env.insns };
  } finally {
    env.mem.unmap(region);
  }
}
// #endregion run-program
