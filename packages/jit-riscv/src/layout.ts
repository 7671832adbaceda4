/**
 * Where things live in the address space the model's hart runs JITed images in. Kernel-looking
 * (riscv64 Sv39: the kernel image and the BPF JIT region at the top, within 2 GiB of each other
 * so auipc+jalr reaches every helper), so images and traces read like the real thing.
 * There is no single kernel file for this; the BPF JIT region is arch/riscv's
 * `BPF_JIT_REGION_START`, right after the kernel image:
 * https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/include/asm/pgtable.h (BPF_JIT_REGION_START)
 * @module
 */

/** `__bpf_call_base`: the kernel text the helpers are addressed from. */
export const BPF_CALL_BASE = 0xffffffff80100000n;
/**
 * Bytes between two modelled helpers: helper `id` lives at `BPF_CALL_BASE + id * HELPER_STRIDE`.
 * The verifier's `fixup_bpf_calls` rewrites a call's imm to `helper - __bpf_call_base`; standalone
 * `compile` takes the imm as the helper id and applies this map, so `jalr`'s cleared bit 0 never
 * moves a call to the neighbouring helper.
 */
export const HELPER_STRIDE = 16n;
/** Helper ids are dispatched for pcs in `[BPF_CALL_BASE, BPF_CALL_BASE + HELPER_WINDOW)`. */
export const HELPER_WINDOW = 0x10000n * HELPER_STRIDE;
/** The modelled address of helper `id`. */
export const helperAddr = (id: number): bigint => BPF_CALL_BASE + BigInt(id) * HELPER_STRIDE;
/** Where images are linked and run: the BPF JIT region, 128 MiB above the helpers. */
export const IMAGE_BASE = 0xffffffff88000000n;
/** Address the hart returns to when the program's `ret` leaves the image. */
export const RETURN_ADDR = 0xffffffff8fff0000n;
