/**
 * The BPF ring buffer: BPF_MAP_TYPE_RINGBUF, a multi-producer, single-consumer
 * byte ring shared with user space through mmap().
 * Mirrors kernel/bpf/ringbuf.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c
 * and, for the consumer side, libbpf's tools/lib/bpf/ringbuf.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/tools/lib/bpf/ringbuf.c
 *
 * Memory, as user space maps it (`map_mmap`): page 0 holds consumer_pos (u64,
 * written by user space), page 1 producer_pos and pending_pos (u64s), then the data area twice
 * (the kernel maps the data pages twice so a record that wraps past the end reads
 * as one contiguous run). Every record starts with an 8-byte header
 * `{ u32 len; u32 pg_off; }`; len carries BPF_RINGBUF_BUSY_BIT while the producer
 * still writes and BPF_RINGBUF_DISCARD_BIT for a discarded record; records are
 * 8-byte aligned. The model keeps the two data copies equal at commit time.
 * Left out: the wakeup itself (counted in `wakeups` instead of waking epoll),
 * the NMI trylock path, user ring buffers (BPF_MAP_TYPE_USER_RINGBUF).
 * @module
 */
import { bpf_anon_enums } from '@bpf-internals/uapi';
import type { BpfMap, BpfMapCreateAttr, BpfMapEnv, bpf_map_ops } from './bpf_map.js';
import { BPF_F_NUMA_NODE, EAGAIN, EINVAL, ENOMEM, ENOTSUPP, MODEL_MAX_ALLOC, PAGE_SIZE, bpf_map_init_from_attr, copy_bytes, is_power_of_2, round_up } from './internal/common.js';
import { bpf_map_meta_equal } from './map_in_map.js';

export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;
const BPF_RB_NO_WAKEUP = Number(bpf_anon_enums.BPF_RB_NO_WAKEUP);
const BPF_RB_FORCE_WAKEUP = Number(bpf_anon_enums.BPF_RB_FORCE_WAKEUP);
const RINGBUF_CREATE_FLAG_MASK = BPF_F_NUMA_NODE;
/** UINT_MAX / 4: larger records could not encode their length. */
const RINGBUF_MAX_RECORD_SZ = Math.floor(0xffffffff / 4);
/** Offsets inside the mmap region. */
const CONSUMER_POS_OFF = 0;
const PRODUCER_POS_OFF = PAGE_SIZE;
const PENDING_POS_OFF = PAGE_SIZE + 8;
const DATA_OFF = 2 * PAGE_SIZE;

/** `struct bpf_ringbuf` + `struct bpf_ringbuf_map`. */
export interface bpf_ringbuf_map extends BpfMap {
  /** `rb->mask`: data size - 1. */
  mask: number;
  /** The mmap region: consumer page, producer page, data area mapped twice. */
  region: Uint8Array;
  /** `rb->pending_pos`: the oldest record not yet committed. */
  pending_pos: number;
  /** How many times the kernel would have woken the consumer (irq_work_queue). */
  wakeups: number;
}

const rings = new WeakMap<ArrayBufferLike, bpf_ringbuf_map>();
const rb_of = (map: BpfMap): bpf_ringbuf_map => map as bpf_ringbuf_map;

function get_pos(rb: bpf_ringbuf_map, off: number): number {
  const dv = new DataView(rb.region.buffer, rb.region.byteOffset);
  return Number(dv.getBigUint64(off, true));
}

function set_pos(rb: bpf_ringbuf_map, off: number, v: number): void {
  new DataView(rb.region.buffer, rb.region.byteOffset).setBigUint64(off, BigInt(v), true);
}

function data_u32(rb: bpf_ringbuf_map, data_off: number): number {
  return new DataView(rb.region.buffer, rb.region.byteOffset).getUint32(DATA_OFF + data_off, true);
}

/** Write a u32 into the data area at both of its mapped addresses. */
function set_data_u32(rb: bpf_ringbuf_map, data_off: number, v: number): void {
  const dv = new DataView(rb.region.buffer, rb.region.byteOffset);
  dv.setUint32(DATA_OFF + data_off, v >>> 0, true);
  dv.setUint32(DATA_OFF + data_off + rb.mask + 1, v >>> 0, true);
}

/**
 * `ringbuf_map_alloc`: key and value sizes 0, max_entries a power of two and a
 * multiple of the page size, only BPF_F_NUMA_NODE. The ring buffer checks its
 * attributes at allocation (it has no map_alloc_check).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (ringbuf_map_alloc)
 */
export function ringbuf_map_alloc(attr: BpfMapCreateAttr, env: BpfMapEnv): BpfMap | number {
  if (attr.map_flags & ~RINGBUF_CREATE_FLAG_MASK) return EINVAL;
  const max_entries = attr.max_entries >>> 0;
  if (attr.key_size || attr.value_size || !is_power_of_2(max_entries) || max_entries % PAGE_SIZE) return EINVAL;
  if (DATA_OFF + 2 * max_entries > MODEL_MAX_ALLOC) return ENOMEM;
  const rb = bpf_map_init_from_attr(ringbuf_map_ops, attr, env) as bpf_ringbuf_map;
  rb.mask = max_entries - 1;
  rb.region = new Uint8Array(DATA_OFF + 2 * max_entries);
  rb.pending_pos = 0;
  rb.wakeups = 0;
  rings.set(rb.region.buffer, rb);
  return rb;
}

/** `ringbuf_avail_data_sz`. */
function ringbuf_avail_data_sz(rb: bpf_ringbuf_map): number {
  return get_pos(rb, PRODUCER_POS_OFF) - get_pos(rb, CONSUMER_POS_OFF);
}

/** `ringbuf_total_data_sz`. */
function ringbuf_total_data_sz(rb: bpf_ringbuf_map): number {
  return rb.mask + 1;
}

// #region reserve
/**
 * `__bpf_ringbuf_reserve`: claim round_up(size + 8, 8) bytes at producer_pos, the
 * header marked busy. Null when the record is too large or the ring has no room:
 * the producer may not get a full ring ahead of the consumer, nor of the oldest
 * uncommitted record.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (__bpf_ringbuf_reserve)
 */
export function __bpf_ringbuf_reserve(map: BpfMap, size: number): Uint8Array | null {
  const rb = rb_of(map);
  if (!Number.isInteger(size) || size > RINGBUF_MAX_RECORD_SZ || size < 0) return null;
  const len = round_up(size + BPF_RINGBUF_HDR_SZ, 8);
  if (len > ringbuf_total_data_sz(rb)) return null;
  const cons_pos = get_pos(rb, CONSUMER_POS_OFF);
  let pend_pos = rb.pending_pos;
  const prod_pos = get_pos(rb, PRODUCER_POS_OFF);
  const new_prod_pos = prod_pos + len;
  // skip the records committed since the last reservation
  while (prod_pos - pend_pos > 0) {
    const hdr_len = data_u32(rb, pend_pos & rb.mask);
    if (hdr_len & BPF_RINGBUF_BUSY_BIT) break;
    pend_pos += round_up((hdr_len & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ, 8);
  }
  rb.pending_pos = pend_pos;
  // pending_pos shares the producer page (user space can read it, right after producer_pos)
  set_pos(rb, PENDING_POS_OFF, pend_pos);
  if (new_prod_pos - cons_pos > rb.mask || new_prod_pos - pend_pos > rb.mask) return null;
  const off = prod_pos & rb.mask;
  // pg_off: the header's page offset from the start of struct bpf_ringbuf (3 meta pages)
  const pg_off = (off >>> 12) + 3;
  set_data_u32(rb, off, (size | BPF_RINGBUF_BUSY_BIT) >>> 0);
  set_data_u32(rb, off + 4, pg_off);
  set_pos(rb, PRODUCER_POS_OFF, new_prod_pos);
  const start = DATA_OFF + off + BPF_RINGBUF_HDR_SZ;
  return rb.region.subarray(start, start + size);
}
// #endregion reserve

/**
 * `bpf_ringbuf_reserve` (the helper): flags must be 0; null (a NULL pointer) on failure.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_reserve)
 */
export function bpf_ringbuf_reserve(map: BpfMap, size: number, flags: bigint): Uint8Array | null {
  if (flags) return null;
  return __bpf_ringbuf_reserve(map, size);
}

/**
 * `bpf_ringbuf_commit`: clear the busy bit (set discard for a discard), make the
 * two mapped copies equal, and wake the consumer if it waits at this record
 * (or when forced).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_commit)
 */
export function bpf_ringbuf_commit(sample: Uint8Array, flags: bigint, discard: boolean): number {
  const rb = rings.get(sample.buffer);
  if (!rb) return EINVAL;
  const size_total = rb.mask + 1;
  const rec_pos = sample.byteOffset - rb.region.byteOffset - DATA_OFF - BPF_RINGBUF_HDR_SZ;
  if (rec_pos < 0 || rec_pos >= size_total) return EINVAL;
  const hdr_len = data_u32(rb, rec_pos);
  let new_len = (hdr_len ^ BPF_RINGBUF_BUSY_BIT) >>> 0;
  if (discard) new_len = (new_len | BPF_RINGBUF_DISCARD_BIT) >>> 0;
  // the two mappings of the data pages: copy the program's writes to the other one
  const len = round_up((hdr_len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ, 8);
  const d = rb.region.subarray(DATA_OFF);
  const end = rec_pos + len;
  d.copyWithin(rec_pos + size_total, rec_pos, Math.min(end, size_total));
  if (end > size_total) d.copyWithin(0, size_total, end);
  set_data_u32(rb, rec_pos, new_len);
  const cons_pos = get_pos(rb, CONSUMER_POS_OFF) & rb.mask;
  const f = Number(BigInt.asUintN(32, flags));
  if (f & BPF_RB_FORCE_WAKEUP) rb.wakeups++;
  else if (cons_pos === rec_pos && !(f & BPF_RB_NO_WAKEUP)) rb.wakeups++;
  return 0;
}

/**
 * `bpf_ringbuf_submit`: publish a reserved record.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_submit)
 */
export function bpf_ringbuf_submit(sample: Uint8Array, flags: bigint): number {
  bpf_ringbuf_commit(sample, flags, false);
  return 0;
}

/**
 * `bpf_ringbuf_discard`: give a reserved record up (the consumer skips it).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_discard)
 */
export function bpf_ringbuf_discard(sample: Uint8Array, flags: bigint): number {
  bpf_ringbuf_commit(sample, flags, true);
  return 0;
}

/**
 * `bpf_ringbuf_output`: reserve, copy, submit; -EAGAIN when there is no room.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_output)
 */
export function bpf_ringbuf_output(map: BpfMap, data: Uint8Array, size: number, flags: bigint): number {
  if (flags & ~BigInt(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) return EINVAL;
  const rec = __bpf_ringbuf_reserve(map, size);
  if (!rec) return EAGAIN;
  copy_bytes(rec, data, size);
  bpf_ringbuf_commit(rec, flags, false);
  return 0;
}

/**
 * `bpf_ringbuf_query`: available data, ring size, consumer or producer position; 0 otherwise.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (bpf_ringbuf_query)
 */
export function bpf_ringbuf_query(map: BpfMap, flags: bigint): bigint {
  const rb = rb_of(map);
  switch (flags) {
    case 0n: // BPF_RB_AVAIL_DATA
      return BigInt(ringbuf_avail_data_sz(rb));
    case 1n: // BPF_RB_RING_SIZE
      return BigInt(ringbuf_total_data_sz(rb));
    case 2n: // BPF_RB_CONS_POS
      return BigInt(get_pos(rb, CONSUMER_POS_OFF));
    case 3n: // BPF_RB_PROD_POS
      return BigInt(get_pos(rb, PRODUCER_POS_OFF));
    default:
      return 0n;
  }
}

// #region consume
/**
 * libbpf's `ringbuf_process_ring` (what `ring_buffer__consume` runs): read records
 * from consumer_pos up to producer_pos through the mmap region only, skip discarded
 * ones, stop at a busy one, and advance consumer_pos. Returns the number of records
 * passed to `sample_cb`, or the callback's negative return.
 * @see https://elixir.bootlin.com/linux/v6.18/source/tools/lib/bpf/ringbuf.c (ringbuf_process_ring)
 */
export function ring_buffer__consume(map: BpfMap, sample_cb: (sample: Uint8Array, len: number) => number | void, n = Number.MAX_SAFE_INTEGER): number {
  const rb = rb_of(map);
  const region = map.ops.map_mmap?.(map);
  if (typeof region === 'number' || !region) return EINVAL;
  const dv = new DataView(region.buffer, region.byteOffset);
  let cons_pos = Number(dv.getBigUint64(CONSUMER_POS_OFF, true));
  let cnt = 0;
  let got_new_data: boolean;
  do {
    got_new_data = false;
    const prod_pos = Number(dv.getBigUint64(PRODUCER_POS_OFF, true));
    while (cons_pos < prod_pos) {
      const off = DATA_OFF + (cons_pos & rb.mask);
      const len = dv.getUint32(off, true);
      // sample not committed yet, bail out for now
      if (len & BPF_RINGBUF_BUSY_BIT) return cnt;
      got_new_data = true;
      cons_pos += round_up((len & 0x3fffffff) + BPF_RINGBUF_HDR_SZ, 8);
      if ((len & BPF_RINGBUF_DISCARD_BIT) === 0) {
        const r = sample_cb(region.subarray(off + BPF_RINGBUF_HDR_SZ, off + BPF_RINGBUF_HDR_SZ + len), len);
        if (typeof r === 'number' && r < 0) {
          dv.setBigUint64(CONSUMER_POS_OFF, BigInt(cons_pos), true);
          return r;
        }
        cnt++;
      }
      dv.setBigUint64(CONSUMER_POS_OFF, BigInt(cons_pos), true);
      if (cnt >= n) return cnt;
    }
  } while (got_new_data);
  return cnt;
}
// #endregion consume

/**
 * `ringbuf_map_mmap_kern`: the consumer page, the producer page and the data.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (ringbuf_map_mmap_kern)
 */
export function ringbuf_map_mmap(map: BpfMap): Uint8Array | number {
  return rb_of(map).region;
}

/**
 * `ringbuf_map_mem_usage`: struct, page pointers (meta + data twice) and pages.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (ringbuf_map_mem_usage)
 */
export function ringbuf_map_mem_usage(map: BpfMap): bigint {
  const rb = rb_of(map);
  const nr_data_pages = BigInt((rb.mask + 1) / PAGE_SIZE);
  const nr_meta_pages = 3n; // RINGBUF_NR_META_PAGES: the non-mmapable page + consumer + producer
  const nr_pages = nr_meta_pages + nr_data_pages;
  return 304n + nr_pages * BigInt(PAGE_SIZE) + (nr_meta_pages + 2n * nr_data_pages) * 8n;
}

/** The keyed operations: a ring buffer has no elements (`-ENOTSUPP`). */
const enotsupp = (): number => ENOTSUPP;

/** `ringbuf_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/ringbuf.c (ringbuf_map_ops) */
export const ringbuf_map_ops: bpf_map_ops = {
  map_meta_equal: bpf_map_meta_equal,
  map_alloc: ringbuf_map_alloc,
  map_free: (map) => {
    rings.delete(rb_of(map).region.buffer);
  },
  map_mmap: ringbuf_map_mmap,
  map_lookup_elem: () => null,
  map_lookup_elem_err: ENOTSUPP, // ringbuf_map_lookup_elem returns ERR_PTR(-ENOTSUPP)
  map_update_elem: enotsupp,
  map_delete_elem: enotsupp,
  map_get_next_key: enotsupp,
  map_mem_usage: ringbuf_map_mem_usage,
};
