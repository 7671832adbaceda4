/**
 * The map commands of bpf(2): BPF_MAP_CREATE, LOOKUP/UPDATE/DELETE_ELEM,
 * GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM, FREEZE and the four batch commands,
 * and the map object's life cycle (fd, refcount, usercnt, id).
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * The map types themselves (`bpf_map_ops`) are @bpf-internals/maps; this file
 * is the syscall side: copying keys and values from and to user memory,
 * per-fd access modes (BPF_F_RDONLY / BPF_F_WRONLY), freezing, and the choice
 * of the per-type syscall path (`bpf_map_copy_value`, `bpf_map_update_value`).
 *
 * Left out: BTF (btf_fd / btf_key_type_id / btf_value_type_id answer as when
 * the BTF fd is not a BTF object), BPF_F_LOCK (no map has a bpf_spin_lock, so
 * it is -EINVAL as for a value without one), offloaded maps (map_ifindex),
 * tokens (BPF_F_TOKEN_FD with a token fd gives -EBADF/-EINVAL as no token
 * exists), memcg accounting.
 * @module
 */
import {
  bpf_map_inc,
  bpf_map_put,
  find_map_ops,
  htab_map_lookup_batch,
  type BpfFdResolver,
  type BpfMap,
  type BpfMapCreateAttr,
  type BpfRefObject,
} from '@bpf-internals/maps';
import * as maps from '@bpf-internals/maps';
import { attrField, bpf_anon_enums, bpf_cmd, bpf_map_type as T } from '@bpf-internals/uapi';
import {
  FMODE_CAN_READ,
  FMODE_CAN_WRITE,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  isBpfObjFile,
  open_fmode,
  type BpfFile,
  type BpfObjFops,
  type FdTable,
} from './fdtable.js';
import type { bpf_prog } from '@bpf-internals/core';
import type { Process } from './process.js';
import { CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN } from './process.js';
import type { ProcessMemory } from './usermem.js';

const EPERM = -1;
const ENOENT = -2;
const EBADF = -9;
const EFAULT = -14;
const EBUSY = -16;
const EINVAL = -22;
const ENOSPC = -28;
/** The kernel-internal ENOTSUPP (524) that BPF lets reach user space. */
const ENOTSUPP = -524;

const flag = (n: string): number => Number(bpf_anon_enums[n]);
export const BPF_F_RDONLY = flag('BPF_F_RDONLY');
export const BPF_F_WRONLY = flag('BPF_F_WRONLY');
export const BPF_F_LOCK = flag('BPF_F_LOCK');
export const BPF_F_NUMA_NODE = flag('BPF_F_NUMA_NODE');
export const BPF_F_TOKEN_FD = flag('BPF_F_TOKEN_FD');
/** include/linux/bpf.h: the flags an fd-opening command accepts. */
export const BPF_OBJ_FLAG_MASK = BPF_F_RDONLY | BPF_F_WRONLY;
/** include/uapi/linux/bpf.h: BPF_OBJ_NAME_LEN. */
export const BPF_OBJ_NAME_LEN = 16;
/** The model's machine has one NUMA node (`nr_node_ids`). */
export const nr_node_ids = 1;
const NUMA_NO_NODE = -1;
/** SHA256_DIGEST_SIZE: the size BPF_MAP_CREATE's excl_prog_hash must have. */
const SHA256_DIGEST_SIZE = 32;

// ---- attr fields, laid out by @bpf-internals/uapi (checked against the kernel's BTF) -------------

const off = (cmd: Parameters<typeof attrField>[0], path: string): number => attrField(cmd, path).offset;
const A = {
  map_type: off('BPF_MAP_CREATE', 'map_type'),
  key_size: off('BPF_MAP_CREATE', 'key_size'),
  value_size: off('BPF_MAP_CREATE', 'value_size'),
  max_entries: off('BPF_MAP_CREATE', 'max_entries'),
  map_flags: off('BPF_MAP_CREATE', 'map_flags'),
  inner_map_fd: off('BPF_MAP_CREATE', 'inner_map_fd'),
  numa_node: off('BPF_MAP_CREATE', 'numa_node'),
  map_name: off('BPF_MAP_CREATE', 'map_name'),
  map_ifindex: off('BPF_MAP_CREATE', 'map_ifindex'),
  btf_fd: off('BPF_MAP_CREATE', 'btf_fd'),
  btf_key_type_id: off('BPF_MAP_CREATE', 'btf_key_type_id'),
  btf_value_type_id: off('BPF_MAP_CREATE', 'btf_value_type_id'),
  btf_vmlinux_value_type_id: off('BPF_MAP_CREATE', 'btf_vmlinux_value_type_id'),
  map_extra: off('BPF_MAP_CREATE', 'map_extra'),
  value_type_btf_obj_fd: off('BPF_MAP_CREATE', 'value_type_btf_obj_fd'),
  map_token_fd: off('BPF_MAP_CREATE', 'map_token_fd'),
  excl_prog_hash: off('BPF_MAP_CREATE', 'excl_prog_hash'),
  excl_prog_hash_size: off('BPF_MAP_CREATE', 'excl_prog_hash_size'),
  // map_elem
  map_fd: off('BPF_MAP_LOOKUP_ELEM', 'map_fd'),
  key: off('BPF_MAP_LOOKUP_ELEM', 'key'),
  value: off('BPF_MAP_LOOKUP_ELEM', 'value'),
  next_key: off('BPF_MAP_GET_NEXT_KEY', 'next_key'),
  flags: off('BPF_MAP_LOOKUP_ELEM', 'flags'),
  // batch
  in_batch: off('BPF_MAP_LOOKUP_BATCH', 'batch.in_batch'),
  out_batch: off('BPF_MAP_LOOKUP_BATCH', 'batch.out_batch'),
  keys: off('BPF_MAP_LOOKUP_BATCH', 'batch.keys'),
  values: off('BPF_MAP_LOOKUP_BATCH', 'batch.values'),
  count: off('BPF_MAP_LOOKUP_BATCH', 'batch.count'),
  batch_map_fd: off('BPF_MAP_LOOKUP_BATCH', 'batch.map_fd'),
  elem_flags: off('BPF_MAP_LOOKUP_BATCH', 'batch.elem_flags'),
  batch_flags: off('BPF_MAP_LOOKUP_BATCH', 'batch.flags'),
} as const;

/** Little-endian field access on the kernel's copy of `union bpf_attr`. */
export class AttrView {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u32(o: number): number {
    return this.dv.getUint32(o, true);
  }
  s32(o: number): number {
    return this.dv.getInt32(o, true);
  }
  u64(o: number): bigint {
    return this.dv.getBigUint64(o, true);
  }
  setU32(o: number, v: number): void {
    this.dv.setUint32(o, v >>> 0, true);
  }
}

// ---- the map object: fd, refcounts, id ---------------------------------------------------------

/**
 * Map types whose values, seen from the syscall, are fds/ids (`IS_FD_ARRAY`, `IS_FD_PROG_ARRAY`,
 * `IS_FD_HASH`, `IS_FD_MAP`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (IS_FD_ARRAY)
 */
function IS_FD_ARRAY(map: BpfMap): boolean {
  return (
    map.map_type === T.BPF_MAP_TYPE_PERF_EVENT_ARRAY ||
    map.map_type === T.BPF_MAP_TYPE_CGROUP_ARRAY ||
    map.map_type === T.BPF_MAP_TYPE_ARRAY_OF_MAPS
  );
}
function IS_FD_PROG_ARRAY(map: BpfMap): boolean {
  return map.map_type === T.BPF_MAP_TYPE_PROG_ARRAY;
}
function IS_FD_HASH(map: BpfMap): boolean {
  return map.map_type === T.BPF_MAP_TYPE_HASH_OF_MAPS;
}
function IS_FD_MAP(map: BpfMap): boolean {
  return IS_FD_ARRAY(map) || IS_FD_PROG_ARRAY(map) || IS_FD_HASH(map);
}

// #region map_object
/**
 * `bpf_map_put_with_uref`: drop a user reference (fd or pin); the last one
 * lets the type release what only user space kept alive (a prog_array empties
 * itself, breaking reference cycles through tail calls).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_put_with_uref)
 */
export function bpf_map_put_with_uref(map: BpfMap): void {
  if (--map.usercnt === 0) map.ops.map_release_uref?.(map);
  bpf_map_put(map);
}

/** `bpf_map_inc_with_uref`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_inc_with_uref) */
export function bpf_map_inc_with_uref(map: BpfMap): void {
  map.refcnt++;
  map.usercnt++;
}

/**
 * `bpf_map_fops`: the file of a map fd. Its release drops the fd's user
 * reference (`bpf_map_release`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_fops)
 */
export const bpf_map_fops: BpfObjFops = {
  name: 'bpf-map',
  bpf_type: 'map',
  release(file: BpfFile) {
    bpf_map_put_with_uref(file.private_data as BpfMap);
  },
  any_get: (raw) => bpf_map_inc_with_uref(raw as BpfMap),
  any_put: (raw) => bpf_map_put_with_uref(raw as BpfMap),
  new_fd: (files, raw, f_flags) => bpf_map_new_fd(files, raw as BpfMap, f_flags),
};

/**
 * `bpf_map_new_fd`: an anon-inode "bpf-map" file with the access mode of
 * `flags` (O_RDONLY/O_WRONLY/O_RDWR), holding the reference the caller took.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_new_fd)
 */
export function bpf_map_new_fd(files: FdTable, map: BpfMap, flags: number): number {
  return files.fd_install({ f_op: bpf_map_fops, f_mode: open_fmode(flags), f_flags: flags | O_RDWR_CLOEXEC, private_data: map, f_count: 1 });
}
// #endregion map_object
/** anon_inode_getfd adds O_CLOEXEC; kept so f_flags read like the kernel's. */
const O_RDWR_CLOEXEC = 0o2000000;

/**
 * `bpf_get_file_flag`: BPF_F_RDONLY / BPF_F_WRONLY to an O_ access mode.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_get_file_flag)
 */
export function bpf_get_file_flag(flags: number): number {
  if (flags & BPF_F_RDONLY && flags & BPF_F_WRONLY) return EINVAL;
  if (flags & BPF_F_RDONLY) return O_RDONLY;
  if (flags & BPF_F_WRONLY) return O_WRONLY;
  return O_RDWR;
}

/**
 * `__bpf_map_get`: the map behind an fd, without a reference; -EBADF for no
 * such fd, -EINVAL for an fd that is not a map.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h (__bpf_map_get)
 */
export function __bpf_map_get(files: FdTable, ufd: number): { map: BpfMap; file: BpfFile } | number {
  const file = files.fdget(ufd);
  if (!file) return EBADF;
  if (file.f_op !== bpf_map_fops) return EINVAL;
  return { map: file.private_data as BpfMap, file };
}

/**
 * `bpf_map_get`: the map behind `ufd` with a reference taken (programs use it for fd_array).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_get)
 */
export function bpf_map_get(files: FdTable, ufd: number): BpfMap | number {
  const r = __bpf_map_get(files, ufd);
  if (typeof r === 'number') return r;
  bpf_map_inc(r.map);
  return r.map;
}

// #region map_get_sys_perms
/**
 * `map_get_sys_perms`: the fd's mode, minus write once the map is frozen
 * (a frozen map is read-only for the syscall side, for every fd).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_get_sys_perms)
 */
function map_get_sys_perms(map: BpfMap, file: BpfFile): number {
  let mode = file.f_mode;
  if (map.frozen) mode &= ~FMODE_CAN_WRITE;
  return mode;
}
// #endregion map_get_sys_perms

/**
 * The `BpfFdResolver` the map types use to turn a user fd into an object
 * (`map_fd_get_ptr` of prog_array and map-in-map, `bpf_map_meta_alloc`).
 */
export function fdResolver(files: FdTable): BpfFdResolver {
  return {
    get(fd: number, want: 'prog' | 'map'): BpfRefObject | number {
      const file = files.fdget(fd);
      if (!file) return EBADF;
      if (want === 'map') {
        if (file.f_op !== bpf_map_fops) return EINVAL;
        const m = file.private_data as BpfMap;
        bpf_map_inc(m);
        return { inc: () => bpf_map_inc(m), put: () => bpf_map_put(m) };
      }
      // bpf_prog_get: the program behind a "bpf-prog" file, with a reference.
      if (file.f_op.name !== 'bpf-prog' || !isBpfObjFile(file)) return EINVAL;
      const prog = file.private_data as bpf_prog;
      file.f_op.any_get(prog);
      return prog;
    },
    map(fd: number): BpfMap | number {
      const r = __bpf_map_get(files, fd);
      return typeof r === 'number' ? r : r.map;
    },
  };
}

// ---- BPF_MAP_CREATE ----------------------------------------------------------------------------

/**
 * `bpf_map_attr_numa_node`: the node only counts with BPF_F_NUMA_NODE.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h (bpf_map_attr_numa_node)
 */
function bpf_map_attr_numa_node(map_flags: number, numa_node: number): number {
  return map_flags & BPF_F_NUMA_NODE ? numa_node | 0 : NUMA_NO_NODE;
}

/**
 * The kernel's `isalnum()` (lib/ctype.c): ASCII letters and digits, and the
 * Latin-1 letters 0xc0-0xff but for the multiplication and division signs,
 * because the kernel's ctype table is ISO 8859-1.
 * @see https://elixir.bootlin.com/linux/v6.18/source/lib/ctype.c (_ctype)
 */
export function isalnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c <= 0xff);
}

/**
 * `bpf_obj_name_cpy`: the name may hold only isalnum(), '_' and '.', and must be
 * NUL-terminated within its 16 bytes. Returns the name (one char per byte,
 * Latin-1, as the kernel keeps bytes) or -EINVAL.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_obj_name_cpy)
 */
export function bpf_obj_name_cpy(src: Uint8Array): string | number {
  let s = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0) return s;
    if (!isalnum(c) && c !== 0x5f && c !== 0x2e) return EINVAL;
    s += String.fromCharCode(c);
  }
  // No '\0' found in "size" number of bytes
  return EINVAL;
}

/**
 * `bpf_token_capable(NULL, cap)`: the capability, or CAP_SYS_ADMIN standing in
 * for any BPF capability but itself.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/token.c (bpf_token_capable)
 */
export function bpf_token_capable(proc: Process, cap: number): boolean {
  return proc.capable(cap) || (cap !== CAP_SYS_ADMIN && proc.capable(CAP_SYS_ADMIN));
}

/** The attribute struct the map types read, from the kernel's copy of the attr. */
function map_create_attr(a: AttrView): BpfMapCreateAttr {
  return {
    map_type: a.u32(A.map_type),
    key_size: a.u32(A.key_size),
    value_size: a.u32(A.value_size),
    max_entries: a.u32(A.max_entries),
    map_flags: a.u32(A.map_flags),
    inner_map_fd: a.u32(A.inner_map_fd),
    numa_node: a.u32(A.numa_node),
    map_name: a.bytes.slice(A.map_name, A.map_name + BPF_OBJ_NAME_LEN),
    map_ifindex: a.u32(A.map_ifindex),
    btf_fd: a.u32(A.btf_fd),
    btf_key_type_id: a.u32(A.btf_key_type_id),
    btf_value_type_id: a.u32(A.btf_value_type_id),
    btf_vmlinux_value_type_id: a.u32(A.btf_vmlinux_value_type_id),
    map_extra: a.u64(A.map_extra),
    value_type_btf_obj_fd: a.s32(A.value_type_btf_obj_fd),
    map_token_fd: a.s32(A.map_token_fd),
  };
}

/**
 * `map_create`: validate, allocate through the type's ops, name, id, fd.
 * The order of the checks is the kernel's, so each bad attr gets the errno
 * of the first check it fails.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_create)
 */
// #region map_create
export function map_create(proc: Process, attr: Uint8Array): number {
  const a = new AttrView(attr);
  const kernel = proc.kernel;
  // check BPF_F_TOKEN_FD flag, remember if it's set, and then clear it
  // to avoid per-map type checks tripping on unknown flag
  const token_flag = (a.u32(A.map_flags) & BPF_F_TOKEN_FD) !== 0;
  a.setU32(A.map_flags, a.u32(A.map_flags) & ~BPF_F_TOKEN_FD);
  const ca = map_create_attr(a);

  if (ca.btf_vmlinux_value_type_id) {
    if (ca.map_type !== T.BPF_MAP_TYPE_STRUCT_OPS || ca.btf_key_type_id || ca.btf_value_type_id) return EINVAL;
  } else if (ca.btf_key_type_id && !ca.btf_value_type_id) {
    return EINVAL;
  }

  if (ca.map_type !== T.BPF_MAP_TYPE_BLOOM_FILTER && ca.map_type !== T.BPF_MAP_TYPE_ARENA && ca.map_extra !== 0n) return EINVAL;

  const f_flags = bpf_get_file_flag(ca.map_flags);
  if (f_flags < 0) return f_flags;

  const numa_node = bpf_map_attr_numa_node(ca.map_flags, ca.numa_node);
  if (numa_node !== NUMA_NO_NODE && (numa_node >>> 0 >= nr_node_ids || numa_node < 0)) return EINVAL;

  // find map type and init map: hashtable vs rbtree vs bloom vs ...
  const ops = find_map_ops(ca.map_type);
  if (!ops) return EINVAL;

  // The creator's credentials reach the map type: capable(CAP_SYS_ADMIN) for BPF_F_ZERO_SEED
  // (htab_map_alloc_check) and bpf_bypass_spec_v1() = cpu_mitigations_off() ||
  // bpf_token_capable(CAP_PERFMON), mitigations being on, for the arrays' power-of-two rounding.
  const env = { ...kernel.mapEnv, capable: (cap: number) => proc.capable(cap), bypass_spec_v1: bpf_token_capable(proc, 38 /* CAP_PERFMON */) };
  if (ops.map_alloc_check) {
    const err = ops.map_alloc_check(ca, env);
    if (err) return err;
  }
  // map_ifindex switches to bpf_map_offload_ops, whose map_mem_usage exists.
  if (!ca.map_ifindex && !ops.map_mem_usage) return EINVAL;

  if (token_flag) {
    // bpf_token_get_from_fd: no token objects exist in the model.
    const file = proc.files.fdget(ca.map_token_fd);
    return file ? EINVAL : EBADF;
  }

  // Intent here is for unprivileged_bpf_disabled to block BPF map creation
  // for unprivileged users; other actions depend on fd availability and
  // access to bpffs, so are dependent on object creation success.
  if (kernel.sysctls['kernel.unprivileged_bpf_disabled'] && !bpf_token_capable(proc, CAP_BPF)) return EPERM;

  // check privileged map type permissions
  switch (ca.map_type) {
    case T.BPF_MAP_TYPE_ARRAY:
    case T.BPF_MAP_TYPE_PERCPU_ARRAY:
    case T.BPF_MAP_TYPE_PROG_ARRAY:
    case T.BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case T.BPF_MAP_TYPE_CGROUP_ARRAY:
    case T.BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case T.BPF_MAP_TYPE_HASH:
    case T.BPF_MAP_TYPE_PERCPU_HASH:
    case T.BPF_MAP_TYPE_HASH_OF_MAPS:
    case T.BPF_MAP_TYPE_RINGBUF:
    case T.BPF_MAP_TYPE_USER_RINGBUF:
    case T.BPF_MAP_TYPE_CGROUP_STORAGE:
    case T.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
      /* unprivileged */
      break;
    case T.BPF_MAP_TYPE_SOCKMAP:
    case T.BPF_MAP_TYPE_SOCKHASH:
    case T.BPF_MAP_TYPE_DEVMAP:
    case T.BPF_MAP_TYPE_DEVMAP_HASH:
    case T.BPF_MAP_TYPE_XSKMAP:
      if (!bpf_token_capable(proc, CAP_NET_ADMIN)) return EPERM;
      break;
    default:
      if (!bpf_token_capable(proc, CAP_BPF)) return EPERM;
  }

  if (ca.map_ifindex) return bpf_map_offload_map_alloc(ca);
  const map = ops.map_alloc(ca, env, fdResolver(proc.files));
  if (typeof map === 'number') return map;
  map.ops = ops;
  map.map_type = ca.map_type;

  const name = bpf_obj_name_cpy(ca.map_name);
  if (typeof name === 'number') return bpf_map_free(map, name);
  map.name = name;
  map.refcnt = 1;
  map.usercnt = 1;
  map.frozen = false;

  if (ca.btf_key_type_id || ca.btf_value_type_id || ca.btf_vmlinux_value_type_id) {
    // btf_get_by_fd: BTF objects are not modelled, so no fd is a BTF fd.
    return bpf_map_free(map, proc.files.fdget(ca.btf_fd) ? EINVAL : EBADF);
  }

  // Exclusive maps (v6.18): only the program whose SHA-256 is excl_prog_hash may use the map.
  const excl_prog_hash = a.u64(A.excl_prog_hash);
  const excl_prog_hash_size = a.u32(A.excl_prog_hash_size);
  if (excl_prog_hash) {
    if (excl_prog_hash_size !== SHA256_DIGEST_SIZE) return bpf_map_free(map, EINVAL);
    const sha = proc.mem.copy_from_user(excl_prog_hash, SHA256_DIGEST_SIZE);
    if (typeof sha === 'number') return bpf_map_free(map, EFAULT);
    (map as BpfMap & { excl_prog_sha?: Uint8Array }).excl_prog_sha = sha;
  } else if (excl_prog_hash_size) {
    return bpf_map_free(map, EINVAL);
  }

  const id = bpf_map_alloc_id(proc, map);
  if (id < 0) return bpf_map_free(map, id);

  return bpf_map_new_fd(proc.files, map, f_flags);
}
// #endregion map_create

/** The network devices of the model's machine: only the loopback (ifindex 1). */
const LOOPBACK_IFINDEX = 1;
const EOPNOTSUPP = -95;

/**
 * `bpf_map_offload_map_alloc`: only arrays and hashes can be offloaded, to a
 * device whose driver implements ndo_bpf. The model's one device, the loopback,
 * has none (-EOPNOTSUPP); a missing device is -EINVAL.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/offload.c (bpf_map_offload_map_alloc)
 */
function bpf_map_offload_map_alloc(attr: BpfMapCreateAttr): number {
  if (attr.map_type !== T.BPF_MAP_TYPE_ARRAY && attr.map_type !== T.BPF_MAP_TYPE_HASH) return EINVAL;
  // bpf_dev_offload_check: no such device, or a device without ndo_bpf
  return attr.map_ifindex === LOOPBACK_IFINDEX ? EOPNOTSUPP : EINVAL;
}

/**
 * `bpf_map_free` on a create error path: the map never had an id or fd. Returns `err`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_free)
 */
function bpf_map_free(map: BpfMap, err: number): number {
  map.ops.map_free(map);
  return err;
}

/**
 * `bpf_map_alloc_id`: a cyclic id in [1, INT_MAX); freed when the last reference goes.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_alloc_id)
 */
function bpf_map_alloc_id(proc: Process, map: BpfMap): number {
  const idr = proc.kernel.map_idr;
  const id = idr.idr_alloc_cyclic(map, 1, 0x7fffffff);
  if (id < 0) return id === ENOSPC ? ENOSPC : id;
  map.id = id;
  const prev = map.onFree;
  map.onFree = (m) => {
    // bpf_map_free_id
    if (m.id) idr.idr_remove(m.id);
    m.id = 0;
    prev?.(m);
  };
  return 0;
}

// ---- element commands ------------------------------------------------------------------------

/**
 * `bpf_map_value_size`: what the syscall copies per element: every CPU's value
 * (each rounded up to 8 bytes) for per-CPU maps, a u32 fd/id for fd maps.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_value_size)
 */
export function bpf_map_value_size(map: BpfMap): number {
  if (
    map.map_type === T.BPF_MAP_TYPE_PERCPU_HASH ||
    map.map_type === T.BPF_MAP_TYPE_LRU_PERCPU_HASH ||
    map.map_type === T.BPF_MAP_TYPE_PERCPU_ARRAY ||
    map.map_type === T.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
  )
    return Math.ceil(map.value_size / 8) * 8 * map.env.num_possible_cpus;
  if (IS_FD_MAP(map)) return 4;
  return map.value_size;
}

/** A function of @bpf-internals/maps by its kernel name, if the maps package has it yet. */
type PercpuCopy = (map: BpfMap, key: Uint8Array, value: Uint8Array) => number;
type PercpuUpdate = (map: BpfMap, key: Uint8Array, value: Uint8Array, flags: bigint) => number;
type FdUpdate = (map: BpfMap, fds: BpfFdResolver, key: Uint8Array, value: Uint8Array, flags: bigint) => number;
function mapsFn<F>(name: string): F | undefined {
  const f = (maps as Record<string, unknown>)[name];
  return typeof f === 'function' ? (f as F) : undefined;
}

/**
 * `bpf_map_copy_value`: the value of `key` into `value` (bpf_map_value_size
 * bytes), through the type's syscall path. 0, -ENOENT, or -errno.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_copy_value)
 */
export function bpf_map_copy_value(map: BpfMap, key: Uint8Array, value: Uint8Array, _flags: bigint): number {
  const t = map.map_type;
  let f: PercpuCopy | undefined;
  if (t === T.BPF_MAP_TYPE_PERCPU_HASH || t === T.BPF_MAP_TYPE_LRU_PERCPU_HASH) f = mapsFn<PercpuCopy>('bpf_percpu_hash_copy');
  else if (t === T.BPF_MAP_TYPE_PERCPU_ARRAY) f = mapsFn<PercpuCopy>('bpf_percpu_array_copy');
  else if (t === T.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE) f = mapsFn<PercpuCopy>('bpf_percpu_cgroup_storage_copy');
  else if (t === T.BPF_MAP_TYPE_STACK_TRACE) f = mapsFn<PercpuCopy>('bpf_stackmap_copy') ?? (() => ENOTSUPP);
  else if (IS_FD_ARRAY(map) || IS_FD_PROG_ARRAY(map)) f = mapsFn<PercpuCopy>('bpf_fd_array_map_lookup_elem');
  else if (IS_FD_HASH(map)) f = mapsFn<PercpuCopy>('bpf_fd_htab_map_lookup_elem');
  else if (t === T.BPF_MAP_TYPE_QUEUE || t === T.BPF_MAP_TYPE_STACK || t === T.BPF_MAP_TYPE_BLOOM_FILTER) {
    return map.ops.map_peek_elem ? map.ops.map_peek_elem(map, value) : ENOTSUPP;
  } else {
    const ptr = map.ops.map_lookup_elem_sys_only ? map.ops.map_lookup_elem_sys_only(map, key) : map.ops.map_lookup_elem(map, key);
    // IS_ERR(ptr): a type whose lookup is an ERR_PTR (ringbuf: -ENOTSUPP, records are read
    // through mmap, not by key) passes that errno on; a plain NULL is a missing key.
    if (!ptr) return map.ops.map_lookup_elem_err ?? ENOENT;
    // copy_map_value: value_size bytes (no spin lock or timer fields to skip in the model)
    value.set(ptr.subarray(0, map.value_size));
    return 0;
  }
  // A per-type path the maps package does not provide (yet) answers as an unsupported operation.
  return f ? f(map, key, value) : ENOTSUPP;
}

/**
 * `bpf_map_update_value`: store `value` at `key` through the type's syscall
 * path (fd maps resolve the u32 fd in `value`; per-CPU maps take every CPU's value).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_update_value)
 */
export function bpf_map_update_value(proc: Process, map: BpfMap, key: Uint8Array, value: Uint8Array, flags: bigint): number {
  const t = map.map_type;
  if (t === T.BPF_MAP_TYPE_CPUMAP || t === T.BPF_MAP_TYPE_ARENA || t === T.BPF_MAP_TYPE_STRUCT_OPS) {
    return map.ops.map_update_elem(map, key, value, flags);
  }
  if (t === T.BPF_MAP_TYPE_SOCKHASH || t === T.BPF_MAP_TYPE_SOCKMAP) {
    return mapsFn<PercpuUpdate>('sock_map_update_elem_sys')?.(map, key, value, flags) ?? ENOTSUPP;
  }
  if (IS_FD_PROG_ARRAY(map) || IS_FD_ARRAY(map)) {
    const f = mapsFn<FdUpdate>('bpf_fd_array_map_update_elem');
    return f ? f(map, fdResolver(proc.files), key, value, flags) : ENOTSUPP;
  }
  if (t === T.BPF_MAP_TYPE_PERCPU_HASH || t === T.BPF_MAP_TYPE_LRU_PERCPU_HASH) {
    return mapsFn<PercpuUpdate>('bpf_percpu_hash_update')?.(map, key, value, flags) ?? ENOTSUPP;
  }
  if (t === T.BPF_MAP_TYPE_PERCPU_ARRAY) return mapsFn<PercpuUpdate>('bpf_percpu_array_update')?.(map, key, value, flags) ?? ENOTSUPP;
  if (t === T.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE) {
    return mapsFn<PercpuUpdate>('bpf_percpu_cgroup_storage_update')?.(map, key, value, flags) ?? ENOTSUPP;
  }
  if (t === T.BPF_MAP_TYPE_HASH_OF_MAPS) {
    const f = mapsFn<FdUpdate>('bpf_fd_htab_map_update_elem');
    return f ? f(map, fdResolver(proc.files), key, value, flags) : ENOTSUPP;
  }
  if (t === T.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY) return ENOTSUPP;
  if (t === T.BPF_MAP_TYPE_QUEUE || t === T.BPF_MAP_TYPE_STACK || t === T.BPF_MAP_TYPE_BLOOM_FILTER) {
    return map.ops.map_push_elem ? map.ops.map_push_elem(map, value, flags) : ENOTSUPP;
  }
  return map.ops.map_update_elem(map, key, value, flags);
}

/**
 * `__bpf_copy_key`: a map with a key copies key_size bytes from user space;
 * a keyless map (queue, stack, bloom filter) requires a NULL key pointer.
 * Returns the key, null for "no key", or -errno.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (__bpf_copy_key)
 */
function __bpf_copy_key(mem: ProcessMemory, ukey: bigint, key_size: number): Uint8Array | null | number {
  if (key_size) {
    const k = mem.copy_from_user(ukey, key_size);
    return typeof k === 'number' ? EFAULT : k;
  }
  if (ukey) return EINVAL;
  return null;
}

const NOKEY = new Uint8Array(0);

/**
 * `map_lookup_elem`: BPF_MAP_LOOKUP_ELEM. Needs read access; flags may only be BPF_F_LOCK.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_lookup_elem)
 */
// #region map_lookup_elem
export function map_lookup_elem(proc: Process, attr: Uint8Array): number {
  const a = new AttrView(attr);
  const ukey = a.u64(A.key);
  const uvalue = a.u64(A.value);
  const flags = a.u64(A.flags);

  if (flags & ~BigInt(BPF_F_LOCK)) return EINVAL;

  const f = __bpf_map_get(proc.files, a.u32(A.map_fd));
  if (typeof f === 'number') return f;
  const map = f.map;
  if (!(map_get_sys_perms(map, f.file) & FMODE_CAN_READ)) return EPERM;

  // btf_record_has_field(map->record, BPF_SPIN_LOCK): no map value has a spin lock in the model.
  if (flags & BigInt(BPF_F_LOCK)) return EINVAL;

  const key = __bpf_copy_key(proc.mem, ukey, map.key_size);
  if (typeof key === 'number') return key;

  const value_size = bpf_map_value_size(map);
  let value: Uint8Array = new Uint8Array(value_size);

  if (map.map_type === T.BPF_MAP_TYPE_BLOOM_FILTER) {
    // A bloom filter "lookup" is a membership test of the value user space passes in.
    const v = proc.mem.copy_from_user(uvalue, value_size);
    if (typeof v === 'number') return EFAULT;
    value = v;
    return bpf_map_copy_value(map, key ?? NOKEY, value, flags);
  }

  const err = bpf_map_copy_value(map, key ?? NOKEY, value, flags);
  if (err) return err;

  if (proc.mem.copy_to_user(uvalue, value)) return EFAULT;
  return 0;
}
// #endregion map_lookup_elem

/**
 * `map_update_elem`: BPF_MAP_UPDATE_ELEM. Needs write access (and an unfrozen map).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_update_elem)
 */
// #region map_update_elem
export function map_update_elem(proc: Process, attr: Uint8Array): number {
  const a = new AttrView(attr);
  const f = __bpf_map_get(proc.files, a.u32(A.map_fd));
  if (typeof f === 'number') return f;
  const map = f.map;
  const flags = a.u64(A.flags);
  if (!(map_get_sys_perms(map, f.file) & FMODE_CAN_WRITE)) return EPERM;
  if (flags & BigInt(BPF_F_LOCK)) return EINVAL; // no bpf_spin_lock in any value

  const key = __bpf_copy_key(proc.mem, a.u64(A.key), map.key_size);
  if (typeof key === 'number') return key;

  const value = proc.mem.copy_from_user(a.u64(A.value), bpf_map_value_size(map));
  if (typeof value === 'number') return EFAULT;

  return bpf_map_update_value(proc, map, key ?? NOKEY, value, flags);
}
// #endregion map_update_elem

/**
 * `map_delete_elem`: BPF_MAP_DELETE_ELEM. Needs write access.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_delete_elem)
 */
export function map_delete_elem(proc: Process, attr: Uint8Array): number {
  const a = new AttrView(attr);
  const f = __bpf_map_get(proc.files, a.u32(A.map_fd));
  if (typeof f === 'number') return f;
  const map = f.map;
  if (!(map_get_sys_perms(map, f.file) & FMODE_CAN_WRITE)) return EPERM;
  const key = __bpf_copy_key(proc.mem, a.u64(A.key), map.key_size);
  if (typeof key === 'number') return key;
  return map.ops.map_delete_elem(map, key ?? NOKEY);
}

/**
 * `map_get_next_key`: BPF_MAP_GET_NEXT_KEY. A NULL key asks for the first key.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_get_next_key)
 */
export function map_get_next_key(proc: Process, attr: Uint8Array): number {
  const a = new AttrView(attr);
  const f = __bpf_map_get(proc.files, a.u32(A.map_fd));
  if (typeof f === 'number') return f;
  const map = f.map;
  if (!(map_get_sys_perms(map, f.file) & FMODE_CAN_READ)) return EPERM;

  const ukey = a.u64(A.key);
  let key: Uint8Array | null = null;
  if (ukey) {
    const k = __bpf_copy_key(proc.mem, ukey, map.key_size);
    if (typeof k === 'number') return k;
    key = k;
  }
  const next_key = new Uint8Array(map.key_size);
  const err = map.ops.map_get_next_key(map, key, next_key);
  if (err) return err;
  if (proc.mem.copy_to_user(a.u64(A.next_key), next_key)) return EFAULT;
  return 0;
}

/**
 * `map_lookup_and_delete_elem`: pop for queue/stack, lookup+delete for hashes;
 * -ENOTSUPP for every other type.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_lookup_and_delete_elem)
 */
export function map_lookup_and_delete_elem(proc: Process, attr: Uint8Array): number {
  const a = new AttrView(attr);
  const flags = a.u64(A.flags);
  if (flags & ~BigInt(BPF_F_LOCK)) return EINVAL;

  const f = __bpf_map_get(proc.files, a.u32(A.map_fd));
  if (typeof f === 'number') return f;
  const map = f.map;
  const perms = map_get_sys_perms(map, f.file);
  if (!(perms & FMODE_CAN_READ) || !(perms & FMODE_CAN_WRITE)) return EPERM;

  if (flags && (map.map_type === T.BPF_MAP_TYPE_QUEUE || map.map_type === T.BPF_MAP_TYPE_STACK)) return EINVAL;
  if (flags & BigInt(BPF_F_LOCK)) return EINVAL; // no bpf_spin_lock in any value

  const key = __bpf_copy_key(proc.mem, a.u64(A.key), map.key_size);
  if (typeof key === 'number') return key;

  const value = new Uint8Array(bpf_map_value_size(map));
  let err = ENOTSUPP;
  const t = map.map_type;
  if (t === T.BPF_MAP_TYPE_QUEUE || t === T.BPF_MAP_TYPE_STACK) {
    err = map.ops.map_pop_elem ? map.ops.map_pop_elem(map, value) : ENOTSUPP;
  } else if (
    t === T.BPF_MAP_TYPE_HASH ||
    t === T.BPF_MAP_TYPE_PERCPU_HASH ||
    t === T.BPF_MAP_TYPE_LRU_HASH ||
    t === T.BPF_MAP_TYPE_LRU_PERCPU_HASH
  ) {
    err = map.ops.map_lookup_and_delete_elem ? map.ops.map_lookup_and_delete_elem(map, key, value, flags) : ENOTSUPP;
  }
  if (err) return err;
  if (proc.mem.copy_to_user(a.u64(A.value), value)) return EFAULT;
  return 0;
}

/**
 * `map_freeze`: make the map read-only for the syscall side, for good.
 * A second freeze fails with -EPERM: the frozen map already lost write access,
 * which is checked before the "already frozen" -EBUSY.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (map_freeze)
 */
// #region map_freeze
export function map_freeze(proc: Process, attr: Uint8Array): number {
  const a = new AttrView(attr);
  const f = __bpf_map_get(proc.files, a.u32(A.map_fd));
  if (typeof f === 'number') return f;
  const map = f.map;
  // struct_ops maps and maps with BTF special fields cannot be frozen (none of the latter here).
  if (map.map_type === T.BPF_MAP_TYPE_STRUCT_OPS) return ENOTSUPP;
  if (!(map_get_sys_perms(map, f.file) & FMODE_CAN_WRITE)) return EPERM;
  // bpf_map_write_active: a writable mmap would make it -EBUSY; the model has no mmap() syscall.
  if (map.frozen) return EBUSY;
  map.frozen = true;
  return 0;
}
// #endregion map_freeze

// ---- batch commands ----------------------------------------------------------------------------

/** The batch ops a map type has (`.map_lookup_batch = generic_map_lookup_batch`, ...). */
interface BatchOps {
  lookup?: BatchFn;
  lookup_and_delete?: BatchFn;
  update?: BatchFn;
  delete?: BatchFn;
}
type BatchFn = (proc: Process, map: BpfMap, a: AttrView, uattr: bigint) => number;

/**
 * `__htab_map_lookup_and_delete_batch`, user-memory half: hashtab.ts walks whole
 * buckets (`htab_map_lookup_batch`); this copies the bucket cursor in and the
 * keys, values, `count` and `out_batch` (a u32 bucket index) out, in the kernel's order.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (__htab_map_lookup_and_delete_batch)
 */
function htab_lookup_batch_sys(do_delete: boolean): BatchFn {
  return (proc, map, a, uattr) => {
    const elem_flags = a.u64(A.elem_flags);
    if (elem_flags & ~BigInt(BPF_F_LOCK) || elem_flags & BigInt(BPF_F_LOCK)) return EINVAL;
    if (a.u64(A.batch_flags)) return EINVAL;
    const max_count = a.u32(A.count);
    if (!max_count) return 0;
    const ucount = uattr + BigInt(A.count);
    if (proc.mem.put_user_u32(ucount, 0)) return EFAULT;
    let batch = 0;
    const ubatch = a.u64(A.in_batch);
    if (ubatch) {
      const b = proc.mem.copy_from_user(ubatch, 4);
      if (typeof b === 'number') return EFAULT;
      batch = new DataView(b.buffer).getUint32(0, true);
    }
    const r = htab_map_lookup_batch(map, batch, max_count, elem_flags, 0n, do_delete);
    if (r.write_back !== 'all') return r.ret;
    if (r.total && (proc.mem.copy_to_user(a.u64(A.keys), r.keys) || proc.mem.copy_to_user(a.u64(A.values), r.values))) return EFAULT;
    const ob = new Uint8Array(4);
    new DataView(ob.buffer).setUint32(0, r.out_batch, true);
    if (proc.mem.copy_to_user(a.u64(A.out_batch), ob) || proc.mem.put_user_u32(ucount, r.total)) return EFAULT;
    return r.ret;
  };
}

/** `bpf_map_types[t]->map_*_batch` of v6.18 (arraymap.c, hashtab.c, lpm_trie.c). */
function batch_ops(map: BpfMap): BatchOps {
  switch (map.map_type) {
    case T.BPF_MAP_TYPE_ARRAY:
    case T.BPF_MAP_TYPE_PERCPU_ARRAY:
    case T.BPF_MAP_TYPE_ARRAY_OF_MAPS:
      return { lookup: generic_map_lookup_batch, update: generic_map_update_batch };
    case T.BPF_MAP_TYPE_LPM_TRIE:
      return { lookup: generic_map_lookup_batch, update: generic_map_update_batch, delete: generic_map_delete_batch };
    case T.BPF_MAP_TYPE_HASH:
    case T.BPF_MAP_TYPE_PERCPU_HASH:
    case T.BPF_MAP_TYPE_LRU_HASH:
    case T.BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case T.BPF_MAP_TYPE_HASH_OF_MAPS: {
      // BATCH_OPS(htab): hashtab.c's bucket-wise lookup (and delete), generic update/delete.
      return {
        lookup: htab_lookup_batch_sys(false),
        lookup_and_delete: htab_lookup_batch_sys(true),
        update: generic_map_update_batch,
        delete: generic_map_delete_batch,
      };
    }
    default:
      return {};
  }
}

function checkElemFlags(a: AttrView): number {
  const elem_flags = a.u64(A.elem_flags);
  if (elem_flags & ~BigInt(BPF_F_LOCK)) return EINVAL;
  if (elem_flags & BigInt(BPF_F_LOCK)) return EINVAL; // no bpf_spin_lock in any value
  return 0;
}

/**
 * `generic_map_delete_batch`: delete `count` keys in order, stopping at the
 * first error; `count` is written back with how many were deleted.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (generic_map_delete_batch)
 */
export function generic_map_delete_batch(proc: Process, map: BpfMap, a: AttrView, uattr: bigint): number {
  const e = checkElemFlags(a);
  if (e) return e;
  const max_count = a.u32(A.count);
  if (!max_count) return 0;
  const ucount = uattr + BigInt(A.count);
  if (proc.mem.put_user_u32(ucount, 0)) return EFAULT;
  const keys = a.u64(A.keys);
  let err = 0;
  let cp = 0;
  for (; cp < max_count; cp++) {
    const key = proc.mem.copy_from_user(keys + BigInt(cp * map.key_size), map.key_size);
    if (typeof key === 'number') {
      err = EFAULT;
      break;
    }
    err = map.ops.map_delete_elem(map, key);
    if (err) break;
  }
  if (proc.mem.put_user_u32(ucount, cp)) err = EFAULT;
  return err;
}

/**
 * `generic_map_update_batch`: update `count` key/value pairs in order with
 * elem_flags, stopping at the first error; `count` is written back.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (generic_map_update_batch)
 */
export function generic_map_update_batch(proc: Process, map: BpfMap, a: AttrView, uattr: bigint): number {
  const e = checkElemFlags(a);
  if (e) return e;
  const value_size = bpf_map_value_size(map);
  const max_count = a.u32(A.count);
  if (!max_count) return 0;
  const ucount = uattr + BigInt(A.count);
  if (proc.mem.put_user_u32(ucount, 0)) return EFAULT;
  const keys = a.u64(A.keys);
  const values = a.u64(A.values);
  const elem_flags = a.u64(A.elem_flags);
  let err = 0;
  let cp = 0;
  for (; cp < max_count; cp++) {
    const key = proc.mem.copy_from_user(keys + BigInt(cp * map.key_size), map.key_size);
    const value = typeof key === 'number' ? key : proc.mem.copy_from_user(values + BigInt(cp * value_size), value_size);
    if (typeof key === 'number' || typeof value === 'number') {
      err = EFAULT;
      break;
    }
    err = bpf_map_update_value(proc, map, key, value, elem_flags);
    if (err) break;
  }
  if (proc.mem.put_user_u32(ucount, cp)) err = EFAULT;
  return err;
}

/**
 * `generic_map_lookup_batch`: walk with get_next_key from in_batch (NULL: the
 * start), copy up to `count` elements, write back `count` and the last key
 * as out_batch. -ENOENT once the walk reached the end.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (generic_map_lookup_batch)
 */
export function generic_map_lookup_batch(proc: Process, map: BpfMap, a: AttrView, uattr: bigint): number {
  const e = checkElemFlags(a);
  if (e) return e;
  const value_size = bpf_map_value_size(map);
  const max_count = a.u32(A.count);
  if (!max_count) return 0;
  const ucount = uattr + BigInt(A.count);
  if (proc.mem.put_user_u32(ucount, 0)) return EFAULT;

  const ubatch = a.u64(A.in_batch);
  const uobatch = a.u64(A.out_batch);
  const keys = a.u64(A.keys);
  const values = a.u64(A.values);
  const elem_flags = a.u64(A.elem_flags);

  let buf_prevkey: Uint8Array = new Uint8Array(map.key_size);
  if (ubatch) {
    const k = proc.mem.copy_from_user(ubatch, map.key_size);
    if (typeof k === 'number') return EFAULT;
    buf_prevkey = k;
  }
  let prev_key: Uint8Array | null = ubatch ? buf_prevkey : null;
  let key: Uint8Array = new Uint8Array(map.key_size);
  const value = new Uint8Array(value_size);
  let err = 0;
  let cp = 0;
  while (cp < max_count) {
    err = map.ops.map_get_next_key(map, prev_key, key);
    if (err) break;
    err = bpf_map_copy_value(map, key, value, elem_flags);
    if (err !== ENOENT) {
      if (err) return err;
      if (proc.mem.copy_to_user(keys + BigInt(cp * map.key_size), key)) return EFAULT;
      if (proc.mem.copy_to_user(values + BigInt(cp * value_size), value)) return EFAULT;
      cp++;
    }
    // next_key: swap(prev_key, key)
    if (!prev_key) prev_key = buf_prevkey;
    const t = prev_key;
    prev_key = key;
    key = t;
  }
  if (err === EFAULT) return err;
  if (proc.mem.put_user_u32(ucount, cp) || (cp && proc.mem.copy_to_user(uobatch, prev_key!))) err = EFAULT;
  return err;
}

/**
 * `bpf_map_do_batch`: the four batch commands share the permission checks and
 * dispatch to the type's batch op, -ENOTSUPP where the type has none.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_do_batch)
 */
// #region bpf_map_do_batch
export function bpf_map_do_batch(proc: Process, attr: Uint8Array, uattr: bigint, cmd: number): number {
  const a = new AttrView(attr);
  const has_read = cmd === bpf_cmd.BPF_MAP_LOOKUP_BATCH || cmd === bpf_cmd.BPF_MAP_LOOKUP_AND_DELETE_BATCH;
  const has_write = cmd !== bpf_cmd.BPF_MAP_LOOKUP_BATCH;

  const f = __bpf_map_get(proc.files, a.u32(A.batch_map_fd));
  if (typeof f === 'number') return f;
  const map = f.map;
  const perms = map_get_sys_perms(map, f.file);
  if (has_read && !(perms & FMODE_CAN_READ)) return EPERM;
  if (has_write && !(perms & FMODE_CAN_WRITE)) return EPERM;

  const ops = batch_ops(map);
  const fn =
    cmd === bpf_cmd.BPF_MAP_LOOKUP_BATCH
      ? ops.lookup
      : cmd === bpf_cmd.BPF_MAP_LOOKUP_AND_DELETE_BATCH
        ? ops.lookup_and_delete
        : cmd === bpf_cmd.BPF_MAP_UPDATE_BATCH
          ? ops.update
          : ops.delete;
  if (!fn) return ENOTSUPP;
  return fn(proc, map, a, uattr);
}
// #endregion bpf_map_do_batch

/** Exported for the info and id commands: the map behind a file, if it is one. */
export function fileMap(file: BpfFile): BpfMap | null {
  return file.f_op === bpf_map_fops ? (file.private_data as BpfMap) : null;
}

