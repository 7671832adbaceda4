// bpf_prog_select_runtime with the RV64 JIT: the program comes back JITed (jited, jited_len, the image
// BPF_OBJ_GET_INFO_BY_FD reports) and bpf_prog_run gives what the interpreter gives.
// https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_select_runtime)
import { describe, expect, it } from 'vitest';
import { bpf_prog_alloc, bpf_prog_run, bpf_prog_select_runtime, createRunEnv, regionAddr } from '@bpf-internals/core';
import { bpf_int_jit_compile, compile, dumpJited, dumpJitedImage, type RvJitProgData } from '@bpf-internals/jit-riscv';
import * as U from '@bpf-internals/uapi';

const BPF_PROG_TYPE_SOCKET_FILTER = 1;
const { BPF_MOV64_IMM, BPF_EXIT_INSN, BPF_LDX_MEM, BPF_ALU64_IMM, BPF_CALL_REL, BPF_MOV64_REG } = U;

function load(insns: U.BpfInsn[], jit_requested: boolean) {
  const prog = bpf_prog_alloc({ type: BPF_PROG_TYPE_SOCKET_FILTER, insns, jit_requested });
  return bpf_prog_select_runtime(prog, { jit: bpf_int_jit_compile });
}

const rows: { name: string; insns: U.BpfInsn[]; funcs: number }[] = [
  { name: 'reads the context and adds', insns: [BPF_LDX_MEM(U.BPF_W, 0, 1, 4), BPF_ALU64_IMM(U.BPF_ADD, 0, 1000), BPF_EXIT_INSN()], funcs: 1 },
  { name: 'calls a subprogram', insns: [BPF_MOV64_IMM(1, 20), BPF_CALL_REL(1), BPF_EXIT_INSN(), BPF_MOV64_REG(0, 1), BPF_ALU64_IMM(U.BPF_MUL, 0, 3), BPF_EXIT_INSN()], funcs: 2 },
  { name: 'returns a negative 32-bit value (truncated to u32 by the caller)', insns: [BPF_MOV64_IMM(0, -5), BPF_EXIT_INSN()], funcs: 1 },
];

describe('bpf_prog_select_runtime with the RV64 JIT', () => {
  for (const row of rows) {
    it(`${row.name}: JITed, and bpf_prog_run matches the interpreter`, () => {
      const jited = load(row.insns, true);
      const interp = load(row.insns, false);
      expect(jited.err).toBe(0);
      expect(jited.prog.jited).toBe(true);
      expect(interp.prog.jited).toBe(false);
      const { jit } = jited.prog.aux.jit_data as RvJitProgData;
      expect(jit.funcs.length).toBe(row.funcs);
      // jited_prog_len is the sum of the functions' jited_len; the image their concatenation.
      expect(jited.prog.jited_len).toBe(jit.funcs.reduce((n, f) => n + f.size, 0));
      expect(jited.prog.aux.jited_image!.subarray(0, jit.funcs[0]!.size)).toEqual(compile(row.insns).image.subarray(0, jit.funcs[0]!.size));
      // prog dump jited: every image instruction appears, beside the BPF it came from.
      const dump = dumpJited(jited.prog)!;
      expect(dump.split('\n').filter((l) => /[0-9a-f]+: {2}[0-9a-f]{4,8} {2}/.test(l)).length).toBeGreaterThanOrEqual(row.insns.length);
      expect(dumpJitedImage(jited.prog.aux.jited_image!).split('\n').length).toBeGreaterThan(row.insns.length);
      const env = createRunEnv();
      const ctx = env.mem.map({ kind: 'ctx', name: 'ctx', bytes: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
      const a = bpf_prog_run(jited.prog, regionAddr(ctx), env);
      const b = bpf_prog_run(interp.prog, regionAddr(ctx), env);
      expect(a.ok && b.ok).toBe(true);
      if (a.ok && b.ok) expect(a.r0).toBe(BigInt.asUintN(32, b.r0));
    });
  }
  // The kernel's answers (RFC 9669 / the verifier's patchlets): x / 0 = 0, x % 0 = x,
  // LLONG_MIN s/ -1 = LLONG_MIN, x s% -1 = 0, 32-bit forms zero-extended.
  const divRows: [string, U.BpfInsn[], bigint][] = [
    ['r0 /= r1 with r1 = 0 gives 0', [BPF_MOV64_IMM(0, 5), BPF_MOV64_IMM(1, 0), U.BPF_ALU64_REG(U.BPF_DIV, 0, 1), BPF_EXIT_INSN()], 0n],
    ['r0 %= r1 with r1 = 0 leaves r0', [BPF_MOV64_IMM(0, 5), BPF_MOV64_IMM(1, 0), U.BPF_ALU64_REG(U.BPF_MOD, 0, 1), BPF_EXIT_INSN()], 5n],
    ['w0 %= w1 with w1 = 0 keeps w0, upper half cleared', [...U.BPF_LD_IMM64(0, 0x1_0000_0007n), BPF_MOV64_IMM(1, 0), U.BPF_ALU32_REG(U.BPF_MOD, 0, 1), U.BPF_ALU64_IMM(U.BPF_RSH, 0, 32), BPF_EXIT_INSN()], 0n],
    ['r0 s/= r1 with r1 = -1 negates', [BPF_MOV64_IMM(0, 9), BPF_MOV64_IMM(1, -1), U.BPF_ALU64_REG_OFF(U.BPF_DIV, 0, 1, 1), BPF_EXIT_INSN()], BigInt.asUintN(32, -9n)],
    ['r0 s%= r1 with r1 = -1 gives 0', [BPF_MOV64_IMM(0, 9), BPF_MOV64_IMM(1, -1), U.BPF_ALU64_REG_OFF(U.BPF_MOD, 0, 1, 1), BPF_EXIT_INSN()], 0n],
    ['a jump over a patched division still lands after it', [BPF_MOV64_IMM(0, 3), BPF_MOV64_IMM(1, 0), U.BPF_JMP_IMM(U.BPF_JEQ, 1, 0, 1), U.BPF_ALU64_REG(U.BPF_DIV, 0, 1), BPF_EXIT_INSN()], 3n],
  ];
  for (const [name, insns, want] of divRows) {
    it(`JITed: ${name}`, () => {
      const { prog } = load(insns, true);
      expect(prog.jited).toBe(true);
      const r = bpf_prog_run(prog, 0n, createRunEnv());
      expect(r.ok && r.r0).toBe(want);
    });
  }
  it('a program the JIT refuses (kfunc call without a BTF model) comes back for the interpreter', () => {
    const r = load([U.BPF_RAW_INSN(U.BPF_JMP | U.BPF_CALL, 0, U.BPF_PSEUDO_KFUNC_CALL, 0, 1), BPF_EXIT_INSN()], true);
    expect(r.prog.jited).toBe(false);
  });
});
