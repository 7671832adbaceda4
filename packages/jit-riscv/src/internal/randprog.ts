/**
 * A generator of random, terminating BPF programs for JIT-vs-interpreter checks and the benchmark.
 * Not a kernel file: the shapes follow what the verifier accepts (forward jumps only, in-bounds
 * accesses to the `mem` buffer r1 points at and to the stack, non-zero divisors), so the
 * interpreter and the JIT must agree on every one of them. The rules it keeps are the verifier's:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c
 * @module
 */
import {
  type BpfInsn, BPF_ADD, BPF_ALU32_IMM, BPF_ALU32_REG, BPF_ALU32_IMM_OFF, BPF_ALU32_REG_OFF, BPF_ALU64_IMM, BPF_ALU64_IMM_OFF,
  BPF_ALU64_REG, BPF_ALU64_REG_OFF, BPF_AND, BPF_ARSH, BPF_ATOMIC_OP, BPF_B, BPF_BSWAP, BPF_CMPXCHG, BPF_DIV, BPF_DW,
  BPF_ENDIAN, BPF_EXIT_INSN, BPF_FETCH, BPF_H, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP32_IMM,
  BPF_JMP32_REG, BPF_JMP_IMM, BPF_JMP_REG, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LDX_MEM,
  BPF_LDX_MEMSX, BPF_LD_IMM64, BPF_LSH, BPF_MOD, BPF_MOV, BPF_MOV32_IMM, BPF_MOV64_IMM, BPF_MOV64_REG, BPF_MOVSX32_REG,
  BPF_MOVSX64_REG, BPF_MUL, BPF_NEG, BPF_OR, BPF_RAW_INSN, BPF_JMP, BPF_RSH, BPF_ST_MEM, BPF_STX_MEM, BPF_SUB,
  BPF_TO_BE, BPF_TO_LE, BPF_W, BPF_XCHG, BPF_XOR, BPF_ZEXT_REG,
} from '@bpf-internals/uapi';

/** xorshift32: deterministic, seedable. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Bytes of `mem` the generated programs use (r1 points at it). */
export const RANDPROG_MEM = 64;

/**
 * A random program of about `n` instructions. r1 (the mem pointer) is never written; r2-r9 and r0
 * are; every exit path returns r0.
 */
export function randomProgram(seed: number, n = 40): BpfInsn[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[r() % a.length]!;
  const regs = [0, 2, 3, 4, 5, 6, 7, 8, 9];
  const imm = (): number => {
    switch (r() % 6) {
      case 0: return (r() % 64) - 32;
      case 1: return (r() % 4096) - 2048;
      case 2: return r() | 0;
      case 3: return (r() % 0x100000) << 12;
      case 4: return 0;
      default: return (r() % 200000) - 100000;
    }
  };
  const out: BpfInsn[] = [];
  // Give every register a defined value first (the verifier would insist).
  for (const reg of regs) out.push(BPF_MOV64_IMM(reg, imm()));
  out.push(...BPF_LD_IMM64(pick(regs), (BigInt(r()) << 32n) | BigInt(r())));
  const aluOps = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_MOV, BPF_DIV, BPF_MOD, BPF_NEG];
  const jmpOps = [BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET];
  const pending: { at: number; len: number }[] = [];
  while (out.length < n) {
    const d = pick(regs), s = pick(regs);
    const k = r() % 20;
    if (k < 8) {
      const op = pick(aluOps);
      const is64 = r() % 2 === 0;
      const signed = (op === BPF_DIV || op === BPF_MOD) && r() % 2 === 0 ? 1 : 0;
      if (op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) {
        if (r() % 2) out.push(is64 ? BPF_ALU64_IMM(op, d, r() % 64) : BPF_ALU32_IMM(op, d, r() % 32));
        else out.push(is64 ? BPF_ALU64_REG(op, d, s) : BPF_ALU32_REG(op, d, s));
      } else if (op === BPF_DIV || op === BPF_MOD) {
        // A jump landing between the OR and the division would skip the non-zero guarantee.
        const landsOnDiv = pending.some((p) => p.at + 1 + p.len === out.length + 1);
        if (r() % 2 || landsOnDiv) {
          const v = imm() || 7;
          out.push(is64 ? BPF_ALU64_IMM_OFF(op, d, v, signed) : BPF_ALU32_IMM_OFF(op, d, v, signed));
        } else {
          // Make the divisor non-zero first (the verifier's div-by-zero patchlet is not applied here).
          out.push(BPF_ALU64_IMM(BPF_OR, s, 1));
          out.push(is64 ? BPF_ALU64_REG_OFF(op, d, s, signed) : BPF_ALU32_REG_OFF(op, d, s, signed));
        }
      } else if (op === BPF_NEG) {
        out.push(is64 ? BPF_ALU64_IMM(BPF_NEG, d, 0) : BPF_ALU32_IMM(BPF_NEG, d, 0));
      } else if (r() % 2) out.push(is64 ? BPF_ALU64_IMM(op, d, imm()) : BPF_ALU32_IMM(op, d, imm()));
      else out.push(is64 ? BPF_ALU64_REG(op, d, s) : BPF_ALU32_REG(op, d, s));
    } else if (k < 10) {
      const sz = pick([BPF_B, BPF_H, BPF_W, BPF_DW]);
      const bytes = sz === BPF_B ? 1 : sz === BPF_H ? 2 : sz === BPF_W ? 4 : 8;
      const off = (r() % (RANDPROG_MEM / bytes)) * bytes;
      const kk = r() % 4;
      if (kk === 0) out.push(BPF_LDX_MEM(sz, d, 1, off));
      else if (kk === 1 && sz !== BPF_DW) out.push(BPF_LDX_MEMSX(sz, d, 1, off));
      else if (kk === 2) out.push(BPF_STX_MEM(sz, 1, s, off));
      else out.push(BPF_ST_MEM(sz, 1, off, imm()));
    } else if (k < 11) {
      // Stack round trip.
      const off = -8 * (1 + (r() % 8));
      out.push(BPF_STX_MEM(BPF_DW, 10, s, off));
      out.push(BPF_LDX_MEM(pick([BPF_W, BPF_DW]), d, 10, off));
    } else if (k < 12) {
      const c = r() % 5;
      if (c === 0) out.push(BPF_ENDIAN(pick([BPF_TO_LE, BPF_TO_BE]), d, pick([16, 32, 64])));
      else if (c === 1) out.push(BPF_BSWAP(d, pick([16, 32, 64])));
      else if (c === 2) out.push(BPF_MOVSX64_REG(d, s, pick([8, 16, 32])));
      else if (c === 3) out.push(BPF_MOVSX32_REG(d, s, pick([8, 16])));
      else out.push(BPF_MOV32_IMM(d, imm()));
    } else if (k < 13) {
      const is64 = r() % 2 === 0;
      const bytes = is64 ? 8 : 4;
      const off = (r() % (RANDPROG_MEM / bytes)) * bytes;
      const op = pick([BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG]);
      out.push(BPF_ATOMIC_OP(is64 ? BPF_DW : BPF_W, op, 1, s === 0 ? 2 : s, off));
      // The lr/sc cmpxchg leaves r0 sign-extended; the kernel relies on the zext the verifier
      // inserts after a 32-bit def (bpf_jit_needs_zext), so the program carries it explicitly.
      if (!is64 && op === BPF_CMPXCHG) out.push(BPF_ZEXT_REG(0));
    } else if (k < 19) {
      // Forward conditional jump over 1..6 instructions, closed later.
      const op = pick(jmpOps);
      const len = 1 + (r() % 6);
      const j32 = r() % 2 === 0;
      const byImm = r() % 2 === 0;
      const insn = byImm ? (j32 ? BPF_JMP32_IMM(op, d, imm(), len) : BPF_JMP_IMM(op, d, imm(), len)) : j32 ? BPF_JMP32_REG(op, d, s, len) : BPF_JMP_REG(op, d, s, len);
      pending.push({ at: out.length, len });
      out.push(insn);
    } else {
      const len = 1 + (r() % 4);
      pending.push({ at: out.length, len });
      out.push(r() % 2 ? BPF_RAW_INSN(BPF_JMP | BPF_JA, 0, 0, len, 0) : BPF_RAW_INSN(0x06 | BPF_JA, 0, 0, 0, len));
    }
    if (r() % 16 === 0) out.push(BPF_MOV64_REG(0, d), BPF_EXIT_INSN());
  }
  // Every forward jump must land inside the program: pad, then the final exit.
  const maxEnd = Math.max(out.length, ...pending.map((p) => p.at + 1 + p.len));
  while (out.length < maxEnd) out.push(BPF_ALU64_IMM(BPF_ADD, 0, 1));
  out.push(BPF_EXIT_INSN());
  return out;
}
