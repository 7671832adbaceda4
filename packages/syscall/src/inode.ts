/**
 * The filesystem the model needs: a root with /tmp and /dev/null, and bpffs
 * mounts (one at /sys/fs/bpf) where BPF objects are pinned.
 * Mirrors kernel/bpf/inode.c at v6.18 (pin and get), and the path-walk rules of
 * fs/namei.c that decide the errnos (`user_path_create`, `user_path_at`):
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c
 * https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c
 *
 * A pinned object is an inode whose `i_private` is the object; the inode holds
 * one reference (`bpf_any_get`), dropped when the inode is unlinked
 * (`bpf_free_inode` -> `bpf_any_put`). That is why a pinned map outlives every
 * fd and process.
 *
 * Left out: symlinks, rename, permissions beyond root's (every process is uid 0),
 * bpffs mount options (delegation for tokens), seq_file dumps of pinned maps
 * with BTF (opening a pinned object gives -EIO, as for objects without BTF).
 * @module
 */
import type { BpfFile, BpfObjFops } from './fdtable.js';

const ENOENT = 2;
const EIO = 5;
const EPERM = 1;
const EEXIST = 17;
const ENOTDIR = 20;
const EISDIR = 21;
const EBUSY = 16;
const ENOTEMPTY = 39;
const ENAMETOOLONG = 36;
const EACCES = 13;

/** `NAME_MAX`: the longest path component. */
export const NAME_MAX = 255;
/** `PATH_MAX`: `getname` refuses a path whose length (with NUL) exceeds it. */
export const PATH_MAX = 4096;

/** A node of the model's VFS (an inode and its one dentry). */
export interface Inode {
  kind: 'dir' | 'reg' | 'chr' | 'bpf';
  /** `i_op == &bpf_dir_iops`: a directory of a bpffs (pins allowed, names with '.' refused). */
  bpffs: boolean;
  parent: Inode | null;
  name: string;
  children?: Map<string, Inode>;
  /** The root of a filesystem mounted on this directory. */
  mounted?: Inode;
  /** For the root of a mount: the directory it covers. */
  covers?: Inode;
  /** For a pinned object: its file operations (kind and reference functions) and the object. */
  obj?: { fops: BpfObjFops; raw: unknown };
}

function dir(parent: Inode | null, name: string, bpffs: boolean): Inode {
  return { kind: 'dir', bpffs, parent, name, children: new Map() };
}

/** What a lookup of the parent of the last component yields (`filename_parentat`). */
interface Parent {
  dir: Inode;
  last: string;
  /** LAST_NORM: an ordinary last component (not '.', '..' or the root). */
  norm: boolean;
  trailingSlash: boolean;
}

export class Vfs {
  readonly root: Inode = dir(null, '', false);

  constructor() {
    this.mkdirp('/tmp');
    this.mkdirp('/sys/fs/bpf');
    const dev = this.mkdirp('/dev');
    dev.children!.set('null', { kind: 'chr', bpffs: false, parent: dev, name: 'null' });
  }

  /** Create every missing directory of an absolute path (set-up only). */
  private mkdirp(path: string): Inode {
    let d = this.root;
    for (const c of path.split('/').filter(Boolean)) {
      d = this.follow(d);
      let n = d.children!.get(c);
      if (!n) {
        n = dir(d, c, d.bpffs);
        d.children!.set(c, n);
      }
      d = n;
    }
    return this.follow(d);
  }

  /** Mount a new, empty bpffs on `path` (created if missing). 0 or -errno. */
  mountBpffs(path: string): number {
    const d = this.mkdirp(path);
    if (d.kind !== 'dir') return -ENOTDIR;
    const root = dir(null, '', true);
    root.covers = d;
    d.mounted = root;
    return 0;
  }

  /** Cross into whatever is mounted on `d` (the topmost mount). */
  private follow(d: Inode): Inode {
    while (d.mounted) d = d.mounted;
    return d;
  }

  /** `..` of `d`, crossing back out of a mount. */
  private up(d: Inode): Inode {
    while (d.covers) d = d.covers;
    return d.parent ? this.follow(d.parent) : d;
  }

  /**
   * `lookup_one` in directory `d`: the child named `name`, null if absent, or -errno.
   * bpffs refuses any name with a dot (`bpf_lookup`: dots are reserved for
   * files bpffs itself creates, such as the preloaded iterators).
   * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c (bpf_lookup)
   */
  private lookup(d: Inode, name: string): Inode | null | number {
    if (name.length > NAME_MAX) return -ENAMETOOLONG;
    if (d.bpffs && name.includes('.')) return -EPERM;
    const c = d.children!.get(name);
    return c ? this.follow(c) : null;
  }

  /**
   * Walk all components but the last (`filename_parentat`).
   * @see https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c (filename_parentat)
   */
  private parentat(start: Inode, path: string): Parent | number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    let d = path.startsWith('/') ? this.follow(this.root) : this.follow(start);
    const comps = path.split('/').filter(Boolean);
    const trailingSlash = path.endsWith('/');
    if (comps.length === 0) return { dir: d, last: '/', norm: false, trailingSlash };
    for (let i = 0; i < comps.length - 1; i++) {
      const r = this.step(d, comps[i]!);
      if (typeof r === 'number') return r;
      d = r;
    }
    if (d.kind !== 'dir') return -ENOTDIR;
    const last = comps[comps.length - 1]!;
    return { dir: d, last, norm: last !== '.' && last !== '..', trailingSlash };
  }

  /**
   * One step of `link_path_walk`: `d` must be a directory.
   * @see https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c (link_path_walk)
   */
  private step(d: Inode, c: string): Inode | number {
    if (d.kind !== 'dir') return -ENOTDIR;
    if (c === '.') return d;
    if (c === '..') return this.up(d);
    const r = this.lookup(d, c);
    if (r === null) return -ENOENT;
    return r;
  }

  /**
   * `user_path_at(..., LOOKUP_FOLLOW)`: the inode `path` names, or -errno.
   * @see https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c (path_lookupat)
   */
  user_path_at(start: Inode, path: string): Inode | number {
    const p = this.parentat(start, path);
    if (typeof p === 'number') return p;
    if (p.last === '/') return p.dir;
    const r = this.step(p.dir, p.last);
    if (typeof r === 'number') return r;
    if (p.trailingSlash && r.kind !== 'dir') return -ENOTDIR;
    return r;
  }

  /**
   * `user_path_create`: the directory and name for a new entry, or -errno
   * (-EEXIST when it exists or is '.', '..' or '/').
   * @see https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c (filename_create)
   */
  user_path_create(start: Inode, path: string): { dir: Inode; name: string } | number {
    const p = this.parentat(start, path);
    if (typeof p === 'number') return p;
    if (!p.norm) return -EEXIST;
    const r = this.lookup(p.dir, p.last);
    if (typeof r === 'number') return r;
    if (r) return -EEXIST;
    if (p.trailingSlash) return -ENOENT;
    return { dir: p.dir, name: p.last };
  }

  /**
   * `bpf_obj_do_pin`'s VFS part: create an object inode for `raw` at `path`.
   * The caller took the reference the inode keeps. 0 or -errno (-EPERM outside bpffs).
   * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c (bpf_obj_do_pin)
   */
  bpf_obj_do_pin(start: Inode, path: string, fops: BpfObjFops, raw: unknown): number {
    const c = this.user_path_create(start, path);
    if (typeof c === 'number') return c;
    if (!c.dir.bpffs) return -EPERM;
    c.dir.children!.set(c.name, { kind: 'bpf', bpffs: false, parent: c.dir, name: c.name, obj: { fops, raw } });
    return 0;
  }

  /**
   * `bpf_obj_do_get`'s VFS part: the object pinned at `path`, or -errno
   * (-EACCES when the inode is not a BPF object, `bpf_inode_type`).
   * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c (bpf_obj_do_get)
   */
  bpf_obj_do_get(start: Inode, path: string): { fops: BpfObjFops; raw: unknown } | number {
    const r = this.user_path_at(start, path);
    if (typeof r === 'number') return r;
    if (r.kind !== 'bpf' || !r.obj) return -EACCES;
    return r.obj;
  }

  /**
   * unlink(2): remove a non-directory; an object inode drops its reference
   * (`bpf_free_inode` -> `bpf_any_put`).
   * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c (bpf_free_inode)
   */
  unlink(start: Inode, path: string): number {
    const p = this.parentat(start, path);
    if (typeof p === 'number') return p;
    if (!p.norm) return -EISDIR;
    const r = this.lookup(p.dir, p.last);
    if (typeof r === 'number') return r;
    if (!r) return -ENOENT;
    if (r.kind === 'dir') return -EISDIR;
    if (p.trailingSlash) return -ENOTDIR;
    p.dir.children!.delete(p.last);
    if (r.obj) r.obj.fops.any_put(r.obj.raw);
    return 0;
  }

  /** mkdir(2) (bpffs supports directories: `bpf_mkdir`). 0 or -errno. */
  mkdir(start: Inode, path: string): number {
    const c = this.user_path_create(start, path.replace(/\/+$/, '') || path);
    if (typeof c === 'number') return c;
    c.dir.children!.set(c.name, dir(c.dir, c.name, c.dir.bpffs));
    return 0;
  }

  /** rmdir(2). 0 or -errno (-ENOTEMPTY, -EBUSY on a mount point). */
  rmdir(start: Inode, path: string): number {
    const p = this.parentat(start, path);
    if (typeof p === 'number') return p;
    if (p.last === '/' || p.last === '..') return -ENOTEMPTY;
    if (p.last === '.') return -22; // EINVAL
    const raw = p.dir.children!.get(p.last);
    if (p.dir.bpffs && p.last.includes('.')) return -EPERM;
    if (!raw) return -ENOENT;
    if (raw.mounted) return -EBUSY;
    if (raw.kind !== 'dir') return -ENOTDIR;
    if (raw.children!.size) return -ENOTEMPTY;
    p.dir.children!.delete(p.last);
    return 0;
  }

  /**
   * open(2) of a path as a plain file: directories and devices open; a pinned
   * object refuses (`bpffs_obj_open` returns -EIO; objects are opened with BPF_OBJ_GET).
   */
  open(start: Inode, path: string): BpfFile | number {
    const r = this.user_path_at(start, path);
    if (typeof r === 'number') return r;
    if (r.kind === 'bpf') return -EIO;
    return { f_op: { name: r.kind === 'dir' ? 'dir' : 'regular' }, f_mode: 0x1, f_flags: 0, private_data: r, f_count: 1 };
  }

  /** The names in a directory (for tests and the docs). */
  readdir(start: Inode, path: string): string[] | number {
    const r = this.user_path_at(start, path);
    if (typeof r === 'number') return r;
    if (r.kind !== 'dir') return -ENOTDIR;
    return [...r.children!.keys()].sort();
  }
}
