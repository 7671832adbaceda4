/**
 * Random BPF programs that the host verifier accepts: straight-line code with forward
 * branches over five scalar registers, the packet (direct access, 64 bytes checked) and
 * four stack slots, ending by storing every register and slot into the packet so that
 * data_out shows the full 64-bit state. Used by core's differential test and by the
 * JIT/interpreter cross-checks. Deterministic for a seed.
 */
import type { BpfInsn } from '@bpf-internals/uapi';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const I = (code: number, dst_reg: number, src_reg: number, off: number, imm: number): BpfInsn => ({ code, dst_reg, src_reg, off, imm });

/** Scalar registers the body may use; r2 = data, r3 = data_end, r6 = ctx, r1/r4 scratch. */
const SCALARS = [0, 5, 7, 8, 9];
export const PKT_LEN = 64;

export interface GenOptions {
  /** 'tc' (BPF_PROG_TYPE_SCHED_CLS, __sk_buff) or 'xdp'. */
  kind: 'tc' | 'xdp';
  body: number;
}

/** One generated program (insns) for `kind`. */
export function genProgram(rnd: () => number, o: GenOptions): BpfInsn[] {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const imm32 = (): number => {
    const r = rnd();
    if (r < 0.25) return int(-16, 16);
    if (r < 0.35) return pick([0x7fffffff, -0x80000000, -1, 1, 0xffff, 0x8000, 0x80]);
    return (rnd() * 4294967296) | 0;
  };
  const reg = () => pick(SCALARS);
  const out: BpfInsn[] = [];
  const dataOff = o.kind === 'tc' ? 76 : 0;
  const endOff = o.kind === 'tc' ? 80 : 4;
  out.push(I(0xbf, 6, 1, 0, 0)); // r6 = r1
  out.push(I(0x61, 2, 6, dataOff, 0)); // r2 = data
  out.push(I(0x61, 3, 6, endOff, 0)); // r3 = data_end
  out.push(I(0xbf, 4, 2, 0, 0)); // r4 = r2
  out.push(I(0x07, 4, 0, 0, PKT_LEN)); // r4 += 64
  const boundsCheck = out.length;
  out.push(I(0x2d, 4, 3, 0, 0)); // if r4 > r3 goto fail (patched)
  for (const r of SCALARS) {
    if (rnd() < 0.5) out.push(I(0xb7, r, 0, 0, imm32()));
    else out.push(I(0x18, r, 0, 0, imm32()), I(0, 0, 0, 0, imm32()));
  }
  for (let k = 1; k <= 4; k++) out.push(I(0x7b, 10, pick(SCALARS), -8 * k, 0));

  // The body, with forward jumps patched once its length is known.
  const body: { insn: BpfInsn[]; jump?: number }[] = [];
  const aluOps = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
  for (let n = 0; n < o.body; n++) {
    const r = rnd();
    const cls = rnd() < 0.5 ? 0x07 : 0x04;
    const d = reg();
    if (r < 0.3) {
      const op = pick(aluOps);
      const sdiv = (op === 0x30 || op === 0x90) && rnd() < 0.5 ? 1 : 0;
      if (rnd() < 0.5) body.push({ insn: [I(cls | op | 8, d, reg(), sdiv, 0)] });
      else {
        let k = imm32();
        if (op === 0x60 || op === 0x70 || op === 0xc0) k = int(0, cls === 0x07 ? 63 : 31);
        if ((op === 0x30 || op === 0x90) && k === 0) k = 7;
        body.push({ insn: [I(cls | op, d, 0, sdiv, k)] });
      }
    } else if (r < 0.36) {
      const kind = int(0, 3);
      if (kind === 0) body.push({ insn: [I(cls | 0x80, d, 0, 0, 0)] });
      else if (kind === 1) body.push({ insn: [I(cls === 0x07 ? 0xbf : 0xbc, d, reg(), pick(cls === 0x07 ? [8, 16, 32] : [8, 16]), 0)] });
      else body.push({ insn: [I(pick([0xd4, 0xdc, 0xd7]), d, 0, 0, pick([16, 32, 64]))] });
    } else if (r < 0.4) {
      body.push({ insn: [I(0x18, d, 0, 0, imm32()), I(0, 0, 0, 0, imm32())] });
    } else if (r < 0.5) {
      const sz = pick([0x00, 0x08, 0x10, 0x18]);
      const bytes = [4, 2, 1, 8][sz >> 3]!;
      const sx = sz !== 0x18 && rnd() < 0.3;
      body.push({ insn: [I((sx ? 0x81 : 0x61) | sz, d, 2, int(0, PKT_LEN - bytes), 0)] });
    } else if (r < 0.58) {
      const sz = pick([0x00, 0x08, 0x10, 0x18]);
      const bytes = [4, 2, 1, 8][sz >> 3]!;
      const off = int(0, PKT_LEN - bytes);
      if (rnd() < 0.5) body.push({ insn: [I(0x63 | sz, 2, reg(), off, 0)] });
      else body.push({ insn: [I(0x62 | sz, 2, 0, off, imm32())] });
    } else if (r < 0.64) {
      const slot = -8 * int(1, 4);
      if (rnd() < 0.5) body.push({ insn: [I(0x79, d, 10, slot, 0)] });
      else body.push({ insn: [I(0x7b, 10, reg(), slot, 0)] });
    } else if (r < 0.72) {
      const slot = -8 * int(1, 4);
      const code = rnd() < 0.5 ? 0xdb : 0xc3;
      const op = pick([0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1]);
      body.push({ insn: [I(code, 10, reg(), slot, op)] });
    } else if (r < 0.95) {
      const jcls = rnd() < 0.5 ? 0x05 : 0x06;
      const op = pick([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);
      const insn = rnd() < 0.5 ? I(jcls | op | 8, d, reg(), 0, 0) : I(jcls | op, d, 0, 0, imm32());
      body.push({ insn: [insn], jump: int(0, 6) });
    } else {
      // An unconditional jump over code would leave it unreachable, which the verifier refuses.
      body.push({ insn: [I(0x05, 0, 0, 0, 0)], jump: 0 });
    }
  }
  // Patch jumps: skip `jump` body entries forward, clamped to the body's end.
  const starts: number[] = [];
  let pc = out.length;
  for (const b of body) {
    starts.push(pc);
    pc += b.insn.length;
  }
  const bodyEnd = pc;
  body.forEach((b, i) => {
    if (b.jump === undefined) return;
    const target = i + 1 + b.jump < body.length ? starts[i + 1 + b.jump]! : bodyEnd;
    b.insn[0]!.off = target - (starts[i]! + 1);
  });
  for (const b of body) out.push(...b.insn);
  // Epilogue: every scalar and stack slot into the packet.
  SCALARS.forEach((r, i) => out.push(I(0x7b, 2, r, 8 * i, 0)));
  for (let k = 1; k <= 3; k++) {
    out.push(I(0x79, 1, 10, -8 * k, 0));
    out.push(I(0x7b, 2, 1, 40 + 8 * (k - 1), 0));
  }
  out.push(I(0x95, 0, 0, 0, 0));
  const fail = out.length;
  out.push(I(0xb7, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0));
  out[boundsCheck]!.off = fail - (boundsCheck + 1);
  return out;
}

/** A packet for the generated programs: random bytes, ethertype 0x88b5 (no IP checks). */
export function genPacket(rnd: () => number, len = 96): Uint8Array {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (rnd() * 256) | 0;
  p[12] = 0x88;
  p[13] = 0xb5;
  return p;
}
