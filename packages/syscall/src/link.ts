/**
 * BPF links: `struct bpf_link`, its file (`bpf_link_fops`), ids, and the link commands
 * BPF_LINK_CREATE, BPF_LINK_UPDATE, BPF_LINK_DETACH, plus BPF_OBJ_GET_INFO_BY_FD on a link.
 * A link holds a reference to its program: the attachment lives as long as the link does (an fd,
 * a pin in bpffs), even after every program fd is closed; closing the last link reference
 * detaches the program (`->release`). BPF_LINK_DETACH detaches early and leaves a defunct link.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * How syscall.ts calls in:
 *   case BPF_LINK_CREATE: return link_create(proc, attr, uattr);
 *   case BPF_LINK_UPDATE: return link_update(proc, attr);
 *   case BPF_LINK_DETACH: return link_detach(proc, attr);
 * (BPF_LINK_GET_FD_BY_ID finds `bpf_link` objects in link_idr; they carry `fops`.)
 *
 * Link types modelled: cgroup (cgroup.ts) and XDP (net.ts). The others answer as the live kernel
 * does when their target cannot exist in the model: perf links -EBADF (no perf event behind the
 * fd), sockmap and netns links -EBADF/-EINVAL, netfilter -EAFNOSUPPORT for an unknown family,
 * tracing/LSM/tcx/netkit/struct_ops/iter -EINVAL. Not modelled: BPF_LINK_UPDATE of map-based links.
 * @module
 */
import type { bpf_prog } from '@bpf-internals/core';
import { attrField, bpf_attach_type as AT, bpf_prog_type as PT, uapiStruct } from '@bpf-internals/uapi';
import { open_fmode, O_RDWR, type BpfFile, type BpfObjFops, type FdTable } from './fdtable.js';
import { info_by_fd } from './info.js';
import type { Kernel, KernelObject } from './kernel.js';
import type { Process } from './process.js';
import { bpf_prog_get, bpf_prog_inc, bpf_prog_put } from './prog.js';
import { info_copy_in, info_copy_out } from './uarg.js';
import { bpf_prog_attach_check_attach_type } from './attach_types.js';
import { cgroup_bpf_link_attach } from './cgroup.js';
import { bpf_xdp_link_attach } from './net.js';

const EBADF = -9;
const EINVAL = -22;
const EOPNOTSUPP = -95;
const EAFNOSUPPORT = -97;

/** `BPF_F_REPLACE`. */
const BPF_F_REPLACE = 1 << 2;

/** `struct bpf_link_ops`: what each link type does on release, detach, update and info. */
export interface bpf_link_ops {
  /** Detach from the hook (the last reference went, or BPF_LINK_DETACH). */
  release(link: bpf_link): void;
  dealloc?(link: bpf_link): void;
  /** BPF_LINK_DETACH; absent means -EOPNOTSUPP. */
  detach?(link: bpf_link): number;
  /** BPF_LINK_UPDATE; absent means -EINVAL. `old_prog` only with BPF_F_REPLACE. */
  update_prog?(link: bpf_link, new_prog: bpf_prog, old_prog: bpf_prog | null): number;
  /** Fill the type-specific union of `struct bpf_link_info` (offset 16 on). */
  fill_link_info?(link: bpf_link, info: DataView): void;
}

/** `struct bpf_link`. Its id and refcount are what link_idr and `kernel.objects()` see. */
export interface bpf_link extends KernelObject {
  /** `enum bpf_link_type`. */
  type: number;
  ops: bpf_link_ops;
  prog: bpf_prog;
  /** The attach type it was created with (kept by the link types that report it). */
  attach_type: number;
  kernel: Kernel;
  /** The file operations BPF_LINK_GET_FD_BY_ID and bpffs open it through. */
  fops: BpfObjFops;
}

/**
 * `bpf_link_init`: a link holding the caller's program reference, refcount 1, no id yet.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_link_init)
 */
export function bpf_link_init(kernel: Kernel, type: number, ops: bpf_link_ops, prog: bpf_prog, attach_type: number): bpf_link {
  return { id: 0, refcnt: 1, type, ops, prog, attach_type, kernel, fops: bpf_link_fops };
}

/** `bpf_link_inc`. */
export function bpf_link_inc(link: bpf_link): void {
  link.refcnt++;
}

/**
 * `bpf_link_put`: the last reference detaches (`->release`), frees the id, drops the program.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_link_put)
 */
export function bpf_link_put(link: bpf_link): void {
  if (--link.refcnt > 0) return;
  // bpf_link_free
  if (link.id) link.kernel.link_idr.idr_remove(link.id);
  link.id = 0;
  link.ops.release(link);
  bpf_prog_put(link.prog);
  link.ops.dealloc?.(link);
}

/**
 * `bpf_link_fops`: the file of a link fd; closing it drops the link reference.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_link_fops)
 */
export const bpf_link_fops: BpfObjFops = {
  name: 'bpf-link',
  bpf_type: 'link',
  release(file: BpfFile) {
    bpf_link_put(file.private_data as bpf_link);
  },
  any_get: (raw) => bpf_link_inc(raw as bpf_link),
  any_put: (raw) => bpf_link_put(raw as bpf_link),
  new_fd: (files, raw) => bpf_link_new_fd(files, raw as bpf_link),
};

/** `bpf_link_new_fd`: an anon-inode "bpf-link" file, O_RDWR | O_CLOEXEC. */
export function bpf_link_new_fd(files: FdTable, link: bpf_link): number {
  return files.fd_install({ f_op: bpf_link_fops, f_mode: open_fmode(O_RDWR), f_flags: O_RDWR | 0o2000000, private_data: link, f_count: 1 });
}

/**
 * `bpf_link_prime` + `bpf_link_settle` in one: allocate the id and install the fd. The kernel
 * splits them so a failed attach can be undone before the link is visible; callers here attach
 * first and call this last.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_link_settle)
 */
export function bpf_link_settle(files: FdTable, link: bpf_link): number {
  const id = link.kernel.link_idr.idr_alloc_cyclic(link, 1, 0x7fffffff);
  if (id < 0) return id;
  link.id = id;
  return bpf_link_new_fd(files, link);
}

/**
 * `bpf_link_get_from_fd`: the link behind `ufd` with a reference; -EBADF / -EINVAL.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_link_get_from_fd)
 */
export function bpf_link_get_from_fd(files: FdTable, ufd: number): bpf_link | number {
  const file = files.fdget(ufd);
  if (!file) return EBADF;
  if (file.f_op !== bpf_link_fops) return EINVAL;
  const link = file.private_data as bpf_link;
  bpf_link_inc(link);
  return link;
}


const LC = (p: string): number => attrField('BPF_LINK_CREATE', `link_create.${p}`).offset;
export const LINK_CREATE = {
  prog_fd: LC('prog_fd'),
  target_fd: LC('target_fd'),
  attach_type: LC('attach_type'),
  flags: LC('flags'),
  relative_fd: LC('cgroup.relative_fd'),
  expected_revision: LC('cgroup.expected_revision'),
};

// #region link_create
/**
 * `link_create`: take the program, check its attach type, hand it to the link type of the
 * program type. On failure the program reference is dropped.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (link_create)
 */
export function link_create(proc: Process, attr: Uint8Array, _uattr: bigint): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const attach_type = dv.getUint32(LINK_CREATE.attach_type, true);
  if (attach_type === AT.BPF_STRUCT_OPS) {
    // bpf_struct_ops_link_create: map_fd must be a struct_ops map, which the model has none of
    return proc.files.fdget(dv.getUint32(LINK_CREATE.prog_fd, true)) ? EINVAL : EBADF;
  }
  const prog = bpf_prog_get(proc.files, dv.getUint32(LINK_CREATE.prog_fd, true));
  if (typeof prog === 'number') return prog;
  let ret = bpf_prog_attach_check_attach_type(proc, prog, attach_type);
  if (!ret) {
    switch (prog.type) {
      case PT.BPF_PROG_TYPE_CGROUP_SKB:
      case PT.BPF_PROG_TYPE_CGROUP_SOCK:
      case PT.BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
      case PT.BPF_PROG_TYPE_SOCK_OPS:
      case PT.BPF_PROG_TYPE_CGROUP_DEVICE:
      case PT.BPF_PROG_TYPE_CGROUP_SYSCTL:
      case PT.BPF_PROG_TYPE_CGROUP_SOCKOPT:
        ret = cgroup_bpf_link_attach(proc, attr, prog);
        break;
      case PT.BPF_PROG_TYPE_XDP:
        ret = bpf_xdp_link_attach(proc, attr, prog);
        break;
      case PT.BPF_PROG_TYPE_PERF_EVENT:
      case PT.BPF_PROG_TYPE_TRACEPOINT:
      case PT.BPF_PROG_TYPE_KPROBE:
        // bpf_perf_link_attach: perf_event_get(target_fd) finds no perf event in the model
        ret = EBADF;
        break;
      case PT.BPF_PROG_TYPE_SK_SKB:
      case PT.BPF_PROG_TYPE_SK_MSG:
      case PT.BPF_PROG_TYPE_FLOW_DISSECTOR:
      case PT.BPF_PROG_TYPE_SK_LOOKUP: {
        // sock_map_link_create (bpf_map_get) / netns_bpf_link_create (get_net_ns_by_fd): the
        // target must be a sockmap or a netns, which the model has none of
        const file = proc.files.fdget(dv.getUint32(LINK_CREATE.target_fd, true));
        ret = file ? EINVAL : EBADF;
        break;
      }
      case PT.BPF_PROG_TYPE_NETFILTER: {
        // bpf_nf_link_attach: only NFPROTO_IPV4 (2) and NFPROTO_IPV6 (10); hooks are not modelled
        const pf = dv.getUint32(attrField('BPF_LINK_CREATE', 'link_create.netfilter.pf').offset, true);
        ret = pf === 2 || pf === 10 ? EINVAL : EAFNOSUPPORT;
        break;
      }
      default:
        // tracing/LSM need kernel BTF targets, the others targets the model does not have
        ret = EINVAL;
    }
  }
  if (ret < 0) bpf_prog_put(prog);
  return ret;
}
// #endregion link_create

const LU = (p: string): number => attrField('BPF_LINK_UPDATE', `link_update.${p}`).offset;

/**
 * `link_update`: swap the program of a link (optionally only if it still runs `old_prog_fd`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (link_update)
 */
export function link_update(proc: Process, attr: Uint8Array): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const flags = dv.getUint32(LU('flags'), true);
  if (flags & ~BPF_F_REPLACE) return EINVAL;
  const link = bpf_link_get_from_fd(proc.files, dv.getUint32(LU('link_fd'), true));
  if (typeof link === 'number') return link;
  let ret: number;
  const new_prog = bpf_prog_get(proc.files, dv.getUint32(LU('new_prog_fd'), true));
  if (typeof new_prog === 'number') {
    ret = new_prog;
  } else {
    let old_prog: bpf_prog | null = null;
    const old_fd = dv.getUint32(LU('old_prog_fd'), true);
    if (flags & BPF_F_REPLACE) {
      const o = bpf_prog_get(proc.files, old_fd);
      ret = typeof o === 'number' ? o : 0;
      if (typeof o !== 'number') old_prog = o;
    } else ret = old_fd ? EINVAL : 0;
    if (!ret) ret = link.ops.update_prog ? link.ops.update_prog(link, new_prog, old_prog) : EINVAL;
    if (old_prog) bpf_prog_put(old_prog);
    if (ret) bpf_prog_put(new_prog);
  }
  bpf_link_put(link);
  return ret;
}

/**
 * `link_detach`: BPF_LINK_DETACH, -EOPNOTSUPP for link types that cannot detach early.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (link_detach)
 */
export function link_detach(proc: Process, attr: Uint8Array): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const link = bpf_link_get_from_fd(proc.files, dv.getUint32(0, true));
  if (typeof link === 'number') return link;
  const ret = link.ops.detach ? link.ops.detach(link) : EOPNOTSUPP;
  bpf_link_put(link);
  return ret;
}

/** Swap the program a link runs (the update_prog helpers call it): the old one is put. */
export function bpf_link_swap_prog(link: bpf_link, new_prog: bpf_prog): void {
  const old = link.prog;
  link.prog = new_prog;
  bpf_prog_put(old);
}

const LI = uapiStruct('bpf_link_info');
/** `sizeof(struct bpf_link_info)`. */
export const BPF_LINK_INFO_SIZE = LI.size;

// #region bpf_link_get_info_by_fd
/**
 * `bpf_link_get_info_by_fd`: type, id, prog_id and the type's own fields; the usual copy-out
 * rules (tail zero, min(info_len, sizeof), info_len written back).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_link_get_info_by_fd)
 */
export function bpf_link_get_info_by_fd(proc: Process, link: bpf_link, attr: Uint8Array, uattr: bigint): number {
  // struct bpf_link_info has no tail padding: the tail check starts at sizeof.
  const c = info_copy_in(proc.mem, attr, BPF_LINK_INFO_SIZE, BPF_LINK_INFO_SIZE);
  if (typeof c === 'number') return c;
  const v = new DataView(c.info.buffer);
  v.setUint32(0, link.type, true);
  v.setUint32(4, link.id, true);
  v.setUint32(8, link.prog ? link.prog.aux.id : 0, true);
  link.ops.fill_link_info?.(link, v);
  return info_copy_out(proc.mem, uattr, c);
}
// #endregion bpf_link_get_info_by_fd

info_by_fd['bpf-link'] = (proc, obj, attr, uattr) => bpf_link_get_info_by_fd(proc, obj as bpf_link, attr, uattr);

export { bpf_prog_inc };
