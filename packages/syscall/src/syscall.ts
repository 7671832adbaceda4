/**
 * `__sys_bpf`: the bpf(2) entry point, its attr handling and the command
 * dispatch; the object commands (OBJ_PIN, OBJ_GET, *_GET_NEXT_ID,
 * *_GET_FD_BY_ID) and the kernel's answer for the commands the model does
 * not carry.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * Step by step (docs/sys-bpf.md tells the story):
 * 1. `bpf_check_uarg_tail_zero`: size > PAGE_SIZE is -E2BIG; bytes past
 *    sizeof(union bpf_attr) (168 in v6.18) must be zero (-E2BIG).
 * 2. Copy min(size, 168) bytes into a zeroed attr (-EFAULT if unreadable):
 *    fields user space did not pass read as 0, which is how old binaries keep working.
 * 3. The command: `CHECK_ATTR` (bytes past the command's last field must be
 *    zero, -EINVAL), then the command's own checks (capabilities,
 *    unprivileged_bpf_disabled, flags), then the work.
 * @module
 */
import { bpf_map_put } from '@bpf-internals/maps';
import { bpf_cmd, bpf_stats_type } from '@bpf-internals/uapi';
import { attrCommands, attrField, attrLastField } from '@bpf-internals/uapi';
import { O_RDWR, open_fmode, type BpfFile } from './fdtable.js';
import { bpf_obj_get_info_by_fd } from './info.js';
import {
  BPF_F_TOKEN_FD,
  BPF_OBJ_FLAG_MASK,
  bpf_get_file_flag,
  bpf_map_do_batch,
  bpf_map_get,
  bpf_map_inc_with_uref,
  bpf_map_new_fd,
  bpf_token_capable,
  map_create,
  map_delete_elem,
  map_freeze,
  map_get_next_key,
  map_lookup_and_delete_elem,
  map_lookup_elem,
  map_update_elem,
} from './map_cmds.js';
import { bpf_obj_get_user, bpf_obj_pin_user } from './obj.js';
import { bpf_prog_get, bpf_prog_inc_not_zero, bpf_prog_load, bpf_prog_new_fd, bpf_prog_put, prog_from_idr } from './prog.js';
import { bpf_prog_attach, bpf_prog_detach, bpf_prog_query } from './attach.js';
import { link_create, link_detach, link_update } from './link.js';
import { bpf_prog_test_run } from './test_run.js';
import { CAP_BPF, CAP_SYS_ADMIN, type Process } from './process.js';
import { bpf_check_uarg_tail_zero } from './uarg.js';
import type { Idr } from './idr.js';
import type { KernelObject } from './kernel.js';

const EPERM = -1;
const ENOENT = -2;
const EBADF = -9;
const EFAULT = -14;
const EINVAL = -22;
const EOPNOTSUPP = -95;
const ENOTSUPP = -524;

/** `sizeof(union bpf_attr)` in v6.18. */
export const BPF_ATTR_SIZE = 168;
/** `INT_MAX`. */
const INT_MAX = 0x7fffffff;

/**
 * `BPF_<CMD>_LAST_FIELD` of v6.18 as the end offset of that field, for CHECK_ATTR.
 * One table for the whole project: uapi's `bpf_attr_commands` names each command's last
 * field, and `attrLastField` gives `offsetofend(union bpf_attr, field)`. Verified on the live
 * 6.18 kernel by test/uapi-check-attr.test.ts (a non-zero byte at the end offset is -EINVAL,
 * one inside the last field is not). Note the *_GET_FD_BY_ID commands: only
 * BTF_GET_FD_BY_ID reads `fd_by_id_token_fd` in v6.18; PROG/MAP/LINK stop at
 * prog_id / open_flags / link_id.
 */
// #region last_field
/** cmd number -> offsetofend(union bpf_attr, BPF_<CMD>_LAST_FIELD). */
const lastFieldEnd: number[] = [];
for (const c of attrCommands()) lastFieldEnd[c.cmd] = attrLastField(c.cmd).end;
// #endregion last_field

/** The end offset CHECK_ATTR uses for `cmd` (for tests and docs). */
export function bpf_attr_last_field_end(cmd: number): number | undefined {
  return lastFieldEnd[cmd];
}

/**
 * `CHECK_ATTR(CMD)`: true (the kernel then returns -EINVAL) when any byte
 * after the command's last field is non-zero.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (CHECK_ATTR)
 */
export function CHECK_ATTR(cmd: number, attr: Uint8Array): boolean {
  const end = lastFieldEnd[cmd] ?? 0;
  for (let i = end; i < BPF_ATTR_SIZE; i++) if (attr[i] !== 0) return true;
  return false;
}

/** A command handler: the kernel's copy of the attr, the user address it came from, the size. */
export type BpfCmdHandler = (proc: Process, attr: Uint8Array, uattr: bigint, size: number) => number;

/**
 * `__sys_bpf`: returns an fd or 0 on success, -errno on failure, and never throws
 * for any attr bytes, size or command.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (__sys_bpf)
 */
// #region sys_bpf
export function __sys_bpf(proc: Process, cmd: number, uattr: bigint, size: number): number {
  cmd = cmd | 0; // int cmd
  size = size >>> 0; // unsigned int size
  uattr = BigInt.asUintN(64, uattr);
  const trace = proc.kernel.trace;
  trace?.({ fn: '__sys_bpf', file: 'kernel/bpf/syscall.c', depth: 0, detail: `cmd ${cmdName(cmd)}, size ${size}` });

  let err = bpf_check_uarg_tail_zero(proc.mem, uattr, BPF_ATTR_SIZE, size);
  trace?.({ fn: 'bpf_check_uarg_tail_zero', file: 'kernel/bpf/syscall.c', depth: 1, detail: `size ${size} vs sizeof(union bpf_attr) ${BPF_ATTR_SIZE}`, ret: err });
  if (err) return done(proc, err);
  size = Math.min(size, BPF_ATTR_SIZE);

  // copy attributes from user space, may be less than sizeof(bpf_attr)
  const attr = new Uint8Array(BPF_ATTR_SIZE);
  const got = proc.mem.copy_from_user(uattr, size);
  trace?.({ fn: 'copy_from_bpfptr', file: 'include/linux/bpfptr.h', depth: 1, detail: `${size} bytes into a zeroed union bpf_attr`, ret: typeof got === 'number' ? EFAULT : 0 });
  if (typeof got === 'number') return done(proc, EFAULT);
  attr.set(got);

  const handler = bpf_cmds[cmd];
  // Unknown command: the switch's default.
  if (!handler) return done(proc, EINVAL);
  const bad = CHECK_ATTR(cmd, attr);
  trace?.({ fn: 'CHECK_ATTR', file: 'kernel/bpf/syscall.c', depth: 1, detail: `bytes from ${lastFieldEnd[cmd]} on must be zero`, ret: bad ? EINVAL : 0 });
  if (bad) return done(proc, EINVAL);
  err = handler(proc, attr, uattr, size);
  return done(proc, err);
}
// #endregion sys_bpf

function done(proc: Process, ret: number): number {
  proc.kernel.trace?.({ fn: '__sys_bpf', file: 'kernel/bpf/syscall.c', depth: 0, detail: 'return', ret });
  return ret;
}

function cmdName(cmd: number): string {
  for (const [k, v] of Object.entries(bpf_cmd)) if (v === cmd && k !== 'BPF_PROG_RUN') return k;
  return String(cmd);
}

const dv = (attr: Uint8Array): DataView => new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
const u32 = (attr: Uint8Array, o: number): number => dv(attr).getUint32(o, true);
const u64 = (attr: Uint8Array, o: number): bigint => dv(attr).getBigUint64(o, true);

// ---- BPF_OBJ_PIN / BPF_OBJ_GET -------------------------------------------------------------------

const OBJ = {
  pathname: attrField('BPF_OBJ_PIN', 'pathname').offset,
  bpf_fd: attrField('BPF_OBJ_PIN', 'bpf_fd').offset,
  file_flags: attrField('BPF_OBJ_PIN', 'file_flags').offset,
  path_fd: attrField('BPF_OBJ_PIN', 'path_fd').offset,
};
/** BPF_F_PATH_FD: `path_fd` is the directory relative paths start from. */
const BPF_F_PATH_FD = 1 << 14;
/** AT_FDCWD. */
const AT_FDCWD = -100;

/**
 * `bpf_obj_pin`: BPF_OBJ_PIN; only BPF_F_PATH_FD is a valid flag, and path_fd needs it.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_obj_pin)
 */
export function bpf_obj_pin(proc: Process, attr: Uint8Array): number {
  const file_flags = u32(attr, OBJ.file_flags);
  if (file_flags & ~BPF_F_PATH_FD) return EINVAL;
  const path_fd_attr = dv(attr).getInt32(OBJ.path_fd, true);
  // path_fd has to be accompanied by BPF_F_PATH_FD flag
  if (!(file_flags & BPF_F_PATH_FD) && path_fd_attr) return EINVAL;
  const path_fd = file_flags & BPF_F_PATH_FD ? path_fd_attr : AT_FDCWD;
  return bpf_obj_pin_user(proc, u32(attr, OBJ.bpf_fd), path_fd, u64(attr, OBJ.pathname));
}

/**
 * `bpf_obj_get`: BPF_OBJ_GET; bpf_fd must be 0, flags BPF_F_RDONLY/WRONLY/PATH_FD.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_obj_get)
 */
export function bpf_obj_get(proc: Process, attr: Uint8Array): number {
  const file_flags = u32(attr, OBJ.file_flags);
  if (u32(attr, OBJ.bpf_fd) !== 0 || file_flags & ~(BPF_OBJ_FLAG_MASK | BPF_F_PATH_FD)) return EINVAL;
  const path_fd_attr = dv(attr).getInt32(OBJ.path_fd, true);
  if (!(file_flags & BPF_F_PATH_FD) && path_fd_attr) return EINVAL;
  const path_fd = file_flags & BPF_F_PATH_FD ? path_fd_attr : AT_FDCWD;
  return bpf_obj_get_user(proc, path_fd, u64(attr, OBJ.pathname), file_flags);
}

// ---- ids -------------------------------------------------------------------------------------

const ID = {
  start_id: attrField('BPF_MAP_GET_NEXT_ID', 'start_id').offset,
  next_id: attrField('BPF_MAP_GET_NEXT_ID', 'next_id').offset,
  open_flags: attrField('BPF_MAP_GET_FD_BY_ID', 'open_flags').offset,
  fd_by_id_token_fd: attrField('BPF_BTF_GET_FD_BY_ID', 'fd_by_id_token_fd').offset,
};

/**
 * `bpf_obj_get_next_id`: the smallest id above start_id in one IDR, written to
 * `uattr->next_id`. CAP_SYS_ADMIN only: ids let a process reach objects it
 * holds no fd for.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_obj_get_next_id)
 */
// #region bpf_obj_get_next_id
export function bpf_obj_get_next_id(proc: Process, attr: Uint8Array, uattr: bigint, idr: Idr<KernelObject>): number {
  let next_id = u32(attr, ID.start_id);
  if (next_id >= INT_MAX) return EINVAL;
  if (!proc.capable(CAP_SYS_ADMIN)) return EPERM;
  next_id++;
  const e = idr.idr_get_next(next_id);
  if (!e) return ENOENT;
  return proc.mem.put_user_u32(uattr + BigInt(ID.next_id), e.id);
}
// #endregion bpf_obj_get_next_id

/**
 * `bpf_map_get_fd_by_id`: a new fd (with a user reference) for a live map id.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_map_get_fd_by_id)
 */
export function bpf_map_get_fd_by_id(proc: Process, attr: Uint8Array): number {
  const id = u32(attr, ID.start_id);
  const open_flags = u32(attr, ID.open_flags);
  if (open_flags & ~BPF_OBJ_FLAG_MASK) return EINVAL;
  if (!proc.capable(CAP_SYS_ADMIN)) return EPERM;
  const f_flags = bpf_get_file_flag(open_flags);
  if (f_flags < 0) return f_flags;
  const map = proc.kernel.map_idr.idr_find(id);
  // __bpf_map_inc_not_zero: a map whose last reference is going is not revived.
  if (!map || map.refcnt === 0) return ENOENT;
  bpf_map_inc_with_uref(map);
  return bpf_map_new_fd(proc.files, map, f_flags);
}

/**
 * `bpf_prog_get_fd_by_id`: a new fd for a live program id (`bpf_prog_by_id`:
 * id 0 or a program whose last reference is going is -ENOENT).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_get_fd_by_id)
 */
function bpf_prog_get_fd_by_id(proc: Process, attr: Uint8Array): number {
  const id = u32(attr, ID.start_id);
  if (!proc.capable(CAP_SYS_ADMIN)) return EPERM;
  if (!id) return ENOENT;
  const entry = proc.kernel.prog_idr.idr_find(id);
  if (!entry) return ENOENT;
  const prog = prog_from_idr(entry);
  const err = bpf_prog_inc_not_zero(prog);
  if (err) return err;
  const fd = bpf_prog_new_fd(proc.files, prog);
  if (fd < 0) bpf_prog_put(prog);
  return fd;
}

/**
 * `bpf_link_get_fd_by_id`: a new fd for a live link id, through the link's own
 * file operations (link.ts puts links with their `fops` in link_idr).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_link_get_fd_by_id)
 */
function bpf_obj_get_fd_by_id(proc: Process, attr: Uint8Array, idr: Idr<KernelObject>): number {
  const id = u32(attr, ID.start_id);
  if (!proc.capable(CAP_SYS_ADMIN)) return EPERM;
  if (!id) return ENOENT;
  const obj = idr.idr_find(id) as (KernelObject & { fops?: unknown }) | undefined;
  if (!obj || obj.refcnt === 0) return ENOENT;
  const fops = obj.fops as { any_get(raw: unknown): void; any_put(raw: unknown): void; new_fd(files: Process['files'], raw: unknown, f: number): number } | undefined;
  if (!fops) return ENOENT;
  fops.any_get(obj);
  const fd = fops.new_fd(proc.files, obj, O_RDWR);
  if (fd < 0) fops.any_put(obj);
  return fd;
}

/**
 * `bpf_btf_get_fd_by_id`: BTF objects are not modelled, so no id exists
 * (-ENOENT), after the same flag, token and capability checks.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_btf_get_fd_by_id)
 */
function bpf_btf_get_fd_by_id(proc: Process, attr: Uint8Array): number {
  const open_flags = u32(attr, ID.open_flags);
  if (open_flags & ~BPF_F_TOKEN_FD) return EINVAL;
  if (open_flags & BPF_F_TOKEN_FD) {
    // bpf_token_get_from_fd: no token objects exist in the model.
    return proc.files.fdget(u32(attr, ID.fd_by_id_token_fd)) ? EINVAL : EBADF;
  }
  if (!bpf_token_capable(proc, CAP_SYS_ADMIN)) return EPERM;
  const btf = proc.kernel.btf_idr.idr_find(u32(attr, ID.start_id));
  if (!btf || btf.refcnt === 0) return ENOENT;
  return ENOENT;
}

// ---- commands with a small model of their own ----------------------------------------------------

/**
 * `bpf_enable_stats`: BPF_STATS_RUN_TIME turns on run-time accounting for as
 * long as the returned fd is open.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_enable_stats)
 */
function bpf_enable_stats(proc: Process, attr: Uint8Array): number {
  if (!proc.capable(CAP_SYS_ADMIN)) return EPERM;
  if (u32(attr, 0) !== bpf_stats_type.BPF_STATS_RUN_TIME) return EINVAL;
  const kernel = proc.kernel as typeof proc.kernel & { bpf_stats_enabled_key?: number };
  kernel.bpf_stats_enabled_key = (kernel.bpf_stats_enabled_key ?? 0) + 1;
  const file: BpfFile = {
    f_op: {
      name: 'bpf-stats',
      release() {
        kernel.bpf_stats_enabled_key = (kernel.bpf_stats_enabled_key ?? 1) - 1;
      },
    },
    f_mode: open_fmode(O_RDWR),
    f_flags: O_RDWR,
    private_data: null,
    f_count: 1,
  };
  return proc.files.fd_install(file);
}

/**
 * `token_create` / `bpf_token_create`: the fd must be the root of a bpffs mount,
 * the caller needs CAP_BPF, and a token cannot be created in the initial user
 * namespace, the only one the model has (-EOPNOTSUPP).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/token.c (bpf_token_create)
 */
function token_create(proc: Process, attr: Uint8Array): number {
  /* no flags are supported yet */
  if (u32(attr, 0)) return EINVAL;
  const file = proc.files.fdget(u32(attr, 4));
  if (!file) return EBADF;
  const inode = file.f_op.name === 'dir' ? (file.private_data as { bpffs: boolean; covers?: unknown }) : null;
  // path.dentry != sb->s_root, or not a bpffs
  if (!inode || !inode.bpffs || !inode.covers) return EINVAL;
  if (!proc.capable(CAP_BPF)) return EPERM;
  return EOPNOTSUPP;
}

/**
 * `bpf_task_fd_query`: only raw-tracepoint links and perf events answer; the
 * model has neither, so an existing fd gives -ENOTSUPP.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_task_fd_query)
 */
function bpf_task_fd_query(proc: Process, attr: Uint8Array): number {
  if (!proc.capable(CAP_SYS_ADMIN)) return EPERM;
  if (u32(attr, 8) !== 0) return EINVAL;
  const task = proc.kernel.tasks.get(dv(attr).getInt32(0, true));
  if (!task) return ENOENT;
  if (!task.files.fdget(u32(attr, 4))) return EBADF;
  return ENOTSUPP;
}

/**
 * `bpf_iter_create`: needs an iterator link; the model has none, so any other
 * link is -EINVAL, a non-link fd -EINVAL, a closed fd -EBADF.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_iter_create)
 */
function bpf_iter_create(proc: Process, attr: Uint8Array): number {
  if (u32(attr, 4)) return EINVAL;
  const file = proc.files.fdget(u32(attr, 0));
  if (!file) return EBADF;
  return EINVAL;
}

/**
 * BPF_BTF_LOAD is not modelled (no BTF objects): after the capability check
 * it answers -EINVAL, as the kernel does for BTF it cannot parse.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_btf_load)
 */
function bpf_btf_load(proc: Process): number {
  if (!bpf_token_capable(proc, CAP_BPF)) return EPERM;
  return EINVAL;
}

/**
 * `bpf_prog_bind_map`: add a map to a program's used maps without the program
 * referencing it (so the map lives as long as the program, e.g. for metadata).
 * Binding the same map twice is a no-op.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_bind_map)
 */
function bpf_prog_bind_map(proc: Process, attr: Uint8Array): number {
  if (u32(attr, 8)) return EINVAL;
  const prog = bpf_prog_get(proc.files, u32(attr, 0));
  if (typeof prog === 'number') return prog;
  const map = bpf_map_get(proc.files, u32(attr, 4));
  if (typeof map === 'number') {
    bpf_prog_put(prog);
    return map;
  }
  const used = prog.aux.used_maps;
  if (used.includes(map)) {
    // already bound: the program holds its own reference
    bpf_map_put(map);
  } else {
    prog.aux.used_maps = [...used, map];
  }
  bpf_prog_put(prog);
  return 0;
}

/**
 * `bpf_prog_get` on an fd for the program commands that only need the fd checks here:
 * -EBADF for a closed fd, -EINVAL for one that is not a program.
 */
function progFdOnly(fdOff: number): BpfCmdHandler {
  return (proc, attr) => {
    const file = proc.files.fdget(u32(attr, fdOff));
    if (!file) return EBADF;
    if (file.f_op.name !== 'bpf-prog') return EINVAL;
    return EINVAL;
  };
}

// ---- the dispatch table: `switch (cmd)` of __sys_bpf -------------------------------------------

/**
 * The command table: `bpf_cmds[cmd]`, the `switch (cmd)` of __sys_bpf. Program
 * commands call the program modules (prog.ts, attach.ts, test_run.ts, link.ts);
 * a command number with no entry is the switch's default, -EINVAL.
 */
// #region dispatch
export const bpf_cmds: (BpfCmdHandler | undefined)[] = [];
const C = bpf_cmd;
bpf_cmds[C.BPF_MAP_CREATE] = (p, a) => map_create(p, a);
bpf_cmds[C.BPF_MAP_LOOKUP_ELEM] = (p, a) => map_lookup_elem(p, a);
bpf_cmds[C.BPF_MAP_UPDATE_ELEM] = (p, a) => map_update_elem(p, a);
bpf_cmds[C.BPF_MAP_DELETE_ELEM] = (p, a) => map_delete_elem(p, a);
bpf_cmds[C.BPF_MAP_GET_NEXT_KEY] = (p, a) => map_get_next_key(p, a);
bpf_cmds[C.BPF_MAP_FREEZE] = (p, a) => map_freeze(p, a);
bpf_cmds[C.BPF_PROG_LOAD] = (p, a, u, sz) => bpf_prog_load(p, a, u, sz);
bpf_cmds[C.BPF_OBJ_PIN] = (p, a) => bpf_obj_pin(p, a);
bpf_cmds[C.BPF_OBJ_GET] = (p, a) => bpf_obj_get(p, a);
bpf_cmds[C.BPF_PROG_ATTACH] = (p, a) => bpf_prog_attach(p, a);
bpf_cmds[C.BPF_PROG_DETACH] = (p, a) => bpf_prog_detach(p, a);
bpf_cmds[C.BPF_PROG_QUERY] = (p, a, u, sz) => bpf_prog_query(p, a, u, sz);
bpf_cmds[C.BPF_PROG_TEST_RUN] = (p, a, u) => bpf_prog_test_run(p, a, u);
bpf_cmds[C.BPF_PROG_GET_NEXT_ID] = (p, a, u) => bpf_obj_get_next_id(p, a, u, p.kernel.prog_idr);
bpf_cmds[C.BPF_MAP_GET_NEXT_ID] = (p, a, u) => bpf_obj_get_next_id(p, a, u, p.kernel.map_idr);
bpf_cmds[C.BPF_BTF_GET_NEXT_ID] = (p, a, u) => bpf_obj_get_next_id(p, a, u, p.kernel.btf_idr);
bpf_cmds[C.BPF_PROG_GET_FD_BY_ID] = (p, a) => bpf_prog_get_fd_by_id(p, a);
bpf_cmds[C.BPF_MAP_GET_FD_BY_ID] = (p, a) => bpf_map_get_fd_by_id(p, a);
bpf_cmds[C.BPF_OBJ_GET_INFO_BY_FD] = (p, a, u) => bpf_obj_get_info_by_fd(p, a, u);
bpf_cmds[C.BPF_RAW_TRACEPOINT_OPEN] = progFdOnly(8); // raw_tracepoint.prog_fd: no tracing programs
bpf_cmds[C.BPF_BTF_LOAD] = (p) => bpf_btf_load(p);
bpf_cmds[C.BPF_BTF_GET_FD_BY_ID] = (p, a) => bpf_btf_get_fd_by_id(p, a);
bpf_cmds[C.BPF_TASK_FD_QUERY] = (p, a) => bpf_task_fd_query(p, a);
bpf_cmds[C.BPF_MAP_LOOKUP_AND_DELETE_ELEM] = (p, a) => map_lookup_and_delete_elem(p, a);
bpf_cmds[C.BPF_MAP_LOOKUP_BATCH] = (p, a, u) => bpf_map_do_batch(p, a, u, C.BPF_MAP_LOOKUP_BATCH);
bpf_cmds[C.BPF_MAP_LOOKUP_AND_DELETE_BATCH] = (p, a, u) => bpf_map_do_batch(p, a, u, C.BPF_MAP_LOOKUP_AND_DELETE_BATCH);
bpf_cmds[C.BPF_MAP_UPDATE_BATCH] = (p, a, u) => bpf_map_do_batch(p, a, u, C.BPF_MAP_UPDATE_BATCH);
bpf_cmds[C.BPF_MAP_DELETE_BATCH] = (p, a, u) => bpf_map_do_batch(p, a, u, C.BPF_MAP_DELETE_BATCH);
bpf_cmds[C.BPF_LINK_CREATE] = (p, a, u) => link_create(p, a, u);
bpf_cmds[C.BPF_LINK_UPDATE] = (p, a) => link_update(p, a);
bpf_cmds[C.BPF_LINK_GET_FD_BY_ID] = (p, a) => bpf_obj_get_fd_by_id(p, a, p.kernel.link_idr);
bpf_cmds[C.BPF_LINK_GET_NEXT_ID] = (p, a, u) => bpf_obj_get_next_id(p, a, u, p.kernel.link_idr);
bpf_cmds[C.BPF_ENABLE_STATS] = (p, a) => bpf_enable_stats(p, a);
bpf_cmds[C.BPF_ITER_CREATE] = (p, a) => bpf_iter_create(p, a);
bpf_cmds[C.BPF_LINK_DETACH] = (p, a) => link_detach(p, a);
bpf_cmds[C.BPF_PROG_BIND_MAP] = (p, a) => bpf_prog_bind_map(p, a);
bpf_cmds[C.BPF_TOKEN_CREATE] = (p, a) => token_create(p, a);
bpf_cmds[C.BPF_PROG_STREAM_READ_BY_FD] = progFdOnly(16); // prog_stream_read.prog_fd: no BPF streams
// #endregion dispatch

