/**
 * `bpf_check`, minimal and honest: the verifier's early structural passes, exactly as the kernel
 * runs them and with the kernel's exact log lines; the path-by-path abstract interpretation
 * (`do_check`) is NOT modelled yet (the verifier issue replaces this module's `do_check_minimal`).
 * Mirrors kernel/bpf/verifier.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c
 *
 * Modelled, in the kernel's order:
 *  - `bpf_vlog_init` of the user's log (EINVAL rules, see log.ts), `process_fd_array` (6.14+);
 *  - `check_btf_info_early` (without BTF objects in the model, a func_info/line_info count can
 *    only fail: EBADF/EINVAL from `btf_get_by_fd`), `check_abnormal_return`;
 *  - `add_subprog_and_kfunc` ("call to invalid destination", "func#%d @%d" at log level 2, the
 *    CAP_BPF rule for bpf-to-bpf calls), `check_subprogs` ("jump out of range from insn %d to %d",
 *    "last insn is not an exit or jmp");
 *  - `resolve_pseudo_ldimm64` ("BPF_LDX uses reserved fields", "invalid bpf_ld_imm64 insn",
 *    "unrecognized bpf_ld_imm64 insn", "fd %d is not pointing to valid bpf_map", "unknown opcode
 *    %02x", fd_array, direct value access) and `bpf_prog_calc_tag`;
 *  - `check_cfg` ("jump out of range", "back-edge" for unprivileged loads, "unreachable insn %d",
 *    "jump into the middle of ldimm64 insn %d");
 *  - `print_verification_stats` (with BPF_LOG_STATS), `bpf_vlog_finalize`, the `log_true_size`
 *    copy-back, `convert_pseudo_ld_imm64` and the hand-over of `used_maps`.
 *
 * NOT modelled (a program that passes the passes above is ACCEPTED, as the kernel would accept a
 * correct program): register and stack state, types, bounds, helper and kfunc argument checks,
 * context access checks and rewrites (`convert_ctx_accesses`), `do_misc_fixups`, dead code
 * removal, the per-instruction log of level 1 failures and of level 2. `insn_processed` is the
 * number of instructions a walk without state pruning visits: exact for straight-line programs,
 * an upper bound otherwise; `stack depth` counts only direct r10 accesses (in 8-byte slots).
 * @module
 */
import { BpfMemory, MAX_USED_MAPS, convert_pseudo_ld_imm64, resolve_pseudo_ldimm64 as core_resolve_pseudo_ldimm64 } from '@bpf-internals/core';
import { bpf_map_inc, type BpfMap } from '@bpf-internals/maps';
import {
  BPF_ABS,
  BPF_CALL,
  BPF_CLASS,
  BPF_COMPLEXITY_LIMIT_INSNS,
  BPF_DW,
  BPF_EXIT,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MODE,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_REG_10,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  bpf_attach_type,
  bpf_map_type,
  bpf_prog_type,
  type BpfInsn,
} from '@bpf-internals/uapi';
import {
  BPF_LOG_LEVEL2,
  BPF_LOG_STATS,
  bpf_log,
  bpf_vlog_empty,
  bpf_vlog_finalize,
  bpf_vlog_init,
  type BpfLogUserAccess,
  type bpf_verifier_log,
} from './log.js';
import { bpf_prog_calc_tag } from './insntable.js';

const EPERM = 1;
const E2BIG = 7;
const EBADF = 9;
const EFAULT = 14;
const EINVAL = 22;
const ENOTSUPP = 524;

/** `BPF_MAX_SUBPROGS`. */
export const BPF_MAX_SUBPROGS = 256;
/** `BPF_FUNC_tail_call`. */
const BPF_FUNC_tail_call = 12;
/** offsetof(union bpf_attr, log_true_size) for BPF_PROG_LOAD. */
export const BPF_PROG_LOAD_LOG_TRUE_SIZE_OFF = 140;

/** What bpf_check needs of `struct bpf_prog` (core's `bpf_prog` satisfies it structurally). */
export interface bpf_verifier_prog {
  type: number;
  expected_attach_type: number;
  gpl_compatible: boolean;
  len: number;
  /** The instructions, rewritten in place (ld_imm64 map fds become map addresses). */
  insnsi: BpfInsn[];
  /** `prog->tag`, filled by `bpf_prog_calc_tag`. */
  tag: Uint8Array;
  aux: {
    used_maps: BpfMap[];
    verified_insns: number;
    /** Stack depth of the main program (`stack_depth` of subprog 0). */
    stack_depth: number;
    func_cnt: number;
    /** `aux->attach_btf_id` (0: none; the model has no kernel BTF to resolve one). */
    attach_btf_id: number;
    /** `prog->sleepable` (BPF_F_SLEEPABLE); core keeps it in aux. */
    sleepable: boolean;
  };
}

/** The subset of BPF_PROG_LOAD's attr that bpf_check reads. */
export interface bpf_check_attr {
  log_level: number;
  log_buf: bigint;
  log_size: number;
  prog_flags: number;
  fd_array: bigint;
  /** 6.14+: fd_array holds this many fds, all bound to the program at load. */
  fd_array_cnt?: number;
  func_info_cnt: number;
  line_info_cnt: number;
  prog_btf_fd: number;
}

/** One step of the verifier for the load-path trace (syscall's trace.ts indents and links it). */
export interface VerifierTraceStep {
  fn: string;
  detail: string;
  ret?: number;
}

/** What the caller (syscall's bpf_prog_load) provides: user memory, fds, capabilities. */
export interface bpf_check_env {
  /** User memory for the log buffer, fd_array and the log_true_size copy-back. */
  user: BpfLogUserAccess;
  /** Address and size of the caller's attr (log_true_size is written there when it fits). */
  uattr: bigint;
  uattr_size: number;
  /** `bpf_token_capable(token, CAP_BPF)`. */
  bpf_capable: boolean;
  /** `__bpf_map_get(fd)` without a reference (core's add_used_map_from_fd takes it), or -EBADF / -EINVAL. */
  map_from_fd(fd: number): BpfMap | number;
  /** `bpf_map_put`, for maps a rejected program does not keep. */
  map_put(map: BpfMap): void;
  /** `btf_get_by_fd`: the model has no BTF objects, so this answers -EBADF or -EINVAL. */
  btf_get_by_fd?(fd: number): number;
  /** The kernel address space maps live in (core's memory model); a fresh one when absent. */
  mem?: BpfMemory;
  /** `ktime_get_ns()`. */
  ktime_get_ns?(): number;
  trace?(step: VerifierTraceStep): void;
}

/** `struct bpf_subprog_info` (the fields modelled). */
export interface bpf_subprog_info {
  start: number;
  has_tail_call: boolean;
  has_ld_abs: boolean;
  stack_depth: number;
}

/** `struct bpf_verifier_env` (the fields modelled). */
export interface bpf_verifier_env {
  prog: bpf_verifier_prog;
  log: bpf_verifier_log;
  ctx: bpf_check_env;
  bpf_capable: boolean;
  subprog_info: bpf_subprog_info[];
  subprog_cnt: number;
  used_maps: BpfMap[];
  insn_processed: number;
  fd_array: bigint;
  /** `insn_aux_data[i].map_index` / `.map_off` for ld_imm64 of maps. */
  insn_aux_data: { map_index: number; map_off: number }[];
  mem: BpfMemory;
}

function verbose(env: bpf_verifier_env, msg: string): void {
  bpf_log(env.log, msg);
}

const isLdImm64 = (insn: BpfInsn): boolean => insn.code === (BPF_LD | BPF_IMM | BPF_DW);
const isPseudoCall = (insn: BpfInsn): boolean => insn.code === (BPF_JMP | BPF_CALL) && insn.src_reg === BPF_PSEUDO_CALL;
const isPseudoKfuncCall = (insn: BpfInsn): boolean =>
  insn.code === (BPF_JMP | BPF_CALL) && insn.src_reg === BPF_PSEUDO_KFUNC_CALL;
const isPseudoFunc = (insn: BpfInsn): boolean => isLdImm64(insn) && insn.src_reg === BPF_PSEUDO_FUNC;

/**
 * `add_subprog`: record a subprogram start (kept sorted); "call to invalid destination" when it is
 * outside the program.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (add_subprog)
 */
function add_subprog(env: bpf_verifier_env, off: number): number {
  if (off >= env.prog.len || off < 0) {
    verbose(env, 'call to invalid destination\n');
    return -EINVAL;
  }
  const found = env.subprog_info.findIndex((s, i) => i < env.subprog_cnt && s.start === off);
  if (found >= 0) return found;
  if (env.subprog_cnt >= BPF_MAX_SUBPROGS) {
    verbose(env, 'too many subprograms\n');
    return -E2BIG;
  }
  env.subprog_info.push({ start: off, has_tail_call: false, has_ld_abs: false, stack_depth: 0 });
  env.subprog_cnt++;
  env.subprog_info.sort((a, b) => a.start - b.start);
  return env.subprog_info.findIndex((s) => s.start === off);
}

// #region add_subprog_and_kfunc
/**
 * `add_subprog_and_kfunc`: the main program is subprog 0; every bpf-to-bpf call and every
 * ld_imm64 of a function starts another. Calls need CAP_BPF. At log level 2 each start is logged.
 * kfunc descriptors (BTF) are not modelled: a kfunc call only passes the capability check.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (add_subprog_and_kfunc)
 */
export function add_subprog_and_kfunc(env: bpf_verifier_env): number {
  let ret = add_subprog(env, 0);
  if (ret < 0) return ret;
  const insns = env.prog.insnsi;
  for (let i = 0; i < env.prog.len; i++) {
    const insn = insns[i]!;
    if (!isPseudoFunc(insn) && !isPseudoCall(insn) && !isPseudoKfuncCall(insn)) continue;
    if (!env.bpf_capable) {
      verbose(env, 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN\n');
      return -EPERM;
    }
    if (isPseudoFunc(insn) || isPseudoCall(insn)) {
      ret = add_subprog(env, i + insn.imm + 1);
      if (ret < 0) return ret;
    }
  }
  if (env.log.level & BPF_LOG_LEVEL2) {
    for (let i = 0; i < env.subprog_cnt; i++) verbose(env, `func#${i} @${env.subprog_info[i]!.start}\n`);
  }
  return 0;
}
// #endregion add_subprog_and_kfunc

// #region check_subprogs
/**
 * `check_subprogs`: every jump stays inside its subprogram, and a subprogram cannot fall through
 * into the next one: its last instruction is an exit or an unconditional jump.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (check_subprogs)
 */
export function check_subprogs(env: bpf_verifier_env): number {
  const insn = env.prog.insnsi;
  const insn_cnt = env.prog.len;
  const starts = env.subprog_info.map((s) => s.start).concat(insn_cnt); // the fake 'exit' subprog
  let cur_subprog = 0;
  let subprog_start = starts[0]!;
  let subprog_end = starts[1]!;
  for (let i = 0; i < insn_cnt; i++) {
    const { code, src_reg, imm, off: joff } = insn[i]!;
    const sub = env.subprog_info[cur_subprog]!;
    if (code === (BPF_JMP | BPF_CALL) && src_reg === 0 && imm === BPF_FUNC_tail_call) sub.has_tail_call = true;
    if (BPF_CLASS(code) === BPF_LD && (BPF_MODE(code) === BPF_ABS || BPF_MODE(code) === BPF_IND)) sub.has_ld_abs = true;
    const isJmp = BPF_CLASS(code) === BPF_JMP || BPF_CLASS(code) === BPF_JMP32;
    if (isJmp && BPF_OP(code) !== BPF_EXIT && BPF_OP(code) !== BPF_CALL) {
      const off = code === (BPF_JMP32 | BPF_JA) ? i + imm + 1 : i + joff + 1;
      if (off < subprog_start || off >= subprog_end) {
        verbose(env, `jump out of range from insn ${i} to ${off}\n`);
        return -EINVAL;
      }
    }
    if (i === subprog_end - 1) {
      // no fall-through from one subprog into the next
      if (code !== (BPF_JMP | BPF_EXIT) && code !== (BPF_JMP32 | BPF_JA) && code !== (BPF_JMP | BPF_JA)) {
        verbose(env, 'last insn is not an exit or jmp\n');
        return -EINVAL;
      }
      subprog_start = subprog_end;
      cur_subprog++;
      if (cur_subprog < env.subprog_cnt) subprog_end = starts[cur_subprog + 1]!;
    }
  }
  return 0;
}
// #endregion check_subprogs

/**
 * `check_abnormal_return`: without BTF, subprograms may not use LD_ABS or tail calls.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (check_abnormal_return)
 */
function check_abnormal_return(env: bpf_verifier_env): number {
  for (let i = 1; i < env.subprog_cnt; i++) {
    if (env.subprog_info[i]!.has_ld_abs) {
      verbose(env, 'LD_ABS is not allowed in subprogs without BTF\n');
      return -EINVAL;
    }
    if (env.subprog_info[i]!.has_tail_call) {
      verbose(env, 'tail_call is not allowed in subprogs without BTF\n');
      return -EINVAL;
    }
  }
  return 0;
}

/**
 * `check_btf_info_early` / `check_btf_info`: with no func_info and no line_info only
 * `check_abnormal_return` runs. The model has no BTF objects, so a count means a failing
 * `btf_get_by_fd`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (check_btf_info_early)
 */
function check_btf_info_early(env: bpf_verifier_env, attr: bpf_check_attr): number {
  if (!attr.func_info_cnt && !attr.line_info_cnt) return check_abnormal_return(env) ? -EINVAL : 0;
  return env.ctx.btf_get_by_fd ? env.ctx.btf_get_by_fd(attr.prog_btf_fd) : -EBADF;
}

/**
 * `check_map_prog_compatibility`, the part that does not need BTF records: struct_ops maps are
 * never usable from programs, and sleepable programs only use some map types.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (check_map_prog_compatibility)
 */
function check_map_prog_compatibility(env: bpf_verifier_env, map: BpfMap): number {
  const t = bpf_map_type;
  if (map.map_type === t.BPF_MAP_TYPE_STRUCT_OPS) {
    verbose(env, 'bpf_struct_ops map cannot be used in prog\n');
    return -EINVAL;
  }
  if (env.prog.aux.sleepable) {
    const ok = [
      t.BPF_MAP_TYPE_HASH,
      t.BPF_MAP_TYPE_LRU_HASH,
      t.BPF_MAP_TYPE_ARRAY,
      t.BPF_MAP_TYPE_PERCPU_HASH,
      t.BPF_MAP_TYPE_PERCPU_ARRAY,
      t.BPF_MAP_TYPE_LRU_PERCPU_HASH,
      t.BPF_MAP_TYPE_ARRAY_OF_MAPS,
      t.BPF_MAP_TYPE_HASH_OF_MAPS,
      t.BPF_MAP_TYPE_RINGBUF,
      t.BPF_MAP_TYPE_USER_RINGBUF,
      t.BPF_MAP_TYPE_INODE_STORAGE,
      t.BPF_MAP_TYPE_SK_STORAGE,
      t.BPF_MAP_TYPE_TASK_STORAGE,
      t.BPF_MAP_TYPE_CGRP_STORAGE,
      t.BPF_MAP_TYPE_QUEUE,
      t.BPF_MAP_TYPE_STACK,
      t.BPF_MAP_TYPE_ARENA,
    ] as number[];
    if (!ok.includes(map.map_type)) {
      verbose(env, 'Sleepable programs can only use array, hash, ringbuf and local storage maps\n');
      return -EINVAL;
    }
  }
  return 0;
}

/**
 * The kernel address of a map for the rewritten ld_imm64, in core's memory model: the map
 * object's region, or the value region plus `off` (BPF_PSEUDO_MAP_VALUE).
 */
export function bpf_map_kernel_addr(mem: BpfMemory, map: BpfMap, off: number | null): bigint | null {
  if (off === null) return mem.objectAddr(map, `map '${map.name}'`);
  const dv = map.ops.map_direct_value_addr?.(map, 0);
  if (!dv || typeof dv === 'number') return null;
  return mem.addressOf(dv.region, 'map_value', `value of map '${map.name}'`) + BigInt(off);
}

/**
 * `bpf_map_from_imm`: which used map (and value offset) a rewritten ld_imm64 constant points at,
 * so BPF_OBJ_GET_INFO_BY_FD can show the map id again.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_from_imm)
 */
export function bpf_map_from_imm(
  mem: BpfMemory,
  used_maps: readonly BpfMap[],
  addr: bigint,
): { map: BpfMap; off: number; type: number } | null {
  for (const map of used_maps) {
    if (bpf_map_kernel_addr(mem, map, null) === addr) return { map, off: 0, type: BPF_PSEUDO_MAP_FD };
    const v = bpf_map_kernel_addr(mem, map, 0);
    if (v !== null && addr >= v && addr < v + BigInt(map.value_size * Math.max(map.max_entries, 1))) {
      return { map, off: Number(addr - v), type: BPF_PSEUDO_MAP_VALUE };
    }
  }
  return null;
}

// #region process_fd_array
/**
 * `process_fd_array` (6.14+): with `fd_array_cnt`, every fd of fd_array is a map (or BTF) the
 * program uses, bound at load even if no instruction refers to it; without it fd_array is only
 * read by BPF_PSEUDO_MAP_IDX instructions.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (process_fd_array)
 */
export function process_fd_array(env: bpf_verifier_env, fd_array_cnt: number): number {
  if (!fd_array_cnt) return 0;
  if (fd_array_cnt >= Math.floor(0xffffffff / 4)) {
    verbose(env, `fd_array_cnt is too big (${fd_array_cnt >>> 0})\n`);
    return -EINVAL;
  }
  for (let i = 0; i < fd_array_cnt; i++) {
    const b = env.fd_array ? env.ctx.user.copy_from_user(env.fd_array + BigInt(i * 4), 4) : null;
    if (!b) return -EFAULT;
    const fd = new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
    // add_fd_from_fd_array: a map (the model has no BTF objects)
    const map = env.ctx.map_from_fd(fd);
    if (typeof map === 'number') {
      verbose(env, `fd ${fd} is not pointing to valid bpf_map or btf\n`);
      return map;
    }
    if (env.used_maps.includes(map)) continue;
    if (env.used_maps.length >= MAX_USED_MAPS) {
      verbose(env, `The total number of maps per program has reached the limit of ${MAX_USED_MAPS}\n`);
      return -E2BIG;
    }
    bpf_map_inc(map);
    env.used_maps.push(map);
  }
  return 0;
}
// #endregion process_fd_array

// #region resolve_pseudo_ldimm64
/**
 * `resolve_pseudo_ldimm64`: compute the tag (`bpf_prog_calc_tag`), then core's walk over every
 * instruction (reserved LDX fields, well-formed ld_imm64 pairs whose map fds or fd_array indexes
 * become map addresses in core's memory model, "unknown opcode"), with this file's
 * `check_map_prog_compatibility` and the verifier log.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (resolve_pseudo_ldimm64)
 */
export function resolve_pseudo_ldimm64(env: bpf_verifier_env): number {
  bpf_prog_calc_tag(env.prog);
  const user = env.ctx.user;
  return core_resolve_pseudo_ldimm64(env.prog.insnsi, {
    mem: env.mem,
    map_from_fd: (fd) => env.ctx.map_from_fd(fd),
    fd_array:
      env.fd_array === 0n
        ? undefined
        : (idx) => {
            const b = user.copy_from_user(env.fd_array + BigInt(idx >>> 0) * 4n, 4);
            return b ? new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true) : -EFAULT;
          },
    used_maps: env.used_maps,
    log: (line) => verbose(env, `${line}\n`),
    check_map_prog_compatibility: (map) => check_map_prog_compatibility(env, map),
  });
}
// #endregion resolve_pseudo_ldimm64

const DISCOVERED = 0x10;
const EXPLORED = 0x20;
const FALLTHROUGH = 1;
const BRANCH = 2;
const DONE_EXPLORING = 0;
const KEEP_EXPLORING = 1;

interface CfgState {
  insn_state: Int32Array;
  insn_stack: Int32Array;
  cur_stack: number;
}

/**
 * `push_insn`: follow edge t -> w of kind e in the depth-first walk; a jump outside the program
 * is an error, a back-edge (a loop) only for loads without CAP_BPF.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (push_insn)
 */
function push_insn(t: number, w: number, e: number, env: bpf_verifier_env, cfg: CfgState): number {
  const { insn_state, insn_stack } = cfg;
  if (e === FALLTHROUGH && insn_state[t]! >= (DISCOVERED | FALLTHROUGH)) return DONE_EXPLORING;
  if (e === BRANCH && insn_state[t]! >= (DISCOVERED | BRANCH)) return DONE_EXPLORING;
  if (w < 0 || w >= env.prog.len) {
    verbose(env, `jump out of range from insn ${t} to ${w}\n`);
    return -EINVAL;
  }
  if (insn_state[w] === 0) {
    // tree-edge
    insn_state[t] = DISCOVERED | e;
    insn_state[w] = DISCOVERED;
    if (cfg.cur_stack >= env.prog.len) return -E2BIG;
    insn_stack[cfg.cur_stack++] = w;
    return KEEP_EXPLORING;
  } else if ((insn_state[w]! & 0xf0) === DISCOVERED) {
    if (env.bpf_capable) return DONE_EXPLORING;
    verbose(env, `back-edge from insn ${t} to ${w}\n`);
    return -EINVAL;
  } else if (insn_state[w] === EXPLORED) {
    // forward- or cross-edge
    insn_state[t] = DISCOVERED | e;
  } else {
    verbose(env, 'insn state internal bug\n');
    return -EFAULT;
  }
  return DONE_EXPLORING;
}

/**
 * `visit_insn`: the successors of one instruction (fall-through, jump target, callee).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (visit_insn)
 */
function visit_insn(t: number, env: bpf_verifier_env, cfg: CfgState): number {
  const insns = env.prog.insnsi;
  const insn = insns[t]!;
  const visit_func_call_insn = (visit_callee: boolean): number => {
    const sz = isLdImm64(insn) ? 2 : 1;
    const ret = push_insn(t, t + sz, FALLTHROUGH, env, cfg);
    if (ret) return ret;
    if (visit_callee) return push_insn(t, t + insn.imm + 1, BRANCH, env, cfg);
    return ret;
  };
  if (isPseudoFunc(insn)) return visit_func_call_insn(true);
  if (BPF_CLASS(insn.code) !== BPF_JMP && BPF_CLASS(insn.code) !== BPF_JMP32) {
    return push_insn(t, t + (isLdImm64(insn) ? 2 : 1), FALLTHROUGH, env, cfg);
  }
  switch (BPF_OP(insn.code)) {
    case BPF_EXIT:
      return DONE_EXPLORING;
    case BPF_CALL:
      return visit_func_call_insn(insn.src_reg === BPF_PSEUDO_CALL);
    case BPF_JA: {
      if (BPF_SRC(insn.code) !== BPF_K) return -EINVAL;
      const off = BPF_CLASS(insn.code) === BPF_JMP ? insn.off : insn.imm;
      return push_insn(t, t + off + 1, FALLTHROUGH, env, cfg);
    }
    default: {
      const ret = push_insn(t, t + 1, FALLTHROUGH, env, cfg);
      if (ret) return ret;
      return push_insn(t, t + insn.off + 1, BRANCH, env, cfg);
    }
  }
}

// #region check_cfg
/**
 * `check_cfg`: a non-recursive depth-first walk of the control-flow graph from insn 0. Every
 * instruction must be reached, and no jump may land on the second half of an ld_imm64.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (check_cfg)
 */
export function check_cfg(env: bpf_verifier_env): number {
  const insn_cnt = env.prog.len;
  const cfg: CfgState = { insn_state: new Int32Array(insn_cnt), insn_stack: new Int32Array(insn_cnt), cur_stack: 1 };
  cfg.insn_state[0] = DISCOVERED;
  cfg.insn_stack[0] = 0;
  while (cfg.cur_stack > 0) {
    const t = cfg.insn_stack[cfg.cur_stack - 1]!;
    const ret = visit_insn(t, env, cfg);
    if (ret === DONE_EXPLORING) {
      cfg.insn_state[t] = EXPLORED;
      cfg.cur_stack--;
    } else if (ret !== KEEP_EXPLORING) {
      if (ret > 0) {
        verbose(env, 'visit_insn internal bug\n');
        return -EFAULT;
      }
      return ret;
    }
  }
  for (let i = 0; i < insn_cnt; i++) {
    if (cfg.insn_state[i] !== EXPLORED) {
      verbose(env, `unreachable insn ${i}\n`);
      return -EINVAL;
    }
    if (isLdImm64(env.prog.insnsi[i]!)) {
      if (cfg.insn_state[i + 1] !== 0) {
        verbose(env, `jump into the middle of ldimm64 insn ${i}\n`);
        return -EINVAL;
      }
      i++; // skip second half of ldimm64
    }
  }
  return 0;
}
// #endregion check_cfg

/**
 * Stands in for `do_check_main` until the verifier issue lands: no state is tracked, the program
 * is accepted. It counts `insn_processed` the way a walk without pruning would (exact for
 * straight-line code) and the stack depth of direct r10 accesses.
 */
function do_check_minimal(env: bpf_verifier_env): number {
  const insns = env.prog.insnsi;
  const budget = BPF_COMPLEXITY_LIMIT_INSNS;
  const stack: number[] = [0];
  let processed = 0;
  while (stack.length && processed < budget) {
    let t = stack.pop()!;
    for (;;) {
      const insn = insns[t];
      if (!insn || processed >= budget) break;
      processed++;
      const cls = BPF_CLASS(insn.code);
      if (cls === BPF_JMP || cls === BPF_JMP32) {
        const op = BPF_OP(insn.code);
        if (op === BPF_EXIT) break;
        if (op === BPF_CALL) {
          t++;
          continue;
        }
        if (op === BPF_JA) {
          t += (cls === BPF_JMP ? insn.off : insn.imm) + 1;
          continue;
        }
        stack.push(t + insn.off + 1);
        t++;
        continue;
      }
      t += isLdImm64(insn) ? 2 : 1;
    }
  }
  env.insn_processed = processed;
  let depth = 0;
  for (const insn of insns) {
    const cls = BPF_CLASS(insn.code);
    const base = cls === BPF_LDX ? insn.src_reg : cls === BPF_ST || cls === BPF_STX ? insn.dst_reg : -1;
    if (base === BPF_REG_10 && insn.off < 0) depth = Math.max(depth, -insn.off);
  }
  // grow_stack_state: the stack grows in whole 8-byte slots
  env.subprog_info[0]!.stack_depth = Math.ceil(depth / 8) * 8;
  return 0;
}

/**
 * `print_verification_stats`: with BPF_LOG_STATS the time and the stack depths, then always the
 * "processed" summary line (also after a failure).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (print_verification_stats)
 */
function print_verification_stats(env: bpf_verifier_env, verification_time_ns: number): void {
  if (env.log.level & BPF_LOG_STATS) {
    verbose(env, `verification time ${Math.floor(verification_time_ns / 1000)} usec\n`);
    verbose(env, 'stack depth ');
    for (let i = 0; i < env.subprog_cnt; i++) {
      verbose(env, `${env.subprog_info[i]!.stack_depth}`);
      if (i + 1 < env.subprog_cnt) verbose(env, '+');
    }
    verbose(env, '\n');
  }
  verbose(
    env,
    `processed ${env.insn_processed} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n`,
  );
}

const T = bpf_prog_type;

/**
 * `can_be_sleepable`: only program types that run in process context may sleep.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (can_be_sleepable)
 */
function can_be_sleepable(prog: bpf_verifier_prog): boolean {
  const A = bpf_attach_type;
  if (prog.type === T.BPF_PROG_TYPE_TRACING) {
    return ([A.BPF_TRACE_FENTRY, A.BPF_TRACE_FEXIT, A.BPF_MODIFY_RETURN, A.BPF_TRACE_ITER] as number[]).includes(
      prog.expected_attach_type,
    );
  }
  if (prog.type === T.BPF_PROG_TYPE_LSM) return prog.expected_attach_type !== A.BPF_LSM_CGROUP;
  return prog.type === T.BPF_PROG_TYPE_KPROBE || prog.type === T.BPF_PROG_TYPE_STRUCT_OPS;
}

// #region check_attach_btf_id
/**
 * `check_attach_btf_id`, up to the point where kernel BTF is needed: syscall programs must be
 * sleepable, only some types may be, struct_ops needs a GPL-compatible license and a BTF id
 * (-ENOTSUPP without), tracing/LSM/extension programs need a btf_id. With a btf_id the kernel
 * resolves the attach target in vmlinux BTF, which the model does not have (not modelled).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (check_attach_btf_id)
 */
export function check_attach_btf_id(env: bpf_verifier_env): number {
  const prog = env.prog;
  if (prog.type === T.BPF_PROG_TYPE_SYSCALL) {
    if (prog.aux.sleepable) return 0;
    verbose(env, 'Syscall programs can only be sleepable\n');
    return -EINVAL;
  }
  if (prog.aux.sleepable && !can_be_sleepable(prog)) {
    verbose(env, 'Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable\n');
    return -EINVAL;
  }
  if (prog.type === T.BPF_PROG_TYPE_STRUCT_OPS) {
    // check_struct_ops_btf_id
    if (!prog.gpl_compatible) {
      verbose(env, 'struct ops programs must have a GPL compatible license\n');
      return -EINVAL;
    }
    if (!prog.aux.attach_btf_id) return -ENOTSUPP;
    return -ENOTSUPP; // resolving struct_ops members needs kernel BTF: not modelled
  }
  if (prog.type !== T.BPF_PROG_TYPE_TRACING && prog.type !== T.BPF_PROG_TYPE_LSM && prog.type !== T.BPF_PROG_TYPE_EXT) return 0;
  // bpf_check_attach_target
  if (!prog.aux.attach_btf_id) {
    verbose(env, 'Tracing programs must provide btf_id\n');
    return -EINVAL;
  }
  return -EINVAL; // a btf_id without kernel BTF: not modelled
}
// #endregion check_attach_btf_id

const now = (): number => (typeof performance !== 'undefined' ? performance.now() * 1e6 : Date.now() * 1e6);

// #region bpf_check
/**
 * `bpf_check`: set up the log, run the passes in the kernel's order until one fails, print the
 * stats, finalize the log (its error wins over success), write `log_true_size` back when the
 * caller's attr is large enough, and hand the used maps to the program or drop them.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (bpf_check)
 */
export function bpf_check(prog: bpf_verifier_prog, attr: bpf_check_attr, ctx: bpf_check_env): number {
  const clock = ctx.ktime_get_ns ?? now;
  const start_time = clock();
  const step = (fn: string, detail: string, ret?: number): void => ctx.trace?.({ fn, detail, ret });
  const env: bpf_verifier_env = {
    prog,
    log: bpf_vlog_empty(),
    ctx,
    bpf_capable: ctx.bpf_capable,
    subprog_info: [],
    subprog_cnt: 0,
    used_maps: [],
    insn_processed: 0,
    fd_array: BigInt.asUintN(64, attr.fd_array),
    insn_aux_data: Array.from({ length: prog.len }, () => ({ map_index: 0, map_off: 0 })),
    mem: ctx.mem ?? new BpfMemory(),
  };

  let ret = bpf_vlog_init(env.log, attr.log_level, attr.log_buf, attr.log_size, ctx.user);
  step('bpf_vlog_init', `log_level ${attr.log_level}, log_size ${attr.log_size}`, ret);
  if (ret) return ret;

  const passes: [string, () => number][] = [
    ['process_fd_array', () => process_fd_array(env, attr.fd_array_cnt ?? 0)],
    ['check_btf_info_early', () => check_btf_info_early(env, attr)],
    ['add_subprog_and_kfunc', () => add_subprog_and_kfunc(env)],
    ['check_subprogs', () => check_subprogs(env)],
    ['check_btf_info', () => (attr.func_info_cnt || attr.line_info_cnt ? 0 : check_abnormal_return(env) ? -EINVAL : 0)],
    ['resolve_pseudo_ldimm64', () => resolve_pseudo_ldimm64(env)],
    ['check_cfg', () => check_cfg(env)],
    ['check_attach_btf_id', () => check_attach_btf_id(env)],
    ['do_check_main', () => do_check_minimal(env)],
  ];
  for (const [fn, pass] of passes) {
    ret = pass();
    const detail =
      fn === 'add_subprog_and_kfunc'
        ? `${env.subprog_cnt} subprog(s)`
        : fn === 'resolve_pseudo_ldimm64'
          ? `${env.used_maps.length} map(s) used`
          : fn === 'do_check_main'
            ? `NOT MODELLED: accepted without state tracking (${env.insn_processed} insns walked)`
            : '';
    step(fn, detail, ret);
    if (ret < 0) break;
  }
  if (env.subprog_cnt === 0) env.subprog_info.push({ start: 0, has_tail_call: false, has_ld_abs: false, stack_depth: 0 });
  if (env.subprog_cnt === 0) env.subprog_cnt = 1;

  print_verification_stats(env, clock() - start_time);
  prog.aux.verified_insns = env.insn_processed;
  prog.aux.stack_depth = env.subprog_info[0]!.stack_depth;
  prog.aux.func_cnt = env.subprog_cnt > 1 ? env.subprog_cnt : 0;

  // preserve the original error even if log finalization succeeds
  const fin = bpf_vlog_finalize(env.log);
  if (fin.err) ret = fin.err;
  step('bpf_vlog_finalize', `log_true_size ${fin.log_size_actual}`, fin.err);

  let copied = true;
  if (ctx.uattr_size >= BPF_PROG_LOAD_LOG_TRUE_SIZE_OFF + 4) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, fin.log_size_actual, true);
    copied = ctx.user.copy_to_user(ctx.uattr + BigInt(BPF_PROG_LOAD_LOG_TRUE_SIZE_OFF), b);
    if (!copied) ret = -EFAULT;
  }

  if (ret === 0 && copied) {
    // the program keeps the references; the pseudo ld_imm64s become plain constants
    prog.aux.used_maps = env.used_maps;
    if (env.used_maps.length) convert_pseudo_ld_imm64(env.prog.insnsi);
  } else {
    for (const m of env.used_maps) ctx.map_put(m); // release_maps
  }
  return ret;
}
// #endregion bpf_check
