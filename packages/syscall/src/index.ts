/**
 * @bpf-internals/syscall: `__sys_bpf` over a simulated machine and process.
 * Mirrors kernel/bpf/syscall.c and kernel/bpf/inode.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * ```ts
 * import { createKernel } from '@bpf-internals/syscall';
 * const kernel = createKernel();
 * const proc = kernel.spawn();
 * const attr = proc.mem.alloc(168);
 * proc.mem.write(attr, bytes);
 * const fd = proc.bpf(0, attr, 168); // BPF_MAP_CREATE
 * ```
 * @module
 */
export { createKernel, Kernel, type KernelOptions, type KernelTraceEvent, type Sysctls, type ObjectReport, type KernelObject } from './kernel.js';
export { Process, capabilities, CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_ADMIN, type CapName, type SpawnOptions } from './process.js';
export { ProcessMemory, PAGE_SIZE, type UserMemory } from './usermem.js';
export { FdTable, fput, open_fmode, isBpfObjFile, FMODE_READ, FMODE_WRITE, FMODE_CAN_READ, FMODE_CAN_WRITE, O_RDONLY, O_WRONLY, O_RDWR } from './fdtable.js';
export type { BpfFile, BpfObjFops, FileOperations, bpf_type } from './fdtable.js';
export { Idr } from './idr.js';
export { Vfs, type Inode } from './inode.js';
export { __sys_bpf, bpf_cmds, CHECK_ATTR, BPF_ATTR_SIZE, bpf_attr_last_field_end, bpf_obj_get_next_id, type BpfCmdHandler } from './syscall.js';
export {
  map_create,
  map_lookup_elem,
  map_update_elem,
  map_delete_elem,
  map_get_next_key,
  map_lookup_and_delete_elem,
  map_freeze,
  bpf_map_do_batch,
  bpf_map_new_fd,
  bpf_map_get,
  __bpf_map_get,
  bpf_map_put_with_uref,
  bpf_map_inc_with_uref,
  bpf_map_fops,
  bpf_map_value_size,
  bpf_map_copy_value,
  bpf_map_update_value,
  bpf_get_file_flag,
  bpf_obj_name_cpy,
  bpf_token_capable,
  fdResolver,
  AttrView,
} from './map_cmds.js';
export { bpf_obj_get_info_by_fd, bpf_map_get_info_by_fd, info_by_fd, BPF_MAP_INFO_SIZE, type InfoByFd } from './info.js';
export { bpf_obj_pin_user, bpf_obj_get_user } from './obj.js';
export { bpf_check_uarg_tail_zero } from './uarg.js';
export * from './programs.js';
