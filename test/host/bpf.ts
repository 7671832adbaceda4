/**
 * The host kernel as an oracle: `bpf()` through an FFI, behind the same small
 * process interface the model's `kernel.spawn()` returns, so a differential
 * test runs one scenario against both and compares.
 *
 * Node-only (koffi, node:os): this adapter lives in test/, never in a package.
 */
import { mkdtempSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { release } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** User memory of a process: addresses are u64 as bigint. */
export interface UserMemory {
  alloc(len: number): bigint;
  write(addr: bigint, bytes: Uint8Array): void;
  read(addr: bigint, len: number): Uint8Array;
}

/** What a differential test needs of a process, model or host. */
export interface BpfProcess {
  mem: UserMemory;
  /** `bpf(cmd, attr, size)`: >= 0, or -errno. */
  bpf(cmd: number, attr: bigint, size: number): number;
  close(fd: number): number;
  /** open(2) read-only: an fd, or -errno. */
  open(path: string): number;
}

export interface HostBpf extends BpfProcess {
  /** `uname -r` of the host. */
  release: string;
  /** True on a 6.18.x kernel: differential tests are strict there, and only report elsewhere. */
  strict: boolean;
  /** Mount a fresh bpffs in a temporary directory; returns its path and an unmount function. */
  mountBpffs(): { path: string; unmount(): void };
}

const SYS_bpf = 321; // x86-64

let cached: { host: HostBpf | null; reason: string } | undefined;

/**
 * The host's bpf(), or null with the reason it cannot be used (no koffi, not
 * x86-64 Linux, not root, bpf() refused). Probed once with a tiny array map.
 */
export function hostBpf(): { host: HostBpf | null; reason: string } {
  if (cached) return cached;
  cached = probe();
  return cached;
}

/** The one line a differential test prints when it skips. */
export function skipReason(): string {
  return `host bpf() unavailable (${hostBpf().reason}): differential test skipped`;
}

function probe(): { host: HostBpf | null; reason: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { host: null, reason: `needs x86-64 Linux, this is ${process.platform}/${process.arch}` };
  }
  if (process.env.BPF_INTERNALS_NO_HOST === '1') return { host: null, reason: 'BPF_INTERNALS_NO_HOST=1' };
  let koffi: typeof import('koffi');
  try {
    koffi = createRequire(import.meta.url)('koffi');
  } catch (e) {
    return { host: null, reason: `koffi did not load: ${(e as Error).message}` };
  }
  const libc = koffi.load('libc.so.6');
  const syscall4 = libc.func('long syscall(long nr, long cmd, uint64_t attr, unsigned long size)');
  const close = libc.func('int close(int fd)');
  const open = libc.func('int open(const char *path, int flags)');
  const mount = libc.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data)');
  const umount = libc.func('int umount2(const char *target, int flags)');

  const blocks: { addr: bigint; len: number; view: Uint8Array; keep: unknown }[] = [];
  const find = (addr: bigint, len: number): Uint8Array => {
    for (const b of blocks) {
      if (addr >= b.addr && addr + BigInt(len) <= b.addr + BigInt(b.len)) {
        const off = Number(addr - b.addr);
        return b.view.subarray(off, off + len);
      }
    }
    throw new RangeError(`host memory: 0x${addr.toString(16)}+${len} was not allocated`);
  };
  const mem: UserMemory = {
    alloc(len) {
      const n = Math.max(len, 1);
      const ptr = koffi.alloc('uint8_t', n);
      const addr = koffi.address(ptr);
      const view = new Uint8Array(koffi.view(ptr, n));
      view.fill(0);
      blocks.push({ addr, len, view, keep: ptr });
      return addr;
    },
    write(addr, bytes) {
      find(addr, bytes.length).set(bytes);
    },
    read(addr, len) {
      return find(addr, len).slice();
    },
  };
  const ret = (r: number | bigint): number => {
    const v = Number(r);
    return v < 0 ? -koffi.errno() : v;
  };
  const host: HostBpf = {
    release: release(),
    strict: /^6\.18(\.|$)/.test(release()),
    mem,
    bpf: (cmd, attr, size) => ret(syscall4(SYS_bpf, cmd, attr, size)),
    close: (fd) => ret(close(fd)),
    open: (path) => ret(open(path, 0)),
    mountBpffs() {
      const path = mkdtempSync(join(tmpdir(), 'bpffs-'));
      const r = ret(mount('bpf', path, 'bpf', 0, null));
      if (r < 0) throw new Error(`mount bpffs on ${path}: errno ${-r}`);
      return {
        path,
        unmount() {
          umount(path, 2 /* MNT_DETACH */);
          rmdirSync(path);
        },
      };
    },
  };
  // Probe: BPF_MAP_CREATE of a 1-entry array.
  const attr = mem.alloc(16);
  mem.write(attr, new Uint8Array([2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0]));
  const fd = host.bpf(0, attr, 16);
  if (fd < 0) return { host: null, reason: `bpf(BPF_MAP_CREATE) failed with errno ${-fd}` };
  host.close(fd);
  return { host, reason: '' };
}
