import { describe, expect, it } from 'vitest';
import { BPF_EXIT_INSN, BPF_MOV64_IMM, bpf_cmd, encodeAttr, encodeInsns, type BpfInsn } from '@bpf-internals/uapi';
import { createKernel } from './kernel.js';
import { bpf_cmds } from './syscall.js';
import { collectTrace, formatTrace, prog_cmds } from './programs.js';

for (const [c, h] of Object.entries(prog_cmds)) bpf_cmds[Number(c)] = h;

function load(insns: BpfInsn[], extra: Record<string, unknown> = {}) {
  const t = collectTrace();
  const kernel = createKernel({ trace: t.hook });
  const proc = kernel.spawn();
  const code = encodeInsns(insns);
  const ia = proc.mem.alloc(code.length);
  proc.mem.write(ia, code);
  const la = proc.mem.alloc(4);
  proc.mem.write(la, new TextEncoder().encode('GPL\0'));
  const attr = encodeAttr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: insns.length, insns: ia, license: la, ...extra } as never);
  const aa = proc.mem.alloc(attr.length);
  proc.mem.write(aa, attr);
  const fd = proc.bpf(bpf_cmd.BPF_PROG_LOAD, aa, attr.length);
  return { fd, kernel, proc, trace: t.events };
}

describe('bpf_prog_load', () => {
  it('r0 = 0; exit loads as fd 3 with an id and a LOAD audit record', () => {
    const { fd, kernel, trace } = load([BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()]);
    expect(fd).toBe(3);
    expect(kernel.events).toContainEqual(expect.objectContaining({ type: 'audit', msg: 'prog-id=1 op=LOAD' }));
    console.log(formatTrace(trace));
  });
});
