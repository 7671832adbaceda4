/**
 * Which program type each attach type takes, and the attach-time type checks that
 * BPF_PROG_ATTACH and BPF_LINK_CREATE share.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (attach_type_to_prog_type)
 *
 * Left out: `prog->enforce_expected_attach_type`, which the verifier sets for cgroup skb egress
 * programs returning 2 or 3 (congestion notification); the model's verifier does not track
 * return values, so it stays 0.
 * @module
 */
import type { bpf_prog } from '@bpf-internals/core';
import { bpf_attach_type as AT, bpf_prog_type as PT } from '@bpf-internals/uapi';
import { bpf_token_capable } from './map_cmds.js';
import { CAP_NET_ADMIN, type Process } from './process.js';

const EPERM = -1;
const EINVAL = -22;

const table: [number[], number][] = [
  [[AT.BPF_CGROUP_INET_INGRESS, AT.BPF_CGROUP_INET_EGRESS], PT.BPF_PROG_TYPE_CGROUP_SKB],
  [
    [AT.BPF_CGROUP_INET_SOCK_CREATE, AT.BPF_CGROUP_INET_SOCK_RELEASE, AT.BPF_CGROUP_INET4_POST_BIND, AT.BPF_CGROUP_INET6_POST_BIND],
    PT.BPF_PROG_TYPE_CGROUP_SOCK,
  ],
  [
    [
      AT.BPF_CGROUP_INET4_BIND,
      AT.BPF_CGROUP_INET6_BIND,
      AT.BPF_CGROUP_INET4_CONNECT,
      AT.BPF_CGROUP_INET6_CONNECT,
      AT.BPF_CGROUP_UNIX_CONNECT,
      AT.BPF_CGROUP_INET4_GETPEERNAME,
      AT.BPF_CGROUP_INET6_GETPEERNAME,
      AT.BPF_CGROUP_UNIX_GETPEERNAME,
      AT.BPF_CGROUP_INET4_GETSOCKNAME,
      AT.BPF_CGROUP_INET6_GETSOCKNAME,
      AT.BPF_CGROUP_UNIX_GETSOCKNAME,
      AT.BPF_CGROUP_UDP4_SENDMSG,
      AT.BPF_CGROUP_UDP6_SENDMSG,
      AT.BPF_CGROUP_UNIX_SENDMSG,
      AT.BPF_CGROUP_UDP4_RECVMSG,
      AT.BPF_CGROUP_UDP6_RECVMSG,
      AT.BPF_CGROUP_UNIX_RECVMSG,
    ],
    PT.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
  ],
  [[AT.BPF_CGROUP_SOCK_OPS], PT.BPF_PROG_TYPE_SOCK_OPS],
  [[AT.BPF_CGROUP_DEVICE], PT.BPF_PROG_TYPE_CGROUP_DEVICE],
  [[AT.BPF_SK_MSG_VERDICT], PT.BPF_PROG_TYPE_SK_MSG],
  [[AT.BPF_SK_SKB_STREAM_PARSER, AT.BPF_SK_SKB_STREAM_VERDICT, AT.BPF_SK_SKB_VERDICT], PT.BPF_PROG_TYPE_SK_SKB],
  [[AT.BPF_LIRC_MODE2], PT.BPF_PROG_TYPE_LIRC_MODE2],
  [[AT.BPF_FLOW_DISSECTOR], PT.BPF_PROG_TYPE_FLOW_DISSECTOR],
  [[AT.BPF_CGROUP_SYSCTL], PT.BPF_PROG_TYPE_CGROUP_SYSCTL],
  [[AT.BPF_CGROUP_GETSOCKOPT, AT.BPF_CGROUP_SETSOCKOPT], PT.BPF_PROG_TYPE_CGROUP_SOCKOPT],
  [[AT.BPF_TRACE_ITER, AT.BPF_TRACE_RAW_TP, AT.BPF_TRACE_FENTRY, AT.BPF_TRACE_FEXIT, AT.BPF_MODIFY_RETURN], PT.BPF_PROG_TYPE_TRACING],
  [[AT.BPF_LSM_MAC, AT.BPF_LSM_CGROUP], PT.BPF_PROG_TYPE_LSM],
  [[AT.BPF_SK_LOOKUP], PT.BPF_PROG_TYPE_SK_LOOKUP],
  [[AT.BPF_XDP], PT.BPF_PROG_TYPE_XDP],
  [[AT.BPF_TCX_INGRESS, AT.BPF_TCX_EGRESS, AT.BPF_NETKIT_PRIMARY, AT.BPF_NETKIT_PEER], PT.BPF_PROG_TYPE_SCHED_CLS],
];
const byAttach = new Map<number, number>();
for (const [ats, pt] of table) for (const a of ats) byAttach.set(a, pt);

/**
 * `attach_type_to_prog_type`: BPF_PROG_TYPE_UNSPEC (0) for attach types BPF_PROG_ATTACH does
 * not know.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (attach_type_to_prog_type)
 */
export function attach_type_to_prog_type(attach_type: number): number {
  return byAttach.get(attach_type) ?? PT.BPF_PROG_TYPE_UNSPEC;
}

// #region bpf_prog_attach_check_attach_type
/**
 * `bpf_prog_attach_check_attach_type`: does this program fit this attach type? Types that were
 * verified for one attach point must attach there; cgroup skb programs need CAP_NET_ADMIN now
 * (they load without it).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_attach_check_attach_type)
 */
export function bpf_prog_attach_check_attach_type(proc: Process, prog: bpf_prog, attach_type: number): number {
  switch (prog.type) {
    case PT.BPF_PROG_TYPE_CGROUP_SOCK:
    case PT.BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case PT.BPF_PROG_TYPE_CGROUP_SOCKOPT:
    case PT.BPF_PROG_TYPE_SK_LOOKUP:
      return attach_type === prog.expected_attach_type ? 0 : EINVAL;
    case PT.BPF_PROG_TYPE_CGROUP_SKB:
      if (!bpf_token_capable(proc, CAP_NET_ADMIN)) return EPERM;
      return prog.type !== attach_type_to_prog_type(attach_type) ? EINVAL : 0;
    case PT.BPF_PROG_TYPE_EXT:
      return 0;
    case PT.BPF_PROG_TYPE_NETFILTER:
      return attach_type !== AT.BPF_NETFILTER ? EINVAL : 0;
    case PT.BPF_PROG_TYPE_PERF_EVENT:
    case PT.BPF_PROG_TYPE_TRACEPOINT:
      return attach_type !== AT.BPF_PERF_EVENT ? EINVAL : 0;
    case PT.BPF_PROG_TYPE_KPROBE: {
      const multi = [AT.BPF_TRACE_KPROBE_MULTI, AT.BPF_TRACE_KPROBE_SESSION, AT.BPF_TRACE_UPROBE_MULTI, AT.BPF_TRACE_UPROBE_SESSION] as number[];
      if (multi.includes(prog.expected_attach_type) && attach_type !== prog.expected_attach_type) return EINVAL;
      if (attach_type !== AT.BPF_PERF_EVENT && !multi.includes(attach_type)) return EINVAL;
      return 0;
    }
    case PT.BPF_PROG_TYPE_SCHED_CLS:
      return ([AT.BPF_TCX_INGRESS, AT.BPF_TCX_EGRESS, AT.BPF_NETKIT_PRIMARY, AT.BPF_NETKIT_PEER] as number[]).includes(attach_type) ? 0 : EINVAL;
    default: {
      const ptype = attach_type_to_prog_type(attach_type);
      return ptype === PT.BPF_PROG_TYPE_UNSPEC || ptype !== prog.type ? EINVAL : 0;
    }
  }
}
// #endregion bpf_prog_attach_check_attach_type

/**
 * `is_cgroup_prog_type`: program types that attach to cgroups (LSM only as BPF_LSM_CGROUP).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (is_cgroup_prog_type)
 */
export function is_cgroup_prog_type(ptype: number, atype: number, check_atype: boolean): boolean {
  switch (ptype) {
    case PT.BPF_PROG_TYPE_CGROUP_DEVICE:
    case PT.BPF_PROG_TYPE_CGROUP_SKB:
    case PT.BPF_PROG_TYPE_CGROUP_SOCK:
    case PT.BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case PT.BPF_PROG_TYPE_CGROUP_SOCKOPT:
    case PT.BPF_PROG_TYPE_CGROUP_SYSCTL:
    case PT.BPF_PROG_TYPE_SOCK_OPS:
      return true;
    case PT.BPF_PROG_TYPE_LSM:
      return check_atype ? atype === AT.BPF_LSM_CGROUP : true;
    default:
      return false;
  }
}

/** `bpf_mprog_supported`: tcx and netkit use the multi-program attach API. */
export function bpf_mprog_supported(ptype: number): boolean {
  return ptype === PT.BPF_PROG_TYPE_SCHED_CLS;
}
