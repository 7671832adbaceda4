import { describe, expect, it } from 'vitest';
import type { BpfMap } from '@bpf-internals/maps';
import { BPF_EXIT_INSN, BPF_JMP_A, BPF_LD_MAP_FD, BPF_MOV64_IMM, BPF_RAW_INSN, type BpfInsn } from '@bpf-internals/uapi';
import { bpf_check, type bpf_check_attr, type bpf_verifier_prog } from './verifier.js';
import { bpf_opcode_in_insntable, bpf_prog_calc_tag } from './insntable.js';

const SUMMARY = (n: number): string =>
  `processed ${n} insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n`;

function prog(insns: BpfInsn[]): bpf_verifier_prog {
  return {
    type: 1,
    expected_attach_type: 0,
    gpl_compatible: true,
    len: insns.length,
    insnsi: insns.map((i) => ({ ...i })),
    tag: new Uint8Array(8),
    aux: { used_maps: [], verified_insns: 0, stack_depth: 0, func_cnt: 0, sleepable: false, attach_btf_id: 0 },
  };
}

/** Run bpf_check with a 4 KiB log at `level`; return errno, log text and log_true_size. */
function check(insns: BpfInsn[], level = 1, maps: Record<number, BpfMap> = {}) {
  const logBuf = new Uint8Array(4096);
  const attrBuf = new Uint8Array(168);
  const regions: [bigint, Uint8Array][] = [
    [0x1000n, logBuf],
    [0x9000n, attrBuf],
  ];
  const find = (addr: bigint, len: number) => {
    for (const [base, b] of regions) {
      const off = Number(addr - base);
      if (off >= 0 && off + len <= b.length) return { b, off };
    }
    return null;
  };
  const p = prog(insns);
  const attr: bpf_check_attr = {
    log_level: level,
    log_buf: 0x1000n,
    log_size: 4096,
    prog_flags: 0,
    fd_array: 0n,
    func_info_cnt: 0,
    line_info_cnt: 0,
    prog_btf_fd: 0,
  };
  const err = bpf_check(p, attr, {
    user: {
      copy_to_user(addr, bytes) {
        const r = find(addr, bytes.length);
        if (!r) return false;
        r.b.set(bytes, r.off);
        return true;
      },
      copy_from_user(addr, len) {
        const r = find(addr, len);
        return r ? r.b.slice(r.off, r.off + len) : null;
      },
    },
    uattr: 0x9000n,
    uattr_size: 168,
    bpf_capable: true,
    map_from_fd: (fd) => maps[fd] ?? -9,
    map_put: () => {},
  });
  const z = logBuf.indexOf(0);
  return {
    err,
    log: new TextDecoder().decode(logBuf.subarray(0, z)),
    true_size: new DataView(attrBuf.buffer).getUint32(140, true),
    prog: p,
  };
}

const ok = [BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()];

describe('bpf_check: the structural passes reject with the kernel errno and log', () => {
  // Expected errno and log: the host 6.18 kernel's answer for the same instructions at log_level 1.
  const rows: { name: string; insns: BpfInsn[]; err: number; log: string }[] = [
    { name: 'r0 = 0; exit is accepted', insns: ok, err: 0, log: SUMMARY(2) },
    { name: 'a program without exit', insns: [BPF_MOV64_IMM(0, 0)], err: -22, log: 'last insn is not an exit or jmp\n' + SUMMARY(0) },
    { name: 'a jump past the end', insns: [BPF_JMP_A(5), BPF_EXIT_INSN()], err: -22, log: 'jump out of range from insn 0 to 6\n' + SUMMARY(0) },
    { name: 'opcode 0xff', insns: [BPF_RAW_INSN(0xff, 0, 0, 0, 0), BPF_EXIT_INSN()], err: -22, log: 'unknown opcode ff\n' + SUMMARY(0) },
    {
      name: 'ld_imm64 whose second half is an exit',
      insns: [BPF_RAW_INSN(0x18, 0, 0, 0, 0), BPF_EXIT_INSN()],
      err: -22,
      log: 'invalid bpf_ld_imm64 insn\n' + SUMMARY(0),
    },
    {
      name: 'ld_imm64 of a map fd that is not open',
      insns: [...BPF_LD_MAP_FD(0, 77), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()],
      err: -9,
      log: 'fd 77 is not pointing to valid bpf_map\n' + SUMMARY(0),
    },
    { name: 'an instruction after the exit', insns: [BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN(), BPF_EXIT_INSN()], err: -22, log: 'unreachable insn 2\n' + SUMMARY(0) },
    {
      name: 'ld_imm64 with a constant is accepted (one processed insn for two slots)',
      insns: [...[BPF_RAW_INSN(0x18, 0, 0, 0, 5), BPF_RAW_INSN(0, 0, 0, 0, 0)], BPF_EXIT_INSN()],
      err: 0,
      log: SUMMARY(2),
    },
  ];
  it.each(rows)('$name: $err', ({ insns, err, log }) => {
    const r = check(insns);
    expect(r.err).toBe(err);
    expect(r.log).toBe(log);
    expect(r.true_size).toBe(log.length + 1);
  });

  it('at log_level 2 add_subprog_and_kfunc logs the subprogram starts first', () => {
    expect(check([BPF_MOV64_IMM(0, 0)], 2).log).toBe('func#0 @0\nlast insn is not an exit or jmp\n' + SUMMARY(0));
  });

  it('LDX with a reserved mode is refused before the opcode table is consulted', () => {
    expect(check([BPF_RAW_INSN(0x21, 0, 1, 0, 0), BPF_EXIT_INSN()]).log).toBe('BPF_LDX uses reserved fields\n' + SUMMARY(0));
  });
});

describe('bpf_opcode_in_insntable', () => {
  const rows: { code: number; known: boolean }[] = [
    { code: 0x07, known: true }, // add64 imm
    { code: 0x87, known: true }, // neg64
    { code: 0x8f, known: false }, // neg64 with BPF_X
    { code: 0xd4, known: true }, // le
    { code: 0xd7, known: true }, // bswap
    { code: 0xdf, known: false }, // alu64 end with BPF_X
    { code: 0x85, known: true }, // call
    { code: 0x8d, known: false }, // call with BPF_X (callx is not public)
    { code: 0xe5, known: true }, // may_goto
    { code: 0xe6, known: false }, // jmp32 jcond
    { code: 0xd3, known: true }, // store-release / load-acquire, 8 bit
    { code: 0x18, known: true }, // ld_imm64
    { code: 0x00, known: false }, // ld imm w
    { code: 0xff, known: false },
  ];
  it.each(rows)('opcode $code is known: $known', ({ code, known }) => {
    expect(bpf_opcode_in_insntable(code)).toBe(known);
  });
});

describe('bpf_prog_calc_tag (core\'s) on the verifier\'s view of a program', () => {
  const tagOf = (insns: BpfInsn[]): string => {
    const p = prog(insns);
    bpf_prog_calc_tag(p);
    return [...p.tag].map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  it('is the head of the SHA-256 of the instructions (6.18), as the host reports for r0 = 0; exit', () => {
    expect(tagOf(ok)).toBe('59f4a931744dcdc6');
  });
  it('ignores the map fd of ld_imm64', () => {
    expect(tagOf([...BPF_LD_MAP_FD(1, 3), BPF_EXIT_INSN()])).toBe(tagOf([...BPF_LD_MAP_FD(1, 9), BPF_EXIT_INSN()]));
  });
});
