/**
 * `struct bpf_map` and `struct bpf_map_ops`: the contract every map type
 * implements and that syscall (the MAP_* commands) and core (the map helpers)
 * call through.
 * Mirrors include/linux/bpf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf.h (struct bpf_map_ops)
 *
 * Values live in `Uint8Array`s owned by the map. `map_lookup_elem` returns a
 * live view of the value, as the kernel returns a pointer into the element:
 * a program (through core's memory model) writes straight into the map.
 * Errors are negative errnos, as in the kernel; nothing here throws on bad input.
 *
 * Who checks what (as in v6.18):
 * - the map types (this package): `map_alloc_check` / `map_alloc` validate key/value
 *   sizes, max_entries, the type's flag mask, BPF_F_RDONLY_PROG with BPF_F_WRONLY_PROG,
 *   numa_node against per-CPU kinds, inner_map_fd; element ops answer the update flags
 *   (-EEXIST / -ENOENT / -E2BIG / -EINVAL for unknown flags or BPF_F_LOCK without a
 *   spin lock), bounds, and `get_next_key`.
 * - syscall.c (the syscall package): CHECK_ATTR, BPF_F_TOKEN_FD, btf ids,
 *   `map_extra` (only bloom filter / arena), the file flags (BPF_F_RDONLY|BPF_F_WRONLY),
 *   numa_node >= nr_node_ids, an unknown map type (`find_map_ops` undefined), a type
 *   without `map_mem_usage`, capabilities, the name; per-fd read/write permission and
 *   frozen maps; `BPF_F_LOCK` on types without a lock in map_update_elem/lookup;
 *   copying keys/values (`bpf_map_value_size`) and routing per-CPU and fd maps to
 *   `bpf_percpu_*_copy/update`, `bpf_fd_*_lookup_elem/update_elem`, queue/stack to
 *   push/pop/peek; a type whose lookup fails with `map_lookup_elem_err`; the generic
 *   batch walks (`htab_map_lookup_batch` gives the hash table's).
 * @module
 */

/** What `map_alloc` reads of `union bpf_attr` for BPF_MAP_CREATE (already copied from user space). */
export interface BpfMapCreateAttr {
  map_type: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags: number;
  inner_map_fd: number;
  numa_node: number;
  /** The 16 raw bytes of `map_name`. */
  map_name: Uint8Array;
  map_ifindex: number;
  btf_fd: number;
  btf_key_type_id: number;
  btf_value_type_id: number;
  btf_vmlinux_value_type_id: number;
  map_extra: bigint;
  value_type_btf_obj_fd: number;
  map_token_fd: number;
}

/** The machine a map lives on: CPU count for per-CPU maps, the running CPU for helpers. */
export interface BpfMapEnv {
  /** `num_possible_cpus()`. */
  readonly num_possible_cpus: number;
  /** `smp_processor_id()` of the caller (the CPU a program runs on). */
  smp_processor_id(): number;
  /** Random seed source for hash maps without BPF_F_ZERO_SEED (`get_random_u32`). */
  get_random_u32(): number;
  /**
   * `capable(cap)` of the creating task (e.g. CAP_SYS_ADMIN = 21 for BPF_F_ZERO_SEED).
   * Absent: the task is root and has every capability.
   */
  capable?(cap: number): boolean;
  /**
   * `bpf_bypass_spec_v1()`: true for privileged creators (root), so arrays keep
   * their exact max_entries; false rounds arrays up to a power of two (Spectre v1
   * index masking). Absent: true (root).
   */
  readonly bypass_spec_v1?: boolean;
}

/** Anything refcounted that a map slot can hold (a program in a prog_array, a map in a map-in-map). */
export interface BpfRefObject {
  /** Take a reference (`bpf_prog_inc` / `bpf_map_inc`). */
  inc(): void;
  /** Drop a reference (`bpf_prog_put` / `bpf_map_put`); the object frees itself at zero. */
  put(): void;
}

/**
 * What a prog_array slot holds: the program behind an fd, as `bpf_prog_get` returns it.
 * The fields are the ones arraymap.c reads (`prog->type`, `prog->jited`, `prog->aux->id`).
 */
export interface BpfProgRef extends BpfRefObject {
  /** `prog->aux->id`: what a syscall lookup of a prog_array slot returns. */
  readonly id: number;
  /** `prog->type` (resolve_prog_type()). */
  readonly type: number;
  /** `prog->jited`. */
  readonly jited: boolean;
  /** `prog->aux->is_extended`: an freplace target cannot be a tail-call callee (-EBUSY). */
  readonly is_extended?: boolean;
  /** `prog->aux->prog_array_member_cnt`, kept by prog_fd_array_get_ptr/put_ptr. */
  prog_array_member_cnt?: number;
}

/** Resolves a user fd for `map_fd_get_ptr` (prog_array, map-in-map); the syscall layer provides it. */
export interface BpfFdResolver {
  /** The object behind `fd` with a new reference taken, or a negative errno (-EBADF, -EINVAL). */
  get(fd: number, want: 'prog' | 'map'): BpfRefObject | number;
  /**
   * `__bpf_map_get(fdget(fd))`: the map behind `fd` WITHOUT taking a reference, or
   * -EBADF (no such fd) / -EINVAL (the fd is not a map). Map-in-map needs the map
   * itself (bpf_map_meta_alloc, bpf_map_fd_get_ptr); without it they answer -EBADF.
   */
  map?(fd: number): BpfMap | number;
}

/** What an fd map slot holds: a program (prog_array) or a map (array/hash of maps). */
export type BpfFdPtr = BpfRefObject | BpfMap;

export interface bpf_map_ops {
  /** Per-type attribute validation, before allocation. 0 or -errno. */
  map_alloc_check?(attr: BpfMapCreateAttr, env: BpfMapEnv): number;
  /**
   * Allocate the map, or -errno. `fds` resolves `attr.inner_map_fd` for the
   * map-in-map types (the kernel's bpf_map_meta_alloc does fdget itself).
   */
  map_alloc(attr: BpfMapCreateAttr, env: BpfMapEnv, fds?: BpfFdResolver): BpfMap | number;
  /** Free everything (drops the references elements hold). */
  map_free(map: BpfMap): void;
  /** `map_release_uref`: the last user reference went (prog_array clears itself). */
  map_release_uref?(map: BpfMap): void;
  /** `key` null means "the first key". 0 or -ENOENT (no more keys), -errno. */
  map_get_next_key(map: BpfMap, key: Uint8Array | null, next_key: Uint8Array): number;
  /** A live view of the element's value (this CPU's for per-CPU maps), or null. */
  map_lookup_elem(map: BpfMap, key: Uint8Array): Uint8Array | null;
  /**
   * `map_lookup_elem_sys_only`: the lookup the syscall uses when the type has one
   * (LRU hash: a lookup from user space does not set the LRU reference bit).
   */
  map_lookup_elem_sys_only?(map: BpfMap, key: Uint8Array): Uint8Array | null;
  /**
   * Model plumbing: when set, the type's map_lookup_elem returns ERR_PTR(this errno)
   * in the kernel (ringbuf: -ENOTSUPP), which bpf_map_copy_value passes to user space
   * instead of -ENOENT.
   */
  map_lookup_elem_err?: number;
  /**
   * Model plumbing, no kernel name: what a program's `bpf_map_lookup_elem` on an
   * array/hash of maps returns (the inner map; the kernel returns the pointer
   * stored in the slot). Core calls it instead of map_lookup_elem for those types.
   */
  map_lookup_fd_ptr?(map: BpfMap, key: Uint8Array): BpfFdPtr | null;
  map_update_elem(map: BpfMap, key: Uint8Array, value: Uint8Array, flags: bigint): number;
  map_delete_elem(map: BpfMap, key: Uint8Array): number;
  map_lookup_and_delete_elem?(map: BpfMap, key: Uint8Array | null, value: Uint8Array, flags: bigint): number;
  map_push_elem?(map: BpfMap, value: Uint8Array, flags: bigint): number;
  map_pop_elem?(map: BpfMap, value: Uint8Array): number;
  map_peek_elem?(map: BpfMap, value: Uint8Array): number;
  map_lookup_percpu_elem?(map: BpfMap, key: Uint8Array, cpu: number): Uint8Array | null;
  /** prog_array / map-in-map: resolve the fd stored by user space into the object kept in the slot. */
  map_fd_get_ptr?(map: BpfMap, fd: number, fds: BpfFdResolver): BpfFdPtr | number;
  map_fd_put_ptr?(map: BpfMap, ptr: BpfFdPtr, need_defer: boolean): void;
  /** What a syscall lookup of a fd map returns (the object's id). */
  map_fd_sys_lookup_elem?(ptr: BpfFdPtr): number;
  /** `map_meta_equal`: may `inner` be stored in an outer map whose template is `meta`? */
  map_meta_equal?(meta: BpfMap, inner: BpfMap): boolean;
  /** `map_direct_value_addr`: for BPF_PSEUDO_MAP_VALUE (arrays): the value region and offset check. */
  map_direct_value_addr?(map: BpfMap, off: number): { region: Uint8Array; off: number } | number;
  /**
   * `map_mmap`: the bytes user space may mmap(), as one region (BPF_F_MMAPABLE
   * arrays: the page-aligned value area; ringbuf: consumer page, producer page and
   * data), or -EINVAL when the map cannot be mapped.
   */
  map_mmap?(map: BpfMap): Uint8Array | number;
  /** `map_check_btf` is not modelled (BTF records are not kept). */
  map_mem_usage?(map: BpfMap): bigint;
}

/** `struct bpf_map`: the fields every type shares. Types extend it with their storage. */
export interface BpfMap {
  ops: bpf_map_ops;
  map_type: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags: number;
  map_extra: bigint;
  numa_node: number;
  /** The name as the kernel keeps it (NUL-terminated within 16 bytes). */
  name: string;
  /** Set by the syscall layer when it allocates an id (`bpf_map_alloc_id`). */
  id: number;
  /** `map->refcnt`: fds, pins, programs, outer maps. */
  refcnt: number;
  /** `map->usercnt`: user references (fds, pins); prog_array clears at zero. */
  usercnt: number;
  /** `map->frozen`. */
  frozen: boolean;
  /** Programs of the map's owner (`map->owner`) for prog_array: type and JITed-ness. */
  owner?: { type: number; jited: boolean };
  /** `map->inner_map_meta`: the template of array/hash of maps (bpf_map_meta_alloc). */
  inner_map_meta?: BpfMap;
  env: BpfMapEnv;
  /** Called once when the last reference is dropped (the syscall layer frees the id). */
  onFree?: (map: BpfMap) => void;
}

/** `bpf_map_inc`. */
export function bpf_map_inc(map: BpfMap): void {
  map.refcnt++;
}

/** `bpf_map_put`: drop a reference; at zero, free the map and its id. */
export function bpf_map_put(map: BpfMap): void {
  if (--map.refcnt === 0) {
    map.ops.map_free(map);
    map.onFree?.(map);
  }
}
