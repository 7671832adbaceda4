/**
 * Files and the per-process fd table: `struct file`, `fd_install`,
 * `get_unused_fd_flags`, `close_fd`, `anon_inode_getfd`.
 * Mirrors the parts of fs/file.c and fs/anon_inodes.c at v6.18 that BPF uses:
 * https://elixir.bootlin.com/linux/v6.18/source/fs/file.c
 * https://elixir.bootlin.com/linux/v6.18/source/fs/anon_inodes.c
 *
 * A BPF object reaches user space as an anonymous-inode file ("bpf-map",
 * "bpf-prog", "bpf-link", "btf", "bpf-token") whose `private_data` is the
 * object; the file holds one reference, dropped by its `release` when the last
 * fd goes. The kernel tells the kinds apart by comparing `f_op` against
 * `&bpf_map_fops` etc.; the model compares `f_op.name`.
 *
 * Left out: dup/fork (one fd per file), O_CLOEXEC semantics, RLIMIT_NOFILE
 * (the model never runs out of fds; Node raises the host's soft limit, so the
 * limit is not comparable anyway).
 * @module
 */

/** `fmode_t` bits (include/linux/fs.h). BPF files get FMODE_CAN_* alongside. */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
/** The file can be read/written at all (bpf fops have dummy read/write, so these follow READ/WRITE). */
export const FMODE_CAN_READ = 0x20000;
export const FMODE_CAN_WRITE = 0x40000;

/** `O_RDONLY`, `O_WRONLY`, `O_RDWR`. */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;

/** `struct file_operations`, reduced to what tells files apart and frees them. */
export interface FileOperations {
  /** The anon-inode name ("bpf-map", "bpf-prog", "bpf-link", "btf", "bpf-token") or "regular"/"dir". */
  readonly name: string;
  /** `->release`: the last reference to the file went. */
  release?(file: BpfFile): void;
}

/** `struct file`. */
export interface BpfFile {
  f_op: FileOperations;
  /** `f_mode`: FMODE_READ/WRITE and FMODE_CAN_READ/WRITE. */
  f_mode: number;
  /** `f_flags`: the O_* flags the file was opened with. */
  f_flags: number;
  /** `private_data`: the BPF object, or the VFS node for regular files and directories. */
  private_data: unknown;
  /** `f_count`. */
  f_count: number;
}

/**
 * `OPEN_FMODE(flags)` plus the FMODE_CAN_* bits a bpf file gets from its dummy read/write.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/fs.h (OPEN_FMODE)
 */
export function open_fmode(flags: number): number {
  // OPEN_FMODE: ((flags + 1) & O_ACCMODE) turns O_RDONLY/O_WRONLY/O_RDWR into READ/WRITE bits.
  const m = (flags + 1) & 3;
  let mode = m;
  if (m & FMODE_READ) mode |= FMODE_CAN_READ;
  if (m & FMODE_WRITE) mode |= FMODE_CAN_WRITE;
  return mode;
}

/**
 * `fput`: drop a file reference; at zero, call `->release`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/fs/file_table.c (fput)
 */
export function fput(file: BpfFile): void {
  if (--file.f_count === 0) file.f_op.release?.(file);
}

/** A process's `struct files_struct`: fds 0-2 are taken (stdin, stdout, stderr), BPF fds start at 3. */
export class FdTable {
  private readonly fds = new Map<number, BpfFile>();

  /** fds 0, 1, 2 are open on the process's terminal: files, but not BPF objects. */
  constructor() {
    for (let fd = 0; fd < 3; fd++) {
      this.fds.set(fd, { f_op: { name: 'tty' }, f_mode: open_fmode(O_RDWR), f_flags: O_RDWR, private_data: null, f_count: 1 });
    }
  }

  /**
   * `get_unused_fd_flags` + `fd_install`: the lowest free fd (POSIX requires the lowest).
   * @see https://elixir.bootlin.com/linux/v6.18/source/fs/file.c (alloc_fd)
   */
  fd_install(file: BpfFile): number {
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, file);
    return fd;
  }

  /**
   * `fdget`: the file behind `fd`, or undefined (the kernel's `fd_empty`).
   * @see https://elixir.bootlin.com/linux/v6.18/source/fs/file.c (fdget)
   */
  fdget(fd: number): BpfFile | undefined {
    return this.fds.get(fd);
  }

  /**
   * `close_fd`: 0, or -EBADF if `fd` is not open.
   * @see https://elixir.bootlin.com/linux/v6.18/source/fs/file.c (close_fd)
   */
  close_fd(fd: number): number {
    const file = this.fds.get(fd);
    if (!file) return -9; // EBADF
    this.fds.delete(fd);
    fput(file);
    return 0;
  }

  /** Open fds, ascending. */
  list(): number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }
}

/** `enum bpf_type` of kernel/bpf/inode.c: what a pin holds. */
export type bpf_type = 'prog' | 'map' | 'link';

/**
 * The file operations of a pinnable BPF object file (`bpf_map_fops`,
 * `bpf_prog_fops`, `bpf_link_fops`), with the per-type reference functions
 * kernel/bpf/inode.c switches on (`bpf_any_get`, `bpf_any_put`) and the
 * `bpf_*_new_fd` that `bpf_obj_get_user` calls. Each object kind supplies one
 * (maps in map_obj.ts, programs and links in B's prog.ts and link.ts), so
 * the pin/get code in inode.ts stays generic, as the kernel's does.
 */
export interface BpfObjFops extends FileOperations {
  readonly bpf_type: bpf_type;
  /** `bpf_any_get`: the reference a pin holds (`bpf_map_inc_with_uref`, `bpf_prog_inc`, `bpf_link_inc`). */
  any_get(raw: unknown): void;
  /** `bpf_any_put`. */
  any_put(raw: unknown): void;
  /**
   * `bpf_map_new_fd(map, f_flags)` / `bpf_prog_new_fd` / `bpf_link_new_fd`: install a
   * new file for `raw` (which the caller already holds a reference for) in `files`.
   */
  new_fd(files: FdTable, raw: unknown, f_flags: number): number;
}

/** Is this file a pinnable BPF object (map, program, link)? */
export function isBpfObjFile(file: BpfFile): file is BpfFile & { f_op: BpfObjFops } {
  return 'bpf_type' in file.f_op;
}
