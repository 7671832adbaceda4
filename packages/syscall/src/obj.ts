/**
 * Pinning: `bpf_obj_pin_user` and `bpf_obj_get_user`, the kernel/bpf/inode.c
 * halves of BPF_OBJ_PIN and BPF_OBJ_GET.
 * Mirrors kernel/bpf/inode.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c
 *
 * A pin is a bpffs inode holding a reference to a map, program or link; BPF_OBJ_GET
 * turns it back into a new fd with its own reference (and, for maps, its own
 * access mode from BPF_F_RDONLY / BPF_F_WRONLY).
 * @module
 */
import { isBpfObjFile, O_RDWR } from './fdtable.js';
import type { Inode } from './inode.js';
import { PATH_MAX } from './inode.js';
import { bpf_get_file_flag } from './map_cmds.js';
import type { Process } from './process.js';
import { strndup_user } from './usermem.js';

const EBADF = -9;
const EINVAL = -22;
const ENOTDIR = -20;
const AT_FDCWD = -100;

/**
 * The directory a path starts from (`path_init`): an absolute path ignores
 * `path_fd` altogether; a relative one starts at `path_fd` (a directory fd) or,
 * for AT_FDCWD, at the process's working directory.
 * @see https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c (path_init)
 */
function startDir(proc: Process, path_fd: number, name: string): Inode | number {
  if (name.startsWith('/') || path_fd === AT_FDCWD) return proc.cwd;
  const file = proc.files.fdget(path_fd);
  if (!file) return EBADF;
  if (file.f_op.name !== 'dir') return ENOTDIR;
  return file.private_data as Inode;
}

/**
 * `getname`: the pathname from user memory, or -EFAULT / -ENAMETOOLONG.
 * @see https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c (getname)
 */
function getname(proc: Process, pathname: bigint): string | number {
  return strndup_user(proc.mem, pathname, PATH_MAX);
}

/**
 * `bpf_fd_probe_obj` + `bpf_obj_do_pin`: pin the map, program or link behind
 * `ufd` at `pathname`. -EINVAL for an fd that is none of them.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c (bpf_obj_pin_user)
 */
// #region bpf_obj_pin_user
export function bpf_obj_pin_user(proc: Process, ufd: number, path_fd: number, pathname: bigint): number {
  // bpf_fd_probe_obj: map, then program, then link; anything else is -EINVAL.
  const file = proc.files.fdget(ufd);
  if (!file || !isBpfObjFile(file)) return EINVAL;
  const { f_op: fops, private_data: raw } = file;
  fops.any_get(raw);

  const name = getname(proc, pathname);
  let ret: number;
  if (typeof name === 'number') ret = name;
  else {
    // An empty name is -ENOENT before any directory is looked at (getname).
    const start = name === '' ? -2 : startDir(proc, path_fd, name);
    ret = typeof start === 'number' ? start : proc.kernel.vfs.bpf_obj_do_pin(start, name, fops, raw);
  }
  if (ret !== 0) fops.any_put(raw);
  return ret;
}
// #endregion bpf_obj_pin_user

/**
 * `bpf_obj_get_user`: a new fd for the object pinned at `pathname`. A link can
 * only be opened read-write (-EINVAL for BPF_F_RDONLY / BPF_F_WRONLY).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/inode.c (bpf_obj_get_user)
 */
export function bpf_obj_get_user(proc: Process, path_fd: number, pathname: bigint, flags: number): number {
  const f_flags = bpf_get_file_flag(flags);
  if (f_flags < 0) return f_flags;

  const name = getname(proc, pathname);
  if (typeof name === 'number') return name;
  const start = name === '' ? -2 : startDir(proc, path_fd, name);
  if (typeof start === 'number') return start;
  const obj = proc.kernel.vfs.bpf_obj_do_get(start, name);
  if (typeof obj === 'number') return obj;
  const { fops, raw } = obj;
  fops.any_get(raw);

  let ret: number;
  if (fops.bpf_type === 'link' && f_flags !== O_RDWR) ret = EINVAL;
  else ret = fops.new_fd(proc.files, raw, f_flags);
  if (ret < 0) fops.any_put(raw);
  return ret;
}
