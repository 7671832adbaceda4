/**
 * The instruction encoding: classes, sizes, modes, ALU/JMP ops, sources,
 * pseudo src_reg values and register numbers.
 * Mirrors include/uapi/linux/bpf_common.h and include/uapi/linux/bpf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/bpf_common.h
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/bpf.h
 *
 * These are `#define`s in C, so BTF does not carry them; opcodes.test.ts checks
 * them against the system's <linux/bpf.h> where a C compiler is present.
 * @module
 */

// Instruction classes: the low 3 bits of `code`.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// Load/store sizes: bits 3-4.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// Load/store modes: bits 5-7.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;
/** Sign-extending load (cpu v4). */
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

// ALU operations: bits 4-7.
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// Jump operations: bits 4-7.
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
/** `may_goto` and friends (cpu v4+, verifier-internal conditional). */
export const BPF_JCOND = 0xe0;

// Operand source: bit 3.
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// BPF_END byte order (in the BPF_ALU class); BPF_ALU64 | BPF_END is the unconditional bswap.
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;
export const BPF_FROM_LE = BPF_TO_LE;
export const BPF_FROM_BE = BPF_TO_BE;

// Atomic operations, in `imm` of BPF_STX | BPF_ATOMIC.
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

/** `BPF_MAY_GOTO`, the src_reg of BPF_JMP | BPF_JCOND. */
export const BPF_MAY_GOTO = 0;

// Field accessors, as the kernel's macros.
export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;

// src_reg of BPF_LD | BPF_IMM | BPF_DW (ld_imm64).
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// src_reg of BPF_JMP | BPF_CALL.
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

// Registers.
export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_2 = 2;
export const BPF_REG_3 = 3;
export const BPF_REG_4 = 4;
export const BPF_REG_5 = 5;
export const BPF_REG_6 = 6;
export const BPF_REG_7 = 7;
export const BPF_REG_8 = 8;
export const BPF_REG_9 = 9;
export const BPF_REG_10 = 10;
/** `BPF_REG_FP`: the read-only frame pointer. */
export const BPF_REG_FP = BPF_REG_10;
export const MAX_BPF_REG = 11;
/** `BPF_REG_AX`: the kernel-internal auxiliary register (constant blinding, div/mod patchlets). */
export const BPF_REG_AX = MAX_BPF_REG;
export const MAX_BPF_EXT_REG = MAX_BPF_REG + 1;

/** `MAX_BPF_STACK`: bytes of stack per frame. */
export const MAX_BPF_STACK = 512;
/** `BPF_MAXINSNS`: the classic limit, still the cap for unprivileged loads. */
export const BPF_MAXINSNS = 4096;
/** `BPF_COMPLEXITY_LIMIT_INSNS`: the privileged cap (include/linux/bpf.h). */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** `MAX_CALL_FRAMES` (include/linux/bpf_verifier.h). */
export const MAX_CALL_FRAMES = 8;
/** `MAX_TAIL_CALL_CNT` (include/linux/bpf.h). */
export const MAX_TAIL_CALL_CNT = 33;
/** `BPF_OBJ_NAME_LEN`. */
export const BPF_OBJ_NAME_LEN = 16;
/** `BPF_TAG_SIZE`. */
export const BPF_TAG_SIZE = 8;

// BPF_PROG_LOAD prog_flags (#defines in bpf.h).
export const BPF_F_STRICT_ALIGNMENT = 1 << 0;
export const BPF_F_ANY_ALIGNMENT = 1 << 1;
export const BPF_F_TEST_RND_HI32 = 1 << 2;
export const BPF_F_TEST_STATE_FREQ = 1 << 3;
export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;
export const BPF_F_XDP_DEV_BOUND_ONLY = 1 << 6;
export const BPF_F_TEST_REG_INVARIANTS = 1 << 7;

// PROG_ATTACH attach_flags (#defines in bpf.h).
export const BPF_F_ALLOW_OVERRIDE = 1 << 0;
export const BPF_F_ALLOW_MULTI = 1 << 1;
export const BPF_F_REPLACE = 1 << 2;
export const BPF_F_BEFORE = 1 << 3;
export const BPF_F_AFTER = 1 << 4;
export const BPF_F_ID = 1 << 5;
export const BPF_F_PREORDER = 1 << 6;
export const BPF_F_LINK_ATTACH = 1 << 13; // BPF_F_LINK in the attach namespace
export const BPF_F_QUERY_EFFECTIVE = 1 << 0;

// PROG_TEST_RUN flags.
export const BPF_F_TEST_RUN_ON_CPU = 1 << 0;
export const BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
export const BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 1 << 2;
