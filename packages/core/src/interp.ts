/**
 * The interpreter: `___bpf_prog_run`, the whole BPF ISA (RFC 9669, cpu v1..v4) plus
 * load-acquire / store-release (Linux 6.15+).
 * Mirrors kernel/bpf/core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (___bpf_prog_run)
 *
 * How it is fast without leaving TypeScript (see docs/interpreter.md):
 * - Predecoded: each instruction becomes four int32 lanes (code|dst<<8|src<<12, off, imm,
 *   next imm), validated once, so the loop never re-parses bytes.
 * - No BigInt on the hot path: a 64-bit register is two int32 lanes (`L[r]` low, `H[r]`
 *   high); add/sub carry by comparing, multiply splits into 16-bit limbs. Only 64-bit
 *   division with operands wider than 32 bits falls back to BigInt.
 * - No allocation per instruction; one `switch` on literal opcodes, which V8 compiles to a
 *   jump table, the way the kernel's `goto *jumptable[insn->code]` works.
 * - Loads and stores check the memory model through a per-instruction region cache, so a
 *   load that hit the stack last time costs one compare to hit it again.
 *
 * Where the kernel and RFC 9669 differ, the kernel's interpreter never sees the case (the
 * verifier patches it), and this interpreter follows RFC 9669, which agrees with what the
 * verifier's patches produce: division by zero gives 0; modulo by zero leaves dst unchanged
 * (ALU64) or zero-extends its low half (ALU); INT_MIN sdiv -1 is INT_MIN, smod -1 is 0;
 * shift amounts are masked to 63 (31 for ALU).
 * @module
 */
import {
  MAX_BPF_STACK,
  MAX_CALL_FRAMES,
  MAX_TAIL_CALL_CNT,
  BPF_INSN_SIZE,
  type BpfInsn,
} from '@bpf-internals/uapi';
import type { BpfMap } from '@bpf-internals/maps';
import type { bpf_prog, BpfRegs, BpfRunEnv, BpfRunError, BpfRunResult } from './filter.js';
import { BpfFault, addrOf, type BpfMemory, type Region } from './memory.js';

/** `BPF_FUNC_tail_call`: handled by the interpreter itself, it replaces the running program. */
const FUNC_TAIL_CALL = 12;
const EMPTY_I32 = new Int32Array(0);

/** `BPF_MAX_LOOPS`: the may_goto budget the verifier gives a program (include/linux/bpf.h). */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

/**
 * `bpf_opcode_in_insntable`: is `code` one of the opcodes user space may pass?
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_opcode_in_insntable)
 */
export function bpf_opcode_in_insntable(code: number): boolean {
  return PUBLIC_INSNTABLE[code & 0xff] === 1;
}

const PUBLIC_INSNTABLE = (() => {
  const t = new Uint8Array(256);
  const ops = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
  for (const cls of [0x04, 0x07]) {
    for (const op of ops) t[cls | op] = t[cls | op | 0x08] = 1;
    t[cls | 0x80] = 1; // NEG
  }
  t[0xd4] = t[0xdc] = t[0xd7] = 1; // END to_le, to_be, ALU64 bswap
  for (const cls of [0x05, 0x06]) {
    for (const op of [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0])
      t[cls | op] = t[cls | op | 0x08] = 1;
    t[cls] = 1; // JA
  }
  t[0x85] = t[0x95] = 1; // CALL, EXIT
  for (const sz of [0x00, 0x08, 0x10, 0x18]) {
    t[0x63 | sz] = t[0x62 | sz] = t[0x61 | sz] = 1; // STX, ST, LDX MEM
  }
  t[0xc3] = t[0xdb] = 1; // STX ATOMIC W, DW
  t[0xcb] = t[0xd3] = 1; // STX ATOMIC H, B (load-acquire / store-release, 6.15+)
  t[0x81] = t[0x89] = t[0x91] = 1; // LDX MEMSX W, H, B
  t[0x18] = 1; // LD IMM DW
  for (const c of [0x20, 0x28, 0x30, 0x40, 0x48, 0x50]) t[c] = 1; // LD ABS/IND (cBPF carry-over)
  t[0xe5] = 1; // JMP JCOND (may_goto)
  return t;
})();

/** Options that shape how pseudo ld_imm64 values are found when the program was not rewritten. */
export interface PredecodeOptions {
  /** BPF_PSEUDO_MAP_FD / MAP_VALUE: the map behind an fd. */
  map_by_fd?(fd: number): BpfMap | undefined;
  /** BPF_PSEUDO_MAP_IDX / IDX_VALUE: the map at an fd_array index. */
  map_by_idx?(idx: number): BpfMap | undefined;
  /** BPF_PSEUDO_BTF_ID: the address of a kernel variable. */
  var_addr?(btf_id: number): bigint | undefined;
}

/** A program ready to run: four int32 lanes per instruction. */
export interface Predecoded {
  /** `[code | dst << 8 | src << 12, off, imm, next imm]` per instruction. */
  P: Int32Array;
  len: number;
  /** Per-instruction region cache (loads/stores); cleared when the memory or its epoch changes. */
  rc: (Region | null)[];
  mem: BpfMemory | null;
  epoch: number;
  prog: bpf_prog | null;
}

/** An invalid program, found while predecoding (before anything runs). */
export interface PredecodeError {
  insn: number;
  message: string;
}

function invalid(insn: number, message: string): PredecodeError {
  return { insn, message };
}

const predecoded = new WeakMap<BpfInsn[], Predecoded>();

/**
 * Validate and predecode. Checks what RFC 9669 calls an invalid instruction: unknown
 * opcodes, reserved fields set, registers out of range, writes to r10, jumps outside
 * the program, malformed ld_imm64 pairs. The kernel's verifier rejects all of these at
 * load time; `runProgram` (which has no verifier in front) reports them as `invalid_insn`.
 * Pseudo ld_imm64 values are resolved with `opts` (or, without a resolver, taken as the
 * address `resolve_pseudo_ldimm64` already wrote into the imm pair).
 */
export function bpf_prog_predecode(
  insns: BpfInsn[],
  mem: BpfMemory | null,
  opts: PredecodeOptions = {},
  prog: bpf_prog | null = null,
): Predecoded | PredecodeError {
  const n = insns.length;
  const P = new Int32Array(n * 4);
  if (n === 0) return invalid(0, 'empty program');
  for (let i = 0; i < n; i++) {
    const x = insns[i]!;
    const { code, dst_reg: d, src_reg: s, off, imm } = x;
    if (!bpf_opcode_in_insntable(code)) return invalid(i, `unknown opcode ${hex2(code)}`);
    if (d > 10 || s > 10) return invalid(i, `R${d > 10 ? d : s} is invalid`);
    const cls = code & 7;
    const op = code & 0xf0;
    const isX = (code & 8) !== 0;
    let imm2 = 0;
    let c = code;
    if (cls === 0x04 || cls === 0x07) {
      if (d === 10) return invalid(i, 'frame pointer is read only');
      if (op === 0xd0) {
        if (s !== 0 || off !== 0 || (imm !== 16 && imm !== 32 && imm !== 64))
          return invalid(i, 'BPF_END uses reserved fields');
      } else if (op === 0x80) {
        if (s !== 0 || off !== 0 || imm !== 0) return invalid(i, 'BPF_NEG uses reserved fields');
      } else {
        const okOff =
          op === 0x30 || op === 0x90
            ? off === 0 || off === 1
            : op === 0xb0 && isX
              ? off === 0 || off === 8 || off === 16 || (off === 32 && cls === 0x07)
              : off === 0;
        if (!okOff || (isX ? imm !== 0 && !(op === 0xb0 && cls === 0x04 && imm === 1) : s !== 0)) {
          return invalid(i, 'BPF_ALU uses reserved fields');
        }
      }
    } else if (cls === 0x05 || cls === 0x06) {
      if (op === 0x80) {
        if (cls !== 0x05 || isX) return invalid(i, `unknown opcode ${hex2(code)}`);
        if (s === 1) {
          const t = i + imm + 1;
          if (t < 0 || t >= n) return invalid(i, `jump out of range from insn ${i} to ${t}`);
        } else if (s !== 0) {
          return invalid(i, s === 2 ? 'kfunc calls need a JIT' : 'BPF_CALL uses reserved fields');
        }
        if (off !== 0 || d !== 0) return invalid(i, 'BPF_CALL uses reserved fields');
      } else if (op === 0x90) {
        if (off !== 0 || imm !== 0 || s !== 0 || d !== 0) return invalid(i, 'BPF_EXIT uses reserved fields');
      } else {
        const jo = op === 0x00 && cls === 0x06 ? imm : off;
        const t = i + jo + 1;
        if (t < 0 || t >= n) return invalid(i, `jump out of range from insn ${i} to ${t}`);
        if (op === 0x00 || op === 0xe0) {
          if (
            d !== 0 ||
            s !== 0 ||
            (op === 0x00 && cls === 0x05 && imm !== 0) ||
            (cls === 0x06 && off !== 0)
          ) {
            return invalid(i, 'BPF_JA uses reserved fields');
          }
        } else if (!isX && s !== 0) return invalid(i, 'BPF_JMP/JMP32 uses reserved fields');
      }
    } else if (cls === 0x01) {
      if (imm !== 0) return invalid(i, 'BPF_LDX uses reserved fields');
      if (d === 10) return invalid(i, 'frame pointer is read only');
    } else if (cls === 0x02) {
      if (s !== 0) return invalid(i, 'BPF_ST uses reserved fields');
    } else if (cls === 0x03) {
      if ((code & 0xe0) === 0xc0) {
        const sz = code & 0x18;
        const ok =
          imm === 0x100 || imm === 0x110
            ? true
            : (sz === 0x00 || sz === 0x18) &&
              [0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1].includes(imm);
        if (!ok) return invalid(i, `BPF_ATOMIC uses invalid atomic opcode ${hex2(imm)}`);
        if (imm === 0x100 && d === 10) return invalid(i, 'frame pointer is read only');
      } else if (imm !== 0) return invalid(i, 'BPF_STX uses reserved fields');
    } else if (code === 0x18) {
      if (d === 10) return invalid(i, 'frame pointer is read only');
      const y = insns[i + 1];
      if (!y || y.code !== 0 || y.dst_reg !== 0 || y.src_reg !== 0 || y.off !== 0 || off !== 0) {
        return invalid(i, 'invalid bpf_ld_imm64 insn');
      }
      let v: bigint | undefined = (BigInt(y.imm >>> 0) << 32n) | BigInt(imm >>> 0);
      if (s === 1 || s === 2 || s === 5 || s === 6) {
        const res = s <= 2 ? opts.map_by_fd : opts.map_by_idx;
        if (res) {
          const map = res(imm);
          if (!map) return invalid(i, `fd ${imm} is not pointing to valid bpf_map`);
          if (!mem) return invalid(i, 'no memory to place the map in');
          if (s === 1 || s === 5) v = mem.objectAddr(map, `map '${map.name}'`);
          else {
            const dv = map.ops.map_direct_value_addr?.(map, y.imm >>> 0);
            if (dv === undefined || typeof dv === 'number')
              return invalid(i, 'no direct value access support for this map type');
            v = mem.addressOf(dv.region, 'map_value', `value of map '${map.name}'`) + BigInt(y.imm >>> 0);
          }
        }
      } else if (s === 3) {
        if (opts.var_addr) {
          v = opts.var_addr(imm);
          if (v === undefined) return invalid(i, `ldimm64 btf_id ${imm} is not a kernel variable`);
        }
      } else if (s === 4) {
        const t = i + imm + 1;
        if (t < 0 || t >= n) return invalid(i, `jump out of range from insn ${i} to ${t}`);
        if (mem) v = mem.objectAddr(insns, 'program image', n * BPF_INSN_SIZE) + BigInt(t * BPF_INSN_SIZE);
      } else if (s !== 0) {
        return invalid(i, 'unrecognized bpf_ld_imm64 insn');
      }
      P[i * 4 + 2] = Number(v & 0xffffffffn) | 0;
      imm2 = Number(v >> 32n) | 0;
      P[i * 4] = c | (d << 8);
      P[i * 4 + 3] = imm2;
      i++;
      P[i * 4] = 0x100; // the second slot: never executed
      continue;
    } else if (cls === 0x00) {
      // LD_ABS / LD_IND: implicit r6 = skb, result in r0.
      if (d !== 0 || off !== 0 || ((code & 0xe0) === 0x20 && s !== 0))
        return invalid(i, 'BPF_LD_[ABS|IND] uses reserved fields');
    }
    if (cls === 0x05 && op === 0x80 && s === 0 && imm === FUNC_TAIL_CALL) c = 0xf5;
    P[i * 4] = c | (d << 8) | (s << 12);
    P[i * 4 + 1] = off;
    P[i * 4 + 2] = imm;
    P[i * 4 + 3] = imm2;
  }
  return { P, len: n, rc: new Array<Region | null>(n).fill(null), mem, epoch: -1, prog };
}

function hex2(v: number): string {
  return (v >>> 0).toString(16).padStart(2, '0');
}

/** Predecode a program's `insnsi` once per instruction array (cached). */
function predecodeProg(prog: bpf_prog, mem: BpfMemory): Predecoded | PredecodeError {
  let p = predecoded.get(prog.insnsi);
  if (!p) {
    const r = bpf_prog_predecode(prog.insnsi, mem, {}, prog);
    if ('message' in r) return r;
    p = r;
    predecoded.set(prog.insnsi, p);
  }
  return p;
}

// ---- 64-bit arithmetic on (hi, lo) int32 pairs -------------------------------------------------

// #region umulh
/** High 32 bits of the unsigned 64-bit product of two u32 (as int32). */
function umulh(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}
// #endregion umulh

function toBig(hi: number, lo: number): bigint {
  // Most results fit 32 bits: one BigInt instead of three.
  if (hi === 0) return BigInt(lo >>> 0);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The last context address split into halves: a test run passes the same one `repeat` times. */
let lastCtx = -1n;
let lastCtxLo = 0;
let lastCtxHi = 0;

/** Split a u64 address into (lo, hi) int32 halves, cached for the repeated case. */
function ctxHalves(ctx: bigint): void {
  if (ctx !== lastCtx) {
    lastCtxLo = Number(ctx & 0xffffffffn) | 0;
    lastCtxHi = Number(ctx >> 32n) | 0;
    lastCtx = ctx;
  }
}

function setBig(L: Int32Array, H: Int32Array, d: number, v: bigint): void {
  L[d] = Number(v & 0xffffffffn) | 0;
  H[d] = Number((v >> 32n) & 0xffffffffn) | 0;
}

/**
 * 64-bit div/mod (`div64_u64`, `div64_s64`, `div64_u64_rem`): by zero as RFC 9669 and the
 * verifier's patch (quotient 0, remainder dst), LLONG_MIN / -1 as the wrap-around.
 */
function divmod64(
  L: Int32Array,
  H: Int32Array,
  d: number,
  bl: number,
  bh: number,
  signed: boolean,
  mod: boolean,
): void {
  const al = L[d]!;
  const ah = H[d]!;
  if (bl === 0 && bh === 0) {
    if (!mod) L[d] = H[d] = 0;
    return;
  }
  if (!signed) {
    if (ah === 0 && bh === 0) {
      const a = al >>> 0;
      const b = bl >>> 0;
      L[d] = (mod ? a % b : Math.floor(a / b)) | 0;
      return;
    }
    const a = toBig(ah, al);
    const b = toBig(bh, bl);
    setBig(L, H, d, mod ? a % b : a / b);
    return;
  }
  if (ah === al >> 31 && bh === bl >> 31) {
    // Both fit in int32: exact in doubles. INT32_MIN / -1 = 2^31 fits a 64-bit result.
    const q = mod ? al % bl : Math.trunc(al / bl);
    L[d] = q | 0;
    H[d] = q < 0 ? -1 : 0;
    return;
  }
  const a = BigInt.asIntN(64, toBig(ah, al));
  const b = BigInt.asIntN(64, toBig(bh, bl));
  if (b === -1n) {
    setBig(L, H, d, mod ? 0n : BigInt.asUintN(64, -a));
    return;
  }
  setBig(L, H, d, BigInt.asUintN(64, mod ? a % b : a / b));
}

/** 32-bit div/mod as the kernel's ALU_DIV/ALU_MOD (unsigned, or signed through abs_s32). */
function divmod32(a: number, b: number, signed: boolean, mod: boolean): number {
  if (b === 0) return mod ? a : 0;
  if (!signed) {
    const x = a >>> 0;
    const y = b >>> 0;
    return (mod ? x % y : Math.floor(x / y)) | 0;
  }
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (mod) {
    const r = x % y;
    return (a < 0 ? -r : r) | 0;
  }
  const q = Math.floor(x / y);
  return (a < 0 === b < 0 ? q : -q) | 0;
}

function bswap32(x: number): number {
  return (x >>> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24) | 0;
}

// ---- Memory slow paths --------------------------------------------------------------------------

/** Bytes of BPF_W, BPF_H, BPF_B, BPF_DW by `(code >> 3) & 3`. */
const SIZES = [4, 2, 1, 8] as const;

/** Scratch for context loads' fast form. */
const ctxOut = new Int32Array(2);

/** Scratch result of the slow load path (low, high). */
let sLo = 0;
let sHi = 0;

/**
 * A load that missed the per-instruction cache: find the region, apply context
 * rewrites, fault if nothing is there. Result in sLo/sHi.
 */
function loadSlow(
  pd: Predecoded,
  mem: BpfMemory,
  pc: number,
  ah: number,
  a: number,
  size: number,
  sx: boolean,
): void {
  if (a < 0 || a > 0xffffffff) {
    const v = BigInt.asUintN(64, toBig(ah, 0) + BigInt(a));
    ah = Number(v >> 32n) | 0;
    a = Number(v & 0xffffffffn);
  }
  const r = mem.find(ah, a, size);
  let v: number;
  if (r !== null && r.readable && r.access === undefined) {
    pd.rc[pc] = r;
    const o = a - r.lo;
    const dv = r.dv;
    switch (size) {
      case 1:
        v = sx ? dv.getInt8(o) : dv.getUint8(o);
        break;
      case 2:
        v = sx ? dv.getInt16(o, true) : dv.getUint16(o, true);
        break;
      case 4:
        v = dv.getInt32(o, true);
        if (!sx) {
          sLo = v;
          sHi = 0;
          return;
        }
        break;
      default:
        sLo = dv.getInt32(o, true);
        sHi = dv.getInt32(o + 4, true);
        return;
    }
    sLo = v | 0;
    sHi = sx ? v >> 31 : 0;
    return;
  }
  if (r !== null && r.readable && r.access !== undefined) {
    if (r.access.loadHL !== undefined && !sx && r.access.loadHL(a - r.lo, size, ctxOut)) {
      sLo = ctxOut[0]!;
      sHi = ctxOut[1]!;
      return;
    }
    const big = r.access.load(a - r.lo, size);
    if (big !== null) {
      let x = big;
      if (sx) x = BigInt.asUintN(64, BigInt.asIntN(size * 8, x));
      sLo = Number(x & 0xffffffffn) | 0;
      sHi = Number((x >> 32n) & 0xffffffffn) | 0;
      return;
    }
  }
  throw mem.fault(ah, a, size, false, pc, r);
}

/** A store that missed the cache. `vl`/`vh` are the value's halves. */
function storeSlow(
  pd: Predecoded,
  mem: BpfMemory,
  pc: number,
  ah: number,
  a: number,
  size: number,
  vl: number,
  vh: number,
): void {
  if (a < 0 || a > 0xffffffff) {
    const v = BigInt.asUintN(64, toBig(ah, 0) + BigInt(a));
    ah = Number(v >> 32n) | 0;
    a = Number(v & 0xffffffffn);
  }
  const r = mem.find(ah, a, size);
  if (r !== null && r.writable && r.access === undefined) {
    pd.rc[pc] = r;
    const o = a - r.lo;
    const dv = r.dv;
    switch (size) {
      case 1:
        dv.setInt8(o, vl);
        return;
      case 2:
        dv.setInt16(o, vl, true);
        return;
      case 4:
        dv.setInt32(o, vl, true);
        return;
      default:
        dv.setInt32(o, vl, true);
        dv.setInt32(o + 4, vh, true);
        return;
    }
  }
  if (r !== null && r.writable && r.access !== undefined && r.access.store(a - r.lo, size, toBig(vh, vl)))
    return;
  throw mem.fault(ah, a, size, true, pc, r);
}

/**
 * The atomics (`STX | ATOMIC`, W and DW) and load-acquire / store-release (B, H, W, DW).
 * JavaScript is single-threaded, so atomicity is free; what matters is which register
 * gets the old value (src for FETCH and XCHG, r0 for CMPXCHG) and its zero-extension.
 */
function atomic(
  pd: Predecoded,
  mem: BpfMemory,
  pc: number,
  L: Int32Array,
  H: Int32Array,
  code: number,
  d: number,
  s: number,
  off: number,
  imm: number,
): void {
  const size = SIZES[(code >> 3) & 3]!;
  if (imm === 0x100) {
    // BPF_LOAD_ACQ: dst = *(src + off)
    loadSlow(pd, mem, pc, H[s]!, (L[s]! >>> 0) + off, size, false);
    L[d] = sLo;
    H[d] = sHi;
    return;
  }
  if (imm === 0x110) {
    // BPF_STORE_REL: *(dst + off) = src
    storeSlow(pd, mem, pc, H[d]!, (L[d]! >>> 0) + off, size, L[s]!, H[s]!);
    return;
  }
  const ah = H[d]!;
  const a = (L[d]! >>> 0) + off;
  // Read-modify-write must hit a readable and writable region: the cached one when it fits
  // (the fast case: a counter in a map value), else the full lookup.
  const c = pd.rc[pc];
  let o: number;
  if (c && c.hi === ah && (o = a - c.lo) >= 0 && o + size <= c.size && c.writable) {
    sLo = c.dv.getInt32(o, true);
    sHi = size === 8 ? c.dv.getInt32(o + 4, true) : 0;
  } else loadSlow(pd, mem, pc, ah, a, size, false);
  const ol = sLo;
  const oh = sHi;
  let nl = ol;
  let nh = oh;
  const sl = L[s]!;
  const sh = size === 8 ? H[s]! : 0;
  switch (imm & ~1) {
    case 0x00: {
      const t = (ol >>> 0) + (sl >>> 0);
      nl = t | 0;
      nh = size === 8 ? (oh + sh + (t > 0xffffffff ? 1 : 0)) | 0 : 0;
      break;
    }
    case 0x40:
      nl = ol | sl;
      nh = oh | sh;
      break;
    case 0x50:
      nl = ol & sl;
      nh = oh & sh;
      break;
    case 0xa0:
      nl = ol ^ sl;
      nh = oh ^ sh;
      break;
    case 0xe0: // XCHG
      nl = sl;
      nh = sh;
      break;
    case 0xf0: {
      // CMPXCHG: compare with r0, r0 gets the old value either way.
      const el = L[0]!;
      const eh = size === 8 ? H[0]! : 0;
      if (el === ol && eh === oh) {
        nl = sl;
        nh = sh;
      }
      L[0] = ol;
      H[0] = oh;
      storeSlow(pd, mem, pc, ah, a, size, nl, nh);
      return;
    }
  }
  storeSlow(pd, mem, pc, ah, a, size, nl, nh);
  if (imm & 1) {
    L[s] = ol;
    H[s] = oh;
  }
}

/**
 * LD_ABS / LD_IND: the classic packet loads (the verifier turns them into calls of
 * `bpf_skb_load_helper_*`). Big-endian; out of bounds ends the program with r0 = 0.
 */
function ldAbs(env: BpfRunEnv, code: number, L: Int32Array, s: number, imm: number): boolean {
  const data = env.ld_abs;
  const size = SIZES[(code >> 3) & 3]!;
  const off = ((code & 0xe0) === 0x40 ? (L[s]! + imm) | 0 : imm) | 0;
  if (!data || off < 0 || off + size > data.length) return false;
  let v = 0;
  for (let k = 0; k < size; k++) v = (v << 8) | data[off + k]!;
  L[0] = v;
  return true;
}

// ---- The interpreter ------------------------------------------------------------------------

function err(
  kind: BpfRunError['kind'],
  insn: number,
  message: string,
  insns: number,
  fault?: BpfFault,
): BpfRunResult {
  return { ok: false, error: { kind, insn, message, fault }, insns };
}

/**
 * Tail call target: `array->ptrs[index]` of a BPF_MAP_TYPE_PROG_ARRAY. Reads the map's
 * slot array (`ptrs`, as the maps package's prog_array keeps it) or falls back to
 * `map_lookup_elem`'s view for arrays that hold programs some other way.
 */
function prog_array_get(map: BpfMap, index: number): bpf_prog | null {
  const ptrs = (map as unknown as { ptrs?: readonly unknown[] }).ptrs;
  const p = ptrs ? ptrs[index] : undefined;
  return p && typeof p === 'object' && 'insnsi' in p ? (p as bpf_prog) : null;
}

/**
 * `___bpf_prog_run`: run `prog` with r1 = `ctx` (a u64 address in `env.mem`).
 * Every instruction is counted in the result's `insns` (and `env.insns`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (___bpf_prog_run)
 */
export function ___bpf_prog_run(ctx: bigint, env: BpfRunEnv, prog: bpf_prog): BpfRunResult {
  const pd = predecodeProg(prog, env.mem);
  if ('message' in pd) return err('invalid_insn', pd.insn, pd.message, 0);
  // Register lanes are reused from run to run (nobody sees them after the run); a run started
  // from inside a helper gets its own.
  const own = !runLanesBusy;
  const L = own ? runL.fill(0) : new Int32Array(16);
  const H = own ? runH.fill(0) : new Int32Array(16);
  ctxHalves(ctx);
  L[1] = lastCtxLo;
  H[1] = lastCtxHi;
  runLanesBusy = true;
  try {
    return interpret(pd, env, L, H);
  } finally {
    if (own) runLanesBusy = false;
  }
}

const runL = new Int32Array(16);
const runH = new Int32Array(16);
let runLanesBusy = false;

/**
 * The loop. `L`/`H` hold r0..r10 (and AX) with r1..r5 already set by the caller.
 * Exported for the step-by-step runner (docs) and the benchmark.
 */
export function interpret(
  pd0: Predecoded,
  env: BpfRunEnv,
  L: Int32Array,
  H: Int32Array,
  trace?: (pc: number, L: Int32Array, H: Int32Array) => void,
): BpfRunResult {
  env.insns = 0;
  try {
    return run(pd0, env, L, H, trace);
  } catch (e) {
    // Slow paths record the count in env.insns before they can throw.
    if (e instanceof BpfFault) return err('fault', e.insn, e.message, env.insns, e);
    return err('internal', -1, `internal error: ${(e as Error)?.message ?? String(e)}`, env.insns);
  }
}

/** The loop proper: no try/catch here, so V8 keeps its state in registers. */
function run(
  pd0: Predecoded,
  env: BpfRunEnv,
  L: Int32Array,
  H: Int32Array,
  trace?: (pc: number, L: Int32Array, H: Int32Array) => void,
): BpfRunResult {
  const mem = env.mem;
  let pd = pd0;
  let P = pd.P;
  let rc = pd.rc;
  if (pd.mem !== mem || pd.epoch !== mem.epoch) {
    rc.fill(null);
    pd.mem = mem;
    pd.epoch = mem.epoch;
  }
  const regs: BpfRegs = { lo: L, hi: H };
  // Frames: frame 0's stack, r10 one past its end.
  let depth = 0;
  const frame0 = mem.stackFrame(0, MAX_BPF_STACK);
  frame0.bytes.fill(0);
  L[10] = (frame0.lo + frame0.size) | 0;
  H[10] = frame0.hi;
  // The caller frames, allocated at the first bpf-to-bpf call (most programs make none).
  let fRet = EMPTY_I32;
  let fSave = EMPTY_I32;
  let fProg: Predecoded[] = [];
  let pc = 0;
  let n = 0;
  const limit = env.insn_limit;
  let loops = BPF_MAX_LOOPS;
  // One compare per instruction: with a trace, `stop` is 0 and every instruction takes the
  // branch that checks the real limit and calls the trace.
  const stop = trace === undefined ? limit : 0;
  // #region dispatch
  for (;;) {
    if (++n > stop) {
      if (n > limit) {
        env.insns = n - 1;
        return err('insn_limit', pc, `instruction limit of ${limit} reached`, n - 1);
      }
      if (trace !== undefined) trace(pc, L, H);
    }
    const k = pc << 2;
    const w = P[k]!;
    const d = (w >> 8) & 15;
    const s = (w >> 12) & 15;
    pc++;
    switch (w & 0xff) {
    // #endregion dispatch
      // ---- ALU64, immediate ----
      // #region alu64-add-imm
      case 0x07: {
        const imm = P[k + 2]!;
        const t = (L[d]! >>> 0) + (imm >>> 0);
        L[d] = t | 0;
        H[d] = (H[d]! + (imm >> 31) + (t > 0xffffffff ? 1 : 0)) | 0;
        break;
      }
      // #endregion alu64-add-imm
      case 0x17: {
        const imm = P[k + 2]!;
        const t = (L[d]! >>> 0) - (imm >>> 0);
        L[d] = t | 0;
        H[d] = (H[d]! - (imm >> 31) - (t < 0 ? 1 : 0)) | 0;
        break;
      }
      case 0x27: {
        const imm = P[k + 2]!;
        const al = L[d]!;
        H[d] = (umulh(al >>> 0, imm >>> 0) + Math.imul(al, imm >> 31) + Math.imul(H[d]!, imm)) | 0;
        L[d] = Math.imul(al, imm);
        break;
      }
      case 0x37: {
        const imm = P[k + 2]!;
        divmod64(L, H, d, imm, imm >> 31, P[k + 1] === 1, false);
        break;
      }
      case 0x97: {
        const imm = P[k + 2]!;
        divmod64(L, H, d, imm, imm >> 31, P[k + 1] === 1, true);
        break;
      }
      case 0x47: {
        const imm = P[k + 2]!;
        L[d] = L[d]! | imm;
        H[d] = H[d]! | (imm >> 31);
        break;
      }
      case 0x57: {
        const imm = P[k + 2]!;
        L[d] = L[d]! & imm;
        H[d] = H[d]! & (imm >> 31);
        break;
      }
      case 0xa7: {
        const imm = P[k + 2]!;
        L[d] = L[d]! ^ imm;
        H[d] = H[d]! ^ (imm >> 31);
        break;
      }
      case 0x67:
        lsh64(L, H, d, P[k + 2]! & 63);
        break;
      case 0x77:
        rsh64(L, H, d, P[k + 2]! & 63);
        break;
      case 0xc7:
        arsh64(L, H, d, P[k + 2]! & 63);
        break;
      case 0x87: {
        const al = L[d]!;
        L[d] = -al | 0;
        H[d] = (~H[d]! + (al === 0 ? 1 : 0)) | 0;
        break;
      }
      case 0xb7: {
        const imm = P[k + 2]!;
        L[d] = imm;
        H[d] = imm >> 31;
        break;
      }
      case 0xd7: {
        // BPF_ALU64 | BPF_END: unconditional bswap (cpu v4).
        const imm = P[k + 2]!;
        const al = L[d]!;
        if (imm === 16) {
          L[d] = ((al & 0xff) << 8) | ((al >> 8) & 0xff);
          H[d] = 0;
        } else if (imm === 32) {
          L[d] = bswap32(al);
          H[d] = 0;
        } else {
          L[d] = bswap32(H[d]!);
          H[d] = bswap32(al);
        }
        break;
      }
      // ---- ALU64, register ----
      case 0x0f: {
        const t = (L[d]! >>> 0) + (L[s]! >>> 0);
        L[d] = t | 0;
        H[d] = (H[d]! + H[s]! + (t > 0xffffffff ? 1 : 0)) | 0;
        break;
      }
      case 0x1f: {
        const t = (L[d]! >>> 0) - (L[s]! >>> 0);
        L[d] = t | 0;
        H[d] = (H[d]! - H[s]! - (t < 0 ? 1 : 0)) | 0;
        break;
      }
      case 0x2f: {
        const al = L[d]!;
        const bl = L[s]!;
        H[d] = (umulh(al >>> 0, bl >>> 0) + Math.imul(al, H[s]!) + Math.imul(H[d]!, bl)) | 0;
        L[d] = Math.imul(al, bl);
        break;
      }
      case 0x3f:
        divmod64(L, H, d, L[s]!, H[s]!, P[k + 1] === 1, false);
        break;
      case 0x9f:
        divmod64(L, H, d, L[s]!, H[s]!, P[k + 1] === 1, true);
        break;
      case 0x4f:
        L[d] = L[d]! | L[s]!;
        H[d] = H[d]! | H[s]!;
        break;
      case 0x5f:
        L[d] = L[d]! & L[s]!;
        H[d] = H[d]! & H[s]!;
        break;
      case 0xaf:
        L[d] = L[d]! ^ L[s]!;
        H[d] = H[d]! ^ H[s]!;
        break;
      case 0x6f:
        lsh64(L, H, d, L[s]! & 63);
        break;
      case 0x7f:
        rsh64(L, H, d, L[s]! & 63);
        break;
      case 0xcf:
        arsh64(L, H, d, L[s]! & 63);
        break;
      case 0xbf: {
        const off = P[k + 1]!;
        const bl = L[s]!;
        if (off === 0) {
          L[d] = bl;
          H[d] = H[s]!;
        } else {
          const v = off === 8 ? (bl << 24) >> 24 : off === 16 ? (bl << 16) >> 16 : bl;
          L[d] = v;
          H[d] = v >> 31;
        }
        break;
      }
      // ---- ALU (32-bit): results zero-extended ----
      case 0x04:
        L[d] = (L[d]! + P[k + 2]!) | 0;
        H[d] = 0;
        break;
      case 0x0c:
        L[d] = (L[d]! + L[s]!) | 0;
        H[d] = 0;
        break;
      case 0x14:
        L[d] = (L[d]! - P[k + 2]!) | 0;
        H[d] = 0;
        break;
      case 0x1c:
        L[d] = (L[d]! - L[s]!) | 0;
        H[d] = 0;
        break;
      case 0x24:
        L[d] = Math.imul(L[d]!, P[k + 2]!);
        H[d] = 0;
        break;
      case 0x2c:
        L[d] = Math.imul(L[d]!, L[s]!);
        H[d] = 0;
        break;
      case 0x34:
        L[d] = divmod32(L[d]!, P[k + 2]!, P[k + 1] === 1, false);
        H[d] = 0;
        break;
      case 0x3c:
        L[d] = divmod32(L[d]!, L[s]!, P[k + 1] === 1, false);
        H[d] = 0;
        break;
      case 0x94:
        L[d] = divmod32(L[d]!, P[k + 2]!, P[k + 1] === 1, true);
        H[d] = 0;
        break;
      case 0x9c:
        L[d] = divmod32(L[d]!, L[s]!, P[k + 1] === 1, true);
        H[d] = 0;
        break;
      case 0x44:
        L[d] = L[d]! | P[k + 2]!;
        H[d] = 0;
        break;
      case 0x4c:
        L[d] = L[d]! | L[s]!;
        H[d] = 0;
        break;
      case 0x54:
        L[d] = L[d]! & P[k + 2]!;
        H[d] = 0;
        break;
      case 0x5c:
        L[d] = L[d]! & L[s]!;
        H[d] = 0;
        break;
      case 0xa4:
        L[d] = L[d]! ^ P[k + 2]!;
        H[d] = 0;
        break;
      case 0xac:
        L[d] = L[d]! ^ L[s]!;
        H[d] = 0;
        break;
      case 0x64:
        L[d] = L[d]! << (P[k + 2]! & 31);
        H[d] = 0;
        break;
      case 0x6c:
        L[d] = L[d]! << (L[s]! & 31);
        H[d] = 0;
        break;
      case 0x74:
        L[d] = (L[d]! >>> (P[k + 2]! & 31)) | 0;
        H[d] = 0;
        break;
      case 0x7c:
        L[d] = (L[d]! >>> (L[s]! & 31)) | 0;
        H[d] = 0;
        break;
      case 0xc4:
        L[d] = L[d]! >> (P[k + 2]! & 31);
        H[d] = 0;
        break;
      case 0xcc:
        L[d] = L[d]! >> (L[s]! & 31);
        H[d] = 0;
        break;
      case 0x84:
        L[d] = -L[d]! | 0;
        H[d] = 0;
        break;
      case 0xb4:
        L[d] = P[k + 2]!;
        H[d] = 0;
        break;
      case 0xbc: {
        const off = P[k + 1]!;
        const bl = L[s]!;
        L[d] = off === 8 ? (bl << 24) >> 24 : off === 16 ? (bl << 16) >> 16 : bl;
        H[d] = 0;
        break;
      }
      case 0xd4: {
        // BPF_END | BPF_TO_LE: on a little-endian machine, a truncation.
        const imm = P[k + 2]!;
        if (imm === 16) L[d] = L[d]! & 0xffff;
        if (imm !== 64) H[d] = 0;
        break;
      }
      case 0xdc: {
        // BPF_END | BPF_TO_BE: a byte swap of the low 16/32/64 bits.
        const imm = P[k + 2]!;
        const al = L[d]!;
        if (imm === 16) {
          L[d] = ((al & 0xff) << 8) | ((al >> 8) & 0xff);
          H[d] = 0;
        } else if (imm === 32) {
          L[d] = bswap32(al);
          H[d] = 0;
        } else {
          L[d] = bswap32(H[d]!);
          H[d] = bswap32(al);
        }
        break;
      }
      // ---- LD_IMM64 ----
      case 0x18:
        L[d] = P[k + 2]!;
        H[d] = P[k + 3]!;
        pc++;
        break;
      // ---- JMP (64-bit compares) ----
      case 0x05:
        pc += P[k + 1]!;
        break;
      case 0x15: {
        const imm = P[k + 2]!;
        if (L[d] === imm && H[d] === imm >> 31) pc += P[k + 1]!;
        break;
      }
      case 0x1d:
        if (L[d] === L[s] && H[d] === H[s]) pc += P[k + 1]!;
        break;
      case 0x55: {
        const imm = P[k + 2]!;
        if (L[d] !== imm || H[d] !== imm >> 31) pc += P[k + 1]!;
        break;
      }
      case 0x5d:
        if (L[d] !== L[s] || H[d] !== H[s]) pc += P[k + 1]!;
        break;
      case 0x45: {
        const imm = P[k + 2]!;
        if ((L[d]! & imm) !== 0 || (H[d]! & (imm >> 31)) !== 0) pc += P[k + 1]!;
        break;
      }
      case 0x4d:
        if ((L[d]! & L[s]!) !== 0 || (H[d]! & H[s]!) !== 0) pc += P[k + 1]!;
        break;
      case 0x25:
      case 0x35:
      case 0xa5:
      case 0xb5: {
        const imm = P[k + 2]!;
        if (ucmp(w & 0xf0, H[d]! >>> 0, L[d]! >>> 0, (imm >> 31) >>> 0, imm >>> 0)) pc += P[k + 1]!;
        break;
      }
      case 0x2d:
      case 0x3d:
      case 0xad:
      case 0xbd:
        if (ucmp(w & 0xf0, H[d]! >>> 0, L[d]! >>> 0, H[s]! >>> 0, L[s]! >>> 0)) pc += P[k + 1]!;
        break;
      case 0x65:
      case 0x75:
      case 0xc5:
      case 0xd5: {
        const imm = P[k + 2]!;
        if (ucmp(w & 0xf0, H[d]!, L[d]! >>> 0, imm >> 31, imm >>> 0)) pc += P[k + 1]!;
        break;
      }
      case 0x6d:
      case 0x7d:
      case 0xcd:
      case 0xdd:
        if (ucmp(w & 0xf0, H[d]!, L[d]! >>> 0, H[s]!, L[s]! >>> 0)) pc += P[k + 1]!;
        break;
      // ---- JMP32 (low 32 bits) ----
      case 0x06:
        pc += P[k + 2]!;
        break;
      case 0x16:
        if (L[d] === P[k + 2]) pc += P[k + 1]!;
        break;
      case 0x1e:
        if (L[d] === L[s]) pc += P[k + 1]!;
        break;
      case 0x56:
        if (L[d] !== P[k + 2]) pc += P[k + 1]!;
        break;
      case 0x5e:
        if (L[d] !== L[s]) pc += P[k + 1]!;
        break;
      case 0x46:
        if ((L[d]! & P[k + 2]!) !== 0) pc += P[k + 1]!;
        break;
      case 0x4e:
        if ((L[d]! & L[s]!) !== 0) pc += P[k + 1]!;
        break;
      case 0x26:
      case 0x36:
      case 0xa6:
      case 0xb6:
        if (cmp32(w & 0xf0, L[d]! >>> 0, P[k + 2]! >>> 0)) pc += P[k + 1]!;
        break;
      case 0x2e:
      case 0x3e:
      case 0xae:
      case 0xbe:
        if (cmp32(w & 0xf0, L[d]! >>> 0, L[s]! >>> 0)) pc += P[k + 1]!;
        break;
      case 0x66:
      case 0x76:
      case 0xc6:
      case 0xd6:
        if (cmp32(w & 0xf0, L[d]!, P[k + 2]!)) pc += P[k + 1]!;
        break;
      case 0x6e:
      case 0x7e:
      case 0xce:
      case 0xde:
        if (cmp32(w & 0xf0, L[d]!, L[s]!)) pc += P[k + 1]!;
        break;
      // ---- LDX ----
      // #region ldx-w
      case 0x61: {
        const a = (L[s]! >>> 0) + P[k + 1]!;
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[s] && (o = a - r.lo) >= 0 && o + 4 <= r.size)
          L[d] = r.dv.getInt32(o, true);
        else {
          env.insns = n;
          loadSlow(pd, mem, pc - 1, H[s]!, a, 4, false);
          L[d] = sLo;
          H[d] = sHi;
          break;
        }
        H[d] = 0;
        break;
      }
      // #endregion ldx-w
      case 0x69: {
        const a = (L[s]! >>> 0) + P[k + 1]!;
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[s] && (o = a - r.lo) >= 0 && o + 2 <= r.size)
          L[d] = r.dv.getUint16(o, true);
        else {
          env.insns = n;
          loadSlow(pd, mem, pc - 1, H[s]!, a, 2, false);
          L[d] = sLo;
          H[d] = sHi;
          break;
        }
        H[d] = 0;
        break;
      }
      case 0x71: {
        const a = (L[s]! >>> 0) + P[k + 1]!;
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[s] && (o = a - r.lo) >= 0 && o + 1 <= r.size) L[d] = r.bytes[o]!;
        else {
          env.insns = n;
          loadSlow(pd, mem, pc - 1, H[s]!, a, 1, false);
          L[d] = sLo;
          H[d] = sHi;
          break;
        }
        H[d] = 0;
        break;
      }
      case 0x79: {
        const a = (L[s]! >>> 0) + P[k + 1]!;
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[s] && (o = a - r.lo) >= 0 && o + 8 <= r.size) {
          const dv = r.dv;
          L[d] = dv.getInt32(o, true);
          H[d] = dv.getInt32(o + 4, true);
        } else {
          env.insns = n;
          loadSlow(pd, mem, pc - 1, H[s]!, a, 8, false);
          L[d] = sLo;
          H[d] = sHi;
        }
        break;
      }
      case 0x81:
        env.insns = n;
        loadSlow(pd, mem, pc - 1, H[s]!, (L[s]! >>> 0) + P[k + 1]!, 4, true);
        L[d] = sLo;
        H[d] = sHi;
        break;
      case 0x89:
        env.insns = n;
        loadSlow(pd, mem, pc - 1, H[s]!, (L[s]! >>> 0) + P[k + 1]!, 2, true);
        L[d] = sLo;
        H[d] = sHi;
        break;
      case 0x91:
        env.insns = n;
        loadSlow(pd, mem, pc - 1, H[s]!, (L[s]! >>> 0) + P[k + 1]!, 1, true);
        L[d] = sLo;
        H[d] = sHi;
        break;
      // ---- ST / STX ----
      case 0x62:
      case 0x63: {
        const a = (L[d]! >>> 0) + P[k + 1]!;
        const v = (w & 0xff) === 0x62 ? P[k + 2]! : L[s]!;
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[d] && (o = a - r.lo) >= 0 && o + 4 <= r.size) r.dv.setInt32(o, v, true);
        else {
          env.insns = n;
          storeSlow(pd, mem, pc - 1, H[d]!, a, 4, v, 0);
        }
        break;
      }
      case 0x6a:
      case 0x6b: {
        const a = (L[d]! >>> 0) + P[k + 1]!;
        const v = (w & 0xff) === 0x6a ? P[k + 2]! : L[s]!;
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[d] && (o = a - r.lo) >= 0 && o + 2 <= r.size) r.dv.setInt16(o, v, true);
        else {
          env.insns = n;
          storeSlow(pd, mem, pc - 1, H[d]!, a, 2, v, 0);
        }
        break;
      }
      case 0x72:
      case 0x73: {
        const a = (L[d]! >>> 0) + P[k + 1]!;
        const v = (w & 0xff) === 0x72 ? P[k + 2]! : L[s]!;
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[d] && (o = a - r.lo) >= 0 && o + 1 <= r.size) r.bytes[o] = v;
        else {
          env.insns = n;
          storeSlow(pd, mem, pc - 1, H[d]!, a, 1, v, 0);
        }
        break;
      }
      case 0x7a:
      case 0x7b: {
        const a = (L[d]! >>> 0) + P[k + 1]!;
        let vl: number;
        let vh: number;
        if ((w & 0xff) === 0x7a) {
          vl = P[k + 2]!;
          vh = vl >> 31;
        } else {
          vl = L[s]!;
          vh = H[s]!;
        }
        const r = rc[pc - 1]!;
        let o: number;
        if (r !== null && r.hi === H[d] && (o = a - r.lo) >= 0 && o + 8 <= r.size) {
          const dv = r.dv;
          dv.setInt32(o, vl, true);
          dv.setInt32(o + 4, vh, true);
        } else {
          env.insns = n;
          storeSlow(pd, mem, pc - 1, H[d]!, a, 8, vl, vh);
        }
        break;
      }
      case 0xc3:
      case 0xdb:
      case 0xcb:
      case 0xd3:
        env.insns = n;
        atomic(pd, mem, pc - 1, L, H, w & 0xff, d, s, P[k + 1]!, P[k + 2]!);
        break;
      // ---- LD_ABS / LD_IND ----
      case 0x20:
      case 0x28:
      case 0x30:
      case 0x40:
      case 0x48:
      case 0x50:
        if (!ldAbs(env, w & 0xff, L, s, P[k + 2]!)) {
          env.insns = n;
          return { ok: true, r0: 0n, insns: n };
        }
        H[0] = 0;
        break;
      // ---- may_goto: taken when the loop budget runs out ----
      case 0xe5:
        if (loops === 0) pc += P[k + 1]!;
        else loops--;
        break;
      // ---- CALL / EXIT / TAIL_CALL ----
      // #region call
      case 0x85: {
        const imm = P[k + 2]!;
        if (s === 1) {
          // bpf-to-bpf call: a new frame with its own 512-byte stack.
          if (depth + 1 >= MAX_CALL_FRAMES) {
            env.insns = n;
            return err('call_depth', pc - 1, `the call stack of ${depth + 2} frames is too deep`, n);
          }
          if (fRet.length === 0) {
            fRet = new Int32Array(MAX_CALL_FRAMES);
            fSave = new Int32Array(MAX_CALL_FRAMES * 10);
            fProg = [];
          }
          const b = depth * 10;
          for (let r = 0; r < 5; r++) {
            fSave[b + r] = L[6 + r]!;
            fSave[b + 5 + r] = H[6 + r]!;
          }
          fRet[depth] = pc;
          fProg[depth] = pd;
          depth++;
          const fr = mem.stackFrame(depth, MAX_BPF_STACK);
          fr.bytes.fill(0);
          L[10] = (fr.lo + fr.size) | 0;
          H[10] = fr.hi;
          pc += imm;
          break;
        }
        const fn = env.helpers[imm];
        if (fn === undefined) {
          env.insns = n;
          return err('unknown_helper', pc - 1, `invalid func unknown#${imm}`, n);
        }
        env.insns = n;
        fn(env, regs, pc - 1);
        if (mem.epoch !== pd.epoch) {
          rc.fill(null);
          pd.epoch = mem.epoch;
        }
        break;
      }
      // #endregion call
      case 0xf5: {
        // bpf_tail_call(ctx, prog_array, index): on success, never returns. On failure the
        // kernel's JMP_TAIL_CALL just goes on with the next instruction, registers untouched
        // (bpf_tail_call_proto returns void, so the verifier never lets r0 be read here).
        const map = mem.objectAtHL(H[2]!, L[2]!) as BpfMap | undefined;
        const index = L[3]! >>> 0;
        if (!map || index >= map.max_entries || env.tail_call_cnt >= MAX_TAIL_CALL_CNT) break;
        env.tail_call_cnt++;
        const next = prog_array_get(map, index);
        if (!next) break;
        const np = predecodeProg(next, mem);
        if ('message' in np) {
          env.insns = n;
          return err('invalid_insn', np.insn, np.message, n);
        }
        env.prog = next;
        pd = np;
        P = pd.P;
        rc = pd.rc;
        if (pd.mem !== mem || pd.epoch !== mem.epoch) {
          rc.fill(null);
          pd.mem = mem;
          pd.epoch = mem.epoch;
        }
        pc = 0;
        break;
      }
      case 0x95:
        if (depth === 0) {
          env.insns = n;
          return { ok: true, r0: toBig(H[0]!, L[0]!), insns: n };
        }
        depth--;
        {
          const b = depth * 10;
          for (let r = 0; r < 5; r++) {
            L[6 + r] = fSave[b + r]!;
            H[6 + r] = fSave[b + 5 + r]!;
          }
          pc = fRet[depth]!;
          if (fProg[depth] !== pd) {
            pd = fProg[depth]!;
            P = pd.P;
            rc = pd.rc;
          }
        }
        break;
      default:
        env.insns = n;
        return err('invalid_insn', pc - 1, `unknown opcode ${hex2(w & 0xff)}`, n);
    }
  }
}

function lsh64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const al = L[d]!;
  if (n < 32) {
    H[d] = (H[d]! << n) | (al >>> (32 - n));
    L[d] = al << n;
  } else {
    H[d] = al << (n - 32);
    L[d] = 0;
  }
}

function rsh64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const ah = H[d]!;
  if (n < 32) {
    L[d] = (L[d]! >>> n) | (ah << (32 - n));
    H[d] = ah >>> n;
  } else {
    L[d] = ah >>> (n - 32);
    H[d] = 0;
  }
}

function arsh64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const ah = H[d]!;
  if (n < 32) {
    L[d] = (L[d]! >>> n) | (ah << (32 - n));
    H[d] = ah >> n;
  } else {
    L[d] = ah >> (n - 32);
    H[d] = ah >> 31;
  }
}

/** 64-bit compare for JGT/JGE/JLT/JLE (unsigned halves) and JSGT/JSGE/JSLT/JSLE (signed high half). */
function ucmp(op: number, ah: number, al: number, bh: number, bl: number): boolean {
  switch (op) {
    case 0x20:
    case 0x60:
      return ah > bh || (ah === bh && al > bl);
    case 0x30:
    case 0x70:
      return ah > bh || (ah === bh && al >= bl);
    case 0xa0:
    case 0xc0:
      return ah < bh || (ah === bh && al < bl);
    default:
      return ah < bh || (ah === bh && al <= bl);
  }
}

/** 32-bit compare; the caller passes unsigned or signed views. */
function cmp32(op: number, a: number, b: number): boolean {
  switch (op) {
    case 0x20:
    case 0x60:
      return a > b;
    case 0x30:
    case 0x70:
      return a >= b;
    case 0xa0:
    case 0xc0:
      return a < b;
    default:
      return a <= b;
  }
}

/**
 * The interpreter's building blocks, for the compiled tier (interp_js.ts), which must give
 * exactly the same answers: same slow paths, same arithmetic helpers.
 * @internal
 */
export const interpSupport = {
  load(pd: Predecoded, mem: BpfMemory, pc: number, hi: number, a: number, size: number, sx: boolean): number {
    loadSlow(pd, mem, pc, hi, a, size, sx);
    return sLo;
  },
  loadHi: (): number => sHi,
  store: storeSlow,
  atomic,
  divmod64,
  divmod32,
  umulh,
  lsh64,
  rsh64,
  arsh64,
  bswap32,
  toBig,
  ctxHalves(ctx: bigint, L: Int32Array, H: Int32Array): void {
    ctxHalves(ctx);
    L[1] = lastCtxLo;
    H[1] = lastCtxHi;
  },
  prog_array_get,
  predecodeProg,
};

/** The register file as bigints (for traces and tests). */
export function regsToBigints(L: Int32Array, H: Int32Array): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i <= 10; i++) out.push(toBig(H[i]!, L[i]!));
  return out;
}

export { addrOf };
