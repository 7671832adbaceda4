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
 * Registers are bigints: simple, exact, about a microsecond an instruction (see `npm run bench`).
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
  return { op, len: insn.len, rd: insn.rd, rs1: insn.rs1, rs2: insn.rs2, imm: BigInt(insn.imm), kobj, amo, w, insn };
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
  let image = image0;
  const callBase = opts.bpfCallBase ?? BPF_CALL_BASE;
  const limit = opts.stepLimit ?? 1e7;
  // The image being executed; a tail call switches to the target's image in the JIT region.
  let base = opts.imageAddr ?? IMAGE_BASE;
  let extable = new Map((opts.extable ?? []).map((e) => [base + BigInt(e.insn), e]));
  let dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let cache: (Decoded | null | undefined)[] = new Array(image.length >> 1);
  let end = base + BigInt(image.length);
  const segments = new Map<bigint, { image: Uint8Array; extable: typeof extable; cache: typeof cache }>();
  segments.set(base, { image, extable, cache });
  const helperCalls: HelperCall[] = [];
  let reservation: bigint | null = null;
  let pc = base;
  let steps = 0;
  const stop = (kind: HartError['kind'], message: string, fault?: BpfFault): RunImageResult => ({
    ok: false,
    error: { kind, pc, message, ...(fault ? { fault } : {}) },
    steps,
    helperCalls,
  });

  for (;;) {
    if (pc === RETURN_ADDR) return { ok: true, a0: x[10]!, steps, helperCalls };
    if (pc >= callBase && pc < callBase + HELPER_WINDOW) {
      // A call into kernel text: run the modelled helper, then return to ra.
      if ((pc - callBase) % HELPER_STRIDE !== 0n) return stop('bad_pc', `pc 0x${pc.toString(16)} is inside a helper`);
      const id = Number((pc - callBase) / HELPER_STRIDE);
      const fn = helpers[id];
      if (!fn) return stop('unknown_helper', `call to unknown helper ${id}`);
      const regs = { lo: new Int32Array(12), hi: new Int32Array(12) };
      const args = [x[10]!, x[11]!, x[12]!, x[13]!, x[14]!];
      for (let k = 0; k < 5; k++) {
        regs.lo[k + 1] = Number(args[k]! & 0xffffffffn) | 0;
        regs.hi[k + 1] = Number(args[k]! >> 32n) | 0;
      }
      try {
        fn(env, regs, -1);
      } catch (e) {
        if (e instanceof BpfFault) return stop('fault', e.message, e);
        throw e;
      }
      const ret = (BigInt(regs.hi[0]! >>> 0) << 32n) | BigInt(regs.lo[0]! >>> 0);
      helperCalls.push({ id, args, ret });
      x[10] = ret;
      pc = x[1]!;
      continue;
    }
    if (pc < base || pc >= end) {
      const img = bpf_jit_region_find(pc);
      if (!img) return stop('bad_pc', `pc 0x${pc.toString(16)} is outside the image`);
      let seg = segments.get(img.addr);
      if (!seg) {
        seg = { image: img.image, extable: new Map(img.extable.map((e) => [img.addr + BigInt(e.insn), e])), cache: new Array(img.image.length >> 1) };
        segments.set(img.addr, seg);
      }
      base = img.addr;
      end = base + BigInt(seg.image.length);
      dv = new DataView(seg.image.buffer, seg.image.byteOffset, seg.image.byteLength);
      cache = seg.cache;
      extable = seg.extable;
      image = seg.image;
    }
    if ((pc & 1n) !== 0n) return stop('bad_pc', `pc 0x${pc.toString(16)} is misaligned`);
    if (++steps > limit) return stop('step_limit', `step limit ${limit} reached`);
    if (opts.trace) opts.trace(pc, x);
    const off = Number(pc - base);
    let d = cache[off >> 1];
    if (d === undefined) {
      const lo = dv.getUint16(off, true);
      const hi = (lo & 3) === 3 && off + 4 <= image.length ? dv.getUint16(off + 2, true) : 0;
      const insn = (lo & 3) === 3 && off + 4 > image.length ? null : rv_decode(lo, hi);
      d = insn ? lower(insn) : null;
      cache[off >> 1] = d;
    }
    if (!d) return stop('illegal_instruction', `illegal instruction at 0x${pc.toString(16)}`);
    const next = pc + BigInt(d.len);
    const rs1 = x[d.rs1]!, rs2 = x[d.rs2]!, imm = d.imm;
    let v: bigint | null = null;
    let npc = next;
    if (d.kobj) {
      const kv = readKernelObject(m, d.kobj, x);
      if (kv !== null) {
        if (d.rd !== 0) x[d.rd] = kv;
        pc = npc;
        continue;
      }
    }
    try {
      switch (d.op) {
        case OP.lui: v = u64(imm); break;
        case OP.auipc: v = u64(pc + imm); break;
        case OP.jal: v = next; npc = u64(pc + imm); break;
        case OP.jalr: v = next; npc = u64(rs1 + imm) & ~1n; break;
        case OP.beq: if (rs1 === rs2) npc = u64(pc + imm); break;
        case OP.bne: if (rs1 !== rs2) npc = u64(pc + imm); break;
        case OP.blt: if (s64(rs1) < s64(rs2)) npc = u64(pc + imm); break;
        case OP.bge: if (s64(rs1) >= s64(rs2)) npc = u64(pc + imm); break;
        case OP.bltu: if (rs1 < rs2) npc = u64(pc + imm); break;
        case OP.bgeu: if (rs1 >= rs2) npc = u64(pc + imm); break;
        case OP.lb: v = BigInt.asUintN(64, BigInt.asIntN(8, m.load(u64(rs1 + imm), 1))); break;
        case OP.lh: v = BigInt.asUintN(64, BigInt.asIntN(16, m.load(u64(rs1 + imm), 2))); break;
        case OP.lw: v = sx32(m.load(u64(rs1 + imm), 4)); break;
        case OP.ld: v = m.load(u64(rs1 + imm), 8); break;
        case OP.lbu: v = m.load(u64(rs1 + imm), 1); break;
        case OP.lhu: v = m.load(u64(rs1 + imm), 2); break;
        case OP.lwu: v = m.load(u64(rs1 + imm), 4); break;
        case OP.sb: m.store(u64(rs1 + imm), 1, rs2 & 0xffn); break;
        case OP.sh: m.store(u64(rs1 + imm), 2, rs2 & 0xffffn); break;
        case OP.sw: m.store(u64(rs1 + imm), 4, rs2 & 0xffffffffn); break;
        case OP.sd: m.store(u64(rs1 + imm), 8, rs2); break;
        case OP.addi: v = u64(rs1 + imm); break;
        case OP.slti: v = s64(rs1) < imm ? 1n : 0n; break;
        case OP.sltiu: v = rs1 < u64(imm) ? 1n : 0n; break;
        case OP.xori: v = u64(rs1 ^ u64(imm)); break;
        case OP.ori: v = rs1 | u64(imm); break;
        case OP.andi: v = rs1 & u64(imm); break;
        case OP.slli: v = u64(rs1 << imm); break;
        case OP.srli: v = rs1 >> imm; break;
        case OP.srai: v = u64(s64(rs1) >> imm); break;
        case OP.addiw: v = sx32(rs1 + imm); break;
        case OP.slliw: v = sx32(rs1 << imm); break;
        case OP.srliw: v = sx32((rs1 & 0xffffffffn) >> imm); break;
        case OP.sraiw: v = sx32(BigInt.asIntN(32, rs1) >> imm); break;
        case OP.add: v = u64(rs1 + rs2); break;
        case OP.sub: v = u64(rs1 - rs2); break;
        case OP.sll: v = u64(rs1 << (rs2 & 63n)); break;
        case OP.slt: v = s64(rs1) < s64(rs2) ? 1n : 0n; break;
        case OP.sltu: v = rs1 < rs2 ? 1n : 0n; break;
        case OP.xor: v = rs1 ^ rs2; break;
        case OP.srl: v = rs1 >> (rs2 & 63n); break;
        case OP.sra: v = u64(s64(rs1) >> (rs2 & 63n)); break;
        case OP.or: v = rs1 | rs2; break;
        case OP.and: v = rs1 & rs2; break;
        case OP.mul: v = u64(rs1 * rs2); break;
        case OP.mulh: v = u64((s64(rs1) * s64(rs2)) >> 64n); break;
        case OP.mulhsu: v = u64((s64(rs1) * rs2) >> 64n); break;
        case OP.mulhu: v = (rs1 * rs2) >> 64n; break;
        case OP.div: v = rs2 === 0n ? M64 : rs1 === SIGN64 && rs2 === M64 ? rs1 : u64(s64(rs1) / s64(rs2)); break;
        case OP.divu: v = rs2 === 0n ? M64 : rs1 / rs2; break;
        case OP.rem: v = rs2 === 0n ? rs1 : rs1 === SIGN64 && rs2 === M64 ? 0n : u64(s64(rs1) % s64(rs2)); break;
        case OP.remu: v = rs2 === 0n ? rs1 : rs1 % rs2; break;
        case OP.addw: v = sx32(rs1 + rs2); break;
        case OP.subw: v = sx32(rs1 - rs2); break;
        case OP.sllw: v = sx32(rs1 << (rs2 & 31n)); break;
        case OP.srlw: v = sx32((rs1 & 0xffffffffn) >> (rs2 & 31n)); break;
        case OP.sraw: v = sx32(BigInt.asIntN(32, rs1) >> (rs2 & 31n)); break;
        case OP.mulw: v = sx32(rs1 * rs2); break;
        case OP.divw: case OP.divuw: case OP.remw: case OP.remuw: v = divw(d.op, rs1, rs2); break;
        case OP.sh1add: v = u64((rs1 << 1n) + rs2); break;
        case OP.sh2add: v = u64((rs1 << 2n) + rs2); break;
        case OP.sh3add: v = u64((rs1 << 3n) + rs2); break;
        case OP['add.uw']: v = u64((rs1 & 0xffffffffn) + rs2); break;
        case OP['sext.b']: v = BigInt.asUintN(64, BigInt.asIntN(8, rs1)); break;
        case OP['sext.h']: v = BigInt.asUintN(64, BigInt.asIntN(16, rs1)); break;
        case OP['zext.h']: v = rs1 & 0xffffn; break;
        case OP.rev8: {
          let r = 0n;
          for (let k = 0n; k < 64n; k += 8n) r = (r << 8n) | ((rs1 >> k) & 0xffn);
          v = r;
          break;
        }
        case OP.fence: break;
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
            default: return stop('illegal_instruction', `${d.insn.name} is not modelled`);
          }
          m.store(rs1, size, BigInt.asUintN(size * 8, r));
          v = d.w ? sx32(old) : old;
          break;
        }
        case OP.lr: {
          const size = d.w ? 4 : 8;
          reservation = rs1;
          const old = m.load(rs1, size);
          v = d.w ? sx32(old) : old;
          break;
        }
        case OP.sc: {
          const size = d.w ? 4 : 8;
          if (reservation === rs1) {
            m.store(rs1, size, d.w ? rs2 & 0xffffffffn : rs2);
            v = 0n;
          } else v = 1n;
          reservation = null;
          break;
        }
        case OP.amocas: {
          // Compare the loaded value with rd (its low 32 bits for .w), swap in rs2 if equal.
          const size = d.w ? 4 : 8;
          const old = m.load(rs1, size);
          const expect = d.w ? x[d.rd]! & 0xffffffffn : x[d.rd]!;
          if (old === expect) m.store(rs1, size, d.w ? rs2 & 0xffffffffn : rs2);
          v = d.w ? sx32(old) : old;
          break;
        }
        default:
          return stop('illegal_instruction', `${d.insn.name} at 0x${pc.toString(16)} is not executable here`);
      }
    } catch (e) {
      if (!(e instanceof BpfFault)) throw e;
      const ex = extable.get(pc);
      if (!ex) return stop('fault', e.message, e);
      // ex_handler_bpf: clear the destination register, resume after the faulting access.
      if (ex.reg) x[ex.reg] = 0n;
      pc = base + BigInt(ex.next);
      continue;
    }
    if (v !== null && d.rd !== 0) x[d.rd] = v;
    pc = npc;
  }
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

function divw(op: number, a64: bigint, b64: bigint): bigint {
  const a = BigInt.asIntN(32, a64), b = BigInt.asIntN(32, b64);
  const ua = a64 & 0xffffffffn, ub = b64 & 0xffffffffn;
  switch (op) {
    case OP.divw: return sx32(b === 0n ? -1n : a === -(1n << 31n) && b === -1n ? a : a / b);
    case OP.divuw: return sx32(ub === 0n ? 0xffffffffn : ua / ub);
    case OP.remw: return sx32(b === 0n ? a : a === -(1n << 31n) && b === -1n ? 0n : a % b);
    default: return sx32(ub === 0n ? ua : ua % ub);
  }
}
