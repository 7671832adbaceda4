/**
 * `union bpf_attr`: the one argument every `bpf(cmd, attr, size)` call passes.
 * Mirrors include/uapi/linux/bpf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/bpf.h (union bpf_attr)
 * and the `BPF_*_LAST_FIELD` / `CHECK_ATTR` convention of kernel/bpf/syscall.c:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (CHECK_ATTR)
 *
 * The union is declared below the way bpf.h declares it: one anonymous or named
 * struct per family of commands. Offsets and sizes are computed from the
 * declaration (internal/layout.ts), never typed in; layouts.test.ts checks every
 * field against the live kernel's BTF, and a C compiler where there is one.
 *
 * The union only ever grows at its end: v6.1 had 144 bytes, v6.18 has 168. A field
 * marked `since` arrived after 6.1; an old binary that passes `size = 144` simply
 * leaves those fields zero, which is why zero must always mean "not used".
 * @module
 */
import { UapiError } from './errors.js';
import { bpf_cmd } from './generated/enums.generated.js';
import {
  cString,
  decodeLayout,
  encodeLayout,
  field,
  layoutSizeAt,
  layoutStruct,
  pad,
  readField,
  struct,
  union,
  writeField,
  type LayoutField,
  type MemberDecoded,
  type MemberEncodable,
  type StructLayout,
} from './internal/layout.js';

export { cString };
export type {
  AggDecl,
  Decl,
  Decoded,
  Encodable,
  FieldDecl,
  LayoutField,
  LayoutGroup,
  LeafKind,
  MemberDecoded,
  MemberEncodable,
  StructLayout,
} from './internal/layout.js';

// #region bpf_attr_map
/** BPF_MAP_CREATE. */
const map_create = struct('', [
  field('map_type', '__u32', 'one of enum bpf_map_type'),
  field('key_size', '__u32', 'size of a key in bytes'),
  field('value_size', '__u32', 'size of a value in bytes'),
  field('max_entries', '__u32', 'maximum number of entries'),
  field('map_flags', '__u32', 'BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_MMAPABLE, ... (BPF_MAP_CREATE flags)'),
  field('inner_map_fd', '__u32', 'fd of a template inner map, for map-in-map types'),
  field('numa_node', '__u32', 'NUMA node, read only when BPF_F_NUMA_NODE is set'),
  field('map_name', 'char[16]', 'name shown in bpf_map_info, NUL-terminated'),
  field('map_ifindex', '__u32', 'netdev to offload the map to (0: host)'),
  field('btf_fd', '__u32', 'fd of the BTF object describing key and value'),
  field('btf_key_type_id', '__u32', 'BTF type id of the key'),
  field('btf_value_type_id', '__u32', 'BTF type id of the value'),
  field('btf_vmlinux_value_type_id', '__u32', 'BTF type id of a kernel struct stored as the value (struct_ops)'),
  field('map_extra', '__u64', 'per-type extra: bloom filter hash count, arena mmap address'),
  field('value_type_btf_obj_fd', '__s32', 'fd of the module BTF for btf_vmlinux_value_type_id', '6.9'),
  field('map_token_fd', '__s32', 'BPF token fd, read when map_flags has BPF_F_TOKEN_FD', '6.9'),
  field('excl_prog_hash', '__aligned_u64', 'pointer to the SHA-256 of the only program allowed to use the map', '6.18'),
  field('excl_prog_hash_size', '__u32', 'size of excl_prog_hash (must be SHA256_DIGEST_SIZE)', '6.18'),
]);

/** BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM, FREEZE. */
const map_elem = struct('', [
  field('map_fd', '__u32', 'the map'),
  field('key', '__aligned_u64', 'pointer to the key (user memory)'),
  union('', [
    field('value', '__aligned_u64', 'pointer to the value buffer (lookup: out, update: in)'),
    field('next_key', '__aligned_u64', 'pointer to the buffer receiving the next key (GET_NEXT_KEY)'),
  ]),
  field('flags', '__u64', 'BPF_ANY / BPF_NOEXIST / BPF_EXIST / BPF_F_LOCK'),
]);

/** BPF_MAP_*_BATCH. */
const batch = struct('batch', [
  field('in_batch', '__aligned_u64', 'pointer to the batch token to start from (NULL: from the start)'),
  field('out_batch', '__aligned_u64', 'pointer receiving the token to continue from'),
  field('keys', '__aligned_u64', 'pointer to count keys'),
  field('values', '__aligned_u64', 'pointer to count values'),
  field('count', '__u32', 'in: number of elements in keys/values; out: number processed'),
  field('map_fd', '__u32', 'the map'),
  field('elem_flags', '__u64', 'per-element flags (BPF_F_LOCK)'),
  field('flags', '__u64', 'batch flags (must be 0)'),
]);
// #endregion bpf_attr_map

// #region bpf_attr_prog_load
/** BPF_PROG_LOAD. */
const prog_load = struct('', [
  field('prog_type', '__u32', 'one of enum bpf_prog_type'),
  field('insn_cnt', '__u32', 'number of struct bpf_insn at insns'),
  field('insns', '__aligned_u64', 'pointer to the instructions'),
  field('license', '__aligned_u64', 'pointer to a NUL-terminated license string ("GPL")'),
  field('log_level', '__u32', 'verifier log verbosity: 1 (branches), 2 (every insn), | 4 (stats)'),
  field('log_size', '__u32', 'size of the log buffer'),
  field('log_buf', '__aligned_u64', 'pointer to the verifier log buffer'),
  field('kern_version', '__u32', 'ignored since 5.0 (was LINUX_VERSION_CODE for kprobes)'),
  field('prog_flags', '__u32', 'BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT, BPF_F_SLEEPABLE, ...'),
  field('prog_name', 'char[16]', 'name shown in bpf_prog_info and kallsyms, NUL-terminated'),
  field('prog_ifindex', '__u32', 'netdev to offload the program to (0: host)'),
  field('expected_attach_type', '__u32', 'enum bpf_attach_type the program will be attached with'),
  field('prog_btf_fd', '__u32', 'fd of the program BTF (func_info/line_info refer to it)'),
  field('func_info_rec_size', '__u32', 'user space sizeof(struct bpf_func_info)'),
  field('func_info', '__aligned_u64', 'pointer to func_info_cnt struct bpf_func_info'),
  field('func_info_cnt', '__u32', 'number of bpf_func_info records'),
  field('line_info_rec_size', '__u32', 'user space sizeof(struct bpf_line_info)'),
  field('line_info', '__aligned_u64', 'pointer to line_info_cnt struct bpf_line_info'),
  field('line_info_cnt', '__u32', 'number of bpf_line_info records'),
  field('attach_btf_id', '__u32', 'in-kernel BTF type id to attach to (fentry, lsm, struct_ops, ...)'),
  union('', [
    field('attach_prog_fd', '__u32', 'program to attach to (freplace, fentry on a BPF program)'),
    field('attach_btf_obj_fd', '__u32', 'module BTF fd for attach_btf_id (0: vmlinux)'),
  ]),
  field('core_relo_cnt', '__u32', 'number of struct bpf_core_relo at core_relos'),
  field('fd_array', '__aligned_u64', 'pointer to an array of map/BTF fds that insns index'),
  field('core_relos', '__aligned_u64', 'pointer to CO-RE relocations for the kernel to apply'),
  field('core_relo_rec_size', '__u32', 'user space sizeof(struct bpf_core_relo)'),
  field('log_true_size', '__u32', 'out: the log size the full log would need, NUL included', '6.4'),
  field('prog_token_fd', '__s32', 'BPF token fd, read when prog_flags has BPF_F_TOKEN_FD', '6.9'),
  field('fd_array_cnt', '__u32', 'number of fds at fd_array, all bound to the program at load', '6.14'),
  field('signature', '__aligned_u64', 'pointer to a PKCS#7 signature of the instructions', '6.18'),
  field('signature_size', '__u32', 'size of signature in bytes', '6.18'),
  field('keyring_id', '__s32', 'key serial of the keyring to verify signature against', '6.18'),
]);
// #endregion bpf_attr_prog_load

/** BPF_OBJ_PIN, BPF_OBJ_GET. */
const obj = struct('', [
  field('pathname', '__aligned_u64', 'pointer to the bpffs path, NUL-terminated'),
  field('bpf_fd', '__u32', 'PIN: the object to pin'),
  field('file_flags', '__u32', 'GET: BPF_F_RDONLY / BPF_F_WRONLY; both: BPF_F_PATH_FD'),
  field('path_fd', '__s32', 'directory fd pathname is relative to, with BPF_F_PATH_FD', '6.5'),
]);

/** BPF_PROG_ATTACH, BPF_PROG_DETACH. */
const attach = struct('', [
  union('', [
    field('target_fd', '__u32', 'cgroup, sockmap, netns ... to attach to'),
    field('target_ifindex', '__u32', 'netdev to attach to (tcx)', '6.6'),
  ]),
  field('attach_bpf_fd', '__u32', 'the program'),
  field('attach_type', '__u32', 'one of enum bpf_attach_type'),
  field('attach_flags', '__u32', 'BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI, BPF_F_REPLACE, BPF_F_BEFORE, ...'),
  field('replace_bpf_fd', '__u32', 'program to replace, with BPF_F_REPLACE'),
  union('', [
    field('relative_fd', '__u32', 'anchor program fd for BPF_F_BEFORE / BPF_F_AFTER', '6.6'),
    field('relative_id', '__u32', 'anchor program id, with BPF_F_ID', '6.6'),
  ]),
  field('expected_revision', '__u64', 'fail with -ESTALE unless the attach point is at this revision', '6.6'),
]);

/** BPF_PROG_TEST_RUN (alias BPF_PROG_RUN). */
const test = struct('test', [
  field('prog_fd', '__u32', 'the program to run'),
  field('retval', '__u32', 'out: the program return value (R0)'),
  field('data_size_in', '__u32', 'size of data_in'),
  field('data_size_out', '__u32', 'in: size of data_out; out: bytes the packet now has (-ENOSPC if larger)'),
  field('data_in', '__aligned_u64', 'pointer to the input packet'),
  field('data_out', '__aligned_u64', 'pointer receiving the output packet'),
  field('repeat', '__u32', 'run this many times (0 means 1)'),
  field('duration', '__u32', 'out: mean run time in ns'),
  field('ctx_size_in', '__u32', 'size of ctx_in'),
  field('ctx_size_out', '__u32', 'in: size of ctx_out; out: size written'),
  field('ctx_in', '__aligned_u64', 'pointer to the input context (e.g. struct __sk_buff)'),
  field('ctx_out', '__aligned_u64', 'pointer receiving the output context'),
  field('flags', '__u32', 'BPF_F_TEST_RUN_ON_CPU, BPF_F_TEST_XDP_LIVE_FRAMES, ...'),
  field('cpu', '__u32', 'CPU to run on, with BPF_F_TEST_RUN_ON_CPU'),
  field('batch_size', '__u32', 'frames per batch for BPF_F_TEST_XDP_LIVE_FRAMES'),
]);

/** BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID. */
const get_id = struct('', [
  union('', [
    field('start_id', '__u32', 'GET_NEXT_ID: find the first id after this one'),
    field('prog_id', '__u32', 'PROG_GET_FD_BY_ID: the program id'),
    field('map_id', '__u32', 'MAP_GET_FD_BY_ID: the map id'),
    field('btf_id', '__u32', 'BTF_GET_FD_BY_ID: the BTF id'),
    field('link_id', '__u32', 'LINK_GET_FD_BY_ID: the link id'),
  ]),
  field('next_id', '__u32', 'out: GET_NEXT_ID result'),
  field('open_flags', '__u32', 'MAP_GET_FD_BY_ID: BPF_F_RDONLY / BPF_F_WRONLY'),
  field('fd_by_id_token_fd', '__s32', 'BPF token fd for the *_GET_FD_BY_ID commands', '6.13'),
]);

/** BPF_OBJ_GET_INFO_BY_FD. */
const info = struct('info', [
  field('bpf_fd', '__u32', 'the program, map, BTF or link'),
  field('info_len', '__u32', 'in: size of the user buffer; out: bytes the kernel filled'),
  field('info', '__aligned_u64', 'pointer to struct bpf_prog_info / bpf_map_info / bpf_btf_info / bpf_link_info'),
]);

/** BPF_PROG_QUERY. */
const query = struct('query', [
  union('', [
    field('target_fd', '__u32', 'cgroup, netns, ... to query'),
    field('target_ifindex', '__u32', 'netdev to query (tcx)', '6.6'),
  ]),
  field('attach_type', '__u32', 'one of enum bpf_attach_type'),
  field('query_flags', '__u32', 'BPF_F_QUERY_EFFECTIVE'),
  field('attach_flags', '__u32', 'out: the attach point flags'),
  field('prog_ids', '__aligned_u64', 'pointer receiving prog_cnt program ids'),
  union('', [
    field('prog_cnt', '__u32', 'in: room at prog_ids; out: number of programs'),
    field('count', '__u32', 'the same, for mprog attach points', '6.6'),
  ]),
  pad('__u32', 32),
  field('prog_attach_flags', '__aligned_u64', 'pointer receiving per-program attach flags'),
  field('link_ids', '__aligned_u64', 'pointer receiving link ids (mprog)', '6.6'),
  field('link_attach_flags', '__aligned_u64', 'pointer receiving per-link attach flags (mprog)', '6.6'),
  field('revision', '__u64', 'out: revision of the attach point', '6.6'),
]);

/** BPF_RAW_TRACEPOINT_OPEN. */
const raw_tracepoint = struct('raw_tracepoint', [
  field('name', '__u64', 'pointer to the tracepoint name'),
  field('prog_fd', '__u32', 'the program'),
  pad('__u32', 32),
  field('cookie', '__aligned_u64', 'value returned by bpf_get_attach_cookie()', '6.10'),
]);

/** BPF_BTF_LOAD. */
const btf_load = struct('', [
  field('btf', '__aligned_u64', 'pointer to the raw BTF blob'),
  field('btf_log_buf', '__aligned_u64', 'pointer to the BTF verifier log buffer'),
  field('btf_size', '__u32', 'size of the blob'),
  field('btf_log_size', '__u32', 'size of the log buffer'),
  field('btf_log_level', '__u32', 'log verbosity'),
  field('btf_log_true_size', '__u32', 'out: the log size the full log would need', '6.4'),
  field('btf_flags', '__u32', 'BPF_F_TOKEN_FD', '6.9'),
  field('btf_token_fd', '__s32', 'BPF token fd, with BPF_F_TOKEN_FD', '6.9'),
]);

/** BPF_TASK_FD_QUERY. */
const task_fd_query = struct('task_fd_query', [
  field('pid', '__u32', 'in: the task'),
  field('fd', '__u32', 'in: a perf event or raw tracepoint fd of that task'),
  field('flags', '__u32', 'in: must be 0'),
  field('buf_len', '__u32', 'in/out: size of buf / length of the name'),
  field('buf', '__aligned_u64', 'in/out: receives the tracepoint, symbol or file name'),
  field('prog_id', '__u32', 'out: the attached program id'),
  field('fd_type', '__u32', 'out: BPF_FD_TYPE_*'),
  field('probe_offset', '__u64', 'out: offset in the kprobe function or uprobe file'),
  field('probe_addr', '__u64', 'out: address of the kprobe, or uprobe ref_ctr offset'),
]);

// #region bpf_attr_link_create
/** The relative-attach target of tcx, netkit and cgroup links (mprog). */
const mprog = (name: 'tcx' | 'netkit' | 'cgroup', since: string) =>
  struct(
    name,
    [
      union('', [
        field('relative_fd', '__u32', 'anchor program or link fd for BPF_F_BEFORE / BPF_F_AFTER'),
        field('relative_id', '__u32', 'anchor id, with BPF_F_ID'),
      ]),
      field('expected_revision', '__u64', 'fail with -ESTALE unless the attach point is at this revision'),
    ],
    undefined,
    since,
  );

/** BPF_LINK_CREATE. */
const link_create = struct('link_create', [
  union('', [
    field('prog_fd', '__u32', 'the program to link'),
    field('map_fd', '__u32', 'the struct_ops map to link', '6.4'),
  ]),
  union('', [
    field('target_fd', '__u32', 'object to attach to (cgroup, netns, perf event, ...)'),
    field('target_ifindex', '__u32', 'netdev to attach to (xdp, tcx, netkit)'),
  ]),
  field('attach_type', '__u32', 'one of enum bpf_attach_type'),
  field('flags', '__u32', 'per-type link flags'),
  union('', [
    field('target_btf_id', '__u32', 'BTF id of the target to attach to (freplace)'),
    struct('', [
      field('iter_info', '__aligned_u64', 'pointer to union bpf_iter_link_info'),
      field('iter_info_len', '__u32', 'size of iter_info'),
    ]),
    struct('perf_event', [field('bpf_cookie', '__u64', 'value returned by bpf_get_attach_cookie()')]),
    struct('kprobe_multi', [
      field('flags', '__u32', 'BPF_F_KPROBE_MULTI_RETURN'),
      field('cnt', '__u32', 'number of symbols/addresses/cookies'),
      field('syms', '__aligned_u64', 'pointer to cnt symbol name pointers'),
      field('addrs', '__aligned_u64', 'pointer to cnt addresses'),
      field('cookies', '__aligned_u64', 'pointer to cnt cookies'),
    ]),
    struct('tracing', [
      field('target_btf_id', '__u32', 'overlays target_btf_id above'),
      field('cookie', '__u64', 'value returned by bpf_get_attach_cookie()'),
    ]),
    struct(
      'netfilter',
      [
        field('pf', '__u32', 'protocol family (NFPROTO_IPV4, NFPROTO_IPV6)'),
        field('hooknum', '__u32', 'netfilter hook (NF_INET_*)'),
        field('priority', '__s32', 'hook priority'),
        field('flags', '__u32', 'BPF_F_NETFILTER_IP_DEFRAG'),
      ],
      undefined,
      '6.4',
    ),
    mprog('tcx', '6.6'),
    struct(
      'uprobe_multi',
      [
        field('path', '__aligned_u64', 'pointer to the binary path'),
        field('offsets', '__aligned_u64', 'pointer to cnt file offsets'),
        field('ref_ctr_offsets', '__aligned_u64', 'pointer to cnt reference counter offsets'),
        field('cookies', '__aligned_u64', 'pointer to cnt cookies'),
        field('cnt', '__u32', 'number of probes'),
        field('flags', '__u32', 'BPF_F_UPROBE_MULTI_RETURN'),
        field('pid', '__u32', 'only this process (0: any)'),
      ],
      undefined,
      '6.6',
    ),
    mprog('netkit', '6.7'),
    mprog('cgroup', '6.12'),
  ]),
]);
// #endregion bpf_attr_link_create

/** BPF_LINK_UPDATE. */
const link_update = struct('link_update', [
  field('link_fd', '__u32', 'the link'),
  union('', [
    field('new_prog_fd', '__u32', 'program to put in the link'),
    field('new_map_fd', '__u32', 'struct_ops map to put in the link', '6.4'),
  ]),
  field('flags', '__u32', 'BPF_F_REPLACE'),
  union('', [
    field('old_prog_fd', '__u32', 'with BPF_F_REPLACE: the program expected in the link'),
    field('old_map_fd', '__u32', 'with BPF_F_REPLACE: the map expected in the link', '6.4'),
  ]),
]);

const link_detach = struct('link_detach', [field('link_fd', '__u32', 'the link to detach')]);
const enable_stats = struct('enable_stats', [field('type', '__u32', 'enum bpf_stats_type (BPF_STATS_RUN_TIME)')]);
const iter_create = struct('iter_create', [
  field('link_fd', '__u32', 'an iterator link'),
  field('flags', '__u32', 'must be 0'),
]);
const prog_bind_map = struct('prog_bind_map', [
  field('prog_fd', '__u32', 'the program'),
  field('map_fd', '__u32', 'the map to keep alive with it'),
  field('flags', '__u32', 'must be 0'),
]);
const token_create = struct(
  'token_create',
  [field('flags', '__u32', 'must be 0'), field('bpffs_fd', '__u32', 'a bpffs mounted with delegation options')],
  undefined,
  '6.9',
);
const prog_stream_read = struct(
  'prog_stream_read',
  [
    field('stream_buf', '__aligned_u64', 'pointer to the buffer receiving stream text'),
    field('stream_buf_len', '__u32', 'size of stream_buf'),
    field('stream_id', '__u32', 'BPF_STREAM_STDOUT or BPF_STREAM_STDERR'),
    field('prog_fd', '__u32', 'the program'),
  ],
  undefined,
  '6.17',
);

// #region bpf_attr_union
/** `union bpf_attr`, its members in bpf.h's order. */
export const bpf_attr_decl = union('', [
  map_create,
  map_elem,
  batch,
  prog_load,
  obj,
  attach,
  test,
  get_id,
  info,
  query,
  raw_tracepoint,
  btf_load,
  task_fd_query,
  link_create,
  link_update,
  link_detach,
  enable_stats,
  iter_create,
  prog_bind_map,
  token_create,
  prog_stream_read,
]);

/**
 * Which member of the union each command reads, and its `BPF_<CMD>_LAST_FIELD`:
 * CHECK_ATTR(CMD) fails with -EINVAL if any byte after that field is non-zero,
 * so a new field is refused by an old kernel instead of being silently ignored.
 * Of the four *_GET_FD_BY_ID commands only BTF_GET_FD_BY_ID reads `fd_by_id_token_fd` in
 * v6.18; PROG / MAP / LINK stop at prog_id / open_flags / link_id (a token fd there is -EINVAL).
 * Confirmed on the live 6.18 kernel by test/uapi-check-attr.test.ts (a non-zero byte inside the
 * last field is read, one just after it is -EINVAL).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (CHECK_ATTR)
 */
export const bpf_attr_commands = {
  BPF_MAP_CREATE: { decl: map_create, last: 'excl_prog_hash_size' },
  BPF_MAP_LOOKUP_ELEM: { decl: map_elem, last: 'flags' },
  BPF_MAP_UPDATE_ELEM: { decl: map_elem, last: 'flags' },
  BPF_MAP_DELETE_ELEM: { decl: map_elem, last: 'key' },
  BPF_MAP_GET_NEXT_KEY: { decl: map_elem, last: 'next_key' },
  BPF_PROG_LOAD: { decl: prog_load, last: 'keyring_id' },
  BPF_OBJ_PIN: { decl: obj, last: 'path_fd' },
  BPF_OBJ_GET: { decl: obj, last: 'path_fd' },
  BPF_PROG_ATTACH: { decl: attach, last: 'expected_revision' },
  BPF_PROG_DETACH: { decl: attach, last: 'expected_revision' },
  BPF_PROG_TEST_RUN: { decl: test, last: 'test.batch_size' },
  BPF_PROG_GET_NEXT_ID: { decl: get_id, last: 'next_id' },
  BPF_MAP_GET_NEXT_ID: { decl: get_id, last: 'next_id' },
  BPF_PROG_GET_FD_BY_ID: { decl: get_id, last: 'prog_id' },
  BPF_MAP_GET_FD_BY_ID: { decl: get_id, last: 'open_flags' },
  BPF_OBJ_GET_INFO_BY_FD: { decl: info, last: 'info.info' },
  BPF_PROG_QUERY: { decl: query, last: 'query.revision' },
  BPF_RAW_TRACEPOINT_OPEN: { decl: raw_tracepoint, last: 'raw_tracepoint.cookie' },
  BPF_BTF_LOAD: { decl: btf_load, last: 'btf_token_fd' },
  BPF_BTF_GET_FD_BY_ID: { decl: get_id, last: 'fd_by_id_token_fd' },
  BPF_TASK_FD_QUERY: { decl: task_fd_query, last: 'task_fd_query.probe_addr' },
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: { decl: map_elem, last: 'flags' },
  BPF_MAP_FREEZE: { decl: map_elem, last: 'map_fd' },
  BPF_BTF_GET_NEXT_ID: { decl: get_id, last: 'next_id' },
  BPF_MAP_LOOKUP_BATCH: { decl: batch, last: 'batch.flags' },
  BPF_MAP_LOOKUP_AND_DELETE_BATCH: { decl: batch, last: 'batch.flags' },
  BPF_MAP_UPDATE_BATCH: { decl: batch, last: 'batch.flags' },
  BPF_MAP_DELETE_BATCH: { decl: batch, last: 'batch.flags' },
  BPF_LINK_CREATE: { decl: link_create, last: 'link_create.uprobe_multi.pid' },
  BPF_LINK_UPDATE: { decl: link_update, last: 'link_update.old_prog_fd' },
  BPF_LINK_GET_FD_BY_ID: { decl: get_id, last: 'link_id' },
  BPF_LINK_GET_NEXT_ID: { decl: get_id, last: 'next_id' },
  BPF_ENABLE_STATS: { decl: enable_stats, last: 'enable_stats.type' },
  BPF_ITER_CREATE: { decl: iter_create, last: 'iter_create.flags' },
  BPF_LINK_DETACH: { decl: link_detach, last: 'link_detach.link_fd' },
  BPF_PROG_BIND_MAP: { decl: prog_bind_map, last: 'prog_bind_map.flags' },
  BPF_TOKEN_CREATE: { decl: token_create, last: 'token_create.bpffs_fd' },
  BPF_PROG_STREAM_READ_BY_FD: { decl: prog_stream_read, last: 'prog_stream_read.prog_fd' },
} as const;
// #endregion bpf_attr_union

/** A command name that has an attr layout (every `enum bpf_cmd` value but the __MAX sentinel). */
export type BpfCmdName = keyof typeof bpf_attr_commands;
/** The numbers of `enum bpf_cmd` (without __MAX_BPF_CMD). */
export type CmdNumber = Exclude<(typeof bpf_cmd)[keyof typeof bpf_cmd], (typeof bpf_cmd)['__MAX_BPF_CMD']>;
/** A command, by name or by its `enum bpf_cmd` number. */
export type AttrCmd = BpfCmdName | 'BPF_PROG_RUN' | CmdNumber | number;
/** The command name of a command given by name or number (BPF_PROG_RUN is BPF_PROG_TEST_RUN). */
export type NameOf<C> = C extends BpfCmdName
  ? C
  : C extends 'BPF_PROG_RUN'
    ? 'BPF_PROG_TEST_RUN'
  : C extends number
    ? { [K in BpfCmdName]: (typeof bpf_cmd)[K] extends C ? K : never }[BpfCmdName]
    : never;

/** The decoded attr of a command: `BpfAttr<'BPF_MAP_CREATE'>['map_type']` is a number. */
export type BpfAttr<C extends AttrCmd> = [NameOf<C>] extends [never]
  ? Record<string, unknown>
  : MemberDecoded<(typeof bpf_attr_commands)[NameOf<C>]['decl']>;
/** What `encodeAttr` accepts for a command: any subset of its fields (absent = 0). */
export type BpfAttrInput<C extends AttrCmd> = [NameOf<C>] extends [never]
  ? Record<string, unknown>
  : MemberEncodable<(typeof bpf_attr_commands)[NameOf<C>]['decl']>;

export type BpfAttrMapCreate = BpfAttr<'BPF_MAP_CREATE'>;
export type BpfAttrMapElem = BpfAttr<'BPF_MAP_LOOKUP_ELEM'>;
export type BpfAttrMapBatch = BpfAttr<'BPF_MAP_LOOKUP_BATCH'>;
export type BpfAttrProgLoad = BpfAttr<'BPF_PROG_LOAD'>;
export type BpfAttrObj = BpfAttr<'BPF_OBJ_PIN'>;
export type BpfAttrProgAttach = BpfAttr<'BPF_PROG_ATTACH'>;
export type BpfAttrProgTestRun = BpfAttr<'BPF_PROG_TEST_RUN'>;
export type BpfAttrGetId = BpfAttr<'BPF_PROG_GET_FD_BY_ID'>;
export type BpfAttrInfo = BpfAttr<'BPF_OBJ_GET_INFO_BY_FD'>;
export type BpfAttrProgQuery = BpfAttr<'BPF_PROG_QUERY'>;
export type BpfAttrRawTracepointOpen = BpfAttr<'BPF_RAW_TRACEPOINT_OPEN'>;
export type BpfAttrBtfLoad = BpfAttr<'BPF_BTF_LOAD'>;
export type BpfAttrTaskFdQuery = BpfAttr<'BPF_TASK_FD_QUERY'>;
export type BpfAttrLinkCreate = BpfAttr<'BPF_LINK_CREATE'>;
export type BpfAttrLinkUpdate = BpfAttr<'BPF_LINK_UPDATE'>;

// ---- Tables computed once at module load ----------------------------------------------------

/** The whole union laid out: its size is `sizeof(union bpf_attr)`. */
const unionLayout = layoutStruct('bpf_attr', bpf_attr_decl, 8);

/** `sizeof(union bpf_attr)` in v6.18, computed from the declaration: 168. */
export const BPF_ATTR_SIZE: number = unionLayout.size;

/**
 * `sizeof(union bpf_attr)` in an older release, derived from the `since` marks: the end
 * of the furthest field that release had, rounded to the union's 8-byte alignment.
 * (6.1: 144, 6.12: 152, 6.18: 168; test/uapi-c-headers.test.ts checks it with gcc.)
 */
export function bpfAttrSizeAt(release: string): number {
  return layoutSizeAt(unionLayout, release);
}

/** `sizeof(union bpf_attr)` in v6.1 (144): the fields marked `since` came after it. */
export const BPF_ATTR_SIZE_6_1: number = bpfAttrSizeAt('6.1');

/** One command's view of the union. */
export interface AttrCommand {
  readonly cmd: number;
  readonly name: BpfCmdName;
  /** The union member it reads, laid out at offset 0 of the union; size = that member's size. */
  readonly layout: StructLayout;
  /** `BPF_<CMD>_LAST_FIELD`, as a path (`test.batch_size`). */
  readonly lastField: string;
  /** `offsetofend(union bpf_attr, <last field>)`: CHECK_ATTR's first byte that must be zero. */
  readonly lastFieldEnd: number;
}

const byName = new Map<string, AttrCommand>();
const byNumber: (AttrCommand | undefined)[] = [];
for (const [name, c] of Object.entries(bpf_attr_commands) as [BpfCmdName, (typeof bpf_attr_commands)[BpfCmdName]][]) {
  const layout = layoutStruct('bpf_attr', struct('', [c.decl]));
  const last = layout.byPath.get(c.last);
  if (!last) throw new Error(`attr: ${name}'s last field ${c.last} is not in its struct`);
  const ac: AttrCommand = { cmd: bpf_cmd[name], name, layout, lastField: c.last, lastFieldEnd: last.offset + last.size };
  byName.set(name, ac);
  // BPF_PROG_RUN is an alias of BPF_PROG_TEST_RUN (10): the number maps to the first name.
  byNumber[ac.cmd] ??= ac;
}
byName.set('BPF_PROG_RUN', byName.get('BPF_PROG_TEST_RUN')!);

/** The command table entry, or a UapiError for an unknown command. */
export function attrCommand(cmd: AttrCmd): AttrCommand {
  const c = typeof cmd === 'number' ? byNumber[cmd] : byName.get(cmd);
  if (!c) throw new UapiError('bpf_attr', `unknown command ${String(cmd)}`);
  return c;
}

/** Every command with its layout, in `enum bpf_cmd` order. */
export function attrCommands(): readonly AttrCommand[] {
  return byNumber.filter((c): c is AttrCommand => c !== undefined);
}

/** The laid-out fields one command reads, with offset, size, C type, meaning and `since`. */
export function attrFields(cmd: AttrCmd): readonly LayoutField[] {
  return attrCommand(cmd).layout.fields;
}

/** One field of a command by its C path (`map_type`, `test.retval`), or a UapiError. */
export function attrField(cmd: AttrCmd, path: string): LayoutField {
  const f = attrCommand(cmd).layout.byPath.get(path);
  if (!f) throw new UapiError(`bpf_attr.${path}`, `not a field of ${attrCommand(cmd).name}`);
  return f;
}

/** The fields of a command that cover byte `offset` (several when a union overlays it; [] for a hole). */
export function attrFieldsAt(cmd: AttrCmd, offset: number): readonly LayoutField[] {
  return attrCommand(cmd).layout.fields.filter((f) =>
    f.bitSize !== undefined ? offset === f.offset : offset >= f.offset && offset < f.offset + f.size,
  );
}

/** Every field of the whole union (all commands), for layout checks and docs. */
export function bpfAttrLayout(): StructLayout {
  return unionLayout;
}

/**
 * `BPF_<CMD>_LAST_FIELD` and `offsetofend(union bpf_attr, field)`: `CHECK_ATTR(CMD)` is
 * `memchr_inv((void *)&attr->FIELD + sizeof(attr->FIELD), 0, sizeof(*attr) - offsetofend) != NULL`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (CHECK_ATTR)
 */
export function attrLastField(cmd: AttrCmd): { field: string; end: number } {
  const c = attrCommand(cmd);
  return { field: c.lastField, end: c.lastFieldEnd };
}

/**
 * `CHECK_ATTR(CMD)`: true when some byte after the command's last field is non-zero,
 * the case in which the kernel returns -EINVAL before reading anything.
 * `attr` must hold the whole union (BPF_ATTR_SIZE bytes, zero-filled past the user's size).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (CHECK_ATTR)
 */
export function CHECK_ATTR(cmd: AttrCmd, attr: Uint8Array): boolean {
  const end = attrCommand(cmd).lastFieldEnd;
  for (let i = end; i < attr.length && i < BPF_ATTR_SIZE; i++) if (attr[i] !== 0) return true;
  return false;
}

// #region encode_decode
/**
 * Encode a command's fields into a zeroed BPF_ATTR_SIZE-byte union bpf_attr.
 * Unknown command or field, wrong type, or a value out of the field's range: UapiError.
 */
export function encodeAttr<C extends AttrCmd>(cmd: C, fields: BpfAttrInput<C>): Uint8Array {
  const c = attrCommand(cmd);
  const out = new Uint8Array(BPF_ATTR_SIZE);
  encodeLayout(c.layout, fields, out);
  return out;
}

/**
 * Decode the bytes of a union bpf_attr as `cmd` reads them: u32/s32 as number, u64 and
 * pointers as bigint, char[16] as Uint8Array (see `cString`). The buffer must cover the
 * command's struct (at least `attrCommand(cmd).layout.size` bytes).
 */
export function decodeAttr<C extends AttrCmd>(cmd: C, bytes: Uint8Array): BpfAttr<C> {
  return decodeLayout(attrCommand(cmd).layout, bytes) as BpfAttr<C>;
}
// #endregion encode_decode

/** Read one field of an attr by path: the syscall side's `attr->test.prog_fd`. */
export function getAttrField(cmd: AttrCmd, bytes: Uint8Array, path: string): number | bigint | Uint8Array | number[] {
  const f = attrField(cmd, path);
  if (bytes.length < f.offset + Math.max(f.size, 1)) {
    throw new UapiError(`bpf_attr.${path}`, `${bytes.length} bytes do not reach offset ${f.offset}`);
  }
  return readField(f, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Write one field of an attr in place (the kernel's `put_user` into `uattr->...`), range-checked. */
export function setAttrField(cmd: AttrCmd, bytes: Uint8Array, path: string, value: unknown): void {
  const c = attrCommand(cmd);
  const f = attrField(cmd, path);
  if (bytes.length < f.offset + Math.max(f.size, 1)) {
    throw new UapiError(`bpf_attr.${path}`, `${bytes.length} bytes do not reach offset ${f.offset}`);
  }
  writeField(c.layout, f, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), value);
}
