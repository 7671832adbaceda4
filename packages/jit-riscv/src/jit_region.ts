/**
 * The JIT region: where JITed images live so that one image can reach another (a tail call jumps
 * into the target's image, read from `prog->bpf_func`). The kernel carves images out of
 * `bpf_prog_pack` chunks in the BPF JIT region; the model hands out consecutive addresses.
 * Mirrors the allocation side of kernel/bpf/core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_jit_binary_pack_alloc)
 *
 * Images are held weakly: when the program that owns one is gone, its image can be collected.
 * @module
 */
import type { JitExtableEntry } from './bpf_jit_core.js';
import { IMAGE_BASE } from './layout.js';

/** One installed image: its address, bytes and exception table. */
export interface JitImage {
  addr: bigint;
  image: Uint8Array;
  extable: JitExtableEntry[];
}

/** Bytes of JIT region the model uses before it wraps around (the kernel's region is 128 MiB). */
const REGION_SIZE = 0x7000000n;
/** `BPF_PROG_CHUNK_SIZE`-like alignment of each image. */
const ALIGN = 64n;

let next = IMAGE_BASE;
const installed = new Map<bigint, WeakRef<JitImage>>();

/** Where the next image will go (compile links for this address, then commits). */
export function bpf_jit_region_next(size: number): bigint {
  if (next + BigInt(size) > IMAGE_BASE + REGION_SIZE) next = IMAGE_BASE;
  return next;
}

/** Install an image at the address {@link bpf_jit_region_next} gave, and move past it. */
export function bpf_jit_region_install(img: JitImage): void {
  installed.set(img.addr, new WeakRef(img));
  next = (img.addr + BigInt(img.image.length) + ALIGN - 1n) & ~(ALIGN - 1n);
}

/** The installed image containing `pc`, if any. */
export function bpf_jit_region_find(pc: bigint): JitImage | undefined {
  for (const [addr, ref] of installed) {
    const img = ref.deref();
    if (!img) {
      installed.delete(addr);
      continue;
    }
    if (pc >= addr && pc < addr + BigInt(img.image.length)) return img;
  }
  return undefined;
}
