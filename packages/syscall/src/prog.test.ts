import { describe, expect, it } from 'vitest';
import { BPF_EXIT_INSN, BPF_MOV64_IMM, bpf_cmd, encodeAttr, encodeInsns, type BpfInsn } from '@bpf-internals/uapi';
import { createKernel } from './kernel.js';
import { collectTrace, formatTrace } from './programs.js';


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
  it('r0 = 0; exit loads as fd 3 with an id and a LOAD audit record; closing it logs UNLOAD', () => {
    const { fd, kernel, proc } = load([BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()]);
    expect(fd).toBe(3);
    expect(kernel.events).toContainEqual(expect.objectContaining({ type: 'audit', msg: 'prog-id=1 op=LOAD' }));
    expect(proc.close(fd)).toBe(0);
    expect(kernel.events).toContainEqual(expect.objectContaining({ type: 'audit', msg: 'prog-id=1 op=UNLOAD' }));
    expect(kernel.objects()).toEqual([]);
  });

  it('the trace walks __sys_bpf -> bpf_prog_load -> bpf_check -> select_runtime -> new_fd, in order', () => {
    const { trace } = load([BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()]);
    const order = ['__sys_bpf', 'bpf_prog_load', 'bpf_check', 'check_cfg', 'bpf_prog_select_runtime', 'bpf_prog_alloc_id', 'bpf_prog_new_fd'];
    const idx = order.map((fn) => trace.findIndex((e) => e.fn === fn));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(trace.find((e) => e.fn === 'check_cfg')!.depth).toBe(3);
    expect(trace.at(-1)).toMatchObject({ fn: '__sys_bpf', ret: 3 });
  });

  it('a rejected load ends its trace with the errno and leaves nothing behind', () => {
    const { fd, trace, kernel } = load([BPF_MOV64_IMM(0, 0)]);
    expect(fd).toBe(-22);
    expect(trace.find((e) => e.fn === 'check_subprogs')).toMatchObject({ ret: -22 });
    expect(kernel.objects()).toEqual([]);
  });

  it('formatTrace indents by depth and links each step at v6.18', () => {
    const text = formatTrace([{ fn: 'bpf_check', file: 'kernel/bpf/verifier.c', depth: 2, detail: 'x', ret: -22 }]);
    expect(text).toBe('    bpf_check()  x  = -22 (EINVAL)\n      ↳ https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c\n');
  });
});
