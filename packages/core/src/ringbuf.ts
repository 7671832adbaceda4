/**
 * The BPF ring buffer helpers: reserve, submit, discard, output, query.
 * Mirrors kernel/bpf/ringbuf.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c
 *
 * The ring itself (producer/consumer positions, the 8-byte record header with its BUSY and
 * DISCARD bits) belongs to the map type in @bpf-internals/maps (ringbuf.ts); these helpers
 * unpack registers, call it, and map the reserved sample into the program's address space
 * so the program fills it in place, as in the kernel.
 * @module
 */
import { bpf_map_type, errno } from '@bpf-internals/uapi';
import {
  __bpf_ringbuf_reserve,
  bpf_ringbuf_commit,
  bpf_ringbuf_output as maps_ringbuf_output,
  bpf_ringbuf_query as maps_ringbuf_query,
  type BpfMap,
} from '@bpf-internals/maps';
import type { BpfHelperFn } from './filter.js';
import { arg, argMap, argMem, ret32, ret64 } from './internal/args.js';

/** `BPF_RB_NO_WAKEUP` / `BPF_RB_FORCE_WAKEUP`: the only flags submit/discard/output accept. */
export const BPF_RB_NO_WAKEUP = 1n;
export const BPF_RB_FORCE_WAKEUP = 2n;

const isRingbuf = (m: BpfMap) => m.map_type === bpf_map_type.BPF_MAP_TYPE_RINGBUF;

/**
 * `bpf_ringbuf_reserve(ringbuf, size, flags)`: r0 = pointer to the sample or NULL
 * (flags must be 0; NULL also when the ring has no room). The sample is mapped at its place
 * in the ring's data pages, so the program writes straight into the ring.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_reserve)
 */
export const bpf_ringbuf_reserve: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const size = arg(r, 2);
  r.lo[0] = r.hi[0] = 0;
  if (arg(r, 3) !== 0n || !isRingbuf(map) || size > 0xffffffffn) return;
  const sample = __bpf_ringbuf_reserve(map, Number(size));
  if (!sample) return;
  const a = env.mem.addressOf(sample, 'ringbuf', `ringbuf '${map.name}' record`);
  env.ringbuf.set(a, { map, bytes: sample });
  ret64(r, a);
};

function commit(discard: boolean): BpfHelperFn {
  return (env, r, insn) => {
    const a = arg(r, 1);
    const rec = env.ringbuf.get(a);
    if (!rec) throw env.mem.fault(r.hi[1]!, r.lo[1]! >>> 0, 8, true, insn);
    env.ringbuf.delete(a);
    const region = env.mem.findAddr(a);
    if (region) env.mem.unmap(region);
    bpf_ringbuf_commit(rec.bytes, arg(r, 2), discard);
    r.lo[0] = r.hi[0] = 0;
  };
}

/**
 * `bpf_ringbuf_submit(data, flags)`: publish a reserved sample.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_submit)
 */
export const bpf_ringbuf_submit: BpfHelperFn = commit(false);

/**
 * `bpf_ringbuf_discard(data, flags)`: drop a reserved sample.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_discard)
 */
export const bpf_ringbuf_discard: BpfHelperFn = commit(true);

/**
 * `bpf_ringbuf_output(ringbuf, data, size, flags)`: reserve, copy, submit; r0 = 0, -EINVAL
 * for unknown flags, -EAGAIN when the ring is full.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_output)
 */
export const bpf_ringbuf_output: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const size = r.lo[3]! >>> 0;
  const data = argMem(env, r, 2, size, false, insn);
  if (!isRingbuf(map)) return ret32(r, -errno.EINVAL);
  ret32(r, maps_ringbuf_output(map, data, size, arg(r, 4)));
};

/**
 * `bpf_ringbuf_query(ringbuf, flags)`: ring statistics; 0 for unknown flags.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_query)
 */
export const bpf_ringbuf_query: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  ret64(r, isRingbuf(map) ? maps_ringbuf_query(map, arg(r, 2)) : 0n);
};
