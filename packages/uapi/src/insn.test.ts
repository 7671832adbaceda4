import { describe, expect, it } from 'vitest';
import {
  BPF_ADD,
  BPF_ALU64_IMM,
  BPF_EXIT_INSN,
  BPF_JGT,
  BPF_JMP_IMM,
  BPF_LD_IMM64,
  BPF_LD_MAP_FD,
  BPF_MOV64_IMM,
  BPF_REG_0,
  BPF_REG_1,
  BPF_STX_MEM,
  BPF_DW,
  BPF_REG_10,
  decodeInsns,
  encodeInsns,
  ldImm64Value,
  UapiError,
} from './index.js';

describe('struct bpf_insn codec', () => {
  it.each([
    ['r0 = 0', BPF_MOV64_IMM(BPF_REG_0, 0), 'b700000000000000'],
    ['exit', BPF_EXIT_INSN(), '9500000000000000'],
    ['r1 += -1', BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, -1), '07010000ffffffff'],
    ['if r1 > 5 goto pc+2', BPF_JMP_IMM(BPF_JGT, BPF_REG_1, 5, 2), '2501020005000000'],
    ['*(u64 *)(r10 -8) = r1', BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8), '7b1af8ff00000000'],
  ])('%s encodes as the kernel lays it out', (_name, insn, hex) => {
    const bytes = encodeInsns([insn]);
    expect(Buffer.from(bytes).toString('hex')).toBe(hex);
    expect(decodeInsns(bytes)).toEqual([insn]);
  });

  it('ld_imm64 takes two slots and round-trips its 64-bit constant', () => {
    const pair = BPF_LD_IMM64(BPF_REG_1, 0x1122334455667788n);
    const [lo, hi] = decodeInsns(encodeInsns([pair]));
    expect(ldImm64Value(lo!, hi!)).toBe(0x1122334455667788n);
    expect(Buffer.from(encodeInsns(BPF_LD_MAP_FD(BPF_REG_1, 3))).toString('hex')).toBe(
      '1811000003000000' + '0000000000000000',
    );
  });

  it('an out-of-range field is an error naming it, never truncated', () => {
    expect(() => encodeInsns([{ ...BPF_EXIT_INSN(), off: 0x8000 }])).toThrow(UapiError);
    expect(() => encodeInsns([{ ...BPF_EXIT_INSN(), dst_reg: 16 }])).toThrow(/bpf_insn\.dst_reg/);
    expect(() => encodeInsns([{ ...BPF_EXIT_INSN(), imm: 2 ** 32 }])).toThrow(/bpf_insn\.imm/);
  });

  it('a byte count that is not a multiple of 8 is refused', () => {
    expect(() => decodeInsns(new Uint8Array(12))).toThrow(/insns/);
  });
});
