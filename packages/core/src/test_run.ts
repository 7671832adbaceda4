/**
 * BPF_PROG_TEST_RUN for packet programs: build an skb or an xdp_buff from the user's bytes,
 * run the program `repeat` times, and report retval, data_out, ctx_out and duration.
 * Mirrors net/bpf/test_run.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c
 *
 * The syscall layer copies `data_in`/`ctx_in` from user memory into the attr below, calls
 * {@link bpf_prog_test_run}, and copies the result back (data_out, then data_size_out,
 * retval, duration, then ctx_out and ctx_size_out), as `bpf_test_finish` / `bpf_ctx_finish`
 * do. Every errno check of the kernel's functions is kept, in the kernel's order; the host
 * kernel confirms them in test/core-test-run.test.ts.
 *
 * Left out: BPF_F_TEST_XDP_LIVE_FRAMES (-EOPNOTSUPP here), devices other than loopback
 * (ifindex 1; others give -ENODEV as if absent), LWT_XMIT's IPv6 route, and the other
 * program types' test_run (tracing, raw_tp, flow_dissector, sk_lookup, syscall, nf):
 * {@link bpf_prog_test_run} answers -ENOTSUPP for them.
 * @module
 */
import { bpf_attach_type, bpf_prog_type, errno } from '@bpf-internals/uapi';
import type { bpf_prog, BpfRunEnv, BpfRunError } from './filter.js';
import { bpf_prog_run } from './core.js';
import { regionAddr } from './memory.js';
import {
  alloc_skb,
  bpf_compute_data_pointers,
  ETH_HLEN,
  PAGE_SIZE,
  SIZEOF_XDP_FRAME,
  SKB_HEADROOM,
  SKB_SHINFO_SIZE,
  skb_ctx_access,
  XDP_PACKET_HEADROOM,
  xdp_ctx_access,
  xdp_map_packet,
  type sk_buff,
  type xdp_buff,
} from './net.js';

/** `sizeof(struct __sk_buff)` and `sizeof(struct xdp_md)` at v6.18. */
export const SIZEOF_SK_BUFF_UAPI = 192;
export const SIZEOF_XDP_MD = 24;
/** `GSO_LEGACY_MAX_SIZE`, `GSO_MAX_SEGS`, `MAX_SKB_FRAGS`. */
export const GSO_LEGACY_MAX_SIZE = 65536;
export const GSO_MAX_SEGS = 65535;
export const MAX_SKB_FRAGS = 17;
/** PROG_TEST_RUN flags (include/uapi/linux/bpf.h). */
export const BPF_F_TEST_RUN_ON_CPU = 1;
export const BPF_F_TEST_XDP_LIVE_FRAMES = 2;
export const BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 4;

/** The `test` fields of `union bpf_attr`, with user buffers already copied in. */
export interface BpfTestRunAttr {
  /** `data_in` bytes (data_size_in of them), or null when data_in was NULL. */
  data_in: Uint8Array | null;
  data_size_in: number;
  /** `data_size_out` as user space set it (0 = no size hint). */
  data_size_out: number;
  /** Whether `data_out` is a non-NULL pointer. */
  data_out: boolean;
  /** `ctx_in` bytes (ctx_size_in of them, may exceed the struct), or null when ctx_in was NULL. */
  ctx_in: Uint8Array | null;
  ctx_size_in: number;
  /** Whether `ctx_out` is a non-NULL pointer. */
  ctx_out: boolean;
  ctx_size_out: number;
  repeat: number;
  flags: number;
  cpu: number;
  batch_size: number;
}

/** What the kernel writes back; the syscall layer copies only the fields that are set. */
export interface BpfTestRunResult {
  /** The syscall's return: 0 or -errno. */
  ret: number;
  /** Set when `bpf_test_finish` ran: the fields it writes (retval, duration, data_size_out). */
  finish?: {
    retval: number;
    duration: number;
    data_size_out: number;
    /** Bytes for user `data_out` (already clamped to data_size_out), or null if data_out was NULL. */
    data_out: Uint8Array | null;
  };
  /** Set when `bpf_ctx_finish` copied the context out. */
  ctx?: { ctx_out: Uint8Array; ctx_size_out: number };
  /** The model's own diagnosis when the program faulted (the kernel has no such case; ret is -EFAULT). */
  error?: BpfRunError;
}

/**
 * `bpf_check_uarg_tail_zero`: a struct larger than the kernel's must be zero past its end
 * (-E2BIG otherwise, and above a page).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_check_uarg_tail_zero)
 */
function bpf_check_uarg_tail_zero(bytes: Uint8Array, max: number, size: number): number {
  if (size > PAGE_SIZE) return -errno.E2BIG;
  for (let i = max; i < size; i++) if (bytes[i]) return -errno.E2BIG;
  return 0;
}

/**
 * `bpf_ctx_init`: null when neither ctx_in nor ctx_out was given; else a zeroed struct with
 * the user's bytes copied in (bytes past the struct must be zero: -E2BIG).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (bpf_ctx_init)
 */
export function bpf_ctx_init(attr: BpfTestRunAttr, max_size: number): Uint8Array | null | number {
  if (!attr.ctx_in && !attr.ctx_out) return null;
  const data = new Uint8Array(max_size);
  if (attr.ctx_in) {
    const err = bpf_check_uarg_tail_zero(attr.ctx_in, max_size, attr.ctx_size_in);
    if (err) return err;
    data.set(attr.ctx_in.subarray(0, Math.min(max_size, attr.ctx_size_in)));
  }
  return data;
}

/**
 * `bpf_ctx_finish`: the context out, clamped to ctx_size_out (-ENOSPC when clamped).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (bpf_ctx_finish)
 */
function bpf_ctx_finish(attr: BpfTestRunAttr, res: BpfTestRunResult, data: Uint8Array | null): number {
  if (!data || !attr.ctx_out) return 0;
  let err = 0;
  let copy = data.length;
  if (copy > attr.ctx_size_out) {
    copy = attr.ctx_size_out;
    err = -errno.ENOSPC;
  }
  res.ctx = { ctx_out: data.slice(0, copy), ctx_size_out: data.length };
  return err;
}

/**
 * `bpf_test_finish`: data out (clamped to a non-zero data_size_out, -ENOSPC then), and the
 * full size, retval and duration. `frags` are the bytes beyond the linear part (XDP).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (bpf_test_finish)
 */
function bpf_test_finish(attr: BpfTestRunAttr, res: BpfTestRunResult, data: Uint8Array, frags: Uint8Array | null, retval: number, duration: number): number {
  const size = data.length + (frags?.length ?? 0);
  let err = 0;
  let copy = size;
  if (attr.data_size_out && copy > attr.data_size_out) {
    copy = attr.data_size_out;
    err = -errno.ENOSPC;
  }
  let out: Uint8Array | null = null;
  if (attr.data_out) {
    const len = copy - (frags?.length ?? 0);
    if (len < 0) return -errno.ENOSPC;
    out = new Uint8Array(copy);
    out.set(data.subarray(0, len));
    if (frags && copy > len) out.set(frags.subarray(0, copy - len), len);
  }
  res.finish = { retval, duration, data_size_out: size, data_out: out };
  return err;
}

function now_ns(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() * 1e6 : Date.now() * 1e6;
}

/**
 * `bpf_test_run`: run `repeat` times (at least once) on the same context; retval is the last
 * run's u32 r0, duration the mean wall time per run in ns (capped at U32_MAX).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (bpf_test_run)
 */
export function bpf_test_run(prog: bpf_prog, ctx: bigint, repeat: number, env: BpfRunEnv): { retval: number; duration: number; error?: BpfRunError } {
  const n = Math.max(repeat >>> 0, 1);
  const t0 = now_ns();
  let retval = 0;
  for (let i = 0; i < n; i++) {
    const r = bpf_prog_run(prog, ctx, env);
    if (!r.ok) return { retval: 0, duration: 0, error: r.error };
    retval = Number(r.r0 & 0xffffffffn);
  }
  const duration = Math.min(Math.round((now_ns() - t0) / n), 0xffffffff);
  return { retval, duration };
}

/**
 * `range_is_zero`: no non-zero byte in [from, to).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (range_is_zero)
 */
function range_is_zero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i]) return false;
  return true;
}

/**
 * `convert___skb_to_skb`: the fields user space may set in `__sk_buff` (mark, priority,
 * ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size, hwtstamp); any
 * other non-zero byte is -EINVAL.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (convert___skb_to_skb)
 */
export function convert___skb_to_skb(skb: sk_buff, ctx: Uint8Array | null): number {
  if (!ctx) return 0;
  const dv = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
  if (
    !range_is_zero(ctx, 0, 8) ||
    !range_is_zero(ctx, 12, 32) ||
    !range_is_zero(ctx, 44, 48) ||
    !range_is_zero(ctx, 68, 152) ||
    !range_is_zero(ctx, 168, 176) ||
    !range_is_zero(ctx, 180, 184) ||
    !range_is_zero(ctx, 192, ctx.length)
  ) {
    return -errno.EINVAL;
  }
  skb.mark = dv.getUint32(8, true);
  skb.priority = dv.getUint32(32, true);
  skb.skb_iif = dv.getUint32(36, true);
  skb.tstamp = dv.getBigUint64(152, true);
  skb.cb.set(ctx.subarray(48, 68));
  const wire_len = dv.getUint32(160, true);
  if (wire_len === 0) skb.pkt_len = skb.len;
  else {
    if (wire_len < skb.len || wire_len > GSO_LEGACY_MAX_SIZE) return -errno.EINVAL;
    skb.pkt_len = wire_len;
  }
  const gso_segs = dv.getUint32(164, true);
  if (gso_segs > GSO_MAX_SEGS) return -errno.EINVAL;
  skb.gso_segs = gso_segs;
  skb.gso_size = dv.getUint32(176, true);
  skb.hwtstamp = dv.getBigUint64(184, true);
  return 0;
}

/**
 * `convert_skb_to___skb`: what PROG_TEST_RUN reports back in ctx_out.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (convert_skb_to___skb)
 */
export function convert_skb_to___skb(skb: sk_buff, ctx: Uint8Array | null): void {
  if (!ctx) return;
  const dv = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
  dv.setUint32(8, skb.mark >>> 0, true);
  dv.setUint32(32, skb.priority >>> 0, true);
  dv.setUint32(36, skb.skb_iif, true);
  dv.setUint32(40, skb.ifindex, true);
  dv.setBigUint64(152, skb.tstamp, true);
  ctx.set(skb.cb, 48);
  dv.setUint32(160, skb.pkt_len, true);
  dv.setUint32(164, skb.gso_segs, true);
  dv.setBigUint64(184, skb.hwtstamp, true);
}

/**
 * `eth_type_trans` on the loopback device (address 00:00:00:00:00:00): set pkt_type and
 * protocol, pull the Ethernet header.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/ethernet/eth.c (eth_type_trans)
 */
export function eth_type_trans(skb: sk_buff): number {
  const h = skb.head;
  const d = skb.data;
  skb.mac_header = d;
  const dest = h.subarray(d, d + 6);
  if (dest.some((b) => b !== 0)) {
    if (dest[0]! & 1) skb.pkt_type = dest.every((b) => b === 0xff) ? 1 : 2; // PACKET_BROADCAST : PACKET_MULTICAST
    else skb.pkt_type = 3; // PACKET_OTHERHOST
  }
  skb.data += ETH_HLEN;
  skb.len -= ETH_HLEN;
  const proto = (h[d + 12]! << 8) | h[d + 13]!;
  if (proto >= 0x0600) return proto;
  if (skb.len >= 2 && h[skb.data] === 0xff && h[skb.data + 1] === 0xff) return 0x0001; // ETH_P_802_3
  return 0x0004; // ETH_P_802_2
}

/** The 16-bit ones'-complement sum `csum_fold(skb_checksum(...))` compares. */
function csum16(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) s += b[b.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function ctxRegion(env: BpfRunEnv, size: number, name: string, access: ReturnType<typeof skb_ctx_access>) {
  return env.mem.map({ kind: 'ctx', name, bytes: new Uint8Array(size), access });
}

// #region test-run-skb
/**
 * `bpf_prog_test_run_skb`: socket filter, sched_cls/sched_act, cgroup_skb, lwt programs.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (bpf_prog_test_run_skb)
 */
export function bpf_prog_test_run_skb(prog: bpf_prog, attr: BpfTestRunAttr, env: BpfRunEnv): BpfTestRunResult {
  const res: BpfTestRunResult = { ret: 0 };
  const size = attr.data_size_in >>> 0;
  if (attr.flags & ~BPF_F_TEST_SKB_CHECKSUM_COMPLETE || attr.cpu || attr.batch_size) return { ret: -errno.EINVAL };
  if (size < ETH_HLEN) return { ret: -errno.EINVAL };
  // bpf_test_init: the packet must fit a page with the headroom and skb_shared_info.
  if (size > PAGE_SIZE - SKB_HEADROOM - SKB_SHINFO_SIZE) return { ret: -errno.EINVAL };
  const ctx = bpf_ctx_init(attr, SIZEOF_SK_BUFF_UAPI);
  if (typeof ctx === 'number') return { ret: ctx };
  const T = bpf_prog_type;
  const is_l2 = prog.type === T.BPF_PROG_TYPE_SCHED_CLS || prog.type === T.BPF_PROG_TYPE_SCHED_ACT;
  const is_direct_pkt_access =
    is_l2 || prog.type === T.BPF_PROG_TYPE_LWT_IN || prog.type === T.BPF_PROG_TYPE_LWT_OUT || prog.type === T.BPF_PROG_TYPE_LWT_XMIT;

  const head = new Uint8Array(SKB_HEADROOM + Math.ceil(size / 64) * 64 + SKB_SHINFO_SIZE);
  if (attr.data_in) head.set(attr.data_in.subarray(0, size), SKB_HEADROOM);
  const skb = alloc_skb(head, SKB_HEADROOM, size);
  if (ctx) {
    const ifindex = new DataView(ctx.buffer).getUint32(40, true);
    if (ifindex > 1) return { ret: -errno.ENODEV };
  }
  skb.protocol = eth_type_trans(skb);
  if (skb.protocol === 0x0800 && skb.len < 20) return { ret: -errno.EINVAL };
  if (skb.protocol === 0x86dd && skb.len < 40) return { ret: -errno.EINVAL };
  if (is_l2) {
    skb.data -= ETH_HLEN;
    skb.len += ETH_HLEN;
  }
  const err = convert___skb_to_skb(skb, ctx);
  if (err) return { ret: err };
  const netoff = () => skb.mac_header + ETH_HLEN;
  let csum = 0;
  const checksum_complete = (attr.flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) !== 0;
  if (checksum_complete) csum = csum16(head.subarray(netoff(), skb.data + skb.len));

  const mem = env.mem;
  if (is_direct_pkt_access) bpf_compute_data_pointers(mem, skb);
  const region = ctxRegion(env, SIZEOF_SK_BUFF_UAPI, '__sk_buff', skb_ctx_access(mem, skb));
  env.skb = skb;
  env.ld_abs = head.subarray(skb.data, skb.data + skb.len);
  try {
    const run = bpf_test_run(prog, regionAddr(region), attr.repeat, env);
    if (run.error) return { ret: -errno.EFAULT, error: run.error };
    if (!is_l2) {
      skb.data -= ETH_HLEN;
      skb.len += ETH_HLEN;
      head.fill(0, skb.data, skb.data + ETH_HLEN);
    }
    if (checksum_complete && csum16(head.subarray(netoff(), skb.data + skb.len)) !== csum) return { ret: -errno.EBADMSG };
    convert_skb_to___skb(skb, ctx);
    let ret = bpf_test_finish(attr, res, head.subarray(skb.data, skb.data + skb.len), null, run.retval, run.duration);
    if (!ret) ret = bpf_ctx_finish(attr, res, ctx);
    res.ret = ret;
    return res;
  } finally {
    mem.unmap(region);
    if (skb.region) mem.unmap(skb.region);
    env.skb = null;
    env.ld_abs = null;
  }
}
// #endregion test-run-skb

// #region test-run-xdp
/**
 * `bpf_prog_test_run_xdp`: XDP programs over one page, with metadata from `xdp_md.data` and
 * frags for data beyond the linear part.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/bpf/test_run.c (bpf_prog_test_run_xdp)
 */
export function bpf_prog_test_run_xdp(prog: bpf_prog, attr: BpfTestRunAttr, env: BpfRunEnv): BpfTestRunResult {
  const res: BpfTestRunResult = { ret: 0 };
  const do_live = (attr.flags & BPF_F_TEST_XDP_LIVE_FRAMES) !== 0;
  const tailroom = SKB_SHINFO_SIZE;
  let headroom = XDP_PACKET_HEADROOM;
  let linear_sz = attr.data_size_in >>> 0;
  let meta_sz = 0;
  if (prog.expected_attach_type === bpf_attach_type.BPF_XDP_DEVMAP || prog.expected_attach_type === bpf_attach_type.BPF_XDP_CPUMAP) {
    return { ret: -errno.EINVAL };
  }
  if (attr.flags & ~BPF_F_TEST_XDP_LIVE_FRAMES) return { ret: -errno.EINVAL };
  if (do_live) {
    if (attr.batch_size > 256) return { ret: -errno.E2BIG }; // TEST_XDP_MAX_BATCH
  } else if (attr.batch_size) return { ret: -errno.EINVAL };
  const ctx = bpf_ctx_init(attr, SIZEOF_XDP_MD);
  if (typeof ctx === 'number') return { ret: ctx };
  const cdv = ctx ? new DataView(ctx.buffer) : null;
  if (ctx && cdv) {
    const data = cdv.getUint32(0, true);
    const data_end = cdv.getUint32(4, true);
    const data_meta = cdv.getUint32(8, true);
    if (data_meta || data_end > attr.data_size_in >>> 0 || data > data_end || (do_live && (attr.data_out || attr.ctx_out))) {
      return { ret: -errno.EINVAL };
    }
    meta_sz = data;
    // xdp_metalen_invalid: 4-byte aligned and within skb_shared_info.meta_len (u8).
    if (meta_sz & 3 || meta_sz > 255 || meta_sz > headroom - SIZEOF_XDP_FRAME) return { ret: -errno.EINVAL };
    headroom -= meta_sz;
    linear_sz = data_end;
  }
  if (do_live) return { ret: -errno.EOPNOTSUPP };
  const max_linear_sz = PAGE_SIZE - headroom - tailroom;
  linear_sz = Math.min(linear_sz, max_linear_sz);
  if ((attr.data_size_in >>> 0) - meta_sz < ETH_HLEN) return { ret: -errno.EINVAL };

  const frame = new Uint8Array(PAGE_SIZE);
  if (attr.data_in) frame.set(attr.data_in.subarray(0, linear_sz), headroom);
  const xdp: xdp_buff = {
    frame,
    data: headroom,
    data_meta: headroom,
    data_end: headroom + linear_sz,
    frame_sz: PAGE_SIZE,
    ingress_ifindex: 1,
    rx_queue_index: 0,
    frags: [],
    region: null,
  };
  // xdp_convert_md_to_buff
  if (ctx && cdv) {
    const ingress_ifindex = cdv.getUint32(12, true);
    const rx_queue_index = cdv.getUint32(16, true);
    if (cdv.getUint32(20, true) !== 0) return { ret: -errno.EINVAL };
    if (!ingress_ifindex && rx_queue_index) return { ret: -errno.EINVAL };
    if (ingress_ifindex) {
      // Only loopback exists in the model (`dev_get_by_index` fails otherwise); it has one
      // rx queue, whose xdp_rxq_info is registered (the 6.18 host accepts queue 0).
      if (ingress_ifindex !== 1) return { ret: -errno.ENODEV };
      if (rx_queue_index >= 1) return { ret: -errno.EINVAL };
    }
    xdp.data = xdp.data_meta + cdv.getUint32(0, true);
  }
  let size = linear_sz;
  const data_size_in = attr.data_size_in >>> 0;
  while (size < data_size_in) {
    if (xdp.frags.length === MAX_SKB_FRAGS) return { ret: -errno.ENOMEM };
    const len = Math.min(data_size_in - size, PAGE_SIZE);
    xdp.frags.push(attr.data_in ? attr.data_in.slice(size, size + len) : new Uint8Array(len));
    size += len;
  }

  const mem = env.mem;
  xdp_map_packet(mem, xdp);
  const region = ctxRegion(env, SIZEOF_XDP_MD, 'xdp_md', xdp_ctx_access(mem, xdp));
  env.skb = xdp;
  try {
    const run = bpf_test_run(prog, regionAddr(region), attr.repeat, env);
    if (ctx && cdv) {
      cdv.setUint32(0, xdp.data - xdp.data_meta, true);
      cdv.setUint32(4, xdp.data_end - xdp.data_meta, true);
    }
    if (run.error) return { ret: -errno.EFAULT, error: run.error };
    const fragBytes = xdp.frags.length ? concat(xdp.frags) : null;
    let ret = bpf_test_finish(attr, res, frame.subarray(xdp.data_meta, xdp.data_end), fragBytes, run.retval, run.duration);
    if (!ret) ret = bpf_ctx_finish(attr, res, ctx);
    res.ret = ret;
    return res;
  } finally {
    mem.unmap(region);
    if (xdp.region) mem.unmap(xdp.region);
    env.skb = null;
  }
}
// #endregion test-run-xdp

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * `bpf_prog_test_run` dispatch by program type (`prog->aux->ops->test_run`): the skb and XDP
 * runners, -ENOTSUPP for types the model does not run.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_test_run)
 */
export function bpf_prog_test_run(prog: bpf_prog, attr: BpfTestRunAttr, env: BpfRunEnv): BpfTestRunResult {
  const T = bpf_prog_type;
  switch (prog.type) {
    case T.BPF_PROG_TYPE_SOCKET_FILTER:
    case T.BPF_PROG_TYPE_SCHED_CLS:
    case T.BPF_PROG_TYPE_SCHED_ACT:
    case T.BPF_PROG_TYPE_CGROUP_SKB:
    case T.BPF_PROG_TYPE_LWT_IN:
    case T.BPF_PROG_TYPE_LWT_OUT:
    case T.BPF_PROG_TYPE_LWT_XMIT:
    case T.BPF_PROG_TYPE_LWT_SEG6LOCAL:
      return bpf_prog_test_run_skb(prog, attr, env);
    case T.BPF_PROG_TYPE_XDP:
      return bpf_prog_test_run_xdp(prog, attr, env);
    default:
      return { ret: -errno.ENOTSUPP };
  }
}

/** A test attr with everything zero/NULL except what `o` sets (for tests and the docs). */
export function testRunAttr(o: Partial<BpfTestRunAttr> = {}): BpfTestRunAttr {
  return {
    data_in: null,
    data_size_in: o.data_in?.length ?? 0,
    data_size_out: 0,
    data_out: false,
    ctx_in: null,
    ctx_size_in: o.ctx_in?.length ?? 0,
    ctx_out: false,
    ctx_size_out: 0,
    repeat: 0,
    flags: 0,
    cpu: 0,
    batch_size: 0,
    ...o,
  };
}
