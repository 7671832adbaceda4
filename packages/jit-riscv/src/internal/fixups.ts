/**
 * The verifier rewrites the RV64 JIT relies on, for callers that hand it instructions no verifier
 * has patched (the model's verifier does not run `do_misc_fixups` yet). Mirrors two pieces of
 * kernel/bpf/verifier.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (do_misc_fixups)
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (opt_subreg_zext_lo32_rnd_hi32)
 *
 * - div/mod by a register: the patchlets that make division by zero give 0 (div) or leave dst
 *   (mod), and signed division by -1 give -dst / 0, without the hardware's answer (RISC-V `divu` by
 *   0 is all ones), using BPF_REG_AX as the kernel does;
 * - `call bpf_tail_call` becomes the internal BPF_JMP | BPF_TAIL_CALL the JIT expands inline;
 * - a 32-bit cmpxchg is followed by an explicit zero-extension of r0 (the lr/sc sequence leaves it
 *   sign-extended; the kernel inserts the zext when a 64-bit read follows, always here).
 * Jumps, calls and BPF_PSEUDO_FUNC loads are re-aimed at the start of each patchlet, as
 * `bpf_patch_insn_data` / `adjust_jmp_off` do.
 * @module
 */
import {
  type BpfInsn, BPF_ADD, BPF_ALU, BPF_ALU32_REG, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW, BPF_EXIT,
  BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGT, BPF_JMP, BPF_JMP32, BPF_JMP_IMM, BPF_JNE, BPF_K, BPF_LD, BPF_MOD, BPF_MOV, BPF_MOV32_IMM,
  BPF_MOV32_REG, BPF_MOV64_REG, BPF_NEG, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_RAW_INSN, BPF_STX, BPF_W, BPF_X, BPF_XOR,
  BPF_ZEXT_REG,
} from '@bpf-internals/uapi';

const BPF_REG_AX = 11;
const BPF_TAIL_CALL = 0xf0;
const BPF_FUNC_tail_call = 12;

/** Whether a program calls `bpf_tail_call` (the verifier then sets its stack depth to MAX_BPF_STACK). */
export const has_tail_call = (insns: readonly BpfInsn[]): boolean =>
  insns.some((i) => i.code === (BPF_JMP | BPF_CALL) && i.src_reg === 0 && i.imm === BPF_FUNC_tail_call);
const cls = (c: number) => c & 7;
const isLdImm64 = (i: BpfInsn) => i.code === (BPF_LD | BPF_IMM | BPF_DW);

/** The patchlet `do_misc_fixups` puts in place of a div/mod by register, or null. */
function divModPatch(insn: BpfInsn): BpfInsn[] | null {
  const is64 = cls(insn.code) === BPF_ALU64;
  const op = insn.code & 0xf0;
  if (!((cls(insn.code) === BPF_ALU || is64) && (insn.code & BPF_X) === BPF_X && (op === BPF_DIV || op === BPF_MOD))) return null;
  const A = is64 ? BPF_ALU64 : BPF_ALU, J = is64 ? BPF_JMP : BPF_JMP32;
  const d = insn.dst_reg, s = insn.src_reg;
  if (op === BPF_DIV && insn.off === 1) {
    // [R,W]x sdiv 0 -> 0; LLONG_MIN sdiv -1 -> LLONG_MIN; INT_MIN sdiv -1 -> INT_MIN
    return [BPF_MOV64_REG(BPF_REG_AX, s), BPF_RAW_INSN(A | BPF_ADD | BPF_K, BPF_REG_AX, 0, 0, 1), BPF_RAW_INSN(J | BPF_JGT | BPF_K, BPF_REG_AX, 0, 4, 1),
      BPF_RAW_INSN(J | BPF_JEQ | BPF_K, BPF_REG_AX, 0, 1, 0), BPF_RAW_INSN(A | BPF_MOV | BPF_K, d, 0, 0, 0), BPF_RAW_INSN(A | BPF_NEG | BPF_K, d, 0, 0, 0),
      BPF_JMP_IMM(BPF_JA, 0, 0, 1), insn];
  }
  if (op === BPF_MOD && insn.off === 1) {
    // [R,W]x mod 0 -> [R,W]x; [R,W]x mod -1 -> 0
    const p = [BPF_MOV64_REG(BPF_REG_AX, s), BPF_RAW_INSN(A | BPF_ADD | BPF_K, BPF_REG_AX, 0, 0, 1), BPF_RAW_INSN(J | BPF_JGT | BPF_K, BPF_REG_AX, 0, 3, 1),
      BPF_RAW_INSN(J | BPF_JEQ | BPF_K, BPF_REG_AX, 0, 3 + (is64 ? 0 : 1), 1), BPF_MOV32_IMM(d, 0), BPF_JMP_IMM(BPF_JA, 0, 0, 1), insn];
    if (!is64) p.push(BPF_JMP_IMM(BPF_JA, 0, 0, 1), BPF_MOV32_REG(d, d));
    return p;
  }
  if (op === BPF_DIV) {
    // [R,W]x div 0 -> 0
    return [BPF_RAW_INSN(J | BPF_JNE | BPF_K, s, 0, 2, 0), BPF_ALU32_REG(BPF_XOR, d, d), BPF_JMP_IMM(BPF_JA, 0, 0, 1), insn];
  }
  // [R,W]x mod 0 -> [R,W]x
  const p = [BPF_RAW_INSN(J | BPF_JEQ | BPF_K, s, 0, 1 + (is64 ? 0 : 1), 0), insn];
  if (!is64) p.push(BPF_JMP_IMM(BPF_JA, 0, 0, 1), BPF_MOV32_REG(d, d));
  return p;
}

// #region verifier_fixups
/**
 * Apply the rewrites above to a program, keeping every jump, bpf-to-bpf call and BPF_PSEUDO_FUNC
 * load aimed at the same (now possibly patched) instruction.
 */
export function verifier_fixups_for_jit(insns: readonly BpfInsn[]): BpfInsn[] {
  const out: { insn: BpfInsn; orig: number }[] = [];
  const startOf: number[] = [];
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    startOf[i] = out.length;
    const patch = divModPatch(insn);
    if (patch) {
      for (const p of patch) out.push({ insn: p, orig: -1 });
      continue;
    }
    if (insn.code === (BPF_JMP | BPF_CALL) && insn.src_reg === 0 && insn.imm === BPF_FUNC_tail_call) {
      // "mark bpf_tail_call as different opcode": imm 0, code BPF_JMP | BPF_TAIL_CALL.
      out.push({ insn: { ...insn, code: BPF_JMP | BPF_TAIL_CALL, imm: 0 }, orig: -1 });
      continue;
    }
    out.push({ insn, orig: i });
    if (insn.code === (BPF_STX | BPF_ATOMIC | BPF_W) && insn.imm === BPF_CMPXCHG) out.push({ insn: BPF_ZEXT_REG(0), orig: -1 });
  }
  startOf[insns.length] = out.length;
  return out.map(({ insn, orig }, k) => {
    if (orig < 0) return insn;
    const c = cls(insn.code);
    const op = insn.code & 0xf0;
    const isJmp = c === BPF_JMP || c === BPF_JMP32;
    if (isJmp && op === BPF_EXIT) return insn;
    if (isJmp && op === BPF_CALL && insn.src_reg !== BPF_PSEUDO_CALL) return insn;
    const byImm = (isJmp && op === BPF_CALL) || insn.code === (BPF_JMP32 | BPF_JA) || (isLdImm64(insn) && insn.src_reg === BPF_PSEUDO_FUNC);
    if (!isJmp && !byImm) return insn;
    const rel = byImm ? insn.imm : insn.off;
    const target = startOf[orig + rel + 1];
    if (target === undefined) return insn;
    const to = target - k - 1;
    return byImm ? { ...insn, imm: to } : { ...insn, off: to };
  });
}
// #endregion verifier_fixups
