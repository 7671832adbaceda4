/**
 * User memory of a simulated process, and the kernel's accessors for it:
 * `copy_from_user`, `copy_to_user`, `put_user`, `check_zeroed_user`.
 * Mirrors the contracts of include/linux/uaccess.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/uaccess.h
 *
 * A process only owns what `alloc` handed out. Every allocation gets its own
 * page-aligned region with an unmapped guard page after it, so an address that
 * was never allocated, or a range that runs past the end of an allocation,
 * faults (-EFAULT) exactly where the kernel's uaccess would. Address 0 is NULL.
 *
 * Left out: partial copies. The kernel copies up to the faulting byte and
 * reports the rest as not copied; callers in kernel/bpf treat any short copy as
 * -EFAULT, so the model copies all or nothing (bytes before the fault are not
 * written). A differential scenario therefore never relies on a partial copy.
 * @module
 */

/** `PAGE_SIZE` on the architectures the model follows (x86-64, riscv64). */
export const PAGE_SIZE = 4096;

const EFAULT = 14;

/** One allocation: [addr, addr + len) backed by `bytes` (addresses stay below 2^53: plain numbers). */
interface Region {
  addr: number;
  len: number;
  bytes: Uint8Array;
}

/** The user memory interface shared with the host oracle (test/host/bpf.ts `UserMemory`). */
export interface UserMemory {
  /** Zeroed memory of `len` bytes; its u64 address. */
  alloc(len: number): bigint;
  /** Write into allocated memory; throws RangeError outside it (a test bug, not a kernel path). */
  write(addr: bigint, bytes: Uint8Array): void;
  /** Read allocated memory; throws RangeError outside it. */
  read(addr: bigint, len: number): Uint8Array;
}

/**
 * A process's address space. `alloc`/`read`/`write` are the user-space side
 * (they throw on misuse, as a segfault would); the `copy_*` methods are the
 * kernel side and return -EFAULT instead.
 */
export class ProcessMemory implements UserMemory {
  private readonly regions: Region[] = [];
  /** Next free address: user space starts above the first 64 KiB (mmap_min_addr). */
  private next = 0x10000;

  alloc(len: number): bigint {
    if (!Number.isInteger(len) || len < 0) throw new RangeError(`alloc: bad length ${len}`);
    const addr = this.next;
    this.regions.push({ addr, len, bytes: new Uint8Array(len) });
    // Round up to the next page and leave one unmapped guard page.
    this.next = addr + (Math.ceil(Math.max(len, 1) / PAGE_SIZE) + 1) * PAGE_SIZE;
    return BigInt(addr);
  }

  write(addr: bigint, bytes: Uint8Array): void {
    const v = this.view(addr, bytes.length);
    if (!v) throw new RangeError(`user memory: 0x${addr.toString(16)}+${bytes.length} was not allocated`);
    v.set(bytes);
  }

  read(addr: bigint, len: number): Uint8Array {
    const v = this.view(addr, len);
    if (!v) throw new RangeError(`user memory: 0x${addr.toString(16)}+${len} was not allocated`);
    return v.slice();
  }

  /** A live view of [addr, addr+len) if it lies inside one allocation, else null. */
  view(addr: bigint, len: number): Uint8Array | null {
    if (len === 0) return new Uint8Array(0);
    if (addr <= 0n || addr >= this.limit) return null;
    const a = Number(addr);
    // Binary search: regions are sorted by address.
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid]!;
      if (a < r.addr) hi = mid - 1;
      else if (a >= r.addr + Math.max(r.len, 1)) lo = mid + 1;
      else {
        const off = a - r.addr;
        if (off + len > r.len) return null;
        return r.bytes.subarray(off, off + len);
      }
    }
    return null;
  }

  /** Above the last allocation nothing is mapped (and every address there is exact as a number). */
  private get limit(): bigint {
    return BigInt(this.next);
  }

  /**
   * `copy_from_user`: a fresh copy of `len` bytes, or -EFAULT. A zero-length
   * copy never faults (the kernel does not touch memory for it).
   * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/uaccess.h (copy_from_user)
   */
  copy_from_user(addr: bigint, len: number): Uint8Array | number {
    const v = this.view(addr, len);
    return v ? v.slice() : -EFAULT;
  }

  /**
   * `copy_to_user`: 0, or -EFAULT (nothing written).
   * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/uaccess.h (copy_to_user)
   */
  copy_to_user(addr: bigint, bytes: Uint8Array): number {
    const v = this.view(addr, bytes.length);
    if (!v) return -EFAULT;
    v.set(bytes);
    return 0;
  }

  /**
   * `put_user` of a u32: 0 or -EFAULT.
   * @see https://elixir.bootlin.com/linux/v6.18/source/arch/x86/include/asm/uaccess.h (put_user)
   */
  put_user_u32(addr: bigint, val: number): number {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, val >>> 0, true);
    return this.copy_to_user(addr, b);
  }

  /**
   * `check_zeroed_user`: 1 if [addr, addr+len) is all zero, 0 if not, -EFAULT
   * if it cannot be read.
   * @see https://elixir.bootlin.com/linux/v6.18/source/lib/usercopy.c (check_zeroed_user)
   */
  check_zeroed_user(addr: bigint, len: number): number {
    const v = this.view(addr, len);
    if (!v) return -EFAULT;
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) return 0;
    return 1;
  }

  /** Bytes the process holds, for the refcount/leak checks. */
  get allocated(): number {
    return this.regions.reduce((s, r) => s + r.len, 0);
  }
}

/**
 * `u64_to_user_ptr`: a u64 attribute field read as a user address.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/kernel.h (u64_to_user_ptr)
 */
export function u64_to_user_ptr(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

/**
 * `strncpy_from_user`-style read of a NUL-terminated string of at most `max`
 * bytes (the kernel's `getname` limit is PATH_MAX). Returns the string, -EFAULT,
 * or -ENAMETOOLONG.
 * @see https://elixir.bootlin.com/linux/v6.18/source/fs/namei.c (getname_flags)
 */
export function strndup_user(mem: ProcessMemory, addr: bigint, max: number): string | number {
  if (addr === 0n) return -EFAULT;
  const bytes: number[] = [];
  for (let i = 0; i < max; i++) {
    const v = mem.view(addr + BigInt(i), 1);
    if (!v) return -EFAULT;
    if (v[0] === 0) return new TextDecoder().decode(new Uint8Array(bytes));
    bytes.push(v[0]!);
  }
  return -36; // ENAMETOOLONG
}
