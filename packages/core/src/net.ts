/**
 * Packets as programs see them: `struct sk_buff` behind `__sk_buff`, `struct xdp_buff` behind
 * `xdp_md`, the context rewrites the verifier applies, and the packet helpers.
 * Mirrors net/core/filter.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c
 *
 * Context access: a program reads `__sk_buff.data` as a u32 at offset 76; the verifier's
 * `bpf_convert_ctx_access` turns it into a 64-bit load of `skb->data`. The model keeps the
 * uapi layout as the region the program sees and answers each field with what the
 * rewritten load would have produced ({@link skb_ctx_access}, {@link xdp_ctx_access}).
 * Which fields a program type may touch is the verifier's business (`*_is_valid_access`);
 * this layer answers any field of the struct and faults only outside it.
 *
 * Kept: the linear packet, the fields PROG_TEST_RUN sets and reads back, direct packet
 * access (data/data_end/data_meta), bpf_skb_load_bytes/store_bytes, bpf_redirect (tc and
 * XDP flavours), bpf_csum_diff, bpf_xdp_adjust_head/tail. Left out: non-linear skbs,
 * checksum offload state, VLAN acceleration, sockets behind skb->sk, XDP frags helpers.
 * @module
 */
import { bpf_prog_type, errno, xdp_action } from '@bpf-internals/uapi';
import type { BpfHelperFn, BpfRunEnv } from './filter.js';
import { addrOf, type BpfMemory, type CtxAccess, type Region } from './memory.js';
import { arg, argMem, ret32 } from './internal/args.js';

/** `ETH_HLEN`. */
export const ETH_HLEN = 14;
/** `PAGE_SIZE` on x86-64 and riscv64. */
export const PAGE_SIZE = 4096;
/** `XDP_PACKET_HEADROOM`. */
export const XDP_PACKET_HEADROOM = 256;
/** `sizeof(struct xdp_frame)` on x86-64 at v6.18: the head of the headroom adjust_head may not eat. */
export const SIZEOF_XDP_FRAME = 40;
/** `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` on x86-64: the tailroom of every packet buffer. */
export const SKB_SHINFO_SIZE = 320;
/** `NET_SKB_PAD + NET_IP_ALIGN` on x86-64 (64 + 0): headroom of a test_run skb. */
export const SKB_HEADROOM = 64;
/** `TC_ACT_SHOT`, `TC_ACT_REDIRECT`. */
export const TC_ACT_SHOT = 2;
export const TC_ACT_REDIRECT = 7;
/** `BPF_F_INGRESS` (bpf_redirect flags). */
export const BPF_F_INGRESS = 1;
/** `BPF_F_RECOMPUTE_CSUM`, `BPF_F_INVALIDATE_HASH` (bpf_skb_store_bytes flags). */
export const BPF_F_RECOMPUTE_CSUM = 1;
export const BPF_F_INVALIDATE_HASH = 2;

/** The model's `struct sk_buff`: a linear buffer and the fields `__sk_buff` exposes. */
export interface sk_buff {
  /** The whole allocation: headroom, data, tailroom. */
  head: Uint8Array;
  /** Offset of `skb->data` in `head`. */
  data: number;
  /** `skb->len` (all linear here). */
  len: number;
  /** `skb->mac_header` offset in head (for is_l2 bookkeeping). */
  mac_header: number;
  pkt_type: number;
  mark: number;
  priority: number;
  queue_mapping: number;
  /** `skb->protocol` as a number in network order (0x0800 for IPv4). */
  protocol: number;
  vlan_present: number;
  vlan_tci: number;
  vlan_proto: number;
  /** `skb->skb_iif`. */
  skb_iif: number;
  /** `skb->dev->ifindex` (1, loopback, in test runs). */
  ifindex: number;
  tc_index: number;
  /** `qdisc_skb_cb(skb)->tc_classid`. */
  tc_classid: number;
  hash: number;
  napi_id: number;
  tstamp: bigint;
  tstamp_type: number;
  /** `qdisc_skb_cb(skb)->data`: the 20-byte `cb[5]` of `__sk_buff`. */
  cb: Uint8Array;
  /** `qdisc_skb_cb(skb)->pkt_len`: `__sk_buff.wire_len`. */
  pkt_len: number;
  gso_segs: number;
  gso_size: number;
  hwtstamp: bigint;
  /** The packet region currently mapped ([data, data + len)). */
  region: Region | null;
}

/** A fresh zeroed sk_buff over `head` with data at `data` and `len` bytes. */
export function alloc_skb(head: Uint8Array, data: number, len: number): sk_buff {
  return {
    head,
    data,
    len,
    mac_header: data,
    pkt_type: 0,
    mark: 0,
    priority: 0,
    queue_mapping: 0,
    protocol: 0,
    vlan_present: 0,
    vlan_tci: 0,
    vlan_proto: 0,
    skb_iif: 0,
    ifindex: 1,
    tc_index: 0,
    tc_classid: 0,
    hash: 0,
    napi_id: 0,
    tstamp: 0n,
    tstamp_type: 0,
    cb: new Uint8Array(20),
    pkt_len: 0,
    gso_segs: 0,
    gso_size: 0,
    hwtstamp: 0n,
    region: null,
  };
}

/** Address of byte `off` of a buffer whose view `r` is mapped (buffer-stable addresses). */
function bufAddr(r: Region, off: number): bigint {
  return addrOf(r.hi, r.lo - r.bytes.byteOffset + off);
}

/**
 * `bpf_compute_data_pointers`: (re)map the packet so `data`..`data_end` is a region.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h (bpf_compute_data_pointers)
 */
export function bpf_compute_data_pointers(mem: BpfMemory, skb: sk_buff): Region {
  if (skb.region) mem.unmap(skb.region);
  const view = skb.head.subarray(skb.data, skb.data + skb.len);
  skb.region = mem.regionOf(view, 'packet', 'packet data');
  return skb.region;
}

/** Extract `size` bytes at `at` (relative to a little-endian field value of `width` bytes). */
function narrow(v: bigint, at: number, size: number): bigint {
  return BigInt.asUintN(size * 8, v >> BigInt(at * 8));
}

/**
 * `bpf_convert_ctx_access` for `__sk_buff` (what each field load becomes), as a region hook.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_convert_ctx_access)
 */
export function skb_ctx_access(mem: BpfMemory, skb: sk_buff): CtxAccess {
  const field = (base: number): bigint | null => {
    switch (base) {
      case 0:
        return BigInt(skb.len);
      case 4:
        return BigInt(skb.pkt_type);
      case 8:
        return BigInt(skb.mark >>> 0);
      case 12:
        return BigInt(skb.queue_mapping);
      case 16:
        // __be16 loaded as a little-endian u16: bytes in network order.
        return BigInt(((skb.protocol & 0xff) << 8) | ((skb.protocol >> 8) & 0xff));
      case 20:
        return BigInt(skb.vlan_present);
      case 24:
        return BigInt(skb.vlan_tci);
      case 28:
        return BigInt(skb.vlan_proto);
      case 32:
        return BigInt(skb.priority >>> 0);
      case 36:
        return BigInt(skb.skb_iif);
      case 40:
        return BigInt(skb.ifindex);
      case 44:
        return BigInt(skb.tc_index);
      case 68:
        return BigInt(skb.hash >>> 0);
      case 72:
        return BigInt(skb.tc_classid >>> 0);
      case 84:
        return BigInt(skb.napi_id);
      case 160:
        return BigInt(skb.pkt_len);
      case 164:
        return BigInt(skb.gso_segs);
      case 176:
        return BigInt(skb.gso_size);
      case 180:
        return BigInt(skb.tstamp_type);
      default:
        // family, remote/local ip and ports: socket fields, 0 without a full socket.
        return base >= 88 && base < 140 ? 0n : null;
    }
  };
  return {
    loadHL(off, size, out) {
      // The hot fields, without BigInt: data / data_end / data_meta, and 4-byte scalars.
      if (size !== 4) return false;
      if (off === 76 || off === 80 || off === 140) {
        const r = skb.region ?? bpf_compute_data_pointers(mem, skb);
        out[0] = (r.lo - r.bytes.byteOffset + (off === 80 ? skb.data + skb.len : skb.data)) | 0;
        out[1] = r.hi;
        return true;
      }
      if (off === 0) out[0] = skb.len;
      else if (off === 8) out[0] = skb.mark | 0;
      else if (off === 32) out[0] = skb.priority | 0;
      else return false;
      out[1] = 0;
      return true;
    },
    load(off, size) {
      if (off >= 48 && off + size <= 68) {
        const o = off - 48;
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(skb.cb[o + i]!);
        return v;
      }
      if (off === 76 || off === 80 || off === 140) {
        if (size !== 4) return null;
        const r = skb.region ?? bpf_compute_data_pointers(mem, skb);
        return bufAddr(r, off === 80 ? skb.data + skb.len : skb.data);
      }
      if (off >= 144 && off + size <= 160 && size === 8 && (off & 7) === 0) return off === 152 ? skb.tstamp : 0n;
      if (off >= 168 && off < 176) return size === 8 && off === 168 ? 0n : null;
      if (off >= 184 && off + size <= 192) return narrow(skb.hwtstamp, off - 184, size);
      const base = off & ~3;
      if (off + size > base + 4) return null;
      const v = field(base);
      return v === null ? null : narrow(v, off - base, size);
    },
    store(off, size, value) {
      if (off >= 48 && off + size <= 68) {
        for (let i = 0; i < size; i++) skb.cb[off - 48 + i] = Number((value >> BigInt(8 * i)) & 0xffn);
        return true;
      }
      if (off === 152 && size === 8) {
        skb.tstamp = BigInt.asUintN(64, value);
        return true;
      }
      if (size !== 4) return false;
      const v = Number(value & 0xffffffffn);
      switch (off) {
        case 8:
          skb.mark = v;
          return true;
        case 12:
          skb.queue_mapping = v & 0xffff;
          return true;
        case 32:
          skb.priority = v;
          return true;
        case 44:
          skb.tc_index = v & 0xffff;
          return true;
        case 72:
          skb.tc_classid = v;
          return true;
        default:
          return false;
      }
    },
  };
}

/** The model's `struct xdp_buff`: one page, offsets of the packet pointers within it. */
export interface xdp_buff {
  /** The page: `data_hard_start` is offset 0. */
  frame: Uint8Array;
  data: number;
  data_meta: number;
  data_end: number;
  frame_sz: number;
  /** `rxq->dev->ifindex` and `rxq->queue_index`. */
  ingress_ifindex: number;
  rx_queue_index: number;
  /** Bytes beyond the linear part (`skb_shared_info` frags), kept and copied out. */
  frags: Uint8Array[];
  region: Region | null;
}

/** (Re)map `[data_meta, data_end)` as the packet region. */
export function xdp_map_packet(mem: BpfMemory, xdp: xdp_buff): Region {
  if (xdp.region) mem.unmap(xdp.region);
  xdp.region = mem.regionOf(xdp.frame.subarray(xdp.data_meta, xdp.data_end), 'packet', 'packet data');
  return xdp.region;
}

/**
 * `xdp_convert_ctx_access` for `xdp_md`, as a region hook (all fields read-only).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (xdp_convert_ctx_access)
 */
export function xdp_ctx_access(mem: BpfMemory, xdp: xdp_buff): CtxAccess {
  return {
    loadHL(off, size, out) {
      if (size !== 4 || off > 8 || (off & 3) !== 0) return false;
      const r = xdp.region ?? xdp_map_packet(mem, xdp);
      out[0] = (r.lo - r.bytes.byteOffset + (off === 0 ? xdp.data : off === 4 ? xdp.data_end : xdp.data_meta)) | 0;
      out[1] = r.hi;
      return true;
    },
    load(off, size) {
      if (size !== 4 || (off & 3) !== 0) return null;
      const r = xdp.region ?? xdp_map_packet(mem, xdp);
      switch (off) {
        case 0:
          return bufAddr(r, xdp.data);
        case 4:
          return bufAddr(r, xdp.data_end);
        case 8:
          return bufAddr(r, xdp.data_meta);
        case 12:
          return BigInt(xdp.ingress_ifindex);
        case 16:
          return BigInt(xdp.rx_queue_index);
        case 20:
          return 0n;
        default:
          return null;
      }
    },
    store() {
      return false;
    },
  };
}

function skbOf(env: BpfRunEnv): sk_buff | null {
  const s = env.skb as sk_buff | xdp_buff | null;
  return s && 'head' in s ? s : null;
}

function xdpOf(env: BpfRunEnv): xdp_buff | null {
  const s = env.skb as sk_buff | xdp_buff | null;
  return s && 'frame' in s ? s : null;
}

/**
 * `bpf_skb_load_bytes(skb, offset, to, len)`: copy from the packet (offset from skb->data);
 * -EFAULT and a zeroed buffer when the range is outside the packet.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_skb_load_bytes)
 */
export const bpf_skb_load_bytes: BpfHelperFn = (env, r, insn) => {
  const len = r.lo[4]! >>> 0;
  const to = argMem(env, r, 3, len, true, insn);
  const skb = skbOf(env);
  const offset = r.lo[2]! >>> 0;
  if (!skb || offset > 0x7fffffff || offset + len > skb.len) {
    to.fill(0);
    return ret32(r, -errno.EFAULT);
  }
  to.set(skb.head.subarray(skb.data + offset, skb.data + offset + len));
  ret32(r, 0);
};

/**
 * `bpf_skb_store_bytes(skb, offset, from, len, flags)`: write into the packet.
 * -EINVAL for unknown flags, -EFAULT outside the packet. Checksum recomputation
 * (BPF_F_RECOMPUTE_CSUM) has no effect: the model keeps no skb->csum.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_skb_store_bytes)
 */
export const bpf_skb_store_bytes: BpfHelperFn = (env, r, insn) => {
  const len = r.lo[4]! >>> 0;
  const flags = arg(r, 5);
  if ((flags & ~BigInt(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) !== 0n) return ret32(r, -errno.EINVAL);
  const offset = r.lo[2]! >>> 0;
  const skb = skbOf(env);
  if (!skb || offset > 0x7fffffff) return ret32(r, -errno.EFAULT);
  if (offset + len > skb.len) return ret32(r, -errno.EFAULT);
  const from = argMem(env, r, 3, len, false, insn);
  skb.head.set(from, skb.data + offset);
  if (flags & BigInt(BPF_F_INVALIDATE_HASH)) skb.hash = 0;
  ret32(r, 0);
};

/**
 * `bpf_redirect(ifindex, flags)`: for tc, TC_ACT_REDIRECT (TC_ACT_SHOT for flags other than
 * BPF_F_INGRESS); for XDP (`bpf_xdp_redirect`), XDP_REDIRECT (XDP_ABORTED for any flag).
 * The target lands in the per-CPU `bpf_redirect_info` for the caller to act on.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_redirect, bpf_xdp_redirect)
 */
export const bpf_redirect: BpfHelperFn = (env, r) => {
  const ifindex = r.lo[1]! >>> 0;
  const flags = arg(r, 2);
  if (env.prog?.type === bpf_prog_type.BPF_PROG_TYPE_XDP) {
    if (flags !== 0n) return ret32(r, xdp_action.XDP_ABORTED);
    env.redirect.tgt_index = ifindex;
    env.redirect.flags = 0;
    env.redirect.map = null;
    return ret32(r, xdp_action.XDP_REDIRECT);
  }
  if ((flags & ~BigInt(BPF_F_INGRESS)) !== 0n) return ret32(r, TC_ACT_SHOT);
  env.redirect.flags = Number(flags);
  env.redirect.tgt_index = ifindex;
  ret32(r, TC_ACT_REDIRECT);
};

/**
 * `csum_partial` as x86-64 computes it: the ones'-complement sum of the buffer's little-endian
 * u32 words (then a trailing u16 and byte) plus `seed`, end-around carries folded into 32 bits.
 * @see https://elixir.bootlin.com/linux/v6.18/source/arch/x86/lib/csum-partial_64.c (csum_partial)
 */
export function csum_partial(buf: Uint8Array, seed: number): number {
  let sum = seed >>> 0;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let i = 0;
  for (; i + 4 <= buf.length; i += 4) sum += dv.getUint32(i, true);
  if (buf.length & 2) {
    sum += dv.getUint16(i, true);
    i += 2;
  }
  if (buf.length & 1) sum += buf[i]!;
  while (sum > 0xffffffff) sum = (sum % 0x100000000) + Math.floor(sum / 0x100000000);
  return sum;
}

/**
 * `csum_add`: 32-bit ones'-complement addition.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/net/checksum.h (csum_add)
 */
function csum_add(a: number, b: number): number {
  const s = (a >>> 0) + (b >>> 0);
  return s > 0xffffffff ? (s - 0xffffffff) >>> 0 : s;
}

/**
 * `csum_from32to16`: fold a 32-bit sum to 16 bits (no complement).
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/net/checksum.h (csum_from32to16)
 */
export function csum_from32to16(x: number): number {
  let s = (x & 0xffff) + (x >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s;
}

/**
 * `bpf_csum_diff(from, from_size, to, to_size, seed)`: the checksum difference of replacing
 * `from` by `to`, seeded, folded to 16 bits so that every architecture gives the same answer.
 * That is v6.18's version (the live kernel confirms it: `test/core-test-run.test.ts`); older
 * kernels returned the arch's raw 32-bit `csum_partial` over a scratchpad and refused sizes
 * that were not multiples of 4.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_csum_diff)
 */
export const bpf_csum_diff: BpfHelperFn = (env, r, insn) => {
  const from_size = r.lo[2]! >>> 0;
  const to_size = r.lo[4]! >>> 0;
  const seed = r.lo[5]! >>> 0;
  const from = from_size ? argMem(env, r, 1, from_size, false, insn) : new Uint8Array(0);
  const to = to_size ? argMem(env, r, 3, to_size, false, insn) : new Uint8Array(0);
  let ret: number;
  if (from_size && to_size) ret = csum_add(csum_partial(to, seed), ~csum_partial(from, 0) >>> 0);
  else if (to_size) ret = csum_partial(to, seed);
  else ret = ~csum_partial(from, ~seed >>> 0) >>> 0;
  r.lo[0] = csum_from32to16(ret);
  r.hi[0] = 0;
};

/**
 * `bpf_xdp_adjust_head(xdp_md, delta)`: move `data` (and the metadata with it); -EINVAL if
 * it would eat into the xdp_frame area or leave less than an Ethernet header.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_xdp_adjust_head)
 */
export const bpf_xdp_adjust_head: BpfHelperFn = (env, r) => {
  const xdp = xdpOf(env);
  if (!xdp) return ret32(r, -errno.EINVAL);
  const offset = r.lo[2]!;
  const metalen = xdp.data - xdp.data_meta;
  const data_start = SIZEOF_XDP_FRAME + metalen;
  const data = xdp.data + offset;
  if (data < data_start || data > xdp.data_end - ETH_HLEN) return ret32(r, -errno.EINVAL);
  if (metalen) xdp.frame.copyWithin(xdp.data_meta + offset, xdp.data_meta, xdp.data_meta + metalen);
  xdp.data_meta += offset;
  xdp.data = data;
  xdp_map_packet(env.mem, xdp);
  ret32(r, 0);
};

/**
 * `bpf_xdp_frags_increase_tail`: grow the last frag into its page's tailroom (zeroed);
 * -EINVAL past the page (the test_run rxq's frag_size is PAGE_SIZE).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_xdp_frags_increase_tail)
 */
function bpf_xdp_frags_increase_tail(xdp: xdp_buff, offset: number): number {
  const last = xdp.frags[xdp.frags.length - 1]!;
  if (offset > PAGE_SIZE - last.length) return -errno.EINVAL;
  const grown = new Uint8Array(last.length + offset);
  grown.set(last);
  xdp.frags[xdp.frags.length - 1] = grown;
  return 0;
}

/**
 * `bpf_xdp_frags_shrink_tail`: drop bytes from the last frags (releasing emptied ones), then
 * from the linear part; -EINVAL if less than an Ethernet header would remain.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_xdp_frags_shrink_tail)
 */
function bpf_xdp_frags_shrink_tail(env: BpfRunEnv, xdp: xdp_buff, offset: number): number {
  const total = xdp.data_end - xdp.data + xdp.frags.reduce((n, f) => n + f.length, 0);
  if (offset > total - ETH_HLEN) return -errno.EINVAL;
  while (offset > 0 && xdp.frags.length) {
    const last = xdp.frags[xdp.frags.length - 1]!;
    const shrink = Math.min(offset, last.length);
    if (shrink === last.length) xdp.frags.pop();
    else xdp.frags[xdp.frags.length - 1] = last.slice(0, last.length - shrink);
    offset -= shrink;
  }
  if (offset > 0) {
    xdp.data_end -= offset;
    xdp_map_packet(env.mem, xdp);
  }
  return 0;
}

/**
 * `bpf_xdp_adjust_tail(xdp_md, delta)`: move `data_end`; grown bytes are zeroed; -EINVAL past
 * the tailroom reserve or below an Ethernet header.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (bpf_xdp_adjust_tail)
 */
export const bpf_xdp_adjust_tail: BpfHelperFn = (env, r) => {
  const xdp = xdpOf(env);
  if (!xdp) return ret32(r, -errno.EINVAL);
  const offset = r.lo[2]!;
  if (xdp.frags.length) return ret32(r, offset < 0 ? bpf_xdp_frags_shrink_tail(env, xdp, -offset) : bpf_xdp_frags_increase_tail(xdp, offset));
  const data_hard_end = xdp.frame_sz - SKB_SHINFO_SIZE;
  const data_end = xdp.data_end + offset;
  if (data_end > data_hard_end || data_end < xdp.data + ETH_HLEN) return ret32(r, -errno.EINVAL);
  if (offset > 0) xdp.frame.fill(0, xdp.data_end, data_end);
  xdp.data_end = data_end;
  xdp_map_packet(env.mem, xdp);
  ret32(r, 0);
};
