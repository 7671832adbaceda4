/**
 * The BPF ring buffer helpers: reserve, submit, discard, output, query.
 * Mirrors kernel/bpf/ringbuf.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c
 *
 * The ring itself (producer/consumer positions, the 8-byte record header with its BUSY and
 * DISCARD bits) belongs to the map type in @bpf-internals/maps; these helpers only talk to it
 * through {@link BpfRingbufMap}, and map the reserved sample into the program's address
 * space so the program can fill it in place, as in the kernel.
 * @module
 */
import { errno } from '@bpf-internals/uapi';
import type { BpfMap } from '@bpf-internals/maps';
import type { BpfHelperFn } from './filter.js';
import { addrOf, regionAddr } from './memory.js';
import { arg, argMap, argMem, ret32, ret64 } from './internal/args.js';

/** `BPF_RB_NO_WAKEUP` / `BPF_RB_FORCE_WAKEUP`: the only flags submit/discard/output accept. */
export const BPF_RB_NO_WAKEUP = 1n;
export const BPF_RB_FORCE_WAKEUP = 2n;

/** What a BPF_MAP_TYPE_RINGBUF map offers the helpers (the maps package implements it). */
export interface BpfRingbufMap extends BpfMap {
  /** `__bpf_ringbuf_reserve`: a live view of `size` sample bytes inside the ring, or null when full. */
  __bpf_ringbuf_reserve(size: number): Uint8Array | null;
  /** `bpf_ringbuf_commit`: clear BUSY (and set DISCARD when `discard`), then wake the consumer. */
  bpf_ringbuf_commit(sample: Uint8Array, flags: bigint, discard: boolean): void;
  /** `bpf_ringbuf_query`: BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE, BPF_RB_CONS_POS, BPF_RB_PROD_POS. */
  bpf_ringbuf_query?(flags: bigint): bigint;
}

function isRingbuf(m: BpfMap): m is BpfRingbufMap {
  return typeof (m as Partial<BpfRingbufMap>).__bpf_ringbuf_reserve === 'function';
}

/**
 * `bpf_ringbuf_reserve(ringbuf, size, flags)`: r0 = pointer to the sample or NULL
 * (flags must be 0; NULL also when the ring has no room).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_reserve)
 */
export const bpf_ringbuf_reserve: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const size = arg(r, 2);
  r.lo[0] = r.hi[0] = 0;
  if (arg(r, 3) !== 0n || !isRingbuf(map) || size > 0xffffffffn) return;
  const sample = map.__bpf_ringbuf_reserve(Number(size));
  if (!sample) return;
  const region = env.mem.map({ kind: 'ringbuf', name: `ringbuf '${map.name}' record`, bytes: sample });
  const a = regionAddr(region);
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
    (rec.map as BpfRingbufMap).bpf_ringbuf_commit(rec.bytes, arg(r, 2), discard);
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
 * `bpf_ringbuf_output(ringbuf, data, size, flags)`: reserve, copy, submit in one call;
 * r0 = 0, -EINVAL for unknown flags, -EAGAIN when the ring is full.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_output)
 */
export const bpf_ringbuf_output: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  const size = r.lo[3]! >>> 0;
  const data = argMem(env, r, 2, size, false, insn);
  const flags = arg(r, 4);
  if ((flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) !== 0n) return ret32(r, -errno.EINVAL);
  if (!isRingbuf(map)) return ret32(r, -errno.EINVAL);
  const sample = map.__bpf_ringbuf_reserve(size);
  if (!sample) return ret32(r, -errno.EAGAIN);
  sample.set(data);
  map.bpf_ringbuf_commit(sample, flags, false);
  ret32(r, 0);
};

/**
 * `bpf_ringbuf_query(ringbuf, flags)`: ring statistics; 0 for unknown flags.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_query)
 */
export const bpf_ringbuf_query: BpfHelperFn = (env, r, insn) => {
  const map = argMap(env, r, 1, insn);
  ret64(r, isRingbuf(map) && map.bpf_ringbuf_query ? map.bpf_ringbuf_query(arg(r, 2)) : 0n);
};

export { addrOf };
