/**
 * Scenarios for __sys_bpf itself and the object commands: attr size and tail
 * rules, CHECK_ATTR for every command, pinning, ids, BPF_OBJ_GET_INFO_BY_FD on
 * maps, and the commands the model answers without carrying them.
 */
import { BPF_ATTR_SIZE, BPF_EXIT_INSN, BPF_MOV64_IMM, BPF_REG_0, bpf_cmd, encodeInsns } from '@bpf-internals/uapi';
import { bpf_attr_last_field_end } from '@bpf-internals/syscall';
import type { Scenario, ScenarioCtx } from './runner.js';
import {
  BAD_ADDR,
  BAD_FD,
  BPF_ANY,
  BPF_F_PATH_FD,
  BPF_F_RDONLY,
  BPF_F_TOKEN_FD,
  BPF_F_WRONLY,
  C,
  E2BIG,
  EACCES,
  EBADF,
  EBADFD,
  EEXIST,
  EFAULT,
  EINVAL,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  ENOTSUPP,
  EOPNOTSUPP,
  EPERM,
  T,
  bytes,
  create,
  freeze,
  get,
  lookup,
  mapId,
  pin,
  readU32,
  u32,
  u64,
  update,
} from './helpers.js';

const s = (name: string, run: (c: ScenarioCtx) => void, extra: Partial<Scenario> = {}): Scenario => ({ name, run, ...extra });
const ARR = { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4 };
const INT_MAX = 0x7fffffff;

/** A two-instruction socket filter (r0 = 0; exit), GPL: every kernel loads it. */
function loadProg(c: ScenarioCtx): number {
  const insns = c.mem(encodeInsns([BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]));
  const license = c.mem(new TextEncoder().encode('GPL\0'));
  return c.bpf(C.BPF_PROG_LOAD, c.attr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: 2, insns, license }), { expect: 'fd' });
}

/** A program's id through BPF_OBJ_GET_INFO_BY_FD (bpf_prog_info.id at offset 4). */
function progId(c: ScenarioCtx, fd: number): number {
  const info = c.mem(256);
  c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, c.attr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len: 256, info } }), { expect: 0 });
  const id = readU32(c.proc.mem.read(info, 8), 4);
  c.id(id);
  return id;
}

/** A map info request of `len` bytes at a fresh buffer (prefilled with `fill`); records buffer and info_len. */
function info(c: ScenarioCtx, fd: number, len: number, expect?: number, prefill?: Uint8Array): void {
  const buf = c.mem(prefill ?? Math.max(len, 1));
  const a = c.mem(c.attr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len: len, info: buf } }));
  const r = c.bpfAt(C.BPF_OBJ_GET_INFO_BY_FD, a, BPF_ATTR_SIZE, expect);
  // id (offset 4) is global on the host: record it relatively and mask it.
  const got = c.proc.mem.read(buf, Math.max(len, 1));
  if (r === 0 && len >= 8) c.id(readU32(got, 4));
  c.read(buf, Math.min(Math.max(len, 1), 200), [
    [4, 4],
    [88, 8],
  ]); // id and the hash pointer differ by side
  c.read(a + 4n, 4); // info_len as written back
}

/** Every command with a CHECK_ATTR whose last field ends before sizeof(attr). */
const checkAttrCmds = Object.entries(bpf_cmd).filter(([n, v]) => n !== 'BPF_PROG_RUN' && n !== '__MAX_BPF_CMD' && (bpf_attr_last_field_end(v) ?? BPF_ATTR_SIZE) < BPF_ATTR_SIZE);

export const objScenarios: Scenario[] = [
  // ---- __sys_bpf ---------------------------------------------------------------------------------
  s('sys_bpf: size over PAGE_SIZE is E2BIG', (c) => {
    c.bpf(C.BPF_MAP_CREATE, c.attr('BPF_MAP_CREATE', ARR), { size: 4097, expect: E2BIG });
  }),
  s('sys_bpf: a PAGE_SIZE attr with a zero tail works', (c) => {
    c.bpf(C.BPF_MAP_CREATE, c.attr('BPF_MAP_CREATE', ARR), { size: 4096, expect: 'fd' });
  }),
  s('sys_bpf: a non-zero byte past sizeof(union bpf_attr) is E2BIG', (c) => {
    const b = new Uint8Array(256);
    b.set(c.attr('BPF_MAP_CREATE', ARR));
    b[200] = 1;
    c.bpf(C.BPF_MAP_CREATE, b, { size: 256, expect: E2BIG });
  }),
  s(
    'sys_bpf: the tail check reads past the attr: an unreadable tail is EFAULT',
    (c) => {
      const a = c.mem(c.attr('BPF_MAP_CREATE', ARR));
      c.bpfAt(C.BPF_MAP_CREATE, a, 4096, EFAULT);
    },
    // The host's heap continues after an allocation, so only the model has a guard page there.
    { modelOnly: true },
  ),
  s('sys_bpf: an unmapped attr is EFAULT', (c) => {
    c.bpfAt(C.BPF_MAP_CREATE, BAD_ADDR, 16, EFAULT);
  }),
  s('sys_bpf: size 0 reads nothing: MAP_CREATE of an all-zero attr is EINVAL', (c) => {
    c.bpfAt(C.BPF_MAP_CREATE, 0n, 0, EINVAL);
  }),
  s('sys_bpf: a 16-byte MAP_CREATE attr is enough', (c) => {
    c.bpf(C.BPF_MAP_CREATE, c.attr('BPF_MAP_CREATE', ARR).subarray(0, 16), { size: 16, expect: 'fd' });
  }),
  s('sys_bpf: a 12-byte attr cuts off max_entries (EINVAL)', (c) => {
    c.bpf(C.BPF_MAP_CREATE, c.attr('BPF_MAP_CREATE', ARR).subarray(0, 12), { size: 12, expect: EINVAL });
  }),
  s('sys_bpf: the 6.1-sized attr (144 bytes) still works', (c) => {
    c.bpf(C.BPF_MAP_CREATE, c.attr('BPF_MAP_CREATE', ARR), { size: 144, expect: 'fd' });
  }),
  s('sys_bpf: unknown commands are EINVAL', (c) => {
    for (const cmd of [38, 39, 1000, -1]) c.bpf(cmd, new Uint8Array(BPF_ATTR_SIZE), { expect: EINVAL });
  }),
  ...checkAttrCmds.map(([name, cmd]) =>
    s(`CHECK_ATTR: ${name} with a non-zero byte right after its last field is EINVAL`, (c) => {
      const b = new Uint8Array(BPF_ATTR_SIZE);
      b[bpf_attr_last_field_end(cmd)!] = 1;
      c.bpf(cmd, b, { expect: EINVAL });
    }),
  ),
  s('CHECK_ATTR: MAP_GET_FD_BY_ID ignores nothing past open_flags (fd_by_id_token_fd is EINVAL)', (c) => {
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: INT_MAX, fd_by_id_token_fd: 1 }), { expect: EINVAL });
  }),
  s('CHECK_ATTR: BTF_GET_FD_BY_ID reads fd_by_id_token_fd (without BPF_F_TOKEN_FD it is ignored)', (c) => {
    c.bpf(C.BPF_BTF_GET_FD_BY_ID, c.attr('BPF_BTF_GET_FD_BY_ID', { btf_id: INT_MAX, fd_by_id_token_fd: 1 }), { expect: ENOENT });
  }),
  s('CHECK_ATTR: MAP_CREATE reads excl_prog_hash_size (v6.18)', (c) => {
    const hash = c.mem(32);
    c.bpf(C.BPF_MAP_CREATE, c.attr('BPF_MAP_CREATE', { ...ARR, excl_prog_hash: hash, excl_prog_hash_size: 32 }), { expect: 'fd' });
  }),
  s('CHECK_ATTR: MAP_DELETE_ELEM has no flags field (EINVAL)', (c) => {
    const fd = create(c, ARR, 'fd');
    c.bpf(C.BPF_MAP_DELETE_ELEM, c.attr('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: c.mem(u32(0)), flags: 1n }), { expect: EINVAL });
  }),

  // ---- pin / get ---------------------------------------------------------------------------------
  s('pin: pinning at an existing path is EEXIST', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/a', 0);
    pin(c, fd, '/sys/fs/bpf/a', EEXIST);
  }),
  s('pin: outside bpffs (/tmp) is EPERM', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/tmp/bpf-internals-not-bpffs', EPERM);
  }),
  s('pin: under a missing directory is ENOENT', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/nodir/x', ENOENT);
  }),
  s('pin: a name with a dot inside bpffs is EPERM', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/a.b', EPERM);
  }),
  s('pin: below a non-directory is ENOTDIR', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/dev/null/x', ENOTDIR);
  }),
  s('pin: a closed fd is EINVAL (bpf_fd_probe_obj)', (c) => {
    pin(c, BAD_FD, '/sys/fs/bpf/x', EINVAL);
  }),
  s('pin: a non-BPF fd is EINVAL', (c) => {
    const n = c.open('/dev/null');
    pin(c, n, '/sys/fs/bpf/x', EINVAL);
  }),
  s('pin: a NULL pathname is EFAULT', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, 0n, EFAULT);
  }),
  s('pin: an empty pathname is ENOENT', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, c.mem(new Uint8Array([0])), ENOENT);
  }),
  s('pin: a path component over NAME_MAX is ENAMETOOLONG', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/' + 'x'.repeat(256), ENAMETOOLONG);
  }),
  s('pin: the bpffs root itself is EEXIST', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf', EEXIST);
  }),
  s('pin: flags other than BPF_F_PATH_FD are EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/x', EINVAL, { file_flags: BPF_F_RDONLY });
  }),
  s('pin: path_fd without BPF_F_PATH_FD is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/x', EINVAL, { path_fd: 3 });
  }),
  s('pin: BPF_F_PATH_FD with a bpffs directory fd and a relative name', (c) => {
    const fd = create(c, ARR, 'fd');
    const dir = c.open('/sys/fs/bpf');
    pin(c, fd, c.mem(new TextEncoder().encode('rel\0')), 0, { file_flags: BPF_F_PATH_FD, path_fd: dir });
    get(c, '/sys/fs/bpf/rel', 'fd');
  }),
  s('pin: BPF_F_PATH_FD with a closed path_fd is EBADF', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, c.mem(new TextEncoder().encode('rel\0')), EBADF, { file_flags: BPF_F_PATH_FD, path_fd: BAD_FD });
  }),
  s('pin: an absolute path ignores path_fd, even a closed one', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/abs', 0, { file_flags: BPF_F_PATH_FD, path_fd: BAD_FD });
  }),
  s('pin: a relative path from a non-directory path_fd is ENOTDIR', (c) => {
    const fd = create(c, ARR, 'fd');
    const n = c.open('/dev/null');
    pin(c, fd, c.mem(new TextEncoder().encode('rel\0')), ENOTDIR, { file_flags: BPF_F_PATH_FD, path_fd: n });
  }),
  s('get: BPF_F_PATH_FD with a bpffs directory fd and a relative name', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/relget', 0);
    const dir = c.open('/sys/fs/bpf');
    get(c, c.mem(new TextEncoder().encode('relget\0')), 'fd', { file_flags: BPF_F_PATH_FD, path_fd: dir });
    get(c, c.mem(new TextEncoder().encode('relget\0')), EBADF, { file_flags: BPF_F_PATH_FD, path_fd: BAD_FD });
  }),
  s('pin: inside a directory made in bpffs', (c) => {
    const fd = create(c, ARR, 'fd');
    c.mkdir('/sys/fs/bpf/dir');
    pin(c, fd, '/sys/fs/bpf/dir/m', 0);
    get(c, '/sys/fs/bpf/dir/m', 'fd');
  }),
  s('get: a missing path is ENOENT', (c) => {
    get(c, '/sys/fs/bpf/missing', ENOENT);
  }),
  s('get: a directory is EACCES (not a BPF object)', (c) => {
    get(c, '/sys/fs/bpf', EACCES);
  }),
  s('get: /dev/null is EACCES', (c) => {
    get(c, '/dev/null', EACCES);
  }),
  s('get: a dotted name in bpffs is EPERM', (c) => {
    get(c, '/sys/fs/bpf/x.y', EPERM);
  }),
  s('get: bpf_fd must be 0 (EINVAL)', (c) => {
    get(c, '/sys/fs/bpf/x', EINVAL, { bpf_fd: 3 });
  }),
  s('get: BPF_F_RDONLY|BPF_F_WRONLY is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/rw', 0);
    get(c, '/sys/fs/bpf/rw', EINVAL, { file_flags: BPF_F_RDONLY | BPF_F_WRONLY });
  }),
  s('get: unknown file_flags are EINVAL', (c) => {
    get(c, '/sys/fs/bpf/x', EINVAL, { file_flags: 1 });
  }),
  s('get: a NULL pathname is EFAULT', (c) => {
    get(c, 0n, EFAULT);
  }),
  s('get: after unlink the pin is gone (ENOENT)', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/gone', 0);
    c.unlink('/sys/fs/bpf/gone');
    get(c, '/sys/fs/bpf/gone', ENOENT);
  }),
  s('get: a trailing slash on a pinned object is ENOTDIR', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/t', 0);
    get(c, '/sys/fs/bpf/t/', ENOTDIR);
  }),
  s('get: two gets give two fds of the same map id', (c) => {
    const fd = create(c, ARR, 'fd');
    mapId(c, fd);
    pin(c, fd, '/sys/fs/bpf/two', 0);
    const a = get(c, '/sys/fs/bpf/two', 'fd');
    const b = get(c, '/sys/fs/bpf/two', 'fd');
    mapId(c, a);
    mapId(c, b);
  }),
  s('open: a pinned object cannot be open()ed (EIO)', (c) => {
    const fd = create(c, ARR, 'fd');
    pin(c, fd, '/sys/fs/bpf/o', 0);
    c.open('/sys/fs/bpf/o');
  }),

  // ---- programs as objects: pin, get, ids, bind_map ------------------------------------------------
  s('prog: a pinned program is found again with BPF_OBJ_GET', (c) => {
    const fd = loadProg(c);
    pin(c, fd, '/sys/fs/bpf/prog', 0);
    c.close(fd, 0);
    const again = get(c, '/sys/fs/bpf/prog', 'fd');
    progId(c, again);
  }),
  s('prog: BPF_OBJ_GET of a program with BPF_F_RDONLY still gives an fd', (c) => {
    const fd = loadProg(c);
    pin(c, fd, '/sys/fs/bpf/prog', 0);
    get(c, '/sys/fs/bpf/prog', 'fd', { file_flags: BPF_F_RDONLY });
  }),
  s('prog: PROG_GET_FD_BY_ID of a loaded program, then ENOENT after the last fd closes', (c) => {
    const fd = loadProg(c);
    const id = progId(c, fd);
    const fd2 = c.bpf(C.BPF_PROG_GET_FD_BY_ID, c.attr('BPF_PROG_GET_FD_BY_ID', { prog_id: id }), { expect: 'fd' });
    progId(c, fd2);
    c.close(fd, 0);
    c.close(fd2, 0);
    c.bpf(C.BPF_PROG_GET_FD_BY_ID, c.attr('BPF_PROG_GET_FD_BY_ID', { prog_id: id }), { expect: ENOENT });
  }),
  s('prog: PROG_GET_NEXT_ID from id-1 finds the program', (c) => {
    const fd = loadProg(c);
    const id = progId(c, fd);
    const a = c.mem(c.attr('BPF_PROG_GET_NEXT_ID', { start_id: id - 1 }));
    c.bpfAt(C.BPF_PROG_GET_NEXT_ID, a, BPF_ATTR_SIZE, 0);
    c.id(readU32(c.proc.mem.read(a, 8), 4));
  }),
  s('prog: a program fd is not a map (lookup EINVAL), a map fd not a program (bind_map EINVAL)', (c) => {
    const p = loadProg(c);
    const m = create(c, ARR, 'fd');
    lookup(c, p, u32(0), 8, EINVAL);
    c.bpf(C.BPF_PROG_BIND_MAP, c.attr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: m, map_fd: m } }), { expect: EINVAL });
  }),
  s('prog: PROG_BIND_MAP binds once; again is 0; the map outlives its fd while the program lives', (c) => {
    const p = loadProg(c);
    const m = create(c, ARR, 'fd');
    const id = mapId(c, m);
    c.bpf(C.BPF_PROG_BIND_MAP, c.attr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: p, map_fd: m } }), { expect: 0 });
    c.bpf(C.BPF_PROG_BIND_MAP, c.attr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: p, map_fd: m } }), { expect: 0 });
    c.close(m, 0);
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: 'fd' });
  }),
  s('prog: PROG_BIND_MAP with flags is EINVAL, a closed prog fd EBADF, a closed map fd EBADF', (c) => {
    const p = loadProg(c);
    c.bpf(C.BPF_PROG_BIND_MAP, c.attr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: p, map_fd: p, flags: 1 } }), { expect: EINVAL });
    c.bpf(C.BPF_PROG_BIND_MAP, c.attr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: BAD_FD, map_fd: 0 } }), { expect: EBADF });
    c.bpf(C.BPF_PROG_BIND_MAP, c.attr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: p, map_fd: BAD_FD } }), { expect: EBADF });
  }),
  s('prog: a program in a prog_array slot reads back as its id', (c) => {
    const p = loadProg(c);
    const id = progId(c, p);
    const pa = create(c, { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 2 }, 'fd');
    update(c, pa, u32(1), u32(p), BPF_ANY, 0);
    const v = c.mem(4);
    c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: pa, key: c.mem(u32(1)), value: v }), { expect: 0 });
    c.note('slot holds the program id', readU32(c.proc.mem.read(v, 4)) === id);
  }),
  s('prog: prog_array empties itself when its last user reference goes (a pin keeps it)', (c) => {
    const p = loadProg(c);
    const pa = create(c, { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 2 }, 'fd');
    update(c, pa, u32(0), u32(p), BPF_ANY, 0);
    pin(c, pa, '/sys/fs/bpf/pa', 0);
    c.close(pa, 0);
    const again = get(c, '/sys/fs/bpf/pa', 'fd');
    const v = c.mem(4);
    c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: again, key: c.mem(u32(0)), value: v }), { expect: 0 });
    c.id(readU32(c.proc.mem.read(v, 4)));
    progId(c, p);
  }),
  s('prog: prog_array is emptied when its last fd closes without a pin', (c) => {
    const p = loadProg(c);
    const pa = create(c, { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 2 }, 'fd');
    const id = mapId(c, pa);
    update(c, pa, u32(0), u32(p), BPF_ANY, 0);
    // A second fd by id keeps the map alive; the first close drops one user reference only.
    const fd2 = c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: 'fd' });
    c.close(pa, 0);
    const v = c.mem(4);
    c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: fd2, key: c.mem(u32(0)), value: v }), { expect: 0 });
  }),

  // ---- ids ---------------------------------------------------------------------------------------
  s('ids: MAP_GET_NEXT_ID from INT_MAX is EINVAL, from INT_MAX-1 ENOENT', (c) => {
    c.bpf(C.BPF_MAP_GET_NEXT_ID, c.attr('BPF_MAP_GET_NEXT_ID', { start_id: INT_MAX }), { expect: EINVAL });
    c.bpf(C.BPF_MAP_GET_NEXT_ID, c.attr('BPF_MAP_GET_NEXT_ID', { start_id: INT_MAX - 1 }), { expect: ENOENT });
  }),
  s('ids: PROG/LINK/BTF_GET_NEXT_ID from INT_MAX-1 are ENOENT', (c) => {
    for (const cmd of [C.BPF_PROG_GET_NEXT_ID, C.BPF_LINK_GET_NEXT_ID, C.BPF_BTF_GET_NEXT_ID]) {
      c.bpf(cmd, c.attr('BPF_MAP_GET_NEXT_ID', { start_id: INT_MAX - 1 }), { expect: ENOENT });
      c.bpf(cmd, c.attr('BPF_MAP_GET_NEXT_ID', { start_id: INT_MAX }), { expect: EINVAL });
    }
  }),
  s('ids: GET_NEXT_ID from id-1 finds the map and writes next_id', (c) => {
    const fd = create(c, ARR, 'fd');
    const id = mapId(c, fd);
    const a = c.mem(c.attr('BPF_MAP_GET_NEXT_ID', { start_id: id - 1 }));
    c.bpfAt(C.BPF_MAP_GET_NEXT_ID, a, BPF_ATTR_SIZE, 0);
    c.id(readU32(c.proc.mem.read(a, 8), 4));
  }),
  s('ids: GET_NEXT_ID with an attr of 4 bytes cannot write next_id back past it: still 0 (next_id lives in uattr)', (c) => {
    const fd = create(c, ARR, 'fd');
    const id = mapId(c, fd);
    const a = c.mem(c.attr('BPF_MAP_GET_NEXT_ID', { start_id: id - 1 }));
    c.bpfAt(C.BPF_MAP_GET_NEXT_ID, a, 4, 0);
    c.id(readU32(c.proc.mem.read(a, 8), 4));
  }),
  s('ids: MAP_GET_FD_BY_ID of a live map gives a new fd', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(0), u64(77), BPF_ANY, 0);
    const id = mapId(c, fd);
    const fd2 = c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: 'fd' });
    lookup(c, fd2, u32(0), 8, 0);
    mapId(c, fd2);
  }),
  s('ids: MAP_GET_FD_BY_ID after the last fd closed is ENOENT', (c) => {
    const fd = create(c, ARR, 'fd');
    const id = mapId(c, fd);
    c.close(fd, 0);
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: ENOENT });
  }),
  s('ids: MAP_GET_FD_BY_ID of id 0 is ENOENT', (c) => {
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: 0 }), { expect: ENOENT });
  }),
  s('ids: MAP_GET_FD_BY_ID with BPF_F_RDONLY gives a read-only fd', (c) => {
    const fd = create(c, ARR, 'fd');
    const id = mapId(c, fd);
    const ro = c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id, open_flags: BPF_F_RDONLY }), { expect: 'fd' });
    update(c, ro, u32(0), u64(1), BPF_ANY, EPERM);
  }),
  s('ids: MAP_GET_FD_BY_ID with bad open_flags is EINVAL', (c) => {
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: 1, open_flags: 1 }), { expect: EINVAL });
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: 1, open_flags: BPF_F_RDONLY | BPF_F_WRONLY }), { expect: EINVAL });
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: 1, open_flags: BPF_F_TOKEN_FD }), { expect: EINVAL });
  }),
  s('ids: PROG/LINK/BTF_GET_FD_BY_ID of a missing id are ENOENT', (c) => {
    c.bpf(C.BPF_PROG_GET_FD_BY_ID, c.attr('BPF_PROG_GET_FD_BY_ID', { prog_id: INT_MAX }), { expect: ENOENT });
    c.bpf(C.BPF_LINK_GET_FD_BY_ID, c.attr('BPF_LINK_GET_FD_BY_ID', { link_id: INT_MAX }), { expect: ENOENT });
    c.bpf(C.BPF_BTF_GET_FD_BY_ID, c.attr('BPF_BTF_GET_FD_BY_ID', { btf_id: INT_MAX }), { expect: ENOENT });
    c.bpf(C.BPF_PROG_GET_FD_BY_ID, c.attr('BPF_PROG_GET_FD_BY_ID', { prog_id: 0 }), { expect: ENOENT });
  }),
  s('ids: BTF_GET_FD_BY_ID: open_flags other than BPF_F_TOKEN_FD are EINVAL; a closed token fd EBADF', (c) => {
    c.bpf(C.BPF_BTF_GET_FD_BY_ID, c.attr('BPF_BTF_GET_FD_BY_ID', { btf_id: INT_MAX, open_flags: 1 }), { expect: EINVAL });
    c.bpf(C.BPF_BTF_GET_FD_BY_ID, c.attr('BPF_BTF_GET_FD_BY_ID', { btf_id: INT_MAX, open_flags: BPF_F_TOKEN_FD, fd_by_id_token_fd: BAD_FD }), { expect: EBADF });
  }),

  // ---- info --------------------------------------------------------------------------------------
  s('info: a map info of the full size', (c) => {
    const fd = create(c, { ...ARR, map_name: new TextEncoder().encode('stats') }, 'fd');
    info(c, fd, 104, 0);
  }),
  s('info: info_len 8 writes only 8 bytes and info_len 8', (c) => {
    const fd = create(c, ARR, 'fd');
    info(c, fd, 8, 0);
  }),
  s('info: info_len 0 writes nothing and info_len 0', (c) => {
    const fd = create(c, ARR, 'fd');
    info(c, fd, 0, 0);
  }),
  s('info: a larger info_len with a zero tail is cut to sizeof(struct bpf_map_info)', (c) => {
    const fd = create(c, ARR, 'fd');
    info(c, fd, 160, 0);
  }),
  s('info: a larger info_len with a non-zero tail is E2BIG', (c) => {
    const fd = create(c, ARR, 'fd');
    const pre = new Uint8Array(160);
    pre[150] = 1;
    info(c, fd, 160, E2BIG, pre);
  }),
  s('info: a non-zero byte in the tail padding after hash_size is E2BIG (v6.18)', (c) => {
    const fd = create(c, ARR, 'fd');
    const pre = new Uint8Array(104);
    pre[101] = 1;
    info(c, fd, 104, E2BIG, pre);
  }),
  s('info: info_len 100 stops before the padding and writes 100 back', (c) => {
    const fd = create(c, ARR, 'fd');
    info(c, fd, 100, 0);
  }),
  s('info: info_len over PAGE_SIZE is E2BIG', (c) => {
    const fd = create(c, ARR, 'fd');
    info(c, fd, 4097, E2BIG, new Uint8Array(4097));
  }),
  s('info: fields the kernel does not set keep what user space had (v6.18 reads the struct first)', (c) => {
    const fd = create(c, { ...ARR, map_flags: BPF_F_RDONLY }, 'fd');
    const pre = bytes(104, 0xaa);
    pre.fill(0, 88, 104); // hash, hash_size: zero
    info(c, fd, 104, 0, pre);
  }),
  s('info: a closed fd is EBADFD', (c) => {
    info(c, BAD_FD, 104, EBADFD);
  }),
  s('info: /dev/null is EINVAL', (c) => {
    const n = c.open('/dev/null');
    info(c, n, 104, EINVAL);
  }),
  s('info: an unmapped info buffer is EFAULT', (c) => {
    const fd = create(c, ARR, 'fd');
    c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, c.attr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len: 104, info: BAD_ADDR } }), { expect: EFAULT });
  }),
  s('info: hash of an unfrozen array is EPERM', (c) => {
    const fd = create(c, ARR, 'fd');
    const pre = new Uint8Array(104);
    new DataView(pre.buffer).setBigUint64(88, c.mem(32), true);
    new DataView(pre.buffer).setUint32(96, 32, true);
    info(c, fd, 104, EPERM, pre);
  }),
  s('info: hash of a frozen array is its SHA-256', (c) => {
    const fd = create(c, ARR, 'fd');
    update(c, fd, u32(2), u64(0xdeadbeefn), BPF_ANY, 0);
    freeze(c, fd, 0);
    const h = c.mem(32);
    const pre = new Uint8Array(104);
    new DataView(pre.buffer).setBigUint64(88, h, true);
    new DataView(pre.buffer).setUint32(96, 32, true);
    info(c, fd, 104, 0, pre);
    c.read(h, 32);
  }),
  s('info: a per-CPU array has no map hash (EINVAL); a frozen mmapable array has one', (c) => {
    const pc = create(c, { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 8, max_entries: 2 }, 'fd');
    freeze(c, pc, 0);
    const mm = create(c, { ...ARR, value_size: 12, max_entries: 3, map_flags: 1 << 10 /* BPF_F_MMAPABLE */ }, 'fd');
    update(c, mm, u32(1), bytes(12, 0x5a), BPF_ANY, 0);
    freeze(c, mm, 0);
    for (const fd of [pc, mm]) {
      const h = c.mem(32);
      const pre = new Uint8Array(104);
      new DataView(pre.buffer).setBigUint64(88, h, true);
      new DataView(pre.buffer).setUint32(96, 32, true);
      info(c, fd, 104, fd === pc ? EINVAL : 0, pre);
      c.read(h, 32);
    }
  }),
  s('info: hash_size other than 32 is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    freeze(c, fd, 0);
    const pre = new Uint8Array(104);
    new DataView(pre.buffer).setBigUint64(88, c.mem(32), true);
    new DataView(pre.buffer).setUint32(96, 20, true);
    info(c, fd, 104, EINVAL, pre);
  }),
  s('info: hash_size without hash is EINVAL', (c) => {
    const fd = create(c, ARR, 'fd');
    const pre = new Uint8Array(104);
    new DataView(pre.buffer).setUint32(96, 32, true);
    info(c, fd, 104, EINVAL, pre);
  }),
  s('info: a hash map has no map hash (EINVAL)', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 2 }, 'fd');
    freeze(c, fd, 0);
    const pre = new Uint8Array(104);
    new DataView(pre.buffer).setBigUint64(88, c.mem(32), true);
    new DataView(pre.buffer).setUint32(96, 32, true);
    info(c, fd, 104, EINVAL, pre);
  }),
  s('info: each map type reports its type, sizes and flags', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 8, value_size: 12, max_entries: 9, map_flags: 2 }, 'fd');
    info(c, fd, 104, 0);
    const fd2 = create(c, { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 3, max_entries: 5 }, 'fd');
    info(c, fd2, 104, 0);
  }),

  // ---- commands the model answers without carrying them ------------------------------------------
  s('enable_stats: BPF_STATS_RUN_TIME gives an fd, another type is EINVAL', (c) => {
    c.bpf(C.BPF_ENABLE_STATS, c.attr('BPF_ENABLE_STATS', { enable_stats: { type: 0 } }), { expect: 'fd' });
    c.bpf(C.BPF_ENABLE_STATS, c.attr('BPF_ENABLE_STATS', { enable_stats: { type: 1 } }), { expect: EINVAL });
  }),
  s('token_create: flags are EINVAL, a closed fd EBADF, a map fd EINVAL', (c) => {
    c.bpf(C.BPF_TOKEN_CREATE, c.attr('BPF_TOKEN_CREATE', { token_create: { flags: 1 } }), { expect: EINVAL });
    c.bpf(C.BPF_TOKEN_CREATE, c.attr('BPF_TOKEN_CREATE', { token_create: { bpffs_fd: BAD_FD } }), { expect: EBADF });
    const fd = create(c, ARR, 'fd');
    c.bpf(C.BPF_TOKEN_CREATE, c.attr('BPF_TOKEN_CREATE', { token_create: { bpffs_fd: fd } }), { expect: EINVAL });
  }),
  s('token_create: a bpffs root in the initial user namespace is EOPNOTSUPP', (c) => {
    const dir = c.open('/sys/fs/bpf');
    c.bpf(C.BPF_TOKEN_CREATE, c.attr('BPF_TOKEN_CREATE', { token_create: { bpffs_fd: dir } }), { expect: EOPNOTSUPP });
  }),
  s('token_create: a directory that is not a bpffs root is EINVAL', (c) => {
    const dir = c.open('/tmp');
    c.bpf(C.BPF_TOKEN_CREATE, c.attr('BPF_TOKEN_CREATE', { token_create: { bpffs_fd: dir } }), { expect: EINVAL });
  }),
  s('task_fd_query: a pid that does not exist is ENOENT, flags EINVAL', (c) => {
    c.bpf(C.BPF_TASK_FD_QUERY, c.attr('BPF_TASK_FD_QUERY', { task_fd_query: { pid: 0x3fffffff } }), { expect: ENOENT });
    c.bpf(C.BPF_TASK_FD_QUERY, c.attr('BPF_TASK_FD_QUERY', { task_fd_query: { pid: 1, flags: 1 } }), { expect: EINVAL });
  }),
  s('iter_create: flags EINVAL, a closed fd EBADF, a map fd EINVAL', (c) => {
    c.bpf(C.BPF_ITER_CREATE, c.attr('BPF_ITER_CREATE', { iter_create: { link_fd: 0, flags: 1 } }), { expect: EINVAL });
    c.bpf(C.BPF_ITER_CREATE, c.attr('BPF_ITER_CREATE', { iter_create: { link_fd: BAD_FD } }), { expect: EBADF });
    const fd = create(c, ARR, 'fd');
    c.bpf(C.BPF_ITER_CREATE, c.attr('BPF_ITER_CREATE', { iter_create: { link_fd: fd } }), { expect: EINVAL });
  }),
  s('raw_tracepoint_open: a closed prog fd is EBADF, a map fd EINVAL', (c) => {
    c.bpf(C.BPF_RAW_TRACEPOINT_OPEN, c.attr('BPF_RAW_TRACEPOINT_OPEN', { raw_tracepoint: { prog_fd: BAD_FD } }), { expect: EBADF });
    const fd = create(c, ARR, 'fd');
    c.bpf(C.BPF_RAW_TRACEPOINT_OPEN, c.attr('BPF_RAW_TRACEPOINT_OPEN', { raw_tracepoint: { prog_fd: fd } }), { expect: EINVAL });
  }),
  s('prog_stream_read: a closed prog fd is EBADF, a map fd EINVAL', (c) => {
    c.bpf(C.BPF_PROG_STREAM_READ_BY_FD, c.attr('BPF_PROG_STREAM_READ_BY_FD', { prog_stream_read: { prog_fd: BAD_FD } }), { expect: EBADF });
    const fd = create(c, ARR, 'fd');
    c.bpf(C.BPF_PROG_STREAM_READ_BY_FD, c.attr('BPF_PROG_STREAM_READ_BY_FD', { prog_stream_read: { prog_fd: fd } }), { expect: EINVAL });
  }),
  s('btf_load: an empty BTF is EINVAL', (c) => {
    c.bpf(C.BPF_BTF_LOAD, c.attr('BPF_BTF_LOAD', {}), { expect: EINVAL });
  }),

  // ---- capabilities (model only: the host runs the tests as root) ---------------------------------
  s(
    'caps: without CAP_BPF and with unprivileged_bpf_disabled=2, MAP_CREATE is EPERM',
    (c) => {
      create(c, ARR, EPERM);
    },
    { modelOnly: true, hostCaps: true, caps: [] },
  ),
  s(
    'caps: with unprivileged_bpf_disabled=0 an unprivileged array is allowed, an LRU hash is EPERM',
    (c) => {
      create(c, ARR, 'fd');
      create(c, { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 4, max_entries: 4 }, EPERM);
    },
    { modelOnly: true, caps: [], kernel: { sysctls: { 'kernel.unprivileged_bpf_disabled': 0 } } },
  ),
  s(
    'caps: CAP_BPF alone creates an LRU hash but cannot use ids (CAP_SYS_ADMIN)',
    (c) => {
      create(c, { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 4, max_entries: 4 }, 'fd');
      c.bpf(C.BPF_MAP_GET_NEXT_ID, c.attr('BPF_MAP_GET_NEXT_ID', { start_id: 0 }), { expect: EPERM });
      c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: 1 }), { expect: EPERM });
      c.bpf(C.BPF_ENABLE_STATS, c.attr('BPF_ENABLE_STATS', { enable_stats: { type: 0 } }), { expect: EPERM });
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_BPF'] },
  ),
  s(
    'caps: a devmap needs CAP_NET_ADMIN even with CAP_BPF',
    (c) => {
      create(c, { map_type: T.BPF_MAP_TYPE_DEVMAP, key_size: 4, value_size: 4, max_entries: 4 }, EPERM);
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_BPF'] },
  ),
  s(
    'caps: CAP_SYS_ADMIN stands in for CAP_BPF',
    (c) => {
      create(c, { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 4, max_entries: 4 }, 'fd');
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_SYS_ADMIN'] },
  ),
  s(
    'caps: token_create on a bpffs root without CAP_BPF is EPERM',
    (c) => {
      const dir = c.open('/sys/fs/bpf');
      c.bpf(C.BPF_TOKEN_CREATE, c.attr('BPF_TOKEN_CREATE', { token_create: { bpffs_fd: dir } }), { expect: EPERM });
    },
    { modelOnly: true, caps: [] },
  ),
  s(
    'caps: without capabilities, checks that come first still answer first (EINVAL, EBADF), then EPERM',
    (c) => {
      create(c, { map_type: 0, key_size: 4, value_size: 4, max_entries: 1 }, EINVAL);
      create(c, { ...ARR, key_size: 8 }, EINVAL);
      create(c, { ...ARR, map_flags: BPF_F_RDONLY | BPF_F_WRONLY }, EINVAL);
      create(c, ARR, EPERM);
      lookup(c, BAD_FD, u32(0), 8, EBADF);
      c.bpf(C.BPF_MAP_GET_NEXT_ID, c.attr('BPF_MAP_GET_NEXT_ID', { start_id: INT_MAX }), { expect: EINVAL });
      c.bpf(C.BPF_MAP_GET_NEXT_ID, c.attr('BPF_MAP_GET_NEXT_ID', { start_id: 0 }), { expect: EPERM });
    },
    { modelOnly: true, hostCaps: true, caps: [] },
  ),
  s(
    'caps: without capabilities, the id, stats, BTF and task commands are EPERM',
    (c) => {
      c.bpf(C.BPF_PROG_GET_FD_BY_ID, c.attr('BPF_PROG_GET_FD_BY_ID', { prog_id: 1 }), { expect: EPERM });
      c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: 1 }), { expect: EPERM });
      c.bpf(C.BPF_LINK_GET_FD_BY_ID, c.attr('BPF_LINK_GET_FD_BY_ID', { link_id: 1 }), { expect: EPERM });
      c.bpf(C.BPF_BTF_GET_FD_BY_ID, c.attr('BPF_BTF_GET_FD_BY_ID', { btf_id: 1 }), { expect: EPERM });
      c.bpf(C.BPF_PROG_GET_NEXT_ID, c.attr('BPF_PROG_GET_NEXT_ID', { start_id: 0 }), { expect: EPERM });
      c.bpf(C.BPF_ENABLE_STATS, c.attr('BPF_ENABLE_STATS', { enable_stats: { type: 0 } }), { expect: EPERM });
      c.bpf(C.BPF_BTF_LOAD, c.attr('BPF_BTF_LOAD', {}), { expect: EPERM });
      c.bpf(C.BPF_TASK_FD_QUERY, c.attr('BPF_TASK_FD_QUERY', { task_fd_query: { pid: 1 } }), { expect: EPERM });
    },
    { modelOnly: true, hostCaps: true, caps: [] },
  ),
  s(
    'caps: CAP_NET_ADMIN or CAP_PERFMON alone cannot create maps (unprivileged_bpf_disabled wants CAP_BPF)',
    (c) => {
      create(c, ARR, EPERM);
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_NET_ADMIN', 'CAP_PERFMON'] },
  ),
  s(
    'caps: BPF_F_ZERO_SEED needs CAP_SYS_ADMIN: a hash with it is EPERM for a CAP_BPF-only task (htab_map_alloc_check)',
    (c) => {
      create(c, { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4, map_flags: 1 << 6 /* BPF_F_ZERO_SEED */ }, EPERM);
      create(c, { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4 }, 'fd');
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_BPF'] },
  ),
  s(
    'caps: with CAP_SYS_ADMIN a BPF_F_ZERO_SEED hash is created',
    (c) => {
      create(c, { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4, map_flags: 1 << 6 /* BPF_F_ZERO_SEED */ }, 'fd');
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_SYS_ADMIN'] },
  ),
  s(
    'caps: without CAP_PERFMON (no bpf_bypass_spec_v1) an array rounds max_entries up to a power of two: 2^31 + 1 is E2BIG',
    (c) => {
      create(c, { ...ARR, max_entries: 0x80000001 }, E2BIG);
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_BPF'] },
  ),
  s(
    'caps: CAP_BPF creates every map type but the device and socket ones',
    (c) => {
      for (const t of [T.BPF_MAP_TYPE_HASH, T.BPF_MAP_TYPE_ARRAY, T.BPF_MAP_TYPE_PERCPU_HASH, T.BPF_MAP_TYPE_LRU_PERCPU_HASH]) {
        create(c, { map_type: t, key_size: 4, value_size: 8, max_entries: 4 }, 'fd');
      }
      create(c, { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 4 }, 'fd');
      create(c, { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 }, 'fd');
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_BPF'] },
  ),
  s(
    'caps: CAP_BPF maps work without any other capability: update, lookup, freeze, info',
    (c) => {
      const fd = create(c, ARR, 'fd');
      update(c, fd, u32(1), u64(5), BPF_ANY, 0);
      lookup(c, fd, u32(1), 8, 0);
      freeze(c, fd, 0);
      info(c, fd, 104, 0);
    },
    { modelOnly: true, hostCaps: true, caps: ['CAP_BPF'] },
  ),
  s('refcount: a pin plus two fds; closing fds keeps the map while pinned', (c) => {
    const fd = create(c, ARR, 'fd');
    const id = mapId(c, fd);
    pin(c, fd, '/sys/fs/bpf/rc', 0);
    c.close(fd, 0);
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: 'fd' });
    c.unlink('/sys/fs/bpf/rc');
  }),
  s('refcount: after unlink and close, the id is gone', (c) => {
    const fd = create(c, ARR, 'fd');
    const id = mapId(c, fd);
    pin(c, fd, '/sys/fs/bpf/rc2', 0);
    c.unlink('/sys/fs/bpf/rc2');
    c.close(fd, 0);
    c.bpf(C.BPF_MAP_GET_FD_BY_ID, c.attr('BPF_MAP_GET_FD_BY_ID', { map_id: id }), { expect: ENOENT });
  }),
  s('lookup: BPF_MAP_LOOKUP_ELEM on an ENOTSUPP path: stack_trace lookup', (c) => {
    const fd = create(c, { map_type: T.BPF_MAP_TYPE_STACK_TRACE, key_size: 4, value_size: 8, max_entries: 4 }, 'fd');
    lookup(c, fd, u32(0), 8, ENOENT);
    void ENOTSUPP;
  }),
];
