// The programs core's differential test runs (generated tc and XDP programs that the host verifier
// accepts, ../test/core-gen.ts) through BPF_PROG_TEST_RUN twice: interpreted, and JITed to RV64 and
// run on the model's hart. Same return, same retval, same data_out (which carries every register
// and stack slot at the end of the program).
// https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c
import { describe, expect, it } from 'vitest';
import { bpf_prog_type, type BpfInsn } from '@bpf-internals/uapi';
import { bpf_disasm, bpf_prog_alloc, bpf_prog_select_runtime, bpf_prog_test_run, createRunEnv, testRunAttr } from '@bpf-internals/core';
import { bpf_int_jit_compile } from '@bpf-internals/jit-riscv';
import { genPacket, genProgram, mulberry32 } from './core-gen.js';

const TYPE = { tc: bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS, xdp: bpf_prog_type.BPF_PROG_TYPE_XDP };

function run(type: number, insns: BpfInsn[], data: Uint8Array, jit: boolean) {
  // bpf_int_jit_compile applies the verifier's div/mod patchlets and cmpxchg zext (jitRuntimeOptions).
  const prog = bpf_prog_alloc({ type, insns, jit_requested: jit });
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
