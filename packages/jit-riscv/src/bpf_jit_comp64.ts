/**
 * The RV64 BPF JIT proper: register mapping, prologue/epilogue, and one `emit_*` sequence per BPF
 * instruction. Mirrors arch/riscv/net/bpf_jit_comp64.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c
 *
 * Covered, instruction for instruction: ALU/ALU64 (incl. sdiv/smod via `off`, movsx, bswap,
 * `verifier_zext` off so the JIT adds its own zero-extensions), ld_imm64 (incl. BPF_PSEUDO_FUNC
 * through `emit_addr`), LDX/ST/STX (incl. sign-extending loads, PROBE_MEM/MEMSX/MEM32 with their
 * exception-table entries), atomics (add/and/or/xor with and without fetch, xchg, cmpxchg via
 * lr/sc or Zacas amocas, load-acquire/store-release), near and far branches, `ja`/`gotol`, helper
 * and bpf-to-bpf calls, `bpf_get_smp_processor_id` inlined, tail calls, the arena's
 * `cast_user` and the per-CPU address mov, BPF_REG_AX (r11 = t0).
 *
 * v6.18 changes beyond the 6.12 tree that are modelled, read from 2025 upstream snapshots of this
 * file: load-acquire/store-release with the redundant-zext skip (6.16), `lw` for the int
 * `thread_info.cpu` of the inlined `bpf_get_smp_processor_id` (6.16), the sign-extending epilogue
 * (`addiw a0, a5, 0`), and the arena-atomics series (BPF_PROBE_ATOMIC, `ex_insn_off`/`ex_jmp_off`,
 * Zacas `emit_cmpxchg`), the last from the series as posted (July 2025), not diffed against the
 * v6.18 tag itself: there is no RV64 kernel here to dump an image from.
 * Not modelled: the timed `may_goto` call convention (the verifier's `arch_bpf_timed_may_goto` call
 * keeps its result in BPF_REG_AX; standalone compile never meets it); kfunc calls (they need BTF
 * func models) answer -EINVAL. The trampoline (`arch_prepare_bpf_trampoline`) and text poking are
 * left out: they attach programs, they do not JIT them. CONFIG_CFI_CLANG is taken as off (no kcfi
 * word before the prologue).
 * @module
 */
import type { BpfInsn } from '@bpf-internals/uapi';
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CLASS, BPF_CMPXCHG,
  BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_FROM_BE, BPF_FROM_LE, BPF_H, BPF_IMM, BPF_JA,
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE,
  BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LD, BPF_LDX, BPF_LOAD_ACQ, BPF_LSH, BPF_MEM, BPF_MEMSX,
  BPF_MOD, BPF_MODE, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OP, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL, BPF_RSH, BPF_SIZE, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_SUB, BPF_W,
  BPF_X, BPF_XCHG, BPF_XOR, MAX_TAIL_CALL_CNT,
} from '@bpf-internals/uapi';
import {
  RV_REG_A0, RV_REG_A1, RV_REG_A2, RV_REG_A3, RV_REG_A4, RV_REG_A5, RV_REG_A6, RV_REG_FP, RV_REG_RA,
  RV_REG_S1, RV_REG_S2, RV_REG_S3, RV_REG_S4, RV_REG_S5, RV_REG_S6, RV_REG_S7, RV_REG_SP, RV_REG_T0,
  RV_REG_T1, RV_REG_T2, RV_REG_T3, RV_REG_TP, RV_REG_ZERO, type RvJitContext, emit, emit_add, emit_addi,
  emit_addiw, emit_and, emit_andi, emit_bswap, emit_cmpxchg, emit_fence_r_rw, emit_fence_rw_w,
  emit_jalr, emit_ld, emit_li, emit_lui, emit_lw, emit_mv, emit_or, emit_sd,
  emit_sextb, emit_sexth, emit_sextw, emit_sh3add, emit_slli, emit_srai, emit_srli, emit_sub, emit_subw,
  emit_sw, emit_xor, emit_zexth, emit_zextw, epilogue_offset, invert_bpf_cond, is_12b_int, is_13b_int,
  is_21b_int, ninsns_rvoff, rv_addi, rv_amoadd_d, rv_amoadd_w, rv_amoand_d, rv_amoand_w, rv_amoor_d,
  rv_amoor_w, rv_amoswap_d, rv_amoswap_w, rv_amoxor_d, rv_amoxor_w, rv_auipc, rv_beq, rv_bge, rv_bgeu,
  rv_blt, rv_bltu, rv_bne, rv_div, rv_divu, rv_divuw, rv_divw, rv_jal, rv_jalr, rv_lb, rv_lbu, rv_lh,
  rv_lhu, rv_lw, rv_lwu, rv_mul, rv_mulw, rv_nop, rv_ori, rv_rem, rv_remu, rv_remuw, rv_remw, rv_sb,
  rv_sh, rv_sll, rv_sllw, rv_sra, rv_sraiw, rv_sraw, rv_srl, rv_srliw, rv_srlw, rv_xori, rv_offset,
} from './bpf_jit.js';

const EINVAL = 22;
const ERANGE = 34;

/** Kernel-internal modes and opcodes (include/linux/filter.h), never in user-space programs. */
export const BPF_PROBE_MEM = 0x20;
export const BPF_PROBE_MEMSX = 0x40;
export const BPF_PROBE_MEM32 = 0xa0;
export const BPF_PROBE_ATOMIC = 0xe0;
export const BPF_NOSPEC = 0xc0;
export const BPF_TAIL_CALL = 0xf0;
/** `BPF_ADDR_SPACE_CAST` / `BPF_ADDR_PERCPU`: the `off` of the arena cast and per-CPU movs. */
export const BPF_ADDR_SPACE_CAST = 1;
export const BPF_ADDR_PERCPU = -1;
const BPF_REG_0 = 0;
const BPF_FUNC_get_smp_processor_id = 8;

/** `RV_FENTRY_NINSNS`: the two nops the prologue reserves for ftrace's auipc+jalr. */
export const RV_FENTRY_NINSNS = 2;
/** `RV_KCFI_NINSNS`: 0, CONFIG_CFI_CLANG off. */
export const RV_KCFI_NINSNS = 0;
/** `STACK_ALIGN` (arch/riscv/include/asm/processor.h). */
export const STACK_ALIGN = 16;
const RV_REG_TCC = RV_REG_A6;
const RV_REG_TCC_SAVED = RV_REG_S6;
const RV_REG_ARENA = RV_REG_S7;

/**
 * Struct offsets the emitted code bakes in, taken from Linux 6.18's BTF (x86-64 build; the fields
 * before them have the same size on riscv64): `offsetof(struct bpf_array, map.max_entries)`,
 * `offsetof(struct bpf_array, ptrs)`, `offsetof(struct bpf_prog, bpf_func)`, and riscv's
 * `offsetof(struct thread_info, cpu)` (arch/riscv/include/asm/thread_info.h).
 */
export const BPF_ARRAY_MAX_ENTRIES_OFF = 76;
export const BPF_ARRAY_PTRS_OFF = 312;
export const BPF_PROG_BPF_FUNC_OFF = 72;
export const THREAD_INFO_CPU_OFF = 32;

// #region regmap
/**
 * `regmap`: BPF registers to RV64 registers. r1-r5 are the argument registers a0-a4 so helper calls
 * need no moves; r0 is a5 (a0 is taken by r1) and is copied to a0 on return; r6-r9 and the frame
 * pointer r10 live in callee-saved s1-s5; BPF_REG_AX is the temporary t0.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (regmap)
 */
export const regmap: readonly number[] = [
  RV_REG_A5, // BPF_REG_0
  RV_REG_A0, // BPF_REG_1
  RV_REG_A1, // BPF_REG_2
  RV_REG_A2, // BPF_REG_3
  RV_REG_A3, // BPF_REG_4
  RV_REG_A4, // BPF_REG_5
  RV_REG_S1, // BPF_REG_6
  RV_REG_S2, // BPF_REG_7
  RV_REG_S3, // BPF_REG_8
  RV_REG_S4, // BPF_REG_9
  RV_REG_S5, // BPF_REG_FP
  RV_REG_T0, // BPF_REG_AX
];
// #endregion regmap

// ctx->flags bits: a callee-saved register's number marks it used.
const RV_CTX_F_SEEN_TAIL_CALL = 0;
const RV_CTX_F_SEEN_CALL = RV_REG_RA;

function setBit(ctx: RvJitContext, bit: number): void {
  ctx.flags |= 1 << bit;
}
function testBit(ctx: RvJitContext, bit: number): boolean {
  return (ctx.flags & (1 << bit)) !== 0;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_to_rv_reg) */
export function bpf_to_rv_reg(bpf_reg: number, ctx: RvJitContext): number {
  // Out-of-range src_reg values (only in invalid programs) read past the table in C; 0 here.
  const reg = regmap[bpf_reg] ?? RV_REG_ZERO;
  if (reg === RV_REG_S1 || reg === RV_REG_S2 || reg === RV_REG_S3 || reg === RV_REG_S4 || reg === RV_REG_S5 || reg === RV_REG_S6) setBit(ctx, reg);
  return reg;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (seen_reg) */
function seen_reg(reg: number, ctx: RvJitContext): boolean {
  switch (reg) {
    case RV_CTX_F_SEEN_CALL:
    case RV_REG_S1:
    case RV_REG_S2:
    case RV_REG_S3:
    case RV_REG_S4:
    case RV_REG_S5:
    case RV_REG_S6:
      return testBit(ctx, reg);
  }
  return false;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (mark_fp) */
const mark_fp = (ctx: RvJitContext) => setBit(ctx, RV_REG_S5);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (mark_call) */
const mark_call = (ctx: RvJitContext) => setBit(ctx, RV_CTX_F_SEEN_CALL);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (seen_call) */
const seen_call = (ctx: RvJitContext) => testBit(ctx, RV_CTX_F_SEEN_CALL);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (mark_tail_call) */
const mark_tail_call = (ctx: RvJitContext) => setBit(ctx, RV_CTX_F_SEEN_TAIL_CALL);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (seen_tail_call) */
const seen_tail_call = (ctx: RvJitContext) => testBit(ctx, RV_CTX_F_SEEN_TAIL_CALL);

/**
 * `rv_tail_call_reg`: the tail-call counter lives in a6, or in callee-saved s6 when the program
 * also makes calls (a6 would not survive them).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (rv_tail_call_reg)
 */
function rv_tail_call_reg(ctx: RvJitContext): number {
  mark_tail_call(ctx);
  if (seen_call(ctx)) {
    setBit(ctx, RV_REG_S6);
    return RV_REG_S6;
  }
  return RV_REG_A6;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (is_32b_int) */
const is_32b_int = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;

/**
 * auipc+jalr reach: [-2^31 - 2^11, 2^31 - 2^11).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (in_auipc_jalr_range)
 */
export function in_auipc_jalr_range(v: number): boolean {
  return -(2 ** 31) - (1 << 11) <= v && v < 2 ** 31 - (1 << 11);
}

/**
 * `emit_sextw_alt` / `emit_zextw_alt`: extend into a scratch register, leave the BPF one alone.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_sextw_alt)
 */
function emit_sextw_alt(rd: number, ra: number, ctx: RvJitContext): number {
  emit_sextw(ra, rd, ctx);
  return ra;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_zextw_alt) */
function emit_zextw_alt(rd: number, ra: number, ctx: RvJitContext): number {
  emit_zextw(ra, rd, ctx);
  return ra;
}

/** The pc (as an address) of the next instruction: `ctx->ro_insns + ctx->ninsns`. */
function cur_ip(ctx: RvJitContext): bigint {
  return (ctx.ro_insns ?? 0n) + BigInt(ctx.ninsns * 2);
}

/**
 * `emit_addr`: a fixed two-instruction auipc+addi, so its size does not depend on the address
 * (which is only known in the extra pass).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_addr)
 */
function emit_addr(rd: number, addr: bigint, extra_pass: boolean, ctx: RvJitContext): number {
  const off = Number(BigInt.asIntN(64, addr - cur_ip(ctx)));
  const upper = Math.floor((off + (1 << 11)) / 4096);
  const lower = off & 0xfff;
  if (extra_pass && !in_auipc_jalr_range(off)) return -ERANGE;
  emit(rv_auipc(rd, upper), ctx);
  emit(rv_addi(rd, rd, lower), ctx);
  return 0;
}

// #region emit_imm
/**
 * `emit_imm`: load any 64-bit constant with the fewest instructions the kernel knows: lui+addiw
 * for 32-bit values (c.li alone when the upper part is zero), else the upper part recursively,
 * shifted left past its trailing zeros, plus the low 12 bits.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_imm)
 */
export function emit_imm(rd: number, val: bigint | number, ctx: RvJitContext): void {
  if (typeof val === 'number' && val >= -0x80000000 && val <= 0x7fffffff) {
    emit_imm32(rd, val, ctx);
    return;
  }
  const v = BigInt.asIntN(64, BigInt(val));
  if (is_32b_int(v)) {
    emit_imm32(rd, Number(v), ctx);
    return;
  }
  // The sign-extended add of the low 12 bits is compensated by adding 2^11 before the shift.
  let upper = (v + (1n << 11n)) >> 12n;
  const lower = Number(BigInt.asIntN(12, v));
  // __ffs(upper): upper is never 0 here, the value is not a 32-bit one.
  let shift = 0;
  while (((upper >> BigInt(shift)) & 1n) === 0n) shift++;
  upper >>= BigInt(shift);
  shift += 12;
  emit_imm(rd, upper, ctx);
  emit_slli(rd, rd, shift, ctx);
  if (lower) emit_addi(rd, rd, lower, ctx);
}

function emit_imm32(rd: number, val: number, ctx: RvJitContext): void {
  const upper = Math.floor((val + (1 << 11)) / 4096);
  const lower = (val << 20) >> 20;
  if (upper) emit_lui(rd, upper, ctx);
  if (!upper) {
    emit_li(rd, lower, ctx);
    return;
  }
  emit_addiw(rd, rd, lower, ctx);
}
// #endregion emit_imm

// #region epilogue
/**
 * `__build_epilogue`: restore what the prologue saved, pop the frame, and either return the 32-bit
 * r0 sign-extended in a0 (`addiw a0, a5, 0`) or, for a tail call, jump past the target's
 * prologue nops and TCC initialisation.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (__build_epilogue)
 */
function __build_epilogue(is_tail_call: boolean, ctx: RvJitContext): void {
  const stack_adjust = ctx.stack_size;
  let store_offset = stack_adjust - 8;
  if (seen_reg(RV_REG_RA, ctx)) {
    emit_ld(RV_REG_RA, store_offset, RV_REG_SP, ctx);
    store_offset -= 8;
  }
  emit_ld(RV_REG_FP, store_offset, RV_REG_SP, ctx);
  store_offset -= 8;
  for (const r of [RV_REG_S1, RV_REG_S2, RV_REG_S3, RV_REG_S4, RV_REG_S5, RV_REG_S6]) {
    if (seen_reg(r, ctx)) {
      emit_ld(r, store_offset, RV_REG_SP, ctx);
      store_offset -= 8;
    }
  }
  if (ctx.arena_vm_start) {
    emit_ld(RV_REG_ARENA, store_offset, RV_REG_SP, ctx);
    store_offset -= 8;
  }
  emit_addi(RV_REG_SP, RV_REG_SP, stack_adjust, ctx);
  if (!is_tail_call) emit_addiw(RV_REG_A0, RV_REG_A5, 0, ctx);
  emit_jalr(RV_REG_ZERO, is_tail_call ? RV_REG_T3 : RV_REG_RA, is_tail_call ? (RV_KCFI_NINSNS + RV_FENTRY_NINSNS + 1) * 4 : 0, ctx);
}
// #endregion epilogue

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_bcc) */
function emit_bcc(cond: number, rd: number, rs: number, rvoff: number, ctx: RvJitContext): void {
  const o = rvoff >> 1;
  switch (cond) {
    case BPF_JEQ: emit(rv_beq(rd, rs, o), ctx); return;
    case BPF_JGT: emit(rv_bltu(rs, rd, o), ctx); return;
    case BPF_JLT: emit(rv_bltu(rd, rs, o), ctx); return;
    case BPF_JGE: emit(rv_bgeu(rd, rs, o), ctx); return;
    case BPF_JLE: emit(rv_bgeu(rs, rd, o), ctx); return;
    case BPF_JNE: emit(rv_bne(rd, rs, o), ctx); return;
    case BPF_JSGT: emit(rv_blt(rs, rd, o), ctx); return;
    case BPF_JSLT: emit(rv_blt(rd, rs, o), ctx); return;
    case BPF_JSGE: emit(rv_bge(rd, rs, o), ctx); return;
    case BPF_JSLE: emit(rv_bge(rs, rd, o), ctx); return;
  }
}

// #region emit_branch
/**
 * `emit_branch`: a conditional branch reaches ±4 KiB; beyond that the condition is inverted to
 * skip over a `jal` (±1 MiB) or an auipc+jalr pair (±2 GiB).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_branch)
 */
export function emit_branch(cond: number, rd: number, rs: number, rvoff: number, ctx: RvJitContext): void {
  if (is_13b_int(rvoff)) {
    emit_bcc(cond, rd, rs, rvoff, ctx);
    return;
  }
  // Adjust for jal.
  rvoff -= 4;
  cond = invert_bpf_cond(cond);
  if (is_21b_int(rvoff)) {
    emit_bcc(cond, rd, rs, 8, ctx);
    emit(rv_jal(RV_REG_ZERO, rvoff >> 1), ctx);
    return;
  }
  // No further adjustment: the auipc sits at PC' = PC + 4, which the -4 above accounted for.
  const upper = Math.floor((rvoff + (1 << 11)) / 4096);
  const lower = rvoff & 0xfff;
  emit_bcc(cond, rd, rs, 12, ctx);
  emit(rv_auipc(RV_REG_T1, upper), ctx);
  emit(rv_jalr(RV_REG_ZERO, RV_REG_T1, lower), ctx);
}
// #endregion emit_branch

/**
 * `emit_bpf_tail_call`: bounds check, counter check, NULL check, then jump into the target's
 * image past its TCC set-up through the tail-call epilogue. Branch offsets aim at the end of the
 * instruction's code from the previous pass (`tc_ninsn`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_bpf_tail_call)
 */
function emit_bpf_tail_call(insn: number, ctx: RvJitContext): number {
  const start_insn = ctx.ninsns;
  const tcc = rv_tail_call_reg(ctx);
  const tc_ninsn = insn ? ctx.offset[insn]! - ctx.offset[insn - 1]! : ctx.offset[0]!;
  emit_zextw(RV_REG_A2, RV_REG_A2, ctx);
  emit(rv_lwu(RV_REG_T1, BPF_ARRAY_MAX_ENTRIES_OFF, RV_REG_A1), ctx);
  let off = ninsns_rvoff(tc_ninsn - (ctx.ninsns - start_insn));
  emit_branch(BPF_JGE, RV_REG_A2, RV_REG_T1, off, ctx);
  emit_addi(RV_REG_TCC, tcc, -1, ctx);
  off = ninsns_rvoff(tc_ninsn - (ctx.ninsns - start_insn));
  emit_branch(BPF_JSLT, RV_REG_TCC, RV_REG_ZERO, off, ctx);
  emit_sh3add(RV_REG_T2, RV_REG_A2, RV_REG_A1, ctx);
  emit_ld(RV_REG_T2, BPF_ARRAY_PTRS_OFF, RV_REG_T2, ctx);
  off = ninsns_rvoff(tc_ninsn - (ctx.ninsns - start_insn));
  emit_branch(BPF_JEQ, RV_REG_T2, RV_REG_ZERO, off, ctx);
  emit_ld(RV_REG_T3, BPF_PROG_BPF_FUNC_OFF, RV_REG_T2, ctx);
  __build_epilogue(true, ctx);
  return 0;
}

/**
 * `emit_jump_and_link`: `jal` when the target is fixed and within ±1 MiB, else auipc+jalr.
 * An offset of 0 (not yet known) always takes the long form, so sizes only shrink between passes.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_jump_and_link)
 */
export function emit_jump_and_link(rd: number, rvoff: number, fixed_addr: boolean, ctx: RvJitContext): number {
  if (rvoff && fixed_addr && is_21b_int(rvoff)) {
    emit(rv_jal(rd, rvoff >> 1), ctx);
    return 0;
  } else if (in_auipc_jalr_range(rvoff)) {
    const upper = Math.floor((rvoff + (1 << 11)) / 4096);
    const lower = rvoff & 0xfff;
    emit(rv_auipc(RV_REG_T1, upper), ctx);
    emit(rv_jalr(rd, RV_REG_T1, lower), ctx);
    return 0;
  }
  return -ERANGE;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (is_signed_bpf_cond) */
const is_signed_bpf_cond = (cond: number): boolean => cond === BPF_JSGT || cond === BPF_JSLT || cond === BPF_JSGE || cond === BPF_JSLE;

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_call) */
function emit_call(addr: bigint, fixed_addr: boolean, ctx: RvJitContext): number {
  let off = 0;
  if (addr && ctx.insns && ctx.ro_insns !== null) off = Number(BigInt.asIntN(64, addr - cur_ip(ctx)));
  return emit_jump_and_link(RV_REG_RA, off, fixed_addr, ctx);
}

function emit_ldx_insn(rd: number, off: number, rs: number, size: number, sign_ext: boolean, ctx: RvJitContext): void {
  switch (size) {
    case BPF_B: emit(sign_ext ? rv_lb(rd, off, rs) : rv_lbu(rd, off, rs), ctx); break;
    case BPF_H: emit(sign_ext ? rv_lh(rd, off, rs) : rv_lhu(rd, off, rs), ctx); break;
    case BPF_W: emit(sign_ext ? rv_lw(rd, off, rs) : rv_lwu(rd, off, rs), ctx); break;
    case BPF_DW: emit_ld(rd, off, rs, ctx); break;
  }
}

function emit_stx_insn(rd: number, off: number, rs: number, size: number, ctx: RvJitContext): void {
  switch (size) {
    case BPF_B: emit(rv_sb(rd, off, rs), ctx); break;
    case BPF_H: emit(rv_sh(rd, off, rs), ctx); break;
    case BPF_W: emit_sw(rd, off, rs, ctx); break;
    case BPF_DW: emit_sd(rd, off, rs, ctx); break;
  }
}

/**
 * `emit_ldx`: the offset goes in the load when it fits 12 bits, else through t1.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_ldx)
 */
function emit_ldx(rd: number, off: number, rs: number, size: number, sign_ext: boolean, ctx: RvJitContext): void {
  if (is_12b_int(off)) {
    ctx.ex_insn_off = ctx.ninsns;
    emit_ldx_insn(rd, off, rs, size, sign_ext, ctx);
    ctx.ex_jmp_off = ctx.ninsns;
    return;
  }
  emit_imm(RV_REG_T1, off, ctx);
  emit_add(RV_REG_T1, RV_REG_T1, rs, ctx);
  ctx.ex_insn_off = ctx.ninsns;
  emit_ldx_insn(rd, 0, RV_REG_T1, size, sign_ext, ctx);
  ctx.ex_jmp_off = ctx.ninsns;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_st) */
function emit_st(rd: number, off: number, imm: number, size: number, ctx: RvJitContext): void {
  emit_imm(RV_REG_T1, imm, ctx);
  if (is_12b_int(off)) {
    ctx.ex_insn_off = ctx.ninsns;
    emit_stx_insn(rd, off, RV_REG_T1, size, ctx);
    ctx.ex_jmp_off = ctx.ninsns;
    return;
  }
  emit_imm(RV_REG_T2, off, ctx);
  emit_add(RV_REG_T2, RV_REG_T2, rd, ctx);
  ctx.ex_insn_off = ctx.ninsns;
  emit_stx_insn(RV_REG_T2, 0, RV_REG_T1, size, ctx);
  ctx.ex_jmp_off = ctx.ninsns;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_stx) */
function emit_stx(rd: number, off: number, rs: number, size: number, ctx: RvJitContext): void {
  if (is_12b_int(off)) {
    ctx.ex_insn_off = ctx.ninsns;
    emit_stx_insn(rd, off, rs, size, ctx);
    ctx.ex_jmp_off = ctx.ninsns;
    return;
  }
  emit_imm(RV_REG_T1, off, ctx);
  emit_add(RV_REG_T1, RV_REG_T1, rd, ctx);
  ctx.ex_insn_off = ctx.ninsns;
  emit_stx_insn(RV_REG_T1, 0, rs, size, ctx);
  ctx.ex_jmp_off = ctx.ninsns;
}

/**
 * `insn_is_zext`: the verifier's explicit zero-extension `mov32 rX, rX` with imm 1.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h (insn_is_zext)
 */
export const insn_is_zext = (insn: BpfInsn | undefined): boolean => !!insn && insn.code === (BPF_ALU | BPF_MOV | BPF_X) && insn.imm === 1;

/**
 * `emit_atomic_ld_st`: load-acquire is the load then `fence r,rw`; store-release is `fence rw,w`
 * then the store (the RVWMO mapping).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_atomic_ld_st)
 */
function emit_atomic_ld_st(rd: number, rs: number, insns: BpfInsn[], i: number, ctx: RvJitContext): number {
  const insn = insns[i]!;
  const code = insn.code;
  switch (insn.imm) {
    case BPF_LOAD_ACQ:
      emit_ldx(rd, insn.off, rs, BPF_SIZE(code), false, ctx);
      emit_fence_r_rw(ctx);
      // A redundant zext after it is skipped: lbu/lhu/lwu already zero-extend.
      if (BPF_SIZE(code) !== BPF_DW && insn_is_zext(insns[i + 1])) return 1;
      break;
    case BPF_STORE_REL:
      emit_fence_rw_w(ctx);
      emit_stx(rd, insn.off, rs, BPF_SIZE(code), ctx);
      break;
    default:
      return -EINVAL;
  }
  return 0;
}

/**
 * `emit_atomic_rmw`: one AMO per operation (aq+rl for the fetching ones, which BPF defines as
 * fully ordered), the 32-bit fetch result zero-extended, and cmpxchg through `emit_cmpxchg`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_atomic_rmw)
 */
function emit_atomic_rmw(rd: number, rs: number, insn: BpfInsn, ctx: RvJitContext): number {
  const code = insn.code;
  const off = insn.off;
  const imm = insn.imm;
  if (BPF_SIZE(code) !== BPF_W && BPF_SIZE(code) !== BPF_DW) return -EINVAL;
  const is64 = BPF_SIZE(code) === BPF_DW;
  if (off) {
    if (is_12b_int(off)) emit_addi(RV_REG_T1, rd, off, ctx);
    else {
      emit_imm(RV_REG_T1, off, ctx);
      emit_add(RV_REG_T1, RV_REG_T1, rd, ctx);
    }
    rd = RV_REG_T1;
  }
  if (BPF_MODE(code) === BPF_PROBE_ATOMIC) {
    emit_add(RV_REG_T1, rd, RV_REG_ARENA, ctx);
    rd = RV_REG_T1;
  }
  const amo = (w: typeof rv_amoadd_w, d: typeof rv_amoadd_d, dst: number, aqrl: number): void => {
    ctx.ex_insn_off = ctx.ninsns;
    emit(is64 ? d(dst, rs, rd, aqrl, aqrl) : w(dst, rs, rd, aqrl, aqrl), ctx);
    ctx.ex_jmp_off = ctx.ninsns;
  };
  switch (imm) {
    case BPF_ADD: amo(rv_amoadd_w, rv_amoadd_d, RV_REG_ZERO, 0); break;
    case BPF_AND: amo(rv_amoand_w, rv_amoand_d, RV_REG_ZERO, 0); break;
    case BPF_OR: amo(rv_amoor_w, rv_amoor_d, RV_REG_ZERO, 0); break;
    case BPF_XOR: amo(rv_amoxor_w, rv_amoxor_d, RV_REG_ZERO, 0); break;
    case BPF_ADD | BPF_FETCH:
    case BPF_AND | BPF_FETCH:
    case BPF_OR | BPF_FETCH:
    case BPF_XOR | BPF_FETCH:
    case BPF_XCHG: {
      const [w, d] =
        imm === (BPF_ADD | BPF_FETCH) ? [rv_amoadd_w, rv_amoadd_d]
        : imm === (BPF_AND | BPF_FETCH) ? [rv_amoand_w, rv_amoand_d]
        : imm === (BPF_OR | BPF_FETCH) ? [rv_amoor_w, rv_amoor_d]
        : imm === (BPF_XOR | BPF_FETCH) ? [rv_amoxor_w, rv_amoxor_d]
        : [rv_amoswap_w, rv_amoswap_d];
      amo(w, d, rs, 1);
      if (!is64) emit_zextw(rs, rs, ctx);
      break;
    }
    case BPF_CMPXCHG:
      emit_cmpxchg(rd, rs, bpf_to_rv_reg(BPF_REG_0, ctx), is64, ctx);
      break;
    default:
      return -EINVAL;
  }
  return 0;
}

/** `BPF_FIXUP_REG_MASK` value meaning "clear no register" (x0 is never in pt_regmap). */
const REG_DONT_CLEAR_MARKER = 0;

/**
 * `add_exception_handler`: for probe accesses, record the faulting instruction and where to resume
 * (the next one), with the destination register to clear, as `ex_handler_bpf` will use them.
 * The model keeps the entries as data next to the image instead of packing `exception_table_entry`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (add_exception_handler)
 */
function add_exception_handler(insn: BpfInsn, dst_reg: number, ctx: RvJitContext): number {
  const mode = BPF_MODE(insn.code);
  if (!ctx.insns || ctx.ro_insns === null || !ctx.prog.has_extable) return 0;
  if (mode !== BPF_PROBE_MEM && mode !== BPF_PROBE_MEMSX && mode !== BPF_PROBE_MEM32 && mode !== BPF_PROBE_ATOMIC) return 0;
  ctx.extable.push({ insn: ctx.ex_insn_off, next: ctx.ex_jmp_off, reg: dst_reg });
  ctx.nexentries++;
  return 0;
}

/**
 * `insn_is_cast_user`: `addr_space_cast(rX, 0, 1)`, an arena pointer turned into a user one.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h (insn_is_cast_user)
 */
const insn_is_cast_user = (insn: BpfInsn): boolean =>
  insn.code === (BPF_ALU64 | BPF_MOV | BPF_X) && insn.off === BPF_ADDR_SPACE_CAST && insn.imm >>> 0 === 1 << 16;
/**
 * `insn_is_mov_percpu_addr`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h (insn_is_mov_percpu_addr)
 */
const insn_is_mov_percpu_addr = (insn: BpfInsn): boolean => insn.code === (BPF_ALU64 | BPF_MOV | BPF_X) && insn.off === BPF_ADDR_PERCPU;

/** The address of `__per_cpu_offset` the model's memory map uses. */
export let PER_CPU_OFFSET_ADDR = 0n;
export function setPerCpuOffsetAddr(addr: bigint): void {
  PER_CPU_OFFSET_ADDR = addr;
}

/**
 * `bpf_jit_emit_insn`: emit one BPF instruction. Returns 0, 1 when the next slot was consumed too
 * (ld_imm64, or a zext folded into a load), or a negative errno.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_emit_insn)
 */
export function bpf_jit_emit_insn(i: number, ctx: RvJitContext, extra_pass: boolean): number {
  const insns = ctx.prog.insns;
  const insn = insns[i]!;
  const code = insn.code;
  const is64 = BPF_CLASS(code) === BPF_ALU64 || BPF_CLASS(code) === BPF_JMP;
  const off = insn.off;
  const imm = insn.imm;
  const zext = !is64 && !ctx.prog.verifier_zext;
  let ret: number;
  let rvoff: number;

  // init_regs: map dst for everything but ja/call/exit/tail call, and src whenever the low nibble
  // of the opcode is non-zero (the kernel's test, which also marks callee-saved registers seen).
  let rd = 0xff, rs = 0xff;
  if (code !== (BPF_JMP | BPF_JA) && code !== (BPF_JMP | BPF_CALL) && code !== (BPF_JMP | BPF_EXIT) && code !== (BPF_JMP | BPF_TAIL_CALL)) {
    rd = bpf_to_rv_reg(insn.dst_reg, ctx);
  }
  if (code & 0x0f) rs = bpf_to_rv_reg(insn.src_reg, ctx);

  switch (code) {
    // dst = src
    case BPF_ALU | BPF_MOV | BPF_X:
    case BPF_ALU64 | BPF_MOV | BPF_X:
      if (insn_is_cast_user(insn)) {
        emit_mv(RV_REG_T1, rs, ctx);
        emit_zextw(RV_REG_T1, RV_REG_T1, ctx);
        emit_imm(rd, (ctx.user_vm_start >> 32n) << 32n, ctx);
        emit(rv_beq(RV_REG_T1, RV_REG_ZERO, 4), ctx);
        emit_or(RV_REG_T1, rd, RV_REG_T1, ctx);
        emit_mv(rd, RV_REG_T1, ctx);
        break;
      } else if (insn_is_mov_percpu_addr(insn)) {
        if (rd !== rs) emit_mv(rd, rs, ctx);
        emit_lw(RV_REG_T1, THREAD_INFO_CPU_OFF, RV_REG_TP, ctx);
        ret = emit_addr(RV_REG_T2, PER_CPU_OFFSET_ADDR, extra_pass, ctx);
        if (ret) return ret;
        emit_sh3add(RV_REG_T1, RV_REG_T1, RV_REG_T2, ctx);
        emit_ld(RV_REG_T1, 0, RV_REG_T1, ctx);
        emit_add(rd, rd, RV_REG_T1, ctx);
      }
      if (imm === 1) {
        // Special mov32 for zext.
        emit_zextw(rd, rd, ctx);
        break;
      }
      switch (off) {
        case 0: emit_mv(rd, rs, ctx); break;
        case 8: emit_sextb(rd, rs, ctx); break;
        case 16: emit_sexth(rd, rs, ctx); break;
        case 32: emit_sextw(rd, rs, ctx); break;
      }
      if (zext) emit_zextw(rd, rd, ctx);
      break;

    // dst = dst OP src
    case BPF_ALU | BPF_ADD | BPF_X:
    case BPF_ALU64 | BPF_ADD | BPF_X:
      emit_add(rd, rd, rs, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_SUB | BPF_X:
    case BPF_ALU64 | BPF_SUB | BPF_X:
      if (is64) emit_sub(rd, rd, rs, ctx);
      else emit_subw(rd, rd, rs, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_AND | BPF_X:
    case BPF_ALU64 | BPF_AND | BPF_X:
      emit_and(rd, rd, rs, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_OR | BPF_X:
    case BPF_ALU64 | BPF_OR | BPF_X:
      emit_or(rd, rd, rs, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_XOR | BPF_X:
    case BPF_ALU64 | BPF_XOR | BPF_X:
      emit_xor(rd, rd, rs, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_MUL | BPF_X:
    case BPF_ALU64 | BPF_MUL | BPF_X:
      emit(is64 ? rv_mul(rd, rd, rs) : rv_mulw(rd, rd, rs), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_DIV | BPF_X:
    case BPF_ALU64 | BPF_DIV | BPF_X:
      if (off) emit(is64 ? rv_div(rd, rd, rs) : rv_divw(rd, rd, rs), ctx);
      else emit(is64 ? rv_divu(rd, rd, rs) : rv_divuw(rd, rd, rs), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_MOD | BPF_X:
    case BPF_ALU64 | BPF_MOD | BPF_X:
      if (off) emit(is64 ? rv_rem(rd, rd, rs) : rv_remw(rd, rd, rs), ctx);
      else emit(is64 ? rv_remu(rd, rd, rs) : rv_remuw(rd, rd, rs), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_LSH | BPF_X:
    case BPF_ALU64 | BPF_LSH | BPF_X:
      emit(is64 ? rv_sll(rd, rd, rs) : rv_sllw(rd, rd, rs), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_RSH | BPF_X:
    case BPF_ALU64 | BPF_RSH | BPF_X:
      emit(is64 ? rv_srl(rd, rd, rs) : rv_srlw(rd, rd, rs), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_ARSH | BPF_X:
    case BPF_ALU64 | BPF_ARSH | BPF_X:
      emit(is64 ? rv_sra(rd, rd, rs) : rv_sraw(rd, rd, rs), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;

    // dst = -dst
    case BPF_ALU | BPF_NEG:
    case BPF_ALU64 | BPF_NEG:
      emit_sub(rd, RV_REG_ZERO, rd, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;

    // dst = BSWAP##imm(dst)
    case BPF_ALU | BPF_END | BPF_FROM_LE:
      switch (imm) {
        case 16: emit_zexth(rd, rd, ctx); break;
        case 32: if (!ctx.prog.verifier_zext) emit_zextw(rd, rd, ctx); break;
        case 64: break;
      }
      break;
    case BPF_ALU | BPF_END | BPF_FROM_BE:
    case BPF_ALU64 | BPF_END | BPF_FROM_LE:
      emit_bswap(rd, imm, ctx);
      break;

    // dst = imm
    case BPF_ALU | BPF_MOV | BPF_K:
    case BPF_ALU64 | BPF_MOV | BPF_K:
      emit_imm(rd, imm, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;

    // dst = dst OP imm
    case BPF_ALU | BPF_ADD | BPF_K:
    case BPF_ALU64 | BPF_ADD | BPF_K:
      if (is_12b_int(imm)) emit_addi(rd, rd, imm, ctx);
      else {
        emit_imm(RV_REG_T1, imm, ctx);
        emit_add(rd, rd, RV_REG_T1, ctx);
      }
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_SUB | BPF_K:
    case BPF_ALU64 | BPF_SUB | BPF_K:
      if (is_12b_int(-imm)) emit_addi(rd, rd, -imm, ctx);
      else {
        emit_imm(RV_REG_T1, imm, ctx);
        emit_sub(rd, rd, RV_REG_T1, ctx);
      }
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_AND | BPF_K:
    case BPF_ALU64 | BPF_AND | BPF_K:
      if (is_12b_int(imm)) emit_andi(rd, rd, imm, ctx);
      else {
        emit_imm(RV_REG_T1, imm, ctx);
        emit_and(rd, rd, RV_REG_T1, ctx);
      }
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_OR | BPF_K:
    case BPF_ALU64 | BPF_OR | BPF_K:
      if (is_12b_int(imm)) emit(rv_ori(rd, rd, imm), ctx);
      else {
        emit_imm(RV_REG_T1, imm, ctx);
        emit_or(rd, rd, RV_REG_T1, ctx);
      }
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_XOR | BPF_K:
    case BPF_ALU64 | BPF_XOR | BPF_K:
      if (is_12b_int(imm)) emit(rv_xori(rd, rd, imm), ctx);
      else {
        emit_imm(RV_REG_T1, imm, ctx);
        emit_xor(rd, rd, RV_REG_T1, ctx);
      }
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_MUL | BPF_K:
    case BPF_ALU64 | BPF_MUL | BPF_K:
      emit_imm(RV_REG_T1, imm, ctx);
      emit(is64 ? rv_mul(rd, rd, RV_REG_T1) : rv_mulw(rd, rd, RV_REG_T1), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_DIV | BPF_K:
    case BPF_ALU64 | BPF_DIV | BPF_K:
      emit_imm(RV_REG_T1, imm, ctx);
      if (off) emit(is64 ? rv_div(rd, rd, RV_REG_T1) : rv_divw(rd, rd, RV_REG_T1), ctx);
      else emit(is64 ? rv_divu(rd, rd, RV_REG_T1) : rv_divuw(rd, rd, RV_REG_T1), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_MOD | BPF_K:
    case BPF_ALU64 | BPF_MOD | BPF_K:
      emit_imm(RV_REG_T1, imm, ctx);
      if (off) emit(is64 ? rv_rem(rd, rd, RV_REG_T1) : rv_remw(rd, rd, RV_REG_T1), ctx);
      else emit(is64 ? rv_remu(rd, rd, RV_REG_T1) : rv_remuw(rd, rd, RV_REG_T1), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_LSH | BPF_K:
    case BPF_ALU64 | BPF_LSH | BPF_K:
      emit_slli(rd, rd, imm, ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_RSH | BPF_K:
    case BPF_ALU64 | BPF_RSH | BPF_K:
      if (is64) emit_srli(rd, rd, imm, ctx);
      else emit(rv_srliw(rd, rd, imm), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;
    case BPF_ALU | BPF_ARSH | BPF_K:
    case BPF_ALU64 | BPF_ARSH | BPF_K:
      if (is64) emit_srai(rd, rd, imm, ctx);
      else emit(rv_sraiw(rd, rd, imm), ctx);
      if (zext) emit_zextw(rd, rd, ctx);
      break;

    // JUMP off
    case BPF_JMP | BPF_JA:
    case BPF_JMP32 | BPF_JA:
      rvoff = BPF_CLASS(code) === BPF_JMP ? rv_offset(i, off, ctx) : rv_offset(i, imm, ctx);
      ret = emit_jump_and_link(RV_REG_ZERO, rvoff, true, ctx);
      if (ret) return ret;
      break;

    // IF (dst COND src) JUMP off
    case BPF_JMP | BPF_JEQ | BPF_X: case BPF_JMP32 | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_X: case BPF_JMP32 | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JLT | BPF_X: case BPF_JMP32 | BPF_JLT | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_X: case BPF_JMP32 | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JLE | BPF_X: case BPF_JMP32 | BPF_JLE | BPF_X:
    case BPF_JMP | BPF_JNE | BPF_X: case BPF_JMP32 | BPF_JNE | BPF_X:
    case BPF_JMP | BPF_JSGT | BPF_X: case BPF_JMP32 | BPF_JSGT | BPF_X:
    case BPF_JMP | BPF_JSLT | BPF_X: case BPF_JMP32 | BPF_JSLT | BPF_X:
    case BPF_JMP | BPF_JSGE | BPF_X: case BPF_JMP32 | BPF_JSGE | BPF_X:
    case BPF_JMP | BPF_JSLE | BPF_X: case BPF_JMP32 | BPF_JSLE | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_X: case BPF_JMP32 | BPF_JSET | BPF_X: {
      rvoff = rv_offset(i, off, ctx);
      if (!is64) {
        const s = ctx.ninsns;
        if (is_signed_bpf_cond(BPF_OP(code))) {
          rs = emit_sextw_alt(rs, RV_REG_T1, ctx);
          rd = emit_sextw_alt(rd, RV_REG_T2, ctx);
        } else {
          rs = emit_zextw_alt(rs, RV_REG_T1, ctx);
          rd = emit_zextw_alt(rd, RV_REG_T2, ctx);
        }
        // Adjust for extra insns.
        rvoff -= ninsns_rvoff(ctx.ninsns - s);
      }
      if (BPF_OP(code) === BPF_JSET) {
        // Adjust for and.
        rvoff -= 4;
        emit_and(RV_REG_T1, rd, rs, ctx);
        emit_branch(BPF_JNE, RV_REG_T1, RV_REG_ZERO, rvoff, ctx);
      } else {
        emit_branch(BPF_OP(code), rd, rs, rvoff, ctx);
      }
      break;
    }

    // IF (dst COND imm) JUMP off
    case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP32 | BPF_JEQ | BPF_K:
    case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP32 | BPF_JGT | BPF_K:
    case BPF_JMP | BPF_JLT | BPF_K: case BPF_JMP32 | BPF_JLT | BPF_K:
    case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP32 | BPF_JGE | BPF_K:
    case BPF_JMP | BPF_JLE | BPF_K: case BPF_JMP32 | BPF_JLE | BPF_K:
    case BPF_JMP | BPF_JNE | BPF_K: case BPF_JMP32 | BPF_JNE | BPF_K:
    case BPF_JMP | BPF_JSGT | BPF_K: case BPF_JMP32 | BPF_JSGT | BPF_K:
    case BPF_JMP | BPF_JSLT | BPF_K: case BPF_JMP32 | BPF_JSLT | BPF_K:
    case BPF_JMP | BPF_JSGE | BPF_K: case BPF_JMP32 | BPF_JSGE | BPF_K:
    case BPF_JMP | BPF_JSLE | BPF_K: case BPF_JMP32 | BPF_JSLE | BPF_K: {
      rvoff = rv_offset(i, off, ctx);
      const s = ctx.ninsns;
      if (imm) emit_imm(RV_REG_T1, imm, ctx);
      rs = imm ? RV_REG_T1 : RV_REG_ZERO;
      if (!is64) {
        if (is_signed_bpf_cond(BPF_OP(code))) {
          // rs has been sign-extended by emit_imm.
          rd = emit_sextw_alt(rd, RV_REG_T2, ctx);
        } else {
          rd = emit_zextw_alt(rd, RV_REG_T2, ctx);
          if (imm) emit_zextw(rs, rs, ctx);
        }
      }
      // Adjust for extra insns.
      rvoff -= ninsns_rvoff(ctx.ninsns - s);
      emit_branch(BPF_OP(code), rd, rs, rvoff, ctx);
      break;
    }

    case BPF_JMP | BPF_JSET | BPF_K:
    case BPF_JMP32 | BPF_JSET | BPF_K: {
      rvoff = rv_offset(i, off, ctx);
      const s = ctx.ninsns;
      if (is_12b_int(imm)) emit_andi(RV_REG_T1, rd, imm, ctx);
      else {
        emit_imm(RV_REG_T1, imm, ctx);
        emit_and(RV_REG_T1, rd, RV_REG_T1, ctx);
      }
      // For jset32 sign-extension is enough: t1 is only compared against zero.
      if (!is64 && imm < 0) emit_sextw(RV_REG_T1, RV_REG_T1, ctx);
      rvoff -= ninsns_rvoff(ctx.ninsns - s);
      emit_branch(BPF_JNE, RV_REG_T1, RV_REG_ZERO, rvoff, ctx);
      break;
    }

    // function call
    case BPF_JMP | BPF_CALL: {
      // bpf_get_smp_processor_id() inlined: thread_info (at tp) holds the CPU number.
      if (insn.src_reg === 0 && imm === BPF_FUNC_get_smp_processor_id) {
        emit_lw(bpf_to_rv_reg(BPF_REG_0, ctx), THREAD_INFO_CPU_OFF, RV_REG_TP, ctx);
        break;
      }
      mark_call(ctx);
      const fa = ctx.prog.get_func_addr(insn, extra_pass);
      if (fa.err < 0) return fa.err;
      if (insn.src_reg === BPF_PSEUDO_KFUNC_CALL) {
        // bpf_jit_find_kfunc_model needs the kfunc's BTF model, which standalone use lacks.
        return -EINVAL;
      }
      ret = emit_call(fa.addr, fa.fixed, ctx);
      if (ret) return ret;
      if (insn.src_reg !== BPF_PSEUDO_CALL) emit_mv(bpf_to_rv_reg(BPF_REG_0, ctx), RV_REG_A0, ctx);
      break;
    }
    // tail call
    case BPF_JMP | BPF_TAIL_CALL:
      if (emit_bpf_tail_call(i, ctx)) return -1;
      break;

    // function return
    case BPF_JMP | BPF_EXIT:
      // The last instruction falls through into the epilogue.
      if (i === ctx.prog.len - 1) break;
      rvoff = epilogue_offset(ctx);
      ret = emit_jump_and_link(RV_REG_ZERO, rvoff, true, ctx);
      if (ret) return ret;
      break;

    // dst = imm64
    case BPF_LD | BPF_IMM | BPF_DW: {
      const insn1 = insns[i + 1];
      if (!insn1) return -EINVAL;
      const imm64 = (BigInt(insn1.imm >>> 0) << 32n) | BigInt(imm >>> 0);
      if (insn.src_reg === BPF_PSEUDO_FUNC) {
        // Fixed-length instructions: the address is only known in the extra pass.
        ret = emit_addr(rd, ctx.prog.subprog_addr(insn), extra_pass, ctx);
        if (ret) return ret;
      } else {
        emit_imm(rd, imm64, ctx);
      }
      return 1;
    }

    // LDX: dst = *(unsigned size *)(src + off); LDSX: signed.
    case BPF_LDX | BPF_MEM | BPF_B: case BPF_LDX | BPF_MEM | BPF_H:
    case BPF_LDX | BPF_MEM | BPF_W: case BPF_LDX | BPF_MEM | BPF_DW:
    case BPF_LDX | BPF_PROBE_MEM | BPF_B: case BPF_LDX | BPF_PROBE_MEM | BPF_H:
    case BPF_LDX | BPF_PROBE_MEM | BPF_W: case BPF_LDX | BPF_PROBE_MEM | BPF_DW:
    case BPF_LDX | BPF_MEMSX | BPF_B: case BPF_LDX | BPF_MEMSX | BPF_H: case BPF_LDX | BPF_MEMSX | BPF_W:
    case BPF_LDX | BPF_PROBE_MEMSX | BPF_B: case BPF_LDX | BPF_PROBE_MEMSX | BPF_H: case BPF_LDX | BPF_PROBE_MEMSX | BPF_W:
    case BPF_LDX | BPF_PROBE_MEM32 | BPF_B: case BPF_LDX | BPF_PROBE_MEM32 | BPF_H:
    case BPF_LDX | BPF_PROBE_MEM32 | BPF_W: case BPF_LDX | BPF_PROBE_MEM32 | BPF_DW: {
      const mode = BPF_MODE(code);
      const sign_ext = mode === BPF_MEMSX || mode === BPF_PROBE_MEMSX;
      if (mode === BPF_PROBE_MEM32) {
        emit_add(RV_REG_T2, rs, RV_REG_ARENA, ctx);
        rs = RV_REG_T2;
      }
      emit_ldx(rd, off, rs, BPF_SIZE(code), sign_ext, ctx);
      ret = add_exception_handler(insn, rd, ctx);
      if (ret) return ret;
      if (BPF_SIZE(code) !== BPF_DW && insn_is_zext(insns[i + 1])) return 1;
      break;
    }

    // speculation barrier
    case BPF_ST | BPF_NOSPEC:
      break;

    // ST: *(size *)(dst + off) = imm
    case BPF_ST | BPF_MEM | BPF_B: case BPF_ST | BPF_MEM | BPF_H:
    case BPF_ST | BPF_MEM | BPF_W: case BPF_ST | BPF_MEM | BPF_DW:
    case BPF_ST | BPF_PROBE_MEM32 | BPF_B: case BPF_ST | BPF_PROBE_MEM32 | BPF_H:
    case BPF_ST | BPF_PROBE_MEM32 | BPF_W: case BPF_ST | BPF_PROBE_MEM32 | BPF_DW:
      if (BPF_MODE(code) === BPF_PROBE_MEM32) {
        emit_add(RV_REG_T3, rd, RV_REG_ARENA, ctx);
        rd = RV_REG_T3;
      }
      emit_st(rd, off, imm, BPF_SIZE(code), ctx);
      ret = add_exception_handler(insn, REG_DONT_CLEAR_MARKER, ctx);
      if (ret) return ret;
      break;

    // STX: *(size *)(dst + off) = src
    case BPF_STX | BPF_MEM | BPF_B: case BPF_STX | BPF_MEM | BPF_H:
    case BPF_STX | BPF_MEM | BPF_W: case BPF_STX | BPF_MEM | BPF_DW:
    case BPF_STX | BPF_PROBE_MEM32 | BPF_B: case BPF_STX | BPF_PROBE_MEM32 | BPF_H:
    case BPF_STX | BPF_PROBE_MEM32 | BPF_W: case BPF_STX | BPF_PROBE_MEM32 | BPF_DW:
      if (BPF_MODE(code) === BPF_PROBE_MEM32) {
        emit_add(RV_REG_T2, rd, RV_REG_ARENA, ctx);
        rd = RV_REG_T2;
      }
      emit_stx(rd, off, rs, BPF_SIZE(code), ctx);
      ret = add_exception_handler(insn, REG_DONT_CLEAR_MARKER, ctx);
      if (ret) return ret;
      break;

    case BPF_STX | BPF_ATOMIC | BPF_B: case BPF_STX | BPF_ATOMIC | BPF_H:
    case BPF_STX | BPF_ATOMIC | BPF_W: case BPF_STX | BPF_ATOMIC | BPF_DW:
    case BPF_STX | BPF_PROBE_ATOMIC | BPF_B: case BPF_STX | BPF_PROBE_ATOMIC | BPF_H:
    case BPF_STX | BPF_PROBE_ATOMIC | BPF_W: case BPF_STX | BPF_PROBE_ATOMIC | BPF_DW:
      // bpf_atomic_is_load_store: imm is BPF_LOAD_ACQ or BPF_STORE_REL.
      if (imm === BPF_LOAD_ACQ || imm === BPF_STORE_REL) ret = emit_atomic_ld_st(rd, rs, insns, i, ctx);
      else ret = emit_atomic_rmw(rd, rs, insn, ctx);
      if (ret < 0) return ret;
      if (ret > 0) return ret;
      ret = add_exception_handler(insn, REG_DONT_CLEAR_MARKER, ctx);
      if (ret) return ret;
      break;

    default:
      // pr_err("bpf-jit: unknown opcode %02x\n", code)
      return -EINVAL;
  }
  return 0;
}

// #region prologue
/**
 * `bpf_jit_build_prologue`: two nops for ftrace, the 4-byte TCC initialisation that tail calls
 * jump over, then a frame holding ra (if calls), the old s0, each callee-saved register the body
 * used, and below them the BPF stack, with s5 (BPF r10) pointing at its top.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_build_prologue)
 */
export function bpf_jit_build_prologue(ctx: RvJitContext, _is_subprog: boolean): void {
  const bpf_stack_adjust = roundUp(ctx.prog.stack_depth, STACK_ALIGN);
  if (bpf_stack_adjust) mark_fp(ctx);
  let stack_adjust = 0;
  if (seen_reg(RV_REG_RA, ctx)) stack_adjust += 8;
  stack_adjust += 8; // RV_REG_FP
  for (const r of [RV_REG_S1, RV_REG_S2, RV_REG_S3, RV_REG_S4, RV_REG_S5, RV_REG_S6]) if (seen_reg(r, ctx)) stack_adjust += 8;
  if (ctx.arena_vm_start) stack_adjust += 8;
  stack_adjust = roundUp(stack_adjust, STACK_ALIGN);
  stack_adjust += bpf_stack_adjust;
  let store_offset = stack_adjust - 8;

  // kcfi preamble: none (CONFIG_CFI_CLANG off). Nops reserved for auipc+jalr.
  for (let i = 0; i < RV_FENTRY_NINSNS; i++) emit(rv_nop(), ctx);
  // First instruction is always setting the tail-call-counter (TCC) register; it is skipped for
  // tail calls, so it is forced to the 4-byte form.
  emit(rv_addi(RV_REG_TCC, RV_REG_ZERO, MAX_TAIL_CALL_CNT), ctx);
  emit_addi(RV_REG_SP, RV_REG_SP, -stack_adjust, ctx);
  if (seen_reg(RV_REG_RA, ctx)) {
    emit_sd(RV_REG_SP, store_offset, RV_REG_RA, ctx);
    store_offset -= 8;
  }
  emit_sd(RV_REG_SP, store_offset, RV_REG_FP, ctx);
  store_offset -= 8;
  for (const r of [RV_REG_S1, RV_REG_S2, RV_REG_S3, RV_REG_S4, RV_REG_S5, RV_REG_S6]) {
    if (seen_reg(r, ctx)) {
      emit_sd(RV_REG_SP, store_offset, r, ctx);
      store_offset -= 8;
    }
  }
  if (ctx.arena_vm_start) {
    emit_sd(RV_REG_SP, store_offset, RV_REG_ARENA, ctx);
    store_offset -= 8;
  }
  emit_addi(RV_REG_FP, RV_REG_SP, stack_adjust, ctx);
  if (bpf_stack_adjust) emit_addi(RV_REG_S5, RV_REG_SP, bpf_stack_adjust, ctx);
  // Calls and tail calls together: the counter must survive the calls.
  if (seen_tail_call(ctx) && seen_call(ctx)) emit_mv(RV_REG_TCC_SAVED, RV_REG_TCC, ctx);
  ctx.stack_size = stack_adjust;
  if (ctx.arena_vm_start) emit_imm(RV_REG_ARENA, ctx.arena_vm_start, ctx);
}
// #endregion prologue

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_build_epilogue) */
export function bpf_jit_build_epilogue(ctx: RvJitContext): void {
  __build_epilogue(false, ctx);
}

function roundUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/**
 * `bpf_jit_inlines_helper_call`: which helper calls the JIT replaces with inline code.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_inlines_helper_call)
 */
export function bpf_jit_inlines_helper_call(imm: number): boolean {
  return imm === BPF_FUNC_get_smp_processor_id;
}


/*
 * What the RV64 JIT tells the verifier it supports (the `bpf_jit_supports_*` weak functions it
 * overrides). The verifier asks them to decide which rewrites to apply before JITing.
 */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_supports_kfunc_call) */
export const bpf_jit_supports_kfunc_call = (): boolean => true;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_supports_ptr_xchg) */
export const bpf_jit_supports_ptr_xchg = (): boolean => true;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_supports_arena) */
export const bpf_jit_supports_arena = (): boolean => true;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (bpf_jit_supports_percpu_insn) */
export const bpf_jit_supports_percpu_insn = (): boolean => true;
/**
 * Not overridden on riscv, so the kernel's default `false`: tail calls and bpf-to-bpf calls cannot
 * mix, and a program with tail calls gets MAX_BPF_STACK.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_jit_supports_subprog_tailcalls)
 */
export const bpf_jit_supports_subprog_tailcalls = (): boolean => false;
