/**
 * BPF_OBJ_GET_INFO_BY_FD: the dispatch on the kind of fd, and `struct
 * bpf_map_info` for maps (programs and links fill theirs in prog_info.ts /
 * link.ts through the same copy-out rules).
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_obj_get_info_by_fd)
 *
 * The copy-out rules every info struct shares: `info_len` larger than the
 * kernel's struct is fine only if the extra bytes are zero (-E2BIG otherwise,
 * `bpf_check_uarg_tail_zero`), the kernel writes back min(info_len, sizeof)
 * bytes and that length in `attr->info.info_len`. Since v6.18 the map info is
 * first read from user space (for the `hash` request), so fields the kernel
 * does not set keep what user space put there.
 * @module
 */
import type { BpfMap } from '@bpf-internals/maps';
import { attrField, bpf_map_type, sizeofStruct, uapiStruct } from '@bpf-internals/uapi';
import { fileMap } from './map_cmds.js';
import type { Process } from './process.js';
import { info_copy_in, info_copy_out } from './uarg.js';
import { sha256 } from '@bpf-internals/core';

const EPERM = -1;
const EFAULT = -14;
const EINVAL = -22;
const EBADFD = -77;

/** `sizeof(struct bpf_map_info)` in v6.18. */
export const BPF_MAP_INFO_SIZE = sizeofStruct('bpf_map_info');
/** offsetofend(struct bpf_map_info, hash_size): the bytes the kernel knows (the rest is padding). */
export const BPF_MAP_INFO_KNOWN = 100;
const SHA256_DIGEST_SIZE = 32;

const I = {
  bpf_fd: attrField('BPF_OBJ_GET_INFO_BY_FD', 'info.bpf_fd').offset,
  info_len: attrField('BPF_OBJ_GET_INFO_BY_FD', 'info.info_len').offset,
  info: attrField('BPF_OBJ_GET_INFO_BY_FD', 'info.info').offset,
};

/**
 * A per-kind info filler that B's program and link code provide:
 * `bpf_prog_get_info_by_fd(proc, file, attr, uattr)`.
 */
export type InfoByFd = (proc: Process, obj: unknown, attr: Uint8Array, uattr: bigint) => number;

/**
 * Info fillers of the other kinds by anon-inode name ("bpf-prog", "bpf-link"),
 * registered by their modules (prog.ts, link.ts). This module imports none of
 * them, so the registry exists before any of them loads.
 */
export const info_by_fd: Record<string, InfoByFd | undefined> = {};

/**
 * `bpf_obj_get_info_by_fd`: -EBADFD (not -EBADF) for a closed fd, -EINVAL for
 * an fd that is not a BPF object.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_obj_get_info_by_fd)
 */
// #region bpf_obj_get_info_by_fd
export function bpf_obj_get_info_by_fd(proc: Process, attr: Uint8Array, uattr: bigint): number {
  const dv = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
  const file = proc.files.fdget(dv.getUint32(I.bpf_fd, true));
  if (!file) return EBADFD;
  const map = fileMap(file);
  if (map) return bpf_map_get_info_by_fd(proc, map, attr, uattr);
  const fill = info_by_fd[file.f_op.name];
  if (fill) return fill(proc, file.private_data, attr, uattr);
  return EINVAL;
}
// #endregion bpf_obj_get_info_by_fd

/** Offsets of `struct bpf_map_info`. */
const M = (() => {
  const l = uapiStruct('bpf_map_info');
  const f = (n: string): number => l.byPath.get(n)!.offset;
  return {
    type: f('type'),
    id: f('id'),
    key_size: f('key_size'),
    value_size: f('value_size'),
    max_entries: f('max_entries'),
    map_flags: f('map_flags'),
    name: f('name'),
    btf_vmlinux_value_type_id: f('btf_vmlinux_value_type_id'),
    map_extra: f('map_extra'),
    hash: f('hash'),
    hash_size: f('hash_size'),
  };
})();

/**
 * `bpf_map_get_info_by_fd`: read the user's struct (up to info_len), set the
 * fields the map has, optionally hash a frozen map's contents, write back.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_get_info_by_fd)
 */
// #region bpf_map_get_info_by_fd
export function bpf_map_get_info_by_fd(proc: Process, map: BpfMap, attr: Uint8Array, uattr: bigint): number {
  // The live 6.18 kernel refuses a non-zero byte from the end of `hash_size` on (the struct's 4
  // bytes of tail padding included: E2BIG), though it copies out sizeof(struct bpf_map_info).
  const c = info_copy_in(proc.mem, attr, BPF_MAP_INFO_KNOWN, BPF_MAP_INFO_SIZE);
  if (typeof c === 'number') return c;
  const info = c.info;
  const iv = new DataView(info.buffer);

  iv.setUint32(M.type, map.map_type, true);
  iv.setUint32(M.id, map.id, true);
  iv.setUint32(M.key_size, map.key_size, true);
  iv.setUint32(M.value_size, map.value_size, true);
  iv.setUint32(M.max_entries, map.max_entries, true);
  iv.setUint32(M.map_flags, map.map_flags, true);
  iv.setBigUint64(M.map_extra, map.map_extra, true);
  // memcpy(info.name, map->name, sizeof(map->name)): the name's bytes (Latin-1 chars), NUL-padded.
  info.fill(0, M.name, M.name + 16);
  for (let i = 0; i < Math.min(map.name.length, 15); i++) info[M.name + i] = map.name.charCodeAt(i) & 0xff;
  // No BTF in the model: btf_id and the type ids stay as user space left them (as for a map without BTF).
  iv.setUint32(M.btf_vmlinux_value_type_id, 0, true);

  const hash = iv.getBigUint64(M.hash, true);
  const hash_size = iv.getUint32(M.hash_size, true);
  if (hash) {
    // The map's SHA-256 (v6.18, for signed programs): arrays only, and only once frozen.
    const region = map_get_hash_region(map);
    if (!region) return EINVAL;
    if (hash_size !== SHA256_DIGEST_SIZE) return EINVAL;
    if (!map.frozen) return EPERM;
    if (proc.mem.copy_to_user(hash, sha256(region))) return EFAULT;
  } else if (hash_size) {
    return EINVAL;
  }

  return info_copy_out(proc.mem, uattr, c);
}
// #endregion bpf_map_get_info_by_fd

/**
 * `map->ops->map_get_hash`: only arrays have one (`array_map_get_hash`), over
 * the whole value area (max_entries * round_up(value_size, 8) bytes).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_get_hash)
 */
function map_get_hash_region(map: BpfMap): Uint8Array | null {
  if (map.map_type !== bpf_map_type.BPF_MAP_TYPE_ARRAY) return null;
  const arr = map as BpfMap & { value?: Uint8Array; elem_size?: number };
  if (!arr.value) return null;
  return arr.value.subarray(0, map.max_entries * (arr.elem_size ?? Math.ceil(map.value_size / 8) * 8));
}
