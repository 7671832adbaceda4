/**
 * `struct bpf_prog`, `struct bpf_prog_aux` and the run-time environment a program runs in.
 * Mirrors include/linux/filter.h and include/linux/bpf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h (struct bpf_prog, bpf_prog_run)
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h (struct bpf_prog_aux)
 *
 * The syscall layer fills a `bpf_prog` in `bpf_prog_load` (through {@link bpf_prog_alloc}),
 * the verifier rewrites its `insnsi`, {@link bpf_prog_select_runtime} picks `bpf_func`
 * (the JIT's image or the interpreter), and every hook runs it through `bpf_func`.
 * Kept: the fields user space can observe (BPF_OBJ_GET_INFO_BY_FD reads most of them).
 * Left out: stats, ksym, the per-CPU `active` counter, cgroup storage, trampolines.
 * @module
 */
import type { BpfInsn } from '@bpf-internals/uapi';
import type { BpfMap, BpfRefObject } from '@bpf-internals/maps';
import type { BpfFault, BpfMemory } from './memory.js';

/** `struct bpf_prog_aux`: what the kernel keeps beside the instructions. */
export interface bpf_prog_aux {
  /** `aux->id`, from `bpf_prog_alloc_id` (the syscall layer sets it). */
  id: number;
  /** `aux->name`: the NUL-free name as BPF_OBJ_GET_INFO_BY_FD returns it. */
  name: string;
  /** `aux->used_maps`: maps referenced by ld_imm64, in first-use order (`add_used_map_from_fd`). */
  used_maps: BpfMap[];
  /** `aux->used_btfs` count (module BTFs held); the model keeps only the count. */
  used_btf_cnt: number;
  /** `aux->stack_depth`: bytes of stack the main program uses (the verifier computes it). */
  stack_depth: number;
  /** `aux->max_ctx_offset`: highest context offset accessed (the verifier records it). */
  max_ctx_offset: number;
  /** `aux->max_pkt_offset`. */
  max_pkt_offset: number;
  /** Raw `struct bpf_func_info` records as loaded (8 bytes each), or null. */
  func_info: Uint8Array | null;
  func_info_cnt: number;
  /** Raw `struct bpf_line_info` records (16 bytes each), or null. */
  linfo: Uint8Array | null;
  nr_linfo: number;
  /** `aux->btf`: the program's BTF object, if loaded with one (opaque to core). */
  btf: unknown;
  /** `aux->attach_btf_id`. */
  attach_btf_id: number;
  /** `aux->load_time`: ktime_get_boottime_ns() at load, in ns. */
  load_time: bigint;
  /** `aux->verified_insns`: instructions the verifier processed. */
  verified_insns: number;
  /** `aux->func_cnt`: number of subprograms when bpf-to-bpf calls split the program. */
  func_cnt: number;
  /** `aux->tail_call_reachable`. */
  tail_call_reachable: boolean;
  /** `aux->xdp_has_frags` (BPF_F_XDP_HAS_FRAGS). */
  xdp_has_frags: boolean;
  /** `aux->sleepable` (BPF_F_SLEEPABLE). */
  sleepable: boolean;
  /** `aux->offload`: device-bound programs; always null in the model. */
  offload: null;
  /** `aux->jit_data`: whatever the JIT keeps between passes (the RISC-V JIT's context). */
  jit_data: unknown;
  /** The JITed image's bytes (`bpf_jit_binary_hdr` contents); null when interpreted. */
  jited_image: Uint8Array | null;
  /** Program flags as loaded (BPF_F_*), for info and the verifier. */
  prog_flags: number;
  /** `aux->prog`: back pointer. */
  prog: bpf_prog | null;
  /** `aux->refcnt`. */
  refcnt: number;
  /** `aux->created_by_uid` (the model runs as root). */
  created_by_uid: number;
}

/** What a run produced: `r0` on `exit` from the main frame, or why it stopped. */
export type BpfRunResult =
  | { ok: true; r0: bigint; insns: number }
  | { ok: false; error: BpfRunError; insns: number };

/** Why a run stopped without `exit`. The kernel has no such outcome: its verifier rules them out. */
export interface BpfRunError {
  kind:
    | 'fault' // a load/store outside the memory model's regions
    | 'invalid_insn' // an opcode or field the ISA does not define
    | 'call_depth' // more than MAX_CALL_FRAMES nested bpf-to-bpf calls
    | 'insn_limit' // the runaway guard (env.insn_limit) ran out
    | 'unknown_helper' // a call to a helper id the model has no entry for
    | 'jump_out_of_range' // a jump/call target outside the program
    | 'internal'; // an exception from a helper or map implementation (a model bug, reported not thrown)
  /** Index of the instruction that stopped the run. */
  insn: number;
  message: string;
  fault?: BpfFault;
}

/**
 * A program's entry point: `bpf_func(ctx, insnsi)` in the kernel. `ctx` is the u64 address
 * of the context in `env.mem`.
 */
export type bpf_func_t = (ctx: bigint, env: BpfRunEnv, prog: bpf_prog) => BpfRunResult;

/**
 * The register file as helpers see it: 64-bit registers as two int32 lanes (low, high),
 * so the hot path never touches BigInt. Index 0..10 are r0..r10, 11 is BPF_REG_AX.
 */
export interface BpfRegs {
  lo: Int32Array;
  hi: Int32Array;
}

/**
 * A helper: reads its arguments from r1..r5 of `regs` and writes r0. Memory faults are
 * thrown as `BpfFault` (with `insn` the calling instruction) and end the run.
 * The RISC-V hart calls the same functions with its own register copy.
 */
export type BpfHelperFn = (env: BpfRunEnv, regs: BpfRegs, insn: number) => void;

/** `struct bpf_redirect_info` (net/core/filter.c): what bpf_redirect leaves for the caller. */
export interface bpf_redirect_info {
  tgt_index: number;
  flags: number;
  /** For XDP redirect through a map (devmap/cpumap/xskmap): the map. */
  map: unknown;
}

/** A ring buffer record handed out by bpf_ringbuf_reserve, until submit or discard. */
export interface RingbufRecord {
  map: BpfMap;
  bytes: Uint8Array;
}

/**
 * What a running program can reach: the address space, the helpers, the clocks, and the
 * per-CPU state helpers leave behind. One per simulated CPU; {@link createRunEnv} in
 * helpers.ts builds one with deterministic defaults.
 */
export interface BpfRunEnv {
  mem: BpfMemory;
  /** Helper table by `bpf_func_id`. */
  helpers: readonly (BpfHelperFn | undefined)[];
  /** `bpf_ktime_get_ns` source (injectable: deterministic in tests). */
  ktime_get_ns(): bigint;
  /** `bpf_get_prandom_u32` source (injectable). */
  get_prandom_u32(): number;
  /** `smp_processor_id()`. */
  smp_processor_id(): number;
  /** The trace buffer `bpf_trace_printk` writes to (`/sys/kernel/tracing/trace_pipe` lines). */
  trace: string[];
  /** Per-CPU `bpf_redirect_info`. */
  redirect: bpf_redirect_info;
  /** Tail calls taken in the current run (`MAX_TAIL_CALL_CNT` caps it at 33). */
  tail_call_cnt: number;
  /** Runaway guard for unverified code (`runProgram`): instructions before giving up. */
  insn_limit: number;
  /** Executed-instruction counter of the last run (the benchmark reads it). */
  insns: number;
  /** The socket buffer of the running program (skb helpers), set by test_run/hooks. */
  skb: unknown;
  /** Linear packet bytes LD_ABS / LD_IND read (the skb's data), or null. */
  ld_abs: Uint8Array | null;
  /** Open ring buffer reservations, by record address. */
  ringbuf: Map<bigint, RingbufRecord>;
  /** The program being run (tail calls replace it). */
  prog: bpf_prog | null;
}

/**
 * `struct bpf_prog`. Also a {@link BpfRefObject}, so a prog_array slot can hold it.
 */
export interface bpf_prog extends BpfRefObject {
  /**
   * `prog->aux->id` (0 until the syscall layer's bpf_prog_alloc_id), read through: the maps'
   * `BpfProgRef` contract reads it as `.id` when a prog_array slot is looked up from user space.
   */
  readonly id: number;
  /** `enum bpf_prog_type`. */
  type: number;
  /** `enum bpf_attach_type`. */
  expected_attach_type: number;
  /** Number of instructions (`insnsi.length`). */
  len: number;
  /**
   * The instructions the interpreter runs: the loaded ones, as the verifier rewrote them
   * (ld_imm64 of a map carries the map's address, see resolve_pseudo_ldimm64).
   */
  insnsi: BpfInsn[];
  /** The instruction bytes exactly as user space passed them (BPF_OBJ_GET_INFO xlated before rewrites). */
  orig_insns: Uint8Array;
  /** `tag`: the first 8 bytes of `digest`. */
  tag: Uint8Array;
  /** `digest`: SHA-256 over the instructions with map fds zeroed (v6.18; SHA-1 before). */
  digest: Uint8Array;
  gpl_compatible: boolean;
  jited: boolean;
  jit_requested: boolean;
  /** Bytes of JITed code (0 when interpreted). */
  jited_len: number;
  /** The runtime `bpf_prog_select_runtime` chose; null until then. */
  bpf_func: bpf_func_t | null;
  aux: bpf_prog_aux;
  /** `is_func`: a subprogram of a bpf-to-bpf split. */
  is_func: boolean;
  /** `kprobe_override`. */
  kprobe_override: boolean;
  /** Called when the last reference goes (the syscall layer frees the id). */
  onFree?: (prog: bpf_prog) => void;
}
