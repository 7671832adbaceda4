/**
 * The model's network: two devices (lo, ifindex 1; eth0, ifindex 2), XDP on a device through
 * BPF_LINK_CREATE (`bpf_xdp_link_attach`), frames received by a device (`netif_receive`) running
 * its XDP program, and the run helpers every packet hook uses: one program on an skb or an
 * xdp_buff in the kernel's run environment (core's memory model and context rewrites).
 * Mirrors the BPF parts of net/core/dev.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/net/core/dev.c (bpf_xdp_link_attach)
 * and the program invocation of net/core/filter.c / include/linux/filter.h (bpf_prog_run):
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h
 *
 * Modelled: XDP links (create, update, detach, info, release on close), one program per device
 * and mode (-EBUSY for a second link), XDP_DROP / XDP_PASS / XDP_TX / XDP_ABORTED counted per
 * device. Left out: the legacy netlink attach (IFLA_XDP), driver vs generic mode differences
 * (the model runs every program in generic mode), redirect, multi-buffer frames.
 * @module
 */
import {
  alloc_skb,
  bpf_compute_data_pointers,
  bpf_prog_run,
  regionAddr,
  skb_ctx_access,
  xdp_ctx_access,
  xdp_map_packet,
  type bpf_prog,
  type sk_buff,
  type xdp_buff,
} from '@bpf-internals/core';
import { bpf_link_type, bpf_prog_type as PT } from '@bpf-internals/uapi';
import type { Kernel } from './kernel.js';
import { bpf_link_init, bpf_link_settle, LINK_CREATE, type bpf_link, type bpf_link_ops } from './link.js';
import type { Process } from './process.js';
import { bpf_prog_put } from './prog.js';
import { kernel_run_env } from './runtime.js';
import { trace_step } from './trace.js';

const EPERM = -1;
const EBUSY = -16;
const EOPNOTSUPP = -95;
const EINVAL = -22;
const ENOLINK = -67;

/** `enum xdp_action`. */
export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;

/** `XDP_FLAGS_*` (include/uapi/linux/if_link.h). */
export const XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0;
export const XDP_FLAGS_SKB_MODE = 1 << 1;
export const XDP_FLAGS_DRV_MODE = 1 << 2;
export const XDP_FLAGS_HW_MODE = 1 << 3;
export const XDP_FLAGS_MODES = XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE;

/** A `struct net_device`: name, index, its XDP link, and what its XDP program decided. */
export interface net_device {
  name: string;
  ifindex: number;
  xdp_link: bpf_xdp_link | null;
  stats: { xdp_drop: number; xdp_pass: number; xdp_tx: number; xdp_aborted: number; rx: number };
  /** Frames that passed XDP (what the stack received), newest last. */
  rx: Uint8Array[];
  /** Frames an XDP_TX sent back out. */
  tx: Uint8Array[];
}

/** `struct bpf_xdp_link`. */
export interface bpf_xdp_link extends bpf_link {
  dev: net_device | null;
  flags: number;
}

const nets = new WeakMap<Kernel, Map<number, net_device>>();

/** The devices of the model's (only) network namespace: lo (1) and eth0 (2). */
export function net_devices(kernel: Kernel): Map<number, net_device> {
  let m = nets.get(kernel);
  if (!m) {
    m = new Map();
    for (const [ifindex, name] of [
      [1, 'lo'],
      [2, 'eth0'],
    ] as const) {
      m.set(ifindex, { name, ifindex, xdp_link: null, stats: { xdp_drop: 0, xdp_pass: 0, xdp_tx: 0, xdp_aborted: 0, rx: 0 }, rx: [], tx: [] });
    }
    nets.set(kernel, m);
  }
  return m;
}

/** `dev_get_by_index`. */
export function dev_get_by_index(kernel: Kernel, ifindex: number): net_device | null {
  return net_devices(kernel).get(ifindex) ?? null;
}

// ---- running programs on packets -------------------------------------------------------------

/** `sizeof(struct __sk_buff)`. */
const SIZEOF_SK_BUFF = 192;
/** `sizeof(struct xdp_md)`. */
const SIZEOF_XDP_MD = 24;

// #region bpf_prog_run_skb
/**
 * Run one program on an skb whose data starts where the hook's programs expect it (the network
 * header for socket and cgroup hooks). Returns the u32 r0, or 0 when the run faulted (the model's
 * stand-in for what the verifier would have prevented).
 */
export function bpf_prog_run_skb(kernel: Kernel, prog: bpf_prog, skb: sk_buff): number {
  const env = kernel_run_env(kernel);
  const mem = env.mem;
  bpf_compute_data_pointers(mem, skb);
  const ctx = mem.map({ kind: 'ctx', name: '__sk_buff', bytes: new Uint8Array(SIZEOF_SK_BUFF), access: skb_ctx_access(mem, skb) });
  env.skb = skb;
  env.ld_abs = skb.head.subarray(skb.data, skb.data + skb.len);
  try {
    const r = bpf_prog_run(prog, regionAddr(ctx), env);
    return r.ok ? Number(r.r0 & 0xffffffffn) : 0;
  } finally {
    mem.unmap(ctx);
    if (skb.region) mem.unmap(skb.region);
    skb.region = null;
    env.skb = null;
    env.ld_abs = null;
  }
}
// #endregion bpf_prog_run_skb

/** An skb holding `packet` at its network header, protocol IPv4, on device `ifindex`. */
export function skb_from_packet(packet: Uint8Array, ifindex = 1): sk_buff {
  const headroom = 64;
  const head = new Uint8Array(headroom + packet.length + 64);
  head.set(packet, headroom);
  const skb = alloc_skb(head, headroom, packet.length);
  skb.mac_header = headroom - 14;
  skb.protocol = 0x0800;
  skb.ifindex = ifindex;
  skb.skb_iif = ifindex;
  return skb;
}

/**
 * Run an XDP program on a frame received by `dev`: one page, 256 bytes of headroom. Returns the
 * action and the frame as the program left it.
 */
export function bpf_prog_run_xdp(kernel: Kernel, prog: bpf_prog, dev: net_device, frame: Uint8Array): { act: number; frame: Uint8Array } {
  const env = kernel_run_env(kernel);
  const mem = env.mem;
  const page = new Uint8Array(4096);
  const headroom = 256;
  page.set(frame.subarray(0, 4096 - headroom - 320), headroom);
  const xdp: xdp_buff = {
    frame: page,
    data: headroom,
    data_meta: headroom,
    data_end: headroom + Math.min(frame.length, 4096 - headroom - 320),
    frame_sz: 4096,
    ingress_ifindex: dev.ifindex,
    rx_queue_index: 0,
    frags: [],
    region: null,
  };
  xdp_map_packet(mem, xdp);
  const ctx = mem.map({ kind: 'ctx', name: 'xdp_md', bytes: new Uint8Array(SIZEOF_XDP_MD), access: xdp_ctx_access(mem, xdp) });
  env.skb = xdp;
  try {
    const r = bpf_prog_run(prog, regionAddr(ctx), env);
    const act = r.ok ? Number(r.r0 & 0xffffffffn) : XDP_ABORTED;
    return { act, frame: page.slice(xdp.data, xdp.data_end) };
  } finally {
    mem.unmap(ctx);
    if (xdp.region) mem.unmap(xdp.region);
    env.skb = null;
  }
}

// #region netif_receive
/**
 * A frame arrives on `ifindex`: the device's XDP program (if any) decides first
 * (`do_xdp_generic`); XDP_PASS hands it to the stack (kept in `dev.rx`), XDP_TX bounces it
 * (`dev.tx`), anything else drops it. Returns the action taken (XDP_PASS without a program).
 */
export function netif_receive(kernel: Kernel, ifindex: number, frame: Uint8Array): number {
  const dev = dev_get_by_index(kernel, ifindex);
  if (!dev) return EINVAL;
  dev.stats.rx++;
  const link = dev.xdp_link;
  let act = XDP_PASS;
  let out = frame;
  if (link) {
    const r = bpf_prog_run_xdp(kernel, link.prog, dev, frame);
    act = r.act;
    out = r.frame;
  }
  trace_step(kernel, 0, 'netif_receive', `${dev.name}: ${frame.length} bytes, XDP ${['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT'][act] ?? act}`);
  if (act === XDP_PASS) {
    dev.stats.xdp_pass++;
    dev.rx.push(out);
  } else if (act === XDP_TX) {
    dev.stats.xdp_tx++;
    dev.tx.push(out);
  } else if (act === XDP_DROP) dev.stats.xdp_drop++;
  else dev.stats.xdp_aborted++;
  return act;
}
// #endregion netif_receive

// ---- XDP links -----------------------------------------------------------------------------------

/**
 * `bpf_xdp_link_lops`: release detaches from the device, detach is release, update swaps the
 * program (same type), info reports the ifindex.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/dev.c (bpf_xdp_link_lops)
 */
const bpf_xdp_link_lops: bpf_link_ops = {
  release(link) {
    const x = link as bpf_xdp_link;
    if (x.dev && x.dev.xdp_link === x) x.dev.xdp_link = null;
    x.dev = null;
  },
  detach(link) {
    bpf_xdp_link_lops.release(link);
    return 0;
  },
  update_prog(link, new_prog, old_prog) {
    const x = link as bpf_xdp_link;
    if (!x.dev) return ENOLINK;
    if (old_prog && link.prog !== old_prog) return EPERM;
    if (new_prog.type !== PT.BPF_PROG_TYPE_XDP || new_prog.expected_attach_type !== link.prog.expected_attach_type) return EINVAL;
    const old = link.prog;
    link.prog = new_prog;
    bpf_prog_put(old);
    return 0;
  },
  fill_link_info(link, info) {
    const x = link as bpf_xdp_link;
    info.setUint32(16, x.dev ? x.dev.ifindex : 0, true);
  },
};

// #region bpf_xdp_link_attach
/**
 * `bpf_xdp_link_attach` and `dev_xdp_attach`: only mode flags, at most one of them; the device must
 * exist (-EINVAL); one generic XDP link per device (-EBUSY); driver and offload modes are
 * -EOPNOTSUPP (the model's devices, like lo, have no native XDP).
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/dev.c (bpf_xdp_link_attach)
 */
export function bpf_xdp_link_attach(proc: Process, attr: Uint8Array, prog: bpf_prog): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const flags = dv.getUint32(LINK_CREATE.flags, true);
  if (flags & ~XDP_FLAGS_MODES) return EINVAL;
  const dev = dev_get_by_index(proc.kernel, dv.getUint32(LINK_CREATE.target_fd, true));
  if (!dev) return EINVAL;
  // dev_xdp_attach: one mode flag at most
  const modes = flags & XDP_FLAGS_MODES;
  if (modes & (modes - 1)) return EINVAL;
  // the model's devices have no native XDP (like lo): no flag or SKB mode means generic XDP
  const generic = !modes || modes === XDP_FLAGS_SKB_MODE;
  if (generic && dev.xdp_link) return EBUSY; // "Can't replace active BPF XDP link"
  if (!generic) return EOPNOTSUPP; // "Underlying driver does not support XDP in native mode"
  const link = bpf_link_init(proc.kernel, bpf_link_type.BPF_LINK_TYPE_XDP, bpf_xdp_link_lops, prog, dv.getUint32(LINK_CREATE.attach_type, true)) as bpf_xdp_link;
  link.dev = dev;
  link.flags = flags;
  dev.xdp_link = link;
  const fd = bpf_link_settle(proc.files, link);
  trace_step(proc.kernel, 1, 'bpf_xdp_link_attach', `${dev.name}: prog ${prog.aux.id}`, fd);
  return fd;
}
// #endregion bpf_xdp_link_attach

