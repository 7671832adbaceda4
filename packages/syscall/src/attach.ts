/**
 * BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY: the flag checks by attach family, the
 * program lookup by the attach type's program type, and the hand-off to the attach point.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_attach)
 *
 * How syscall.ts calls in:
 *   case BPF_PROG_ATTACH: return bpf_prog_attach(proc, attr);
 *   case BPF_PROG_DETACH: return bpf_prog_detach(proc, attr);
 *   case BPF_PROG_QUERY:  return bpf_prog_query(proc, attr, uattr, size);
 *
 * Attach points modelled: cgroups (cgroup.ts). The others (sockmap, lirc, flow dissector,
 * tcx, netkit, sk_lookup) answer as the kernel does when the target cannot be resolved: the
 * model has no sockmap/netns/netdev targets for them, so -EINVAL (or -EBADF for a closed fd).
 * @module
 */
import { attrField, bpf_attach_type as AT, bpf_prog_type as PT } from '@bpf-internals/uapi';
import { CAP_NET_ADMIN, type Process } from './process.js';
import { bpf_token_capable } from './map_cmds.js';
import { bpf_prog_get, bpf_prog_put } from './prog.js';
import { attach_type_to_prog_type, bpf_mprog_supported, bpf_prog_attach_check_attach_type, is_cgroup_prog_type } from './attach_types.js';
import {
  BPF_F_AFTER,
  BPF_F_ALLOW_MULTI,
  BPF_F_ALLOW_OVERRIDE,
  BPF_F_BEFORE,
  BPF_F_ID,
  BPF_F_LINK_ATTACH as BPF_F_LINK,
  BPF_F_PREORDER,
  BPF_F_QUERY_EFFECTIVE,
  BPF_F_REPLACE,
} from '@bpf-internals/uapi';
import { cgroup_bpf_prog_attach, cgroup_bpf_prog_detach, cgroup_bpf_prog_query } from './cgroup.js';
import { trace_step } from './trace.js';

const EPERM = -1;
const EBADF = -9;
const EINVAL = -22;
const EOPNOTSUPP = -95;

const BPF_F_ATTACH_MASK_BASE = BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE | BPF_F_PREORDER;
const BPF_F_ATTACH_MASK_MPROG = BPF_F_REPLACE | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_ID | BPF_F_LINK;

const O = {
  target_fd: attrField('BPF_PROG_ATTACH', 'target_fd').offset,
  attach_bpf_fd: attrField('BPF_PROG_ATTACH', 'attach_bpf_fd').offset,
  attach_type: attrField('BPF_PROG_ATTACH', 'attach_type').offset,
  attach_flags: attrField('BPF_PROG_ATTACH', 'attach_flags').offset,
  relative_fd: attrField('BPF_PROG_ATTACH', 'relative_fd').offset,
  expected_revision: attrField('BPF_PROG_ATTACH', 'expected_revision').offset,
};

/** The non-cgroup attach points: their target fd must exist; none can be resolved in the model. */
function no_target(proc: Process, attr: Uint8Array): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  return proc.files.fdget(dv.getUint32(O.target_fd, true)) ? EINVAL : EBADF;
}

/**
 * `sock_map_get_from_fd` / `sock_map_prog_detach`: the target must be a sockmap or sockhash; the
 * model has neither, so a map answers -EOPNOTSUPP (as the live kernel does for another map type),
 * another file -EINVAL, a closed fd -EBADF.
 * @see https://elixir.bootlin.com/linux/v6.18/source/net/core/sock_map.c (sock_map_get_from_fd)
 */
function sock_map_target(proc: Process, attr: Uint8Array): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const file = proc.files.fdget(dv.getUint32(O.target_fd, true));
  if (!file) return EBADF;
  return file.f_op.name === 'bpf-map' ? EOPNOTSUPP : EINVAL;
}

/**
 * `netns_bpf_prog_attach` / `netns_bpf_prog_detach`: the flow dissector attaches to the caller's
 * network namespace and takes no target fd, flags or replace fd (-EINVAL). Attaching to the
 * namespace itself is not modelled (-EINVAL too).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/net_namespace.c (netns_bpf_prog_attach)
 */
function netns_target(_proc: Process, _attr: Uint8Array): number {
  return EINVAL;
}

// #region bpf_prog_attach
/**
 * `bpf_prog_attach`: the attach type decides the program type; its flags must belong to that
 * family; the program must be of that type and fit the attach type; then the attach point.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_attach)
 */
export function bpf_prog_attach(proc: Process, attr: Uint8Array): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const attach_type = dv.getUint32(O.attach_type, true);
  const flags = dv.getUint32(O.attach_flags, true);
  const ptype = attach_type_to_prog_type(attach_type);
  if (ptype === PT.BPF_PROG_TYPE_UNSPEC) return EINVAL;
  if (bpf_mprog_supported(ptype)) {
    if (flags & ~BPF_F_ATTACH_MASK_MPROG) return EINVAL;
  } else if (is_cgroup_prog_type(ptype, 0, false)) {
    if (flags & ~(BPF_F_ATTACH_MASK_BASE | BPF_F_ATTACH_MASK_MPROG)) return EINVAL;
  } else {
    if (flags & ~BPF_F_ATTACH_MASK_BASE) return EINVAL;
    if (dv.getUint32(O.relative_fd, true) || dv.getBigUint64(O.expected_revision, true)) return EINVAL;
  }
  const prog = bpf_prog_get(proc.files, dv.getUint32(O.attach_bpf_fd, true), ptype);
  if (typeof prog === 'number') return prog;
  if (bpf_prog_attach_check_attach_type(proc, prog, attach_type)) {
    bpf_prog_put(prog);
    return EINVAL;
  }
  let ret: number;
  if (is_cgroup_prog_type(ptype, prog.expected_attach_type, true)) ret = cgroup_bpf_prog_attach(proc, attr, ptype, prog);
  else if (ptype === PT.BPF_PROG_TYPE_SK_SKB || ptype === PT.BPF_PROG_TYPE_SK_MSG) ret = sock_map_target(proc, attr);
  else if (ptype === PT.BPF_PROG_TYPE_FLOW_DISSECTOR) ret = netns_target(proc, attr);
  else ret = no_target(proc, attr);
  trace_step(proc.kernel, 1, 'bpf_prog_attach', `prog ${prog.aux.id}, attach_type ${attach_type}, flags 0x${flags.toString(16)}`, ret);
  if (ret) bpf_prog_put(prog);
  return ret;
}
// #endregion bpf_prog_attach

/**
 * `bpf_prog_detach`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_detach)
 */
export function bpf_prog_detach(proc: Process, attr: Uint8Array): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const attach_type = dv.getUint32(O.attach_type, true);
  const flags = dv.getUint32(O.attach_flags, true);
  const ptype = attach_type_to_prog_type(attach_type);
  if (bpf_mprog_supported(ptype)) {
    if (flags & ~BPF_F_ATTACH_MASK_MPROG) return EINVAL;
    const fd = dv.getUint32(O.attach_bpf_fd, true);
    if (fd) {
      const p = bpf_prog_get(proc.files, fd, ptype);
      if (typeof p === 'number') return p;
      bpf_prog_put(p);
    } else return EPERM; // !bpf_mprog_detach_empty for tcx
    return no_target(proc, attr);
  } else if (is_cgroup_prog_type(ptype, 0, false)) {
    if (flags || dv.getUint32(O.relative_fd, true)) return EINVAL;
  } else if (flags || dv.getUint32(O.relative_fd, true) || dv.getBigUint64(O.expected_revision, true)) {
    return EINVAL;
  }
  // The cgroup program types (LSM too: BPF_LSM_CGROUP detaches from a cgroup) are one list,
  // is_cgroup_prog_type's, as the kernel's detach switch lists the same eight.
  if (is_cgroup_prog_type(ptype, 0, false)) return cgroup_bpf_prog_detach(proc, attr, ptype);
  switch (ptype) {
    case PT.BPF_PROG_TYPE_SK_MSG:
    case PT.BPF_PROG_TYPE_SK_SKB:
      return sock_map_target(proc, attr);
    case PT.BPF_PROG_TYPE_FLOW_DISSECTOR:
      return netns_target(proc, attr);
    case PT.BPF_PROG_TYPE_LIRC_MODE2:
      return no_target(proc, attr);
    default:
      return EINVAL;
  }
}

const QATTACH = attrField('BPF_PROG_QUERY', 'query.attach_type').offset;
const QFLAGS = attrField('BPF_PROG_QUERY', 'query.query_flags').offset;
const QTARGET = attrField('BPF_PROG_QUERY', 'query.target_fd').offset;

/**
 * `bpf_prog_query`: CAP_NET_ADMIN (`bpf_net_capable`), only BPF_F_QUERY_EFFECTIVE, and the query
 * of the attach point.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_query)
 */
export function bpf_prog_query(proc: Process, attr: Uint8Array, uattr: bigint, size: number): number {
  if (!bpf_token_capable(proc, CAP_NET_ADMIN)) return EPERM;
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  if (dv.getUint32(QFLAGS, true) & ~BPF_F_QUERY_EFFECTIVE) return EINVAL;
  const type = dv.getUint32(QATTACH, true);
  const ptype = attach_type_to_prog_type(type);
  if (type === AT.BPF_LSM_CGROUP) return EINVAL; // needs BTF: not modelled
  if (is_cgroup_prog_type(ptype, type, true)) return cgroup_bpf_prog_query(proc, attr, uattr, size);
  switch (type) {
    case AT.BPF_LIRC_MODE2:
    case AT.BPF_FLOW_DISSECTOR:
    case AT.BPF_SK_LOOKUP:
    case AT.BPF_SK_SKB_STREAM_PARSER:
    case AT.BPF_SK_SKB_STREAM_VERDICT:
    case AT.BPF_SK_MSG_VERDICT:
    case AT.BPF_SK_SKB_VERDICT:
    case AT.BPF_TCX_INGRESS:
    case AT.BPF_TCX_EGRESS:
    case AT.BPF_NETKIT_PRIMARY:
    case AT.BPF_NETKIT_PEER:
      return proc.files.fdget(dv.getUint32(QTARGET, true)) ? EINVAL : EBADF;
    default:
      return EINVAL;
  }
}
