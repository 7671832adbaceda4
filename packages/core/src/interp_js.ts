/**
 * The interpreter's fast tier: a predecoded program turned into one JavaScript function, so
 * V8 compiles it to machine code with the eleven registers in locals (as a JIT keeps them in
 * machine registers). Same semantics as `___bpf_prog_run` (interp.ts), by construction: the
 * same memory slow paths and arithmetic helpers, and the differential tests run both.
 * It models the same kernel function, kernel/bpf/core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (___bpf_prog_run)
 *
 * Why a second tier: a `switch` interpreter in JavaScript pays a mispredicted indirect jump and
 * typed-array traffic per instruction; compiling each program once removes both. What it does
 * not compile (tail calls, LD_ABS/LD_IND, may_goto, kfunc calls, tracing, programs over
 * {@link CHUNK_INSNS} instructions that make bpf-to-bpf calls, programs over
 * {@link MAX_COMPILED_INSNS}) runs on the switch interpreter, and so does everything where
 * `new Function` is unavailable (a strict Content-Security-Policy).
 *
 * Block structure: a `switch (pc)` over basic blocks inside `dispatch: for (;;)`; straight-line
 * code falls through from one block into the next; a taken jump sets `pc` and continues. Each
 * block adds its length to the executed-instruction count on entry, so the count stays exact.
 * Loops become JavaScript loops with one limit check per iteration (the `loops` and
 * `emit-loops` regions); long programs become one function per chunk (`emit-chunks`), since
 * V8 leaves functions over 60 KB of bytecode unoptimized.
 *
 * Helper calls: `bpf_map_lookup_elem` on an array map remembers its answer per call site
 * (`emit-map-lookup`); ADD/OR/AND/XOR atomics on a cached writable region are inline
 * (`emit-atomic`). Everything else calls the helper table with the registers in `L`/`H`.
 * @module
 */
import type { bpf_prog, BpfRegs, BpfRunEnv, BpfRunResult } from './filter.js';
import { BpfFault, type BpfMemory } from './memory.js';
import { bpf_map_lookup_elem } from './helpers.js';
import { array_map_lookup_elem, type BpfMap } from '@bpf-internals/maps';
import { interpSupport as S, interpret, type Predecoded } from './interp.js';
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from '@bpf-internals/uapi';

export type Compiled = (env: BpfRunEnv, L: Int32Array, H: Int32Array, pd: Predecoded, regs: { lo: Int32Array; hi: Int32Array }) => BpfRunResult;

/** Programs longer than this run on the switch interpreter (see bpf_prog_js_source). */
export const MAX_COMPILED_INSNS = 1_000_000;
/** Instructions per compiled function of a long program (see the emit-chunks region). */
export const CHUNK_INSNS = 512;

const compiled = new WeakMap<Predecoded, Entry | null>();
const SIZES = [4, 2, 1, 8];

/** Can this tier compile the instruction? (The rest makes the whole program use the switch.) */
function supported(code: number, src: number): boolean {
  if (code === 0x85) return src === 0 || src === 1; // helpers and bpf-to-bpf calls (not kfuncs)
  if (code === 0xf5 || code === 0xe5) return false; // tail call, may_goto
  if ((code & 7) === 0 && code !== 0x18) return false; // LD_ABS / LD_IND
  return true;
}

const u = (v: number) => v >>> 0;

/** `BPF_FUNC_map_lookup_elem`. */
const FUNC_MAP_LOOKUP_ELEM = 1;
/** Array indexes a lookup site remembers (larger ones always call the helper). */
const LOOKUP_SITE_ENTRIES = 64;

/**
 * What one `call bpf_map_lookup_elem` site remembers: the array map its r1 named, the stack
 * region its key was in, and r0 for each index it has seen. Valid while the address space is
 * the same and no region went away (`epoch`): an array map's element for an index is then
 * always the same region, so r0 is what `bpf_map_lookup_elem` would return again.
 */
interface LookupSite {
  mem: BpfMemory | null;
  epoch: number;
  hi: number;
  lo: number;
  max: number;
  /** The key's region (hi -1 when none yet). */
  khi: number;
  klo: number;
  ksize: number;
  kdv: DataView | null;
  seen: Uint8Array;
  rlo: Int32Array;
  rhi: Int32Array;
  /** The index the last miss read (-1: not cacheable). */
  miss: number;
}

function lookupSite(): LookupSite {
  return {
    mem: null, epoch: -1, hi: 0, lo: 0, max: 0, khi: 0, klo: 0, ksize: -1, kdv: null,
    seen: new Uint8Array(LOOKUP_SITE_ENTRIES), rlo: new Int32Array(LOOKUP_SITE_ENTRIES), rhi: new Int32Array(LOOKUP_SITE_ENTRIES), miss: -1,
  };
}

let lookupOutLo = 0;
let lookupOutHi = 0;
const lookupLo = (): number => lookupOutLo;
const lookupHi = (): number => lookupOutHi;

/**
 * The remembered answer of a `bpf_map_lookup_elem` site for r1 = (h1, l1), r2 = (h2, l2), or
 * false: then the compiled code calls the helper (which faults, or answers, and the answer is
 * remembered by {@link lookupSave}). Only the stock helper on a plain array map qualifies.
 */
function lookupFast(env: BpfRunEnv, site: LookupSite, h1: number, l1: number, h2: number, l2: number): boolean {
  site.miss = -1;
  const mem = env.mem;
  if (env.helpers[FUNC_MAP_LOOKUP_ELEM] !== bpf_map_lookup_elem) return false;
  if (site.mem !== mem || site.epoch !== mem.epoch || site.hi !== h1 || site.lo !== l1) {
    const m = mem.objectAtHL(h1, l1) as BpfMap | undefined;
    site.mem = null;
    if (!m || typeof m !== 'object' || !('ops' in m) || m.ops.map_lookup_elem !== array_map_lookup_elem || m.key_size !== 4) return false;
    site.mem = mem;
    site.epoch = mem.epoch;
    site.hi = h1;
    site.lo = l1;
    site.max = m.max_entries;
    site.ksize = -1;
    site.seen.fill(0);
  }
  const a = l2 >>> 0;
  let o = a - site.klo;
  if (site.khi !== h2 || o < 0 || o + 4 > site.ksize) {
    const r = mem.find(h2, a, 4);
    if (r === null || !r.readable || r.access !== undefined) return false;
    site.khi = r.hi;
    site.klo = r.lo;
    site.ksize = r.size;
    site.kdv = r.dv;
    o = a - r.lo;
  }
  const index = site.kdv!.getUint32(o, true);
  if (index >= LOOKUP_SITE_ENTRIES) return false;
  if (site.seen[index] === 0) {
    site.miss = index;
    return false;
  }
  lookupOutLo = site.rlo[index]!;
  lookupOutHi = site.rhi[index]!;
  return true;
}

/** Remember the helper's answer for the index {@link lookupFast} missed. */
function lookupSave(env: BpfRunEnv, site: LookupSite, lo: number, hi: number): void {
  const index = site.miss;
  if (index < 0 || site.mem !== env.mem || site.epoch !== env.mem.epoch) return;
  site.seen[index] = 1;
  site.rlo[index] = lo;
  site.rhi[index] = hi;
}

/** JavaScript source of the program, or null when some instruction is not supported. */
export function bpf_prog_js_source(pd: Predecoded): string | null {
  const P = pd.P;
  const n = pd.len;
  // V8 leaves very large functions to its bytecode interpreter, where this tier is slower than
  // the switch interpreter: long programs stay on the switch.
  if (n > MAX_COMPILED_INSNS) return null;
  // Leaders: 0, jump targets, instructions after a jump or an exit.
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  for (let i = 0; i < n; i++) {
    const w = P[i * 4]!;
    const code = w & 0xff;
    if (w === 0x100) continue; // second ld_imm64 slot
    if (!supported(code, (w >> 12) & 15)) return null;
    const cls = code & 7;
    if (cls === 0x05 || cls === 0x06) {
      const op = code & 0xf0;
      if (op === 0x80) {
        // A bpf-to-bpf call: its target and its return point are dispatched to.
        if (((w >> 12) & 15) === 1) {
          leader[i + 1 + P[i * 4 + 2]!] = 1;
          leader[i + 1] = 1;
        }
        continue;
      }
      if (op === 0x90) {
        leader[i + 1] = 1;
        continue;
      }
      const off = code === 0x06 ? P[i * 4 + 2]! : P[i * 4 + 1]!;
      leader[i + 1 + off] = 1;
      leader[i + 1] = 1;
    }
  }
  // bpf-to-bpf calls need the frame stacks; without them an exit always ends the program.
  let hasCalls = false;
  for (let i = 0; i < n; i++) if ((P[i * 4]! & 0xf0ff) === 0x1085) hasCalls = true;
  // Frames live in one function's locals: long programs with subprograms stay on the switch.
  if (hasCalls && n > CHUNK_INSNS) return null;
  // Blocks: start, the instruction indexes in it.
  const blocks: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (P[i * 4] === 0x100) continue;
    // (Straight-line code is cut every CHUNK_INSNS instructions, so chunks can split it.)
    if (leader[i] || blocks.length === 0 || blocks[blocks.length - 1]!.length >= CHUNK_INSNS) blocks.push([]);
    blocks[blocks.length - 1]!.push(i);
  }
  // #region loops
  // Natural loops as JavaScript loops: a back edge from block B to block T, where only forward
  // jumps from inside the loop enter (T, B], becomes `loop_T: for (;;) { T..B }`. The back
  // edge is then a `continue loop_T`, not a trip through the `switch (pc)` dispatch, and V8
  // keeps the loop's registers in machine registers across iterations (as a JIT's loop
  // would). A forward jump inside the body is a `break` out of a labelled block that ends
  // just before its target.
  const blockOf = new Int32Array(n + 1).fill(-1);
  blocks.forEach((b, bi) => b.forEach((i) => (blockOf[i] = bi)));
  const targeted = new Uint8Array(blocks.length + 1);
  /** Per block, the blocks that jump to it (-1: a call or a return lands there). */
  const sources: number[][] = blocks.map(() => []);
  const backEdges: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const w = P[i * 4]!;
    if (w === 0x100) continue;
    const code = w & 0xff;
    const cls = code & 7;
    if (cls !== 0x05 && cls !== 0x06) continue;
    const op = code & 0xf0;
    if (op === 0x90) continue;
    if (op === 0x80) {
      if (((w >> 12) & 15) === 1) {
        targeted[blockOf[i + 1 + P[i * 4 + 2]!]!] = 1;
        targeted[blockOf[i + 1]!] = 1;
        sources[blockOf[i + 1 + P[i * 4 + 2]!]!]!.push(-1);
        if (blockOf[i + 1]! >= 0) sources[blockOf[i + 1]!]!.push(-1);
      }
      continue;
    }
    const t = blockOf[i + 1 + (code === 0x06 ? P[i * 4 + 2]! : P[i * 4 + 1]!)]!;
    targeted[t] = 1;
    sources[t]!.push(blockOf[i]!);
    if (t <= blockOf[i]!) backEdges.push([t, blockOf[i]!]);
  }
  /** Loop head block -> last block of the loop. */
  const loopEnd = new Map<number, number>();
  for (const [t, b] of backEdges) {
    let ok = true;
    for (let k = t + 1; k <= b && ok; k++) if (targeted[k] && sources[k]!.some((src) => src < t || src >= k)) ok = false;
    if (ok && (loopEnd.get(t) ?? -1) < b) loopEnd.set(t, b);
  }
  // Overlapping candidates (one loop's head inside another's body cannot happen: a back edge
  // targets that head) are therefore disjoint or nested at the same head; the largest wins.
  // #endregion loops
  // Emission state. In a loop's fast copy (`fast`), `n` holds the count at the loop head and
  // `base` counts the instructions of the blocks before the current one: the count is added
  // once when control leaves the body, and the limit is checked once per iteration.
  let fast = false;
  let base = 0;
  let loopHeadPc = -1;
  /** Inside the fast copy: interior jump targets -> the count before them (from the head). */
  const inner = new Map<number, number>();
  /** Inside a checked copy: its instruction range (jumps into it stay in it). */
  let slowFrom = -1;
  let slowTo = -1;
  const jump = (target: number, flush: string, done: number) => {
    if (fast && target === loopHeadPc) return `${flush}continue loop_${loopHeadPc};`;
    if (fast && inner.has(target)) return `n -= ${inner.get(target)! - done}; break skip_${target};`;
    if (slowFrom >= 0 && target > slowFrom && target <= slowTo) return `pc = ${-1 - target}; continue dispatch;`;
    return `${flush}pc = ${target}; continue dispatch;`;
  };
  const memSites: number[] = [];
  const atomicSites = new Set<number>();
  const lookupSites: number[] = [];
  const out: string[] = [];
  // A memory site's cache: the region's fields in locals (no property loads on the fast path);
  // size -1 means empty.
  // An atomic site caches only a region it may also write.
  // A site's cache is one local holding the region (NOREG, size -1, when empty): one loop phi
  // per site, not one per field (0.36 -> 0.31 ns/insn on the checksum loop, fewer spills).
  const fHi = (k: number) => `r${k}.hi`;
  const fLo = (k: number) => `r${k}.lo`;
  const fSz = (k: number) => `r${k}.size`;
  const fV = (k: number) => `r${k}.dv`;
  const fB = (k: number) => `r${k}.bytes`;
  const refillFrom = (k: number) => `r${k} = c;`;
  const usable = (k: number) => (atomicSites.has(k) ? `c !== null && c.writable && c.readable` : `c !== null`);
  const refill = (k: number) => `c = rc[${k}]; if (${usable(k)}) { ${refillFrom(k)} } else r${k} = NOREG;`;
  const R = (r: number) => [`l${r}`, `h${r}`] as const;
  const emitBlock = (b: number[], bi: number) => {
    const len = b.length;
    if (!fast) out.push(`n += ${len}; if (n > limit) return LIMIT(env, limit, n - ${len}, ${bi});`);
    b.forEach((i, j) => {
      // The executed-instruction count including this instruction, and the statement that
      // makes `n` hold it (fast copies only) before control leaves the loop body.
      const cnt = fast ? `n + ${base + j + 1}` : `n - ${len - j - 1}`;
      const flush = fast ? `n += ${base + j + 1}; ` : '';
      const w = P[i * 4]!;
      const code = w & 0xff;
      const d = (w >> 8) & 15;
      const s = (w >> 12) & 15;
      const off = P[i * 4 + 1]!;
      const imm = P[i * 4 + 2]!;
      const [lD, hD] = R(d);
      const [lS, hS] = R(s);
      const cls = code & 7;
      const op = code & 0xf0;
      const isX = (code & 8) !== 0;
      const bl = isX ? lS : `${imm}`;
      const bh = isX ? hS : `${imm >> 31}`;
      const ubl = isX ? `(${lS} >>> 0)` : `${u(imm)}`;
      const ubh = isX ? `(${hS} >>> 0)` : `${u(imm >> 31)}`;
      if (cls === 0x07) {
        switch (op) {
          // #region emit-add
          case 0x00:
            // Int32 adds; the carry out of the low half is "the unsigned sum is below an
            // operand". (An A/B run in one process: 0.50 vs 0.55 ns/insn on the checksum loop
            // against float64 sums, whose `t > 2**32 - 1` V8 speculates as an int32 add with
            // an overflow deopt.)
            if (!isX) out.push(`${lD} = (${lD} + ${imm}) | 0; ${hD} = (${hD} + ${imm >> 31} + ((${lD} >>> 0) < ${u(imm)} ? 1 : 0)) | 0;`);
            else out.push(`t = ${lD}; ${lD} = (t + ${lS}) | 0; ${hD} = (${hD} + ${hS} + ((${lD} >>> 0) < (t >>> 0) ? 1 : 0)) | 0;`);
            break;
          case 0x10:
            if (!isX) out.push(`t = ${lD}; ${lD} = (t - ${imm}) | 0; ${hD} = (${hD} - ${imm >> 31} - ((t >>> 0) < ${u(imm)} ? 1 : 0)) | 0;`);
            else out.push(`t = ${lD}; a = ${lS}; ${lD} = (t - a) | 0; ${hD} = (${hD} - ${hS} - ((t >>> 0) < (a >>> 0) ? 1 : 0)) | 0;`);
            break;
          // #endregion emit-add
          case 0x20:
            out.push(`t = ${lD}; ${hD} = (umulh(t >>> 0, ${ubl}) + Math.imul(t, ${bh}) + Math.imul(${hD}, ${bl})) | 0; ${lD} = Math.imul(t, ${bl});`);
            break;
          case 0x30:
          case 0x90:
            out.push(`L[14] = ${lD}; H[14] = ${hD}; divmod64(L, H, 14, ${bl}, ${bh}, ${off === 1}, ${op === 0x90}); ${lD} = L[14]; ${hD} = H[14];`);
            break;
          case 0x40:
            out.push(`${lD} |= ${bl}; ${hD} |= ${bh};`);
            break;
          case 0x50:
            out.push(`${lD} &= ${bl}; ${hD} &= ${bh};`);
            break;
          case 0xa0:
            out.push(`${lD} ^= ${bl}; ${hD} ^= ${bh};`);
            break;
          case 0x60:
          case 0x70:
          case 0xc0: {
            const f = op === 0x60 ? 'lsh64' : op === 0x70 ? 'rsh64' : 'arsh64';
            if (!isX) {
              const k = imm & 63;
              if (k === 0) break;
              if (op === 0x60) {
                out.push(k < 32 ? `${hD} = (${hD} << ${k}) | (${lD} >>> ${32 - k}); ${lD} = ${lD} << ${k};` : `${hD} = ${lD} << ${k - 32}; ${lD} = 0;`);
              } else if (op === 0x70) {
                out.push(k < 32 ? `${lD} = (${lD} >>> ${k}) | (${hD} << ${32 - k}); ${hD} = ${hD} >>> ${k};` : `${lD} = ${hD} >>> ${k - 32}; ${hD} = 0;`);
              } else {
                out.push(k < 32 ? `${lD} = (${lD} >>> ${k}) | (${hD} << ${32 - k}); ${hD} = ${hD} >> ${k};` : `${lD} = ${hD} >> ${k - 32}; ${hD} = ${hD} >> 31;`);
              }
              // keep both halves in int32 representation
              out.push(`${lD} |= 0; ${hD} |= 0;`);
            } else out.push(`L[14] = ${lD}; H[14] = ${hD}; ${f}(L, H, 14, ${lS} & 63); ${lD} = L[14]; ${hD} = H[14];`);
            break;
          }
          case 0x80:
            out.push(`t = ${lD}; ${lD} = -t | 0; ${hD} = (~${hD} + (t === 0 ? 1 : 0)) | 0;`);
            break;
          case 0xb0:
            if (isX && off !== 0) {
              const sx = off === 8 ? `(${lS} << 24) >> 24` : off === 16 ? `(${lS} << 16) >> 16` : `${lS}`;
              out.push(`${lD} = ${sx}; ${hD} = ${lD} >> 31;`);
            } else out.push(`${lD} = ${bl}; ${hD} = ${bh};`);
            break;
          case 0xd0:
            out.push(
              imm === 16
                ? `${lD} = ((${lD} & 0xff) << 8) | ((${lD} >> 8) & 0xff); ${hD} = 0;`
                : imm === 32
                  ? `${lD} = bswap32(${lD}); ${hD} = 0;`
                  : `t = ${lD}; ${lD} = bswap32(${hD}); ${hD} = bswap32(t);`,
            );
            break;
        }
        return;
      }
      if (cls === 0x04) {
        const z = `${hD} = 0;`;
        switch (op) {
          case 0x00:
            out.push(`${lD} = (${lD} + ${bl}) | 0; ${z}`);
            break;
          case 0x10:
            out.push(`${lD} = (${lD} - ${bl}) | 0; ${z}`);
            break;
          case 0x20:
            out.push(`${lD} = Math.imul(${lD}, ${bl}); ${z}`);
            break;
          case 0x30:
          case 0x90:
            out.push(`${lD} = divmod32(${lD}, ${bl}, ${off === 1}, ${op === 0x90}) | 0; ${z}`);
            break;
          case 0x40:
            out.push(`${lD} |= ${bl}; ${z}`);
            break;
          case 0x50:
            out.push(`${lD} &= ${bl}; ${z}`);
            break;
          case 0xa0:
            out.push(`${lD} ^= ${bl}; ${z}`);
            break;
          case 0x60:
            out.push(`${lD} = ${lD} << ${isX ? `(${lS} & 31)` : imm & 31}; ${z}`);
            break;
          case 0x70:
            out.push(`${lD} = (${lD} >>> ${isX ? `(${lS} & 31)` : imm & 31}) | 0; ${z}`);
            break;
          case 0xc0:
            out.push(`${lD} = ${lD} >> ${isX ? `(${lS} & 31)` : imm & 31}; ${z}`);
            break;
          case 0x80:
            out.push(`${lD} = -${lD} | 0; ${z}`);
            break;
          case 0xb0:
            if (isX && off === 8) out.push(`${lD} = (${lS} << 24) >> 24; ${z}`);
            else if (isX && off === 16) out.push(`${lD} = (${lS} << 16) >> 16; ${z}`);
            else out.push(`${lD} = ${bl}; ${z}`);
            break;
          case 0xd0:
            if (code === 0xd4) {
              if (imm === 16) out.push(`${lD} &= 0xffff;`);
              if (imm !== 64) out.push(z);
            } else {
              out.push(
                imm === 16
                  ? `${lD} = ((${lD} & 0xff) << 8) | ((${lD} >> 8) & 0xff); ${z}`
                  : imm === 32
                    ? `${lD} = bswap32(${lD}); ${z}`
                    : `t = ${lD}; ${lD} = bswap32(${hD}); ${hD} = bswap32(t);`,
              );
            }
            break;
        }
        return;
      }
      if (code === 0x18) {
        out.push(`${lD} = ${P[i * 4 + 2]}; ${hD} = ${P[i * 4 + 3]};`);
        return;
      }
      if (cls === 0x05 || cls === 0x06) {
        if (code === 0x95) {
          // exit: from the main frame, the result; from a subprogram, back to the caller with
          // its r6-r9 and frame pointer restored.
          if (!hasCalls) {
            out.push(flush, `env.insns = n; return { ok: true, r0: toBig(h0, l0), insns: n };`);
            return;
          }
          out.push(
            flush,
            `if (depth === 0) { env.insns = n; return { ok: true, r0: toBig(h0, l0), insns: n }; }`,
            `depth--; t = depth * 10; l6 = fS[t]; l7 = fS[t + 1]; l8 = fS[t + 2]; l9 = fS[t + 3]; l10 = fS[t + 4]; h6 = fS[t + 5]; h7 = fS[t + 6]; h8 = fS[t + 7]; h9 = fS[t + 8]; h10 = fS[t + 9];`,
            `pc = fR[depth]; continue dispatch;`,
          );
          return;
        }
        if (code === 0x85 && s === 1) {
          out.push(
            flush,
            `if (depth + 1 >= ${MAX_CALL_FRAMES}) { env.insns = ${fast ? 'n' : cnt}; return { ok: false, error: { kind: 'call_depth', insn: ${i}, message: 'the call stack of ' + (depth + 2) + ' frames is too deep' }, insns: env.insns }; }`,
            `t = depth * 10; fS[t] = l6; fS[t + 1] = l7; fS[t + 2] = l8; fS[t + 3] = l9; fS[t + 4] = l10; fS[t + 5] = h6; fS[t + 6] = h7; fS[t + 7] = h8; fS[t + 8] = h9; fS[t + 9] = h10;`,
            `fR[depth] = ${i + 1}; depth++;`,
            `fr = mem.stackFrame(depth, ${MAX_BPF_STACK}); fr.bytes.fill(0); l10 = (fr.lo + fr.size) | 0; h10 = fr.hi;`,
            `pc = ${i + 1 + imm}; continue dispatch;`,
          );
          return;
        }
        if (code === 0x85 && imm === FUNC_MAP_LOOKUP_ELEM) {
          // #region emit-map-lookup
          // bpf_map_lookup_elem on an array map: the answer for an index never changes while
          // the address space keeps its regions, so the call site remembers it (lookupSite).
          lookupSites.push(i);
          out.push(
            // The remembered answer, inline (the same checks as lookupFast's hit path).
            `if (ls${i}.mem === mem && ls${i}.epoch === mem.epoch && ls${i}.hi === h1 && ls${i}.lo === l1 && ls${i}.khi === h2 && (o = (l2 >>> 0) - ls${i}.klo) >= 0 && o + 4 <= ls${i}.ksize`,
            ` && (t = ls${i}.kdv.getInt32(o, true)) >= 0 && t < ${LOOKUP_SITE_ENTRIES} && ls${i}.seen[t] === 1 && env.helpers[${FUNC_MAP_LOOKUP_ELEM}] === LOOKUP_HELPER) { l0 = ls${i}.rlo[t]; h0 = ls${i}.rhi[t]; }`,
            `else if (LOOKUP(env, ls${i}, h1, l1, h2, l2)) { l0 = LOOKUP_LO() | 0; h0 = LOOKUP_HI() | 0; } else {`,
            `L[1] = l1; H[1] = h1; L[2] = l2; H[2] = h2; L[3] = l3; H[3] = h3; L[4] = l4; H[4] = h4; L[5] = l5; H[5] = h5;`,
            `fn = env.helpers[${imm}]; if (fn === undefined) { env.insns = ${cnt}; return HELPER(${i}, ${imm}, env.insns); }`,
            `env.insns = ${cnt}; fn(env, regs, ${i}); l0 = L[0]; h0 = H[0]; LOOKUP_SAVE(env, ls${i}, l0, h0);`,
            `/*CLEAR*/`,
            `}`,
          );
          // #endregion emit-map-lookup
          return;
        }
        if (code === 0x85) {
          out.push(
            `L[1] = l1; H[1] = h1; L[2] = l2; H[2] = h2; L[3] = l3; H[3] = h3; L[4] = l4; H[4] = h4; L[5] = l5; H[5] = h5;`,
            `fn = env.helpers[${imm}]; if (fn === undefined) { env.insns = ${cnt}; return HELPER(${i}, ${imm}, env.insns); }`,
            `env.insns = ${cnt}; fn(env, regs, ${i}); l0 = L[0]; h0 = H[0];`,
          );
          // A helper may unmap regions (ring buffer commit, packet changes): drop every cached
          // region then. The list of sites is known only at the end: patched in below.
          out.push(`/*CLEAR*/`);
          return;
        }
        const target = i + 1 + (code === 0x06 ? imm : off);
        if (op === 0x00) {
          out.push(jump(target, flush, base + j + 1));
          return;
        }
        let cond: string;
        const isJ32 = cls === 0x06;
        const ulD = `(${lD} >>> 0)`;
        const uhD = `(${hD} >>> 0)`;
        // The comparison, and its strict form for the high halves (a >= b: ah > bh || ah == bh && al >= bl).
        const rel = (o: number): [string, string] => {
          const g = o === 0x20 || o === 0x60 ? '>' : o === 0x30 || o === 0x70 ? '>=' : o === 0xa0 || o === 0xc0 ? '<' : '<=';
          return [g, g[0]!];
        };
        switch (op) {
          case 0x10:
            cond = isJ32 ? `${lD} === ${bl}` : `${lD} === ${bl} && ${hD} === ${bh}`;
            break;
          case 0x50:
            cond = isJ32 ? `${lD} !== ${bl}` : `${lD} !== ${bl} || ${hD} !== ${bh}`;
            break;
          case 0x40:
            cond = isJ32 ? `(${lD} & ${bl}) !== 0` : `(${lD} & ${bl}) !== 0 || (${hD} & ${bh}) !== 0`;
            break;
          default: {
            const signed = op === 0x60 || op === 0x70 || op === 0xc0 || op === 0xd0;
            const [g, strict] = rel(op);
            if (isJ32) cond = signed ? `${lD} ${g} ${bl}` : `${ulD} ${g} ${ubl}`;
            else if (signed) cond = `${hD} ${strict} ${bh} || (${hD} === ${bh} && ${ulD} ${g} ${ubl})`;
            else cond = `${uhD} ${strict} ${ubh} || (${hD} === ${bh} && ${ulD} ${g} ${ubl})`;
          }
        }
        out.push(`if (${cond}) { ${jump(target, flush, base + j + 1)} }`);
        return;
      }
      // Memory.
      const size = SIZES[(code >> 3) & 3]!;
      if (cls === 0x01) {
        memSites.push(i);
        const sx = (code & 0xe0) === 0x80;
        const get =
          size === 8
            ? `${lD} = ${fV(i)}.getInt32(o, true); ${hD} = ${fV(i)}.getInt32(o + 4, true);`
            : size === 4
              ? `${lD} = ${fV(i)}.getInt32(o, true); ${hD} = ${sx ? `${lD} >> 31` : '0'};`
              : size === 2
                ? `${lD} = ${fV(i)}.${sx ? 'getInt16' : 'getUint16'}(o, true); ${hD} = ${sx ? `${lD} >> 31` : '0'};`
                : `${lD} = ${sx ? `(${fB(i)}[o] << 24) >> 24` : `${fB(i)}[o]`}; ${hD} = ${sx ? `${lD} >> 31` : '0'};`;
        // Results of calls are `| 0`: every value a register local holds is then an int32 to
        // V8, so its loop phis stay untagged (0.42 -> 0.32 ns/insn on the checksum loop).
        // #region emit-load
        out.push(
          `a = (${lS} >>> 0) + ${off};`,
          `if (${fHi(i)} === ${hS} && (o = a - ${fLo(i)}) >= 0 && o + ${size} <= ${fSz(i)}) { ${get} }`,
          `else { env.insns = ${cnt}; t = LD(pd, mem, ${i}, ${hS}, a, ${size}, ${sx}) | 0; ${hD} = LDH() | 0; ${lD} = t; ${refill(i)} }`,
        );
        // #endregion emit-load
        return;
      }
      if (cls === 0x02 || cls === 0x03) {
        if ((code & 0xe0) === 0xc0 && cls === 0x03 && (code === 0xc3 || code === 0xdb) && [0x00, 0x40, 0x50, 0xa0].includes(imm & ~1)) {
          // #region emit-atomic
          // ADD/OR/AND/XOR (with or without FETCH) on a cached, writable region: a plain
          // read-modify-write (JavaScript is single-threaded); anything else goes to atomic().
          memSites.push(i);
          atomicSites.add(i);
          const w8 = code === 0xdb;
          const vh = w8 ? hS : '0';
          const opl = (x: string) => (imm & ~1) === 0x40 ? `${x} | ${lS}` : (imm & ~1) === 0x50 ? `${x} & ${lS}` : `${x} ^ ${lS}`;
          const oph = (x: string) => (imm & ~1) === 0x40 ? `${x} | ${vh}` : (imm & ~1) === 0x50 ? `${x} & ${vh}` : `${x} ^ ${vh}`;
          const newv =
            (imm & ~1) === 0x00
              ? w8
                ? `t = ${fV(i)}.getInt32(o, true); a = ${fV(i)}.getInt32(o + 4, true); ${fV(i)}.setInt32(o, (t + ${lS}) | 0, true); ${fV(i)}.setInt32(o + 4, (a + ${vh} + ((((t + ${lS}) | 0) >>> 0) < (t >>> 0) ? 1 : 0)) | 0, true);`
                : `t = ${fV(i)}.getInt32(o, true); a = 0; ${fV(i)}.setInt32(o, (t + ${lS}) | 0, true);`
              : w8
                ? `t = ${fV(i)}.getInt32(o, true); a = ${fV(i)}.getInt32(o + 4, true); ${fV(i)}.setInt32(o, ${opl('t')}, true); ${fV(i)}.setInt32(o + 4, ${oph('a')}, true);`
                : `t = ${fV(i)}.getInt32(o, true); a = 0; ${fV(i)}.setInt32(o, ${opl('t')}, true);`;
          out.push(
            `o = ((${lD} >>> 0) + ${off}) - ${fLo(i)};`,
            `if (${fHi(i)} === ${hD} && o >= 0 && o + ${w8 ? 8 : 4} <= ${fSz(i)}) { ${newv}${imm & 1 ? ` ${lS} = t; ${hS} = a;` : ''} }`,
            `else {`,
            `L[0] = l0; H[0] = h0; L[${d}] = ${lD}; H[${d}] = ${hD}; L[${s}] = ${lS}; H[${s}] = ${hS};`,
            `env.insns = ${cnt}; ATOMIC(pd, mem, ${i}, L, H, ${code}, ${d}, ${s}, ${off}, ${imm});`,
            `l0 = L[0]; h0 = H[0]; ${lD} = L[${d}]; ${hD} = H[${d}]; ${lS} = L[${s}]; ${hS} = H[${s}];`,
            `${refill(i)} }`,
          );
          // #endregion emit-atomic
          return;
        }
        if ((code & 0xe0) === 0xc0 && cls === 0x03) {
          out.push(
            `L[0] = l0; H[0] = h0; L[${d}] = ${lD}; H[${d}] = ${hD}; L[${s}] = ${lS}; H[${s}] = ${hS};`,
            `env.insns = ${cnt}; ATOMIC(pd, mem, ${i}, L, H, ${code}, ${d}, ${s}, ${off}, ${imm});`,
            `l0 = L[0]; h0 = H[0]; ${lD} = L[${d}]; ${hD} = H[${d}]; ${lS} = L[${s}]; ${hS} = H[${s}];`,
          );
          return;
        }
        if (cls === 0x02 && (code & 0xe0) !== 0x60) {
          return; // BPF_ST | BPF_NOSPEC: a barrier, nothing to do here
        }
        memSites.push(i);
        const vl = cls === 0x02 ? `${imm}` : lS;
        const vh = cls === 0x02 ? `${imm >> 31}` : hS;
        const put =
          size === 8
            ? `${fV(i)}.setInt32(o, ${vl}, true); ${fV(i)}.setInt32(o + 4, ${vh}, true);`
            : size === 4
              ? `${fV(i)}.setInt32(o, ${vl}, true);`
              : size === 2
                ? `${fV(i)}.setInt16(o, ${vl}, true);`
                : `${fB(i)}[o] = ${vl};`;
        out.push(
          `a = (${lD} >>> 0) + ${off};`,
          `if (${fHi(i)} === ${hD} && (o = a - ${fLo(i)}) >= 0 && o + ${size} <= ${fSz(i)}) { ${put} }`,
          `else { env.insns = ${cnt}; ST(pd, mem, ${i}, ${hD}, a, ${size}, ${vl}, ${vh}); ${refill(i)} }`,
        );
        return;
      }
    });
  };
  // #region emit-loops
  // A loop is emitted twice: the fast copy, entered at `case T`, checks the instruction limit
  // once per iteration (a pass through the body runs at most `W` instructions, each block
  // once); when fewer than `W` remain, it leaves for the checked copy (`case -1 - T`), which
  // counts block by block and stops at the exact instruction, as the plain blocks do.
  // Units: a block, or a whole loop (head to end); chunks never split a unit.
  const units: [number, number][] = [];
  for (let bi = 0; bi < blocks.length; bi++) {
    const e = loopEnd.get(bi) ?? bi;
    units.push([bi, e]);
    bi = e;
  }
  const emitUnits = (us: [number, number][]) => {
    const slow: [number, number][] = [];
    for (const [bi, end] of us) {
      const b = blocks[bi]!;
      out.push(`case ${b[0]}:`);
      if (end === bi && !loopEnd.has(bi)) {
        emitBlock(b, bi);
        continue;
      }
      let W = 0;
      for (let k = bi; k <= end; k++) W += blocks[k]!.length;
      loopHeadPc = b[0]!;
      out.push(`loop_${loopHeadPc}: for (;;) {`, `if (n + ${W} > limit) { pc = ${-1 - loopHeadPc}; continue dispatch; }`);
      inner.clear();
      let pre = 0;
      for (let k = bi; k <= end; k++) {
        if (k > bi && targeted[k]) inner.set(blocks[k]![0]!, pre);
        pre += blocks[k]!.length;
      }
      // The labelled blocks all open here, the one ending last outermost.
      for (const y of [...inner.keys()].reverse()) out.push(`skip_${y}: {`);
      fast = true;
      base = 0;
      for (let k = bi; k <= end; k++) {
        if (k > bi && inner.has(blocks[k]![0]!)) out.push(`} // skip_${blocks[k]![0]}`);
        emitBlock(blocks[k]!, k);
        base += blocks[k]!.length;
      }
      fast = false;
      inner.clear();
      out.push(`n += ${W}; break loop_${loopHeadPc};`, '}');
      slow.push([bi, end]);
    }
    return slow;
  };
  // #endregion emit-loops
  const INVALID = `return { ok: false, error: { kind: 'invalid_insn', insn: pc, message: 'jump into the middle of an instruction' }, insns: n };`;
  const blockPcs = JSON.stringify(blocks);
  const regs = [...Array(11)].map((_, r) => `l${r} = L[${r}], h${r} = H[${r}]`).join(', ');
  const store = [...Array(11)].map((_, r) => `L[${r}] = l${r}; H[${r}] = h${r};`).join(' ');
  const chunked = n > CHUNK_INSNS;
  // One function per chunk of units (`chunked`) or for the whole program. A chunk left by a
  // jump (its `default`) hands the registers over in L/H and the count in `st`.
  const emitFunction = (name: string, us: [number, number][], last: boolean): string => {
    out.length = 0;
    memSites.length = 0;
    const slow = emitUnits(us);
    // Falling off the last block: the dispatch's default answer; off a chunk: the next chunk.
    if (!last) out.push(`pc = ${blocks[us[us.length - 1]![1] + 1]![0]}; continue dispatch;`);
    else if (slow.length) out.push(INVALID);
    for (const [bi, end] of slow) {
      slowFrom = blocks[bi]![0]!;
      slowTo = blocks[end]![0]!;
      for (let k = bi; k <= end; k++) {
        out.push(`case ${-1 - blocks[k]![0]!}:`);
        emitBlock(blocks[k]!, k);
      }
      slowFrom = slowTo = -1;
      const next = blocks[end + 1];
      out.push(next ? `pc = ${next[0]}; continue dispatch;` : INVALID);
    }
    const sites = [...new Set(memSites)];
    const clear = sites.length ? `if (mem.epoch !== ep) { ep = mem.epoch; ${sites.map((k) => `r${k}`).join(' = ')} = NOREG; }` : '';
    const body = out.map((l) => (l === '/*CLEAR*/' ? clear : l)).join('\n');
    return `function ${name}(env, L, H, pd, regs${chunked ? ', st' : ''}) {
  const mem = env.mem, rc = pd.rc, limit = env.insn_limit;
  let ${regs};
  let n = ${chunked ? 'st.n' : '0'}, pc = ${chunked ? 'st.pc' : '0'}, t = 0, a = 0, o = 0, fn, fr, depth = 0;
  ${chunked ? 'if (pd.epoch !== mem.epoch) { rc.fill(null); pd.epoch = mem.epoch; }' : ''}
  let ep = mem.epoch;
  ${hasCalls ? `const fR = new Int32Array(${MAX_CALL_FRAMES}), fS = new Int32Array(${MAX_CALL_FRAMES * 10});` : ''}
  let c = null;
  ${sites.map((k) => `let r${k} = NOREG; c = rc[${k}]; if (${usable(k)}) { ${refillFrom(k)} }`).join('\n  ')}
  dispatch: for (;;) {
    switch (pc) {
${body}
    default:
      ${chunked ? `${store} st.n = n; st.pc = pc; return null;` : INVALID}
    }
  }
}`;
  };
  // After emission: the lookup sites are known then.
  const head = () => `
const BLOCKS = ${blockPcs};
${[...new Set(lookupSites)].map((k) => `const ls${k} = LOOKUP_SITE();`).join('\n')}
// The empty region cache: a Region's shape (memory.ts builds them with these fields in this order).
const NOREG = { id: 0, kind: 'mem', name: '', hi: 0, lo: 0, size: -1, bytes: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), readable: false, writable: false, object: undefined, access: undefined };
const LIMIT = (env, limit, before, bi) => { const b = BLOCKS[bi]; env.insns = limit; return { ok: false, error: { kind: 'insn_limit', insn: b[limit - before], message: 'instruction limit of ' + limit + ' reached' }, insns: limit }; };
const HELPER = (insn, id, cnt) => ({ ok: false, error: { kind: 'unknown_helper', insn, message: 'invalid func unknown#' + id }, insns: cnt });`;
  if (!chunked) {
    const fn = emitFunction('bpf_prog_js', units, true);
    return `${head()}\nreturn ${fn};`;
  }
  // #region emit-chunks
  // V8 optimizes no function over 60 KB of bytecode (--max-optimized-bytecode-size): a long
  // program is split into functions of about CHUNK_INSNS instructions, at unit boundaries,
  // and a driver runs the chunk that holds pc until one returns a result.
  const chunks: [number, number][][] = [[]];
  let size = 0;
  for (const un of units) {
    if (size >= CHUNK_INSNS) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1]!.push(un);
    for (let k = un[0]; k <= un[1]; k++) size += blocks[k]!.length;
  }
  const chunkOf = new Int32Array(n).fill(-1);
  chunks.forEach((us, ci) => us.forEach(([bi, end]) => { for (let k = bi; k <= end; k++) chunkOf[blocks[k]![0]!] = ci; }));
  const fns = chunks.map((us, ci) => emitFunction(`chunk_${ci}`, us, ci === chunks.length - 1));
  return `${head()}
${fns.join('\n')}
const CHUNKS = [${chunks.map((_, ci) => `chunk_${ci}`).join(', ')}];
const CHUNK_OF = new Int32Array([${chunkOf.join(',')}]);
return function bpf_prog_js(env, L, H, pd, regs) {
  const st = { n: 0, pc: 0 };
  for (;;) {
    const pc = st.pc;
    const ci = pc >= 0 ? (pc < ${n} ? CHUNK_OF[pc] : -1) : CHUNK_OF[-1 - pc];
    if (ci < 0) return { ok: false, error: { kind: 'invalid_insn', insn: pc, message: 'jump into the middle of an instruction' }, insns: st.n };
    const r = CHUNKS[ci](env, L, H, pd, regs, st);
    if (r !== null) return r;
  }
};`;
  // #endregion emit-chunks
}

/** What a compiled program needs at run time besides its function. */
interface Entry {
  fn: Compiled;
  /** Does any instruction name r10? If not, no stack address can exist and frame 0 needs no zeroing. */
  fp: boolean;
}

let lastPd: Predecoded | null = null;
let lastEntry: Entry | null = null;

function entryOf(pd: Predecoded): Entry | null {
  if (pd === lastPd) return lastEntry;
  let e = compiled.get(pd);
  if (e === undefined) {
    e = null;
    const src = bpf_prog_js_source(pd);
    if (src !== null) {
      try {
        const factory = new Function('umulh', 'divmod64', 'divmod32', 'lsh64', 'rsh64', 'arsh64', 'bswap32', 'toBig', 'LD', 'LDH', 'ST', 'ATOMIC', 'LOOKUP_SITE', 'LOOKUP', 'LOOKUP_LO', 'LOOKUP_HI', 'LOOKUP_SAVE', 'LOOKUP_HELPER', src);
        const fn = factory(S.umulh, S.divmod64, S.divmod32, S.lsh64, S.rsh64, S.arsh64, S.bswap32, S.toBig, S.load, S.loadHi, S.store, S.atomic, lookupSite, lookupFast, lookupLo, lookupHi, lookupSave, bpf_map_lookup_elem) as Compiled;
        let fp = false;
        for (let i = 0; i < pd.len; i++) {
          const w = pd.P[i * 4]!;
          if (w !== 0x100 && (((w >> 8) & 15) === 10 || ((w >> 12) & 15) === 10)) fp = true;
        }
        e = { fn, fp };
      } catch {
        e = null; // no `new Function` here (CSP): the switch interpreter runs instead
      }
    }
    compiled.set(pd, e);
  }
  lastPd = pd;
  lastEntry = e;
  return e;
}

/** Compile (once per predecoded program); null when the program or the platform needs the switch. */
export function bpf_prog_js_compile(pd: Predecoded): Compiled | null {
  return entryOf(pd)?.fn ?? null;
}

/**
 * Run a predecoded program on the compiled tier, or return null when the program (or the
 * platform) needs the switch interpreter. `L`/`H` hold r1..r5 on entry.
 */
export function interpret_js(pd: Predecoded, env: BpfRunEnv, L: Int32Array, H: Int32Array, regs: BpfRegs = { lo: L, hi: H }): BpfRunResult | null {
  const e = entryOf(pd);
  if (e === null) return null;
  const mem = env.mem;
  if (pd.mem !== mem || pd.epoch !== mem.epoch) {
    pd.rc.fill(null);
    pd.mem = mem;
    pd.epoch = mem.epoch;
  }
  const frame0 = mem.stackFrame(0, MAX_BPF_STACK);
  // The model's stack starts zeroed on every run (the kernel's is whatever was there; the
  // verifier forbids reading it uninitialized). Without r10 nothing can reach it.
  if (e.fp) frame0.bytes.fill(0);
  L[10] = (frame0.lo + frame0.size) | 0;
  H[10] = frame0.hi;
  env.insns = 0;
  try {
    return e.fn(env, L, H, pd, regs);
  } catch (err) {
    if (err instanceof BpfFault) return { ok: false, error: { kind: 'fault', insn: err.insn, message: err.message, fault: err }, insns: env.insns };
    return { ok: false, error: { kind: 'internal', insn: -1, message: `internal error: ${(err as Error)?.message ?? String(err)}` }, insns: env.insns };
  }
}

/** Register lanes reused from one run to the next (a run inside a helper gets its own). */
const scratchL = new Int32Array(16);
const scratchH = new Int32Array(16);
const scratchRegs: BpfRegs = { lo: scratchL, hi: scratchH };
let scratchBusy = false;

/**
 * `___bpf_prog_run` on the compiled tier: the same contract as the switch interpreter (and it
 * falls back to it for what it does not compile).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (___bpf_prog_run)
 */
export function ___bpf_prog_run_js(ctx: bigint, env: BpfRunEnv, prog: bpf_prog): BpfRunResult {
  const pd = S.predecodeProg(prog, env.mem);
  if ('message' in pd) return { ok: false, error: { kind: 'invalid_insn', insn: pd.insn, message: pd.message }, insns: 0 };
  const own = !scratchBusy;
  const L = own ? scratchL : new Int32Array(16);
  const H = own ? scratchH : new Int32Array(16);
  if (own) {
    L.fill(0);
    H.fill(0);
  }
  S.ctxHalves(ctx, L, H);
  scratchBusy = true;
  try {
    const r = interpret_js(pd, env, L, H, own ? scratchRegs : { lo: L, hi: H });
    if (r !== null) return r;
  } finally {
    if (own) scratchBusy = false;
  }
  // The switch interpreter keeps L/H after it returns (the step-by-step runner reads them):
  // it gets lanes of its own.
  const L2 = new Int32Array(16);
  const H2 = new Int32Array(16);
  S.ctxHalves(ctx, L2, H2);
  return interpret(pd, env, L2, H2);
}
