// BPF beside its RV64 code, from ctx->offset[] (kernel/bpf/core.c at v6.18):
// https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_fill_jited_linfo)
import { describe, expect, it } from 'vitest';
import * as U from '@bpf-internals/uapi';
import { compile } from './bpf_jit_core.js';
import { disassemble } from './disasm.js';
import { formatJitedSideBySide, jitedByInsn } from './dump.js';

const rows: [string, U.BpfInsn[]][] = [
  ['straight line', [U.BPF_MOV64_IMM(0, 1), U.BPF_ALU64_IMM(U.BPF_ADD, 0, 2), U.BPF_EXIT_INSN()]],
  ['ld_imm64 and a subprogram', [U.BPF_MOV64_IMM(1, 3), ...U.BPF_LD_IMM64(4, 0x1234567890n), U.BPF_CALL_REL(1), U.BPF_EXIT_INSN(), U.BPF_MOV64_REG(0, 1), U.BPF_EXIT_INSN()]],
];

describe('jitedByInsn: each RV64 instruction under the BPF instruction it came from', () => {
  for (const [name, insns] of rows) {
    it(`${name}: every image instruction is listed once, in order, padding aside`, () => {
      const jit = compile(insns);
      const groups = jitedByInsn(insns, jit);
      const listed = groups.flatMap((g) => g.rv.map((l) => l.offset));
      const inFuncs = disassemble(jit.image, jit.imageAddr).filter((l) => jit.funcs.some((f) => l.offset >= f.imageOffset && l.offset < f.imageOffset + f.size)).map((l) => l.offset);
      expect(listed).toEqual(inFuncs);
      // A prologue and an epilogue per function, and a row per BPF instruction.
      expect(groups.filter((g) => g.insn === -1).length).toBe(jit.funcs.length);
      expect(groups.filter((g) => g.insn >= 0).length).toBe(insns.length);
      expect(formatJitedSideBySide(insns, jit).split('\n').length).toBeGreaterThanOrEqual(listed.length);
    });
  }
  it('the ld_imm64 code (lui, addiw, shifts) sits under its first slot', () => {
    const insns = rows[1]![1];
    const g = jitedByInsn(insns, compile(insns)).find((r) => r.insn === 1)!;
    expect(g.rv.map((l) => l.text.split('\t')[0])).toEqual(['lui', 'addw', 'sll', 'add']);
  });
});
