/**
 * A simulated process: its user memory, its fd table, its capabilities, and
 * the system calls the scenarios need (`bpf`, `close`, `open`, plus `unlink`,
 * `mkdir`, `rmdir` for bpffs).
 * Mirrors the task-side state the BPF syscall reads at v6.18 (`current`,
 * `current->files`, `capable()`):
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/capability.c
 *
 * Structurally a `BpfProcess` (test/host/bpf.ts), so one scenario runs on the
 * model and on the host kernel.
 * @module
 */
import { FdTable } from './fdtable.js';
import type { Inode } from './inode.js';
import type { Kernel } from './kernel.js';
import { __sys_bpf } from './syscall.js';
import { ProcessMemory } from './usermem.js';

/** The capabilities BPF checks (include/uapi/linux/capability.h). */
export const CAP_NET_ADMIN = 12;
export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;

export const capabilities = {
  CAP_NET_ADMIN,
  CAP_SYS_ADMIN,
  CAP_PERFMON,
  CAP_BPF,
} as const;

export type CapName = keyof typeof capabilities;

export interface SpawnOptions {
  /** The process's effective capabilities (default: all, i.e. root). */
  caps?: (CapName | number)[];
}

export class Process {
  readonly kernel: Kernel;
  readonly pid: number;
  readonly mem = new ProcessMemory();
  /** `current->files`. */
  readonly files = new FdTable();
  /** Effective capabilities; null means every capability (root). */
  private readonly caps: Set<number> | null;
  /** The working directory (relative paths start here): /. */
  cwd: Inode;

  constructor(kernel: Kernel, pid: number, opts: SpawnOptions) {
    this.kernel = kernel;
    this.pid = pid;
    this.caps = opts.caps ? new Set(opts.caps.map((c) => (typeof c === 'number' ? c : capabilities[c]))) : null;
    this.cwd = kernel.vfs.root;
  }

  /**
   * `capable(cap)`: does the task hold `cap` in the initial user namespace?
   * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/capability.c (capable)
   */
  capable(cap: number): boolean {
    return this.caps === null || this.caps.has(cap);
  }

  /** bpf(2): >= 0 (an fd or 0), or -errno, as `__sys_bpf` returns. */
  bpf(cmd: number, attr: bigint, size: number): number {
    return __sys_bpf(this, cmd, attr, size);
  }

  /** close(2): 0 or -EBADF. */
  close(fd: number): number {
    return this.files.close_fd(fd);
  }

  /** open(2) read-only of a non-BPF path (a directory works as a `path_fd`): an fd or -errno. */
  open(path: string): number {
    const f = this.kernel.vfs.open(this.cwd, path);
    if (typeof f === 'number') return f;
    return this.files.fd_install(f);
  }

  /** unlink(2): removes a pin (dropping its reference). */
  unlink(path: string): number {
    return this.kernel.vfs.unlink(this.cwd, path);
  }

  /** mkdir(2). */
  mkdir(path: string): number {
    return this.kernel.vfs.mkdir(this.cwd, path);
  }

  /** rmdir(2). */
  rmdir(path: string): number {
    return this.kernel.vfs.rmdir(this.cwd, path);
  }

  /** Close every fd the process holds (process exit). */
  exit(): void {
    for (const fd of this.files.list()) this.files.close_fd(fd);
    this.kernel.tasks.delete(this.pid);
  }
}
