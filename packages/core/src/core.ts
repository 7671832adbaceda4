/**
 * Program objects and runtime selection: `bpf_prog_alloc`, `bpf_prog_calc_tag`,
 * `bpf_prog_select_runtime`, and `bpf_prog_run`.
 * Mirrors kernel/bpf/core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c
 *
 * The interpreter itself (`___bpf_prog_run`) is in interp.ts. The JIT is injected into
 * {@link bpf_prog_select_runtime} (jit-riscv depends on core, never the reverse), and the
 * kernel's fallback holds: when the JIT is off or fails, the interpreter runs.
 * @module
 */
import {
  BPF_DW,
  BPF_IMM,
  BPF_LD,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_JMP,
  BPF_CALL,
  BPF_TAG_SIZE,
  bpf_map_type,
  encodeInsns,
  errno,
  type BpfInsn,
} from '@bpf-internals/uapi';
import type { BpfMap } from '@bpf-internals/maps';
import type { bpf_prog, bpf_prog_aux, BpfRunEnv, BpfRunResult } from './filter.js';
import { sha256 } from './internal/sha256.js';
import { ___bpf_prog_run } from './interp.js';
import { ___bpf_prog_run_js } from './interp_js.js';

/** Fields a loader sets when allocating (everything else starts zeroed, as `__GFP_ZERO`). */
export interface BpfProgInit {
  type: number;
  expected_attach_type?: number;
  insns: BpfInsn[];
  /** The bytes user space passed; encoded from `insns` when absent. */
  orig_insns?: Uint8Array;
  gpl_compatible?: boolean;
  name?: string;
  /** `bpf_jit_enable` at allocation (`fp->jit_requested = ebpf_jit_enabled()`). */
  jit_requested?: boolean;
  prog_flags?: number;
}

/**
 * `bpf_prog_alloc`: a zeroed program with its aux, holding one reference.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_alloc)
 */
export function bpf_prog_alloc(init: BpfProgInit): bpf_prog {
  const aux: bpf_prog_aux = {
    id: 0,
    name: init.name ?? '',
    used_maps: [],
    used_btf_cnt: 0,
    stack_depth: 0,
    max_ctx_offset: 0,
    max_pkt_offset: 0,
    func_info: null,
    func_info_cnt: 0,
    linfo: null,
    nr_linfo: 0,
    btf: null,
    attach_btf_id: 0,
    load_time: 0n,
    verified_insns: 0,
    func_cnt: 0,
    tail_call_reachable: false,
    xdp_has_frags: false,
    sleepable: false,
    offload: null,
    jit_data: null,
    jited_image: null,
    prog_flags: init.prog_flags ?? 0,
    prog: null,
    refcnt: 1,
    created_by_uid: 0,
  };
  const prog: bpf_prog = {
    get id() {
      return prog.aux.id;
    },
    type: init.type,
    expected_attach_type: init.expected_attach_type ?? 0,
    len: init.insns.length,
    insnsi: init.insns.map((i) => ({ ...i })),
    orig_insns: init.orig_insns ?? encodeInsns(init.insns),
    tag: new Uint8Array(BPF_TAG_SIZE),
    digest: new Uint8Array(32),
    gpl_compatible: init.gpl_compatible ?? false,
    jited: false,
    jit_requested: init.jit_requested ?? false,
    jited_len: 0,
    bpf_func: null,
    aux,
    is_func: false,
    kprobe_override: false,
    inc() {
      aux.refcnt++;
    },
    put() {
      if (--aux.refcnt === 0) bpf_prog_free(prog);
    },
  };
  aux.prog = prog;
  return prog;
}

/**
 * `bpf_prog_free` (via `__bpf_prog_put_noref`): drop the maps the program held.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_free)
 */
export function bpf_prog_free(prog: bpf_prog): void {
  const maps = prog.aux.used_maps;
  prog.aux.used_maps = [];
  for (const m of maps) {
    if (--m.refcnt === 0) {
      m.ops.map_free(m);
      m.onFree?.(m);
    }
  }
  prog.onFree?.(prog);
}

// #region calc-tag
/**
 * `bpf_prog_calc_tag`: SHA-256 over the instructions (v6.18; SHA-1 before), with the imm of
 * map-fd and map-value ld_imm64 pairs zeroed first (fds differ between loads of the same
 * program, and the tag is meant to identify the program). The digest is `prog->digest`;
 * its first 8 bytes are the tag.
 * Works on `insnsi` before `resolve_pseudo_ldimm64` rewrites the fds (the verifier calls
 * it first thing there, on its own view of the program: anything with `insnsi` and `tag`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_calc_tag)
 */
export function bpf_prog_calc_tag(prog: Pick<bpf_prog, 'insnsi' | 'tag'> & { digest?: Uint8Array }): number {
  const raw = prog.insnsi.map((i) => ({ ...i }));
  let was_ld_map = false;
  for (const dst of raw) {
    if (
      !was_ld_map &&
      dst.code === (BPF_LD | BPF_IMM | BPF_DW) &&
      (dst.src_reg === BPF_PSEUDO_MAP_FD || dst.src_reg === BPF_PSEUDO_MAP_VALUE)
    ) {
      was_ld_map = true;
      dst.imm = 0;
    } else if (was_ld_map && dst.code === 0 && dst.dst_reg === 0 && dst.src_reg === 0 && dst.off === 0) {
      was_ld_map = false;
      dst.imm = 0;
    } else {
      was_ld_map = false;
    }
  }
  const digest = sha256(encodeInsns(raw));
  prog.digest = digest;
  prog.tag = digest.slice(0, BPF_TAG_SIZE);
  return 0;
}
// #endregion calc-tag

/** The tag as BPF_OBJ_GET_INFO and /proc/<pid>/fdinfo print it: 16 hex digits. */
export function bpf_prog_tag_string(prog: bpf_prog): string {
  return [...prog.tag].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A JIT as {@link bpf_prog_select_runtime} calls it: `bpf_int_jit_compile`. */
export type BpfJitCompile = (prog: bpf_prog) => bpf_prog;

export interface SelectRuntimeOptions {
  /**
   * Which interpreter `bpf_func` gets: the switch interpreter (default; the step-by-step model)
   * or its compiled tier (same semantics, several times faster; interp_js.ts).
   */
  interpreter?: 'switch' | 'js';
  /** The arch JIT (`bpf_int_jit_compile`); absent means the arch has none. */
  jit?: BpfJitCompile;
  /** CONFIG_BPF_JIT_ALWAYS_ON: no interpreter to fall back to. */
  jit_always_on?: boolean;
}

/**
 * `bpf_prog_has_kfunc_call`: kfunc calls need a JIT; the interpreter cannot make them.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_has_kfunc_call)
 */
function bpf_prog_has_kfunc_call(prog: bpf_prog): boolean {
  return prog.insnsi.some((i) => i.code === (BPF_JMP | BPF_CALL) && i.src_reg === BPF_PSEUDO_KFUNC_CALL);
}

/**
 * `bpf_prog_select_interpreter`: the kernel picks one of 16 interpreters by stack depth
 * (`interpreters[round_up(stack_depth, 32) / 32 - 1]`), each with a stack array that
 * large. The model has one interpreter with a 512-byte frame, and answers false where the
 * kernel's index would be out of range (may_goto can push the depth past 512).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_select_interpreter)
 */
export function bpf_prog_select_interpreter(prog: bpf_prog, jit_always_on = false, tier: 'switch' | 'js' = 'switch'): boolean {
  const stack_depth = Math.max(prog.aux.stack_depth, 1);
  const idx = Math.ceil(stack_depth / 32) - 1;
  if (!jit_always_on && idx < 16) {
    prog.bpf_func = tier === 'js' ? ___bpf_prog_run_js : ___bpf_prog_run;
    return true;
  }
  prog.bpf_func = __bpf_prog_ret0_warn;
  return false;
}

/**
 * `__bpf_prog_ret0_warn`: what runs when no interpreter fits; returns 0.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (__bpf_prog_ret0_warn)
 */
function __bpf_prog_ret0_warn(): BpfRunResult {
  return { ok: true, r0: 0n, insns: 0 };
}

/**
 * `map_type_contains_progs`: prog arrays, devmaps and cpumaps hold programs.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (map_type_contains_progs)
 */
function map_type_contains_progs(map: BpfMap): boolean {
  return (
    map.map_type === bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY ||
    map.map_type === bpf_map_type.BPF_MAP_TYPE_DEVMAP ||
    map.map_type === bpf_map_type.BPF_MAP_TYPE_CPUMAP
  );
}

/**
 * `__bpf_prog_map_compatible`: the first program to use a prog_array becomes its owner;
 * later ones must match its type and JITed-ness (a tail call cannot cross from JITed
 * code into the interpreter, their stacks differ).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (__bpf_prog_map_compatible)
 */
export function bpf_prog_map_compatible(map: BpfMap, prog: bpf_prog): boolean {
  if (prog.kprobe_override) return false;
  if (!map.owner) {
    map.owner = { type: prog.type, jited: prog.jited };
    return true;
  }
  return map.owner.type === prog.type && map.owner.jited === prog.jited;
}

/**
 * `bpf_check_tail_call`: every prog-holding map the program uses must accept it.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_check_tail_call)
 */
export function bpf_check_tail_call(prog: bpf_prog): number {
  for (const map of prog.aux.used_maps) {
    if (!map_type_contains_progs(map)) continue;
    if (!bpf_prog_map_compatible(map, prog)) return -errno.EINVAL;
  }
  return 0;
}

// #region select-runtime
/**
 * `bpf_prog_select_runtime`: JIT the program if a JIT is present and requested, else set
 * the interpreter. A JIT that fails (returns the program un-JITed, or throws) leaves the
 * interpreter in place, as the kernel falls back, unless the JIT was needed (kfunc
 * calls, CONFIG_BPF_JIT_ALWAYS_ON): then -ENOTSUPP (524).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_select_runtime)
 */
export function bpf_prog_select_runtime(
  fp: bpf_prog,
  opts: SelectRuntimeOptions = {},
): { prog: bpf_prog; err: number } {
  if (fp.bpf_func === null) {
    let jit_needed = !!opts.jit_always_on || bpf_prog_has_kfunc_call(fp);
    if (!bpf_prog_select_interpreter(fp, opts.jit_always_on, opts.interpreter)) jit_needed = true;
    if (fp.jit_requested && opts.jit) {
      const interp = fp.bpf_func;
      try {
        fp = opts.jit(fp);
      } catch {
        // bpf_int_jit_compile never fails outward: it returns the program un-JITed.
        fp.jited = false;
        fp.bpf_func = interp;
      }
    }
    if (!fp.jited && jit_needed) return { prog: fp, err: -errno.ENOTSUPP };
  }
  return { prog: fp, err: bpf_check_tail_call(fp) };
}
// #endregion select-runtime

/**
 * `bpf_prog_run`: run a program on a context at `ctx` (an address in `env.mem`).
 * Resets the per-run state (tail call count); the result carries r0 as `bpf_func` returned
 * it. Hooks truncate r0 to u32 as the kernel's `unsigned int` return does.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h (bpf_prog_run)
 */
export function bpf_prog_run(prog: bpf_prog, ctx: bigint, env: BpfRunEnv): BpfRunResult {
  const fn = prog.bpf_func ?? ___bpf_prog_run;
  env.tail_call_cnt = 0;
  env.prog = prog;
  return fn(ctx, env, prog);
}

/** `ENOTSUPP` is kernel-internal (524); exported for loaders that compare against it. */
export const ENOTSUPP = errno.ENOTSUPP;
