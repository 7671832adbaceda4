/**
 * An RV64 hart (RV64IMAC plus the Zba, Zbb and Zacas instructions the JIT emits) that runs JIT
 * images over the memory model core uses, calling the modelled helpers when a call lands on
 * `__bpf_call_base + id`. It stands in for a riscv64 CPU running arch/riscv/net's output:
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c
 *
 * What the kernel provides around a JITed program is modelled as the minimum it needs: a kernel
 * stack (a vmalloc region), `tp` pointing at a `thread_info` whose `cpu` is the run environment's
 * CPU (the JIT inlines `bpf_get_smp_processor_id` as a load from it), and `ex_handler_bpf` for the
 * exception-table entries of probe loads (clear the destination, resume after the load).
 * Semantics follow the RISC-V unprivileged ISA (division by zero and overflow give the ISA's
 * results, no trap). The hart is a single hart: lr/sc always succeed when the reservation is held.
 * Registers are int32 lane pairs and loads/stores go straight to the region's bytes, so the common
 * instructions never allocate a BigInt; 64-bit mul/div/rem and the atomics take a bigint path.
 * About 70 ns an emulated instruction (`npm run bench`).
 * @module
 */
import { BpfFault, type BpfHelperFn, type BpfMemory, type BpfRunEnv, createRunEnv, regionAddr } from '@bpf-internals/core';
import { type RvInsn, rv_decode } from './disasm.js';
import type { JitExtableEntry } from './bpf_jit_core.js';
import { THREAD_INFO_CPU_OFF } from './bpf_jit_comp64.js';
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF, BPF_PROG_BPF_FUNC_OFF } from './bpf_jit_comp64.js';
import { bpf_jit_region_find } from './jit_region.js';
import { BPF_CALL_BASE, HELPER_STRIDE, HELPER_WINDOW, IMAGE_BASE, RETURN_ADDR } from './layout.js';

const M64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & M64;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const sx32 = (v: bigint): bigint => BigInt.asUintN(64, BigInt.asIntN(32, v));
const SIGN64 = 1n << 63n;

/** Why a run stopped early. */
export interface HartError {
  kind: 'illegal_instruction' | 'fault' | 'step_limit' | 'unknown_helper' | 'bad_pc';
  /** The pc of the instruction that stopped the hart. */
  pc: bigint;
  message: string;
  fault?: BpfFault;
}

export type RunImageResult =
  | { ok: true; a0: bigint; steps: number; helperCalls: HelperCall[] }
  | { ok: false; error: HartError; steps: number; helperCalls: HelperCall[] };

/** A helper call the hart made: its id, its five arguments and what it returned. */
export interface HelperCall {
  id: number;
  args: bigint[];
  ret: bigint;
}

export interface RunImageOptions {
  /** Run environment: memory model, helper table, clocks (default: core's `createRunEnv`). */
  env?: BpfRunEnv;
  /** Helper table override, by `bpf_func_id`. */
  helpers?: readonly (BpfHelperFn | undefined)[];
  /** Where the image was linked (`compile`'s `imageAddr`). */
  imageAddr?: bigint;
  /** `__bpf_call_base` the image was compiled with. */
  bpfCallBase?: bigint;
  /** Exception-table entries from `compile`. */
  extable?: JitExtableEntry[];
  /** Runaway guard, in instructions (default 1e7). */
  stepLimit?: number;
  /** Bytes of kernel stack (default 16 KiB). */
  stackSize?: number;
  /** Called before each instruction with its pc and the 32 registers (read-only view). */
  trace?: (pc: bigint, x: readonly bigint[]) => void;
  /** Initial a0 (default: the address of `mem`) and a1 (default: its length). */
  a0?: bigint;
  a1?: bigint;
}

// Numeric opcodes for the execute switch (decoded names map onto them once per instruction).
const OPS = [
  'lui', 'auipc', 'jal', 'jalr', 'beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu',
  'sb', 'sh', 'sw', 'sd', 'addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'slli', 'srli', 'srai', 'addiw', 'slliw', 'srliw',
  'sraiw', 'add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and', 'mul', 'mulh', 'mulhsu', 'mulhu', 'div',
  'divu', 'rem', 'remu', 'addw', 'subw', 'sllw', 'srlw', 'sraw', 'mulw', 'divw', 'divuw', 'remw', 'remuw', 'sh1add',
  'sh2add', 'sh3add', 'add.uw', 'sext.b', 'sext.h', 'zext.h', 'rev8', 'fence', 'ecall', 'ebreak', 'amo', 'lr', 'sc', 'amocas',
] as const;
const OP = Object.fromEntries(OPS.map((n, i) => [n, i])) as Record<(typeof OPS)[number], number>;
// Compressed forms execute as their expansions.
const C_MAP: Record<string, string> = {
  'c.addi4spn': 'addi', 'c.lw': 'lw', 'c.ld': 'ld', 'c.sw': 'sw', 'c.sd': 'sd', 'c.nop': 'addi', 'c.addi': 'addi',
  'c.addiw': 'addiw', 'c.li': 'addi', 'c.addi16sp': 'addi', 'c.lui': 'lui', 'c.srli': 'srli', 'c.srai': 'srai', 'c.andi': 'andi',
  'c.sub': 'sub', 'c.xor': 'xor', 'c.or': 'or', 'c.and': 'and', 'c.subw': 'subw', 'c.addw': 'addw', 'c.j': 'jal',
  'c.beqz': 'beq', 'c.bnez': 'bne', 'c.slli': 'slli', 'c.lwsp': 'lw', 'c.ldsp': 'ld', 'c.jr': 'jalr', 'c.mv': 'add',
  'c.jalr': 'jalr', 'c.add': 'add', 'c.swsp': 'sw', 'c.sdsp': 'sd', 'c.ebreak': 'ebreak',
};

interface Decoded {
  op: number;
  len: number;
  rd: number;
  rs1: number;
  rs2: number;
  imm: bigint;
  /** The immediate as int32 lanes (low, high = its sign). */
  immLo: number;
  immHi: number;
  /** Access size of loads and stores. */
  size: number;
  /** One of the tail call's loads of kernel objects (see readKernelObject), else 0. */
  kobj: number;
  /** AMO function (amoadd/amoswap/...) and width. */
  amo: string;
  w: boolean;
  insn: RvInsn;
}

function lower(insn: RvInsn): Decoded | null {
  let name = C_MAP[insn.name] ?? insn.name;
  let amo = '';
  let w = false;
  if (name.startsWith('amo') || name.startsWith('lr.') || name.startsWith('sc.')) {
    const [base, sz] = name.split('.') as [string, string];
    w = sz === 'w';
    if (base === 'lr' || base === 'sc' || base === 'amocas') name = base;
    else {
      amo = base;
      name = 'amo';
    }
  }
  const op = (OP as Record<string, number>)[name];
  if (op === undefined) return null;
  // emit_bpf_tail_call's loads: lwu t1, max_entries(a1); ld t2, ptrs(t2); ld t3, bpf_func(t2).
  let kobj = 0;
  if (name === 'lwu' && insn.rd === 6 && insn.rs1 === 11 && insn.imm === BPF_ARRAY_MAX_ENTRIES_OFF) kobj = 1;
  else if (name === 'ld' && insn.rd === 7 && insn.rs1 === 7 && insn.imm === BPF_ARRAY_PTRS_OFF) kobj = 2;
  else if (name === 'ld' && insn.rd === 28 && insn.rs1 === 7 && insn.imm === BPF_PROG_BPF_FUNC_OFF) kobj = 3;
  const size = /^(lb|lbu|sb)$/.test(name) ? 1 : /^(lh|lhu|sh)$/.test(name) ? 2 : /^(lw|lwu|sw)$/.test(name) ? 4 : 8;
  return { op, len: insn.len, rd: insn.rd, rs1: insn.rs1, rs2: insn.rs2, imm: BigInt(insn.imm), immLo: insn.imm | 0, immHi: insn.imm < 0 ? -1 : 0, size, kobj, amo, w, insn };
}

/**
 * Run `image` on a fresh hart: a0 = the address of `mem` (mapped read-write into the memory model,
 * written in place), a1 = its length, ra = a return address outside the image. Returns the final a0
 * or why the hart stopped. Never throws.
 */
export function runImage(image: Uint8Array, mem: Uint8Array = new Uint8Array(0), opts: RunImageOptions = {}): RunImageResult {
  const env = opts.env ?? createRunEnv({ helpers: opts.helpers });
  const helpers = opts.helpers ?? env.helpers;
  const m = env.mem;
  const region = m.map({ kind: 'mem', name: 'mem', bytes: mem });
  const stack = m.map({ kind: 'stack', name: 'kernel stack', bytes: new Uint8Array(opts.stackSize ?? 16384), window: 'vmalloc' });
  const ti = new Uint8Array(64);
  new DataView(ti.buffer).setInt32(THREAD_INFO_CPU_OFF, env.smp_processor_id(), true);
  const tiRegion = m.map({ kind: 'object', name: 'thread_info', bytes: ti, writable: false });
  try {
    const x: bigint[] = new Array(32).fill(0n);
    x[1] = RETURN_ADDR;
    x[2] = regionAddr(stack, stack.size);
    x[4] = regionAddr(tiRegion);
    x[10] = opts.a0 ?? regionAddr(region);
    x[11] = opts.a1 ?? BigInt(mem.length);
    return execute(image, x, m, helpers, env, opts);
  } catch (e) {
    return { ok: false, error: { kind: 'fault', pc: 0n, message: `internal error: ${(e as Error).message}` }, steps: 0, helperCalls: [] };
  } finally {
    m.unmap(region);
    m.unmap(stack);
    m.unmap(tiRegion);
  }
}

function execute(
  image0: Uint8Array,
  x: bigint[],
  m: BpfMemory,
  helpers: readonly (BpfHelperFn | undefined)[],
  env: BpfRunEnv,
  opts: RunImageOptions,
): RunImageResult {
  // Registers as two int32 lanes (low, high): the common instructions never touch BigInt. The
  // rare ones (64-bit mul/div/rem, atomics) go through bigint helpers.
  const L = new Int32Array(32);
  const H = new Int32Array(32);
  for (let r = 1; r < 32; r++) {
    L[r] = Number(x[r]! & 0xffffffffn) | 0;
    H[r] = Number((x[r]! >> 32n) & 0xffffffffn) | 0;
  }
  const get = (r: number): bigint => (BigInt(H[r]! >>> 0) << 32n) | BigInt(L[r]! >>> 0);
  const put = (r: number, v: bigint): void => {
    if (r) {
      L[r] = Number(v & 0xffffffffn) | 0;
      H[r] = Number((v >> 32n) & 0xffffffffn) | 0;
    }
  };
  const snapshot = (): bigint[] => Array.from({ length: 32 }, (_, r) => get(r));

  let image = image0;
  const callBase = opts.bpfCallBase ?? BPF_CALL_BASE;
  const limit = opts.stepLimit ?? 1e7;
  // The image being executed; a tail call switches to the target's image in the JIT region.
  let base = opts.imageAddr ?? IMAGE_BASE;
  let baseHi = Number(base >> 32n) | 0;
  let baseLo = Number(base & 0xffffffffn);
  let extable = new Map((opts.extable ?? []).map((e) => [base + BigInt(e.insn), e]));
  let dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let cache: (Decoded | null | undefined)[] = new Array(image.length >> 1);
  let size = image.length;
  const segments = new Map<bigint, { image: Uint8Array; extable: typeof extable; cache: typeof cache }>();
  segments.set(base, { image, extable, cache });
  const helperCalls: HelperCall[] = [];
  let reservation: bigint | null = null;
  // pc is `base + off` while inside the current image; `far` holds it when it left (a helper, the
  // return address, another image).
  let off = 0;
  let far: bigint | null = null;
  let steps = 0;
  const pcBig = (): bigint => far ?? base + BigInt(off);
  const stop = (kind: HartError['kind'], message: string, fault?: BpfFault): RunImageResult => ({
    ok: false,
    error: { kind, pc: pcBig(), message, ...(fault ? { fault } : {}) },
    steps,
    helperCalls,
  });
  // Jump to the 64-bit address in (hi, lo): stay in this image when it is inside it.
  const jumpTo = (hi: number, lo: number): void => {
    const o = (lo >>> 0) - baseLo;
    if (hi === baseHi && o >= 0 && o < size) {
      off = o;
      far = null;
    } else far = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  };
  // (hi, lo) of pc + k, for link registers and auipc.
  let tHi = 0, tLo = 0;
  const pcPlus = (k: number): void => {
    const lo = baseLo + off + k;
    tLo = lo | 0;
    tHi = (baseHi + (lo > 0xffffffff ? 1 : 0)) | 0;
  };

  for (;;) {
    if (far !== null) {
      const pc = far;
      if (pc === RETURN_ADDR) return { ok: true, a0: get(10), steps, helperCalls };
      if (pc >= callBase && pc < callBase + HELPER_WINDOW) {
        // A call into kernel text: run the modelled helper, then return to ra.
        if ((pc - callBase) % HELPER_STRIDE !== 0n) return stop('bad_pc', `pc 0x${pc.toString(16)} is inside a helper`);
        const id = Number((pc - callBase) / HELPER_STRIDE);
        const fn = helpers[id];
        if (!fn) return stop('unknown_helper', `call to unknown helper ${id}`);
        const regs = { lo: new Int32Array(12), hi: new Int32Array(12) };
        for (let k = 0; k < 5; k++) {
          regs.lo[k + 1] = L[10 + k]!;
          regs.hi[k + 1] = H[10 + k]!;
        }
        const args = [get(10), get(11), get(12), get(13), get(14)];
        try {
          fn(env, regs, -1);
        } catch (e) {
          if (e instanceof BpfFault) return stop('fault', e.message, e);
          throw e;
        }
        L[10] = regs.lo[0]!;
        H[10] = regs.hi[0]!;
        helperCalls.push({ id, args, ret: get(10) });
        jumpTo(H[1]!, L[1]!);
        continue;
      }
      const img = bpf_jit_region_find(pc);
      if (!img) return stop('bad_pc', `pc 0x${pc.toString(16)} is outside the image`);
      let seg = segments.get(img.addr);
      if (!seg) {
        seg = { image: img.image, extable: new Map(img.extable.map((e) => [img.addr + BigInt(e.insn), e])), cache: new Array(img.image.length >> 1) };
        segments.set(img.addr, seg);
      }
      base = img.addr;
      baseHi = Number(base >> 32n) | 0;
      baseLo = Number(base & 0xffffffffn);
      image = seg.image;
      size = image.length;
      dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
      cache = seg.cache;
      extable = seg.extable;
      off = Number(pc - base);
      far = null;
    }
    if (off < 0 || off >= size) {
      // Left the image by falling off its end or a branch: another image, or nowhere.
      far = base + BigInt(off);
      continue;
    }
    if (off & 1) return stop('bad_pc', `pc 0x${pcBig().toString(16)} is misaligned`);
    if (++steps > limit) return stop('step_limit', `step limit ${limit} reached`);
    if (opts.trace) opts.trace(pcBig(), snapshot());
    let d = cache[off >> 1];
    if (d === undefined) {
      const lo = dv.getUint16(off, true);
      const hi = (lo & 3) === 3 && off + 4 <= size ? dv.getUint16(off + 2, true) : 0;
      const insn = (lo & 3) === 3 && off + 4 > size ? null : rv_decode(lo, hi);
      d = insn ? lower(insn) : null;
      cache[off >> 1] = d;
    }
    if (!d) return stop('illegal_instruction', `illegal instruction at 0x${pcBig().toString(16)}`);
    const rd = d.rd, a = d.rs1, b = d.rs2;
    const aL = L[a]!, aH = H[a]!;
    const iL = d.immLo, iH = d.immHi;
    let vL = 0, vH = 0, write = true;
    let next = off + d.len;
    if (d.kobj) {
      const kv = readKernelObject(m, d.kobj, snapshot());
      if (kv !== null) {
        put(rd, kv);
        off = next;
        continue;
      }
    }
    try {
      switch (d.op) {
        case OP.lui: vL = iL; vH = iH; break;
        case OP.auipc: {
          pcPlus(0);
          const lo = (tLo >>> 0) + (iL >>> 0);
          vL = lo | 0;
          vH = (tHi + iH + (lo > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case OP.jal: pcPlus(d.len); vL = tLo; vH = tHi; next = off + iL; break;
        case OP.jalr: {
          pcPlus(d.len);
          vL = tLo;
          vH = tHi;
          const lo = (aL >>> 0) + (iL >>> 0);
          const tl = (lo & ~1) | 0;
          const th = (aH + iH + (lo > 0xffffffff ? 1 : 0)) | 0;
          if (rd) {
            L[rd] = vL;
            H[rd] = vH;
          }
          write = false;
          jumpTo(th, tl);
          if (far !== null) {
            continue;
          }
          next = off;
          break;
        }
        case OP.beq: write = false; if (aL === L[b]! && aH === H[b]!) next = off + iL; break;
        case OP.bne: write = false; if (aL !== L[b]! || aH !== H[b]!) next = off + iL; break;
        case OP.blt: write = false; if (aH < H[b]! || (aH === H[b]! && aL >>> 0 < L[b]! >>> 0)) next = off + iL; break;
        case OP.bge: write = false; if (!(aH < H[b]! || (aH === H[b]! && aL >>> 0 < L[b]! >>> 0))) next = off + iL; break;
        case OP.bltu: write = false; if (aH >>> 0 < H[b]! >>> 0 || (aH === H[b]! && aL >>> 0 < L[b]! >>> 0)) next = off + iL; break;
        case OP.bgeu: write = false; if (!(aH >>> 0 < H[b]! >>> 0 || (aH === H[b]! && aL >>> 0 < L[b]! >>> 0))) next = off + iL; break;
        case OP.lb: case OP.lh: case OP.lw: case OP.ld: case OP.lbu: case OP.lhu: case OP.lwu: {
          const lo = (aL >>> 0) + (iL >>> 0);
          const al = lo >>> 0;
          const ah = (aH + iH + (lo > 0xffffffff ? 1 : 0)) | 0;
          const sz = d.size;
          const r = m.find(ah, al, sz);
          if (r !== null && r.readable && r.access === undefined) {
            const o = al - r.lo;
            switch (d.op) {
              case OP.lb: vL = r.dv.getInt8(o); vH = vL >> 31; break;
              case OP.lbu: vL = r.dv.getUint8(o); break;
              case OP.lh: vL = r.dv.getInt16(o, true); vH = vL >> 31; break;
              case OP.lhu: vL = r.dv.getUint16(o, true); break;
              case OP.lw: vL = r.dv.getInt32(o, true); vH = vL >> 31; break;
              case OP.lwu: vL = r.dv.getInt32(o, true); break;
              default: vL = r.dv.getInt32(o, true); vH = r.dv.getInt32(o + 4, true);
            }
          } else {
            // Context fields, faults: the memory model's full path.
            const v = m.load((BigInt(ah >>> 0) << 32n) | BigInt(al), sz as 1 | 2 | 4 | 8);
            const sv = d.op === OP.lb ? BigInt.asUintN(64, BigInt.asIntN(8, v)) : d.op === OP.lh ? BigInt.asUintN(64, BigInt.asIntN(16, v)) : d.op === OP.lw ? sx32(v) : v;
            vL = Number(sv & 0xffffffffn) | 0;
            vH = Number(sv >> 32n) | 0;
          }
          break;
        }
        case OP.sb: case OP.sh: case OP.sw: case OP.sd: {
          write = false;
          const lo = (aL >>> 0) + (iL >>> 0);
          const al = lo >>> 0;
          const ah = (aH + iH + (lo > 0xffffffff ? 1 : 0)) | 0;
          const sz = d.size;
          const r = m.find(ah, al, sz);
          if (r !== null && r.writable && r.access === undefined) {
            const o = al - r.lo;
            if (sz === 1) r.dv.setUint8(o, L[b]! & 0xff);
            else if (sz === 2) r.dv.setUint16(o, L[b]! & 0xffff, true);
            else if (sz === 4) r.dv.setInt32(o, L[b]!, true);
            else {
              r.dv.setInt32(o, L[b]!, true);
              r.dv.setInt32(o + 4, H[b]!, true);
            }
          } else {
            const v = get(b);
            m.store((BigInt(ah >>> 0) << 32n) | BigInt(al), sz as 1 | 2 | 4 | 8, sz === 8 ? v : v & ((1n << BigInt(sz * 8)) - 1n));
          }
          break;
        }
        case OP.addi: {
          const lo = (aL >>> 0) + (iL >>> 0);
          vL = lo | 0;
          vH = (aH + iH + (lo > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case OP.slti: vL = aH < iH || (aH === iH && aL >>> 0 < iL >>> 0) ? 1 : 0; break;
        case OP.sltiu: vL = aH >>> 0 < iH >>> 0 || (aH === iH && aL >>> 0 < iL >>> 0) ? 1 : 0; break;
        case OP.xori: vL = aL ^ iL; vH = aH ^ iH; break;
        case OP.ori: vL = aL | iL; vH = aH | iH; break;
        case OP.andi: vL = aL & iL; vH = aH & iH; break;
        case OP.slli: shl(aL, aH, iL & 63); vL = sL; vH = sH; break;
        case OP.srli: shr(aL, aH, iL & 63, false); vL = sL; vH = sH; break;
        case OP.srai: shr(aL, aH, iL & 63, true); vL = sL; vH = sH; break;
        case OP.addiw: vL = (aL + iL) | 0; vH = vL >> 31; break;
        case OP.slliw: vL = aL << (iL & 31); vH = vL >> 31; break;
        case OP.srliw: vL = (aL >>> (iL & 31)) | 0; vH = vL >> 31; break;
        case OP.sraiw: vL = aL >> (iL & 31); vH = vL >> 31; break;
        case OP.add: {
          const lo = (aL >>> 0) + (L[b]! >>> 0);
          vL = lo | 0;
          vH = (aH + H[b]! + (lo > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case OP.sub: vL = (aL - L[b]!) | 0; vH = (aH - H[b]! - (aL >>> 0 < L[b]! >>> 0 ? 1 : 0)) | 0; break;
        case OP.sll: shl(aL, aH, L[b]! & 63); vL = sL; vH = sH; break;
        case OP.slt: vL = aH < H[b]! || (aH === H[b]! && aL >>> 0 < L[b]! >>> 0) ? 1 : 0; break;
        case OP.sltu: vL = aH >>> 0 < H[b]! >>> 0 || (aH === H[b]! && aL >>> 0 < L[b]! >>> 0) ? 1 : 0; break;
        case OP.xor: vL = aL ^ L[b]!; vH = aH ^ H[b]!; break;
        case OP.srl: shr(aL, aH, L[b]! & 63, false); vL = sL; vH = sH; break;
        case OP.sra: shr(aL, aH, L[b]! & 63, true); vL = sL; vH = sH; break;
        case OP.or: vL = aL | L[b]!; vH = aH | H[b]!; break;
        case OP.and: vL = aL & L[b]!; vH = aH & H[b]!; break;
        case OP.addw: vL = (aL + L[b]!) | 0; vH = vL >> 31; break;
        case OP.subw: vL = (aL - L[b]!) | 0; vH = vL >> 31; break;
        case OP.sllw: vL = aL << (L[b]! & 31); vH = vL >> 31; break;
        case OP.srlw: vL = (aL >>> (L[b]! & 31)) | 0; vH = vL >> 31; break;
        case OP.sraw: vL = aL >> (L[b]! & 31); vH = vL >> 31; break;
        case OP.mulw: vL = Math.imul(aL, L[b]!); vH = vL >> 31; break;
        case OP.divw: case OP.divuw: case OP.remw: case OP.remuw: vL = divw32(d.op, aL, L[b]!); vH = vL >> 31; break;
        case OP.sh1add: case OP.sh2add: case OP.sh3add: {
          shl(aL, aH, d.op === OP.sh1add ? 1 : d.op === OP.sh2add ? 2 : 3);
          const lo = (sL >>> 0) + (L[b]! >>> 0);
          vL = lo | 0;
          vH = (sH + H[b]! + (lo > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case OP['add.uw']: {
          const lo = (aL >>> 0) + (L[b]! >>> 0);
          vL = lo | 0;
          vH = (H[b]! + (lo > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case OP['sext.b']: vL = (aL << 24) >> 24; vH = vL >> 31; break;
        case OP['sext.h']: vL = (aL << 16) >> 16; vH = vL >> 31; break;
        case OP['zext.h']: vL = aL & 0xffff; break;
        case OP.rev8: vL = bswap32(aH); vH = bswap32(aL); break;
        case OP.fence: write = false; break;
        default: {
          // The rare ones, in bigint: 64-bit mul/div/rem and the atomics.
          const r = slowOp(d, get(a), get(b), get(rd), m, reservation);
          if (typeof r === 'string') return stop('illegal_instruction', `${r} at 0x${pcBig().toString(16)}`);
          reservation = r.reservation;
          if (r.v === null) write = false;
          else {
            vL = Number(r.v & 0xffffffffn) | 0;
            vH = Number(r.v >> 32n) | 0;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof BpfFault)) throw e;
      const ex = extable.get(pcBig());
      if (!ex) return stop('fault', e.message, e);
      // ex_handler_bpf: clear the destination register, resume after the faulting access.
      if (ex.reg) {
        L[ex.reg] = 0;
        H[ex.reg] = 0;
      }
      off = ex.next;
      continue;
    }
    if (write && rd !== 0) {
      L[rd] = vL;
      H[rd] = vH;
    }
    off = next;
  }
}

// Results of the lane shifts (no allocation).
let sL = 0, sH = 0;
function shl(lo: number, hi: number, s: number): void {
  if (s === 0) {
    sL = lo;
    sH = hi;
  } else if (s < 32) {
    sH = (hi << s) | (lo >>> (32 - s));
    sL = lo << s;
  } else {
    sH = lo << (s - 32);
    sL = 0;
  }
}
function shr(lo: number, hi: number, s: number, arith: boolean): void {
  if (s === 0) {
    sL = lo;
    sH = hi;
  } else if (s < 32) {
    sL = (lo >>> s) | (hi << (32 - s));
    sH = arith ? hi >> s : (hi >>> s) | 0;
  } else {
    sL = arith ? hi >> (s - 32) : (hi >>> (s - 32)) | 0;
    sH = arith ? hi >> 31 : 0;
  }
}
function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}
function divw32(op: number, a: number, b: number): number {
  switch (op) {
    case OP.divw: return b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : Math.trunc(a / b) | 0;
    case OP.divuw: return b === 0 ? -1 : Math.floor((a >>> 0) / (b >>> 0)) | 0;
    case OP.remw: return b === 0 ? a : a === -0x80000000 && b === -1 ? 0 : (a % b) | 0;
    default: return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
  }
}

/** 64-bit mul/div/rem and the atomic memory operations, in bigint (rare in BPF code). */
function slowOp(d: Decoded, rs1: bigint, rs2: bigint, rdv: bigint, m: BpfMemory, reservation: bigint | null): { v: bigint | null; reservation: bigint | null } | string {
  switch (d.op) {
    case OP.mul: return { v: u64(rs1 * rs2), reservation };
    case OP.mulh: return { v: u64((s64(rs1) * s64(rs2)) >> 64n), reservation };
    case OP.mulhsu: return { v: u64((s64(rs1) * rs2) >> 64n), reservation };
    case OP.mulhu: return { v: (rs1 * rs2) >> 64n, reservation };
    case OP.div: return { v: rs2 === 0n ? M64 : rs1 === SIGN64 && rs2 === M64 ? rs1 : u64(s64(rs1) / s64(rs2)), reservation };
    case OP.divu: return { v: rs2 === 0n ? M64 : rs1 / rs2, reservation };
    case OP.rem: return { v: rs2 === 0n ? rs1 : rs1 === SIGN64 && rs2 === M64 ? 0n : u64(s64(rs1) % s64(rs2)), reservation };
    case OP.remu: return { v: rs2 === 0n ? rs1 : rs1 % rs2, reservation };
    case OP.amo: {
      const size = d.w ? 4 : 8;
      const old = m.load(rs1, size);
      const a = d.w ? BigInt.asIntN(32, old) : s64(old);
      const b = d.w ? BigInt.asIntN(32, rs2) : s64(rs2);
      let r: bigint;
      switch (d.amo) {
        case 'amoadd': r = a + b; break;
        case 'amoand': r = a & b; break;
        case 'amoor': r = a | b; break;
        case 'amoxor': r = a ^ b; break;
        case 'amoswap': r = b; break;
        default: return `${d.insn.name} is not modelled`;
      }
      m.store(rs1, size, BigInt.asUintN(size * 8, r));
      return { v: d.w ? sx32(old) : old, reservation };
    }
    case OP.lr: {
      const old = m.load(rs1, d.w ? 4 : 8);
      return { v: d.w ? sx32(old) : old, reservation: rs1 };
    }
    case OP.sc: {
      if (reservation === rs1) {
        m.store(rs1, d.w ? 4 : 8, d.w ? rs2 & 0xffffffffn : rs2);
        return { v: 0n, reservation: null };
      }
      return { v: 1n, reservation: null };
    }
    case OP.amocas: {
      // Compare the loaded value with rd (its low 32 bits for .w), swap in rs2 if equal.
      const size = d.w ? 4 : 8;
      const old = m.load(rs1, size);
      const expect = d.w ? rdv & 0xffffffffn : rdv;
      if (old === expect) m.store(rs1, size, d.w ? rs2 & 0xffffffffn : rs2);
      return { v: d.w ? sx32(old) : old, reservation };
    }
  }
  return `${d.insn.name} is not executable here`;
}

/**
 * The kernel objects a tail call reads: `bpf_array.map.max_entries` and `bpf_array.ptrs[index]` of
 * the prog array in a1, then `bpf_prog.bpf_func` of the target. The model's maps and programs are
 * objects with an address, not laid-out structs, so the hart answers these three loads from the
 * objects themselves (the offsets are the 6.18 layout the JIT bakes in). Null: an ordinary load.
 */
function readKernelObject(m: BpfMemory, kind: number, x: bigint[]): bigint | null {
  const BPF_MAP_TYPE_PROG_ARRAY = 3;
  if (kind === 1 || kind === 2) {
    const map = m.objectAt(x[11]!) as { map_type?: number; max_entries?: number; ptrs?: readonly unknown[] } | undefined;
    if (!map || map.map_type !== BPF_MAP_TYPE_PROG_ARRAY) return null;
    if (kind === 1) return BigInt(map.max_entries ?? 0);
    const i = Number((x[7]! - x[11]!) / 8n);
    const p = map.ptrs?.[i];
    return p && typeof p === 'object' ? m.objectAddr(p, 'bpf_prog', 96) : 0n;
  }
  const prog = m.objectAt(x[7]!) as { jited?: boolean; aux?: { jit_data?: { jit?: { imageAddr: bigint } } } } | undefined;
  if (!prog || !prog.aux) return null;
  return prog.jited ? (prog.aux.jit_data?.jit?.imageAddr ?? 0n) : 0n;
}
