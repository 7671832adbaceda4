/**
 * Shared constants and small helpers of the map types: the kernel's limits
 * (include/linux/slab.h, percpu.h), `bpf_map_init_from_attr` and the
 * attribute helpers of include/linux/bpf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h
 *
 * The numbers are x86-64's (PAGE_SIZE 4096, SLUB's KMALLOC_MAX_SIZE 4 MiB);
 * riscv64 with 4 KiB pages has the same values.
 * @module
 */
import { bpf_anon_enums, errno } from '@bpf-internals/uapi';
import type { BpfMap, BpfMapCreateAttr, BpfMapEnv, bpf_map_ops } from '../bpf_map.js';

const flag = (name: string): number => Number(bpf_anon_enums[name]);

export const BPF_ANY = flag('BPF_ANY');
export const BPF_NOEXIST = flag('BPF_NOEXIST');
export const BPF_EXIST = flag('BPF_EXIST');
export const BPF_F_LOCK = flag('BPF_F_LOCK');

export const BPF_F_NO_PREALLOC = flag('BPF_F_NO_PREALLOC');
export const BPF_F_NO_COMMON_LRU = flag('BPF_F_NO_COMMON_LRU');
export const BPF_F_NUMA_NODE = flag('BPF_F_NUMA_NODE');
export const BPF_F_RDONLY = flag('BPF_F_RDONLY');
export const BPF_F_WRONLY = flag('BPF_F_WRONLY');
export const BPF_F_ZERO_SEED = flag('BPF_F_ZERO_SEED');
export const BPF_F_RDONLY_PROG = flag('BPF_F_RDONLY_PROG');
export const BPF_F_WRONLY_PROG = flag('BPF_F_WRONLY_PROG');
export const BPF_F_MMAPABLE = flag('BPF_F_MMAPABLE');
export const BPF_F_PRESERVE_ELEMS = flag('BPF_F_PRESERVE_ELEMS');
export const BPF_F_INNER_MAP = flag('BPF_F_INNER_MAP');

/** include/linux/bpf.h: the access flags a map fd can carry. */
export const BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

export const EPERM = -errno.EPERM;
export const ENOENT = -errno.ENOENT;
export const E2BIG = -errno.E2BIG;
export const EBADF = -errno.EBADF;
export const EAGAIN = -errno.EAGAIN;
export const ENOMEM = -errno.ENOMEM;
export const EBUSY = -errno.EBUSY;
export const EEXIST = -errno.EEXIST;
export const EINVAL = -errno.EINVAL;
export const EOPNOTSUPP = -errno.EOPNOTSUPP;
/** The kernel-internal ENOTSUPP (524) that BPF lets reach user space. */
export const ENOTSUPP = -524;

export const PAGE_SIZE = 4096;
export const NUMA_NO_NODE = -1;
export const U32_MAX = 0xffffffff;
export const INT_MAX = 0x7fffffff;
/** include/linux/slab.h with SLUB: KMALLOC_SHIFT_MAX = MAX_PAGE_ORDER (10) + PAGE_SHIFT (12). */
export const KMALLOC_MAX_SIZE = 1 << 22;
/** include/linux/percpu.h: PFN_ALIGN(32 << 10). */
export const PCPU_MIN_UNIT_SIZE = 32 << 10;
/** include/uapi/linux/capability.h. */
export const CAP_SYS_ADMIN = 21;

/**
 * The model's own allocation ceiling: an allocation the kernel would satisfy
 * with vmalloc but a browser tab cannot (hundreds of MiB) gets -ENOMEM here.
 * The kernel gives -ENOMEM too, only at a (machine-dependent) larger size.
 */
export const MODEL_MAX_ALLOC = 64 << 20;

/** `round_up(x, y)` for a power-of-two y, on values up to 2^53. */
export function round_up(x: number, y: number): number {
  return Math.ceil(x / y) * y;
}

/** `fls()`: 1-based index of the most significant set bit, 0 for 0. */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x >>> 0);
}

/** `roundup_pow_of_two()` (x >= 1) as a plain number (may be 2^32). */
export function roundup_pow_of_two(x: number): number {
  return x <= 1 ? 1 : 2 ** fls(x - 1);
}

export function is_power_of_2(x: number): boolean {
  return x !== 0 && (x & (x - 1)) === 0 && x <= U32_MAX;
}

/**
 * `bpf_map_flags_access_ok`: a map cannot be both read-only and write-only for programs.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h (bpf_map_flags_access_ok)
 */
export function bpf_map_flags_access_ok(access_flags: number): boolean {
  return (access_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !== (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/**
 * `bpf_map_attr_numa_node`: numa_node counts only with BPF_F_NUMA_NODE.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h (bpf_map_attr_numa_node)
 */
export function bpf_map_attr_numa_node(attr: BpfMapCreateAttr): number {
  return attr.map_flags & BPF_F_NUMA_NODE ? attr.numa_node | 0 : NUMA_NO_NODE;
}

/**
 * `bpf_map_flags_retain_permanent`: RDONLY/WRONLY belong to the fd, not the map.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h (bpf_map_flags_retain_permanent)
 */
export function bpf_map_flags_retain_permanent(flags: number): number {
  return flags & ~(BPF_F_RDONLY | BPF_F_WRONLY);
}

/** The NUL-terminated name inside `map_name`'s 16 bytes. */
export function map_name_string(raw: Uint8Array | undefined): string {
  if (!raw) return '';
  let end = 0;
  while (end < raw.length && end < 16 && raw[end] !== 0) end++;
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(raw[i]);
  return s;
}

/**
 * `bpf_map_init_from_attr`: the fields every map copies from the attr.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_init_from_attr)
 */
export function bpf_map_init_from_attr(ops: bpf_map_ops, attr: BpfMapCreateAttr, env: BpfMapEnv): BpfMap {
  return {
    ops,
    map_type: attr.map_type >>> 0,
    key_size: attr.key_size >>> 0,
    value_size: attr.value_size >>> 0,
    max_entries: attr.max_entries >>> 0,
    map_flags: bpf_map_flags_retain_permanent(attr.map_flags >>> 0),
    map_extra: attr.map_extra,
    numa_node: bpf_map_attr_numa_node(attr),
    name: map_name_string(attr.map_name),
    id: 0,
    refcnt: 1,
    usercnt: 1,
    frozen: false,
    env,
  };
}

/** `*(u32 *)key`, little-endian; missing bytes read as zero (never throws). */
export function read_u32(b: Uint8Array, off = 0): number {
  return ((b[off] | 0) | ((b[off + 1] | 0) << 8) | ((b[off + 2] | 0) << 16) | ((b[off + 3] | 0) << 24)) >>> 0;
}

export function write_u32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** `memcpy(dst, src, n)` that copies at most what both sides have. */
export function copy_bytes(dst: Uint8Array, src: Uint8Array, n: number): void {
  const len = Math.min(n, dst.length, src.length);
  if (len === src.length) dst.set(src, 0);
  else dst.set(src.subarray(0, len), 0);
}

/** `num_possible_cpus()`, at least 1. */
export function num_possible_cpus(env: BpfMapEnv): number {
  return Math.max(1, env.num_possible_cpus | 0);
}

/** `smp_processor_id()`, clamped into [0, num_possible_cpus). */
export function this_cpu(env: BpfMapEnv): number {
  const n = num_possible_cpus(env);
  const c = env.smp_processor_id() | 0;
  return c >= 0 && c < n ? c : 0;
}

/** The flags as a number (update flags arrive as u64 bigint). Bits above 32 make it huge. */
export function flags_num(flags: bigint): number {
  return Number(BigInt.asUintN(64, flags));
}

/** A default machine for tests and examples: `cpus` possible CPUs, running on CPU 0, seed 0. */
export function createMapEnv(cpus = 1, opts: Partial<Pick<BpfMapEnv, 'get_random_u32' | 'capable' | 'bypass_spec_v1'>> & { cpu?: number } = {}): BpfMapEnv & { cpu: number } {
  const env = {
    num_possible_cpus: cpus,
    cpu: opts.cpu ?? 0,
    smp_processor_id(): number {
      return env.cpu;
    },
    get_random_u32: opts.get_random_u32 ?? ((): number => (Math.random() * 0x100000000) >>> 0),
    capable: opts.capable,
    bypass_spec_v1: opts.bypass_spec_v1,
  };
  return env;
}

/** A `BpfMapCreateAttr` with everything zero but what `a` sets (BPF_MAP_TYPE_ARRAY, 4-byte key, 8-byte value, 4 entries by default). */
export function mapCreateAttr(a: Partial<BpfMapCreateAttr> = {}): BpfMapCreateAttr {
  return {
    map_type: 2,
    key_size: 4,
    value_size: 8,
    max_entries: 4,
    map_flags: 0,
    inner_map_fd: 0,
    numa_node: 0,
    map_name: new Uint8Array(16),
    map_ifindex: 0,
    btf_fd: 0,
    btf_key_type_id: 0,
    btf_value_type_id: 0,
    btf_vmlinux_value_type_id: 0,
    map_extra: 0n,
    value_type_btf_obj_fd: 0,
    map_token_fd: 0,
    ...a,
  };
}
