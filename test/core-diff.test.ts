/**
 * The interpreter against the host kernel: the same generated programs through the host's
 * BPF_PROG_TEST_RUN and the model's, same retval and same data_out (which carries every
 * register and stack slot at the end). Plus the program tag.
 */
import { describe, expect, it } from 'vitest';
import { bpf_prog_type, encodeInsns, type BpfInsn } from '@bpf-internals/uapi';
import { bpf_prog_alloc, bpf_prog_calc_tag, bpf_prog_select_runtime, bpf_prog_test_run, bpf_prog_tag_string, createRunEnv, testRunAttr, bpf_disasm } from '@bpf-internals/core';
import { hostBpf, skipReason } from './host/bpf.js';
import { hostLoad, hostProgTag, hostTestRun } from './core-host.js';
import { genPacket, genProgram, mulberry32 } from './core-gen.js';

const { host } = hostBpf();
const TYPE = { tc: bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS, xdp: bpf_prog_type.BPF_PROG_TYPE_XDP };

function modelRun(type: number, insns: BpfInsn[], data: Uint8Array, interpreter: 'switch' | 'js' = 'switch') {
  const prog = bpf_prog_alloc({ type, insns });
  const { prog: p } = bpf_prog_select_runtime(prog, { interpreter });
  return bpf_prog_test_run(p, testRunAttr({ data_in: data, data_out: true }), createRunEnv());
}

describe.skipIf(!host)('interpreter vs host kernel (generated programs)', () => {
  const h = host!;
  it('600 generated tc and XDP programs give the same retval and data_out (both interpreter tiers)', () => {
    const rnd = mulberry32(0x5eed);
    let loaded = 0;
    const rejected: string[] = [];
    const diffs: string[] = [];
    for (let i = 0; i < 600; i++) {
      const kind = i % 2 ? 'xdp' : 'tc';
      const insns = genProgram(rnd, { kind, body: 24 + (i % 5) * 16 });
      const data = genPacket(rnd);
      const l = hostLoad(h, TYPE[kind], encodeInsns(insns), { log_level: 0 });
      if (l.fd < 0) {
        if (rejected.length < 3) rejected.push(`#${i} errno ${-l.fd}\n${bpf_disasm(insns).join('\n')}\n${hostLoad(h, TYPE[kind], encodeInsns(insns), { log_level: 1 }).log.slice(-600)}`);
        continue;
      }
      loaded++;
      const hr = hostTestRun(h, l.fd, { data_in: data, data_out_size: 256 });
      h.close(l.fd);
      const mr = modelRun(TYPE[kind], insns, data);
      // The compiled tier must agree with the switch interpreter exactly.
      const jr = modelRun(TYPE[kind], insns, data, 'js');
      expect({ ret: jr.ret, retval: jr.finish?.retval, out: jr.finish?.data_out }).toEqual({ ret: mr.ret, retval: mr.finish?.retval, out: mr.finish?.data_out });
      const same =
        hr.ret === mr.ret &&
        hr.retval === mr.finish?.retval &&
        hr.data_size_out === mr.finish?.data_size_out &&
        Buffer.from(hr.data_out).equals(Buffer.from(mr.finish?.data_out ?? []));
      if (!same && diffs.length < 3) {
        diffs.push(
          `#${i} ${kind}: host ret ${hr.ret} retval ${hr.retval} out ${Buffer.from(hr.data_out.subarray(0, 64)).toString('hex')}\n` +
            `model ret ${mr.ret} retval ${mr.finish?.retval} out ${Buffer.from((mr.finish?.data_out ?? new Uint8Array()).subarray(0, 64)).toString('hex')} ${mr.error?.message ?? ''}\n` +
            bpf_disasm(insns).join('\n'),
        );
      }
    }
    if (rejected.length) console.log(`host rejected ${600 - loaded} of 600:\n${rejected.join('\n---\n')}`);
    if (diffs.length) console.log(diffs.join('\n---\n'));
    // The generator only makes verifiable programs; nearly all must load.
    expect(loaded).toBeGreaterThanOrEqual(590);
    if (h.strict) expect(diffs).toEqual([]);
  });

  it('the program tag is the host kernel’s (SHA-256 on 6.18, map fds zeroed)', () => {
    const progs: BpfInsn[][] = [
      [
        { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 7 },
        { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
      ],
      genProgram(mulberry32(1), { kind: 'tc', body: 30 }),
    ];
    for (const insns of progs) {
      const l = hostLoad(h, TYPE.tc, encodeInsns(insns));
      expect(l.fd).toBeGreaterThanOrEqual(0);
      const tag = Buffer.from(hostProgTag(h, l.fd)).toString('hex');
      h.close(l.fd);
      const p = bpf_prog_alloc({ type: TYPE.tc, insns });
      bpf_prog_calc_tag(p);
      expect(bpf_prog_tag_string(p)).toBe(tag);
    }
  });
});

if (!host) it.skip(skipReason(), () => {});
