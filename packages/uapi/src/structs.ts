/**
 * The other UAPI structs of BPF: what BPF_OBJ_GET_INFO_BY_FD fills (`bpf_prog_info`,
 * `bpf_map_info`, `bpf_btf_info`, `bpf_link_info`), the program contexts user space
 * passes to BPF_PROG_TEST_RUN (`__sk_buff`, `xdp_md`), the BTF line/func records of
 * BPF_PROG_LOAD, `struct bpf_insn` itself, and two map key headers.
 * Mirrors include/uapi/linux/bpf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/bpf.h
 *
 * Declared as bpf.h declares them; offsets come from the declaration and are checked
 * against the live kernel's BTF by layouts.test.ts. Info structs only grow at the end:
 * the kernel copies min(info_len, sizeof) and rejects a larger user struct whose tail
 * is not zero (bpf_check_uarg_tail_zero), so `since` marks what came after 6.1.
 * @module
 */
import { UapiError } from './errors.js';
import {
  bitfield,
  decodeLayout,
  encodeLayout,
  field,
  layoutSizeAt,
  layoutStruct,
  pad,
  struct,
  union,
  type Decoded,
  type Encodable,
  type StructLayout,
} from './internal/layout.js';

// #region bpf_prog_info
/** `struct bpf_prog_info`: BPF_OBJ_GET_INFO_BY_FD on a program fd. */
export const bpf_prog_info_decl = struct('', [
  field('type', '__u32', 'enum bpf_prog_type'),
  field('id', '__u32', 'program id (BPF_PROG_GET_FD_BY_ID)'),
  field('tag', '__u8[8]', 'SHA-1 prefix of the xlated instructions with map fds zeroed'),
  field('jited_prog_len', '__u32', 'bytes of JITed code'),
  field('xlated_prog_len', '__u32', 'bytes of instructions after the verifier rewrote them'),
  field('jited_prog_insns', '__aligned_u64', 'in: pointer receiving the JITed image'),
  field('xlated_prog_insns', '__aligned_u64', 'in: pointer receiving the xlated instructions'),
  field('load_time', '__u64', 'ns since boot at load'),
  field('created_by_uid', '__u32', 'uid of the loader'),
  field('nr_map_ids', '__u32', 'in: room at map_ids; out: number of maps used'),
  field('map_ids', '__aligned_u64', 'in: pointer receiving the map ids'),
  field('name', 'char[16]', 'prog_name given at load'),
  field('ifindex', '__u32', 'offload netdev'),
  bitfield('gpl_compatible', '__u32', 1, 'the license was GPL-compatible'),
  pad('__u32', 31),
  field('netns_dev', '__u64', 'offload netns device'),
  field('netns_ino', '__u64', 'offload netns inode'),
  field('nr_jited_ksyms', '__u32', 'number of JITed functions (subprograms)'),
  field('nr_jited_func_lens', '__u32', 'number of entries at jited_func_lens'),
  field('jited_ksyms', '__aligned_u64', 'in: pointer receiving the functions\' addresses'),
  field('jited_func_lens', '__aligned_u64', 'in: pointer receiving the functions\' lengths'),
  field('btf_id', '__u32', 'id of the program BTF'),
  field('func_info_rec_size', '__u32', 'sizeof(struct bpf_func_info)'),
  field('func_info', '__aligned_u64', 'in: pointer receiving the func_info records'),
  field('nr_func_info', '__u32', 'number of func_info records'),
  field('nr_line_info', '__u32', 'number of line_info records'),
  field('line_info', '__aligned_u64', 'in: pointer receiving the line_info records'),
  field('jited_line_info', '__aligned_u64', 'in: pointer receiving JITed addresses of lines'),
  field('nr_jited_line_info', '__u32', 'number of jited_line_info entries'),
  field('line_info_rec_size', '__u32', 'sizeof(struct bpf_line_info)'),
  field('jited_line_info_rec_size', '__u32', 'sizeof(__u64)'),
  field('nr_prog_tags', '__u32', 'number of tags (one per subprogram)'),
  field('prog_tags', '__aligned_u64', 'in: pointer receiving the tags'),
  field('run_time_ns', '__u64', 'total run time, with BPF_ENABLE_STATS'),
  field('run_cnt', '__u64', 'number of runs, with BPF_ENABLE_STATS'),
  field('recursion_misses', '__u64', 'runs skipped because the program was already running'),
  field('verified_insns', '__u32', 'instructions the verifier processed'),
  field('attach_btf_obj_id', '__u32', 'id of the BTF object holding attach_btf_id'),
  field('attach_btf_id', '__u32', 'BTF type id the program attaches to'),
  pad('__u32', 32),
]);
// #endregion bpf_prog_info

/** `struct bpf_map_info`: BPF_OBJ_GET_INFO_BY_FD on a map fd. */
export const bpf_map_info_decl = struct('', [
  field('type', '__u32', 'enum bpf_map_type'),
  field('id', '__u32', 'map id (BPF_MAP_GET_FD_BY_ID)'),
  field('key_size', '__u32', 'key size'),
  field('value_size', '__u32', 'value size'),
  field('max_entries', '__u32', 'maximum number of entries'),
  field('map_flags', '__u32', 'map_flags given at creation'),
  field('name', 'char[16]', 'map_name given at creation'),
  field('ifindex', '__u32', 'offload netdev'),
  field('btf_vmlinux_value_type_id', '__u32', 'struct_ops value type'),
  field('netns_dev', '__u64', 'offload netns device'),
  field('netns_ino', '__u64', 'offload netns inode'),
  field('btf_id', '__u32', 'id of the map BTF'),
  field('btf_key_type_id', '__u32', 'BTF type id of the key'),
  field('btf_value_type_id', '__u32', 'BTF type id of the value'),
  field('btf_vmlinux_id', '__u32', 'id of the vmlinux/module BTF of a struct_ops value', '6.9'),
  field('map_extra', '__u64', 'map_extra given at creation'),
  field('hash', '__aligned_u64', 'in: pointer receiving the SHA-256 of a frozen map\'s contents', '6.18'),
  field('hash_size', '__u32', 'size of hash (SHA256_DIGEST_SIZE)', '6.18'),
]);

/** `struct bpf_btf_info`: BPF_OBJ_GET_INFO_BY_FD on a BTF fd. */
export const bpf_btf_info_decl = struct('', [
  field('btf', '__aligned_u64', 'in: pointer receiving the raw BTF'),
  field('btf_size', '__u32', 'in: room at btf; out: size of the raw BTF'),
  field('id', '__u32', 'BTF object id'),
  field('name', '__aligned_u64', 'in: pointer receiving the name (vmlinux, module name)'),
  field('name_len', '__u32', 'in: room at name; out: its length'),
  field('kernel_btf', '__u32', '1 for vmlinux and module BTF'),
]);

const tcxLike = (name: 'tcx' | 'netkit', since: string) =>
  struct(name, [field('ifindex', '__u32', 'netdev'), field('attach_type', '__u32', 'ingress or egress')], undefined, since);

// #region bpf_link_info
/** `struct bpf_link_info`: BPF_OBJ_GET_INFO_BY_FD on a link fd; the union is chosen by `type`. */
export const bpf_link_info_decl = struct('', [
  field('type', '__u32', 'enum bpf_link_type'),
  field('id', '__u32', 'link id'),
  field('prog_id', '__u32', 'id of the linked program'),
  union('', [
    struct('raw_tracepoint', [
      field('tp_name', '__aligned_u64', 'in/out: pointer receiving the tracepoint name'),
      field('tp_name_len', '__u32', 'in/out: room at tp_name / its length'),
      field('cookie', '__u64', 'bpf_get_attach_cookie() value', '6.18'),
    ]),
    struct('tracing', [
      field('attach_type', '__u32', 'enum bpf_attach_type'),
      field('target_obj_id', '__u32', 'prog id for freplace, else BTF object id'),
      field('target_btf_id', '__u32', 'BTF type id inside that object'),
      field('cookie', '__u64', 'bpf_get_attach_cookie() value', '6.18'),
    ]),
    struct('cgroup', [field('cgroup_id', '__u64', 'cgroup id'), field('attach_type', '__u32', 'enum bpf_attach_type')]),
    struct('iter', [
      field('target_name', '__aligned_u64', 'in/out: pointer receiving the iterator target name'),
      field('target_name_len', '__u32', 'in/out: room / length'),
      union('', [struct('map', [field('map_id', '__u32', 'the iterated map')])]),
      union('', [
        struct('cgroup', [field('cgroup_id', '__u64', 'the iterated cgroup'), field('order', '__u32', 'walk order')]),
        struct('task', [field('tid', '__u32', 'thread id'), field('pid', '__u32', 'process id')]),
      ]),
    ]),
    struct('netns', [field('netns_ino', '__u32', 'netns inode'), field('attach_type', '__u32', 'enum bpf_attach_type')]),
    struct('xdp', [field('ifindex', '__u32', 'netdev')]),
    struct('struct_ops', [field('map_id', '__u32', 'the struct_ops map')], undefined, '6.4'),
    struct(
      'netfilter',
      [
        field('pf', '__u32', 'protocol family'),
        field('hooknum', '__u32', 'hook'),
        field('priority', '__s32', 'priority'),
        field('flags', '__u32', 'flags'),
      ],
      undefined,
      '6.4',
    ),
    struct(
      'kprobe_multi',
      [
        field('addrs', '__aligned_u64', 'in: pointer receiving the addresses'),
        field('count', '__u32', 'in/out: number of functions'),
        field('flags', '__u32', 'BPF_F_KPROBE_MULTI_RETURN'),
        field('missed', '__u64', 'missed runs', '6.7'),
        field('cookies', '__aligned_u64', 'in: pointer receiving the cookies', '6.9'),
      ],
      undefined,
      '6.5',
    ),
    struct(
      'uprobe_multi',
      [
        field('path', '__aligned_u64', 'in: pointer receiving the binary path'),
        field('offsets', '__aligned_u64', 'in: pointer receiving the offsets'),
        field('ref_ctr_offsets', '__aligned_u64', 'in: pointer receiving the ref_ctr offsets'),
        field('cookies', '__aligned_u64', 'in: pointer receiving the cookies'),
        field('path_size', '__u32', 'in/out: room at path / its size with the NUL'),
        field('count', '__u32', 'in/out: number of probes'),
        field('flags', '__u32', 'BPF_F_UPROBE_MULTI_RETURN'),
        field('pid', '__u32', 'process filter'),
      ],
      undefined,
      '6.8',
    ),
    struct(
      'perf_event',
      [
        field('type', '__u32', 'enum bpf_perf_event_type'),
        pad('__u32', 32),
        union('', [
          struct('uprobe', [
            field('file_name', '__aligned_u64', 'in/out: pointer receiving the file name'),
            field('name_len', '__u32', 'in/out: room / length'),
            field('offset', '__u32', 'offset in the file'),
            field('cookie', '__u64', 'bpf_get_attach_cookie() value', '6.9'),
            field('ref_ctr_offset', '__u64', 'reference counter offset', '6.18'),
          ]),
          struct('kprobe', [
            field('func_name', '__aligned_u64', 'in/out: pointer receiving the function name'),
            field('name_len', '__u32', 'in/out: room / length'),
            field('offset', '__u32', 'offset in the function'),
            field('addr', '__u64', 'address'),
            field('missed', '__u64', 'missed runs', '6.7'),
            field('cookie', '__u64', 'bpf_get_attach_cookie() value', '6.9'),
          ]),
          struct('tracepoint', [
            field('tp_name', '__aligned_u64', 'in/out: pointer receiving the tracepoint name'),
            field('name_len', '__u32', 'in/out: room / length'),
            pad('__u32', 32),
            field('cookie', '__u64', 'bpf_get_attach_cookie() value', '6.9'),
          ]),
          struct('event', [
            field('config', '__u64', 'perf_event_attr.config'),
            field('type', '__u32', 'perf_event_attr.type'),
            pad('__u32', 32),
            field('cookie', '__u64', 'bpf_get_attach_cookie() value', '6.9'),
          ]),
        ]),
      ],
      undefined,
      '6.5',
    ),
    tcxLike('tcx', '6.6'),
    tcxLike('netkit', '6.7'),
    struct(
      'sockmap',
      [field('map_id', '__u32', 'the sockmap'), field('attach_type', '__u32', 'enum bpf_attach_type')],
      undefined,
      '6.10',
    ),
  ]),
]);
// #endregion bpf_link_info

// #region contexts
/** `struct xdp_md`: the XDP context as BPF programs (and BPF_PROG_TEST_RUN's ctx_in) see it. */
export const xdp_md_decl = struct('', [
  field('data', '__u32', 'packet start (rewritten by the verifier to a pointer)'),
  field('data_end', '__u32', 'packet end'),
  field('data_meta', '__u32', 'metadata start, before data'),
  field('ingress_ifindex', '__u32', 'receiving netdev (rxq->dev->ifindex)'),
  field('rx_queue_index', '__u32', 'receive queue (rxq->queue_index)'),
  field('egress_ifindex', '__u32', 'transmitting netdev (txq->dev->ifindex), devmap programs'),
]);

/** `struct __sk_buff`: the socket-filter/tc context; the verifier maps each field to sk_buff. */
export const __sk_buff_decl = struct('', [
  field('len', '__u32', 'skb->len'),
  field('pkt_type', '__u32', 'PACKET_HOST, PACKET_BROADCAST, ...'),
  field('mark', '__u32', 'skb->mark'),
  field('queue_mapping', '__u32', 'tx queue'),
  field('protocol', '__u32', 'ethertype, network byte order'),
  field('vlan_present', '__u32', 'a VLAN tag was stripped'),
  field('vlan_tci', '__u32', 'VLAN TCI'),
  field('vlan_proto', '__u32', 'VLAN protocol'),
  field('priority', '__u32', 'skb->priority'),
  field('ingress_ifindex', '__u32', 'receiving netdev'),
  field('ifindex', '__u32', 'current netdev'),
  field('tc_index', '__u32', 'traffic control index'),
  field('cb', '__u32[5]', 'scratch space shared between programs'),
  field('hash', '__u32', 'flow hash'),
  field('tc_classid', '__u32', 'tc class id'),
  field('data', '__u32', 'packet data start (tc, sk_skb)'),
  field('data_end', '__u32', 'packet data end'),
  field('napi_id', '__u32', 'NAPI id'),
  field('family', '__u32', 'socket family (sk_skb)'),
  field('remote_ip4', '__u32', 'network byte order'),
  field('local_ip4', '__u32', 'network byte order'),
  field('remote_ip6', '__u32[4]', 'network byte order'),
  field('local_ip6', '__u32[4]', 'network byte order'),
  field('remote_port', '__u32', 'network byte order'),
  field('local_port', '__u32', 'host byte order'),
  field('data_meta', '__u32', 'metadata start'),
  field('flow_keys', 'struct bpf_flow_keys *', '__bpf_md_ptr: flow dissector keys'),
  field('tstamp', '__u64', 'timestamp'),
  field('wire_len', '__u32', 'length on the wire'),
  field('gso_segs', '__u32', 'GSO segments'),
  field('sk', 'struct bpf_sock *', '__bpf_md_ptr: the socket'),
  field('gso_size', '__u32', 'GSO size'),
  field('tstamp_type', '__u8', 'BPF_SKB_TSTAMP_*'),
  pad('__u32', 24),
  field('hwtstamp', '__u64', 'hardware timestamp'),
]);
// #endregion contexts

/** `struct bpf_func_info`: one per function, in BPF_PROG_LOAD's func_info. */
export const bpf_func_info_decl = struct('', [
  field('insn_off', '__u32', 'first instruction of the function'),
  field('type_id', '__u32', 'its BTF_KIND_FUNC type id'),
]);

/** `struct bpf_line_info`: one per source line, in BPF_PROG_LOAD's line_info. */
export const bpf_line_info_decl = struct('', [
  field('insn_off', '__u32', 'first instruction of the line'),
  field('file_name_off', '__u32', 'offset of the file name in the BTF string section'),
  field('line_off', '__u32', 'offset of the source text in the BTF string section'),
  field('line_col', '__u32', 'line << 10 | column (BPF_LINE_INFO_LINE_NUM / _LINE_COL)'),
]);

/** `struct bpf_insn` as a layout (insn.ts has the fast codec used for programs). */
export const bpf_insn_decl = struct('', [
  field('code', '__u8', 'opcode'),
  bitfield('dst_reg', '__u8', 4, 'destination register'),
  bitfield('src_reg', '__u8', 4, 'source register'),
  field('off', '__s16', 'signed offset'),
  field('imm', '__s32', 'signed immediate'),
]);

/** `struct bpf_lpm_trie_key_hdr`: the prefix length that starts every LPM trie key. */
export const bpf_lpm_trie_key_hdr_decl = struct(
  '',
  [field('prefixlen', '__u32', 'number of significant bits of the data that follows')],
  undefined,
  '6.8',
);

/** `struct bpf_cgroup_storage_key`: the key of a cgroup storage map. */
export const bpf_cgroup_storage_key_decl = struct('', [
  field('cgroup_inode_id', '__u64', 'cgroup inode id'),
  field('attach_type', '__u32', 'program attach type'),
]);

export type BpfProgInfo = Decoded<typeof bpf_prog_info_decl>;
export type BpfMapInfo = Decoded<typeof bpf_map_info_decl>;
export type BpfBtfInfo = Decoded<typeof bpf_btf_info_decl>;
export type BpfLinkInfo = Decoded<typeof bpf_link_info_decl>;
export type XdpMd = Decoded<typeof xdp_md_decl>;
export type SkBuff = Decoded<typeof __sk_buff_decl>;
export type BpfFuncInfo = Decoded<typeof bpf_func_info_decl>;
export type BpfLineInfo = Decoded<typeof bpf_line_info_decl>;

/** The struct layouts, computed once: name -> offsets, sizes, C types. */
export const uapiStructs = {
  bpf_insn: layoutStruct('bpf_insn', bpf_insn_decl),
  bpf_prog_info: layoutStruct('bpf_prog_info', bpf_prog_info_decl, 8),
  bpf_map_info: layoutStruct('bpf_map_info', bpf_map_info_decl, 8),
  bpf_link_info: layoutStruct('bpf_link_info', bpf_link_info_decl, 8),
  bpf_btf_info: layoutStruct('bpf_btf_info', bpf_btf_info_decl, 8),
  xdp_md: layoutStruct('xdp_md', xdp_md_decl),
  __sk_buff: layoutStruct('__sk_buff', __sk_buff_decl),
  bpf_func_info: layoutStruct('bpf_func_info', bpf_func_info_decl),
  bpf_line_info: layoutStruct('bpf_line_info', bpf_line_info_decl),
  bpf_lpm_trie_key_hdr: layoutStruct('bpf_lpm_trie_key_hdr', bpf_lpm_trie_key_hdr_decl),
  bpf_cgroup_storage_key: layoutStruct('bpf_cgroup_storage_key', bpf_cgroup_storage_key_decl),
} as const satisfies Record<string, StructLayout>;

export type UapiStructName = keyof typeof uapiStructs;

/** Struct name -> its declaration's type, for the typed encode/decode. */
export interface StructTypes {
  bpf_insn: typeof bpf_insn_decl;
  bpf_prog_info: typeof bpf_prog_info_decl;
  bpf_map_info: typeof bpf_map_info_decl;
  bpf_link_info: typeof bpf_link_info_decl;
  bpf_btf_info: typeof bpf_btf_info_decl;
  xdp_md: typeof xdp_md_decl;
  __sk_buff: typeof __sk_buff_decl;
  bpf_func_info: typeof bpf_func_info_decl;
  bpf_line_info: typeof bpf_line_info_decl;
  bpf_lpm_trie_key_hdr: typeof bpf_lpm_trie_key_hdr_decl;
  bpf_cgroup_storage_key: typeof bpf_cgroup_storage_key_decl;
}

/** The layout of a UAPI struct by name, or a UapiError. */
export function uapiStruct(name: UapiStructName): StructLayout {
  const l = (uapiStructs as Record<string, StructLayout>)[name];
  if (!l) throw new UapiError(String(name), 'unknown UAPI struct');
  return l;
}

/**
 * `sizeof(struct <name>)` in an older release, from the fields' `since` marks (0 when the
 * struct did not exist yet). What an old binary passes as info_len, for instance.
 */
export function sizeofStructAt(name: UapiStructName, release: string): number {
  return layoutSizeAt(uapiStruct(name), release);
}

/** `sizeof(struct <name>)` in v6.18. */
export function sizeofStruct(name: UapiStructName): number {
  return uapiStruct(name).size;
}

/** Encode a struct into a zeroed buffer of exactly sizeof(struct); bad values are UapiErrors. */
export function encodeStruct<N extends UapiStructName>(name: N, fields: Encodable<StructTypes[N]>): Uint8Array {
  const l = uapiStruct(name);
  const out = new Uint8Array(l.size);
  encodeLayout(l, fields, out);
  return out;
}

/** Decode a struct; the buffer must hold at least sizeof(struct) bytes. */
export function decodeStruct<N extends UapiStructName>(name: N, bytes: Uint8Array): Decoded<StructTypes[N]> {
  return decodeLayout(uapiStruct(name), bytes) as Decoded<StructTypes[N]>;
}

/**
 * Encode an info struct and copy out the first `info_len` bytes, as the kernel's
 * `copy_to_user(uinfo, &info, info_len)` does after `info_len = min(info_len, sizeof(info))`.
 * Returns the bytes and the info_len the kernel writes back.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_get_info_by_fd)
 */
export function encodeInfo<N extends 'bpf_prog_info' | 'bpf_map_info' | 'bpf_btf_info' | 'bpf_link_info'>(
  name: N,
  fields: Encodable<StructTypes[N]>,
  info_len: number,
): { bytes: Uint8Array; info_len: number } {
  const full = encodeStruct(name, fields);
  const n = Math.max(0, Math.min(info_len >>> 0, full.length));
  return { bytes: full.slice(0, n), info_len: n };
}
