// Interpreter vs JIT: the same program through core's runProgram and through the RV64 JIT on the
// model's hart must return the same r0 (the 32-bit value the JIT's epilogue sign-extends into a0),
// leave the same bytes in memory and make the same helper calls.
// https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c
import { describe, expect, it } from 'vitest';
import { runProgram } from '@bpf-internals/core';
import { compile, runImage } from '@bpf-internals/jit-riscv';
import { randomProgram, RANDPROG_MEM, rng } from '../packages/jit-riscv/src/internal/randprog.js';
import * as U from '@bpf-internals/uapi';

const ISAS = [
  { name: 'rv64imac', isa: {} },
  { name: 'rv64ima (no RVC)', isa: { rvc: false } },
  { name: 'rv64imac_zba_zbb_zacas', isa: { zba: true, zbb: true, zacas: true } },
];

function seedMem(seed: number): Uint8Array {
  const r = rng(seed ^ 0x9e3779b9);
  return Uint8Array.from({ length: RANDPROG_MEM }, () => r() & 0xff);
}

function both(insns: U.BpfInsn[], mem: Uint8Array, isa: object) {
  const m1 = mem.slice(), m2 = mem.slice();
  const interp = runProgram(insns, m1);
  const jit = compile(insns, isa);
  expect(jit.err).toBe(0);
  const hart = runImage(jit.image, m2);
  return { interp, hart, m1, m2 };
}

const big = (_: string, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);

function expectSame(insns: U.BpfInsn[], mem: Uint8Array, isa: object): void {
  const { interp, hart, m1, m2 } = both(insns, mem, isa);
  expect(interp.ok, JSON.stringify(interp, big)).toBe(true);
  expect(hart.ok, JSON.stringify(hart, big)).toBe(true);
  if (!interp.ok || !hart.ok) return;
  // The JIT's epilogue returns (s64)(s32)r0, as the kernel's `addiw a0, a5, 0`.
  expect(BigInt.asIntN(64, hart.a0)).toBe(BigInt.asIntN(32, interp.r0));
  expect(m2).toEqual(m1);
}

// Hand-written programs with the kernel's answer in each row.
const { BPF_MOV64_IMM, BPF_ALU64_IMM, BPF_ALU32_IMM, BPF_EXIT_INSN, BPF_LDX_MEM, BPF_STX_MEM, BPF_JMP_IMM, BPF_CALL_REL, BPF_MOV64_REG, BPF_EMIT_CALL, BPF_ALU64_REG } = U;
const cases: { name: string; insns: U.BpfInsn[]; r0: bigint }[] = [
  { name: 'r0 = 42', insns: [BPF_MOV64_IMM(0, 42), BPF_EXIT_INSN()], r0: 42n },
  { name: '32-bit add wraps and zero-extends', insns: [BPF_MOV64_IMM(0, -1), BPF_ALU32_IMM(U.BPF_ADD, 0, 2), BPF_EXIT_INSN()], r0: 1n },
  { name: 'lsh by 63 then arsh by 63 gives -1', insns: [BPF_MOV64_IMM(0, 1), BPF_ALU64_IMM(U.BPF_LSH, 0, 63), BPF_ALU64_IMM(U.BPF_ARSH, 0, 63), BPF_EXIT_INSN()], r0: 0xffffffffffffffffn },
  { name: 'ld_imm64 of a 64-bit constant, upper half returned', insns: [...U.BPF_LD_IMM64(0, 0x123456789abcdef0n), BPF_ALU64_IMM(U.BPF_RSH, 0, 32), BPF_EXIT_INSN()], r0: 0x12345678n },
  { name: 'far forward branch (>4 KiB of code) is taken', insns: [BPF_MOV64_IMM(0, 7), BPF_JMP_IMM(U.BPF_JEQ, 0, 7, 1400), ...Array.from({ length: 1400 }, () => BPF_ALU64_IMM(U.BPF_MUL, 0, 3)), BPF_EXIT_INSN()], r0: 7n },
  { name: 'bpf-to-bpf call doubles r1', insns: [BPF_MOV64_IMM(1, 21), BPF_CALL_REL(1), BPF_EXIT_INSN(), BPF_MOV64_REG(0, 1), BPF_ALU64_REG(U.BPF_ADD, 0, 1), BPF_EXIT_INSN()], r0: 42n },
  { name: 'stack round trip through r10', insns: [BPF_MOV64_IMM(2, 99), BPF_STX_MEM(U.BPF_DW, 10, 2, -16), BPF_LDX_MEM(U.BPF_DW, 0, 10, -16), BPF_EXIT_INSN()], r0: 99n },
  { name: 'inlined bpf_get_smp_processor_id reads cpu 0', insns: [BPF_MOV64_IMM(0, 5), BPF_EMIT_CALL(8), BPF_EXIT_INSN()], r0: 0n },
  { name: 'bpf_get_prandom_u32 through the helper table', insns: [BPF_EMIT_CALL(7), BPF_ALU64_IMM(U.BPF_AND, 0, 0), BPF_EXIT_INSN()], r0: 0n },
];

describe('hand-written programs: interpreter and JIT give the kernel answer', () => {
  for (const { name, isa } of ISAS) {
    for (const c of cases) {
      it(`${c.name} (${name})`, () => {
        const { interp, hart } = both(c.insns, new Uint8Array(16), isa);
        expect(interp.ok && interp.r0).toBe(c.r0);
        expect(hart.ok && BigInt.asIntN(64, hart.a0)).toBe(BigInt.asIntN(32, c.r0));
      });
    }
  }
});

describe('helper calls are the same calls with the same arguments', () => {
  it('bpf_get_prandom_u32 then bpf_ktime_get_ns: same results in order', () => {
    const insns = [BPF_EMIT_CALL(7), BPF_MOV64_REG(6, 0), BPF_EMIT_CALL(5), BPF_ALU64_REG(U.BPF_XOR, 0, 6), BPF_EXIT_INSN()];
    const { interp, hart } = both(insns, new Uint8Array(8), {});
    expect(hart.ok && hart.helperCalls.map((c) => c.id)).toEqual([7, 5]);
    expect(interp.ok).toBe(true);
    if (interp.ok && hart.ok) expect(BigInt.asIntN(64, hart.a0)).toBe(BigInt.asIntN(32, interp.r0));
  });
});

describe('generated programs: interpreter and JIT agree on r0 and memory', () => {
  for (const { name, isa } of ISAS) {
    it(`300 random programs (${name})`, () => {
      for (let seed = 1; seed <= 300; seed++) {
        const insns = randomProgram(seed * 7919 + name.length, 30 + (seed % 50));
        expectSame(insns, seedMem(seed), isa);
      }
    });
  }
});
