// The hart that runs arch/riscv/net/bpf_jit_comp64.c's images (v6.18): stop reasons, RV64 edge
// semantics, ex_handler_bpf for probe loads, robustness on arbitrary input.
// https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (ex_handler_bpf)
import { describe, expect, it } from 'vitest';
import * as J from './bpf_jit.js';
import { compile } from './bpf_jit_core.js';
import { runImage } from './hart.js';
import * as U from '@bpf-internals/uapi';

const words = (...w: number[]) => new Uint8Array(new Uint32Array(w).buffer);

describe('runImage stops with a reason, never an exception', () => {
  const rows: [string, Uint8Array, string][] = [
    ['an all-zero parcel is an illegal instruction', new Uint8Array(4), 'illegal_instruction'],
    ['ecall is not executable in a BPF image', words(0x00000073), 'illegal_instruction'],
    ['a jump to itself runs out of steps', words(J.rv_jal(0, 0)), 'step_limit'],
    ['a load from address 0 faults', words(J.rv_ld(10, 0, 0)), 'fault'],
    ['falling off the end leaves the image', words(J.rv_nop()), 'bad_pc'],
    ['a call to a helper id the table lacks', compile([U.BPF_EMIT_CALL(9999), U.BPF_EXIT_INSN()]).image, 'unknown_helper'],
  ];
  for (const [name, image, kind] of rows) {
    it(name, () => {
      const r = runImage(image, new Uint8Array(8), { stepLimit: 1000 });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe(kind);
    });
  }
});

describe('RV64 semantics the JIT relies on', () => {
  // [name, program (a0 = &mem on entry), expected a0]
  const rows: [string, number[], bigint][] = [
    ['divu by zero gives all ones', [J.rv_addi(11, 0, 7), J.rv_divu(10, 11, 0)], 0xffffffffffffffffn],
    ['remu by zero gives the dividend', [J.rv_addi(11, 0, 7), J.rv_remu(10, 11, 0)], 7n],
    ['div of INT64_MIN by -1 overflows to INT64_MIN', [J.rv_addi(11, 0, 1), J.rv_slli(11, 11, 63), J.rv_addi(12, 0, -1), J.rv_div(10, 11, 12)], 0x8000000000000000n],
    ['addiw sign-extends bit 31', [J.rv_lui(11, 0x80000), J.rv_addiw(10, 11, 0)], 0xffffffff80000000n],
    ['srliw works on the low word and sign-extends the result', [J.rv_addi(11, 0, -1), J.rv_srliw(10, 11, 0)], 0xffffffffffffffffn],
    ['sraw shifts by rs2 & 31', [J.rv_lui(11, 0x80000), J.rv_addi(12, 0, 33), J.rv_sraw(10, 11, 12)], 0xffffffffc0000000n],
    ['add.uw (zext.w) clears the upper half', [J.rv_addi(11, 0, -1), J.rvzba_zextw(10, 11)], 0xffffffffn],
    ['rev8 reverses the bytes', [J.rv_addi(11, 0, 0x12), J.rvzbb_rev8(10, 11)], 0x1200000000000000n],
    ['sext.h', [J.rv_lui(11, 0x8), J.rvzbb_sexth(10, 11)], 0xffffffffffff8000n],
  ];
  for (const [name, prog, want] of rows) {
    it(`${name}`, () => {
      const r = runImage(words(...prog, J.rv_jalr(0, 1, 0)), new Uint8Array(8));
      expect(r.ok && r.a0).toBe(want);
    });
  }
  it('amocas.w compares the low word and returns the old value sign-extended', () => {
    const mem = new Uint8Array([0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    // a5 = 0xfffffffe (zero-extended, as BPF keeps it), a1 = 5; amocas.w a5, a1, (a0)
    const prog = [J.rv_addi(15, 0, -2), J.rv_slli(15, 15, 32), J.rv_srli(15, 15, 32), J.rv_addi(11, 0, 5), J.rvzacas_amocas_w(15, 11, 10, 1, 1), J.rv_addi(10, 15, 0)];
    const r = runImage(words(...prog, J.rv_jalr(0, 1, 0)), mem);
    expect(r.ok && r.a0).toBe(0xfffffffffffffffen);
    expect([...mem.slice(0, 4)]).toEqual([5, 0, 0, 0]);
  });
});

describe('entry points never throw on arbitrary input', () => {
  it('2000 random instruction byte strings: compile returns an errno or an image; the image runs to a verdict', () => {
    let x = 0x1234567;
    const rnd = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
    let compiled = 0;
    for (let k = 0; k < 2000; k++) {
      const n = 1 + (rnd() % 12);
      const bytes = new Uint8Array(n * 8);
      for (let i = 0; i < bytes.length; i++) bytes[i] = rnd() & 0xff;
      // Mostly real opcodes, so the JIT gets past its default case often.
      for (let i = 0; i < n; i++) if (rnd() % 4) bytes[i * 8] = [0x07, 0x0f, 0x04, 0x0c, 0xb7, 0xbf, 0x61, 0x63, 0x79, 0x7b, 0x15, 0x1d, 0x55, 0x05, 0x95, 0x85, 0xdb, 0xc3, 0x18, 0xd4, 0xdc][rnd() % 21]!;
      const jit = compile(bytes);
      expect(jit.err).toBeLessThanOrEqual(0);
      if (jit.err) continue;
      compiled++;
      const r = runImage(jit.image, new Uint8Array(64), { stepLimit: 5000 });
      expect(typeof r.ok).toBe('boolean');
    }
    expect(compiled).toBeGreaterThan(100);
  });
});

describe('probe loads fault into the exception table, as ex_handler_bpf handles them', () => {
  // r0 = 7; r2 = *(u64 *)(r3 + 8) as BPF_PROBE_MEM from address 8 (unmapped); r0 += r2; exit
  const PROBE_LDX_DW = U.BPF_LDX | 0x20 | U.BPF_DW;
  const insns = [U.BPF_MOV64_IMM(0, 7), U.BPF_MOV64_IMM(3, 0), U.BPF_MOV64_IMM(2, 99), U.BPF_RAW_INSN(PROBE_LDX_DW, 2, 3, 8, 0), U.BPF_ALU64_REG(U.BPF_ADD, 0, 2), U.BPF_EXIT_INSN()];
  it('the faulting load leaves 0 in its destination and execution resumes after it (r0 = 7)', () => {
    const jit = compile(insns);
    expect(jit.extable.length).toBe(1);
    const r = runImage(jit.image, new Uint8Array(8), { extable: jit.extable });
    expect(r.ok && r.a0).toBe(7n);
  });
  it('without the exception table the same load is a fault', () => {
    const jit = compile(insns, { extable: false });
    const r = runImage(jit.image, new Uint8Array(8));
    expect(!r.ok && r.error.kind).toBe('fault');
  });
});
