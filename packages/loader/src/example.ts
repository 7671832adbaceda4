/**
 * The bundled example: a socket filter that counts packets per IP protocol in an
 * array map, the program `npm start` traces and the course follows chapter by chapter.
 * It is the classic samples/bpf/sockex1 idea written with include/linux/filter.h's
 * builders, as the kernel's selftests write programs:
 * https://elixir.bootlin.com/linux/v6.18/source/samples/bpf/sockex1_kern.c
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/filter.h
 *
 * In C it would read:
 *
 *   struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, u32); __type(value, u64);
 *            __uint(max_entries, 256); } proto_count SEC(".maps");
 *   SEC("socket") int count_protos(struct __sk_buff *skb) {
 *       u32 proto = 0;
 *       if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, protocol), &proto, 1))
 *           return 0;
 *       u64 *n = bpf_map_lookup_elem(&proto_count, &proto);
 *       if (n) __sync_fetch_and_add(n, 1);
 *       return 0;
 *   }
 *
 * It exercises what a first load path needs: a stack slot handed to a helper
 * (bpf_skb_load_bytes copies the protocol byte into it), a map reference
 * (BPF_LD_MAP_FD, the two-slot ld_imm64 the verifier rewrites to the map's address),
 * a helper call whose result may be NULL, the branches that check results, and an
 * atomic add. (sockex1's classic BPF_LD_ABS would do too, but the kernel's verifier
 * rewrites LD_ABS into internal helper calls in do_misc_fixups before any JIT sees it;
 * the model does not carry that rewrite, so its RISC-V JIT would refuse the program.)
 * Isomorphic: no Node API, so the site's live components import it too.
 * @module
 */
import {
  BPF_ADD,
  BPF_ATOMIC_OP,
  BPF_DW,
  BPF_EMIT_CALL,
  BPF_EXIT_INSN,
  BPF_JEQ,
  BPF_JNE,
  BPF_JMP_IMM,
  BPF_LD_MAP_FD,
  BPF_ALU64_IMM,
  BPF_MOV64_IMM,
  BPF_MOV64_REG,
  BPF_REG_0,
  BPF_REG_1,
  BPF_REG_10,
  BPF_REG_2,
  BPF_REG_3,
  BPF_REG_4,
  BPF_ST_MEM,
  BPF_W,
  bpf_func_id,
  bpf_map_type,
  bpf_prog_type,
  type BpfAttrInput,
  type BpfInsn,
} from '@bpf-internals/uapi';

/**
 * `offsetof(struct iphdr, protocol)`. bpf_skb_load_bytes counts from skb->data, and a socket filter
 * run by BPF_PROG_TEST_RUN gets the packet after eth_type_trans() pulled the Ethernet
 * header (bpf_prog_test_run_skb pushes it back only for tc programs), so data is the
 * IP header. (sockex1 reads ETH_HLEN + 9 because a packet socket sees the MAC header.)
 */
export const EXAMPLE_PROTO_OFFSET = 9;

/** `ETH_HLEN`: the Ethernet header BPF_PROG_TEST_RUN's data_in starts with. */
export const ETH_HLEN = 14;

/** BPF_MAP_CREATE for the example's map: one u64 counter per IP protocol number. */
export const exampleMapAttr = {
  map_type: bpf_map_type.BPF_MAP_TYPE_ARRAY,
  key_size: 4,
  value_size: 8,
  max_entries: 256,
  map_name: 'proto_count',
} satisfies BpfAttrInput<'BPF_MAP_CREATE'>;

/** The program's name, type and license as BPF_PROG_LOAD receives them. */
export const exampleProg = {
  prog_type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
  prog_name: 'count_protos',
  license: 'GPL',
} as const;

// #region example_insns
/**
 * The instructions, with `mapFd` (the fd BPF_MAP_CREATE returned) in the ld_imm64.
 * Each line's comment is what the kernel's verifier log prints for it.
 */
export function exampleInsns(mapFd: number): BpfInsn[] {
  return [
    BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0), //                  *(u32 *)(r10 -4) = 0
    BPF_MOV64_IMM(BPF_REG_2, EXAMPLE_PROTO_OFFSET), //        r2 = 9 (r1 is still the skb)
    BPF_MOV64_REG(BPF_REG_3, BPF_REG_10), //                r3 = r10
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, -4), //                r3 += -4
    BPF_MOV64_IMM(BPF_REG_4, 1), //                         r4 = 1
    BPF_EMIT_CALL(bpf_func_id.BPF_FUNC_skb_load_bytes), //   call bpf_skb_load_bytes#26
    BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 8), //                if r0 != 0x0 goto pc+8
    BPF_MOV64_REG(BPF_REG_2, BPF_REG_10), //                r2 = r10
    BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4), //                r2 += -4
    ...BPF_LD_MAP_FD(BPF_REG_1, mapFd), //                   r1 = map[id:..] ll (two slots)
    BPF_EMIT_CALL(bpf_func_id.BPF_FUNC_map_lookup_elem), //  call bpf_map_lookup_elem#1
    BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2), //                if r0 == 0x0 goto pc+2
    BPF_MOV64_IMM(BPF_REG_1, 1), //                         r1 = 1
    BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0), // lock *(u64 *)(r0 +0) += r1
    BPF_MOV64_IMM(BPF_REG_0, 0), //                         r0 = 0
    BPF_EXIT_INSN(), //                                     exit
  ];
}
// #endregion example_insns

/** Where the example's user-space buffers sit in the caller's memory (addresses as u64). */
export interface ExampleBuffers {
  insns: bigint;
  license: bigint;
  log_buf?: bigint;
  log_size?: number;
  log_level?: number;
}

/** The BPF_PROG_LOAD attr fields for the example, given where its buffers are. */
export function exampleProgLoadAttr(mapFd: number, buf: ExampleBuffers): BpfAttrInput<'BPF_PROG_LOAD'> {
  return {
    prog_type: exampleProg.prog_type,
    insn_cnt: exampleInsns(mapFd).length,
    insns: buf.insns,
    license: buf.license,
    log_level: buf.log_level ?? 0,
    log_size: buf.log_size ?? 0,
    log_buf: buf.log_buf ?? 0n,
    prog_name: exampleProg.prog_name,
  };
}

/**
 * A test packet for BPF_PROG_TEST_RUN: an Ethernet + IPv4 header carrying `proto`
 * (6 = TCP, 17 = UDP), padded to the 60-byte minimum frame.
 */
export function examplePacket(proto: number): Uint8Array {
  const p = new Uint8Array(60);
  p.set([0x08, 0x00], 12); // ethertype IPv4
  p[14] = 0x45; // version 4, IHL 5
  p[16] = 0;
  p[17] = 46; // total length
  p[22] = 64; // ttl
  p[ETH_HLEN + EXAMPLE_PROTO_OFFSET] = proto;
  return p;
}
