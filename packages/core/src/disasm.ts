/**
 * The disassembler the verifier log uses (`print_bpf_insn`), and a parser for the same text,
 * so tests and the course can write programs the way the kernel prints them.
 * Mirrors kernel/bpf/disasm.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/disasm.c
 *
 * `print_bpf_insn` gives exactly the kernel's text after the "N: " index the verifier
 * prints first, e.g. `(b7) r0 = 0`, `(25) if r1 > 0x5 goto pc+2`,
 * `(61) r0 = *(u32 *)(r1 +0)`, `(85) call bpf_map_lookup_elem#1`.
 * test/core-disasm.test.ts compares it with the live kernel's log_level 2 output.
 *
 * {@link bpf_asm} parses that text back (the "N:" and "(xx)" prefixes and "; ..." verifier
 * state are optional). What the text does not carry is not recovered: ld_imm64's pseudo
 * src_reg (the kernel prints the resolved address), so the parser also accepts
 * `r1 = map_fd(3)` / `r1 = map_value(3, 8)` / `r1 = func(pc+2)` to write those.
 * @module
 */
import { bpf_func_id, type BpfInsn } from '@bpf-internals/uapi';

/** `func_id_str`: helper names by id ("bpf_map_lookup_elem"), from the generated enum. */
export const func_id_str: readonly string[] = (() => {
  const t: string[] = [];
  for (const [k, v] of Object.entries(bpf_func_id)) {
    if (k.startsWith('BPF_FUNC_') && k !== '__BPF_FUNC_MAX_ID') t[v] = `bpf_${k.slice('BPF_FUNC_'.length)}`;
  }
  return t;
})();

/**
 * `func_id_name`: the helper's name, or "unknown".
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/disasm.c (func_id_name)
 */
export function func_id_name(id: number): string {
  return (id >= 0 && func_id_str[id]) || 'unknown';
}

const bpf_class_string = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'];
const bpf_alu_string: Record<number, string> = {
  0x0: '+=',
  0x1: '-=',
  0x2: '*=',
  0x3: '/=',
  0x4: '|=',
  0x5: '&=',
  0x6: '<<=',
  0x7: '>>=',
  0x8: 'neg',
  0x9: '%=',
  0xa: '^=',
  0xb: '=',
  0xc: 's>>=',
  0xd: 'endian',
};
const bpf_alu_sign_string: Record<number, string> = { 0x3: 's/=', 0x9: 's%=' };
const bpf_movsx_string: Record<number, string> = { 0: '(s8)', 1: '(s16)', 3: '(s32)' };
const bpf_atomic_alu_string: Record<number, string> = { 0x0: 'add', 0x5: 'and', 0x4: 'or', 0xa: 'xor' };
const bpf_ldst_string = ['u32', 'u16', 'u8', 'u64'];
const bpf_ldsx_string = ['s32', 's16', 's8', ''];
const bpf_jmp_string: Record<number, string> = {
  0x0: 'jmp',
  0x1: '==',
  0x2: '>',
  0xa: '<',
  0x3: '>=',
  0xb: '<=',
  0x4: '&',
  0x5: '!=',
  0x6: 's>',
  0xc: 's<',
  0x7: 's>=',
  0xd: 's<=',
  0x8: 'call',
  0x9: 'exit',
};

const hex2 = (v: number) => v.toString(16).padStart(2, '0');
/** C's `%+d`. */
const pd = (v: number) => (v >= 0 ? `+${v}` : `${v}`);

/** Options of {@link print_bpf_insn}: the `bpf_insn_cbs` callbacks and `allow_ptr_leaks`. */
export interface PrintOptions {
  /** Show map/BTF pointers of ld_imm64 (root in the verifier log); false prints 0x0. */
  allow_ptr_leaks?: boolean;
  /** `cb_imm`: format an ld_imm64 constant (bpftool prints `map[id:5]`). */
  cb_imm?(insn: BpfInsn, full_imm: bigint): string;
  /** `cb_call`: name a call the table does not know (kfuncs). */
  cb_call?(insn: BpfInsn): string | null;
}

// #region print-bpf-insn
/**
 * `print_bpf_insn`: the verifier-log text of one instruction, "(code) text", without the
 * "N: " prefix. `next` is the second slot of an ld_imm64.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/disasm.c (print_bpf_insn)
 */
export function print_bpf_insn(insn: BpfInsn, next?: BpfInsn, o: PrintOptions = {}): string {
  const { code, dst_reg: dst, src_reg: src, off, imm } = insn;
  const cls = code & 7;
  const op = code & 0xf0;
  const c = `(${hex2(code)})`;
  if (cls === 0x04 || cls === 0x07) {
    const w = cls === 0x04 ? 'w' : 'r';
    if (op === 0xd0) {
      if (cls === 0x07) return `${c} r${dst} = bswap${imm} r${dst}`;
      return `${c} r${dst} = ${code & 0x08 ? 'be' : 'le'}${imm} r${dst}`;
    }
    if (op === 0x80) return `${c} ${w}${dst} = -${w}${dst}`;
    if (code === 0xbf && off === 1) {
      return `${c} r${dst} = addr_space_cast(r${src}, ${(imm >>> 16) & 0xffff}, ${imm & 0xffff})`;
    }
    if (code === 0xbf && off === -1) return `${c} r${dst} = &(void __percpu *)(r${src})`;
    const sdiv = (op === 0x30 || op === 0x90) && off === 1;
    const opstr = sdiv ? bpf_alu_sign_string[op >> 4] : bpf_alu_string[op >> 4];
    if (code & 0x08) {
      const movsx = op === 0xb0 && (off === 8 || off === 16 || off === 32) ? bpf_movsx_string[(off >> 3) - 1] : '';
      return `${c} ${w}${dst} ${opstr} ${movsx}${w}${src}`;
    }
    return `${c} ${w}${dst} ${opstr} ${imm}`;
  }
  const sz = (code >> 3) & 3;
  const mode = code & 0xe0;
  if (cls === 0x03) {
    if (mode === 0x60) return `${c} *(${bpf_ldst_string[sz]} *)(r${dst} ${pd(off)}) = r${src}`;
    if (mode === 0xc0) {
      const a64 = sz === 3 ? '64' : '';
      if (imm === 0x00 || imm === 0x50 || imm === 0x40 || imm === 0xa0) {
        return `${c} lock *(${bpf_ldst_string[sz]} *)(r${dst} ${pd(off)}) ${bpf_alu_string[imm >> 4]} r${src}`;
      }
      if (imm === 0x01 || imm === 0x51 || imm === 0x41 || imm === 0xa1) {
        return `${c} r${src} = atomic${a64}_fetch_${bpf_atomic_alu_string[imm >> 4]}((${bpf_ldst_string[sz]} *)(r${dst} ${pd(off)}), r${src})`;
      }
      if (imm === 0xf1) return `${c} r0 = atomic${a64}_cmpxchg((${bpf_ldst_string[sz]} *)(r${dst} ${pd(off)}), r0, r${src})`;
      if (imm === 0xe1) return `${c} r${src} = atomic${a64}_xchg((${bpf_ldst_string[sz]} *)(r${dst} ${pd(off)}), r${src})`;
      if (imm === 0x100) return `${c} r${dst} = load_acquire((${bpf_ldst_string[sz]} *)(r${src} ${pd(off)}))`;
      if (imm === 0x110) return `${c} store_release((${bpf_ldst_string[sz]} *)(r${dst} ${pd(off)}), r${src})`;
    }
    return `BUG_${hex2(code)}`;
  }
  if (cls === 0x02) {
    if (mode === 0x60) return `${c} *(${bpf_ldst_string[sz]} *)(r${dst} ${pd(off)}) = ${imm}`;
    if (mode === 0xc0) return `${c} nospec`;
    return `BUG_st_${hex2(code)}`;
  }
  if (cls === 0x01) {
    if (mode !== 0x60 && mode !== 0x80) return `BUG_ldx_${hex2(code)}`;
    return `${c} r${dst} = *(${mode === 0x60 ? bpf_ldst_string[sz] : bpf_ldsx_string[sz]} *)(r${src} ${pd(off)})`;
  }
  if (cls === 0x00) {
    if (mode === 0x20) return `${c} r0 = *(${bpf_ldst_string[sz]} *)skb[${imm}]`;
    if (mode === 0x40) return `${c} r0 = *(${bpf_ldst_string[sz]} *)skb[r${src} + ${imm}]`;
    if (mode === 0x00 && sz === 3) {
      let full = (BigInt((next?.imm ?? 0) >>> 0) << 32n) | BigInt(imm >>> 0);
      const is_ptr = src === 1 || src === 2 || src === 5 || src === 6 || src === 3;
      if (is_ptr && !o.allow_ptr_leaks) full = 0n;
      return `${c} r${dst} = ${o.cb_imm ? o.cb_imm(insn, full) : `0x${full.toString(16)}`}`;
    }
    return `BUG_ld_${hex2(code)}`;
  }
  if (cls === 0x05 || cls === 0x06) {
    if (op === 0x80) {
      if (src === 1) return `${c} call pc${func_get_name(insn, o)}`;
      return `${c} call ${func_get_name(insn, o)}#${imm}`;
    }
    if (code === 0x05) return `${c} goto pc${pd(off)}`;
    if (code === 0xe5 && src === 0) return `${c} may_goto pc${pd(off)}`;
    if (code === 0x06) return `${c} gotol pc${pd(imm)}`;
    if (code === 0x95) return `${c} exit`;
    const w = cls === 0x06 ? 'w' : 'r';
    if (code & 0x08) return `${c} if ${w}${dst} ${bpf_jmp_string[op >> 4]} ${w}${src} goto pc${pd(off)}`;
    return `${c} if ${w}${dst} ${bpf_jmp_string[op >> 4]} 0x${(imm >>> 0).toString(16)} goto pc${pd(off)}`;
  }
  return `${c} ${bpf_class_string[cls]}`;
}
// #endregion print-bpf-insn

/**
 * `__func_get_name`: the helper's name, a kfunc's name from `cb_call`, or `%+d` for a pseudo call.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/disasm.c (__func_get_name)
 */
function func_get_name(insn: BpfInsn, o: PrintOptions): string {
  if (insn.src_reg === 0 && insn.imm >= 0 && func_id_str[insn.imm]) return func_id_str[insn.imm]!;
  const r = o.cb_call?.(insn);
  if (r) return r;
  if (insn.src_reg === 1) return pd(insn.imm);
  if (insn.src_reg === 2) return 'kernel-function';
  return 'unknown';
}

/**
 * The whole program as the verifier log lists it: "N: (code) text" per instruction, the
 * second slot of each ld_imm64 skipped (its index is not printed).
 */
export function bpf_disasm(insns: readonly BpfInsn[], o: PrintOptions = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    out.push(`${i}: ${print_bpf_insn(insn, insns[i + 1], o)}`);
    if (insn.code === 0x18) i++;
  }
  return out;
}

// ---- The parser ---------------------------------------------------------------------------

/** A line the parser did not understand. */
export class BpfAsmError extends Error {
  constructor(
    public line: number,
    public text: string,
    msg: string,
  ) {
    super(`line ${line + 1}: ${msg}: ${text}`);
    this.name = 'BpfAsmError';
  }
}

const SIZE_OF: Record<string, number> = { u32: 0x00, u16: 0x08, u8: 0x10, u64: 0x18, s32: 0x00, s16: 0x08, s8: 0x10 };
const ALU_OP: Record<string, number> = {
  '+=': 0x00,
  '-=': 0x10,
  '*=': 0x20,
  '/=': 0x30,
  '|=': 0x40,
  '&=': 0x50,
  '<<=': 0x60,
  '>>=': 0x70,
  '%=': 0x90,
  '^=': 0xa0,
  '=': 0xb0,
  's>>=': 0xc0,
  's/=': 0x30,
  's%=': 0x90,
};
const JMP_OP: Record<string, number> = {
  '==': 0x10,
  '>': 0x20,
  '>=': 0x30,
  '&': 0x40,
  '!=': 0x50,
  's>': 0x60,
  's>=': 0x70,
  '<': 0xa0,
  '<=': 0xb0,
  's<': 0xc0,
  's<=': 0xd0,
};
const ATOMIC_OP: Record<string, number> = { add: 0x00, and: 0x50, or: 0x40, xor: 0xa0 };

const func_id_by_name: Map<string, number> = new Map(func_id_str.map((n, i) => [n, i] as [string, number]).filter(([n]) => n));

const R = '([rw])(\\d+)';
const NUM = '(-?(?:0x[0-9a-fA-F]+|\\d+))';
const MEMREF = '\\((u8|u16|u32|u64|s8|s16|s32) \\*\\)\\(r(\\d+) ([+-]\\d+)\\)';

function num(s: string): number {
  const neg = s.startsWith('-');
  const v = Number(neg ? s.slice(1) : s);
  return neg ? -v : v;
}

/** An int32 imm from text that may be unsigned hex (0xffffffff) or signed decimal. */
function imm32(s: string): number {
  return num(s) | 0;
}

const raw = (code: number, dst_reg: number, src_reg: number, off: number, imm: number): BpfInsn => ({ code, dst_reg, src_reg, off, imm });

function ldImm64(dst: number, src: number, v: bigint, second = 0): BpfInsn[] {
  const u = BigInt.asUintN(64, v);
  return [raw(0x18, dst, src, 0, Number(u & 0xffffffffn) | 0), raw(0, 0, 0, 0, second || Number(u >> 32n) | 0)];
}

/**
 * Parse one instruction's text (without the "N:" index; a "(xx)" opcode prefix is allowed
 * and ignored) into one instruction, or two for ld_imm64. Returns null for text that is
 * not an instruction.
 */
export function parse_bpf_insn(text: string): BpfInsn[] | null {
  const t = text.trim().replace(/^\([0-9a-f]{2}\)\s*/, '');
  let m: RegExpMatchArray | null;
  if (t === 'exit') return [raw(0x95, 0, 0, 0, 0)];
  if (t === 'nospec') return [raw(0xc2, 0, 0, 0, 0)];
  if ((m = t.match(/^goto pc([+-]\d+)$/))) return [raw(0x05, 0, 0, num(m[1]!), 0)];
  if ((m = t.match(/^gotol pc([+-]\d+)$/))) return [raw(0x06, 0, 0, 0, num(m[1]!))];
  if ((m = t.match(/^may_goto pc([+-]\d+)$/))) return [raw(0xe5, 0, 0, num(m[1]!), 0)];
  if ((m = t.match(/^call pc([+-]\d+)$/))) return [raw(0x85, 0, 1, 0, num(m[1]!))];
  if ((m = t.match(/^call ([\w-]+)#(-?\d+)$/))) return [raw(0x85, 0, m[1] === 'kernel-function' ? 2 : 0, 0, num(m[2]!))];
  if ((m = t.match(/^call (bpf_\w+)$/))) {
    const id = func_id_by_name.get(m[1]!);
    return id === undefined ? null : [raw(0x85, 0, 0, 0, id)];
  }
  if ((m = t.match(new RegExp(`^if ${R} (==|!=|>=|<=|>|<|&|s>=|s<=|s>|s<) (?:${R}|${NUM}) goto pc([+-]\\d+)$`)))) {
    const cls = m[1] === 'w' ? 0x06 : 0x05;
    const op = JMP_OP[m[3]!]!;
    const off = num(m[7]!);
    if (m[5] !== undefined) return [raw(cls | op | 0x08, +m[2]!, +m[5], off, 0)];
    return [raw(cls | op, +m[2]!, 0, off, imm32(m[6]!))];
  }
  if ((m = t.match(new RegExp(`^r0 = \\*\\((u8|u16|u32|u64) \\*\\)skb\\[${NUM}\\]$`)))) return [raw(0x20 | SIZE_OF[m[1]!]!, 0, 0, 0, imm32(m[2]!))];
  if ((m = t.match(new RegExp(`^r0 = \\*\\((u8|u16|u32|u64) \\*\\)skb\\[r(\\d+) \\+ ${NUM}\\]$`)))) {
    return [raw(0x40 | SIZE_OF[m[1]!]!, 0, +m[2]!, 0, imm32(m[3]!))];
  }
  if ((m = t.match(new RegExp(`^r(\\d+) = \\*${MEMREF}$`)))) {
    const mode = m[2]!.startsWith('s') ? 0x80 : 0x60;
    return [raw(0x01 | mode | SIZE_OF[m[2]!]!, +m[1]!, +m[3]!, num(m[4]!), 0)];
  }
  if ((m = t.match(new RegExp(`^\\*${MEMREF} = (?:r(\\d+)|${NUM})$`)))) {
    if (m[4] !== undefined) return [raw(0x63 | SIZE_OF[m[1]!]!, +m[2]!, +m[4], num(m[3]!), 0)];
    return [raw(0x62 | SIZE_OF[m[1]!]!, +m[2]!, 0, num(m[3]!), imm32(m[5]!))];
  }
  if ((m = t.match(new RegExp(`^lock \\*${MEMREF} (\\+=|&=|\\|=|\\^=) r(\\d+)$`)))) {
    return [raw(0xc3 | SIZE_OF[m[1]!]!, +m[2]!, +m[5]!, num(m[3]!), ALU_OP[m[4]!]!)];
  }
  if ((m = t.match(new RegExp(`^r(\\d+) = atomic(64)?_fetch_(add|and|or|xor)\\(${MEMREF}, r(\\d+)\\)$`)))) {
    return [raw(0xc3 | SIZE_OF[m[4]!]!, +m[5]!, +m[7]!, num(m[6]!), ATOMIC_OP[m[3]!]! | 1)];
  }
  if ((m = t.match(new RegExp(`^r0 = atomic(64)?_cmpxchg\\(${MEMREF}, r0, r(\\d+)\\)$`)))) {
    return [raw(0xc3 | SIZE_OF[m[2]!]!, +m[3]!, +m[5]!, num(m[4]!), 0xf1)];
  }
  if ((m = t.match(new RegExp(`^r(\\d+) = atomic(64)?_xchg\\(${MEMREF}, r(\\d+)\\)$`)))) {
    return [raw(0xc3 | SIZE_OF[m[3]!]!, +m[4]!, +m[6]!, num(m[5]!), 0xe1)];
  }
  if ((m = t.match(new RegExp(`^r(\\d+) = load_acquire\\(${MEMREF}\\)$`)))) {
    return [raw(0xc3 | SIZE_OF[m[2]!]!, +m[1]!, +m[3]!, num(m[4]!), 0x100)];
  }
  if ((m = t.match(new RegExp(`^store_release\\(${MEMREF}, r(\\d+)\\)$`)))) {
    return [raw(0xc3 | SIZE_OF[m[1]!]!, +m[2]!, +m[4]!, num(m[3]!), 0x110)];
  }
  if ((m = t.match(/^r(\d+) = (be|le|bswap)(16|32|64) r(\d+)$/))) {
    if (m[1] !== m[4]) return null;
    const code = m[2] === 'bswap' ? 0xd7 : m[2] === 'be' ? 0xdc : 0xd4;
    return [raw(code, +m[1]!, 0, 0, +m[3]!)];
  }
  if ((m = t.match(/^([rw])(\d+) = -([rw])(\d+)$/)) && m[1] === m[3] && m[2] === m[4]) return [raw(m[1] === 'w' ? 0x84 : 0x87, +m[2]!, 0, 0, 0)];
  if ((m = t.match(/^r(\d+) = addr_space_cast\(r(\d+), (\d+), (\d+)\)$/))) {
    return [raw(0xbf, +m[1]!, +m[2]!, 1, ((+m[3]! << 16) | +m[4]!) | 0)];
  }
  if ((m = t.match(/^r(\d+) = &\(void __percpu \*\)\(r(\d+)\)$/))) return [raw(0xbf, +m[1]!, +m[2]!, -1, 0)];
  if ((m = t.match(/^r(\d+) = map_fd\((\d+)\)$/))) return ldImm64(+m[1]!, 1, BigInt(+m[2]!));
  if ((m = t.match(/^r(\d+) = map_value\((\d+), (\d+)\)$/))) return ldImm64(+m[1]!, 2, BigInt(+m[2]!), +m[3]!);
  if ((m = t.match(/^r(\d+) = func\(pc([+-]\d+)\)$/))) return ldImm64(+m[1]!, 4, BigInt.asUintN(32, BigInt(num(m[2]!))));
  if ((m = t.match(/^r(\d+) = (0x[0-9a-fA-F]+)$/))) return ldImm64(+m[1]!, 0, BigInt(m[2]!));
  if ((m = t.match(new RegExp(`^${R} (\\+=|-=|\\*=|/=|\\|=|&=|<<=|>>=|%=|\\^=|=|s>>=|s/=|s%=) (\\((?:s8|s16|s32)\\))?(?:${R}|${NUM})$`)))) {
    const cls = m[1] === 'w' ? 0x04 : 0x07;
    const opname = m[3]!;
    const op = ALU_OP[opname]!;
    const soff = opname === 's/=' || opname === 's%=' ? 1 : 0;
    if (m[5] !== undefined) {
      const movsx = m[4] ? { '(s8)': 8, '(s16)': 16, '(s32)': 32 }[m[4]]! : 0;
      if (movsx && op !== 0xb0) return null;
      return [raw(cls | op | 0x08, +m[2]!, +m[6]!, movsx || soff, 0)];
    }
    if (m[4]) return null;
    return [raw(cls | op, +m[2]!, 0, soff, imm32(m[7]!))];
  }
  return null;
}
// #region bpf-asm
/**
 * Assemble a program from verifier-log text, one instruction per line. Accepts and drops
 * an "N:" index, a "(xx)" opcode, the verifier's "; R0=..." state, `//` comments and blank
 * lines. Throws {@link BpfAsmError} naming the line it cannot parse.
 */
export function bpf_asm(source: string): BpfInsn[] {
  const out: BpfInsn[] = [];
  source.split('\n').forEach((line, i) => {
    const t = line
      .replace(/\/\/.*$/, '')
      .replace(/;.*$/, '')
      .replace(/^\s*\d+:\s*/, '')
      .trim();
    if (!t) return;
    const insns = parse_bpf_insn(t);
    if (!insns) throw new BpfAsmError(i, line, 'not an instruction');
    out.push(...insns);
  });
  return out;
}
// #endregion bpf-asm
