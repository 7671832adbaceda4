/**
 * Array maps: BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY, PROG_ARRAY, ARRAY_OF_MAPS.
 * Mirrors kernel/bpf/arraymap.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c
 *
 * Modelled: create-time checks (`array_map_alloc_check`, `fd_array_map_alloc_check`),
 * the value area as ONE `Uint8Array` (so a BPF_F_MMAPABLE array is one region user
 * space and programs share, and `map_direct_value_addr` works for global data),
 * per-CPU values (one area per possible CPU), the syscall copy/update of all CPUs
 * (`bpf_percpu_array_copy`, `bpf_percpu_array_update`), the fd arrays (prog_array with
 * its owner type/JIT compatibility, array of maps with `bpf_map_meta_equal`).
 * Left out: BTF special fields (spin locks, timers, kptrs: BPF_F_LOCK therefore always
 * gives -EINVAL, as it does in the kernel for a value without a bpf_spin_lock),
 * `map_gen_lookup` (an inlining optimisation with the same result), perf_event and
 * cgroup arrays, tail-call poke descriptors. The prog_array clear on the last user
 * reference runs synchronously (the kernel defers it to a workqueue).
 * @module
 */
import { bpf_map_type, bpf_prog_type } from '@bpf-internals/uapi';
import type {
  BpfFdPtr,
  BpfFdResolver,
  BpfMap,
  BpfMapCreateAttr,
  BpfMapEnv,
  BpfProgRef,
  bpf_map_ops,
} from './bpf_map.js';
import { bpf_map_inc, bpf_map_put } from './bpf_map.js';
import {
  BPF_EXIST,
  BPF_F_ACCESS_MASK,
  BPF_F_INNER_MAP,
  BPF_F_LOCK,
  BPF_F_MMAPABLE,
  BPF_F_NUMA_NODE,
  BPF_F_PRESERVE_ELEMS,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY_PROG,
  BPF_NOEXIST,
  BPF_ANY,
  E2BIG,
  EBUSY,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOTSUPP,
  INT_MAX,
  MODEL_MAX_ALLOC,
  NUMA_NO_NODE,
  PAGE_SIZE,
  PCPU_MIN_UNIT_SIZE,
  bpf_map_attr_numa_node,
  bpf_map_flags_access_ok,
  bpf_map_init_from_attr,
  copy_bytes,
  fls,
  num_possible_cpus,
  read_u32,
  round_up,
  this_cpu,
  write_u32,
} from './internal/common.js';
import { bpf_map_fd_get_ptr, bpf_map_fd_put_ptr, bpf_map_fd_sys_lookup_elem, bpf_map_meta_alloc, bpf_map_meta_equal, bpf_map_meta_free } from './map_in_map.js';

/** The update flags as u64, as they arrive. */
const F_LOCK = BigInt(BPF_F_LOCK);
const F_EXIST = BigInt(BPF_EXIST);
const F_NOEXIST = BigInt(BPF_NOEXIST);
const F_ANY = BigInt(BPF_ANY);

const ARRAY_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;

/** `struct bpf_array`: the map plus its storage. */
export interface bpf_array extends BpfMap {
  /** `round_up(value_size, 8)`: the stride between elements. */
  elem_size: number;
  /** `index_mask`: Spectre v1 masking of the index (power of two minus one). */
  index_mask: number;
  /** `array->value`: every element, back to back (page aligned in size when BPF_F_MMAPABLE). */
  value: Uint8Array;
  /** `array->pptrs`, transposed: one area per possible CPU, each laid out like `value`. */
  pcpu: Uint8Array[];
  /** `array->ptrs`: what fd arrays hold (programs, inner maps). */
  ptrs: (BpfFdPtr | null)[];
}

// #region array-alloc-check
/**
 * `array_map_alloc_check`: key is a u32 index, value non-empty, flags from the array mask.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_alloc_check)
 */
export function array_map_alloc_check(attr: BpfMapCreateAttr): number {
  const percpu = attr.map_type === bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY;
  const numa_node = bpf_map_attr_numa_node(attr);
  const value_size = attr.value_size >>> 0;

  if (
    attr.max_entries === 0 ||
    attr.key_size !== 4 ||
    value_size === 0 ||
    attr.map_flags & ~ARRAY_CREATE_FLAG_MASK ||
    !bpf_map_flags_access_ok(attr.map_flags) ||
    (percpu && numa_node !== NUMA_NO_NODE)
  )
    return EINVAL;

  // Only plain arrays can be mmap()ed or used as an inner-map template.
  if (attr.map_type !== bpf_map_type.BPF_MAP_TYPE_ARRAY && attr.map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) return EINVAL;

  if (attr.map_type !== bpf_map_type.BPF_MAP_TYPE_PERF_EVENT_ARRAY && attr.map_flags & BPF_F_PRESERVE_ELEMS) return EINVAL;

  // avoid overflow on round_up(map->value_size)
  if (value_size > INT_MAX) return E2BIG;
  // percpu map value size is bound by PCPU_MIN_UNIT_SIZE
  if (percpu && round_up(value_size, 8) > PCPU_MIN_UNIT_SIZE) return E2BIG;
  return 0;
}
// #endregion array-alloc-check

/**
 * `array_map_alloc`: one zeroed area of max_entries * round_up(value_size, 8) bytes
 * (per CPU for PERCPU_ARRAY). Without bypass_spec_v1 the area is rounded up to a power
 * of two of entries, so a masked speculative index stays inside.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_alloc)
 */
export function array_map_alloc(attr: BpfMapCreateAttr, env: BpfMapEnv, ops: bpf_map_ops = array_ops_for(attr.map_type)): bpf_array | number {
  const percpu = attr.map_type === bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY;
  const elem_size = round_up(attr.value_size >>> 0, 8);
  const bypass_spec_v1 = env.bypass_spec_v1 ?? true;
  let max_entries = attr.max_entries >>> 0;

  // fls_long(max_entries - 1) in u64, so max_entries with bit 31 set does not overflow
  const mask64 = 2 ** fls(max_entries - 1) - 1;
  const index_mask = mask64 >>> 0;
  if (!bypass_spec_v1) {
    max_entries = (index_mask + 1) >>> 0;
    if (max_entries < attr.max_entries >>> 0) return E2BIG;
  }

  const fd_array = is_fd_array_type(attr.map_type);
  let area = max_entries * elem_size;
  if (attr.map_flags & BPF_F_MMAPABLE) area = round_up(area, PAGE_SIZE);
  const total = fd_array ? max_entries * 8 : percpu ? area * num_possible_cpus(env) : area;
  if (total > MODEL_MAX_ALLOC) return ENOMEM;

  const map = bpf_map_init_from_attr(ops, attr, env) as bpf_array;
  map.elem_size = elem_size;
  map.index_mask = index_mask;
  map.value = fd_array || percpu ? new Uint8Array(0) : new Uint8Array(area);
  map.pcpu = [];
  if (percpu) for (let cpu = 0; cpu < num_possible_cpus(env); cpu++) map.pcpu.push(new Uint8Array(area));
  map.ptrs = fd_array ? new Array<BpfFdPtr | null>(max_entries).fill(null) : [];
  return map;
}

function is_fd_array_type(t: number): boolean {
  return t === bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY || t === bpf_map_type.BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

/** The element's offset inside the area: `elem_size * (index & index_mask)`. */
function elem_off(array: bpf_array, index: number): number {
  return array.elem_size * ((index & array.index_mask) >>> 0);
}

/**
 * `array_map_lookup_elem`: a live view of the element, or null past max_entries.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_lookup_elem)
 */
export function array_map_lookup_elem(map: BpfMap, key: Uint8Array): Uint8Array | null {
  const array = map as bpf_array;
  const index = read_u32(key);
  if (index >= array.max_entries) return null;
  const off = elem_off(array, index);
  return array.value.subarray(off, off + array.value_size);
}

/**
 * `percpu_array_map_lookup_elem`: this CPU's copy of the element.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (percpu_array_map_lookup_elem)
 */
export function percpu_array_map_lookup_elem(map: BpfMap, key: Uint8Array): Uint8Array | null {
  return percpu_array_map_lookup_percpu_elem(map, key, this_cpu(map.env));
}

/**
 * `percpu_array_map_lookup_percpu_elem`: CPU `cpu`'s copy (bpf_map_lookup_percpu_elem).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (percpu_array_map_lookup_percpu_elem)
 */
export function percpu_array_map_lookup_percpu_elem(map: BpfMap, key: Uint8Array, cpu: number): Uint8Array | null {
  const array = map as bpf_array;
  const index = read_u32(key);
  if (cpu >>> 0 >= array.pcpu.length) return null;
  if (index >= array.max_entries) return null;
  const off = elem_off(array, index);
  return array.pcpu[cpu].subarray(off, off + array.value_size);
}

/**
 * `bpf_percpu_array_copy`: the syscall's lookup of a per-CPU array copies every
 * possible CPU's value, each padded to round_up(value_size, 8).
 * `value` must hold round_up(value_size, 8) * num_possible_cpus bytes.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (bpf_percpu_array_copy)
 */
export function bpf_percpu_array_copy(map: BpfMap, key: Uint8Array, value: Uint8Array): number {
  const array = map as bpf_array;
  const index = read_u32(key);
  if (index >= array.max_entries) return ENOENT;
  const size = array.elem_size;
  const off = elem_off(array, index);
  for (let cpu = 0; cpu < array.pcpu.length; cpu++) {
    copy_bytes(value.subarray(cpu * size), array.pcpu[cpu].subarray(off, off + size), size);
  }
  return 0;
}

/**
 * `bpf_percpu_array_update`: the syscall's update sets every CPU's copy from
 * round_up(value_size, 8)-sized slices. BPF_F_LOCK is refused (flags > BPF_EXIST).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (bpf_percpu_array_update)
 */
export function bpf_percpu_array_update(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  const array = map as bpf_array;
  const index = read_u32(key);
  if (map_flags > F_EXIST) return EINVAL; // unknown flags
  if (index >= array.max_entries) return E2BIG; // all elements were pre-allocated
  if (map_flags === F_NOEXIST) return EEXIST; // all elements already exist
  const size = array.elem_size;
  const off = elem_off(array, index);
  for (let cpu = 0; cpu < array.pcpu.length; cpu++) {
    copy_bytes(array.pcpu[cpu].subarray(off, off + size), value.subarray(cpu * size, cpu * size + size), size);
  }
  return 0;
}

/**
 * `array_map_get_next_key`: a missing or out-of-range key starts at 0; the last index ends.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_get_next_key)
 */
export function array_map_get_next_key(map: BpfMap, key: Uint8Array | null, next_key: Uint8Array): number {
  const index = key ? read_u32(key) : 0xffffffff;
  if (index >= map.max_entries) {
    write_u32(next_key, 0, 0);
    return 0;
  }
  if (index === map.max_entries - 1) return ENOENT;
  write_u32(next_key, 0, index + 1);
  return 0;
}

// #region array-update
/**
 * `array_map_update_elem`: every element exists, so BPF_NOEXIST is -EEXIST, an index
 * past the end -E2BIG, unknown flags -EINVAL. From a program, a per-CPU array
 * updates this CPU's copy only.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_update_elem)
 */
export function array_map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  const array = map as bpf_array;
  const index = read_u32(key);
  if ((map_flags & ~F_LOCK) > F_EXIST) return EINVAL; // unknown flags
  if (index >= array.max_entries) return E2BIG; // all elements were pre-allocated
  if (map_flags & F_NOEXIST) return EEXIST; // all elements already exist
  // BPF_F_LOCK needs a bpf_spin_lock in the value's BTF; the model keeps no BTF record.
  if (map_flags & F_LOCK) return EINVAL;
  const off = elem_off(array, index);
  const dst = array.map_type === bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY ? array.pcpu[this_cpu(map.env)] : array.value;
  copy_bytes(dst.subarray(off, off + array.value_size), value, array.value_size);
  return 0;
}
// #endregion array-update

/**
 * `array_map_delete_elem`: array elements cannot be deleted.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_delete_elem)
 */
export function array_map_delete_elem(_map: BpfMap, _key: Uint8Array): number {
  return EINVAL;
}

/**
 * `array_map_free`: the storage goes with the object; nothing to release.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_free)
 */
export function array_map_free(map: BpfMap): void {
  const array = map as bpf_array;
  array.pcpu = [];
}

/**
 * `array_map_direct_value_addr`: BPF_PSEUDO_MAP_VALUE (global data) needs a
 * single-element array; the offset must fall inside the value.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_direct_value_addr)
 */
export function array_map_direct_value_addr(map: BpfMap, off: number): { region: Uint8Array; off: number } | number {
  const array = map as bpf_array;
  if (map.max_entries !== 1) return ENOTSUPP;
  if (off >>> 0 >= map.value_size) return EINVAL;
  return { region: array.value, off: off >>> 0 };
}

/**
 * `array_map_mmap`: only BPF_F_MMAPABLE arrays; the region is the page-aligned value area.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_mmap)
 */
export function array_map_mmap(map: BpfMap): Uint8Array | number {
  if (!(map.map_flags & BPF_F_MMAPABLE)) return EINVAL;
  return (map as bpf_array).value;
}

/**
 * `array_map_meta_equal`: as bpf_map_meta_equal, and the same max_entries unless the
 * template was created with BPF_F_INNER_MAP (then inner arrays may differ in size).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_meta_equal)
 */
export function array_map_meta_equal(meta0: BpfMap, meta1: BpfMap): boolean {
  if (!bpf_map_meta_equal(meta0, meta1)) return false;
  return meta0.map_flags & BPF_F_INNER_MAP ? true : meta0.max_entries === meta1.max_entries;
}

/**
 * `array_map_mem_usage`: what fdinfo's memlock reports. `sizeof(struct bpf_array)`
 * is the v6.18 x86-64 value read from the host's BTF (struct bpf_map is 296 bytes,
 * bpf_array adds elem_size, index_mask and aux: 312).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_mem_usage)
 */
export function array_map_mem_usage(map: BpfMap): bigint {
  const array = map as bpf_array;
  const percpu = map.map_type === bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY;
  const entries = BigInt(map.max_entries);
  const elem = BigInt(array.elem_size);
  let usage = BigInt(SIZEOF_BPF_ARRAY);
  const page = (x: bigint): bigint => ((x + 4095n) / 4096n) * 4096n;
  if (percpu) {
    usage += entries * 8n;
    usage += entries * elem * BigInt(num_possible_cpus(map.env));
  } else if (map.map_flags & BPF_F_MMAPABLE) {
    usage = page(usage) + page(entries * elem);
  } else {
    usage += entries * elem;
  }
  return usage;
}

/** sizeof(struct bpf_array) on v6.18 x86-64 (from /sys/kernel/btf/vmlinux of a 6.18.44 host). */
export const SIZEOF_BPF_ARRAY = 312;

/** `array_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_map_ops) */
export const array_map_ops: bpf_map_ops = {
  map_meta_equal: array_map_meta_equal,
  map_alloc_check: array_map_alloc_check,
  map_alloc: (attr, env) => array_map_alloc(attr, env, array_map_ops),
  map_free: array_map_free,
  map_get_next_key: array_map_get_next_key,
  map_lookup_elem: array_map_lookup_elem,
  map_update_elem: array_map_update_elem,
  map_delete_elem: array_map_delete_elem,
  map_direct_value_addr: array_map_direct_value_addr,
  map_mmap: array_map_mmap,
  map_mem_usage: array_map_mem_usage,
};

/** `percpu_array_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (percpu_array_map_ops) */
export const percpu_array_map_ops: bpf_map_ops = {
  map_meta_equal: bpf_map_meta_equal,
  map_alloc_check: array_map_alloc_check,
  map_alloc: (attr, env) => array_map_alloc(attr, env, percpu_array_map_ops),
  map_free: array_map_free,
  map_get_next_key: array_map_get_next_key,
  map_lookup_elem: percpu_array_map_lookup_elem,
  map_update_elem: array_map_update_elem,
  map_delete_elem: array_map_delete_elem,
  map_lookup_percpu_elem: percpu_array_map_lookup_percpu_elem,
  map_mem_usage: array_map_mem_usage,
};

/* ---------------------------------------------------------------------------------
 * fd arrays: prog_array and array_of_maps hold objects, written through fds.
 * ------------------------------------------------------------------------------- */

/**
 * `fd_array_map_alloc_check`: values are u32 fds; no program-side access flags.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (fd_array_map_alloc_check)
 */
export function fd_array_map_alloc_check(attr: BpfMapCreateAttr): number {
  // only file descriptors can be stored in this type of map
  if (attr.value_size !== 4) return EINVAL;
  // Program read-only/write-only not supported for special maps yet.
  if (attr.map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) return EINVAL;
  return array_map_alloc_check(attr);
}

/**
 * `fd_array_map_lookup_elem`: programs cannot look up a prog_array (they tail-call it).
 * The model answers null (the kernel's ERR_PTR(-EOPNOTSUPP) never reaches a program:
 * the verifier refuses the call).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (fd_array_map_lookup_elem)
 */
export function fd_array_map_lookup_elem(_map: BpfMap, _key: Uint8Array): Uint8Array | null {
  return null;
}

/**
 * `bpf_fd_array_map_lookup_elem`: the syscall's lookup writes the held object's id (u32).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (bpf_fd_array_map_lookup_elem)
 */
export function bpf_fd_array_map_lookup_elem(map: BpfMap, key: Uint8Array, value: Uint8Array): number {
  const array = map as bpf_array;
  if (!map.ops.map_fd_sys_lookup_elem) return ENOTSUPP;
  const index = read_u32(key);
  const ptr = index < map.max_entries ? array.ptrs[(index & array.index_mask) >>> 0] : null;
  if (!ptr) return ENOENT;
  write_u32(value, 0, map.ops.map_fd_sys_lookup_elem(ptr) >>> 0);
  return 0;
}

/**
 * `bpf_fd_array_map_update_elem`: only BPF_ANY; the u32 value is an fd the map
 * resolves (`map_fd_get_ptr`), dropping the object it replaces.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (bpf_fd_array_map_update_elem)
 */
export function bpf_fd_array_map_update_elem(map: BpfMap, fds: BpfFdResolver, key: Uint8Array, value: Uint8Array, map_flags: bigint): number {
  const array = map as bpf_array;
  const index = read_u32(key);
  if (map_flags !== F_ANY) return EINVAL;
  if (index >= map.max_entries) return E2BIG;
  const ufd = read_u32(value) | 0;
  const new_ptr = map.ops.map_fd_get_ptr ? map.ops.map_fd_get_ptr(map, ufd, fds) : EINVAL;
  if (typeof new_ptr === 'number') return new_ptr;
  const old_ptr = array.ptrs[index];
  array.ptrs[index] = new_ptr;
  if (old_ptr) map.ops.map_fd_put_ptr?.(map, old_ptr, true);
  return 0;
}

/**
 * `__fd_array_map_delete_elem`: -E2BIG past the end, -ENOENT for an empty slot.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (__fd_array_map_delete_elem)
 */
function __fd_array_map_delete_elem(map: BpfMap, key: Uint8Array, need_defer: boolean): number {
  const array = map as bpf_array;
  const index = read_u32(key);
  if (index >= map.max_entries) return E2BIG;
  const old_ptr = array.ptrs[index];
  array.ptrs[index] = null;
  if (!old_ptr) return ENOENT;
  map.ops.map_fd_put_ptr?.(map, old_ptr, need_defer);
  return 0;
}

/**
 * `fd_array_map_delete_elem`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (fd_array_map_delete_elem)
 */
export function fd_array_map_delete_elem(map: BpfMap, key: Uint8Array): number {
  return __fd_array_map_delete_elem(map, key, true);
}

/**
 * `bpf_fd_array_map_clear`: drop every held object.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (bpf_fd_array_map_clear)
 */
export function bpf_fd_array_map_clear(map: BpfMap, need_defer: boolean): void {
  const key = new Uint8Array(4);
  for (let i = 0; i < map.max_entries; i++) {
    write_u32(key, 0, i);
    __fd_array_map_delete_elem(map, key, need_defer);
  }
}

/**
 * `bpf_prog_map_compatible` (kernel/bpf/core.c), the part the model keeps: the first
 * program stored fixes the map's owner type and JIT state; later ones must match.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_map_compatible)
 */
export function bpf_prog_map_compatible(map: BpfMap, prog: BpfProgRef): boolean {
  if (!map.owner) {
    map.owner = { type: prog.type, jited: prog.jited };
    return true;
  }
  return map.owner.type === prog.type && map.owner.jited === prog.jited;
}

/**
 * `prog_fd_array_get_ptr`: the program behind the fd, if it is compatible with the
 * map's owner; extension programs and freplace targets are refused.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (prog_fd_array_get_ptr)
 */
export function prog_fd_array_get_ptr(map: BpfMap, fd: number, fds: BpfFdResolver): BpfFdPtr | number {
  const got = fds.get(fd, 'prog');
  if (typeof got === 'number') return got;
  const prog = got as BpfProgRef;
  if (prog.type === bpf_prog_type.BPF_PROG_TYPE_EXT || !bpf_prog_map_compatible(map, prog)) {
    prog.put();
    return EINVAL;
  }
  if (prog.is_extended) {
    // An extended program cannot be a tail-call callee (an infinite loop through freplace).
    prog.put();
    return EBUSY;
  }
  prog.prog_array_member_cnt = (prog.prog_array_member_cnt ?? 0) + 1;
  return prog;
}

/**
 * `prog_fd_array_put_ptr`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (prog_fd_array_put_ptr)
 */
export function prog_fd_array_put_ptr(_map: BpfMap, ptr: BpfFdPtr, _need_defer: boolean): void {
  const prog = ptr as BpfProgRef;
  prog.prog_array_member_cnt = (prog.prog_array_member_cnt ?? 1) - 1;
  prog.put();
}

/**
 * `prog_fd_array_sys_lookup_elem`: user space sees the program's id.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (prog_fd_array_sys_lookup_elem)
 */
export function prog_fd_array_sys_lookup_elem(ptr: BpfFdPtr): number {
  return (ptr as BpfProgRef).id;
}

/**
 * `prog_array_map_clear`: when the last user reference goes, the prog_array drops
 * its programs (breaking prog_array <-> program reference cycles).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (prog_array_map_clear)
 */
export function prog_array_map_clear(map: BpfMap): void {
  // The kernel holds a map reference across the deferred work; synchronous here.
  bpf_map_inc(map);
  bpf_fd_array_map_clear(map, true);
  bpf_map_put(map);
}

/**
 * `fd_array_map_free`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (fd_array_map_free)
 */
export function fd_array_map_free(map: BpfMap): void {
  (map as bpf_array).ptrs = [];
}

/**
 * `prog_array_map_ops`: no map_meta_equal, so a prog_array cannot be an inner map.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (prog_array_map_ops)
 */
export const prog_array_map_ops: bpf_map_ops = {
  map_alloc_check: fd_array_map_alloc_check,
  map_alloc: (attr, env) => array_map_alloc(attr, env, prog_array_map_ops),
  map_free: fd_array_map_free,
  map_get_next_key: array_map_get_next_key,
  map_lookup_elem: fd_array_map_lookup_elem,
  map_update_elem: () => EINVAL, // the syscall uses bpf_fd_array_map_update_elem
  map_delete_elem: fd_array_map_delete_elem,
  map_fd_get_ptr: prog_fd_array_get_ptr,
  map_fd_put_ptr: prog_fd_array_put_ptr,
  map_fd_sys_lookup_elem: prog_fd_array_sys_lookup_elem,
  map_release_uref: prog_array_map_clear,
  map_mem_usage: array_map_mem_usage,
};

/**
 * `array_of_map_alloc`: the inner-map template first (from attr.inner_map_fd), then the array.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_of_map_alloc)
 */
export function array_of_map_alloc(attr: BpfMapCreateAttr, env: BpfMapEnv, fds?: BpfFdResolver): BpfMap | number {
  const inner_map_meta = bpf_map_meta_alloc(attr.inner_map_fd, fds);
  if (typeof inner_map_meta === 'number') return inner_map_meta;
  const map = array_map_alloc(attr, env, array_of_maps_map_ops);
  if (typeof map === 'number') {
    bpf_map_meta_free(inner_map_meta);
    return map;
  }
  map.inner_map_meta = inner_map_meta;
  return map;
}

/**
 * `array_of_map_free`: drop the template and every inner map.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_of_map_free)
 */
export function array_of_map_free(map: BpfMap): void {
  if (map.inner_map_meta) bpf_map_meta_free(map.inner_map_meta);
  bpf_fd_array_map_clear(map, false);
  fd_array_map_free(map);
}

/**
 * `array_of_map_lookup_elem`: a program gets the inner map (or null).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_of_map_lookup_elem)
 */
export function array_of_map_lookup_elem(map: BpfMap, key: Uint8Array): BpfFdPtr | null {
  const array = map as bpf_array;
  const index = read_u32(key);
  if (index >= map.max_entries) return null;
  return array.ptrs[(index & array.index_mask) >>> 0] ?? null;
}

/** `array_of_maps_map_ops`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/arraymap.c (array_of_maps_map_ops) */
export const array_of_maps_map_ops: bpf_map_ops = {
  map_alloc_check: fd_array_map_alloc_check,
  map_alloc: array_of_map_alloc,
  map_free: array_of_map_free,
  map_get_next_key: array_map_get_next_key,
  map_lookup_elem: fd_array_map_lookup_elem,
  map_lookup_fd_ptr: array_of_map_lookup_elem,
  map_update_elem: () => EINVAL, // the syscall uses bpf_fd_array_map_update_elem
  map_delete_elem: fd_array_map_delete_elem,
  map_fd_get_ptr: bpf_map_fd_get_ptr,
  map_fd_put_ptr: bpf_map_fd_put_ptr,
  map_fd_sys_lookup_elem: bpf_map_fd_sys_lookup_elem,
  map_mem_usage: array_map_mem_usage,
};

function array_ops_for(map_type: number): bpf_map_ops {
  switch (map_type) {
    case bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY:
      return percpu_array_map_ops;
    case bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY:
      return prog_array_map_ops;
    case bpf_map_type.BPF_MAP_TYPE_ARRAY_OF_MAPS:
      return array_of_maps_map_ops;
    default:
      return array_map_ops;
  }
}
