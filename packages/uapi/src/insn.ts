/**
 * `struct bpf_insn`: eight bytes, little-endian on every arch the model runs.
 * Mirrors include/uapi/linux/bpf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/bpf.h (struct bpf_insn)
 *
 *   byte 0      code    opcode
 *   byte 1      dst_reg low nibble, src_reg high nibble (C bitfields on little-endian)
 *   bytes 2-3   off     signed 16-bit
 *   bytes 4-7   imm     signed 32-bit
 *
 * `BPF_LD | BPF_IMM | BPF_DW` (ld_imm64) takes two slots: the second holds the
 * upper 32 bits of the constant in its imm and must have every other field zero.
 * @module
 */
import { UapiError } from './errors.js';

export interface BpfInsn {
  code: number;
  dst_reg: number;
  src_reg: number;
  off: number;
  imm: number;
}

/** `sizeof(struct bpf_insn)`. */
export const BPF_INSN_SIZE = 8;

function check(field: string, value: number, lo: number, hi: number, index: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new UapiError(`bpf_insn.${field}`, `insn ${index}: ${field} = ${value} is outside [${lo}, ${hi}]`);
  }
}

/**
 * Encode instructions to bytes. `imm` may be given signed (-2^31..2^31-1) or as
 * its unsigned bit pattern (0..2^32-1, e.g. 0xffffffff); anything wider is an error.
 */
export function encodeInsns(insns: readonly (BpfInsn | readonly BpfInsn[])[]): Uint8Array {
  const flat = insns.flat();
  const out = new Uint8Array(flat.length * BPF_INSN_SIZE);
  const dv = new DataView(out.buffer);
  flat.forEach((insn, i) => {
    check('code', insn.code, 0, 0xff, i);
    check('dst_reg', insn.dst_reg, 0, 15, i);
    check('src_reg', insn.src_reg, 0, 15, i);
    check('off', insn.off, -0x8000, 0x7fff, i);
    check('imm', insn.imm, -0x80000000, 0xffffffff, i);
    const p = i * BPF_INSN_SIZE;
    out[p] = insn.code;
    out[p + 1] = insn.dst_reg | (insn.src_reg << 4);
    dv.setInt16(p + 2, insn.off, true);
    dv.setInt32(p + 4, insn.imm | 0, true);
  });
  return out;
}

/** Decode instruction bytes; the length must be a multiple of 8. */
export function decodeInsns(bytes: Uint8Array): BpfInsn[] {
  if (bytes.length % BPF_INSN_SIZE !== 0) {
    throw new UapiError('insns', `${bytes.length} bytes is not a whole number of 8-byte instructions`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: BpfInsn[] = [];
  for (let p = 0; p < bytes.length; p += BPF_INSN_SIZE) {
    out.push({
      code: bytes[p]!,
      dst_reg: bytes[p + 1]! & 0x0f,
      src_reg: bytes[p + 1]! >> 4,
      off: dv.getInt16(p + 2, true),
      imm: dv.getInt32(p + 4, true),
    });
  }
  return out;
}

/** The 64-bit constant of an ld_imm64 pair (`insn[0].imm` low, `insn[1].imm` high). */
export function ldImm64Value(lo: BpfInsn, hi: BpfInsn): bigint {
  return (BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0);
}
