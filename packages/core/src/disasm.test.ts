import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BpfInsn } from '@bpf-internals/uapi';
import { bpf_asm, bpf_disasm, parse_bpf_insn, print_bpf_insn, func_id_name } from './disasm.js';

const I = (code: number, dst_reg: number, src_reg: number, off: number, imm: number): BpfInsn => ({ code, dst_reg, src_reg, off, imm });

// Expected text: kernel/bpf/disasm.c's format strings applied by hand.
describe('print_bpf_insn prints the verifier log text', () => {
  it.each([
    [I(0xb7, 0, 0, 0, 0), '(b7) r0 = 0'],
    [I(0xb4, 1, 0, 0, -1), '(b4) w1 = -1'],
    [I(0x25, 1, 0, 2, 5), '(25) if r1 > 0x5 goto pc+2'],
    [I(0x65, 1, 0, -3, -5), '(65) if r1 s> 0xfffffffb goto pc-3'],
    [I(0x1e, 2, 3, 1, 0), '(1e) if w2 == w3 goto pc+1'],
    [I(0x61, 0, 1, 0, 0), '(61) r0 = *(u32 *)(r1 +0)'],
    [I(0x79, 3, 10, -8, 0), '(79) r3 = *(u64 *)(r10 -8)'],
    [I(0x91, 3, 2, 4, 0), '(91) r3 = *(s8 *)(r2 +4)'],
    [I(0x7b, 10, 1, -16, 0), '(7b) *(u64 *)(r10 -16) = r1'],
    [I(0x62, 10, 0, -4, 7), '(62) *(u32 *)(r10 -4) = 7'],
    [I(0x85, 0, 0, 0, 1), '(85) call bpf_map_lookup_elem#1'],
    [I(0x85, 0, 1, 0, 3), '(85) call pc+3'],
    [I(0x85, 0, 0, 0, 99999), '(85) call unknown#99999'],
    [I(0x95, 0, 0, 0, 0), '(95) exit'],
    [I(0x05, 0, 0, -1, 0), '(05) goto pc-1'],
    [I(0x06, 0, 0, 0, 70000), '(06) gotol pc+70000'],
    [I(0xe5, 0, 0, 4, 0), '(e5) may_goto pc+4'],
    [I(0xdc, 1, 0, 0, 16), '(dc) r1 = be16 r1'],
    [I(0xd4, 1, 0, 0, 64), '(d4) r1 = le64 r1'],
    [I(0xd7, 1, 0, 0, 32), '(d7) r1 = bswap32 r1'],
    [I(0x87, 4, 0, 0, 0), '(87) r4 = -r4'],
    [I(0x84, 4, 0, 0, 0), '(84) w4 = -w4'],
    [I(0xbf, 1, 2, 8, 0), '(bf) r1 = (s8)r2'],
    [I(0xbc, 1, 2, 16, 0), '(bc) w1 = (s16)w2'],
    [I(0x3f, 1, 2, 1, 0), '(3f) r1 s/= r2'],
    [I(0x94, 1, 0, 1, -3), '(94) w1 s%= -3'],
    [I(0xc7, 1, 0, 0, 63), '(c7) r1 s>>= 63'],
    [I(0xdb, 1, 2, 8, 0x00), '(db) lock *(u64 *)(r1 +8) += r2'],
    [I(0xc3, 1, 2, 0, 0x51), '(c3) r2 = atomic_fetch_and((u32 *)(r1 +0), r2)'],
    [I(0xdb, 1, 2, 0, 0xf1), '(db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)'],
    [I(0xdb, 1, 2, 0, 0xe1), '(db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)'],
    [I(0xd3, 1, 2, 0, 0x100), '(d3) r1 = load_acquire((u8 *)(r2 +0))'],
    [I(0xdb, 1, 2, -8, 0x110), '(db) store_release((u64 *)(r1 -8), r2)'],
    [I(0x30, 0, 0, 0, 12), '(30) r0 = *(u8 *)skb[12]'],
    [I(0x48, 0, 6, 0, 2), '(48) r0 = *(u16 *)skb[r6 + 2]'],
  ])('%o prints %s', (insn, text) => {
    expect(print_bpf_insn(insn)).toBe(text);
  });

  it('prints ld_imm64 as one hex constant and hides map pointers without allow_ptr_leaks', () => {
    expect(print_bpf_insn(I(0x18, 1, 0, 0, 0x5678), I(0, 0, 0, 0, 0x1234))).toBe('(18) r1 = 0x123400005678');
    expect(print_bpf_insn(I(0x18, 1, 1, 0, 5), I(0, 0, 0, 0, 0))).toBe('(18) r1 = 0x0');
    expect(print_bpf_insn(I(0x18, 1, 1, 0, 5), I(0, 0, 0, 0, 0), { allow_ptr_leaks: true })).toBe('(18) r1 = 0x5');
  });

  it('numbers lines as the verifier does, skipping the second ld_imm64 slot', () => {
    const p = [I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0)];
    expect(bpf_disasm(p)).toEqual(['0: (18) r0 = 0x1', '2: (95) exit']);
  });

  it('names helpers from the generated bpf_func_id enum', () => {
    expect(func_id_name(12)).toBe('bpf_tail_call');
    expect(func_id_name(-1)).toBe('unknown');
  });
});

describe('bpf_asm parses the same text', () => {
  it('reads a verifier log back, dropping indexes, opcodes and register state', () => {
    const log = `0: R1=ctx() R10=fp0
0: (b7) r0 = 7                        ; R0=7
1: (95) exit`;
    // The first line is state only: not an instruction, so it must be rejected...
    expect(() => bpf_asm(log)).toThrow(/line 1/);
    // ...and without it the program comes back.
    expect(bpf_asm(log.split('\n').slice(1).join('\n'))).toEqual([I(0xb7, 0, 0, 0, 7), I(0x95, 0, 0, 0, 0)]);
  });
  it('accepts map_fd() and map_value() for the pseudo ld_imm64 forms', () => {
    expect(bpf_asm('r1 = map_fd(4)')).toEqual([I(0x18, 1, 1, 0, 4), I(0, 0, 0, 0, 0)]);
    expect(bpf_asm('r1 = map_value(4, 16)')).toEqual([I(0x18, 1, 2, 0, 4), I(0, 0, 0, 0, 16)]);
  });
  it('rejects text that is not an instruction', () => {
    expect(parse_bpf_insn('r1 = (s8)5')).toBeNull();
    expect(parse_bpf_insn('w1 += (s16)w2')).toBeNull();
    expect(parse_bpf_insn('r1 = bswap16 r2')).toBeNull();
    expect(parse_bpf_insn('r1 = -r2')).toBeNull();
  });
});

/** Every instruction form the printer has, with fields in their valid ranges. */
const reg = fc.integer({ min: 0, max: 10 });
const off = fc.integer({ min: -32768, max: 32767 });
const imm = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const sz = fc.constantFrom(0x00, 0x08, 0x10, 0x18);
const arbInsn: fc.Arbitrary<BpfInsn[]> = fc.oneof(
  // ALU/ALU64 K and X, plain ops (off 0)
  fc.tuple(fc.constantFrom(0x04, 0x07), fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0), reg, reg, imm, fc.boolean()).map(
    ([cls, op, d, s, k, x]) => [x ? I(cls | op | 8, d, s, 0, 0) : I(cls | op, d, 0, 0, k)],
  ),
  // sdiv/smod
  fc.tuple(fc.constantFrom(0x04, 0x07), fc.constantFrom(0x30, 0x90), reg, reg, imm, fc.boolean()).map(([cls, op, d, s, k, x]) => [x ? I(cls | op | 8, d, s, 1, 0) : I(cls | op, d, 0, 1, k)]),
  // movsx
  fc.tuple(reg, reg, fc.constantFrom(8, 16, 32)).map(([d, s, o]) => [I(0xbf, d, s, o, 0)]),
  fc.tuple(reg, reg, fc.constantFrom(8, 16)).map(([d, s, o]) => [I(0xbc, d, s, o, 0)]),
  // neg, end, bswap
  fc.tuple(fc.constantFrom(0x84, 0x87), reg).map(([c, d]) => [I(c, d, 0, 0, 0)]),
  fc.tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), reg, fc.constantFrom(16, 32, 64)).map(([c, d, k]) => [I(c, d, 0, 0, k)]),
  // jumps
  fc.tuple(fc.constantFrom(0x05, 0x06), fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0), reg, reg, imm, off, fc.boolean()).map(
    ([cls, op, d, s, k, o, x]) => [x ? I(cls | op | 8, d, s, o, 0) : I(cls | op, d, 0, o, k)],
  ),
  off.map((o) => [I(0x05, 0, 0, o, 0)]),
  imm.map((k) => [I(0x06, 0, 0, 0, k)]),
  off.map((o) => [I(0xe5, 0, 0, o, 0)]),
  fc.integer({ min: 0, max: 211 }).map((k) => [I(0x85, 0, 0, 0, k)]),
  imm.map((k) => [I(0x85, 0, 1, 0, k)]),
  fc.constant(0).map(() => [I(0x95, 0, 0, 0, 0)]),
  // memory
  fc.tuple(sz, reg, reg, off).map(([s, d, r, o]) => [I(0x61 | s, d, r, o, 0)]),
  fc.tuple(fc.constantFrom(0x00, 0x08, 0x10), reg, reg, off).map(([s, d, r, o]) => [I(0x81 | s, d, r, o, 0)]),
  fc.tuple(sz, reg, reg, off).map(([s, d, r, o]) => [I(0x63 | s, d, r, o, 0)]),
  fc.tuple(sz, reg, off, imm).map(([s, d, o, k]) => [I(0x62 | s, d, 0, o, k)]),
  fc.tuple(fc.constantFrom(0xc3, 0xdb), reg, reg, off, fc.constantFrom(0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1)).map(([c, d, s, o, k]) => [I(c, d, s, o, k)]),
  fc.tuple(fc.constantFrom(0xc3, 0xcb, 0xd3, 0xdb), reg, reg, off, fc.constantFrom(0x100, 0x110)).map(([c, d, s, o, k]) => [I(c, d, s, o, k)]),
  fc.tuple(fc.constantFrom(0x20, 0x28, 0x30), imm).map(([c, k]) => [I(c, 0, 0, 0, k)]),
  fc.tuple(fc.constantFrom(0x40, 0x48, 0x50), reg, imm).map(([c, s, k]) => [I(c, 0, s, 0, k)]),
  // ld_imm64 of a plain constant
  fc.tuple(reg, imm, imm).map(([d, lo, hi]) => [I(0x18, d, 0, 0, lo), I(0, 0, 0, 0, hi)]),
);

describe('round trip', () => {
  it('parse(print(insn)) gives back the instruction, for every printable form', () => {
    fc.assert(
      fc.property(arbInsn, (insns) => {
        const text = print_bpf_insn(insns[0]!, insns[1]);
        expect(parse_bpf_insn(text)).toEqual(insns);
      }),
      { numRuns: 3000, seed: 42 },
    );
  });
});
