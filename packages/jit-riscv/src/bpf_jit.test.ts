// Tables for arch/riscv/net/bpf_jit.h and bpf_jit_comp64.c at v6.18: encoder/decoder round trip over
// every form, emit_imm's and emit_branch's choices, pass= and the bit-field drawing.
// https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h
import { describe, expect, it } from 'vitest';
import * as J from './bpf_jit.js';
import { type RvJitContext } from './bpf_jit.js';
import { emit_branch, emit_imm, emit_jump_and_link } from './bpf_jit_comp64.js';
import { compile } from './bpf_jit_core.js';
import { encodeInsns, BPF_MOV64_IMM, BPF_EXIT_INSN } from '@bpf-internals/uapi';
import { disassemble, rv_decode, rv_fields, rv_format } from './disasm.js';

// Every encoder the JIT has, with the canonical name the decoder must give back.
type Enc = [string, (a: number, b: number, c: number) => number, 'rri' | 'rrr' | 'ri' | 'rr' | 'amo' | 'branch' | 'store' | 'load'];
const FORMS: Enc[] = [
  ['addi', J.rv_addi, 'rri'], ['andi', J.rv_andi, 'rri'], ['ori', J.rv_ori, 'rri'], ['xori', J.rv_xori, 'rri'],
  ['addiw', J.rv_addiw, 'rri'], ['slli', (a, b, c) => J.rv_slli(a, b, c & 63), 'rri'], ['srli', (a, b, c) => J.rv_srli(a, b, c & 63), 'rri'],
  ['srai', (a, b, c) => J.rv_srai(a, b, c & 63), 'rri'], ['slliw', (a, b, c) => J.rv_slliw(a, b, c & 31), 'rri'],
  ['srliw', (a, b, c) => J.rv_srliw(a, b, c & 31), 'rri'], ['sraiw', (a, b, c) => J.rv_sraiw(a, b, c & 31), 'rri'],
  ['add', J.rv_add, 'rrr'], ['sub', J.rv_sub, 'rrr'], ['and', J.rv_and, 'rrr'], ['or', J.rv_or, 'rrr'], ['xor', J.rv_xor, 'rrr'],
  ['sll', J.rv_sll, 'rrr'], ['srl', J.rv_srl, 'rrr'], ['sra', J.rv_sra, 'rrr'], ['sltu', J.rv_sltu, 'rrr'], ['mul', J.rv_mul, 'rrr'],
  ['mulhu', J.rv_mulhu, 'rrr'], ['div', J.rv_div, 'rrr'], ['divu', J.rv_divu, 'rrr'], ['rem', J.rv_rem, 'rrr'], ['remu', J.rv_remu, 'rrr'],
  ['addw', J.rv_addw, 'rrr'], ['subw', J.rv_subw, 'rrr'], ['sllw', J.rv_sllw, 'rrr'], ['srlw', J.rv_srlw, 'rrr'], ['sraw', J.rv_sraw, 'rrr'],
  ['mulw', J.rv_mulw, 'rrr'], ['divw', J.rv_divw, 'rrr'], ['divuw', J.rv_divuw, 'rrr'], ['remw', J.rv_remw, 'rrr'], ['remuw', J.rv_remuw, 'rrr'],
  ['sh2add', J.rvzba_sh2add, 'rrr'], ['sh3add', J.rvzba_sh3add, 'rrr'], ['add.uw', (a, b) => J.rvzba_zextw(a, b), 'rr'],
  ['sext.b', (a, b) => J.rvzbb_sextb(a, b), 'rr'], ['sext.h', (a, b) => J.rvzbb_sexth(a, b), 'rr'], ['zext.h', (a, b) => J.rvzbb_zexth(a, b), 'rr'],
  ['rev8', (a, b) => J.rvzbb_rev8(a, b), 'rr'], ['lui', (a, _b, c) => J.rv_lui(a, c & 0xfffff), 'ri'], ['auipc', (a, _b, c) => J.rv_auipc(a, c & 0xfffff), 'ri'],
  ['jalr', J.rv_jalr, 'rri'], ['lb', (a, b, c) => J.rv_lb(a, c, b), 'load'], ['lh', (a, b, c) => J.rv_lh(a, c, b), 'load'],
  ['lw', (a, b, c) => J.rv_lw(a, c, b), 'load'], ['ld', (a, b, c) => J.rv_ld(a, c, b), 'load'], ['lbu', (a, b, c) => J.rv_lbu(a, c, b), 'load'],
  ['lhu', (a, b, c) => J.rv_lhu(a, c, b), 'load'], ['lwu', (a, b, c) => J.rv_lwu(a, c, b), 'load'],
  ['sb', (a, b, c) => J.rv_sb(a, c, b), 'store'], ['sh', (a, b, c) => J.rv_sh(a, c, b), 'store'], ['sw', (a, b, c) => J.rv_sw(a, c, b), 'store'],
  ['sd', (a, b, c) => J.rv_sd(a, c, b), 'store'], ['beq', J.rv_beq, 'branch'], ['bne', J.rv_bne, 'branch'], ['blt', J.rv_blt, 'branch'],
  ['bge', J.rv_bge, 'branch'], ['bltu', J.rv_bltu, 'branch'], ['bgeu', J.rv_bgeu, 'branch'],
];

function rnd(seed: number) {
  let x = seed || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
}

describe('encoder/decoder round trip over every instruction form', () => {
  for (const [name, enc, kind] of FORMS) {
    it(`${name}: decode(encode(fields)) gives the fields back`, () => {
      const r = rnd(name.length * 977 + name.charCodeAt(0));
      for (let k = 0; k < 200; k++) {
        const a = r() & 31, b = r() & 31;
        const imm = kind === 'branch' ? ((r() % 4096) - 2048) * 2 : (r() % 4096) - 2048;
        const c = kind === 'rrr' ? r() & 31 : kind === 'ri' ? r() & 0xfffff : imm;
        const word = kind === 'branch' ? enc(a, b, c >> 1) : enc(a, b, c);
        const d = rv_decode(word & 0xffff, word >>> 16)!;
        expect(d.name).toBe(name);
        if (kind === 'rrr') expect([d.rd, d.rs1, d.rs2]).toEqual([a, b, c]);
        if (kind === 'rri' || kind === 'load') expect([d.rd, d.rs1, d.imm]).toEqual([a, b, /^s[lr][la]iw?$/.test(name) ? c & (name.endsWith('w') ? 31 : 63) : c]);
        if (kind === 'store') expect([d.rs1, d.rs2, d.imm]).toEqual([a, b, c]);
        if (kind === 'branch') expect([d.rs1, d.rs2, d.imm]).toEqual([a, b, c]);
        if (kind === 'ri') expect([d.rd, (d.imm >>> 12) & 0xfffff]).toEqual([a, c]);
        if (kind === 'rr') expect([d.rd, d.rs1]).toEqual([a, b]);
      }
    });
  }
  it('jal: every even offset in ±1 MiB decodes to itself', () => {
    for (let off = -(1 << 20); off < 1 << 20; off += 2 * 4099) {
      const w = J.rv_jal(1, off >> 1);
      expect(rv_decode(w & 0xffff, w >>> 16)).toMatchObject({ name: 'jal', rd: 1, imm: off });
    }
  });
  const AMOS: [string, typeof J.rv_amoadd_w][] = [
    ['amoadd.w', J.rv_amoadd_w], ['amoand.w', J.rv_amoand_w], ['amoor.w', J.rv_amoor_w], ['amoxor.w', J.rv_amoxor_w], ['amoswap.w', J.rv_amoswap_w],
    ['amoadd.d', J.rv_amoadd_d], ['amoand.d', J.rv_amoand_d], ['amoor.d', J.rv_amoor_d], ['amoxor.d', J.rv_amoxor_d], ['amoswap.d', J.rv_amoswap_d],
    ['sc.w', J.rv_sc_w], ['sc.d', J.rv_sc_d], ['amocas.w', J.rvzacas_amocas_w], ['amocas.d', J.rvzacas_amocas_d],
  ];
  for (const [name, enc] of AMOS) {
    it(`${name}: rd, rs2, rs1, aq, rl survive`, () => {
      for (const [aq, rl] of [[0, 0], [1, 1], [0, 1], [1, 0]]) {
        const w = enc(15, 11, 10, aq!, rl!);
        expect(rv_decode(w & 0xffff, w >>> 16)).toMatchObject({ name, rd: 15, rs2: 11, rs1: 10, aq, rl });
      }
    });
  }
  // Compressed forms: [name, encoder, fields the decoder must report].
  const C: [string, number, Partial<{ rd: number; rs1: number; rs2: number; imm: number }>][] = [
    ['c.addi16sp', J.rvc_addi16sp(-496), { rd: 2, imm: -496 }], ['c.addi16sp', J.rvc_addi16sp(496), { imm: 496 }],
    ['c.addi4spn', J.rvc_addi4spn(8, 1020), { rd: 8, rs1: 2, imm: 1020 }], ['c.addi', J.rvc_addi(10, -32), { rd: 10, imm: -32 }],
    ['c.li', J.rvc_li(15, 31), { rd: 15, imm: 31 }], ['c.lui', J.rvc_lui(6, 0x3f), { rd: 6, imm: -4096 }],
    ['c.slli', J.rvc_slli(6, 63), { rd: 6, imm: 63 }], ['c.srli', J.rvc_srli(9, 32), { rd: 9, imm: 32 }], ['c.srai', J.rvc_srai(10, 1), { rd: 10, imm: 1 }],
    ['c.andi', J.rvc_andi(11, -1), { rd: 11, imm: -1 }], ['c.sub', J.rvc_sub(12, 13), { rd: 12, rs2: 13 }], ['c.xor', J.rvc_xor(8, 15), { rd: 8, rs2: 15 }],
    ['c.or', J.rvc_or(9, 14), { rd: 9, rs2: 14 }], ['c.and', J.rvc_and(10, 11), { rd: 10, rs2: 11 }], ['c.subw', J.rvc_subw(14, 15), { rd: 14, rs2: 15 }],
    ['c.addiw', J.rvc_addiw(21, -3), { rd: 21, imm: -3 }], ['c.mv', J.rvc_mv(10, 15), { rd: 10, rs2: 15 }], ['c.add', J.rvc_add(21, 2), { rd: 21, rs2: 2 }],
    ['c.jr', J.rvc_jr(1), { rs1: 1 }], ['c.jalr', J.rvc_jalr(6), { rd: 1, rs1: 6 }], ['c.lw', J.rvc_lw(10, 124, 11), { rd: 10, rs1: 11, imm: 124 }],
    ['c.sw', J.rvc_sw(10, 64, 11), { rs1: 10, rs2: 11, imm: 64 }], ['c.ld', J.rvc_ld(15, 248, 8), { rd: 15, rs1: 8, imm: 248 }],
    ['c.sd', J.rvc_sd(9, 8, 15), { rs1: 9, rs2: 15, imm: 8 }], ['c.lwsp', J.rvc_lwsp(22, 252), { rd: 22, imm: 252 }],
    ['c.swsp', J.rvc_swsp(128, 18), { rs2: 18, imm: 128 }], ['c.ldsp', J.rvc_ldsp(1, 504), { rd: 1, imm: 504 }], ['c.sdsp', J.rvc_sdsp(40, 8), { rs2: 8, imm: 40 }],
  ];
  for (const [name, h, fields] of C) {
    it(`${name} ${JSON.stringify(fields)} round-trips`, () => {
      expect(rv_decode(h, 0)).toMatchObject({ name, len: 2, ...fields });
    });
  }
});

function ctx(isa: Partial<RvJitContext> = {}): RvJitContext {
  return { insns: new Uint16Array(64), ninsns: 0, rvc: true, zba: false, zbb: false, zacas: false, ro_insns: 0n, ...isa } as RvJitContext;
}
const text = (c: RvJitContext) => disassemble(new Uint8Array(c.insns!.buffer, 0, c.ninsns * 2)).map((l) => l.text.replace('\t', ' '));

// The sequences the kernel's emit_imm picks, worked out from its algorithm (lui+addiw for 32-bit
// values, the upper part shifted past its trailing zeros for wider ones, RVC where it fits).
describe('emit_imm picks the kernel sequence for each constant', () => {
  const rows: [bigint, boolean, string[]][] = [
    [0n, true, ['li a5,0']],
    [-1n, true, ['li a5,-1']],
    [31n, true, ['li a5,31']],
    [32n, true, ['li a5,32']], // does not fit c.li (6-bit): 4-byte addi
    [2047n, true, ['li a5,2047']],
    [2048n, true, ['lui a5,0x1', 'addw a5,a5,-2048 # 0x800']],
    [0x12345n, false, ['lui a5,0x12', 'addw a5,a5,837 # 0x12345']],
    [0x7fffffffn, true, ['lui a5,0x80000', 'addw a5,a5,-1 # 0x7fffffff']],
    [-0x80000000n, true, ['lui a5,0x80000', 'sext.w a5,a5']],
    [1n << 32n, true, ['li a5,1', 'sll a5,a5,0x20']],
    [0x100000001n, true, ['li a5,1', 'sll a5,a5,0x20', 'add a5,a5,1']],
  ];
  for (const [v, rvc, want] of rows) {
    it(`${v} (${rvc ? 'RVC' : 'no RVC'}) is ${want.join('; ')}`, () => {
      const c = ctx({ rvc });
      emit_imm(J.RV_REG_A5, v, c);
      expect(text(c)).toEqual(want);
    });
  }
});

describe('branches near and far', () => {
  const rows: [number, string[]][] = [
    [16, ['beq a0,a1,0x10']],
    [4094, ['beq a0,a1,0xffe']],
    [4096, ['bne a0,a1,0x8', 'j 0x1000']], // inverted over a jal, offset adjusted by 4
    [-4098, ['bne a0,a1,0x8', 'j 0xffffffffffffeffe']],
    [1 << 21, ['bne a0,a1,0xc', 'auipc t1,0x200', 'jr -4(t1) # 0x200000']],
  ];
  for (const [off, want] of rows) {
    it(`JEQ by ${off} bytes is ${want.join('; ')}`, () => {
      const c = ctx();
      emit_branch(0x10, J.RV_REG_A0, J.RV_REG_A1, off, c);
      expect(text(c)).toEqual(want);
    });
  }
  it('an unknown (zero) jump offset takes auipc+jalr even when fixed, so passes only shrink', () => {
    const c = ctx();
    emit_jump_and_link(0, 0, true, c);
    expect(text(c)).toEqual(['auipc t1,0x0', 'jr t1']);
  });
});

// bpf_int_jit_compile's loop: a sizing pass, then passes until two agree (the first agreement
// allocates the image, the next confirms), then the final write: 1 + 1 + 1 + 1 for a program
// without branches whose size is right after the first real pass.
describe('compile reports the pass= bpf_jit_dump prints', () => {
  it('r0 = 0; exit converges in 3 loop passes plus the final one: pass=4', () => {
    expect(compile(encodeInsns([BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()])).passes).toBe(4);
  });
});

describe('rv_fields draws an instruction as its format\'s bit fields', () => {
  const rows: [string, number, string, string[]][] = [
    // c.addi a5,5: funct3 000, imm[5] 0, rd 01111 (x15), imm[4:0] 00101, op 01
    ['c.addi a5,5', J.rvc_addi(15, 5), 'CI', ['000', '0', '01111', '00101', '01']],
    // addi a5,a5,5: imm 000000000101, rs1 01111, funct3 000, rd 01111, opcode 0010011
    ['addi a5,a5,5', J.rv_addi(15, 15, 5), 'I', ['000000000101', '01111', '000', '01111', '0010011']],
    // add a0,a1,a2: funct7 0, rs2 01100, rs1 01011, funct3 000, rd 01010, opcode 0110011
    ['add a0,a1,a2', J.rv_add(10, 11, 12), 'R', ['0000000', '01100', '01011', '000', '01010', '0110011']],
    // amoadd.d.aqrl a1,a1,(a0): funct5 00000, aq 1, rl 1, rs2 01011, rs1 01010, funct3 011, rd 01011, opcode 0101111
    ['amoadd.d.aqrl', J.rv_amoadd_d(11, 11, 10, 1, 1), 'A', ['00000', '1', '1', '01011', '01010', '011', '01011', '0101111']],
  ];
  for (const [name, word, fmt, bits] of rows) {
    it(`${name} is ${fmt}-type with fields ${bits.join(' ')}`, () => {
      const d = rv_decode(word & 0xffff, word >>> 16)!;
      expect(rv_format(d)).toBe(fmt);
      expect(rv_fields(d, word).map((f) => f.bits)).toEqual(bits);
    });
  }
});
