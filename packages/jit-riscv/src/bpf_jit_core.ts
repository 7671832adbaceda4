/**
 * The JIT driver: the multi-pass loop that shrinks the image until every offset has converged,
 * the image allocation, the final pass, and (from kernel/bpf/verifier.c) `jit_subprogs`, which
 * JITs each subprogram separately and links bpf-to-bpf calls in an extra pass.
 * Mirrors arch/riscv/net/bpf_jit_core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_core.c
 * and the linking half of `jit_subprogs`:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (jit_subprogs)
 *
 * `compile(insns, options)` is the standalone entry: the instructions are JITed exactly as given,
 * no verifier rewrites, `verifier_zext` off, no constant blinding (`bpf_jit_harden` 0), helper
 * calls resolved as `bpf_jit_get_func_addr` does, `__bpf_call_base + imm`.
 * @module
 */
import { type BpfInsn, BPF_CALL, BPF_DW, BPF_IMM, BPF_JMP, BPF_LD, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, decodeInsns } from '@bpf-internals/uapi';
import { type JitProg, type RvJitContext, ninsns_rvoff } from './bpf_jit.js';
import { bpf_jit_build_epilogue, bpf_jit_build_prologue, bpf_jit_emit_insn } from './bpf_jit_comp64.js';
import { BPF_CALL_BASE, HELPER_STRIDE, IMAGE_BASE } from './layout.js';

/** `NR_JIT_ITERATIONS`: passes to try until offsets converge. */
export const NR_JIT_ITERATIONS = 32;
const EINVAL = 22;
const EFAULT = 14;

/**
 * `build_body`: emit every instruction; `offset[i]` records where instruction i's code ends
 * (in 16-bit parcels). An instruction that also consumed the next slot (ld_imm64, a folded zext)
 * records its end under the second slot only.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_core.c (build_body)
 */
function build_body(ctx: RvJitContext, extra_pass: boolean, offset: Int32Array | null): number {
  const prog = ctx.prog;
  for (let i = 0; i < prog.len; i++) {
    const ret = bpf_jit_emit_insn(i, ctx, extra_pass);
    if (ret > 0) i++;
    if (offset && i < offset.length) offset[i] = ctx.ninsns;
    if (ret < 0) return ret;
  }
  return 0;
}

/**
 * `bpf_jit_needs_zext`: true, the RV64 JIT wants the verifier's explicit zero-extensions.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_core.c (bpf_jit_needs_zext)
 */
export function bpf_jit_needs_zext(): boolean {
  return true;
}

/** `struct rv_jit_data`: what survives between the first compile and the extra pass. */
export interface RvJitData {
  ctx: RvJitContext;
  /** The RW image (the kernel's `image`); `ro_image` is its run address, `ctx.ro_insns`. */
  image: Uint16Array | null;
  prog_size: number;
}

export interface IsaOptions {
  rvc?: boolean;
  zba?: boolean;
  zbb?: boolean;
  zacas?: boolean;
}

/** What one `bpf_int_jit_compile` call produced. */
export interface JitPassResult {
  err: number;
  /** The `pass=` value `bpf_jit_dump` prints for this call. */
  pass: number;
}

/**
 * The body of `bpf_int_jit_compile` for one function (the model's `struct bpf_prog` for the JIT is
 * `JitProg`; `bpf_int_jit_compile` in jit_prog.ts is the entry in core's convention).
 * The first call for a program sizes it (offsets start at a generous
 * 32 parcels per instruction and shrink), allocates the image with `alloc` once two passes agree,
 * then writes it. A second call for a subprogram (`jit_data` kept) is the extra pass that fills
 * in the now-known call targets.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_core.c (bpf_int_jit_compile)
 */
export function __bpf_int_jit_compile(
  prog: JitProg,
  jit_data: RvJitData | null,
  isa: IsaOptions,
  is_func: boolean,
  alloc: (size: number) => bigint,
): { jit_data: RvJitData; result: JitPassResult } {
  let pass = 0;
  let extra_pass = false;
  let prev_ninsns = 0;
  let jd = jit_data;
  if (!jd) {
    jd = {
      ctx: {
        prog,
        insns: null,
        ro_insns: null,
        ninsns: 0,
        prologue_len: 0,
        epilogue_offset: 0,
        offset: new Int32Array(0),
        nexentries: 0,
        ex_insn_off: 0,
        ex_jmp_off: 0,
        flags: 0,
        stack_size: 0,
        arena_vm_start: prog.arena_vm_start,
        user_vm_start: prog.user_vm_start,
        extable: [],
        rvc: isa.rvc ?? true,
        zba: isa.zba ?? false,
        zbb: isa.zbb ?? false,
        zacas: isa.zacas ?? false,
      },
      image: null,
      prog_size: 0,
    };
  }
  const ctx = jd.ctx;
  ctx.prog = prog;
  const fail = (err: number) => ({ jit_data: jd, result: { err, pass } });

  if (ctx.offset.length) {
    extra_pass = true;
  } else {
    ctx.offset = new Int32Array(prog.len);
    // A first pass to learn which registers and calls the body uses (the prologue depends on it).
    const err = build_body(ctx, extra_pass, null);
    if (err) return fail(err);
    for (let i = 0; i < prog.len; i++) {
      prev_ninsns += 32;
      ctx.offset[i] = prev_ninsns;
    }
    let i: number;
    for (i = 0; i < NR_JIT_ITERATIONS; i++) {
      pass++;
      ctx.ninsns = 0;
      bpf_jit_build_prologue(ctx, prog.is_subprog);
      ctx.prologue_len = ctx.ninsns;
      const e = build_body(ctx, extra_pass, ctx.offset);
      if (e) return fail(e);
      ctx.epilogue_offset = ctx.ninsns;
      bpf_jit_build_epilogue(ctx);
      if (ctx.ninsns === prev_ninsns) {
        if (jd.image) break;
        // Obtain the actual image size and allocate; the image can still shrink
        // (auipc+jalr -> jal once real addresses are known).
        jd.prog_size = 2 * ctx.ninsns;
        jd.image = new Uint16Array(ctx.ninsns);
        ctx.ro_insns = alloc(jd.prog_size);
        ctx.insns = jd.image;
      }
      prev_ninsns = ctx.ninsns;
    }
    if (i === NR_JIT_ITERATIONS) {
      // pr_err("bpf-jit: image did not converge in <%d passes!\n", i)
      return fail(-EFAULT);
    }
  }

  // skip_init_ctx: the final pass writes the image.
  pass++;
  ctx.ninsns = 0;
  ctx.nexentries = 0;
  ctx.extable = [];
  // Parcels past a shrunk end stay as bpf_fill_ill_insns left them: zero.
  jd.image!.fill(0);
  bpf_jit_build_prologue(ctx, prog.is_subprog);
  const e = build_body(ctx, extra_pass, null);
  if (e) return fail(e);
  bpf_jit_build_epilogue(ctx);
  void is_func;
  return { jit_data: jd, result: { err: 0, pass } };
}

/** Options of the standalone {@link compile}. */
export interface CompileOptions extends IsaOptions {
  /**
   * `prog->aux->stack_depth` of the main program (or of each function, as an array). Default: the
   * deepest r10-relative access, what the verifier's `update_stack_depth` would have recorded.
   */
  stackDepth?: number | number[];
  /** Where the image will run (pc-relative calls to helpers depend on it). Default {@link IMAGE_BASE}. */
  imageAddr?: bigint;
  /** `__bpf_call_base`. Default {@link BPF_CALL_BASE}. */
  bpfCallBase?: bigint;
  /**
   * The address a helper call's imm resolves to (`bpf_jit_get_func_addr`). Default:
   * `bpfCallBase + imm * HELPER_STRIDE`, the model's helper table (imm = the helper id).
   */
  helperAddr?: (imm: number) => bigint;
  /** `prog->aux->verifier_zext`. Default false: the JIT zero-extends 32-bit results itself. */
  verifierZext?: boolean;
  /** Arena start addresses (`bpf_arena_get_kern_vm_start` / `_user_vm_start`); 0 = no arena. */
  arenaVmStart?: bigint;
  userVmStart?: bigint;
  /** Programs with PROBE_MEM loads get an exception table (`prog->aux->extable`). Default true. */
  extable?: boolean;
}

/** One JITed function in the blob. */
export interface JitFunc {
  /** First BPF instruction of the function. */
  insnStart: number;
  insnCount: number;
  /** Byte offset of its code in the image, and its `jited_len`. */
  imageOffset: number;
  size: number;
  /** Bytes of prologue (`ctx->prologue_len`) and where the epilogue starts (`ctx->epilogue_offset`). */
  prologueLen: number;
  epilogueOffset: number;
  /** `pass=` of its first compile. */
  passes: number;
  stackDepth: number;
}

/** An exception-table entry, in image byte offsets: fault at `insn`, clear `reg`, resume at `next`. */
export interface JitExtableEntry {
  insn: number;
  next: number;
  reg: number;
}

export interface CompileResult {
  /** 0, or the negative errno the JIT failed with (the kernel would fall back to the interpreter). */
  err: number;
  /** Main program then each subprogram, each 4-byte aligned. */
  image: Uint8Array;
  /** `ctx->offset[]` in bytes, per BPF instruction, from the start of the image. */
  offsets: number[];
  /** The main program's `pass=` (its first compile). */
  passes: number;
  funcs: JitFunc[];
  extable: JitExtableEntry[];
  /** The address the image was linked for. */
  imageAddr: bigint;
}

const isLdImm64 = (insn: BpfInsn) => insn.code === (BPF_LD | BPF_IMM | BPF_DW);

/**
 * The deepest r10-relative access (and `rX = r10; rX += -N` address), per function: the
 * `stack_depth` `update_stack_depth` records when the verifier walks the program.
 */
export function stackDepthOf(insns: BpfInsn[]): number {
  let depth = 0;
  const fpCopy = new Set<number>();
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    const cls = insn.code & 7;
    const base = cls === 1 ? insn.src_reg : cls === 2 || cls === 3 ? insn.dst_reg : -1;
    if (base === 10 && insn.off < 0) depth = Math.max(depth, -insn.off);
    if (insn.code === 0xbf && insn.src_reg === 10) fpCopy.add(insn.dst_reg);
    else if (insn.code === 0x07 && fpCopy.has(insn.dst_reg)) {
      if (insn.imm < 0) depth = Math.max(depth, -insn.imm);
      fpCopy.delete(insn.dst_reg);
    } else if ((cls === 4 || cls === 7) && fpCopy.has(insn.dst_reg)) fpCopy.delete(insn.dst_reg);
    if (isLdImm64(insn)) i++;
  }
  return depth;
}

// #region compile
/**
 * JIT a program exactly as given. Subprograms (targets of bpf-to-bpf calls and of BPF_PSEUDO_FUNC
 * loads) are cut out and JITed separately, then linked in an extra pass, as `jit_subprogs` does.
 */
export function compile(insnBytes: Uint8Array | BpfInsn[], options: CompileOptions = {}): CompileResult {
  const imageAddr = options.imageAddr ?? IMAGE_BASE;
  const empty = (err: number): CompileResult => ({ err, image: new Uint8Array(0), offsets: [], passes: 0, funcs: [], extable: [], imageAddr });
  let insns: BpfInsn[];
  try {
    insns = insnBytes instanceof Uint8Array ? decodeInsns(insnBytes) : insnBytes;
  } catch {
    return empty(-EINVAL);
  }
  if (!insns.length) return empty(-EINVAL);

  // add_subprog: the main program plus every call / func-pointer target.
  const starts = new Set<number>([0]);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    const target = i + insn.imm + 1;
    if ((insn.code === (BPF_JMP | BPF_CALL) && insn.src_reg === BPF_PSEUDO_CALL) || (isLdImm64(insn) && insn.src_reg === BPF_PSEUDO_FUNC)) {
      if (target < 0 || target >= insns.length) return empty(-EINVAL);
      starts.add(target);
    }
    if (isLdImm64(insn)) i++;
  }
  const sorted = [...starts].sort((a, b) => a - b);
  const subprogOf = (insnIdx: number) => sorted.indexOf(insnIdx);
  const bpfCallBase = options.bpfCallBase ?? BPF_CALL_BASE;
  const funcAddrs: bigint[] = sorted.map(() => 0n);
  // Each call's target subprogram, by instruction object (the JIT sees only its own slice).
  const callTarget = new Map<BpfInsn, number>();
  sorted.forEach((start, f) => {
    const end = sorted[f + 1] ?? insns.length;
    for (let i = start; i < end; i++) {
      const insn = insns[i]!;
      if ((insn.code === (BPF_JMP | BPF_CALL) && insn.src_reg === BPF_PSEUDO_CALL) || (isLdImm64(insn) && insn.src_reg === BPF_PSEUDO_FUNC)) {
        callTarget.set(insn, subprogOf(i + insn.imm + 1));
      }
    }
  });

  let next = imageAddr;
  const alloc = (size: number): bigint => {
    const at = next;
    next += BigInt((size + 3) & ~3);
    return at;
  };
  const isa: IsaOptions = { rvc: options.rvc ?? true, zba: options.zba ?? false, zbb: options.zbb ?? false, zacas: options.zacas ?? false };
  const depths = Array.isArray(options.stackDepth) ? options.stackDepth : [];
  const progs: JitProg[] = sorted.map((start, f) => {
    const slice = insns.slice(start, sorted[f + 1] ?? insns.length);
    const stack_depth =
      typeof options.stackDepth === 'number' && f === 0 ? options.stackDepth : (depths[f] ?? stackDepthOf(slice));
    return {
      insns: slice,
      len: slice.length,
      stack_depth,
      is_subprog: f > 0,
      verifier_zext: options.verifierZext ?? false,
      arena_vm_start: options.arenaVmStart ?? 0n,
      user_vm_start: options.userVmStart ?? 0n,
      has_extable: options.extable ?? true,
      subprog_addr: (insn: BpfInsn) => funcAddrs[callTarget.get(insn) ?? -1] ?? 0n,
      get_func_addr: (insn: BpfInsn, extra_pass: boolean) => {
        // bpf_jit_get_func_addr
        if (insn.src_reg === BPF_PSEUDO_CALL) {
          if (!extra_pass) return { err: 0, addr: 0n, fixed: false };
          const t = callTarget.get(insn);
          if (t === undefined || t < 0) return { err: -EINVAL, addr: 0n, fixed: false };
          return { err: 0, addr: funcAddrs[t]!, fixed: false };
        }
        if (insn.src_reg === BPF_PSEUDO_KFUNC_CALL) return { err: -EINVAL, addr: 0n, fixed: true };
        const addr = options.helperAddr ? options.helperAddr(insn.imm) : bpfCallBase + BigInt(insn.imm) * HELPER_STRIDE;
        return { err: 0, addr: BigInt.asUintN(64, addr), fixed: true };
      },
    };
  });
  const single = progs.length === 1;
  const jds: RvJitData[] = [];
  const funcs: JitFunc[] = [];
  for (let f = 0; f < progs.length; f++) {
    const { jit_data, result } = __bpf_int_jit_compile(progs[f]!, null, isa, !single, alloc);
    if (result.err) return empty(result.err);
    jds.push(jit_data);
    funcAddrs[f] = jit_data.ctx.ro_insns!;
    funcs.push({
      insnStart: sorted[f]!,
      insnCount: progs[f]!.len,
      imageOffset: Number(jit_data.ctx.ro_insns! - imageAddr),
      size: jit_data.prog_size,
      prologueLen: ninsns_rvoff(jit_data.ctx.prologue_len),
      epilogueOffset: ninsns_rvoff(jit_data.ctx.epilogue_offset),
      passes: result.pass,
      stackDepth: progs[f]!.stack_depth,
    });
  }
  if (!single) {
    // The extra pass: every function again, now with the callees' addresses.
    for (let f = 0; f < progs.length; f++) {
      const { result } = __bpf_int_jit_compile(progs[f]!, jds[f]!, isa, true, alloc);
      if (result.err) return empty(result.err);
    }
  }

  // Functions start 4-byte aligned; no padding after the last one (its jited_len is the image end).
  const last = funcs[funcs.length - 1]!;
  const total = last.imageOffset + last.size;
  const image = new Uint8Array(total);
  const offsets: number[] = [];
  const extable: JitExtableEntry[] = [];
  jds.forEach((jd, f) => {
    const base = funcs[f]!.imageOffset;
    image.set(new Uint8Array(jd.image!.buffer, 0, jd.prog_size), base);
    for (const o of jd.ctx.offset) offsets.push(base + ninsns_rvoff(o));
    for (const x of jd.ctx.extable) extable.push({ insn: base + ninsns_rvoff(x.insn), next: base + ninsns_rvoff(x.next), reg: x.reg });
  });
  return { err: 0, image, offsets, passes: funcs[0]!.passes, funcs, extable, imageAddr };
}
// #endregion compile
