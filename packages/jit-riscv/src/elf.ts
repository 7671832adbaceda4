/**
 * A minimal static RV64 ELF around a JIT image, so binutils can disassemble it with the right ISA
 * extensions (the `.riscv.attributes` arch string) and qemu-riscv64 can run it natively. There is
 * no kernel file for this: the kernel never writes ELF for JITed code (`bpf_jit_dump` prints hex).
 * The layout follows the ELF-64 object file format and the RISC-V psABI's attributes section:
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/elf.h (Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr)
 *
 * The start stub is encoded with this package's own encoders: it points `tp` at a fake
 * `thread_info` (the JIT inlines `bpf_get_smp_processor_id` as a load from it), calls the image with
 * a0 = the data address and a1 = its length, then `write(1, result, 8 + len)` and `exit(0)`: the
 * harness reads the 8-byte a0 followed by the data as the program left it.
 * @module
 */
import { type RvJitContext, RV_REG_A0, RV_REG_A1, RV_REG_A2, RV_REG_A7, RV_REG_RA, RV_REG_T1, RV_REG_TP, emit, rv_auipc, rv_jalr, rv_sd } from './bpf_jit.js';
import { emit_imm } from './bpf_jit_comp64.js';

const EM_RISCV = 243;
const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHT_RISCV_ATTRIBUTES = 0x70000003;

/** The `.riscv.attributes` arch string for a set of extensions. */
export function riscvArchString(isa: { rvc?: boolean; zba?: boolean; zbb?: boolean; zacas?: boolean }): string {
  let s = 'rv64i2p1_m2p0_a2p1';
  if (isa.rvc ?? true) s += '_c2p0';
  s += '_zicsr2p0_zifencei2p0';
  if (isa.zacas) s += '_zacas1p0';
  if (isa.zba) s += '_zba1p0';
  if (isa.zbb) s += '_zbb1p0';
  return s;
}

function attributesSection(arch: string): Uint8Array {
  const enc = new TextEncoder();
  const archBytes = enc.encode(arch);
  const sub = 1 + 4 + 1 + archBytes.length + 1; // Tag_File, size, Tag_RISCV_arch, NTBS
  const len = 4 + 6 + sub;
  const out = new Uint8Array(1 + len);
  const dv = new DataView(out.buffer);
  out[0] = 0x41; // 'A'
  dv.setUint32(1, len, true);
  out.set(enc.encode('riscv\0'), 5);
  out[11] = 1; // Tag_File
  dv.setUint32(12, sub, true);
  out[16] = 5; // Tag_RISCV_arch
  out.set(archBytes, 17);
  return out;
}

export interface ElfImage {
  elf: Uint8Array;
  /** Virtual address of the JIT image inside the ELF (compile with it as `imageAddr`). */
  imageAddr: bigint;
}

/** Where {@link buildElf} loads everything (one RWX segment). */
export const ELF_BASE = 0x10000n;
const STUB_SIZE = 0x100;

/** Layout of a runnable ELF: the stub, the image, then the result slot, the data, thread_info. */
export function elfLayout(imageSize: number, dataSize: number) {
  const imageAddr = ELF_BASE + BigInt(STUB_SIZE);
  const resultAddr = (imageAddr + BigInt(imageSize) + 15n) & ~15n;
  const dataAddr = resultAddr + 8n;
  const tiAddr = (dataAddr + BigInt(dataSize) + 63n) & ~63n;
  return { imageAddr, resultAddr, dataAddr, tiAddr, end: tiAddr + 64n };
}

function stub(lay: ReturnType<typeof elfLayout>, dataSize: number): Uint8Array {
  const buf = new Uint16Array(STUB_SIZE / 2);
  const ctx = { insns: buf, ninsns: 0, rvc: false, zba: false, zbb: false, zacas: false } as unknown as RvJitContext;
  emit_imm(RV_REG_TP, lay.tiAddr, ctx);
  emit_imm(RV_REG_A0, lay.dataAddr, ctx);
  emit_imm(RV_REG_A1, dataSize, ctx);
  const off = Number(lay.imageAddr - (ELF_BASE + BigInt(ctx.ninsns * 2)));
  emit(rv_auipc(RV_REG_T1, Math.floor((off + 0x800) / 4096)), ctx);
  emit(rv_jalr(RV_REG_RA, RV_REG_T1, off & 0xfff), ctx);
  emit_imm(RV_REG_T1, lay.resultAddr, ctx);
  emit(rv_sd(RV_REG_T1, 0, RV_REG_A0), ctx);
  emit_imm(RV_REG_A0, 1, ctx);
  emit_imm(RV_REG_A1, lay.resultAddr, ctx);
  emit_imm(RV_REG_A2, 8 + dataSize, ctx);
  emit_imm(RV_REG_A7, 64, ctx); // __NR_write
  emit(0x00000073, ctx); // ecall
  emit_imm(RV_REG_A0, 0, ctx);
  emit_imm(RV_REG_A7, 93, ctx); // __NR_exit
  emit(0x00000073, ctx);
  return new Uint8Array(buf.buffer, 0, ctx.ninsns * 2);
}

/**
 * Build the ELF. `image` must have been compiled with `imageAddr` = `elfLayout(...).imageAddr`.
 * The `.text` section covers exactly the image, so `objdump -d` prints only JIT code.
 */
export function buildElf(image: Uint8Array, data: Uint8Array, isa: { rvc?: boolean; zba?: boolean; zbb?: boolean; zacas?: boolean }): ElfImage {
  const lay = elfLayout(image.length, data.length);
  const segSize = Number(lay.end - ELF_BASE);
  const seg = new Uint8Array(segSize);
  seg.set(stub(lay, data.length), 0);
  seg.set(image, STUB_SIZE);
  seg.set(data, Number(lay.dataAddr - ELF_BASE));

  const attrs = attributesSection(riscvArchString(isa));
  const shstr = new TextEncoder().encode('\0.text\0.riscv.attributes\0.shstrtab\0.stub\0');
  const segOff = 0x1000;
  const attrOff = segOff + segSize;
  const strOff = attrOff + attrs.length;
  const shOff = (strOff + shstr.length + 7) & ~7;
  const nsh = 5;
  const out = new Uint8Array(shOff + nsh * 64);
  const dv = new DataView(out.buffer);
  // Elf64_Ehdr
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, EM_RISCV, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, ELF_BASE, true); // e_entry: the stub
  dv.setBigUint64(32, 64n, true); // e_phoff
  dv.setBigUint64(40, BigInt(shOff), true);
  dv.setUint32(48, (isa.rvc ?? true) ? 0x5 : 0x4, true); // EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_DOUBLE
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, 1, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, nsh, true);
  dv.setUint16(62, 3, true); // e_shstrndx
  // Elf64_Phdr: PT_LOAD, RWX
  dv.setUint32(64, 1, true);
  dv.setUint32(68, 7, true);
  dv.setBigUint64(72, BigInt(segOff), true);
  dv.setBigUint64(80, ELF_BASE, true);
  dv.setBigUint64(88, ELF_BASE, true);
  dv.setBigUint64(96, BigInt(segSize), true);
  dv.setBigUint64(104, BigInt(segSize), true);
  dv.setBigUint64(112, 0x1000n, true);
  out.set(seg, segOff);
  out.set(attrs, attrOff);
  out.set(shstr, strOff);
  const sh = (i: number, name: number, type: number, flags: number, addr: bigint, off: number, size: number, align: number) => {
    const b = shOff + i * 64;
    dv.setUint32(b, name, true);
    dv.setUint32(b + 4, type, true);
    dv.setBigUint64(b + 8, BigInt(flags), true);
    dv.setBigUint64(b + 16, addr, true);
    dv.setBigUint64(b + 24, BigInt(off), true);
    dv.setBigUint64(b + 32, BigInt(size), true);
    dv.setBigUint64(b + 48, BigInt(align), true);
  };
  sh(1, 1, SHT_PROGBITS, 0x6, lay.imageAddr, segOff + STUB_SIZE, image.length, 2); // .text (AX)
  sh(2, 7, SHT_RISCV_ATTRIBUTES, 0, 0n, attrOff, attrs.length, 1);
  sh(3, 25, SHT_STRTAB, 0, 0n, strOff, shstr.length, 1);
  sh(4, 35, SHT_PROGBITS, 0x6, ELF_BASE, segOff, STUB_SIZE, 2); // .stub
  return { elf: out, imageAddr: lay.imageAddr };
}
