/**
 * print_bpf_insn against the live kernel: load programs with log_level 2 and compare every
 * "N: (xx) text" line of the verifier log with the model's text for instruction N.
 */
import { describe, expect, it } from 'vitest';
import { bpf_prog_type, encodeInsns, type BpfInsn } from '@bpf-internals/uapi';
import { bpf_asm, print_bpf_insn } from '@bpf-internals/core';
import { hostBpf, skipReason } from './host/bpf.js';
import { hostLoad } from './core-host.js';
import { genProgram, mulberry32 } from './core-gen.js';

const { host } = hostBpf();

/** Programs written in the verifier's own syntax (and so also a test of bpf_asm). */
const HAND: { name: string; type: number; src: string }[] = [
  {
    name: 'helpers, bswap, movsx, sdiv, gotol, load-acquire/store-release',
    type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
    src: `
      call bpf_ktime_get_ns#5
      r6 = r0
      call bpf_get_prandom_u32#7
      r1 = r0
      r1 = bswap16 r1
      r1 = be32 r1
      r1 = le64 r1
      r3 = r1
      w4 = (s8)w3
      r5 = (s32)r4
      r5 s/= -3
      w5 s%= 7
      *(u64 *)(r10 -8) = r5
      r7 = load_acquire((u64 *)(r10 -8))
      store_release((u32 *)(r10 -16), r7)
      lock *(u64 *)(r10 -8) += r6
      r1 = atomic64_fetch_or((u64 *)(r10 -8), r1)
      r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)
      r1 = atomic64_xchg((u64 *)(r10 -8), r1)
      if w1 s> 0xfffffffb goto pc+1
      gotol pc+0
      r0 = -r0
      w0 = -w0
      r0 = 0x123456789
      exit`,
  },
  {
    name: 'bpf-to-bpf call and legacy packet loads',
    type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
    src: `
      r6 = r1
      r0 = *(u8 *)skb[12]
      r7 = 2
      r0 = *(u16 *)skb[r7 + 12]
      r1 = 5
      call pc+2
      r0 += 1
      exit
      r0 = r1
      exit`,
  },
];

function logLines(log: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of log.split('\n')) {
    const x = line.match(/^(\d+): (\([0-9a-f]{2}\) .*?)(?:\s+; .*)?$/);
    if (x) m.set(Number(x[1]), x[2]!.trimEnd());
  }
  return m;
}

function compare(insns: BpfInsn[], log: string): { checked: number; diffs: string[] } {
  const lines = logLines(log);
  const diffs: string[] = [];
  let checked = 0;
  for (const [i, text] of lines) {
    const insn = insns[i]!;
    // ld_imm64 of a map or BTF object prints the kernel pointer: not comparable.
    if (insn.code === 0x18 && insn.src_reg !== 0) continue;
    const ours = print_bpf_insn(insn, insns[i + 1], { allow_ptr_leaks: true });
    checked++;
    if (ours !== text) diffs.push(`${i}: kernel "${text}" model "${ours}"`);
  }
  return { checked, diffs };
}

describe.skipIf(!host)('print_bpf_insn vs the host verifier log', () => {
  const h = host!;
  it.each(HAND)('$name: every instruction line matches', ({ type, src }) => {
    const insns = bpf_asm(src);
    const l = hostLoad(h, type, encodeInsns(insns), { log_level: 2 });
    expect(l.fd, l.log.slice(-800)).toBeGreaterThanOrEqual(0);
    h.close(l.fd);
    const { checked, diffs } = compare(insns, l.log);
    expect(checked).toBeGreaterThanOrEqual(insns.length - 2);
    expect(diffs).toEqual([]);
  });

  it('60 generated programs: every instruction line of the log matches', () => {
    const rnd = mulberry32(77);
    let total = 0;
    const all: string[] = [];
    for (let i = 0; i < 60; i++) {
      const insns = genProgram(rnd, { kind: i % 2 ? 'xdp' : 'tc', body: 30 });
      const l = hostLoad(h, i % 2 ? bpf_prog_type.BPF_PROG_TYPE_XDP : bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS, encodeInsns(insns), { log_level: 2 });
      if (l.fd < 0) continue;
      h.close(l.fd);
      const { checked, diffs } = compare(insns, l.log);
      total += checked;
      all.push(...diffs);
    }
    expect(total).toBeGreaterThan(1500);
    if (h.strict) expect(all.slice(0, 10)).toEqual([]);
  });
});

if (!host) it.skip(skipReason(), () => {});
