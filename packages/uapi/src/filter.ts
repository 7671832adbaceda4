/**
 * Instruction builders, as the macros of include/linux/filter.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h
 *
 * Each returns a `BpfInsn` (ld_imm64 forms return the two-slot pair), so a
 * program reads as it would in a kernel selftest:
 *   [BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]
 * @module
 */
import type { BpfInsn } from './insn.js';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_IMM,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOV,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_ABS,
  BPF_IND,
  BPF_ST,
  BPF_STX,
  BPF_X,
} from './opcodes.js';

/** `BPF_RAW_INSN`. */
export const BPF_RAW_INSN = (code: number, dst_reg: number, src_reg: number, off: number, imm: number): BpfInsn => ({
  code,
  dst_reg,
  src_reg,
  off,
  imm,
});

// ALU, 64 and 32 bit. The *_OFF forms set `off`, which selects sdiv/smod (off = 1).
export const BPF_ALU64_REG_OFF = (op: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_ALU64 | op | BPF_X, dst, src, off, 0);
export const BPF_ALU64_REG = (op: number, dst: number, src: number) => BPF_ALU64_REG_OFF(op, dst, src, 0);
export const BPF_ALU32_REG_OFF = (op: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_ALU | op | BPF_X, dst, src, off, 0);
export const BPF_ALU32_REG = (op: number, dst: number, src: number) => BPF_ALU32_REG_OFF(op, dst, src, 0);
export const BPF_ALU64_IMM_OFF = (op: number, dst: number, imm: number, off: number) =>
  BPF_RAW_INSN(BPF_ALU64 | op | BPF_K, dst, 0, off, imm);
export const BPF_ALU64_IMM = (op: number, dst: number, imm: number) => BPF_ALU64_IMM_OFF(op, dst, imm, 0);
export const BPF_ALU32_IMM_OFF = (op: number, dst: number, imm: number, off: number) =>
  BPF_RAW_INSN(BPF_ALU | op | BPF_K, dst, 0, off, imm);
export const BPF_ALU32_IMM = (op: number, dst: number, imm: number) => BPF_ALU32_IMM_OFF(op, dst, imm, 0);

/** `BPF_ENDIAN`: byte swap to/from LE or BE (`type` BPF_TO_LE / BPF_TO_BE), `len` 16/32/64. */
export const BPF_ENDIAN = (type: number, dst: number, len: number) => BPF_RAW_INSN(BPF_ALU | BPF_END | type, dst, 0, 0, len);
/** `BPF_BSWAP`: unconditional byte swap (cpu v4, BPF_ALU64 | BPF_END). */
export const BPF_BSWAP = (dst: number, len: number) => BPF_RAW_INSN(BPF_ALU64 | BPF_END | BPF_K, dst, 0, 0, len);

// Moves. The MOVSX forms sign-extend the low `off` bits (8, 16, 32).
export const BPF_MOV64_REG = (dst: number, src: number) => BPF_RAW_INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
export const BPF_MOV32_REG = (dst: number, src: number) => BPF_RAW_INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
export const BPF_MOV64_IMM = (dst: number, imm: number) => BPF_RAW_INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
export const BPF_MOV32_IMM = (dst: number, imm: number) => BPF_RAW_INSN(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm);
export const BPF_MOVSX64_REG = (dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, off, 0);
export const BPF_MOVSX32_REG = (dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, off, 0);
/** `BPF_ZEXT_REG`: the verifier's explicit zero-extension, a mov32 with imm = 1. */
export const BPF_ZEXT_REG = (dst: number) => BPF_RAW_INSN(BPF_ALU | BPF_MOV | BPF_X, dst, dst, 0, 1);

/** `BPF_LD_IMM64_RAW`: a 64-bit constant in two slots; `src` is a BPF_PSEUDO_* or 0. */
export const BPF_LD_IMM64_RAW = (dst: number, src: number, imm: bigint): [BpfInsn, BpfInsn] => {
  const v = BigInt.asUintN(64, imm);
  return [
    BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, Number(v & 0xffffffffn) | 0),
    BPF_RAW_INSN(0, 0, 0, 0, Number(v >> 32n) | 0),
  ];
};
export const BPF_LD_IMM64 = (dst: number, imm: bigint) => BPF_LD_IMM64_RAW(dst, 0, imm);
/** `BPF_LD_MAP_FD`: the verifier swaps the fd for the map's address. */
export const BPF_LD_MAP_FD = (dst: number, fd: number) => BPF_LD_IMM64_RAW(dst, BPF_PSEUDO_MAP_FD, BigInt(fd));
/** `BPF_LD_MAP_VALUE`: the address of `map_fd`'s value at `off` (arrays with one entry, .data/.bss). */
export const BPF_LD_MAP_VALUE = (dst: number, fd: number, off: number): [BpfInsn, BpfInsn] => [
  BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_VALUE, 0, fd),
  BPF_RAW_INSN(0, 0, 0, 0, off),
];
/** The address of a subprogram `imm` instructions after the next one (BPF_PSEUDO_FUNC). */
export const BPF_LD_FUNC = (dst: number, imm: number): [BpfInsn, BpfInsn] => [
  BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_FUNC, 0, imm),
  BPF_RAW_INSN(0, 0, 0, 0, 0),
];

// Classic packet loads, still accepted for socket filters.
export const BPF_LD_ABS = (size: number, imm: number) => BPF_RAW_INSN(BPF_LD | size | BPF_ABS, 0, 0, 0, imm);
export const BPF_LD_IND = (size: number, src: number, imm: number) => BPF_RAW_INSN(BPF_LD | size | BPF_IND, 0, src, 0, imm);

// Memory.
export const BPF_LDX_MEM = (size: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_LDX | size | BPF_MEM, dst, src, off, 0);
export const BPF_LDX_MEMSX = (size: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_LDX | size | BPF_MEMSX, dst, src, off, 0);
export const BPF_STX_MEM = (size: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_STX | size | BPF_MEM, dst, src, off, 0);
export const BPF_ST_MEM = (size: number, dst: number, off: number, imm: number) =>
  BPF_RAW_INSN(BPF_ST | size | BPF_MEM, dst, 0, off, imm);
/** `BPF_ATOMIC_OP`: `op` is BPF_ADD/AND/OR/XOR (| BPF_FETCH), BPF_XCHG or BPF_CMPXCHG; size W or DW. */
export const BPF_ATOMIC_OP = (size: number, op: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_STX | size | BPF_ATOMIC, dst, src, off, op);

// Jumps. `off` counts instructions from the next one.
export const BPF_JMP_REG = (op: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_JMP | op | BPF_X, dst, src, off, 0);
export const BPF_JMP_IMM = (op: number, dst: number, imm: number, off: number) =>
  BPF_RAW_INSN(BPF_JMP | op | BPF_K, dst, 0, off, imm);
export const BPF_JMP32_REG = (op: number, dst: number, src: number, off: number) =>
  BPF_RAW_INSN(BPF_JMP32 | op | BPF_X, dst, src, off, 0);
export const BPF_JMP32_IMM = (op: number, dst: number, imm: number, off: number) =>
  BPF_RAW_INSN(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
/** `BPF_JMP_A`: unconditional jump by `off`. */
export const BPF_JMP_A = (off: number) => BPF_RAW_INSN(BPF_JMP | BPF_JA, 0, 0, off, 0);
/** `BPF_JMP32_A`: gotol, the long unconditional jump with its offset in imm (cpu v4). */
export const BPF_JMP32_A = (imm: number) => BPF_RAW_INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, imm);

/** A helper call by `bpf_func_id` (what user space writes; the verifier fixes up imm later). */
export const BPF_EMIT_CALL = (func_id: number) => BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, func_id);
/** `BPF_CALL_REL`: a bpf-to-bpf call to the subprogram `imm` instructions after the next one. */
export const BPF_CALL_REL = (imm: number) => BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm);
export const BPF_EXIT_INSN = () => BPF_RAW_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
