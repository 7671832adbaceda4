/**
 * PROG_TEST_RUN against the live kernel: one table of attr variations per program type,
 * each row run through the host's bpf(BPF_PROG_TEST_RUN) and core's bpf_prog_test_run; the
 * kernel's answer (ret, retval, data_size_out, data_out, ctx_size_out, ctx_out) is the
 * expected value of the row.
 */
import { describe, expect, it } from 'vitest';
import { bpf_prog_type, encodeInsns } from '@bpf-internals/uapi';
import { bpf_asm, bpf_prog_alloc, bpf_prog_select_runtime, bpf_prog_test_run, createRunEnv, testRunAttr, type BpfTestRunAttr } from '@bpf-internals/core';
import { hostBpf, skipReason } from './host/bpf.js';
import { hostLoad, hostTestRun } from './core-host.js';

const { host } = hostBpf();
const T = bpf_prog_type;

/** tc: records len, pkt_type, protocol, ifindex, wire_len in cb[], bumps mark, writes the packet. */
const TC = `
  r6 = r1
  r2 = *(u32 *)(r6 +76)
  r3 = *(u32 *)(r6 +80)
  r4 = r2
  r4 += 14
  if r4 > r3 goto pc+1
  *(u8 *)(r2 +0) = 170
  r1 = *(u32 *)(r6 +0)
  *(u32 *)(r6 +48) = r1
  r1 = *(u32 *)(r6 +4)
  *(u32 *)(r6 +52) = r1
  r1 = *(u32 *)(r6 +16)
  *(u32 *)(r6 +56) = r1
  r1 = *(u32 *)(r6 +40)
  *(u32 *)(r6 +60) = r1
  r1 = *(u32 *)(r6 +160)
  *(u32 *)(r6 +64) = r1
  r1 = *(u32 *)(r6 +8)
  r1 += 1
  *(u32 *)(r6 +8) = r1
  r0 = *(u32 *)(r6 +32)
  r0 += 100
  exit`;

/** socket filter: a legacy load, bpf_skb_load_bytes, and len in the result. */
const SOCK = `
  r6 = r1
  r0 = *(u8 *)skb[0]
  r7 = r0
  r1 = r6
  r2 = 2
  r3 = r10
  r3 += -8
  r4 = 4
  call bpf_skb_load_bytes#26
  r8 = r0
  r0 = *(u32 *)(r10 -8)
  r0 ^= r7
  r1 = *(u32 *)(r6 +0)
  r1 <<= 24
  r0 += r1
  r0 += r8
  *(u32 *)(r6 +48) = r0
  exit`;

/** XDP: push 14 bytes, grow the tail by 6, report lengths and helper results. */
const XDP = `
  r6 = r1
  r1 = r6
  r2 = -14
  call bpf_xdp_adjust_head#44
  r7 = r0
  r1 = r6
  r2 = 6
  call bpf_xdp_adjust_tail#65
  r8 = r0
  r2 = *(u32 *)(r6 +0)
  r3 = *(u32 *)(r6 +4)
  r4 = *(u32 *)(r6 +8)
  r5 = r2
  r5 += 1
  if r5 > r3 goto pc+1
  *(u8 *)(r2 +0) = 90
  r0 = r3
  r0 -= r2
  r2 -= r4
  r2 <<= 16
  r0 += r2
  r7 &= 255
  r7 <<= 24
  r0 += r7
  r8 &= 1
  r8 <<= 31
  r0 += r8
  exit`;

function eth(dest: number[], proto: number, len: number, fill = 0x11): Uint8Array {
  const p = new Uint8Array(len).fill(fill);
  p.set(dest, 0);
  p.set([2, 0, 0, 0, 0, 1], 6);
  p[12] = proto >> 8;
  p[13] = proto & 0xff;
  if (proto === 0x0800 && len >= 34) p[14] = 0x45;
  return p;
}
const HOST_MAC = [0, 0, 0, 0, 0, 0];
const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const MCAST = [0x01, 0x00, 0x5e, 0, 0, 1];
const OTHER = [0x02, 0x42, 0, 0, 0, 7];

function skbCtx(f: { mark?: number; priority?: number; ifindex?: number; ingress?: number; cb0?: number; wire_len?: number; gso_segs?: number; len?: number; size?: number; tail?: number }): Uint8Array {
  const c = new Uint8Array(f.size ?? 192);
  const dv = new DataView(c.buffer);
  if (f.len) dv.setUint32(0, f.len, true);
  if (f.mark) dv.setUint32(8, f.mark, true);
  if (f.priority) dv.setUint32(32, f.priority, true);
  if (f.ingress) dv.setUint32(36, f.ingress, true);
  if (f.ifindex) dv.setUint32(40, f.ifindex, true);
  if (f.cb0) dv.setUint32(48, f.cb0, true);
  if (f.wire_len) dv.setUint32(160, f.wire_len, true);
  if (f.gso_segs) dv.setUint32(164, f.gso_segs, true);
  if (f.tail) c[c.length - 1] = f.tail;
  return c;
}

function xdpCtx(f: { data?: number; data_end: number; data_meta?: number; ingress?: number; rxq?: number; egress?: number }): Uint8Array {
  const c = new Uint8Array(24);
  const dv = new DataView(c.buffer);
  dv.setUint32(0, f.data ?? 0, true);
  dv.setUint32(4, f.data_end, true);
  dv.setUint32(8, f.data_meta ?? 0, true);
  dv.setUint32(12, f.ingress ?? 0, true);
  dv.setUint32(16, f.rxq ?? 0, true);
  dv.setUint32(20, f.egress ?? 0, true);
  return c;
}

interface Row {
  name: string;
  data: Uint8Array;
  ctx?: Uint8Array;
  ctx_out?: boolean;
  ctx_size_out?: number;
  data_size_out?: number;
  repeat?: number;
  flags?: number;
  cpu?: number;
  batch_size?: number;
}

const IP64 = eth(HOST_MAC, 0x0800, 64);
const TC_ROWS: Row[] = [
  { name: 'an IPv4 packet to this host', data: IP64 },
  { name: 'a broadcast frame', data: eth(BCAST, 0x0806, 60) },
  { name: 'a multicast frame', data: eth(MCAST, 0x88b5, 60) },
  { name: 'a frame for another host', data: eth(OTHER, 0x88b5, 60) },
  { name: 'an 802.3 frame with 0xffff payload', data: eth(OTHER, 0x0040, 60, 0xff) },
  { name: 'an 802.2 frame', data: eth(OTHER, 0x0040, 60, 0x42) },
  { name: 'IPv4 with less than an IP header: EINVAL', data: eth(HOST_MAC, 0x0800, 30) },
  { name: 'IPv6 with less than an IPv6 header: EINVAL', data: eth(HOST_MAC, 0x86dd, 50) },
  { name: 'less than an Ethernet header: EINVAL', data: new Uint8Array(13) },
  { name: 'the largest packet that fits the page', data: eth(OTHER, 0x88b5, 4096 - 64 - 320) },
  { name: 'one byte more: EINVAL', data: eth(OTHER, 0x88b5, 4096 - 64 - 320 + 1) },
  { name: 'ctx in with mark, priority, cb', data: IP64, ctx: skbCtx({ mark: 5, priority: 7, cb0: 9, ingress: 3 }), ctx_out: true, ctx_size_out: 192 },
  { name: 'ctx out only', data: IP64, ctx_out: true, ctx_size_out: 192 },
  { name: 'ctx with len set: EINVAL', data: IP64, ctx: skbCtx({ len: 5 }), ctx_out: true, ctx_size_out: 192 },
  { name: 'ctx with ifindex 1 (loopback)', data: IP64, ctx: skbCtx({ ifindex: 1 }), ctx_out: true, ctx_size_out: 192 },
  { name: 'ctx with a missing ifindex: ENODEV', data: IP64, ctx: skbCtx({ ifindex: 99999 }) },
  { name: 'ctx larger than __sk_buff with a zero tail', data: IP64, ctx: skbCtx({ size: 200, mark: 1 }), ctx_out: true, ctx_size_out: 256 },
  { name: 'ctx larger than __sk_buff with a non-zero tail: E2BIG', data: IP64, ctx: skbCtx({ size: 200, tail: 1 }) },
  { name: 'ctx_size_out too small: ENOSPC', data: IP64, ctx: skbCtx({ mark: 1 }), ctx_out: true, ctx_size_out: 100 },
  { name: 'data_size_out too small: ENOSPC, full size reported', data: IP64, data_size_out: 20 },
  { name: 'wire_len below len: EINVAL', data: IP64, ctx: skbCtx({ wire_len: 10 }) },
  { name: 'wire_len above len', data: IP64, ctx: skbCtx({ wire_len: 1000 }), ctx_out: true, ctx_size_out: 192 },
  { name: 'gso_segs above GSO_MAX_SEGS: EINVAL', data: IP64, ctx: skbCtx({ gso_segs: 70000 }) },
  { name: 'repeat 5 runs on the same skb (mark bumped 5 times)', data: IP64, ctx: skbCtx({}), ctx_out: true, ctx_size_out: 192, repeat: 5 },
  { name: 'unknown flags: EINVAL', data: IP64, flags: 1 },
  { name: 'a cpu: EINVAL', data: IP64, cpu: 1 },
  { name: 'a batch size: EINVAL', data: IP64, batch_size: 1 },
];

const SOCK_ROWS: Row[] = [
  { name: 'an IPv4 packet', data: IP64, ctx_out: true, ctx_size_out: 192 },
  { name: 'a short 802.3 frame (loads past the end give 0 / EFAULT)', data: eth(OTHER, 0x0004, 15) },
  { name: 'ctx in with cb', data: IP64, ctx: skbCtx({ cb0: 77 }), ctx_out: true, ctx_size_out: 192 },
];

const P64 = eth(OTHER, 0x88b5, 64);
const XDP_ROWS: Row[] = [
  { name: 'a 64-byte frame', data: P64 },
  { name: '8 bytes of metadata', data: P64, ctx: xdpCtx({ data: 8, data_end: 64 }), ctx_out: true, ctx_size_out: 24 },
  { name: '216 bytes of metadata (the most the headroom allows)', data: eth(OTHER, 0x88b5, 300), ctx: xdpCtx({ data: 216, data_end: 300 }), ctx_out: true, ctx_size_out: 24 },
  { name: '220 bytes of metadata: EINVAL', data: eth(OTHER, 0x88b5, 300), ctx: xdpCtx({ data: 220, data_end: 300 }) },
  { name: 'unaligned metadata: EINVAL', data: P64, ctx: xdpCtx({ data: 6, data_end: 64 }) },
  { name: 'data_meta set: EINVAL', data: P64, ctx: xdpCtx({ data_meta: 4, data: 8, data_end: 64 }) },
  { name: 'data_end past data_size_in: EINVAL', data: P64, ctx: xdpCtx({ data_end: 65 }) },
  { name: 'data past data_end: EINVAL', data: P64, ctx: xdpCtx({ data: 32, data_end: 16 }) },
  { name: 'data_end shorter than the data (the rest becomes a frag)', data: P64, ctx: xdpCtx({ data_end: 40 }), ctx_out: true, ctx_size_out: 24 },
  { name: 'rx_queue_index without an ifindex: EINVAL', data: P64, ctx: xdpCtx({ data_end: 64, rxq: 1 }) },
  { name: 'egress_ifindex set: EINVAL', data: P64, ctx: xdpCtx({ data_end: 64, egress: 1 }) },
  { name: 'ingress on loopback queue 0', data: P64, ctx: xdpCtx({ data_end: 64, ingress: 1 }), ctx_out: true, ctx_size_out: 24 },
  { name: 'ingress on loopback queue 1 (it has one): EINVAL', data: P64, ctx: xdpCtx({ data_end: 64, ingress: 1, rxq: 1 }) },
  { name: 'ingress on a missing device: ENODEV', data: P64, ctx: xdpCtx({ data_end: 64, ingress: 99999 }) },
  { name: 'less than an Ethernet header: EINVAL', data: new Uint8Array(13) },
  { name: 'more than a page: frags', data: eth(OTHER, 0x88b5, 5000) },
  { name: 'data_size_out too small: ENOSPC', data: P64, data_size_out: 10 },
  { name: 'a batch size without live frames: EINVAL', data: P64, batch_size: 4 },
  { name: 'unknown flags: EINVAL', data: P64, flags: 4 },
  { name: 'repeat 3', data: P64, repeat: 3 },
];

function compareRow(h: NonNullable<typeof host>, type: number, src: string, row: Row) {
  const insns = bpf_asm(src);
  const l = hostLoad(h, type, encodeInsns(insns), { log_level: 1 });
  expect(l.fd, l.log).toBeGreaterThanOrEqual(0);
  const hr = hostTestRun(h, l.fd, {
    data_in: row.data,
    data_out_size: 8192,
    data_size_out: row.data_size_out,
    ctx_in: row.ctx,
    ctx_out_size: row.ctx_out ? 512 : 0,
    ctx_size_out: row.ctx_size_out,
    repeat: row.repeat,
    flags: row.flags,
    cpu: row.cpu,
    batch_size: row.batch_size,
  });
  h.close(l.fd);
  const { prog } = bpf_prog_select_runtime(bpf_prog_alloc({ type, insns }));
  const attr: BpfTestRunAttr = testRunAttr({
    data_in: row.data,
    data_out: true,
    data_size_out: row.data_size_out ?? 0,
    ctx_in: row.ctx ?? null,
    ctx_out: !!row.ctx_out,
    ctx_size_out: row.ctx_size_out ?? 0,
    repeat: row.repeat ?? 0,
    flags: row.flags ?? 0,
    cpu: row.cpu ?? 0,
    batch_size: row.batch_size ?? 0,
  });
  const mr = bpf_prog_test_run(prog, attr, createRunEnv());
  const model = {
    ret: mr.ret,
    retval: mr.finish?.retval ?? 0,
    data_size_out: mr.finish?.data_size_out ?? attr.data_size_out,
    data_out: Buffer.from(mr.finish?.data_out ?? new Uint8Array()).toString('hex'),
    ctx_size_out: mr.ctx?.ctx_size_out ?? attr.ctx_size_out,
    ctx_out: mr.ctx ? Buffer.from(mr.ctx.ctx_out).toString('hex') : '',
  };
  const finished = hr.ret === 0 || hr.ret === -28;
  const kernel = {
    ret: hr.ret,
    retval: hr.retval,
    data_size_out: hr.data_size_out,
    data_out: finished ? Buffer.from(hr.data_out.subarray(0, Math.min(hr.data_size_out, row.data_size_out || Infinity))).toString('hex') : '',
    ctx_size_out: hr.ctx_size_out,
    ctx_out: hr.ctx_out && mr.ctx ? Buffer.from(hr.ctx_out.subarray(0, mr.ctx.ctx_out.length)).toString('hex') : '',
  };
  if (!finished) model.data_out = '';
  if (h.strict) expect(model).toEqual(kernel);
  else if (JSON.stringify(model) !== JSON.stringify(kernel)) console.log(`${row.name}: model ${JSON.stringify(model)} kernel ${JSON.stringify(kernel)}`);
}

describe.skipIf(!host)('bpf_prog_test_run vs the host kernel', () => {
  it.each(TC_ROWS)('sched_cls: $name', (row) => compareRow(host!, T.BPF_PROG_TYPE_SCHED_CLS, TC, row));
  it.each(SOCK_ROWS)('socket filter: $name', (row) => compareRow(host!, T.BPF_PROG_TYPE_SOCKET_FILTER, SOCK, row));
  it.each(XDP_ROWS)('xdp: $name', (row) => compareRow(host!, T.BPF_PROG_TYPE_XDP, XDP, row));
});

if (!host) it.skip(skipReason(), () => {});

/** Helpers whose results the host settles: csum_diff (arch-specific folding), redirect (tc and XDP flavours). */
const HELPER_PROGS: { name: string; type: number; src: string }[] = [
  {
    name: 'bpf_csum_diff of two 8-byte buffers with a seed',
    type: T.BPF_PROG_TYPE_SCHED_CLS,
    src: `
      r1 = 0x1122334455667788
      *(u64 *)(r10 -8) = r1
      r1 = 0xfedcba9876543210
      *(u64 *)(r10 -16) = r1
      r1 = r10
      r1 += -8
      r2 = 8
      r3 = r10
      r3 += -16
      r4 = 8
      r5 = 0xabcdef
      call bpf_csum_diff#28
      exit`,
  },
  {
    name: 'bpf_csum_diff pushing 12 bytes of 0xff',
    type: T.BPF_PROG_TYPE_SCHED_CLS,
    src: `
      r1 = -1
      *(u64 *)(r10 -16) = r1
      *(u32 *)(r10 -8) = -1
      r1 = 0
      r2 = 0
      r3 = r10
      r3 += -16
      r4 = 12
      r5 = 0x12345678
      call bpf_csum_diff#28
      exit`,
  },
  {
    name: 'bpf_csum_diff with a size not a multiple of 4',
    type: T.BPF_PROG_TYPE_SCHED_CLS,
    src: `
      *(u64 *)(r10 -8) = 0
      r1 = r10
      r1 += -8
      r2 = 6
      r3 = 0
      r4 = 0
      r5 = 0
      call bpf_csum_diff#28
      exit`,
  },
  {
    name: 'bpf_csum_diff pulling 4 bytes with a seed',
    type: T.BPF_PROG_TYPE_SCHED_CLS,
    src: `
      r1 = 0x12345678
      *(u64 *)(r10 -8) = r1
      r1 = r10
      r1 += -8
      r2 = 4
      r3 = 0
      r4 = 0
      r5 = 0x1ffff
      call bpf_csum_diff#28
      exit`,
  },
  ...[
    ['in range', 10, 4, 0],
    ['past the end: EFAULT', 62, 4, 0],
    ['with BPF_F_INVALIDATE_HASH', 0, 4, 2],
    ['with an unknown flag: EINVAL', 0, 4, 8],
  ].map(([what, off, len, flags]) => ({
    name: `bpf_skb_store_bytes ${what}`,
    type: T.BPF_PROG_TYPE_SCHED_CLS,
    src: `
      r6 = r1
      r1 = 0x0badc0de
      *(u64 *)(r10 -8) = r1
      r1 = r6
      r2 = ${off}
      r3 = r10
      r3 += -8
      r4 = ${len}
      r5 = ${flags}
      call bpf_skb_store_bytes#9
      exit`,
  })),
  {
    name: 'bpf_trace_printk returns the formatted length',
    type: T.BPF_PROG_TYPE_SOCKET_FILTER,
    src: `
      r1 = 0x0a6425203d20
      *(u64 *)(r10 -8) = r1
      r1 = r10
      r1 += -8
      r2 = 8
      r3 = -42
      call bpf_trace_printk#6
      exit`,
  },
  { name: 'tc bpf_redirect', type: T.BPF_PROG_TYPE_SCHED_CLS, src: 'r1 = 1\nr2 = 0\ncall bpf_redirect#23\nexit' },
  { name: 'tc bpf_redirect with BPF_F_INGRESS', type: T.BPF_PROG_TYPE_SCHED_CLS, src: 'r1 = 1\nr2 = 1\ncall bpf_redirect#23\nexit' },
  { name: 'tc bpf_redirect with an unknown flag', type: T.BPF_PROG_TYPE_SCHED_CLS, src: 'r1 = 1\nr2 = 2\ncall bpf_redirect#23\nexit' },
  { name: 'XDP bpf_redirect', type: T.BPF_PROG_TYPE_XDP, src: 'r1 = 1\nr2 = 0\ncall bpf_redirect#23\nexit' },
  { name: 'XDP bpf_redirect with a flag', type: T.BPF_PROG_TYPE_XDP, src: 'r1 = 1\nr2 = 1\ncall bpf_redirect#23\nexit' },
];

describe.skipIf(!host)('helpers vs the host kernel', () => {
  it.each(HELPER_PROGS)('$name', ({ type, src }) => compareRow(host!, type, src, { name: '', data: eth(OTHER, 0x88b5, 64) }));
});
