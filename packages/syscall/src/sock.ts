/**
 * Sockets that run BPF programs: `setsockopt(SO_ATTACH_BPF)` puts a socket filter on a socket,
 * and a datagram sent through the model's loopback runs, in the kernel's order, the sender's
 * cgroup egress programs, the receiver's cgroup ingress programs, then the receiver's socket
 * filter, which may drop the packet (0) or trim it to the length it returns.
 * Mirrors the BPF parts of net/core/filter.c and net/core/sock.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (sk_attach_bpf)
 * https://elixir.bootlin.com/linux/v6.18/source/net/core/sock.c (sk_setsockopt)
 *
 * The socket layer itself is a small stand-in: AF_INET / SOCK_DGRAM only, loopback delivery by
 * port, no real IP routing, checksums or queue limits. A packet is built as IPv4 (20 bytes) +
 * UDP (8 bytes) + payload: cgroup skb programs see it from the IP header, the socket filter from
 * the UDP header (the IP header is already pulled when `sk_filter_trim_cap` runs on receive).
 * Left out: classic BPF (SO_ATTACH_FILTER), SO_LOCK_FILTER, reuseport groups.
 * @module
 */
import type { bpf_prog } from '@bpf-internals/core';
import { bpf_attach_type as AT, bpf_prog_type as PT } from '@bpf-internals/uapi';
import { open_fmode, O_RDWR, type BpfFile } from './fdtable.js';
import { __cgroup_bpf_run_filter_skb, task_dfl_cgroup, type cgroup } from './cgroup.js';
import type { Kernel } from './kernel.js';
import { bpf_prog_run_skb, skb_from_packet } from './net.js';
import type { Process } from './process.js';
import { bpf_prog_get, bpf_prog_put } from './prog.js';
import { trace_step } from './trace.js';

const EPERM = -1;
const ENOENT = -2;
const EBADF = -9;
const EAGAIN = -11;
const EFAULT = -14;
const EINVAL = -22;
const ENOTSOCK = -88;
const ENOPROTOOPT = -92;
const EPROTONOSUPPORT = -93;
const EAFNOSUPPORT = -97;
const EADDRINUSE = -98;
const EDESTADDRREQ = -89;

export const AF_INET = 2;
export const SOCK_DGRAM = 2;
export const IPPROTO_UDP = 17;
export const SOL_SOCKET = 1;
/** `SO_ATTACH_BPF` (asm-generic/socket.h). */
export const SO_ATTACH_BPF = 50;
/** `SO_DETACH_BPF` = `SO_DETACH_FILTER`. */
export const SO_DETACH_BPF = 27;

/** `struct sock`, reduced to what the BPF hooks touch. */
export interface sock {
  family: number;
  type: number;
  /** `sk->sk_filter->prog`: the socket filter. */
  sk_filter: bpf_prog | null;
  /** `sk->sk_cgrp_data`: the creator's cgroup at socket() time. */
  sk_cgrp: cgroup;
  /** Bound UDP port, 0 if unbound. */
  port: number;
  /** Received datagrams (payloads), oldest first. */
  rxq: Uint8Array[];
  /** Datagrams the receive hooks dropped. */
  drops: number;
  kernel: Kernel;
}

const ports = new WeakMap<Kernel, Map<number, sock>>();
const portTable = (k: Kernel): Map<number, sock> => {
  let m = ports.get(k);
  if (!m) ports.set(k, (m = new Map()));
  return m;
};

/** `socket_file_ops`: closing the socket drops its filter and its port. */
const socket_file_ops = {
  name: 'socket',
  release(file: BpfFile) {
    const sk = file.private_data as sock;
    if (sk.sk_filter) bpf_prog_put(sk.sk_filter);
    sk.sk_filter = null;
    if (sk.port && portTable(sk.kernel).get(sk.port) === sk) portTable(sk.kernel).delete(sk.port);
  },
};

function sockOf(proc: Process, fd: number): sock | number {
  const file = proc.files.fdget(fd);
  if (!file) return EBADF;
  if (file.f_op !== socket_file_ops) return ENOTSOCK;
  return file.private_data as sock;
}

/** socket(2): AF_INET / SOCK_DGRAM (UDP) only. The socket joins the caller's cgroup. */
export function sys_socket(proc: Process, family: number, type: number, protocol = 0): number {
  if (family !== AF_INET) return EAFNOSUPPORT;
  if ((type & 0xf) !== SOCK_DGRAM || (protocol !== 0 && protocol !== IPPROTO_UDP)) return EPROTONOSUPPORT;
  const sk: sock = { family, type: SOCK_DGRAM, sk_filter: null, sk_cgrp: task_dfl_cgroup(proc), port: 0, rxq: [], drops: 0, kernel: proc.kernel };
  return proc.files.fd_install({ f_op: socket_file_ops, f_mode: open_fmode(O_RDWR), f_flags: O_RDWR, private_data: sk, f_count: 1 });
}

/** bind(2) to a loopback UDP port. */
export function sys_bind(proc: Process, fd: number, port: number): number {
  const sk = sockOf(proc, fd);
  if (typeof sk === 'number') return sk;
  if (sk.port) return EINVAL;
  const t = portTable(proc.kernel);
  if (t.has(port)) return EADDRINUSE;
  sk.port = port;
  t.set(port, sk);
  return 0;
}

// #region sk_attach_bpf
/**
 * `sk_attach_bpf`: the fd must be a socket filter program; it replaces any filter the socket had
 * (`__sk_attach_prog`), and the socket keeps the program reference.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (sk_attach_bpf)
 */
export function sk_attach_bpf(proc: Process, ufd: number, sk: sock): number {
  const prog = bpf_prog_get(proc.files, ufd, PT.BPF_PROG_TYPE_SOCKET_FILTER);
  if (typeof prog === 'number') return prog;
  const old = sk.sk_filter;
  sk.sk_filter = prog;
  if (old) bpf_prog_put(old);
  return 0;
}
// #endregion sk_attach_bpf

/**
 * `sk_detach_filter`: -ENOENT when the socket has no filter.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (sk_detach_filter)
 */
export function sk_detach_filter(sk: sock): number {
  if (!sk.sk_filter) return ENOENT;
  bpf_prog_put(sk.sk_filter);
  sk.sk_filter = null;
  return 0;
}

/**
 * setsockopt(2) at SOL_SOCKET: SO_ATTACH_BPF (an int program fd) and SO_DETACH_BPF; the value is
 * read as an int first (-EINVAL when optlen < 4, -EFAULT when unreadable), as `sk_setsockopt` does.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/sock.c (sk_setsockopt)
 */
export function sys_setsockopt(proc: Process, fd: number, level: number, optname: number, optval: bigint, optlen: number): number {
  const sk = sockOf(proc, fd);
  if (typeof sk === 'number') return sk;
  if (level !== SOL_SOCKET) return ENOPROTOOPT;
  if (optlen < 4) return EINVAL;
  const v = proc.mem.copy_from_user(optval, 4);
  if (typeof v === 'number') return EFAULT;
  const val = new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true);
  switch (optname) {
    case SO_ATTACH_BPF:
      return optlen === 4 ? sk_attach_bpf(proc, val, sk) : EINVAL;
    case SO_DETACH_BPF:
      return sk_detach_filter(sk);
    default:
      return ENOPROTOOPT;
  }
}

/** An IPv4 + UDP datagram from port `sport` to `dport` on 127.0.0.1. */
export function udp_packet(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(28 + payload.length);
  const dv = new DataView(p.buffer);
  p[0] = 0x45; // IPv4, 20-byte header
  dv.setUint16(2, p.length); // total length
  p[8] = 64; // ttl
  p[9] = IPPROTO_UDP;
  dv.setUint32(12, 0x7f000001);
  dv.setUint32(16, 0x7f000001);
  dv.setUint16(20, sport);
  dv.setUint16(22, dport);
  dv.setUint16(24, 8 + payload.length);
  p.set(payload, 28);
  return p;
}

// #region udp_sendto
/**
 * sendto(2) of a UDP datagram to a loopback port: the sender's cgroup egress programs may refuse
 * it (-EPERM); on receive the receiver's cgroup ingress programs and then its socket filter may
 * drop it (the send still succeeds, as on a real network) or the filter trims it.
 * Returns the payload length or -errno.
 */
export function sys_sendto(proc: Process, fd: number, payload: Uint8Array, dport: number): number {
  const sk = sockOf(proc, fd);
  if (typeof sk === 'number') return sk;
  if (!dport) return EDESTADDRREQ;
  const kernel = proc.kernel;
  if (!sk.port) {
    // autobind an ephemeral port
    let p = 32768;
    while (portTable(kernel).has(p)) p++;
    sys_bind(proc, fd, p);
  }
  const packet = udp_packet(sk.port, dport, payload);
  // ip_finish_output: BPF_CGROUP_RUN_PROG_INET_EGRESS on the sending socket's cgroup
  const egress = __cgroup_bpf_run_filter_skb(sk.sk_cgrp, AT.BPF_CGROUP_INET_EGRESS, (prog) => bpf_prog_run_skb(kernel, prog, skb_from_packet(packet)));
  trace_step(kernel, 0, 'ip_finish_output', `cgroup egress: ${egress === 0 ? 'pass' : 'drop'}`, egress);
  if (egress) return EPERM;
  const rx = portTable(kernel).get(dport);
  if (rx) udp_queue_rcv_skb(rx, packet);
  return payload.length;
}
// #endregion udp_sendto

// #region sk_filter_trim_cap
/**
 * `udp_queue_rcv_one_skb` → `sk_filter_trim_cap(sk, skb, sizeof(struct udphdr))`: the receiving
 * socket's cgroup ingress programs (they see the IP header), then its socket filter (it sees the
 * UDP header): 0 drops, n keeps max(8, n) bytes. Returns true when the datagram was queued.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/filter.c (sk_filter_trim_cap)
 */
export function udp_queue_rcv_skb(sk: sock, packet: Uint8Array): boolean {
  const kernel = sk.kernel;
  const ingress = __cgroup_bpf_run_filter_skb(sk.sk_cgrp, AT.BPF_CGROUP_INET_INGRESS, (prog) => bpf_prog_run_skb(kernel, prog, skb_from_packet(packet)));
  trace_step(kernel, 0, 'sk_filter_trim_cap', `cgroup ingress: ${ingress === 0 ? 'pass' : 'drop'}`, ingress);
  if (ingress) {
    sk.drops++;
    return false;
  }
  let udp = packet.subarray(20);
  if (sk.sk_filter) {
    const pkt_len = bpf_prog_run_skb(kernel, sk.sk_filter, skb_from_packet(udp));
    trace_step(kernel, 0, 'bpf_prog_run_save_cb', `socket filter returned ${pkt_len}`);
    if (!pkt_len) {
      sk.drops++;
      return false;
    }
    udp = udp.subarray(0, Math.max(8, Math.min(pkt_len, udp.length)));
  }
  sk.rxq.push(udp.slice(8));
  return true;
}
// #endregion sk_filter_trim_cap

/** recv(2): the oldest queued payload, or -EAGAIN (non-blocking). */
export function sys_recv(proc: Process, fd: number): Uint8Array | number {
  const sk = sockOf(proc, fd);
  if (typeof sk === 'number') return sk;
  return sk.rxq.shift() ?? EAGAIN;
}

/** The socket behind an fd (for tests and the docs), or null. */
export function sock_of_fd(proc: Process, fd: number): sock | null {
  const s = sockOf(proc, fd);
  return typeof s === 'number' ? null : s;
}
