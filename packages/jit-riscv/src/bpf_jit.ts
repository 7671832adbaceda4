/**
 * RISC-V instruction encoders and the `emit_*` helpers that pick a compressed (RVC), Zba or Zbb
 * form when the ISA allows it: the common half of the RV64 BPF JIT.
 * Mirrors arch/riscv/net/bpf_jit.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h
 *
 * The kernel decides RVC/Zba/Zbb/Zacas at build time (`IS_ENABLED(CONFIG_RISCV_ISA_C)`) and boot
 * time (`riscv_has_extension_likely`); the model carries those answers in the context
 * (`ctx.rvc`, `ctx.zba`, `ctx.zbb`, `ctx.zacas`) so one process can JIT for several harts.
 * Encoders return the instruction word as an unsigned number; immediates are truncated exactly
 * where the C prototypes truncate them (`u16 imm11_0`, `u32 imm31_12`, ...).
 *
 * 6.18 pieces beyond the 6.12 tree: the Zacas `amocas.w/d` encoders and `emit_cmpxchg` (the
 * lr/sc loop or a single amocas), the `fence` helpers used by load-acquire/store-release, and
 * `ex_insn_off`/`ex_jmp_off` in the context. RV32-only helpers are left out.
 * @module
 */

// #region registers
/** RISC-V integer registers by ABI name (`RV_REG_*`). */
export const RV_REG_ZERO = 0;
export const RV_REG_RA = 1;
export const RV_REG_SP = 2;
export const RV_REG_GP = 3;
export const RV_REG_TP = 4;
export const RV_REG_T0 = 5;
export const RV_REG_T1 = 6;
export const RV_REG_T2 = 7;
export const RV_REG_FP = 8;
export const RV_REG_S1 = 9;
export const RV_REG_A0 = 10;
export const RV_REG_A1 = 11;
export const RV_REG_A2 = 12;
export const RV_REG_A3 = 13;
export const RV_REG_A4 = 14;
export const RV_REG_A5 = 15;
export const RV_REG_A6 = 16;
export const RV_REG_A7 = 17;
export const RV_REG_S2 = 18;
export const RV_REG_S3 = 19;
export const RV_REG_S4 = 20;
export const RV_REG_S5 = 21;
export const RV_REG_S6 = 22;
export const RV_REG_S7 = 23;
export const RV_REG_S8 = 24;
export const RV_REG_S9 = 25;
export const RV_REG_S10 = 26;
export const RV_REG_S11 = 27;
export const RV_REG_T3 = 28;
export const RV_REG_T4 = 29;
export const RV_REG_T5 = 30;
export const RV_REG_T6 = 31;
// #endregion registers

/** ABI names, as objdump prints them (x8 is `s0`, never `fp`). */
export const RV_REG_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const;

/**
 * `is_creg`: the eight registers (x8-x15) a 3-bit RVC register field can name.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_creg)
 */
export function is_creg(reg: number): boolean {
  return reg >= RV_REG_FP && reg <= RV_REG_A5;
}

/** What the JIT needs to know about one program (a slice of `struct bpf_prog`). */
export interface JitProg {
  insns: import('@bpf-internals/uapi').BpfInsn[];
  len: number;
  /** `prog->aux->stack_depth`. */
  stack_depth: number;
  /** `bpf_is_subprog(prog)`. */
  is_subprog: boolean;
  /** `prog->aux->verifier_zext`: the verifier already inserted the zero-extensions. */
  verifier_zext: boolean;
  /** `bpf_jit_get_func_addr`, as the caller resolves it. */
  get_func_addr: (insn: import('@bpf-internals/uapi').BpfInsn, extra_pass: boolean) => { err: number; addr: bigint; fixed: boolean };
  /** The address of a BPF_PSEUDO_FUNC load's target once known (the extra pass), else 0n. */
  subprog_addr: (insn: import('@bpf-internals/uapi').BpfInsn) => bigint;
  /** Kernel virtual address of the arena (0 without one), `bpf_arena_get_kern_vm_start`. */
  arena_vm_start: bigint;
  user_vm_start: bigint;
  /** Whether `prog->aux->extable` exists (programs with probe loads). */
  has_extable: boolean;
}

/**
 * `struct rv_jit_context`. `insns` is null in the sizing passes, as in the kernel, and `ro_insns`
 * is the address the image will run at (the kernel's read-only copy), used for pc-relative math.
 */
export interface RvJitContext {
  prog: JitProg;
  insns: Uint16Array | null;
  ro_insns: bigint | null;
  ninsns: number;
  prologue_len: number;
  epilogue_offset: number;
  offset: Int32Array;
  nexentries: number;
  ex_insn_off: number;
  ex_jmp_off: number;
  flags: number;
  stack_size: number;
  arena_vm_start: bigint;
  user_vm_start: bigint;
  /** Exception-table entries: `{ insn, fixup, dst }` in 16-bit units, built in the last pass. */
  extable: { insn: number; next: number; reg: number }[];
  rvc: boolean;
  zba: boolean;
  zbb: boolean;
  zacas: boolean;
}

/**
 * `ninsns_rvoff`: 16-bit parcels to bytes.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (ninsns_rvoff)
 */
export const ninsns_rvoff = (ninsns: number): number => ninsns << 1;

/**
 * `emit`: a 4-byte instruction, stored as two 16-bit parcels (the image is `u16 *`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit)
 */
export function emit(insn: number, ctx: RvJitContext): void {
  if (ctx.insns) {
    ctx.insns[ctx.ninsns] = insn & 0xffff;
    ctx.insns[ctx.ninsns + 1] = insn >>> 16;
  }
  ctx.ninsns += 2;
}

/**
 * `emitc`: a 2-byte compressed instruction.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emitc)
 */
export function emitc(insn: number, ctx: RvJitContext): void {
  if (ctx.insns) ctx.insns[ctx.ninsns] = insn & 0xffff;
  ctx.ninsns++;
}

/**
 * `epilogue_offset`: bytes from here to the epilogue.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (epilogue_offset)
 */
export function epilogue_offset(ctx: RvJitContext): number {
  return ninsns_rvoff(ctx.epilogue_offset - ctx.ninsns);
}

// BPF jump ops, repeated here to keep the header free of imports.
const JEQ = 0x10, JGT = 0x20, JGE = 0x30, JNE = 0x50, JSGT = 0x60, JSGE = 0x70, JLT = 0xa0, JLE = 0xb0, JSLT = 0xc0, JSLE = 0xd0;

/**
 * `invert_bpf_cond`: the opposite condition, for the far-branch form.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (invert_bpf_cond)
 */
export function invert_bpf_cond(cond: number): number {
  switch (cond) {
    case JEQ: return JNE;
    case JGT: return JLE;
    case JLT: return JGE;
    case JGE: return JLT;
    case JLE: return JGT;
    case JNE: return JEQ;
    case JSGT: return JSLE;
    case JSLT: return JSGE;
    case JSGE: return JSLT;
    case JSLE: return JSGT;
  }
  return -1;
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_6b_int) */
export const is_6b_int = (v: number): boolean => -(1 << 5) <= v && v < 1 << 5;
// The unsigned checks take `unsigned long`: a negative value is huge, so it fails.
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_7b_uint) */
export const is_7b_uint = (v: number): boolean => v >= 0 && v < 1 << 7;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_8b_uint) */
export const is_8b_uint = (v: number): boolean => v >= 0 && v < 1 << 8;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_9b_uint) */
export const is_9b_uint = (v: number): boolean => v >= 0 && v < 1 << 9;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_10b_int) */
export const is_10b_int = (v: number): boolean => -(1 << 9) <= v && v < 1 << 9;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_10b_uint) */
export const is_10b_uint = (v: number): boolean => v >= 0 && v < 1 << 10;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_12b_int) */
export const is_12b_int = (v: number): boolean => -(1 << 11) <= v && v < 1 << 11;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_13b_int) */
export const is_13b_int = (v: number): boolean => -(1 << 12) <= v && v < 1 << 12;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (is_21b_int) */
export const is_21b_int = (v: number): boolean => -(1 << 20) <= v && v < 1 << 20;

/**
 * `rv_offset`: bytes from the start of BPF instruction `insn` to the target of its jump `off`
 * (BPF counts from the next instruction, RISC-V from the branch itself).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_offset)
 */
export function rv_offset(insn: number, off: number, ctx: RvJitContext): number {
  off++;
  const from = insn > 0 ? ctx.offset[insn - 1]! : ctx.prologue_len;
  const to = insn + off > 0 ? (ctx.offset[insn + off - 1] ?? 0) : ctx.prologue_len;
  return ninsns_rvoff(to - from);
}

// #region formats
/* Instruction formats. Each field is masked to its C parameter width. */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_r_insn) */
export function rv_r_insn(funct7: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return (((funct7 & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_i_insn) */
export function rv_i_insn(imm11_0: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return (((imm11_0 & 0xffff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode) >>> 0;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_s_insn) */
export function rv_s_insn(imm11_0: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  const imm = imm11_0 & 0xffff;
  const imm11_5 = (imm >> 5) & 0xff, imm4_0 = imm & 0x1f;
  return ((imm11_5 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (imm4_0 << 7) | opcode) >>> 0;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_b_insn) */
export function rv_b_insn(imm12_1: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  const imm = imm12_1 & 0xffff;
  const imm12 = ((imm & 0x800) >> 5) | ((imm & 0x3f0) >> 4);
  const imm4_1 = ((imm & 0xf) << 1) | ((imm & 0x400) >> 10);
  return ((imm12 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (imm4_1 << 7) | opcode) >>> 0;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_u_insn) */
export function rv_u_insn(imm31_12: number, rd: number, opcode: number): number {
  return ((imm31_12 << 12) | (rd << 7) | opcode) >>> 0;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_j_insn) */
export function rv_j_insn(imm20_1: number, rd: number, opcode: number): number {
  const i = imm20_1 >>> 0;
  const imm = (i & 0x80000) | ((i & 0x3ff) << 9) | ((i & 0x400) >> 2) | ((i & 0x7f800) >> 11);
  return ((imm << 12) | (rd << 7) | opcode) >>> 0;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amo_insn) */
export function rv_amo_insn(funct5: number, aq: number, rl: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  const funct7 = (funct5 << 2) | (aq << 1) | rl;
  return rv_r_insn(funct7, rs2, rs1, funct3, rd, opcode);
}

/* RISC-V compressed instruction formats. */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_cr_insn) */
export function rv_cr_insn(funct4: number, rd: number, rs2: number, op: number): number {
  return ((funct4 << 12) | (rd << 7) | (rs2 << 2) | op) & 0xffff;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_ci_insn) */
export function rv_ci_insn(funct3: number, imm6: number, rd: number, op: number): number {
  const imm = ((imm6 & 0x20) << 7) | ((imm6 & 0x1f) << 2);
  return ((funct3 << 13) | (rd << 7) | op | imm) & 0xffff;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_css_insn) */
export function rv_css_insn(funct3: number, uimm: number, rs2: number, op: number): number {
  return ((funct3 << 13) | (uimm << 7) | (rs2 << 2) | op) & 0xffff;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_ciw_insn) */
export function rv_ciw_insn(funct3: number, uimm: number, rd: number, op: number): number {
  return ((funct3 << 13) | (uimm << 5) | ((rd & 0x7) << 2) | op) & 0xffff;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_cl_insn) */
export function rv_cl_insn(funct3: number, imm_hi: number, rs1: number, imm_lo: number, rd: number, op: number): number {
  return ((funct3 << 13) | (imm_hi << 10) | ((rs1 & 0x7) << 7) | (imm_lo << 5) | ((rd & 0x7) << 2) | op) & 0xffff;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_cs_insn) */
export function rv_cs_insn(funct3: number, imm_hi: number, rs1: number, imm_lo: number, rs2: number, op: number): number {
  return ((funct3 << 13) | (imm_hi << 10) | ((rs1 & 0x7) << 7) | (imm_lo << 5) | ((rs2 & 0x7) << 2) | op) & 0xffff;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_ca_insn) */
export function rv_ca_insn(funct6: number, rd: number, funct2: number, rs2: number, op: number): number {
  return ((funct6 << 10) | ((rd & 0x7) << 7) | (funct2 << 5) | ((rs2 & 0x7) << 2) | op) & 0xffff;
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_cb_insn) */
export function rv_cb_insn(funct3: number, imm6: number, funct2: number, rd: number, op: number): number {
  const imm = ((imm6 & 0x20) << 7) | ((imm6 & 0x1f) << 2);
  return ((funct3 << 13) | (funct2 << 10) | ((rd & 0x7) << 7) | op | imm) & 0xffff;
}
// #endregion formats

/* Instructions shared by RV32 and RV64. */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_addi) */
export const rv_addi = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 0, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_andi) */
export const rv_andi = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 7, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_ori) */
export const rv_ori = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 6, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_xori) */
export const rv_xori = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 4, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_slli) */
export const rv_slli = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 1, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_srli) */
export const rv_srli = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 5, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_srai) */
export const rv_srai = (rd: number, rs1: number, imm: number) => rv_i_insn(0x400 | (imm & 0xffff), rs1, 5, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lui) */
export const rv_lui = (rd: number, imm31_12: number) => rv_u_insn(imm31_12, rd, 0x37);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_auipc) */
export const rv_auipc = (rd: number, imm31_12: number) => rv_u_insn(imm31_12, rd, 0x17);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_add) */
export const rv_add = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 0, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sub) */
export const rv_sub = (rd: number, rs1: number, rs2: number) => rv_r_insn(0x20, rs2, rs1, 0, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sltu) */
export const rv_sltu = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 3, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_and) */
export const rv_and = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 7, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_or) */
export const rv_or = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 6, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_xor) */
export const rv_xor = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 4, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sll) */
export const rv_sll = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 1, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_srl) */
export const rv_srl = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 5, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sra) */
export const rv_sra = (rd: number, rs1: number, rs2: number) => rv_r_insn(0x20, rs2, rs1, 5, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_mul) */
export const rv_mul = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 0, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_mulhu) */
export const rv_mulhu = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 3, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_div) */
export const rv_div = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 4, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_divu) */
export const rv_divu = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 5, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_rem) */
export const rv_rem = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 6, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_remu) */
export const rv_remu = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 7, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_jal) */
export const rv_jal = (rd: number, imm20_1: number) => rv_j_insn(imm20_1, rd, 0x6f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_jalr) */
export const rv_jalr = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 0, rd, 0x67);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_beq) */
export const rv_beq = (rs1: number, rs2: number, imm12_1: number) => rv_b_insn(imm12_1, rs2, rs1, 0, 0x63);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_bne) */
export const rv_bne = (rs1: number, rs2: number, imm12_1: number) => rv_b_insn(imm12_1, rs2, rs1, 1, 0x63);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_bltu) */
export const rv_bltu = (rs1: number, rs2: number, imm12_1: number) => rv_b_insn(imm12_1, rs2, rs1, 6, 0x63);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_bgtu) */
export const rv_bgtu = (rs1: number, rs2: number, imm12_1: number) => rv_bltu(rs2, rs1, imm12_1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_bgeu) */
export const rv_bgeu = (rs1: number, rs2: number, imm12_1: number) => rv_b_insn(imm12_1, rs2, rs1, 7, 0x63);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_bleu) */
export const rv_bleu = (rs1: number, rs2: number, imm12_1: number) => rv_bgeu(rs2, rs1, imm12_1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_blt) */
export const rv_blt = (rs1: number, rs2: number, imm12_1: number) => rv_b_insn(imm12_1, rs2, rs1, 4, 0x63);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_bgt) */
export const rv_bgt = (rs1: number, rs2: number, imm12_1: number) => rv_blt(rs2, rs1, imm12_1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_bge) */
export const rv_bge = (rs1: number, rs2: number, imm12_1: number) => rv_b_insn(imm12_1, rs2, rs1, 5, 0x63);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_ble) */
export const rv_ble = (rs1: number, rs2: number, imm12_1: number) => rv_bge(rs2, rs1, imm12_1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lb) */
export const rv_lb = (rd: number, imm: number, rs1: number) => rv_i_insn(imm, rs1, 0, rd, 0x03);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lh) */
export const rv_lh = (rd: number, imm: number, rs1: number) => rv_i_insn(imm, rs1, 1, rd, 0x03);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lw) */
export const rv_lw = (rd: number, imm: number, rs1: number) => rv_i_insn(imm, rs1, 2, rd, 0x03);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lbu) */
export const rv_lbu = (rd: number, imm: number, rs1: number) => rv_i_insn(imm, rs1, 4, rd, 0x03);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lhu) */
export const rv_lhu = (rd: number, imm: number, rs1: number) => rv_i_insn(imm, rs1, 5, rd, 0x03);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sb) */
export const rv_sb = (rs1: number, imm: number, rs2: number) => rv_s_insn(imm, rs2, rs1, 0, 0x23);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sh) */
export const rv_sh = (rs1: number, imm: number, rs2: number) => rv_s_insn(imm, rs2, rs1, 1, 0x23);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sw) */
export const rv_sw = (rs1: number, imm: number, rs2: number) => rv_s_insn(imm, rs2, rs1, 2, 0x23);
type Amo = (rd: number, rs2: number, rs1: number, aq: number, rl: number) => number;
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoadd_w) */
export const rv_amoadd_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0, aq, rl, rs2, rs1, 2, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoand_w) */
export const rv_amoand_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0xc, aq, rl, rs2, rs1, 2, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoor_w) */
export const rv_amoor_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x8, aq, rl, rs2, rs1, 2, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoxor_w) */
export const rv_amoxor_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x4, aq, rl, rs2, rs1, 2, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoswap_w) */
export const rv_amoswap_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x1, aq, rl, rs2, rs1, 2, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lr_w) */
export const rv_lr_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x2, aq, rl, rs2, rs1, 2, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sc_w) */
export const rv_sc_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x3, aq, rl, rs2, rs1, 2, rd, 0x2f);
/**
 * `rv_fence`: pred/succ are IORW bit sets (I=8, O=4, R=2, W=1).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_fence)
 */
export const rv_fence = (pred: number, succ: number) => rv_i_insn((pred << 4) | succ, 0, 0, 0, 0xf);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_nop) */
export const rv_nop = () => rv_i_insn(0, 0, 0, 0, 0x13);

/* RVC instructions. */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_addi4spn) */
export function rvc_addi4spn(rd: number, imm10: number): number {
  const imm = ((imm10 & 0x30) << 2) | ((imm10 & 0x3c0) >> 4) | ((imm10 & 0x4) >> 1) | ((imm10 & 0x8) >> 3);
  return rv_ciw_insn(0x0, imm, rd, 0x0);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_lw) */
export function rvc_lw(rd: number, imm7: number, rs1: number): number {
  const imm_hi = (imm7 & 0x38) >> 3;
  const imm_lo = ((imm7 & 0x4) >> 1) | ((imm7 & 0x40) >> 6);
  return rv_cl_insn(0x2, imm_hi, rs1, imm_lo, rd, 0x0);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_sw) */
export function rvc_sw(rs1: number, imm7: number, rs2: number): number {
  const imm_hi = (imm7 & 0x38) >> 3;
  const imm_lo = ((imm7 & 0x4) >> 1) | ((imm7 & 0x40) >> 6);
  return rv_cs_insn(0x6, imm_hi, rs1, imm_lo, rs2, 0x0);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_addi) */
export const rvc_addi = (rd: number, imm6: number) => rv_ci_insn(0, imm6, rd, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_li) */
export const rvc_li = (rd: number, imm6: number) => rv_ci_insn(0x2, imm6, rd, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_addi16sp) */
export function rvc_addi16sp(imm10: number): number {
  const imm = ((imm10 & 0x200) >> 4) | (imm10 & 0x10) | ((imm10 & 0x40) >> 3) | ((imm10 & 0x180) >> 6) | ((imm10 & 0x20) >> 5);
  return rv_ci_insn(0x3, imm, RV_REG_SP, 0x1);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_lui) */
export const rvc_lui = (rd: number, imm6: number) => rv_ci_insn(0x3, imm6, rd, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_srli) */
export const rvc_srli = (rd: number, imm6: number) => rv_cb_insn(0x4, imm6, 0, rd, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_srai) */
export const rvc_srai = (rd: number, imm6: number) => rv_cb_insn(0x4, imm6, 0x1, rd, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_andi) */
export const rvc_andi = (rd: number, imm6: number) => rv_cb_insn(0x4, imm6, 0x2, rd, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_sub) */
export const rvc_sub = (rd: number, rs: number) => rv_ca_insn(0x23, rd, 0, rs, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_xor) */
export const rvc_xor = (rd: number, rs: number) => rv_ca_insn(0x23, rd, 0x1, rs, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_or) */
export const rvc_or = (rd: number, rs: number) => rv_ca_insn(0x23, rd, 0x2, rs, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_and) */
export const rvc_and = (rd: number, rs: number) => rv_ca_insn(0x23, rd, 0x3, rs, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_slli) */
export const rvc_slli = (rd: number, imm6: number) => rv_ci_insn(0, imm6, rd, 0x2);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_lwsp) */
export function rvc_lwsp(rd: number, imm8: number): number {
  const imm = ((imm8 & 0xc0) >> 6) | (imm8 & 0x3c);
  return rv_ci_insn(0x2, imm, rd, 0x2);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_jr) */
export const rvc_jr = (rs1: number) => rv_cr_insn(0x8, rs1, RV_REG_ZERO, 0x2);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_mv) */
export const rvc_mv = (rd: number, rs: number) => rv_cr_insn(0x8, rd, rs, 0x2);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_jalr) */
export const rvc_jalr = (rs1: number) => rv_cr_insn(0x9, rs1, RV_REG_ZERO, 0x2);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_add) */
export const rvc_add = (rd: number, rs: number) => rv_cr_insn(0x9, rd, rs, 0x2);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_swsp) */
export function rvc_swsp(imm8: number, rs2: number): number {
  const imm = (imm8 & 0x3c) | ((imm8 & 0xc0) >> 6);
  return rv_css_insn(0x6, imm, rs2, 0x2);
}

/* Zba / Zbb instructions. */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzba_sh2add) */
export const rvzba_sh2add = (rd: number, rs1: number, rs2: number) => rv_r_insn(0x10, rs2, rs1, 0x4, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzba_sh3add) */
export const rvzba_sh3add = (rd: number, rs1: number, rs2: number) => rv_r_insn(0x10, rs2, rs1, 0x6, rd, 0x33);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzbb_sextb) */
export const rvzbb_sextb = (rd: number, rs1: number) => rv_i_insn(0x604, rs1, 1, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzbb_sexth) */
export const rvzbb_sexth = (rd: number, rs1: number) => rv_i_insn(0x605, rs1, 1, rd, 0x13);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzbb_zexth) */
export const rvzbb_zexth = (rd: number, rs: number) => rv_i_insn(0x80, rs, 4, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzbb_rev8) */
export const rvzbb_rev8 = (rd: number, rs: number) => rv_i_insn(0x6b8, rs, 5, rd, 0x13);

/* RV64-only instructions. */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_addiw) */
export const rv_addiw = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 0, rd, 0x1b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_slliw) */
export const rv_slliw = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 1, rd, 0x1b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_srliw) */
export const rv_srliw = (rd: number, rs1: number, imm: number) => rv_i_insn(imm, rs1, 5, rd, 0x1b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sraiw) */
export const rv_sraiw = (rd: number, rs1: number, imm: number) => rv_i_insn(0x400 | (imm & 0xffff), rs1, 5, rd, 0x1b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_addw) */
export const rv_addw = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 0, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_subw) */
export const rv_subw = (rd: number, rs1: number, rs2: number) => rv_r_insn(0x20, rs2, rs1, 0, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sllw) */
export const rv_sllw = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 1, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_srlw) */
export const rv_srlw = (rd: number, rs1: number, rs2: number) => rv_r_insn(0, rs2, rs1, 5, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sraw) */
export const rv_sraw = (rd: number, rs1: number, rs2: number) => rv_r_insn(0x20, rs2, rs1, 5, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_mulw) */
export const rv_mulw = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 0, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_divw) */
export const rv_divw = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 4, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_divuw) */
export const rv_divuw = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 5, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_remw) */
export const rv_remw = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 6, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_remuw) */
export const rv_remuw = (rd: number, rs1: number, rs2: number) => rv_r_insn(1, rs2, rs1, 7, rd, 0x3b);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_ld) */
export const rv_ld = (rd: number, imm: number, rs1: number) => rv_i_insn(imm, rs1, 3, rd, 0x03);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lwu) */
export const rv_lwu = (rd: number, imm: number, rs1: number) => rv_i_insn(imm, rs1, 6, rd, 0x03);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sd) */
export const rv_sd = (rs1: number, imm: number, rs2: number) => rv_s_insn(imm, rs2, rs1, 3, 0x23);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoadd_d) */
export const rv_amoadd_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0, aq, rl, rs2, rs1, 3, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoand_d) */
export const rv_amoand_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0xc, aq, rl, rs2, rs1, 3, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoor_d) */
export const rv_amoor_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x8, aq, rl, rs2, rs1, 3, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoxor_d) */
export const rv_amoxor_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x4, aq, rl, rs2, rs1, 3, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_amoswap_d) */
export const rv_amoswap_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x1, aq, rl, rs2, rs1, 3, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_lr_d) */
export const rv_lr_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x2, aq, rl, rs2, rs1, 3, rd, 0x2f);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rv_sc_d) */
export const rv_sc_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x3, aq, rl, rs2, rs1, 3, rd, 0x2f);
/**
 * Zacas `amocas.w` / `amocas.d` (funct5 0x05): compare `rd` with memory, swap in `rs2`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzacas_amocas_w)
 */
export const rvzacas_amocas_w: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x5, aq, rl, rs2, rs1, 2, rd, 0x2f);
export const rvzacas_amocas_d: Amo = (rd, rs2, rs1, aq, rl) => rv_amo_insn(0x5, aq, rl, rs2, rs1, 3, rd, 0x2f);

/* RV64-only RVC instructions. */
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_ld) */
export function rvc_ld(rd: number, imm8: number, rs1: number): number {
  return rv_cl_insn(0x3, (imm8 & 0x38) >> 3, rs1, (imm8 & 0xc0) >> 6, rd, 0x0);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_sd) */
export function rvc_sd(rs1: number, imm8: number, rs2: number): number {
  return rv_cs_insn(0x7, (imm8 & 0x38) >> 3, rs1, (imm8 & 0xc0) >> 6, rs2, 0x0);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_subw) */
export const rvc_subw = (rd: number, rs: number) => rv_ca_insn(0x27, rd, 0, rs, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_addiw) */
export const rvc_addiw = (rd: number, imm6: number) => rv_ci_insn(0x1, imm6, rd, 0x1);
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_ldsp) */
export function rvc_ldsp(rd: number, imm9: number): number {
  const imm = ((imm9 & 0x1c0) >> 6) | (imm9 & 0x38);
  return rv_ci_insn(0x3, imm, rd, 0x2);
}
/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvc_sdsp) */
export function rvc_sdsp(imm9: number, rs2: number): number {
  const imm = (imm9 & 0x38) | ((imm9 & 0x1c0) >> 6);
  return rv_css_insn(0x7, imm, rs2, 0x2);
}
/**
 * `rvzba_zextw`: `add.uw rd, rs1, zero` (objdump: `zext.w`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (rvzba_zextw)
 */
export const rvzba_zextw = (rd: number, rs1: number) => rv_r_insn(0x04, RV_REG_ZERO, rs1, 0, rd, 0x3b);

// #region emit-helpers
/* Helper functions that emit RVC instructions when possible. */

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_jalr) */
export function emit_jalr(rd: number, rs: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd === RV_REG_RA && rs && !imm) emitc(rvc_jalr(rs), ctx);
  else if (ctx.rvc && !rd && rs && !imm) emitc(rvc_jr(rs), ctx);
  else emit(rv_jalr(rd, rs, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_mv) */
export function emit_mv(rd: number, rs: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd && rs) emitc(rvc_mv(rd, rs), ctx);
  else emit(rv_addi(rd, rs, 0), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_add) */
export function emit_add(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd && rd === rs1 && rs2) emitc(rvc_add(rd, rs2), ctx);
  else emit(rv_add(rd, rs1, rs2), ctx);
}

/**
 * `emit_addi`: c.addi16sp for stack adjustments, c.addi4spn for sp-relative addresses, c.addi for
 * small in-place adds, else the 4-byte addi.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_addi)
 */
export function emit_addi(rd: number, rs: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd === RV_REG_SP && rd === rs && is_10b_int(imm) && imm && !(imm & 0xf)) emitc(rvc_addi16sp(imm), ctx);
  else if (ctx.rvc && is_creg(rd) && rs === RV_REG_SP && is_10b_uint(imm) && !(imm & 0x3) && imm) emitc(rvc_addi4spn(rd, imm), ctx);
  else if (ctx.rvc && rd && rd === rs && imm && is_6b_int(imm)) emitc(rvc_addi(rd, imm), ctx);
  else emit(rv_addi(rd, rs, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_li) */
export function emit_li(rd: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd && is_6b_int(imm)) emitc(rvc_li(rd, imm), ctx);
  else emit(rv_addi(rd, RV_REG_ZERO, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_lui) */
export function emit_lui(rd: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd && rd !== RV_REG_SP && is_6b_int(imm) && imm) emitc(rvc_lui(rd, imm), ctx);
  else emit(rv_lui(rd, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_slli) */
export function emit_slli(rd: number, rs: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd && rd === rs && imm && imm >>> 0 < 64) emitc(rvc_slli(rd, imm), ctx);
  else emit(rv_slli(rd, rs, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_andi) */
export function emit_andi(rd: number, rs: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs && is_6b_int(imm)) emitc(rvc_andi(rd, imm), ctx);
  else emit(rv_andi(rd, rs, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_srli) */
export function emit_srli(rd: number, rs: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs && imm && imm >>> 0 < 64) emitc(rvc_srli(rd, imm), ctx);
  else emit(rv_srli(rd, rs, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_srai) */
export function emit_srai(rd: number, rs: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs && imm && imm >>> 0 < 64) emitc(rvc_srai(rd, imm), ctx);
  else emit(rv_srai(rd, rs, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sub) */
export function emit_sub(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs1 && is_creg(rs2)) emitc(rvc_sub(rd, rs2), ctx);
  else emit(rv_sub(rd, rs1, rs2), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_or) */
export function emit_or(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs1 && is_creg(rs2)) emitc(rvc_or(rd, rs2), ctx);
  else emit(rv_or(rd, rs1, rs2), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_and) */
export function emit_and(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs1 && is_creg(rs2)) emitc(rvc_and(rd, rs2), ctx);
  else emit(rv_and(rd, rs1, rs2), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_xor) */
export function emit_xor(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs1 && is_creg(rs2)) emitc(rvc_xor(rd, rs2), ctx);
  else emit(rv_xor(rd, rs1, rs2), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_lw) */
export function emit_lw(rd: number, off: number, rs1: number, ctx: RvJitContext): void {
  if (ctx.rvc && rs1 === RV_REG_SP && rd && is_8b_uint(off) && !(off & 0x3)) emitc(rvc_lwsp(rd, off), ctx);
  else if (ctx.rvc && is_creg(rd) && is_creg(rs1) && is_7b_uint(off) && !(off & 0x3)) emitc(rvc_lw(rd, off, rs1), ctx);
  else emit(rv_lw(rd, off, rs1), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sw) */
export function emit_sw(rs1: number, off: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && rs1 === RV_REG_SP && is_8b_uint(off) && !(off & 0x3)) emitc(rvc_swsp(off, rs2), ctx);
  else if (ctx.rvc && is_creg(rs1) && is_creg(rs2) && is_7b_uint(off) && !(off & 0x3)) emitc(rvc_sw(rs1, off, rs2), ctx);
  else emit(rv_sw(rs1, off, rs2), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sh2add) */
export function emit_sh2add(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.zba) {
    emit(rvzba_sh2add(rd, rs1, rs2), ctx);
    return;
  }
  emit_slli(rd, rs1, 2, ctx);
  emit_add(rd, rd, rs2, ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sh3add) */
export function emit_sh3add(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.zba) {
    emit(rvzba_sh3add(rd, rs1, rs2), ctx);
    return;
  }
  emit_slli(rd, rs1, 3, ctx);
  emit_add(rd, rd, rs2, ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_addiw) */
export function emit_addiw(rd: number, rs: number, imm: number, ctx: RvJitContext): void {
  if (ctx.rvc && rd && rd === rs && is_6b_int(imm)) emitc(rvc_addiw(rd, imm), ctx);
  else emit(rv_addiw(rd, rs, imm), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_ld) */
export function emit_ld(rd: number, off: number, rs1: number, ctx: RvJitContext): void {
  if (ctx.rvc && rs1 === RV_REG_SP && rd && is_9b_uint(off) && !(off & 0x7)) emitc(rvc_ldsp(rd, off), ctx);
  else if (ctx.rvc && is_creg(rd) && is_creg(rs1) && is_8b_uint(off) && !(off & 0x7)) emitc(rvc_ld(rd, off, rs1), ctx);
  else emit(rv_ld(rd, off, rs1), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sd) */
export function emit_sd(rs1: number, off: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && rs1 === RV_REG_SP && is_9b_uint(off) && !(off & 0x7)) emitc(rvc_sdsp(off, rs2), ctx);
  else if (ctx.rvc && is_creg(rs1) && is_creg(rs2) && is_8b_uint(off) && !(off & 0x7)) emitc(rvc_sd(rs1, off, rs2), ctx);
  else emit(rv_sd(rs1, off, rs2), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_subw) */
export function emit_subw(rd: number, rs1: number, rs2: number, ctx: RvJitContext): void {
  if (ctx.rvc && is_creg(rd) && rd === rs1 && is_creg(rs2)) emitc(rvc_subw(rd, rs2), ctx);
  else emit(rv_subw(rd, rs1, rs2), ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sextb) */
export function emit_sextb(rd: number, rs: number, ctx: RvJitContext): void {
  if (ctx.zbb) {
    emit(rvzbb_sextb(rd, rs), ctx);
    return;
  }
  emit_slli(rd, rs, 56, ctx);
  emit_srai(rd, rd, 56, ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sexth) */
export function emit_sexth(rd: number, rs: number, ctx: RvJitContext): void {
  if (ctx.zbb) {
    emit(rvzbb_sexth(rd, rs), ctx);
    return;
  }
  emit_slli(rd, rs, 48, ctx);
  emit_srai(rd, rd, 48, ctx);
}

/**
 * `emit_sextw`: `addiw rd, rs, 0` (objdump: `sext.w`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_sextw)
 */
export function emit_sextw(rd: number, rs: number, ctx: RvJitContext): void {
  emit_addiw(rd, rs, 0, ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_zexth) */
export function emit_zexth(rd: number, rs: number, ctx: RvJitContext): void {
  if (ctx.zbb) {
    emit(rvzbb_zexth(rd, rs), ctx);
    return;
  }
  emit_slli(rd, rs, 48, ctx);
  emit_srli(rd, rd, 48, ctx);
}

/** @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_zextw) */
export function emit_zextw(rd: number, rs: number, ctx: RvJitContext): void {
  if (ctx.zba) {
    emit(rvzba_zextw(rd, rs), ctx);
    return;
  }
  emit_slli(rd, rs, 32, ctx);
  emit_srli(rd, rd, 32, ctx);
}

/**
 * `emit_bswap`: rev8 (+ srli) with Zbb, else the byte-at-a-time loop unrolled through t1/t2.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_bswap)
 */
export function emit_bswap(rd: number, imm: number, ctx: RvJitContext): void {
  if (ctx.zbb) {
    const bits = 64 - imm;
    emit(rvzbb_rev8(rd, rd), ctx);
    if (bits) emit_srli(rd, rd, bits, ctx);
    return;
  }
  const step = (): void => {
    emit_andi(RV_REG_T1, rd, 0xff, ctx);
    emit_add(RV_REG_T2, RV_REG_T2, RV_REG_T1, ctx);
    emit_slli(RV_REG_T2, RV_REG_T2, 8, ctx);
    emit_srli(rd, rd, 8, ctx);
  };
  emit_li(RV_REG_T2, 0, ctx);
  // imm/8 - 1 shift-in steps, then the last byte without a shift (the kernel's `out_be`).
  const steps = imm === 16 ? 1 : imm === 32 ? 3 : 7;
  for (let i = 0; i < steps; i++) step();
  emit_andi(RV_REG_T1, rd, 0xff, ctx);
  emit_add(RV_REG_T2, RV_REG_T2, RV_REG_T1, ctx);
  emit_mv(rd, RV_REG_T2, ctx);
}

/*
 * Memory ordering for load-acquire / store-release / cmpxchg (6.16+).
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_fence_r_rw)
 */
export const emit_fence_r_rw = (ctx: RvJitContext) => emit(rv_fence(0x2, 0x3), ctx);
export const emit_fence_rw_w = (ctx: RvJitContext) => emit(rv_fence(0x3, 0x1), ctx);
export const emit_fence_rw_rw = (ctx: RvJitContext) => emit(rv_fence(0x3, 0x3), ctx);

/**
 * `emit_cmpxchg`: `r0 = cmpxchg(rd, r0, rs)`. With Zacas one `amocas.{w,d}.aqrl`; without it the
 * lr/sc retry loop and a full fence. `ex_insn_off`/`ex_jmp_off` mark the faulting access for the
 * arena's exception table.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h (emit_cmpxchg)
 */
export function emit_cmpxchg(rd: number, rs: number, r0: number, is64: boolean, ctx: RvJitContext): void {
  if (ctx.zacas) {
    ctx.ex_insn_off = ctx.ninsns;
    emit(is64 ? rvzacas_amocas_d(r0, rs, rd, 1, 1) : rvzacas_amocas_w(r0, rs, rd, 1, 1), ctx);
    ctx.ex_jmp_off = ctx.ninsns;
    if (!is64) emit_zextw(r0, r0, ctx);
    return;
  }
  if (is64) emit_mv(RV_REG_T2, r0, ctx);
  else emit_addiw(RV_REG_T2, r0, 0, ctx);
  ctx.ex_insn_off = ctx.ninsns;
  emit(is64 ? rv_lr_d(r0, 0, rd, 0, 0) : rv_lr_w(r0, 0, rd, 0, 0), ctx);
  ctx.ex_jmp_off = ctx.ninsns;
  emit(rv_bne(RV_REG_T2, r0, ninsns_rvoff(8) >> 1), ctx);
  emit(is64 ? rv_sc_d(RV_REG_T3, rs, rd, 0, 1) : rv_sc_w(RV_REG_T3, rs, rd, 0, 1), ctx);
  emit(rv_bne(RV_REG_T3, 0, ninsns_rvoff(-6) >> 1), ctx);
  emit_fence_rw_rw(ctx);
}
// #endregion emit-helpers
