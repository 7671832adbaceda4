/**
 * An RV64 decoder for every form the JIT emits (RV64IMAC, Zba, Zbb, Zacas) and a printer in GNU
 * objdump's syntax. The kernel's own view of an image is `bpf_jit_dump` (hex words, read with
 * `bpftool prog dump jited`, which runs the binutils disassembler); the model prints what that
 * disassembler prints, so the two can be diffed line for line.
 * There is no kernel file for the decoder; the encodings are the ones arch/riscv/net/bpf_jit.h builds:
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h
 *
 * Printing follows binutils 2.40 (Debian 12's `binutils-riscv64-linux-gnu`), aliases included:
 * that release prints immediate forms under the register mnemonic (`add a0,a0,-1` for `addi`/`c.addi`,
 * `sll` for `slli`, `addw` for `addiw`), `li`/`mv`/`nop`/`neg`/`sext.w`/`zext.w`/`not`/`snez`,
 * branch-against-zero aliases, `j`/`jr`/`ret`, shift amounts in hex, branch and jump targets as
 * absolute addresses, and the ` # 0x...` address comment it derives from a preceding `lui`/`auipc`.
 * Instructions 2.40 does not know (Zacas `amocas`) are still decoded; the objdump comparison test
 * skips the lines objdump shows as `.4byte`.
 * @module
 */
import { RV_REG_NAMES } from './bpf_jit.js';

/** One decoded instruction. `name` is the canonical mnemonic (`c.addi16sp`, `addiw`, `amoadd.w`). */
export interface RvInsn {
  name: string;
  /** 2 or 4 bytes. */
  len: 2 | 4;
  rd: number;
  rs1: number;
  rs2: number;
  /** Sign-extended immediate (for U-type: the value already shifted left by 12). */
  imm: number;
  aq: number;
  rl: number;
}

const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);
const bits = (w: number, hi: number, lo: number): number => (w >>> lo) & ((1 << (hi - lo + 1)) - 1);

function mk(name: string, len: 2 | 4, rd = 0, rs1 = 0, rs2 = 0, imm = 0, aq = 0, rl = 0): RvInsn {
  return { name, len, rd, rs1, rs2, imm, aq, rl };
}

/** Decode the instruction starting with 16-bit parcel `lo` (and `hi`, the next parcel). Null if unknown. */
export function rv_decode(lo: number, hi: number): RvInsn | null {
  if ((lo & 3) !== 3) return decode16(lo & 0xffff);
  return decode32(((hi << 16) | lo) >>> 0);
}

function decode32(w: number): RvInsn | null {
  const op = w & 0x7f;
  const rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), rs2 = bits(w, 24, 20);
  const f3 = bits(w, 14, 12), f7 = w >>> 25;
  const immI = w >> 20;
  switch (op) {
    case 0x37: return mk('lui', 4, rd, 0, 0, (w & 0xfffff000) | 0);
    case 0x17: return mk('auipc', 4, rd, 0, 0, (w & 0xfffff000) | 0);
    case 0x6f: {
      const imm = sext((bits(w, 31, 31) << 20) | (bits(w, 19, 12) << 12) | (bits(w, 20, 20) << 11) | (bits(w, 30, 21) << 1), 21);
      return mk('jal', 4, rd, 0, 0, imm);
    }
    case 0x67: return f3 === 0 ? mk('jalr', 4, rd, rs1, 0, immI) : null;
    case 0x63: {
      const imm = sext((bits(w, 31, 31) << 12) | (bits(w, 7, 7) << 11) | (bits(w, 30, 25) << 5) | (bits(w, 11, 8) << 1), 13);
      const n = ['beq', 'bne', null, null, 'blt', 'bge', 'bltu', 'bgeu'][f3];
      return n ? mk(n, 4, 0, rs1, rs2, imm) : null;
    }
    case 0x03: {
      const n = ['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu', null][f3];
      return n ? mk(n, 4, rd, rs1, 0, immI) : null;
    }
    case 0x23: {
      const imm = sext((bits(w, 31, 25) << 5) | bits(w, 11, 7), 12);
      const n = ['sb', 'sh', 'sw', 'sd', null, null, null, null][f3];
      return n ? mk(n, 4, 0, rs1, rs2, imm) : null;
    }
    case 0x13: {
      switch (f3) {
        case 0: return mk('addi', 4, rd, rs1, 0, immI);
        case 2: return mk('slti', 4, rd, rs1, 0, immI);
        case 3: return mk('sltiu', 4, rd, rs1, 0, immI);
        case 4: return mk('xori', 4, rd, rs1, 0, immI);
        case 6: return mk('ori', 4, rd, rs1, 0, immI);
        case 7: return mk('andi', 4, rd, rs1, 0, immI);
        case 1: {
          const f6 = w >>> 26;
          if (f6 === 0) return mk('slli', 4, rd, rs1, 0, bits(w, 25, 20));
          const f12 = w >>> 20;
          if (f12 === 0x604) return mk('sext.b', 4, rd, rs1);
          if (f12 === 0x605) return mk('sext.h', 4, rd, rs1);
          return null;
        }
        case 5: {
          const f6 = w >>> 26;
          if (f6 === 0) return mk('srli', 4, rd, rs1, 0, bits(w, 25, 20));
          if (f6 === 0x10) return mk('srai', 4, rd, rs1, 0, bits(w, 25, 20));
          if (w >>> 20 === 0x6b8) return mk('rev8', 4, rd, rs1);
          return null;
        }
      }
      return null;
    }
    case 0x1b: {
      if (f3 === 0) return mk('addiw', 4, rd, rs1, 0, immI);
      if (f3 === 1 && f7 === 0) return mk('slliw', 4, rd, rs1, 0, rs2);
      if (f3 === 5 && f7 === 0) return mk('srliw', 4, rd, rs1, 0, rs2);
      if (f3 === 5 && f7 === 0x20) return mk('sraiw', 4, rd, rs1, 0, rs2);
      return null;
    }
    case 0x33: {
      const key = (f7 << 3) | f3;
      const n = R_OPS.get(key);
      return n ? mk(n, 4, rd, rs1, rs2) : null;
    }
    case 0x3b: {
      const key = (f7 << 3) | f3;
      if (f7 === 0x04 && f3 === 0) return mk('add.uw', 4, rd, rs1, rs2);
      if (f7 === 0x04 && f3 === 4 && rs2 === 0) return mk('zext.h', 4, rd, rs1);
      const n = RW_OPS.get(key);
      return n ? mk(n, 4, rd, rs1, rs2) : null;
    }
    case 0x2f: {
      const f5 = w >>> 27;
      const aq = bits(w, 26, 26), rl = bits(w, 25, 25);
      if (f3 !== 2 && f3 !== 3) return null;
      const sz = f3 === 2 ? 'w' : 'd';
      const base = AMO_OPS[f5];
      if (!base) return null;
      if (base === 'lr' && rs2 !== 0) return null;
      return mk(`${base}.${sz}`, 4, rd, rs1, rs2, 0, aq, rl);
    }
    case 0x0f:
      if (f3 === 0 && rd === 0 && rs1 === 0 && w >>> 28 === 0) return mk('fence', 4, 0, 0, 0, bits(w, 27, 20));
      return null;
    case 0x73:
      if (w === 0x73) return mk('ecall', 4);
      if (w === 0x100073) return mk('ebreak', 4);
      return null;
  }
  return null;
}

const R_OPS = new Map<number, string>([
  [0x00 << 3 | 0, 'add'], [0x20 << 3 | 0, 'sub'], [0x00 << 3 | 1, 'sll'], [0x00 << 3 | 2, 'slt'], [0x00 << 3 | 3, 'sltu'],
  [0x00 << 3 | 4, 'xor'], [0x00 << 3 | 5, 'srl'], [0x20 << 3 | 5, 'sra'], [0x00 << 3 | 6, 'or'], [0x00 << 3 | 7, 'and'],
  [0x01 << 3 | 0, 'mul'], [0x01 << 3 | 1, 'mulh'], [0x01 << 3 | 2, 'mulhsu'], [0x01 << 3 | 3, 'mulhu'],
  [0x01 << 3 | 4, 'div'], [0x01 << 3 | 5, 'divu'], [0x01 << 3 | 6, 'rem'], [0x01 << 3 | 7, 'remu'],
  [0x10 << 3 | 2, 'sh1add'], [0x10 << 3 | 4, 'sh2add'], [0x10 << 3 | 6, 'sh3add'],
]);
const RW_OPS = new Map<number, string>([
  [0x00 << 3 | 0, 'addw'], [0x20 << 3 | 0, 'subw'], [0x00 << 3 | 1, 'sllw'], [0x00 << 3 | 5, 'srlw'], [0x20 << 3 | 5, 'sraw'],
  [0x01 << 3 | 0, 'mulw'], [0x01 << 3 | 4, 'divw'], [0x01 << 3 | 5, 'divuw'], [0x01 << 3 | 6, 'remw'], [0x01 << 3 | 7, 'remuw'],
]);
const AMO_OPS: Record<number, string> = { 0x00: 'amoadd', 0x01: 'amoswap', 0x02: 'lr', 0x03: 'sc', 0x04: 'amoxor', 0x05: 'amocas', 0x08: 'amoor', 0x0c: 'amoand', 0x10: 'amomin', 0x14: 'amomax', 0x18: 'amominu', 0x1c: 'amomaxu' };

function decode16(h: number): RvInsn | null {
  const op = h & 3;
  const f3 = h >>> 13;
  const rdp = 8 + bits(h, 4, 2), rs1p = 8 + bits(h, 9, 7);
  const rd = bits(h, 11, 7), rs2 = bits(h, 6, 2);
  const ciImm = sext((bits(h, 12, 12) << 5) | bits(h, 6, 2), 6);
  if (h === 0) return null; // c.unimp (defined illegal)
  if (op === 0) {
    switch (f3) {
      case 0: {
        const imm = (bits(h, 10, 7) << 6) | (bits(h, 12, 11) << 4) | (bits(h, 5, 5) << 3) | (bits(h, 6, 6) << 2);
        return imm ? mk('c.addi4spn', 2, rdp, 2, 0, imm) : null;
      }
      case 2: return mk('c.lw', 2, rdp, rs1p, 0, (bits(h, 5, 5) << 6) | (bits(h, 12, 10) << 3) | (bits(h, 6, 6) << 2));
      case 3: return mk('c.ld', 2, rdp, rs1p, 0, (bits(h, 6, 5) << 6) | (bits(h, 12, 10) << 3));
      case 6: return mk('c.sw', 2, 0, rs1p, rdp, (bits(h, 5, 5) << 6) | (bits(h, 12, 10) << 3) | (bits(h, 6, 6) << 2));
      case 7: return mk('c.sd', 2, 0, rs1p, rdp, (bits(h, 6, 5) << 6) | (bits(h, 12, 10) << 3));
    }
    return null;
  }
  if (op === 1) {
    switch (f3) {
      case 0: return mk(rd === 0 ? 'c.nop' : 'c.addi', 2, rd, rd, 0, ciImm);
      case 1: return rd ? mk('c.addiw', 2, rd, rd, 0, ciImm) : null;
      case 2: return mk('c.li', 2, rd, 0, 0, ciImm);
      case 3:
        if (rd === 2) {
          const imm = sext((bits(h, 12, 12) << 9) | (bits(h, 4, 3) << 7) | (bits(h, 5, 5) << 6) | (bits(h, 2, 2) << 5) | (bits(h, 6, 6) << 4), 10);
          return imm ? mk('c.addi16sp', 2, 2, 2, 0, imm) : null;
        }
        return ciImm && rd ? mk('c.lui', 2, rd, 0, 0, ciImm << 12) : null;
      case 4: {
        const f2 = bits(h, 11, 10);
        const shamt = (bits(h, 12, 12) << 5) | bits(h, 6, 2);
        if (f2 === 0) return mk('c.srli', 2, rs1p, rs1p, 0, shamt);
        if (f2 === 1) return mk('c.srai', 2, rs1p, rs1p, 0, shamt);
        if (f2 === 2) return mk('c.andi', 2, rs1p, rs1p, 0, ciImm);
        const f = (bits(h, 12, 12) << 2) | bits(h, 6, 5);
        const n = ['c.sub', 'c.xor', 'c.or', 'c.and', 'c.subw', 'c.addw', null, null][f];
        return n ? mk(n, 2, rs1p, rs1p, rdp) : null;
      }
      case 5: {
        const imm = sext((bits(h, 12, 12) << 11) | (bits(h, 8, 8) << 10) | (bits(h, 10, 9) << 8) | (bits(h, 6, 6) << 7) | (bits(h, 7, 7) << 6) | (bits(h, 2, 2) << 5) | (bits(h, 11, 11) << 4) | (bits(h, 5, 3) << 1), 12);
        return mk('c.j', 2, 0, 0, 0, imm);
      }
      case 6:
      case 7: {
        const imm = sext((bits(h, 12, 12) << 8) | (bits(h, 6, 5) << 6) | (bits(h, 2, 2) << 5) | (bits(h, 11, 10) << 3) | (bits(h, 4, 3) << 1), 9);
        return mk(f3 === 6 ? 'c.beqz' : 'c.bnez', 2, 0, rs1p, 0, imm);
      }
    }
    return null;
  }
  if (op === 2) {
    switch (f3) {
      case 0: return rd ? mk('c.slli', 2, rd, rd, 0, (bits(h, 12, 12) << 5) | bits(h, 6, 2)) : null;
      case 2: return rd ? mk('c.lwsp', 2, rd, 2, 0, (bits(h, 3, 2) << 6) | (bits(h, 12, 12) << 5) | (bits(h, 6, 4) << 2)) : null;
      case 3: return rd ? mk('c.ldsp', 2, rd, 2, 0, (bits(h, 4, 2) << 6) | (bits(h, 12, 12) << 5) | (bits(h, 6, 5) << 3)) : null;
      case 4:
        if (!bits(h, 12, 12)) {
          if (rs2 === 0) return rd ? mk('c.jr', 2, 0, rd, 0) : null;
          return rd ? mk('c.mv', 2, rd, 0, rs2) : null;
        }
        if (rs2 === 0) return rd ? mk('c.jalr', 2, 1, rd, 0) : mk('c.ebreak', 2);
        return rd ? mk('c.add', 2, rd, rd, rs2) : null;
      case 6: return mk('c.swsp', 2, 0, 2, rs2, (bits(h, 8, 7) << 6) | (bits(h, 12, 9) << 2));
      case 7: return mk('c.sdsp', 2, 0, 2, rs2, (bits(h, 9, 7) << 6) | (bits(h, 12, 10) << 3));
    }
  }
  return null;
}

const R = (r: number): string => RV_REG_NAMES[r]!;
const hex = (v: bigint | number): string => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

/** One printed line. */
export interface DisasmLine {
  /** Address of the instruction. */
  addr: bigint;
  /** Byte offset in the image. */
  offset: number;
  /** Raw parcel(s) as objdump shows them (`00000013`, `8082`). */
  raw: string;
  /** Mnemonic and operands, tab-separated as objdump prints them. */
  text: string;
  insn: RvInsn | null;
}

/**
 * Disassemble an image linked at `base` in objdump's syntax (`objdump -d -z`, binutils 2.40).
 */
export function disassemble(image: Uint8Array, base = 0n): DisasmLine[] {
  const lines: DisasmLine[] = [];
  const hiAddr: (bigint | null)[] = new Array(32).fill(null);
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let off = 0;
  while (off + 2 <= image.length) {
    const lo = dv.getUint16(off, true);
    const is32 = (lo & 3) === 3;
    if (is32 && off + 4 > image.length) break;
    const hi = is32 ? dv.getUint16(off + 2, true) : 0;
    const word = is32 ? ((hi << 16) | lo) >>> 0 : lo;
    const insn = rv_decode(lo, hi);
    const pc = base + BigInt(off);
    const raw = is32 ? word.toString(16).padStart(8, '0') : lo.toString(16).padStart(4, '0');
    let text: string;
    if (!insn) text = lo === 0 && !is32 ? 'unimp' : is32 ? `.4byte\t${hex(word)}` : `.2byte\t${hex(lo)}`;
    else text = format(insn, pc, hiAddr);
    lines.push({ addr: pc, offset: off, raw, text, insn });
    off += is32 ? 4 : 2;
  }
  return lines;
}

/** `maybe_print_address` of binutils' riscv-dis.c: the comment a base register's known value earns. */
function maybeAddr(hiAddr: (bigint | null)[], base: number, offset: number, wide: boolean): string {
  let a: bigint;
  const h = hiAddr[base];
  if (h !== null && h !== undefined) {
    a = (base !== 0 ? h : 0n) + BigInt(offset);
    hiAddr[base] = null;
  } else if (base === 4 || base === 0) a = BigInt(offset);
  else return '';
  if (wide) a = BigInt.asIntN(32, a);
  return ` # ${hex(a)}`;
}

function format(i: RvInsn, pc: bigint, hiAddr: (bigint | null)[]): string {
  const { rd, rs1, rs2, imm } = i;
  const target = (o: number) => hex(pc + BigInt(o));
  const t = (m: string, ops: string) => `${m}\t${ops}`;
  const setHi = (v: bigint) => {
    hiAddr[rd] = v;
  };
  switch (i.name) {
    case 'lui': setHi(BigInt(imm)); return t('lui', `${R(rd)},${hex((imm >>> 12) & 0xfffff)}`);
    case 'auipc': setHi(pc + BigInt(imm)); return t('auipc', `${R(rd)},${hex((imm >>> 12) & 0xfffff)}`);
    case 'c.lui': setHi(BigInt(imm)); return t('lui', `${R(rd)},${hex((imm >>> 12) & 0xfffff)}`);
    case 'jal':
      if (rd === 0) return t('j', target(imm));
      if (rd === 1) return t('jal', target(imm));
      return t('jal', `${R(rd)},${target(imm)}`);
    case 'jalr': {
      if (rd === 0 && rs1 === 1 && imm === 0) return 'ret';
      if (rd === 0) return imm === 0 ? t('jr', R(rs1)) : t('jr', `${imm}(${R(rs1)})${maybeAddr(hiAddr, rs1, imm, false)}`);
      if (rd === 1) return imm === 0 ? t('jalr', R(rs1)) : t('jalr', `${imm}(${R(rs1)})${maybeAddr(hiAddr, rs1, imm, false)}`);
      return imm === 0 ? t('jalr', `${R(rd)},${R(rs1)}`) : t('jalr', `${R(rd)},${imm}(${R(rs1)})${maybeAddr(hiAddr, rs1, imm, false)}`);
    }
    case 'beq': return rs2 === 0 ? t('beqz', `${R(rs1)},${target(imm)}`) : t('beq', `${R(rs1)},${R(rs2)},${target(imm)}`);
    case 'bne': return rs2 === 0 ? t('bnez', `${R(rs1)},${target(imm)}`) : t('bne', `${R(rs1)},${R(rs2)},${target(imm)}`);
    case 'blt':
      if (rs2 === 0) return t('bltz', `${R(rs1)},${target(imm)}`);
      if (rs1 === 0) return t('bgtz', `${R(rs2)},${target(imm)}`);
      return t('blt', `${R(rs1)},${R(rs2)},${target(imm)}`);
    case 'bge':
      if (rs2 === 0) return t('bgez', `${R(rs1)},${target(imm)}`);
      if (rs1 === 0) return t('blez', `${R(rs2)},${target(imm)}`);
      return t('bge', `${R(rs1)},${R(rs2)},${target(imm)}`);
    case 'bltu': case 'bgeu':
      return t(i.name, `${R(rs1)},${R(rs2)},${target(imm)}`);
    case 'lb': case 'lh': case 'lw': case 'ld': case 'lbu': case 'lhu': case 'lwu':
      return t(i.name, `${R(rd)},${imm}(${R(rs1)})${maybeAddr(hiAddr, rs1, imm, false)}`);
    case 'sb': case 'sh': case 'sw': case 'sd':
      return t(i.name, `${R(rs2)},${imm}(${R(rs1)})`);
    case 'addi':
      if (rd === 0 && rs1 === 0 && imm === 0) return 'nop';
      if (rs1 === 0) return t('li', `${R(rd)},${imm}`);
      if (imm === 0) return t('mv', `${R(rd)},${R(rs1)}`);
      return t('add', `${R(rd)},${R(rs1)},${imm}${maybeAddr(hiAddr, rs1, imm, false)}`);
    case 'addiw':
      if (imm === 0) return t('sext.w', `${R(rd)},${R(rs1)}`);
      return t('addw', `${R(rd)},${R(rs1)},${imm}${rs1 !== 0 ? maybeAddr(hiAddr, rs1, imm, true) : ''}`);
    case 'xori':
      if (imm === -1) return t('not', `${R(rd)},${R(rs1)}`);
      return t('xor', `${R(rd)},${R(rs1)},${imm}`);
    case 'ori': return t('or', `${R(rd)},${R(rs1)},${imm}`);
    case 'andi': return imm === 255 ? t('zext.b', `${R(rd)},${R(rs1)}`) : t('and', `${R(rd)},${R(rs1)},${imm}`);
    case 'slti': return t('slt', `${R(rd)},${R(rs1)},${imm}`);
    case 'sltiu': return imm === 1 ? t('seqz', `${R(rd)},${R(rs1)}`) : t('sltu', `${R(rd)},${R(rs1)},${imm}`);
    case 'slli': case 'srli': case 'srai': case 'slliw': case 'srliw': case 'sraiw':
      return t(i.name.replace('i', ''), `${R(rd)},${R(rs1)},${hex(imm)}`);
    case 'sub': return rs1 === 0 ? t('neg', `${R(rd)},${R(rs2)}`) : t('sub', `${R(rd)},${R(rs1)},${R(rs2)}`);
    case 'subw': return rs1 === 0 ? t('negw', `${R(rd)},${R(rs2)}`) : t('subw', `${R(rd)},${R(rs1)},${R(rs2)}`);
    case 'sltu': return rs1 === 0 ? t('snez', `${R(rd)},${R(rs2)}`) : t('sltu', `${R(rd)},${R(rs1)},${R(rs2)}`);
    case 'add.uw': return rs2 === 0 ? t('zext.w', `${R(rd)},${R(rs1)}`) : t('add.uw', `${R(rd)},${R(rs1)},${R(rs2)}`);
    case 'sext.b': case 'sext.h': case 'zext.h': case 'rev8':
      return t(i.name, `${R(rd)},${R(rs1)}`);
    case 'fence': {
      const set = (b: number) => ['i', 'o', 'r', 'w'].filter((_, k) => b & (8 >> k)).join('');
      return t('fence', `${set(imm >> 4)},${set(imm & 0xf)}`);
    }
    case 'ecall': case 'ebreak': return i.name;
    // Compressed forms, printed as binutils 2.40 expands them.
    case 'c.nop': return 'nop';
    case 'c.addi': case 'c.addi16sp':
      return t('add', `${R(rd)},${R(rd)},${imm}${rd !== 0 && i.name === 'c.addi' ? maybeAddr(hiAddr, rd, imm, false) : ''}`);
    case 'c.addi4spn': return t('add', `${R(rd)},sp,${imm}`);
    case 'c.addiw':
      if (imm === 0) return t('sext.w', `${R(rd)},${R(rd)}`);
      return t('addw', `${R(rd)},${R(rd)},${imm}${maybeAddr(hiAddr, rd, imm, true)}`);
    case 'c.li': return t('li', `${R(rd)},${imm}`);
    case 'c.slli': return t('sll', `${R(rd)},${R(rd)},${hex(imm)}`);
    case 'c.srli': return t('srl', `${R(rd)},${R(rd)},${hex(imm)}`);
    case 'c.srai': return t('sra', `${R(rd)},${R(rd)},${hex(imm)}`);
    case 'c.andi': return t('and', `${R(rd)},${R(rd)},${imm}`);
    case 'c.sub': case 'c.xor': case 'c.or': case 'c.and': case 'c.subw': case 'c.addw':
      return t(i.name.slice(2), `${R(rd)},${R(rd)},${R(rs2)}`);
    case 'c.mv': return t('mv', `${R(rd)},${R(rs2)}`);
    case 'c.add': return t('add', `${R(rd)},${R(rd)},${R(rs2)}`);
    case 'c.jr': return rs1 === 1 ? 'ret' : t('jr', R(rs1));
    case 'c.jalr': return t('jalr', R(rs1));
    case 'c.j': return t('j', target(imm));
    case 'c.beqz': return t('beqz', `${R(rs1)},${target(imm)}`);
    case 'c.bnez': return t('bnez', `${R(rs1)},${target(imm)}`);
    case 'c.lw': case 'c.ld': case 'c.lwsp': case 'c.ldsp':
      return t(i.name.slice(2, 4), `${R(rd)},${imm}(${R(rs1)})`);
    case 'c.sw': case 'c.sd': case 'c.swsp': case 'c.sdsp':
      return t(i.name.slice(2, 4), `${R(rs2)},${imm}(${R(rs1)})`);
    case 'c.ebreak': return 'ebreak';
  }
  if (i.name.startsWith('amo') || i.name.startsWith('lr') || i.name.startsWith('sc')) {
    const sfx = i.aq && i.rl ? '.aqrl' : i.aq ? '.aq' : i.rl ? '.rl' : '';
    if (i.name.startsWith('lr')) return t(i.name + sfx, `${R(rd)},(${R(rs1)})`);
    return t(i.name + sfx, `${R(rd)},${R(rs2)},(${R(rs1)})`);
  }
  return t(i.name, `${R(rd)},${R(rs1)},${R(rs2)}`);
}

/** The disassembly as objdump's body lines: `   addr:\traw   \ttext`. */
export function formatDisasm(lines: DisasmLine[]): string {
  return lines.map((l) => `${l.addr.toString(16).padStart(8, ' ')}:\t${l.raw.padEnd(8, ' ')}          \t${l.text}`).join('\n');
}

/** One bit field of an encoded instruction, for drawing it. */
export interface RvField {
  name: string;
  hi: number;
  lo: number;
  bits: string;
}

// #region fields
const F32: Record<string, [string, number, number][]> = {
  R: [['funct7', 31, 25], ['rs2', 24, 20], ['rs1', 19, 15], ['funct3', 14, 12], ['rd', 11, 7], ['opcode', 6, 0]],
  I: [['imm[11:0]', 31, 20], ['rs1', 19, 15], ['funct3', 14, 12], ['rd', 11, 7], ['opcode', 6, 0]],
  S: [['imm[11:5]', 31, 25], ['rs2', 24, 20], ['rs1', 19, 15], ['funct3', 14, 12], ['imm[4:0]', 11, 7], ['opcode', 6, 0]],
  B: [['imm[12|10:5]', 31, 25], ['rs2', 24, 20], ['rs1', 19, 15], ['funct3', 14, 12], ['imm[4:1|11]', 11, 7], ['opcode', 6, 0]],
  U: [['imm[31:12]', 31, 12], ['rd', 11, 7], ['opcode', 6, 0]],
  J: [['imm[20|10:1|11|19:12]', 31, 12], ['rd', 11, 7], ['opcode', 6, 0]],
  A: [['funct5', 31, 27], ['aq', 26, 26], ['rl', 25, 25], ['rs2', 24, 20], ['rs1', 19, 15], ['funct3', 14, 12], ['rd', 11, 7], ['opcode', 6, 0]],
};
const F16: Record<string, [string, number, number][]> = {
  CR: [['funct4', 15, 12], ['rd/rs1', 11, 7], ['rs2', 6, 2], ['op', 1, 0]],
  CI: [['funct3', 15, 13], ['imm', 12, 12], ['rd/rs1', 11, 7], ['imm', 6, 2], ['op', 1, 0]],
  CSS: [['funct3', 15, 13], ['imm', 12, 7], ['rs2', 6, 2], ['op', 1, 0]],
  CIW: [['funct3', 15, 13], ['imm', 12, 5], ["rd'", 4, 2], ['op', 1, 0]],
  CL: [['funct3', 15, 13], ['imm', 12, 10], ["rs1'", 9, 7], ['imm', 6, 5], ["rd'", 4, 2], ['op', 1, 0]],
  CS: [['funct3', 15, 13], ['imm', 12, 10], ["rs1'", 9, 7], ['imm', 6, 5], ["rs2'", 4, 2], ['op', 1, 0]],
  CA: [['funct6', 15, 10], ["rd'/rs1'", 9, 7], ['funct2', 6, 5], ["rs2'", 4, 2], ['op', 1, 0]],
  CB: [['funct3', 15, 13], ['imm', 12, 12], ['funct2', 11, 10], ["rd'/rs1'", 9, 7], ['imm', 6, 2], ['op', 1, 0]],
  CJ: [['funct3', 15, 13], ['jump target', 12, 2], ['op', 1, 0]],
};

/** The format of an instruction (R/I/S/B/U/J/A, or an RVC format). */
export function rv_format(insn: RvInsn): string {
  const n = insn.name;
  if (insn.len === 2) {
    if (['c.mv', 'c.add', 'c.jr', 'c.jalr', 'c.ebreak'].includes(n)) return 'CR';
    if (['c.swsp', 'c.sdsp'].includes(n)) return 'CSS';
    if (n === 'c.addi4spn') return 'CIW';
    if (['c.lw', 'c.ld'].includes(n)) return 'CL';
    if (['c.sw', 'c.sd'].includes(n)) return 'CS';
    if (['c.sub', 'c.xor', 'c.or', 'c.and', 'c.subw', 'c.addw'].includes(n)) return 'CA';
    if (['c.srli', 'c.srai', 'c.andi', 'c.beqz', 'c.bnez'].includes(n)) return 'CB';
    if (n === 'c.j') return 'CJ';
    return 'CI';
  }
  if (n === 'lui' || n === 'auipc') return 'U';
  if (n === 'jal') return 'J';
  if (['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'].includes(n)) return 'B';
  if (['sb', 'sh', 'sw', 'sd'].includes(n)) return 'S';
  if (/^(amo|lr\.|sc\.)/.test(n)) return 'A';
  if (/^(add|sub|sll|slt|sltu|xor|srl|sra|or|and|mul|mulh|mulhsu|mulhu|div|divu|rem|remu)w?$|^sh[123]add$|^add\.uw$/.test(n)) return 'R';
  return 'I';
}

/** The bit fields of an encoded instruction, most significant first. */
export function rv_fields(insn: RvInsn, word: number): RvField[] {
  const fmt = rv_format(insn);
  const n = insn.len === 2 ? 16 : 32;
  const bits = (word >>> 0).toString(2).padStart(32, '0').slice(32 - n);
  const layout = insn.len === 2 ? F16[fmt]! : F32[fmt]!;
  return layout.map(([name, hi, lo]) => ({ name, hi, lo, bits: bits.slice(n - 1 - hi, n - lo) }));
}
// #endregion fields
