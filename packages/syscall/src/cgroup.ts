/**
 * cgroup BPF: programs and links attached to a cgroup v2 directory, the per-attach-type lists
 * with their NONE / BPF_F_ALLOW_OVERRIDE / BPF_F_ALLOW_MULTI modes, the effective arrays every
 * descendant inherits, BPF_PROG_ATTACH / DETACH / QUERY on cgroups, cgroup links, and running
 * the effective programs on a packet (`__cgroup_bpf_run_filter_skb`).
 * Mirrors kernel/bpf/cgroup.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c
 *
 * The model's cgroup v2 hierarchy is the directory tree under /sys/fs/cgroup (created by
 * {@link cgroup_mount}): every directory there is a cgroup, its parent directory its parent.
 * Processes start in the root cgroup; {@link cgroup_attach_task} moves one.
 *
 * Modelled: attach/replace/detach rules and errnos, BPF_F_BEFORE/AFTER/ID/PREORDER placement,
 * revisions (-ESTALE), effective arrays, query (-ENOSPC, effective, attach flags), link
 * create/update/detach/release. Left out: BPF_LSM_CGROUP (needs BTF), cgroup storage maps,
 * removing a cgroup that still has programs (rmdir in the model does not release them; detach
 * first).
 * @module
 */
import type { bpf_prog } from '@bpf-internals/core';
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
  attrField,
  bpf_link_type,
} from '@bpf-internals/uapi';
import type { Inode } from './inode.js';
import type { Kernel } from './kernel.js';
import {
  bpf_link_get_from_fd,
  bpf_link_init,
  bpf_link_put,
  bpf_link_settle,
  LINK_CREATE,
  type bpf_link,
  type bpf_link_ops,
} from './link.js';
import type { Process } from './process.js';
import { bpf_prog_get, bpf_prog_put } from './prog.js';
import { attach_type_to_prog_type, is_cgroup_prog_type } from './attach_types.js';

const EPERM = -1;
const ENOENT = -2;
const E2BIG = -7;
const EBADF = -9;
const EFAULT = -14;
const EINVAL = -22;
const ENOSPC = -28;
const ENOLINK = -67;
const ESTALE = -116;

/** `BPF_CGROUP_MAX_PROGS`. */
export const BPF_CGROUP_MAX_PROGS = 64;

/** `struct bpf_prog_list`: one attachment (a program, or a link) in a cgroup's list. */
export interface bpf_prog_list {
  prog: bpf_prog | null;
  link: bpf_cgroup_link | null;
  flags: number;
}

/** `struct cgroup` with its `struct cgroup_bpf`, keyed by attach type (the kernel's atype). */
export interface cgroup {
  kn: Inode;
  parent: cgroup | null;
  children: Set<cgroup>;
  /** `cgroup_id()`: the kernfs node id (a counter in the model, 1 for the root). */
  id: bigint;
  progs: Map<number, bpf_prog_list[]>;
  flags: Map<number, number>;
  /** Bumped by every attach/detach/replace; a new cgroup starts at 1 (the live 6.18 kernel). */
  revisions: Map<number, number>;
  effective: Map<number, bpf_prog[]>;
}

/** `struct bpf_cgroup_link`. */
export interface bpf_cgroup_link extends bpf_link {
  cgroup: cgroup | null;
}

interface CgroupFs {
  root: cgroup;
  byInode: WeakMap<Inode, cgroup>;
  nextId: bigint;
  /** The cgroup of each process (`task_dfl_cgroup`). */
  tasks: WeakMap<Process, cgroup>;
}
const fss = new WeakMap<Kernel, CgroupFs>();

function newCgroup(fs: CgroupFs | null, kn: Inode, parent: cgroup | null, id: bigint): cgroup {
  const c: cgroup = { kn, parent, children: new Set(), id, progs: new Map(), flags: new Map(), revisions: new Map(), effective: new Map() };
  parent?.children.add(c);
  fs?.byInode.set(kn, c);
  return c;
}

/**
 * Mount the cgroup v2 hierarchy at /sys/fs/cgroup (created if missing). Idempotent; returns the
 * root cgroup.
 */
export function cgroup_mount(kernel: Kernel): cgroup {
  let fs = fss.get(kernel);
  if (fs) return fs.root;
  kernel.vfs.mkdir(kernel.vfs.root, '/sys/fs/cgroup');
  const kn = kernel.vfs.user_path_at(kernel.vfs.root, '/sys/fs/cgroup');
  if (typeof kn === 'number') throw new Error(`cgroup_mount: /sys/fs/cgroup: ${kn}`);
  const root = newCgroup(null, kn, null, 1n);
  fs = { root, byInode: new WeakMap([[kn, root]]), nextId: 2n, tasks: new WeakMap() };
  fss.set(kernel, fs);
  return root;
}

/** The cgroup a directory inode is, creating its `struct cgroup` on first use (`cgroup_mkdir`). */
function cgroup_of_inode(kernel: Kernel, kn: Inode): cgroup | null {
  const fs = fss.get(kernel);
  if (!fs || kn.kind !== 'dir') return null;
  const known = fs.byInode.get(kn);
  if (known) return known;
  if (!kn.parent) return null;
  const parent = cgroup_of_inode(kernel, kn.parent);
  if (!parent) return null;
  const c = newCgroup(fs, kn, parent, fs.nextId++);
  cgroup_bpf_inherit(c);
  return c;
}

/** The cgroup at `path` (for hooks, tests and the docs), or null. */
export function cgroup_by_path(kernel: Kernel, path: string): cgroup | null {
  cgroup_mount(kernel);
  const kn = kernel.vfs.user_path_at(kernel.vfs.root, path);
  return typeof kn === 'number' ? null : cgroup_of_inode(kernel, kn);
}

/** Move a process into the cgroup at `path` (writing its pid to cgroup.procs). 0 or -errno. */
export function cgroup_attach_task(proc: Process, path: string): number {
  const c = cgroup_by_path(proc.kernel, path);
  if (!c) return ENOENT;
  fss.get(proc.kernel)!.tasks.set(proc, c);
  return 0;
}

/** `task_dfl_cgroup(current)`: the process's cgroup (the root unless moved). */
export function task_dfl_cgroup(proc: Process): cgroup {
  const root = cgroup_mount(proc.kernel);
  return fss.get(proc.kernel)!.tasks.get(proc) ?? root;
}

/**
 * `cgroup_get_from_fd`: the cgroup behind a directory fd of the cgroup v2 hierarchy; -EBADF
 * for anything else (no fd, not a cgroup directory).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/cgroup/cgroup.c (cgroup_get_from_fd)
 */
export function cgroup_get_from_fd(proc: Process, fd: number): cgroup | number {
  const file = proc.files.fdget(fd);
  if (!file || file.f_op.name !== 'dir') return EBADF;
  cgroup_mount(proc.kernel);
  return cgroup_of_inode(proc.kernel, file.private_data as Inode) ?? EBADF;
}

/** `prog_list_prog`: the program of an entry (its own, or its link's). */
function prog_list_prog(pl: bpf_prog_list): bpf_prog | null {
  return pl.prog ?? pl.link?.prog ?? null;
}

const list = (c: cgroup, atype: number): bpf_prog_list[] => {
  let l = c.progs.get(atype);
  if (!l) c.progs.set(atype, (l = []));
  return l;
};
const flagsOf = (c: cgroup, atype: number): number => c.flags.get(atype) ?? 0;

/** `prog_list_length`. */
function prog_list_length(progs: bpf_prog_list[], preorder?: { cnt: number }): number {
  let cnt = 0;
  for (const pl of progs) {
    if (!prog_list_prog(pl)) continue;
    if (preorder && pl.flags & BPF_F_PREORDER) preorder.cnt++;
    cnt++;
  }
  return cnt;
}

/**
 * `hierarchy_allows_attach`: a non-overridable program in an ancestor forbids attaching below it.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (hierarchy_allows_attach)
 */
function hierarchy_allows_attach(cgrp: cgroup, atype: number): boolean {
  for (let p = cgrp.parent; p; p = p.parent) {
    const flags = flagsOf(p, atype);
    if (flags & BPF_F_ALLOW_MULTI) return true;
    const cnt = prog_list_length(list(p, atype));
    if (cnt === 1) return !!(flags & BPF_F_ALLOW_OVERRIDE);
  }
  return true;
}

// #region compute_effective_progs
/**
 * `compute_effective_progs`: this cgroup's programs, then each ancestor's as long as the
 * ancestors allow multi (an overridable parent program yields to the child's); BPF_F_PREORDER
 * programs run before the others, ancestors' first.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (compute_effective_progs)
 */
function compute_effective_progs(cgrp: cgroup, atype: number): bpf_prog[] {
  let cnt = 0;
  const preorder = { cnt: 0 };
  for (let p: cgroup | null = cgrp; p; p = p.parent) {
    if (cnt === 0 || flagsOf(p, atype) & BPF_F_ALLOW_MULTI) cnt += prog_list_length(list(p, atype), preorder);
  }
  const items: bpf_prog[] = new Array(cnt);
  cnt = 0;
  let fstart = preorder.cnt;
  let bstart = preorder.cnt - 1;
  for (let p: cgroup | null = cgrp; p; p = p.parent) {
    if (cnt > 0 && !(flagsOf(p, atype) & BPF_F_ALLOW_MULTI)) continue;
    const init_bstart = bstart;
    for (const pl of list(p, atype)) {
      const prog = prog_list_prog(pl);
      if (!prog) continue;
      if (pl.flags & BPF_F_PREORDER) items[bstart--] = prog;
      else items[fstart++] = prog;
      cnt++;
    }
    // reverse the pre-ordering programs of this level
    for (let i = bstart + 1, j = init_bstart; i < j; i++, j--) [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
// #endregion compute_effective_progs

/** `cgroup_bpf_inherit`: a new cgroup starts with its parent's effective programs. */
function cgroup_bpf_inherit(cgrp: cgroup): void {
  const atypes = new Set<number>();
  for (let p = cgrp.parent; p; p = p.parent) for (const a of p.progs.keys()) atypes.add(a);
  for (const a of atypes) cgrp.effective.set(a, compute_effective_progs(cgrp, a));
}

/**
 * `update_effective_progs`: recompute the effective arrays of the cgroup and every descendant.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (update_effective_progs)
 */
function update_effective_progs(cgrp: cgroup, atype: number): void {
  const walk = (c: cgroup): void => {
    c.effective.set(atype, compute_effective_progs(c, atype));
    for (const d of c.children) walk(d);
  };
  walk(cgrp);
}

/**
 * `to_cgroup_bpf_attach_type`: -EINVAL for attach types that are not cgroup hooks; the hooks are
 * the attach types of the cgroup program types (`is_cgroup_prog_type`, BPF_LSM_CGROUP included:
 * with no program attached it finds a free LSM slot, so a detach there is -ENOENT as on 6.18).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (to_cgroup_bpf_attach_type)
 */
function to_cgroup_bpf_attach_type(type: number): number {
  return is_cgroup_prog_type(attach_type_to_prog_type(type), type, true) ? type : EINVAL;
}

/**
 * `find_attach_entry`: the entry to replace, or none (a new one); the same program or link twice
 * is -EINVAL in multi mode, a BPF_F_REPLACE target that is not attached -ENOENT.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (find_attach_entry)
 */
function find_attach_entry(
  progs: bpf_prog_list[],
  prog: bpf_prog | null,
  link: bpf_cgroup_link | null,
  replace_prog: bpf_prog | null,
  allow_multi: boolean,
): bpf_prog_list | null | number {
  if (!allow_multi) return progs.length ? progs[0]! : null;
  for (const pl of progs) {
    if (prog && pl.prog === prog && prog !== replace_prog) return EINVAL;
    if (link && pl.link === link) return EINVAL;
  }
  if (replace_prog) {
    for (const pl of progs) if (pl.prog === replace_prog) return pl;
    return ENOENT;
  }
  return null;
}

/** Resolves BPF_F_BEFORE/AFTER anchors (a program or link by fd, or by id with BPF_F_ID). */
interface Anchors {
  prog(flags: number, id_or_fd: number): bpf_prog | number;
  link(flags: number, id_or_fd: number): bpf_link | number;
  put(o: bpf_prog | bpf_link): void;
}

/**
 * `get_prog_list` / `insert_pl_to_hlist`: where a new entry goes (before/after an anchor, or at
 * the head/tail).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (get_prog_list)
 */
function insert_pl_to_hlist(
  pl: bpf_prog_list,
  progs: bpf_prog_list[],
  prog: bpf_prog | null,
  link: bpf_cgroup_link | null,
  flags: number,
  id_or_fd: number,
  anchors: Anchors,
): number {
  const is_link = !!(flags & BPF_F_LINK);
  const is_id = !!(flags & BPF_F_ID);
  const preorder = !!(flags & BPF_F_PREORDER);
  const is_before = !!(flags & BPF_F_BEFORE);
  const is_after = !!(flags & BPF_F_AFTER);
  if (is_link || is_id || id_or_fd) {
    if (is_before === is_after) return EINVAL;
    if ((is_link && !link) || (!is_link && !prog)) return EINVAL;
  } else if (progs.length && is_before && is_after) return EINVAL;

  let anchor: bpf_prog | bpf_link | null = null;
  if (is_link) {
    const a = anchors.link(flags, id_or_fd);
    if (typeof a === 'number') return a;
    anchor = a;
  } else if (is_id || id_or_fd) {
    const a = anchors.prog(flags, id_or_fd);
    if (typeof a === 'number') return a;
    anchor = a;
  }
  if (!anchor) {
    // prepend with BPF_F_BEFORE, else append
    if (is_before) progs.unshift(pl);
    else progs.push(pl);
    return 0;
  }
  let at = -1;
  let err = ENOENT;
  for (let i = 0; i < progs.length; i++) {
    const t = progs[i]!;
    if ((is_link && t.link === anchor) || (!is_link && t.prog === anchor)) {
      if (!!(t.flags & BPF_F_PREORDER) !== preorder) err = EINVAL;
      else at = i;
      break;
    }
  }
  anchors.put(anchor);
  if (at < 0) return err;
  progs.splice(is_before ? at : at + 1, 0, pl);
  return 0;
}

// #region __cgroup_bpf_attach
/**
 * `__cgroup_bpf_attach`: attach a program or a link with the cgroup's mode for this attach type.
 * A cgroup's mode is set by its first attachment and cannot change while programs are attached
 * (-EPERM); a non-overridable ancestor forbids attaching at all (-EPERM).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (__cgroup_bpf_attach)
 */
export function __cgroup_bpf_attach(
  cgrp: cgroup,
  prog: bpf_prog | null,
  replace_prog: bpf_prog | null,
  link: bpf_cgroup_link | null,
  type: number,
  flags: number,
  id_or_fd: number,
  revision: bigint,
  anchors: Anchors,
): number {
  const saved_flags = flags & (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI);
  if ((flags & BPF_F_ALLOW_OVERRIDE && flags & BPF_F_ALLOW_MULTI) || (flags & BPF_F_REPLACE && !(flags & BPF_F_ALLOW_MULTI))) return EINVAL;
  if (flags & BPF_F_REPLACE && flags & (BPF_F_BEFORE | BPF_F_AFTER)) return EINVAL;
  if (link && (prog || replace_prog)) return EINVAL;
  if (!!replace_prog !== !!(flags & BPF_F_REPLACE)) return EINVAL;

  const atype = to_cgroup_bpf_attach_type(type);
  if (atype < 0) return EINVAL;
  if (revision && revision !== BigInt(cgrp.revisions.get(atype) ?? 1)) return ESTALE;
  const progs = list(cgrp, atype);
  if (!hierarchy_allows_attach(cgrp, atype)) return EPERM;
  // no non-overridable on top of overridable, no multi on top of overridable or none
  if (progs.length && flagsOf(cgrp, atype) !== saved_flags) return EPERM;
  if (prog_list_length(progs) >= BPF_CGROUP_MAX_PROGS) return E2BIG;

  const found = find_attach_entry(progs, prog, link, replace_prog, !!(flags & BPF_F_ALLOW_MULTI));
  if (typeof found === 'number') return found;
  let old_prog: bpf_prog | null = null;
  let pl = found;
  if (pl) {
    old_prog = pl.prog;
  } else {
    pl = { prog, link, flags };
    const err = insert_pl_to_hlist(pl, progs, prog, link, flags, id_or_fd, anchors);
    if (err) return err;
  }
  pl.prog = prog;
  pl.link = link;
  pl.flags = flags;
  cgrp.flags.set(atype, saved_flags);
  update_effective_progs(cgrp, atype);
  cgrp.revisions.set(atype, (cgrp.revisions.get(atype) ?? 1) + 1);
  if (old_prog) bpf_prog_put(old_prog);
  return 0;
}
// #endregion __cgroup_bpf_attach

/**
 * `find_detach_entry`: in NONE/OVERRIDE mode the single entry (even without a program fd, for
 * compatibility); in MULTI mode the entry of this program or link.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (find_detach_entry)
 */
function find_detach_entry(progs: bpf_prog_list[], prog: bpf_prog | null, link: bpf_cgroup_link | null, allow_multi: boolean): bpf_prog_list | number {
  if (!allow_multi) return progs.length ? progs[0]! : ENOENT;
  if (!prog && !link) return EINVAL;
  for (const pl of progs) if (pl.prog === prog && pl.link === link) return pl;
  return ENOENT;
}

/**
 * `__cgroup_bpf_detach`: remove an attachment, recompute, and reset the mode when the list
 * becomes empty.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (__cgroup_bpf_detach)
 */
export function __cgroup_bpf_detach(cgrp: cgroup, prog: bpf_prog | null, link: bpf_cgroup_link | null, type: number, revision: bigint): number {
  const atype = to_cgroup_bpf_attach_type(type);
  if (atype < 0) return EINVAL;
  if (revision && revision !== BigInt(cgrp.revisions.get(atype) ?? 1)) return ESTALE;
  const progs = list(cgrp, atype);
  if (prog && link) return EINVAL;
  const pl = find_detach_entry(progs, prog, link, !!(flagsOf(cgrp, atype) & BPF_F_ALLOW_MULTI));
  if (typeof pl === 'number') return pl;
  const old_prog = pl.prog;
  pl.prog = null;
  pl.link = null;
  update_effective_progs(cgrp, atype);
  progs.splice(progs.indexOf(pl), 1);
  cgrp.revisions.set(atype, (cgrp.revisions.get(atype) ?? 1) + 1);
  if (!progs.length) cgrp.flags.set(atype, 0);
  if (old_prog) bpf_prog_put(old_prog);
  return 0;
}

const A = {
  target_fd: attrField('BPF_PROG_ATTACH', 'target_fd').offset,
  attach_bpf_fd: attrField('BPF_PROG_ATTACH', 'attach_bpf_fd').offset,
  attach_type: attrField('BPF_PROG_ATTACH', 'attach_type').offset,
  attach_flags: attrField('BPF_PROG_ATTACH', 'attach_flags').offset,
  replace_bpf_fd: attrField('BPF_PROG_ATTACH', 'replace_bpf_fd').offset,
  relative_fd: attrField('BPF_PROG_ATTACH', 'relative_fd').offset,
  expected_revision: attrField('BPF_PROG_ATTACH', 'expected_revision').offset,
};

function anchorsOf(proc: Process): Anchors {
  return {
    prog(flags, id_or_fd) {
      if (flags & BPF_F_ID) {
        // bpf_prog_by_id
        const e = proc.kernel.prog_idr.idr_find(id_or_fd) as { prog?: bpf_prog } | undefined;
        if (!id_or_fd || !e?.prog) return ENOENT;
        e.prog.inc();
        return e.prog;
      }
      if (!id_or_fd) return EINVAL;
      return bpf_prog_get(proc.files, id_or_fd);
    },
    link(flags, id_or_fd) {
      if (flags & BPF_F_ID) {
        const l = proc.kernel.link_idr.idr_find(id_or_fd) as bpf_link | undefined;
        if (!id_or_fd || !l) return ENOENT;
        l.refcnt++;
        return l;
      }
      if (!id_or_fd) return EINVAL;
      return bpf_link_get_from_fd(proc.files, id_or_fd);
    },
    put(o) {
      if ('aux' in o) bpf_prog_put(o);
      else bpf_link_put(o);
    },
  };
}

/**
 * `cgroup_bpf_prog_attach`: BPF_PROG_ATTACH to a cgroup (the program reference moves into the
 * cgroup on success).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (cgroup_bpf_prog_attach)
 */
export function cgroup_bpf_prog_attach(proc: Process, attr: Uint8Array, ptype: number, prog: bpf_prog): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const cgrp = cgroup_get_from_fd(proc, dv.getUint32(A.target_fd, true));
  if (typeof cgrp === 'number') return cgrp;
  const flags = dv.getUint32(A.attach_flags, true);
  let replace_prog: bpf_prog | null = null;
  if (flags & BPF_F_ALLOW_MULTI && flags & BPF_F_REPLACE) {
    const r = bpf_prog_get(proc.files, dv.getUint32(A.replace_bpf_fd, true), ptype);
    if (typeof r === 'number') return r;
    replace_prog = r;
  }
  const ret = __cgroup_bpf_attach(
    cgrp,
    prog,
    replace_prog,
    null,
    dv.getUint32(A.attach_type, true),
    flags,
    dv.getUint32(A.relative_fd, true),
    dv.getBigUint64(A.expected_revision, true),
    anchorsOf(proc),
  );
  if (replace_prog) bpf_prog_put(replace_prog);
  return ret;
}

/**
 * `cgroup_bpf_prog_detach`: BPF_PROG_DETACH from a cgroup (an fd that is not a program of the
 * type counts as no program).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (cgroup_bpf_prog_detach)
 */
export function cgroup_bpf_prog_detach(proc: Process, attr: Uint8Array, ptype: number): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const cgrp = cgroup_get_from_fd(proc, dv.getUint32(A.target_fd, true));
  if (typeof cgrp === 'number') return cgrp;
  const p = bpf_prog_get(proc.files, dv.getUint32(A.attach_bpf_fd, true), ptype);
  const prog = typeof p === 'number' ? null : p;
  const ret = __cgroup_bpf_detach(cgrp, prog, null, dv.getUint32(A.attach_type, true), dv.getBigUint64(A.expected_revision, true));
  if (prog) bpf_prog_put(prog);
  return ret;
}

const Q = (p: string): number => attrField('BPF_PROG_QUERY', `query.${p}`).offset;
const QO = {
  target_fd: Q('target_fd'),
  attach_type: Q('attach_type'),
  query_flags: Q('query_flags'),
  attach_flags: Q('attach_flags'),
  prog_ids: Q('prog_ids'),
  prog_cnt: Q('prog_cnt'),
  prog_attach_flags: Q('prog_attach_flags'),
  revision: Q('revision'),
};

// #region __cgroup_bpf_query
/**
 * `__cgroup_bpf_query`: attach flags, count and revision always; ids (and per-program flags)
 * when user space passed room, -ENOSPC when it was not enough; the effective array with
 * BPF_F_QUERY_EFFECTIVE.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (__cgroup_bpf_query)
 */
export function cgroup_bpf_prog_query(proc: Process, attr: Uint8Array, uattr: bigint, uattr_size: number): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const cgrp = cgroup_get_from_fd(proc, dv.getUint32(QO.target_fd, true));
  if (typeof cgrp === 'number') return cgrp;
  const mem = proc.mem;
  const prog_attach_flags = dv.getBigUint64(QO.prog_attach_flags, true);
  const effective_query = !!(dv.getUint32(QO.query_flags, true) & BPF_F_QUERY_EFFECTIVE);
  const prog_ids = dv.getBigUint64(QO.prog_ids, true);
  const type = dv.getUint32(QO.attach_type, true);
  if (effective_query && prog_attach_flags) return EINVAL;
  const atype = to_cgroup_bpf_attach_type(type);
  if (atype < 0) return EINVAL; // BPF_LSM_CGROUP is not modelled
  let flags = flagsOf(cgrp, atype);
  const progs = list(cgrp, atype);
  const effective = cgrp.effective.get(atype) ?? [];
  let total_cnt = effective_query ? effective.length : prog_list_length(progs);
  flags = effective_query ? 0 : flags;
  const put32 = (o: bigint, v: number): boolean => mem.put_user_u32(o, v) === 0;
  if (!put32(uattr + BigInt(QO.attach_flags), flags)) return EFAULT;
  if (!put32(uattr + BigInt(QO.prog_cnt), total_cnt)) return EFAULT;
  const revision = effective_query ? 0n : BigInt(cgrp.revisions.get(atype) ?? 1);
  if (uattr_size >= QO.revision + 8) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, revision, true);
    if (mem.copy_to_user(uattr + BigInt(QO.revision), b) !== 0) return EFAULT;
  }
  const cnt_in = dv.getUint32(QO.prog_cnt, true);
  if (cnt_in === 0 || !prog_ids || !total_cnt) return 0;
  let ret = 0;
  if (cnt_in < total_cnt) {
    total_cnt = cnt_in;
    ret = ENOSPC;
  }
  const ids = effective_query ? effective.map((p) => p.aux.id) : progs.filter((pl) => prog_list_prog(pl)).map((pl) => prog_list_prog(pl)!.aux.id);
  const cnt = Math.min(ids.length, total_cnt);
  for (let i = 0; i < cnt; i++) if (!put32(prog_ids + BigInt(i * 4), ids[i]!)) return EFAULT;
  if (!effective_query && prog_attach_flags) {
    for (let i = 0; i < cnt; i++) if (!put32(prog_attach_flags + BigInt(i * 4), flagsOf(cgrp, atype))) return EFAULT;
  }
  return ret;
}
// #endregion __cgroup_bpf_query

// ---- cgroup links ------------------------------------------------------------------------------

/**
 * `bpf_cgroup_link_lops`: release detaches (once), detach is release, update_prog replaces the
 * program in place (`cgroup_bpf_replace`), info reports the cgroup id and attach type.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (bpf_cgroup_link_lops)
 */
const bpf_cgroup_link_lops: bpf_link_ops = {
  release(link) {
    const cg = link as bpf_cgroup_link;
    if (!cg.cgroup) return; // already detached
    __cgroup_bpf_detach(cg.cgroup, null, cg, cg.attach_type, 0n);
    cg.cgroup = null;
  },
  detach(link) {
    bpf_cgroup_link_lops.release(link);
    return 0;
  },
  update_prog(link, new_prog, old_prog) {
    const cg = link as bpf_cgroup_link;
    if (!cg.cgroup) return ENOLINK;
    if (old_prog && link.prog !== old_prog) return EPERM;
    // __cgroup_bpf_replace
    const atype = to_cgroup_bpf_attach_type(cg.attach_type);
    if (atype < 0) return EINVAL;
    if (link.prog.type !== new_prog.type) return EINVAL;
    if (!list(cg.cgroup, atype).some((pl) => pl.link === cg)) return ENOENT;
    cg.cgroup.revisions.set(atype, (cg.cgroup.revisions.get(atype) ?? 1) + 1);
    const old = link.prog;
    link.prog = new_prog;
    update_effective_progs(cg.cgroup, atype); // replace_effective_prog: the same slots
    bpf_prog_put(old);
    return 0;
  },
  fill_link_info(link, info) {
    const cg = link as bpf_cgroup_link;
    info.setBigUint64(16, cg.cgroup ? cg.cgroup.id : 0n, true);
    info.setUint32(24, cg.attach_type, true);
  },
};

/** `BPF_F_LINK_ATTACH_MASK`. */
const BPF_F_LINK_ATTACH_MASK = BPF_F_ID | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_PREORDER | BPF_F_LINK;

// #region cgroup_bpf_link_attach
/**
 * `cgroup_bpf_link_attach`: a cgroup link is always a multi attachment; the link holds the
 * program for as long as it lives.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (cgroup_bpf_link_attach)
 */
export function cgroup_bpf_link_attach(proc: Process, attr: Uint8Array, prog: bpf_prog): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const flags = dv.getUint32(LINK_CREATE.flags, true);
  if (flags & ~BPF_F_LINK_ATTACH_MASK) return EINVAL;
  const cgrp = cgroup_get_from_fd(proc, dv.getUint32(LINK_CREATE.target_fd, true));
  if (typeof cgrp === 'number') return cgrp;
  const type = dv.getUint32(LINK_CREATE.attach_type, true);
  const link = bpf_link_init(proc.kernel, bpf_link_type.BPF_LINK_TYPE_CGROUP, bpf_cgroup_link_lops, prog, type) as bpf_cgroup_link;
  link.cgroup = cgrp;
  const err = __cgroup_bpf_attach(
    cgrp,
    null,
    null,
    link,
    type,
    BPF_F_ALLOW_MULTI | flags,
    dv.getUint32(LINK_CREATE.relative_fd, true),
    dv.getBigUint64(LINK_CREATE.expected_revision, true),
    anchorsOf(proc),
  );
  if (err) return err; // bpf_link_cleanup: the caller drops the program reference
  return bpf_link_settle(proc.files, link);
}
// #endregion cgroup_bpf_link_attach


// ---- running the effective programs ------------------------------------------------------------

/**
 * `bpf_prog_run_array_cg` for skb hooks: run every effective program of `atype` in order;
 * the packet passes only if each returns an odd value (bit 0 = allow).
 * `run` runs one program on the packet's context and returns its u32 r0.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/cgroup.c (__cgroup_bpf_run_filter_skb)
 */
export function __cgroup_bpf_run_filter_skb(cgrp: cgroup, atype: number, run: (prog: bpf_prog) => number): number {
  const progs = cgrp.effective.get(atype) ?? [];
  let allow = true;
  for (const p of progs) if (!(run(p) & 1)) allow = false;
  return allow ? 0 : EPERM;
}

