/**
 * `bpf_int_jit_compile` in core's calling convention: what `bpf_prog_select_runtime` calls when
 * `bpf_jit_enable` is on. It JITs `prog->insnsi` (as the verifier left them) with the subprogram
 * split of `jit_subprogs`, records `jited`, `jited_len` and the image (what BPF_OBJ_GET_INFO_BY_FD
 * reports as `jited_prog_len` / `jited_prog_insns`), and points `bpf_func` at the model's hart.
 * Mirrors arch/riscv/net/bpf_jit_core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_core.c (bpf_int_jit_compile)
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (jit_subprogs)
 *
 * The model's verifier does not run `do_misc_fixups` yet, so by default the rewrites the JIT depends
 * on (internal/fixups.ts) are applied here first ({@link jitRuntimeOptions}).
 * As in the kernel, a program the JIT cannot handle comes back un-JITed (`jited` false) and the
 * interpreter keeps running it. `jited_len` is the sum of the functions' lengths and the reported
 * image their concatenation, as `bpf_prog_get_info_by_fd` assembles them for a program with
 * subprograms; the runnable blob (each function 4-byte aligned) stays in `aux.jit_data`.
 * @module
 */
import type { bpf_prog, BpfRunEnv, BpfRunResult } from '@bpf-internals/core';
import type { BpfInsn } from '@bpf-internals/uapi';
import { formatJitedSideBySide } from './dump.js';
import { disassemble } from './disasm.js';
import { compile, type CompileOptions, type CompileResult } from './bpf_jit_core.js';
import { runImage } from './hart.js';
import { has_tail_call, verifier_fixups_for_jit } from './internal/fixups.js';
import { bpf_jit_region_install, bpf_jit_region_next } from './jit_region.js';

/** The ISA the kernel's JIT targets (rvc on: CONFIG_RISCV_ISA_C is default y). Change per hart. */
export const jitIsa: Pick<CompileOptions, 'rvc' | 'zba' | 'zbb' | 'zacas'> = { rvc: true, zba: false, zbb: false, zacas: false };

/**
 * Whether {@link bpf_int_jit_compile} applies the verifier rewrites the JIT relies on (div/mod
 * patchlets, cmpxchg zext) itself. On while the model's verifier does not run `do_misc_fixups`;
 * turn it off when it does, or the patchlets would be applied twice.
 */
export const jitRuntimeOptions = { applyVerifierFixups: true };

/** What `aux.jit_data` holds after a successful JIT. */
export interface RvJitProgData {
  jit: CompileResult;
  /** The instructions the JIT compiled (`prog->insnsi` after the verifier rewrites applied here). */
  insns: BpfInsn[];
}

// #region bpf_int_jit_compile
/**
 * `bpf_int_jit_compile(prog)`: returns the same program, JITed (or not, on failure).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_core.c (bpf_int_jit_compile)
 */
export function bpf_int_jit_compile(prog: bpf_prog): bpf_prog {
  if (!prog.jit_requested) return prog;
  // aux.stack_depth is the verifier's; where no verifier ran (0), derive it the same way.
  const fix = jitRuntimeOptions.applyVerifierFixups;
  const insns = fix ? verifier_fixups_for_jit(prog.insnsi) : prog.insnsi;
  // do_misc_fixups: a program with tail calls gets MAX_BPF_STACK (riscv has no
  // bpf_jit_supports_subprog_tailcalls), the callee may use all of it.
  const stackDepth = fix && has_tail_call(prog.insnsi) ? 512 : prog.aux.stack_depth || undefined;
  // Link at the next free address of the JIT region, so tail calls can reach this image.
  const imageAddr = bpf_jit_region_next(insns.length * 64 + 256);
  const jit = compile(insns, { ...jitIsa, imageAddr, ...(stackDepth ? { stackDepth } : {}) });
  if (jit.err) return prog; // the kernel falls back to the interpreter
  const funcs = jit.funcs.map((f) => jit.image.subarray(f.imageOffset, f.imageOffset + f.size));
  const reported = new Uint8Array(funcs.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of funcs) {
    reported.set(f, at);
    at += f.length;
  }
  bpf_jit_region_install({ addr: jit.imageAddr, image: jit.image, extable: jit.extable });
  prog.jited = true;
  prog.jited_len = reported.length;
  prog.aux.jited_image = reported;
  prog.aux.jit_data = { jit, insns } satisfies RvJitProgData;
  // jit_subprogs sets func_cnt when it splits the program (the verifier may have set it already).
  if (!prog.aux.func_cnt && jit.funcs.length > 1) prog.aux.func_cnt = jit.funcs.length;
  prog.bpf_func = (ctx: bigint, env: BpfRunEnv): BpfRunResult => {
    const r = runImage(jit.image, new Uint8Array(0), { env, a0: ctx, a1: 0n, imageAddr: jit.imageAddr, extable: jit.extable, stepLimit: env.insn_limit });
    env.insns = r.steps;
    // bpf_func returns `unsigned int`: the caller keeps the low 32 bits of a0.
    if (r.ok) return { ok: true, r0: BigInt.asUintN(32, r.a0), insns: r.steps };
    const kind = r.error.kind === 'fault' ? 'fault' : r.error.kind === 'step_limit' ? 'insn_limit' : r.error.kind === 'unknown_helper' ? 'unknown_helper' : 'invalid_insn';
    return { ok: false, error: { kind, insn: -1, message: `RV64 pc 0x${r.error.pc.toString(16)}: ${r.error.message}`, ...(r.error.fault ? { fault: r.error.fault } : {}) }, insns: r.steps };
  };
  return prog;
}
// #endregion bpf_int_jit_compile

/**
 * `bpftool prog dump jited` for a program in the model: with the program object, each BPF
 * instruction beside its RV64 code; from the info bytes alone (`jited_prog_insns`), the plain
 * disassembly, as bpftool prints it without line info.
 */
export function dumpJited(prog: bpf_prog): string | null {
  const jd = prog.jited ? (prog.aux.jit_data as RvJitProgData | undefined) : undefined;
  return jd?.jit ? formatJitedSideBySide(jd.insns, jd.jit) : null;
}

/** Disassemble `jited_prog_insns` as returned by BPF_OBJ_GET_INFO_BY_FD (objdump syntax, one line each). */
export function dumpJitedImage(image: Uint8Array, base = 0n): string {
  return disassemble(image, base)
    .map((l) => `${(l.addr).toString(16).padStart(4)}:\t${l.raw}\t${l.text}`)
    .join('\n');
}
