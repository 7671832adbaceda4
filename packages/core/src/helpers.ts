/**
 * The generic helpers: map access, time, randomness, CPU id, and the table by `bpf_func_id`.
 * Mirrors kernel/bpf/helpers.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c
 *
 * Every helper follows the kernel's calling convention: arguments in r1..r5, result in r0,
 * errors as negative errnos in r0. The verifier guarantees argument types in the kernel;
 * here a pointer argument that points nowhere raises a memory fault (the run stops with
 * `{ ok: false, error: { kind: 'fault' } }`), because that is the model's stand-in for the
 * crash the verifier prevents.
 *
 * The table ({@link bpf_helpers}) is what the interpreter and the RISC-V hart call.
 * Tail calls are not in it: they replace the running program, so the interpreter (and the
 * JIT) implement `bpf_tail_call` themselves.
 * @module
 */
import { bpf_func_id, errno } from '@bpf-internals/uapi';
import type { BpfHelperFn, BpfRunEnv } from './filter.js';
import { BpfMemory } from './memory.js';
import { arg, argMap, argMem, ret32, ret64 } from './internal/args.js';
import { bpf_trace_printk } from './bpf_trace.js';
import { bpf_ringbuf_discard, bpf_ringbuf_output, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_ringbuf_query } from './ringbuf.js';
import { bpf_csum_diff, bpf_redirect, bpf_skb_load_bytes, bpf_skb_store_bytes, bpf_xdp_adjust_head, bpf_xdp_adjust_tail } from './net.js';

/** `BPF_F_RDONLY_PROG`: the program may only read the map's values. */
const BPF_F_RDONLY_PROG = 1 << 7;

/**
 * `bpf_map_lookup_elem`: r0 = pointer to the value or NULL. The pointer is the address of
 * the live value (writes through it change the map), stable across lookups.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_map_lookup_elem)
 */
export const bpf_map_lookup_elem: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const key = argMem(env, r, 2, map.key_size, false, insn);
  const v = map.ops.map_lookup_elem(map, key);
  if (v === null) {
    r.lo[0] = r.hi[0] = 0;
    return;
  }
  const reg = env.mem.regionOf(v, 'map_value', `value of map '${map.name}'`, (map.map_flags & BPF_F_RDONLY_PROG) === 0);
  r.lo[0] = reg.lo | 0;
  r.hi[0] = reg.hi;
};

/**
 * `bpf_map_update_elem`: r0 = 0 or -errno (flags BPF_ANY / BPF_NOEXIST / BPF_EXIST).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_map_update_elem)
 */
export const bpf_map_update_elem: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const key = argMem(env, r, 2, map.key_size, false, insn);
  const value = argMem(env, r, 3, map.value_size, false, insn);
  ret32(r, map.ops.map_update_elem(map, key, value, arg(r, 4)));
};

/**
 * `bpf_map_delete_elem`: r0 = 0 or -errno.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_map_delete_elem)
 */
export const bpf_map_delete_elem: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const key = argMem(env, r, 2, map.key_size, false, insn);
  ret32(r, map.ops.map_delete_elem(map, key));
};

/**
 * `bpf_map_push_elem` (queue/stack): r0 = 0 or -errno (-E2BIG when full without BPF_EXIST).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_map_push_elem)
 */
export const bpf_map_push_elem: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const value = argMem(env, r, 2, map.value_size, false, insn);
  ret32(r, map.ops.map_push_elem ? map.ops.map_push_elem(map, value, arg(r, 3)) : -errno.EINVAL);
};

/**
 * `bpf_map_pop_elem`: copies the head into the buffer at r2; r0 = 0 or -ENOENT.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_map_pop_elem)
 */
export const bpf_map_pop_elem: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const value = argMem(env, r, 2, map.value_size, true, insn);
  ret32(r, map.ops.map_pop_elem ? map.ops.map_pop_elem(map, value) : -errno.EINVAL);
};

/**
 * `bpf_map_peek_elem`: like pop, without removing.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_map_peek_elem)
 */
export const bpf_map_peek_elem: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const value = argMem(env, r, 2, map.value_size, true, insn);
  ret32(r, map.ops.map_peek_elem ? map.ops.map_peek_elem(map, value) : -errno.EINVAL);
};

/**
 * `bpf_map_lookup_percpu_elem`: the value of `cpu` (r3), or NULL.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_map_lookup_percpu_elem)
 */
export const bpf_map_lookup_percpu_elem: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const key = argMem(env, r, 2, map.key_size, false, insn);
  const v = map.ops.map_lookup_percpu_elem?.(map, key, r.lo[3]! >>> 0) ?? null;
  if (v === null) {
    r.lo[0] = r.hi[0] = 0;
    return;
  }
  const reg = env.mem.regionOf(v, 'map_value', `value of map '${map.name}'`);
  r.lo[0] = reg.lo | 0;
  r.hi[0] = reg.hi;
};

/**
 * `bpf_ktime_get_ns`: monotonic nanoseconds (injected: deterministic in tests).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_ktime_get_ns)
 */
export const bpf_ktime_get_ns: BpfHelperFn = (env, r) => ret64(r, env.ktime_get_ns());

/**
 * `bpf_get_prandom_u32`: a pseudo-random u32 (injected).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_get_prandom_u32)
 */
export const bpf_get_prandom_u32: BpfHelperFn = (env, r) => {
  r.lo[0] = env.get_prandom_u32() | 0;
  r.hi[0] = 0;
};

/**
 * `bpf_get_smp_processor_id`: the CPU the program runs on.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_get_smp_processor_id)
 */
export const bpf_get_smp_processor_id: BpfHelperFn = (env, r) => {
  r.lo[0] = env.smp_processor_id() | 0;
  r.hi[0] = 0;
};

// #region helper-table
/**
 * Helpers by `bpf_func_id`, the table the interpreter and the RISC-V hart call through.
 * Ids without an entry end a run with `unknown_helper` (the kernel's verifier would have
 * refused the program with "invalid func unknown#<id>" or "unknown func <name>#<id>").
 */
export const bpf_helpers: readonly (BpfHelperFn | undefined)[] = (() => {
  const t: (BpfHelperFn | undefined)[] = [];
  const f = bpf_func_id;
  t[f.BPF_FUNC_map_lookup_elem] = bpf_map_lookup_elem;
  t[f.BPF_FUNC_map_update_elem] = bpf_map_update_elem;
  t[f.BPF_FUNC_map_delete_elem] = bpf_map_delete_elem;
  t[f.BPF_FUNC_ktime_get_ns] = bpf_ktime_get_ns;
  t[f.BPF_FUNC_ktime_get_boot_ns] = bpf_ktime_get_ns;
  t[f.BPF_FUNC_trace_printk] = bpf_trace_printk;
  t[f.BPF_FUNC_get_prandom_u32] = bpf_get_prandom_u32;
  t[f.BPF_FUNC_get_smp_processor_id] = bpf_get_smp_processor_id;
  t[f.BPF_FUNC_skb_store_bytes] = bpf_skb_store_bytes;
  t[f.BPF_FUNC_skb_load_bytes] = bpf_skb_load_bytes;
  t[f.BPF_FUNC_redirect] = bpf_redirect;
  t[f.BPF_FUNC_csum_diff] = bpf_csum_diff;
  t[f.BPF_FUNC_xdp_adjust_head] = bpf_xdp_adjust_head;
  t[f.BPF_FUNC_xdp_adjust_tail] = bpf_xdp_adjust_tail;
  t[f.BPF_FUNC_map_push_elem] = bpf_map_push_elem;
  t[f.BPF_FUNC_map_pop_elem] = bpf_map_pop_elem;
  t[f.BPF_FUNC_map_peek_elem] = bpf_map_peek_elem;
  t[f.BPF_FUNC_map_lookup_percpu_elem] = bpf_map_lookup_percpu_elem;
  t[f.BPF_FUNC_ringbuf_output] = bpf_ringbuf_output;
  t[f.BPF_FUNC_ringbuf_reserve] = bpf_ringbuf_reserve;
  t[f.BPF_FUNC_ringbuf_submit] = bpf_ringbuf_submit;
  t[f.BPF_FUNC_ringbuf_discard] = bpf_ringbuf_discard;
  t[f.BPF_FUNC_ringbuf_query] = bpf_ringbuf_query;
  return t;
})();
// #endregion helper-table

/** Options for {@link createRunEnv}; everything has a deterministic default. */
export interface RunEnvOptions {
  mem?: BpfMemory;
  helpers?: readonly (BpfHelperFn | undefined)[];
  /** Default: a clock that starts at 1_000_000_000 ns and advances 1000 ns per read. */
  ktime_get_ns?: () => bigint;
  /** Default: xorshift32 seeded with `seed`. */
  get_prandom_u32?: () => number;
  seed?: number;
  cpu?: number;
  /** Default 1e9: far beyond any verified program, short of an endless loop. */
  insn_limit?: number;
}

/** A run environment with deterministic clocks and randomness (one simulated CPU). */
export function createRunEnv(o: RunEnvOptions = {}): BpfRunEnv {
  let t = 1_000_000_000n;
  let x = (o.seed ?? 0x2545f491) >>> 0 || 1;
  const cpu = o.cpu ?? 0;
  return {
    mem: o.mem ?? new BpfMemory(),
    helpers: o.helpers ?? bpf_helpers,
    ktime_get_ns:
      o.ktime_get_ns ??
      (() => {
        t += 1000n;
        return t;
      }),
    get_prandom_u32:
      o.get_prandom_u32 ??
      (() => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      }),
    smp_processor_id: () => cpu,
    trace: [],
    redirect: { tgt_index: 0, flags: 0, map: null },
    tail_call_cnt: 0,
    insn_limit: o.insn_limit ?? 1e9,
    insns: 0,
    skb: null,
    ld_abs: null,
    ringbuf: new Map(),
    prog: null,
  };
}
