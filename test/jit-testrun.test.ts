// The programs core's differential test runs (generated tc and XDP programs that the host verifier
// accepts, ../test/core-gen.ts) through BPF_PROG_TEST_RUN twice: interpreted, and JITed to RV64 and
// run on the model's hart. Same return, same retval, same data_out (which carries every register
// and stack slot at the end of the program).
import { describe, expect, it } from 'vitest';
import * as U from '@bpf-internals/uapi';
import { bpf_prog_type, type BpfInsn } from '@bpf-internals/uapi';
import { bpf_disasm, bpf_prog_alloc, bpf_prog_select_runtime, bpf_prog_test_run, createRunEnv, testRunAttr } from '@bpf-internals/core';
import { bpf_int_jit_compile } from '@bpf-internals/jit-riscv';
import { genPacket, genProgram, mulberry32 } from './core-gen.js';

const TYPE = { tc: bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS, xdp: bpf_prog_type.BPF_PROG_TYPE_XDP };

const BPF_REG_AX = 11;
const cls = (c: number) => c & 7;
const isJump = (i: BpfInsn) => (cls(i.code) === U.BPF_JMP || cls(i.code) === U.BPF_JMP32) && (i.code & 0xf0) !== U.BPF_EXIT && !((i.code & 0xf0) === U.BPF_CALL && i.src_reg !== U.BPF_PSEUDO_CALL);

/**
 * The verifier rewrites the RV64 JIT relies on, applied the way kernel/bpf/verifier.c applies them
 * (do_misc_fixups' div/mod patchlets, and the explicit zext opt_subreg_zext_lo32_rnd_hi32 puts after a
 * 32-bit cmpxchg, whose lr/sc sequence leaves r0 sign-extended), with jumps re-aimed at the start of
 * each patchlet as bpf_patch_insn_data does. The interpreter runs the program unpatched: it handles
 * division by zero itself, as the kernel's does.
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (do_misc_fixups)
 */
function verifierFixups(insns: BpfInsn[]): BpfInsn[] {
  const out: { insn: BpfInsn; orig: number }[] = [];
  const startOf: number[] = [];
  const raw = (insn: BpfInsn) => out.push({ insn, orig: -1 });
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    startOf[i] = out.length;
    const op = insn.code & 0xf0;
    const is64 = cls(insn.code) === U.BPF_ALU64;
    const isAluX = (cls(insn.code) === U.BPF_ALU || is64) && (insn.code & U.BPF_X) === U.BPF_X;
    if (isAluX && (op === U.BPF_DIV || op === U.BPF_MOD)) {
      const A = is64 ? U.BPF_ALU64 : U.BPF_ALU, J = is64 ? U.BPF_JMP : U.BPF_JMP32;
      const d = insn.dst_reg, sreg = insn.src_reg;
      if (op === U.BPF_DIV && insn.off === 1) {
        [U.BPF_MOV64_REG(BPF_REG_AX, sreg), U.BPF_RAW_INSN(A | U.BPF_ADD | U.BPF_K, BPF_REG_AX, 0, 0, 1), U.BPF_RAW_INSN(J | U.BPF_JGT | U.BPF_K, BPF_REG_AX, 0, 4, 1),
          U.BPF_RAW_INSN(J | U.BPF_JEQ | U.BPF_K, BPF_REG_AX, 0, 1, 0), U.BPF_RAW_INSN(A | U.BPF_MOV | U.BPF_K, d, 0, 0, 0), U.BPF_RAW_INSN(A | U.BPF_NEG | U.BPF_K, d, 0, 0, 0),
          U.BPF_JMP_IMM(U.BPF_JA, 0, 0, 1), insn].forEach(raw);
      } else if (op === U.BPF_MOD && insn.off === 1) {
        [U.BPF_MOV64_REG(BPF_REG_AX, sreg), U.BPF_RAW_INSN(A | U.BPF_ADD | U.BPF_K, BPF_REG_AX, 0, 0, 1), U.BPF_RAW_INSN(J | U.BPF_JGT | U.BPF_K, BPF_REG_AX, 0, 3, 1),
          U.BPF_RAW_INSN(J | U.BPF_JEQ | U.BPF_K, BPF_REG_AX, 0, 3 + (is64 ? 0 : 1), 1), U.BPF_MOV32_IMM(d, 0), U.BPF_JMP_IMM(U.BPF_JA, 0, 0, 1), insn].forEach(raw);
        if (!is64) [U.BPF_JMP_IMM(U.BPF_JA, 0, 0, 1), U.BPF_MOV32_REG(d, d)].forEach(raw);
      } else if (op === U.BPF_DIV) {
        [U.BPF_RAW_INSN(J | U.BPF_JNE | U.BPF_K, sreg, 0, 2, 0), U.BPF_ALU32_REG(U.BPF_XOR, d, d), U.BPF_JMP_IMM(U.BPF_JA, 0, 0, 1), insn].forEach(raw);
      } else {
        [U.BPF_RAW_INSN(J | U.BPF_JEQ | U.BPF_K, sreg, 0, 1 + (is64 ? 0 : 1), 0), insn].forEach(raw);
        if (!is64) [U.BPF_JMP_IMM(U.BPF_JA, 0, 0, 1), U.BPF_MOV32_REG(d, d)].forEach(raw);
      }
      continue;
    }
    out.push({ insn, orig: i });
    if (insn.code === (U.BPF_STX | U.BPF_ATOMIC | U.BPF_W) && insn.imm === U.BPF_CMPXCHG) raw(U.BPF_ZEXT_REG(0));
  }
  startOf[insns.length] = out.length;
  return out.map(({ insn, orig }, k) => {
    if (orig < 0 || !isJump(insn)) return insn;
    const gotol = insn.code === (U.BPF_JMP32 | U.BPF_JA);
    const rel = gotol || (insn.code & 0xf0) === U.BPF_CALL ? insn.imm : insn.off;
    const to = startOf[orig + rel + 1]! - k - 1;
    return gotol || (insn.code & 0xf0) === U.BPF_CALL ? { ...insn, imm: to } : { ...insn, off: to };
  });
}

function run(type: number, insns: BpfInsn[], data: Uint8Array, jit: boolean) {
  const prog = bpf_prog_alloc({ type, insns: jit ? verifierFixups(insns) : insns, jit_requested: jit });
  const { prog: p } = bpf_prog_select_runtime(prog, jit ? { jit: bpf_int_jit_compile } : {});
  return { jited: p.jited, r: bpf_prog_test_run(p, testRunAttr({ data_in: data, data_out: true }), createRunEnv()) };
}

describe('BPF_PROG_TEST_RUN: JITed on the hart == interpreted', () => {
  it('600 generated tc and XDP programs give the same ret, retval and data_out', () => {
    const rnd = mulberry32(0x5eed);
    const diffs: string[] = [];
    let jited = 0;
    for (let i = 0; i < 600; i++) {
      const kind = i % 2 ? 'xdp' : 'tc';
      const insns = genProgram(rnd, { kind, body: 24 + (i % 5) * 16 });
      const data = genPacket(rnd);
      const a = run(TYPE[kind], insns, data, false);
      const b = run(TYPE[kind], insns, data, true);
      if (b.jited) jited++;
      const same =
        a.r.ret === b.r.ret &&
        a.r.finish?.retval === b.r.finish?.retval &&
        Buffer.from(a.r.finish?.data_out ?? []).equals(Buffer.from(b.r.finish?.data_out ?? []));
      if (!same && diffs.length < 3) {
        diffs.push(
          `#${i} ${kind}: interp ret ${a.r.ret} retval ${a.r.finish?.retval} out ${Buffer.from((a.r.finish?.data_out ?? new Uint8Array()).subarray(0, 64)).toString('hex')} ${a.r.error?.message ?? ''}\n` +
            `jit    ret ${b.r.ret} retval ${b.r.finish?.retval} out ${Buffer.from((b.r.finish?.data_out ?? new Uint8Array()).subarray(0, 64)).toString('hex')} ${b.r.error?.message ?? ''}\n` +
            bpf_disasm(insns).join('\n'),
        );
      }
    }
    expect(jited).toBe(600);
    expect(diffs).toEqual([]);
  });
});
