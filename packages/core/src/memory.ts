/**
 * The memory model: the kernel address space as a BPF program sees it.
 * There is no single kernel file for this; it models what the verifier proves and what
 * the interpreter then dereferences without checking, in kernel/bpf/core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (___bpf_prog_run, LDX_MEM/STX_MEM)
 *
 * The kernel interpreter dereferences `(void *)(unsigned long)(SRC + insn->off)` blindly,
 * because the verifier already proved every access is in bounds. The model keeps the
 * verifier's picture instead: an address space of known *regions* (the context, each
 * 512-byte stack frame, packet data, map values, ring buffer records, and kernel objects
 * such as a `struct bpf_map` that only have an address), and every load or store is
 * checked against it. An access outside every region, across a region's end, or a write
 * to a read-only region raises a {@link BpfFault} naming the instruction, the address, the
 * size and the region, instead of serving garbage.
 *
 * Layout, kernel-looking so that traces read like the real thing (x86-64's map):
 *   0xffff8880_xxxxxxxx  the direct map (kmalloc'd memory): context, packet, map objects,
 *                        map values, ring buffer pages ({@link DIRECT_MAP_HI})
 *   0xffffc900_xxxxxxxx  vmalloc space, where kernel stacks live with CONFIG_VMAP_STACK:
 *                        the BPF stack frames ({@link VMALLOC_HI})
 * Regions never cross a 4 GiB boundary, so an address is split into a high and a low
 * 32-bit half and a lookup compares numbers, never BigInts (the interpreter's hot path).
 * A guard gap separates neighbouring regions, so an overflow faults instead of landing
 * in the next region.
 *
 * Usable without the interpreter: the RISC-V hart runs JITed images over the same model
 * with {@link BpfMemory.load} / {@link BpfMemory.store} (bigint addresses, 1/2/4/8 bytes)
 * and {@link BpfMemory.objectAt}.
 * @module
 */

/** High half of direct-map addresses (`PAGE_OFFSET` is 0xffff888000000000 on x86-64). */
export const DIRECT_MAP_HI = 0xffff8880 | 0;
/** High half of vmalloc addresses (`VMALLOC_START` is 0xffffc90000000000 on x86-64). */
export const VMALLOC_HI = 0xffffc900 | 0;
/** Alignment of a region's start (kmalloc gives at least 8; 64 keeps addresses tidy). */
export const REGION_ALIGN = 64;
/** Unmapped bytes left after each region so overflows fault. */
export const REGION_GUARD = 64;

/** What a region holds; the fault message and the step trace name it. */
export type RegionKind = 'ctx' | 'stack' | 'packet' | 'map_value' | 'ringbuf' | 'object' | 'mem';

/**
 * Loads and stores a context region intercepts. They stand in for the verifier's
 * `convert_ctx_accesses`: a program reads `__sk_buff.data` as a u32 at offset 76, the
 * verifier rewrites that into a 64-bit load of `skb->data`, so the program receives a
 * full pointer. The hook returns what the rewritten instruction would have loaded, or
 * null when the kernel would have refused the access (the model then faults).
 */
export interface CtxAccess {
  load(off: number, size: number): bigint | null;
  /**
   * Optional fast form of `load` for the interpreter: writes the value's low and high int32
   * halves to `out[0]`, `out[1]` and returns true, or returns false to fall back to `load`.
   */
  loadHL?(off: number, size: number, out: Int32Array): boolean;
  /** Returns false when the field is not writable. */
  store(off: number, size: number, value: bigint): boolean;
}

/** One mapped range of the model's kernel address space. */
export interface Region {
  /** Unique per memory, in registration order. */
  readonly id: number;
  readonly kind: RegionKind;
  /** For traces and faults: "stack frame 0", "map value of 'counts'", ... */
  readonly name: string;
  /** High 32 bits of the start address (signed int32 bit pattern). */
  readonly hi: number;
  /** Low 32 bits of the start address (0 .. 2^32-1). */
  readonly lo: number;
  /** Length in bytes. */
  readonly size: number;
  /** The bytes behind the region (a live view: a map value written here is in the map). */
  readonly bytes: Uint8Array;
  /** A DataView over `bytes`, little-endian accesses. */
  readonly dv: DataView;
  readonly readable: boolean;
  readonly writable: boolean;
  /** The kernel object at this address (a `BpfMap`, a `bpf_prog`, ...) for helpers to find. */
  readonly object?: unknown;
  /** Context field rewrites (see {@link CtxAccess}). */
  readonly access?: CtxAccess;
}

/** Options for {@link BpfMemory.map}. */
export interface MapRegionOptions {
  kind: RegionKind;
  name: string;
  bytes: Uint8Array;
  writable?: boolean;
  readable?: boolean;
  object?: unknown;
  access?: CtxAccess;
  /** Which window: the direct map (default) or vmalloc. */
  window?: 'direct' | 'vmalloc';
}

/** Why an access failed. */
export type FaultReason = 'no region' | 'out of bounds' | 'read-only' | 'not readable' | 'ctx field';

/**
 * A memory access the model refused: where a real kernel would read or write memory the
 * verifier should never have let through. Thrown by {@link BpfMemory} accessors and
 * turned into `{ ok: false, error }` by the interpreter's entry points.
 */
export class BpfFault extends Error {
  constructor(
    /** Index of the faulting instruction, or -1 when the access came from outside a program. */
    public insn: number,
    /** The u64 address accessed. */
    public addr: bigint,
    public size: number,
    public write: boolean,
    /** The region the address falls in, or null for "no region". */
    public region: Region | null,
    public reason: FaultReason,
  ) {
    super(
      `invalid ${write ? 'write' : 'read'} of size ${size} at 0x${addr.toString(16)}` +
        `${insn >= 0 ? ` (insn ${insn})` : ''}: ${region ? `${reason} of ${region.name}` : 'no region'}`,
    );
    this.name = 'BpfFault';
  }
}

/** Make a u64 address from its halves. */
export function addrOf(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The address of a region's byte `off`. */
export function regionAddr(r: Region, off = 0): bigint {
  return addrOf(r.hi, r.lo) + BigInt(off);
}

interface Window {
  hi: number;
  next: number;
}

interface BufferSlot {
  window: Window;
  base: number;
  views: Map<number, Region>;
}

/**
 * An address space. One per simulated machine (or per test run); the syscall layer maps
 * map objects and their values into it, the test_run code maps the context and the packet.
 */
export class BpfMemory {
  /** Every region, sorted by (hi unsigned, lo). */
  readonly regions: Region[] = [];
  private readonly direct: Window = { hi: DIRECT_MAP_HI, next: 0x00100000 };
  private readonly vmalloc: Window = { hi: VMALLOC_HI, next: 0x00100000 };
  /** Bumped whenever a region goes away, so caches of regions (the interpreter's) drop them. */
  epoch = 0;
  private nextId = 1;
  private last: Region | null = null;
  private readonly buffers = new WeakMap<ArrayBufferLike, BufferSlot>();
  private readonly objects = new Map<unknown, Region>();
  /** Object regions of the direct map by the low half of their address (helpers' fast path). */
  private readonly objectsByLo = new Map<number, Region>();
  private readonly frames: Region[] = [];

  private reserve(w: Window, size: number): number {
    const lo = w.next;
    const end = lo + Math.max(size, 1) + REGION_GUARD;
    const next = Math.ceil(end / REGION_ALIGN) * REGION_ALIGN;
    if (next > 0xffffffff) throw new RangeError('BpfMemory: address window exhausted');
    w.next = next;
    return lo;
  }

  private insert(r: Region): Region {
    const a = this.regions;
    let i = a.length;
    while (i > 0 && cmp(a[i - 1]!, r.hi, r.lo) > 0) i--;
    a.splice(i, 0, r);
    return r;
  }

  private make(o: MapRegionOptions, hi: number, lo: number): Region {
    return {
      id: this.nextId++,
      kind: o.kind,
      name: o.name,
      hi,
      lo,
      size: o.bytes.length,
      bytes: o.bytes,
      dv: new DataView(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength),
      readable: o.readable ?? true,
      writable: o.writable ?? true,
      object: o.object,
      access: o.access,
    };
  }

  /** Map `bytes` at a fresh address (each call a new region, as each kmalloc a new pointer). */
  map(o: MapRegionOptions): Region {
    const w = o.window === 'vmalloc' ? this.vmalloc : this.direct;
    const r = this.make(o, w.hi, this.reserve(w, o.bytes.length));
    if (o.object !== undefined) {
      this.objects.set(o.object, r);
      if (r.hi === DIRECT_MAP_HI) this.objectsByLo.set(r.lo, r);
    }
    return this.insert(r);
  }

  /** Remove a region (a freed packet, a discarded ring buffer record). */
  unmap(r: Region): void {
    const i = this.regions.indexOf(r);
    if (i >= 0) this.regions.splice(i, 1);
    this.last = null;
    this.epoch++;
    const slot = this.buffers.get(r.bytes.buffer);
    if (slot && slot.views.get(r.bytes.byteOffset) === r) slot.views.delete(r.bytes.byteOffset);
    if (r.object !== undefined && this.objects.get(r.object) === r) {
      this.objects.delete(r.object);
      this.objectsByLo.delete(r.lo);
    }
  }

  /**
   * The address of a kernel object (a map, a program), mapping it on first use as a
   * `size`-byte region nobody may read or write: it only needs an address, so that
   * `ld_imm64` of a map and helpers taking a map pointer work.
   */
  objectAddr(object: object, name: string, size = 256): bigint {
    let r = this.objects.get(object);
    if (!r) {
      r = this.map({ kind: 'object', name, bytes: new Uint8Array(size), readable: false, writable: false, object });
    }
    return regionAddr(r);
  }

  /** The kernel object whose region starts at `addr` (the pointer a helper got), or undefined. */
  objectAt(addr: bigint): unknown {
    const r = this.findAddr(addr);
    return r && r.object !== undefined && regionAddr(r) === addr ? r.object : undefined;
  }

  /** {@link objectAt} from halves, for the interpreter and helpers (a map pointer in r1). */
  objectAtHL(hi: number, lo: number): unknown {
    if (hi === DIRECT_MAP_HI) {
      const r = this.objectsByLo.get(lo >>> 0);
      if (r !== undefined) return r.object;
    }
    const r = this.find(hi, lo >>> 0, 1);
    return r && r.object !== undefined && r.lo === lo >>> 0 ? r.object : undefined;
  }

  /**
   * The address of a live view, typically a map value from `map_lookup_elem`. Views into
   * the same buffer keep stable addresses (the same element gives the same pointer on
   * every lookup, as in the kernel): a buffer reserves its address range on first use,
   * and a view is a region at `base + byteOffset`.
   */
  addressOf(view: Uint8Array, kind: RegionKind = 'map_value', name = 'map value', writable = true): bigint {
    return regionAddr(this.regionOf(view, kind, name, writable));
  }

  /** The region {@link addressOf} gives `view` (mapping it on first use). */
  regionOf(view: Uint8Array, kind: RegionKind = 'map_value', name = 'map value', writable = true, access?: CtxAccess): Region {
    let slot = this.buffers.get(view.buffer);
    if (!slot) {
      const w = this.direct;
      slot = { window: w, base: this.reserve(w, view.buffer.byteLength), views: new Map() };
      this.buffers.set(view.buffer, slot);
    }
    let r = slot.views.get(view.byteOffset);
    if (!r || r.size !== view.length || r.writable !== writable || r.kind !== kind || r.access !== access) {
      if (r) this.unmap(r);
      r = this.insert(this.make({ kind, name, bytes: view, writable, access }, slot.window.hi, slot.base + view.byteOffset));
      slot.views.set(view.byteOffset, r);
    }
    return r;
  }

  /**
   * Stack frame `i` (0 .. MAX_CALL_FRAMES-1): a 512-byte region in vmalloc space. The
   * frame pointer r10 points one past its end, as the kernel's `FP = (u64)(stack + size)`.
   */
  stackFrame(i: number, size = 512): Region {
    let r = this.frames[i];
    if (!r || r.size !== size) {
      if (r) this.unmap(r);
      r = this.map({ kind: 'stack', name: `stack frame ${i}`, bytes: new Uint8Array(size), window: 'vmalloc' });
      this.frames[i] = r;
    }
    return r;
  }

  // #region find
  /**
   * The region containing `[lo, lo+size)` at high half `hi`, or null. `lo` is unsigned
   * (0 .. 2^32-1). Hot path: a one-entry cache, then a binary search.
   */
  find(hi: number, lo: number, size: number): Region | null {
    const c = this.last;
    if (c !== null && c.hi === hi) {
      const o = lo - c.lo;
      if (o >= 0 && o + size <= c.size) return c;
    }
    const a = this.regions;
    let l = 0;
    let h = a.length - 1;
    while (l <= h) {
      const m = (l + h) >> 1;
      const r = a[m]!;
      const k = cmp(r, hi, lo);
      if (k > 0) h = m - 1;
      else {
        if (r.hi === hi && lo - r.lo < r.size) {
          if (lo - r.lo + size <= r.size) {
            this.last = r;
            return r;
          }
          return null;
        }
        l = m + 1;
      }
    }
    return null;
  }

  // #endregion find

  /** The region containing address `addr` at all (for fault reports and `objectAt`). */
  findAddr(addr: bigint): Region | null {
    return this.find(Number(addr >> 32n) | 0, Number(addr & 0xffffffffn), 1);
  }

  /**
   * Check an access and return its region; throws {@link BpfFault}. `insn` is the
   * instruction index for the report.
   */
  check(hi: number, lo: number, size: number, write: boolean, insn: number): Region {
    const r = this.find(hi, lo, size);
    if (r !== null && (write ? r.writable : r.readable) && r.access === undefined) return r;
    throw this.fault(hi, lo, size, write, insn, r);
  }

  /** Build the fault for a refused access (the region it starts in, if any). */
  fault(hi: number, lo: number, size: number, write: boolean, insn: number, r: Region | null = null): BpfFault {
    const addr = addrOf(hi, lo);
    const at = r ?? this.find(hi, lo, 1);
    const reason: FaultReason = !at
      ? 'no region'
      : r === null
        ? 'out of bounds'
        : at.access
          ? 'ctx field'
          : write
            ? 'read-only'
            : 'not readable';
    return new BpfFault(insn, addr, size, write, at, reason);
  }

  /** Load 1, 2, 4 or 8 bytes (little-endian, zero-extended) at a u64 address; throws {@link BpfFault}. */
  load(addr: bigint, size: 1 | 2 | 4 | 8, insn = -1): bigint {
    const hi = Number(addr >> 32n) | 0;
    const lo = Number(addr & 0xffffffffn);
    const r = this.find(hi, lo, size);
    if (r !== null && r.readable && r.access !== undefined) {
      const v = r.access.load(lo - r.lo, size);
      if (v !== null) return v;
    }
    const reg = r !== null && r.readable && r.access === undefined ? r : null;
    if (reg === null) throw this.fault(hi, lo, size, false, insn, r);
    const o = lo - reg.lo;
    const dv = reg.dv;
    switch (size) {
      case 1:
        return BigInt(dv.getUint8(o));
      case 2:
        return BigInt(dv.getUint16(o, true));
      case 4:
        return BigInt(dv.getUint32(o, true));
      default:
        return dv.getBigUint64(o, true);
    }
  }

  /** Store the low `size` bytes of `value` at a u64 address; throws {@link BpfFault}. */
  store(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint, insn = -1): void {
    const hi = Number(addr >> 32n) | 0;
    const lo = Number(addr & 0xffffffffn);
    const r = this.find(hi, lo, size);
    if (r !== null && r.writable && r.access !== undefined) {
      if (r.access.store(lo - r.lo, size, value)) return;
      throw this.fault(hi, lo, size, true, insn, r);
    }
    if (r === null || !r.writable) throw this.fault(hi, lo, size, true, insn, r);
    const o = lo - r.lo;
    const dv = r.dv;
    switch (size) {
      case 1:
        dv.setUint8(o, Number(value & 0xffn));
        break;
      case 2:
        dv.setUint16(o, Number(value & 0xffffn), true);
        break;
      case 4:
        dv.setUint32(o, Number(value & 0xffffffffn), true);
        break;
      default:
        dv.setBigUint64(o, BigInt.asUintN(64, value), true);
    }
  }

  /** Copy `len` bytes out (helpers reading a key or a buffer); throws {@link BpfFault}. */
  read(addr: bigint, len: number, insn = -1): Uint8Array {
    return this.view(addr, len, false, insn).slice();
  }

  /** Write bytes at `addr` (helpers filling a buffer); throws {@link BpfFault}. */
  write(addr: bigint, bytes: Uint8Array, insn = -1): void {
    this.view(addr, bytes.length, true, insn).set(bytes);
  }

  /** A live view of `[addr, addr+len)` within one region; throws {@link BpfFault}. */
  view(addr: bigint, len: number, write: boolean, insn = -1): Uint8Array {
    return this.viewHL(Number(addr >> 32n) | 0, Number(addr & 0xffffffffn), len, write, insn);
  }

  /** {@link view} from address halves (`lo` signed or unsigned), for helpers on the hot path. */
  viewHL(hi: number, lo: number, len: number, write: boolean, insn = -1): Uint8Array {
    lo = lo >>> 0;
    const r = this.find(hi, lo, Math.max(len, 1));
    if (r === null || r.access !== undefined || !(write ? r.writable : r.readable)) {
      throw this.fault(hi, lo, len, write, insn, r);
    }
    const o = lo - r.lo;
    return r.bytes.subarray(o, o + len);
  }
}

function cmp(r: Region, hi: number, lo: number): number {
  const a = r.hi >>> 0;
  const b = hi >>> 0;
  if (a !== b) return a < b ? -1 : 1;
  return r.lo < lo ? -1 : r.lo > lo ? 1 : 0;
}
