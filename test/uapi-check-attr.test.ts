/**
 * Differential test: every command's `BPF_<CMD>_LAST_FIELD` (attrLastField) against the
 * live kernel's CHECK_ATTR. For each command a baseline attr reaches an answer other than
 * -EINVAL (a success, -EBADF, -ENOENT, -E2BIG); the same attr with one non-zero byte just
 * after the last field must then fail CHECK_ATTR with -EINVAL, and the same attr with a non-zero
 * byte inside the last field (the last byte the model says is read) must not: together they pin
 * the exact boundary, so a last field that is too long (or too short) fails one of the two.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (CHECK_ATTR)
 */
import { describe, expect, it } from 'vitest';
import {
  BPF_ATTR_SIZE,
  BPF_EXIT_INSN,
  BPF_MOV64_IMM,
  BPF_REG_0,
  CHECK_ATTR,
  attrCommands,
  attrField,
  attrLastField,
  bpf_anon_enums,
  bpf_attach_type,
  bpf_cmd,
  bpf_map_type,
  bpf_prog_type,
  bpf_stats_type,
  encodeAttr,
  encodeInsns,
  errno,
  type BpfCmdName,
} from '@bpf-internals/uapi';
import { hostBpf, skipReason, type HostBpf } from './host/bpf.js';

const { host } = hostBpf();
const BAD_FD = 999_999;

/** A baseline attr per command whose answer is not -EINVAL, built from the host's memory. */
function baselines(h: HostBpf): Record<BpfCmdName, Uint8Array> {
  const str = (s: string) => {
    const b = new TextEncoder().encode(s + '\0');
    const a = h.mem.alloc(b.length);
    h.mem.write(a, b);
    return a;
  };
  const insns = encodeInsns([BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
  const insnsAddr = h.mem.alloc(insns.length);
  h.mem.write(insnsAddr, insns);
  // bpf_obj_get_next_id refuses next_id >= INT_MAX itself; INT_MAX - 1 finds nothing: -ENOENT.
  const mapAttr = h.mem.alloc(BPF_ATTR_SIZE);
  h.mem.write(mapAttr, encodeAttr('BPF_MAP_CREATE', { map_type: bpf_map_type.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1 }));
  const mapFd = h.bpf(bpf_cmd.BPF_MAP_CREATE, mapAttr, BPF_ATTR_SIZE);
  const get_id = { start_id: 0x7ffffffe };
  return {
    BPF_MAP_CREATE: encodeAttr('BPF_MAP_CREATE', {
      map_type: bpf_map_type.BPF_MAP_TYPE_ARRAY,
      key_size: 4,
      value_size: 4,
      max_entries: 1,
    }),
    BPF_MAP_LOOKUP_ELEM: encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: BAD_FD }),
    BPF_MAP_UPDATE_ELEM: encodeAttr('BPF_MAP_UPDATE_ELEM', { map_fd: BAD_FD }),
    BPF_MAP_DELETE_ELEM: encodeAttr('BPF_MAP_DELETE_ELEM', { map_fd: BAD_FD }),
    BPF_MAP_GET_NEXT_KEY: encodeAttr('BPF_MAP_GET_NEXT_KEY', { map_fd: BAD_FD }),
    BPF_PROG_LOAD: encodeAttr('BPF_PROG_LOAD', {
      prog_type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
      insn_cnt: 2,
      insns: insnsAddr,
      license: str('GPL'),
    }),
    // A bad fd is -EINVAL here (bpf_fd_probe_obj), so pin a real map under a missing directory.
    BPF_OBJ_PIN: encodeAttr('BPF_OBJ_PIN', { pathname: str('/nonexistent-bpf-internals/x'), bpf_fd: mapFd }),
    BPF_OBJ_GET: encodeAttr('BPF_OBJ_GET', { pathname: str('/nonexistent-bpf-internals') }),
    BPF_PROG_ATTACH: encodeAttr('BPF_PROG_ATTACH', {
      target_fd: BAD_FD,
      attach_bpf_fd: BAD_FD,
      attach_type: bpf_attach_type.BPF_CGROUP_INET_INGRESS,
    }),
    BPF_PROG_DETACH: encodeAttr('BPF_PROG_DETACH', {
      target_fd: BAD_FD,
      attach_type: bpf_attach_type.BPF_CGROUP_INET_INGRESS,
    }),
    BPF_PROG_TEST_RUN: encodeAttr('BPF_PROG_TEST_RUN', { test: { prog_fd: BAD_FD } }),
    BPF_PROG_GET_NEXT_ID: encodeAttr('BPF_PROG_GET_NEXT_ID', get_id),
    BPF_MAP_GET_NEXT_ID: encodeAttr('BPF_MAP_GET_NEXT_ID', get_id),
    BPF_PROG_GET_FD_BY_ID: encodeAttr('BPF_PROG_GET_FD_BY_ID', { prog_id: 0x7fffffff }),
    BPF_MAP_GET_FD_BY_ID: encodeAttr('BPF_MAP_GET_FD_BY_ID', { map_id: 0x7fffffff }),
    BPF_OBJ_GET_INFO_BY_FD: encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: BAD_FD } }),
    BPF_PROG_QUERY: encodeAttr('BPF_PROG_QUERY', {
      query: { target_fd: BAD_FD, attach_type: bpf_attach_type.BPF_CGROUP_INET_INGRESS },
    }),
    BPF_RAW_TRACEPOINT_OPEN: encodeAttr('BPF_RAW_TRACEPOINT_OPEN', { raw_tracepoint: { prog_fd: BAD_FD } }),
    BPF_BTF_LOAD: encodeAttr('BPF_BTF_LOAD', { btf: 0x1000, btf_size: 0xffffffff }),
    BPF_BTF_GET_FD_BY_ID: encodeAttr('BPF_BTF_GET_FD_BY_ID', { btf_id: 0x7fffffff }),
    BPF_TASK_FD_QUERY: encodeAttr('BPF_TASK_FD_QUERY', { task_fd_query: { pid: process.pid, fd: BAD_FD } }),
    BPF_MAP_LOOKUP_AND_DELETE_ELEM: encodeAttr('BPF_MAP_LOOKUP_AND_DELETE_ELEM', { map_fd: BAD_FD }),
    BPF_MAP_FREEZE: encodeAttr('BPF_MAP_FREEZE', { map_fd: BAD_FD }),
    BPF_BTF_GET_NEXT_ID: encodeAttr('BPF_BTF_GET_NEXT_ID', get_id),
    BPF_MAP_LOOKUP_BATCH: encodeAttr('BPF_MAP_LOOKUP_BATCH', { batch: { map_fd: BAD_FD } }),
    BPF_MAP_LOOKUP_AND_DELETE_BATCH: encodeAttr('BPF_MAP_LOOKUP_AND_DELETE_BATCH', { batch: { map_fd: BAD_FD } }),
    BPF_MAP_UPDATE_BATCH: encodeAttr('BPF_MAP_UPDATE_BATCH', { batch: { map_fd: BAD_FD } }),
    BPF_MAP_DELETE_BATCH: encodeAttr('BPF_MAP_DELETE_BATCH', { batch: { map_fd: BAD_FD } }),
    BPF_LINK_CREATE: encodeAttr('BPF_LINK_CREATE', { link_create: { prog_fd: BAD_FD } }),
    BPF_LINK_UPDATE: encodeAttr('BPF_LINK_UPDATE', { link_update: { link_fd: BAD_FD } }),
    BPF_LINK_GET_FD_BY_ID: encodeAttr('BPF_LINK_GET_FD_BY_ID', { link_id: 0x7fffffff }),
    BPF_LINK_GET_NEXT_ID: encodeAttr('BPF_LINK_GET_NEXT_ID', get_id),
    BPF_ENABLE_STATS: encodeAttr('BPF_ENABLE_STATS', {
      enable_stats: { type: bpf_stats_type.BPF_STATS_RUN_TIME },
    }),
    BPF_ITER_CREATE: encodeAttr('BPF_ITER_CREATE', { iter_create: { link_fd: BAD_FD } }),
    BPF_LINK_DETACH: encodeAttr('BPF_LINK_DETACH', { link_detach: { link_fd: BAD_FD } }),
    BPF_PROG_BIND_MAP: encodeAttr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: BAD_FD, map_fd: BAD_FD } }),
    BPF_TOKEN_CREATE: encodeAttr('BPF_TOKEN_CREATE', { token_create: { bpffs_fd: BAD_FD } }),
    BPF_PROG_STREAM_READ_BY_FD: encodeAttr('BPF_PROG_STREAM_READ_BY_FD', {
      prog_stream_read: { prog_fd: BAD_FD },
    }),
  };
}

/**
 * Where a non-zero last byte of the last field is itself refused with -EINVAL by the command
 * (a flags field, a size that must be small), the inside probe sets a byte the command accepts,
 * still inside the field: [offset, value].
 */
type InsideProbe = (b: Uint8Array, h: HostBpf) => void;
const setByte = (off: number, value: number): InsideProbe => (b) => {
  b[off] = value;
};
const setField = (cmd: BpfCmdName, path: string, value: number | bigint, bytes = 4): InsideProbe => (b) => {
  const f = attrField(cmd, path);
  expect(f.size).toBe(bytes);
  const v = new DataView(b.buffer, b.byteOffset);
  if (bytes === 8) v.setBigUint64(f.offset, BigInt(value), true);
  else v.setInt32(f.offset, Number(value), true);
};
const F = bpf_anon_enums as Record<string, number>;
/**
 * The command itself refuses every non-zero value of its last field with -EINVAL right after
 * CHECK_ATTR (enable_stats: only BPF_STATS_RUN_TIME = 0; iter_create / prog_bind_map: flags must
 * be 0), so the host cannot tell "read and refused" from "past the last field": model-side only.
 */
const VALIDATED = 'validated' as const;
const insideProbe: Partial<Record<BpfCmdName, InsideProbe | typeof VALIDATED>> = {
  // A hash size without a hash is -EINVAL; a real 32-byte SHA-256 buffer is accepted.
  BPF_MAP_CREATE: (b, h) => {
    const hash = h.mem.alloc(32);
    h.mem.write(hash, new Uint8Array(32).fill(0xab));
    setField('BPF_MAP_CREATE', 'excl_prog_hash', hash, 8)(b, h);
    setField('BPF_MAP_CREATE', 'excl_prog_hash_size', 32)(b, h);
  },
  // flags other than BPF_F_LOCK are -EINVAL before the fd is looked at.
  BPF_MAP_LOOKUP_ELEM: setByte(attrField('BPF_MAP_LOOKUP_ELEM', 'flags').offset, F.BPF_F_LOCK),
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: setByte(attrField('BPF_MAP_LOOKUP_AND_DELETE_ELEM', 'flags').offset, F.BPF_F_LOCK),
  // path_fd without BPF_F_PATH_FD is -EINVAL; with it, AT_FDCWD (-100, top byte 0xff) is read.
  BPF_OBJ_PIN: (b, h) => {
    setField('BPF_OBJ_PIN', 'file_flags', F.BPF_F_PATH_FD)(b, h);
    setField('BPF_OBJ_PIN', 'path_fd', -100)(b, h);
  },
  BPF_OBJ_GET: (b, h) => {
    setField('BPF_OBJ_GET', 'file_flags', F.BPF_F_PATH_FD)(b, h);
    setField('BPF_OBJ_GET', 'path_fd', -100)(b, h);
  },
  // open_flags other than BPF_F_RDONLY / BPF_F_WRONLY are -EINVAL before the id is looked up.
  BPF_MAP_GET_FD_BY_ID: setField('BPF_MAP_GET_FD_BY_ID', 'open_flags', F.BPF_F_RDONLY),
  BPF_ENABLE_STATS: VALIDATED,
  BPF_ITER_CREATE: VALIDATED,
  BPF_PROG_BIND_MAP: VALIDATED,
};

function run(h: HostBpf, cmd: number, bytes: Uint8Array): number {
  const a = h.mem.alloc(BPF_ATTR_SIZE);
  h.mem.write(a, bytes);
  const r = h.bpf(cmd, a, BPF_ATTR_SIZE);
  if (r >= 0) h.close(r);
  return r;
}

describe.skipIf(!host)('CHECK_ATTR on the host kernel agrees with attrLastField', () => {
  const base = host ? baselines(host) : undefined;
  const rows = attrCommands().map((c) => [c.name, attrLastField(c.cmd).field, attrLastField(c.cmd).end, c.cmd] as const);
  it('every command of enum bpf_cmd has a row', () => {
    expect(rows.length).toBe(bpf_cmd.__MAX_BPF_CMD);
  });
  it.each(rows)('%s: a non-zero byte after %s (offset %i) is -EINVAL', (name, _field, end, cmd) => {
    const h = host!;
    const b = base![name as BpfCmdName];
    const before = run(h, cmd, b);
    if (end >= BPF_ATTR_SIZE) {
      // The last field ends the union: nothing after it for CHECK_ATTR to see.
      expect(end).toBe(BPF_ATTR_SIZE);
      return;
    }
    const probe = b.slice();
    probe[end] = 1;
    const after = run(h, cmd, probe);
    const report = `${name}: baseline ${before}, with byte ${end} set ${after}`;
    // The model's CHECK_ATTR must call the same bytes bad that the kernel refused.
    expect(CHECK_ATTR(cmd, b)).toBe(false);
    expect(CHECK_ATTR(cmd, probe)).toBe(true);
    if (!h.strict) {
      if (before === -errno.EINVAL || after !== -errno.EINVAL) console.log(`differs on ${h.release}: ${report}`);
      return;
    }
    expect(before, report).not.toBe(-errno.EINVAL);
    expect(after, report).toBe(-errno.EINVAL);
  });
  it.each(rows)('%s: a non-zero byte inside %s (before offset %i) is not refused by CHECK_ATTR', (name, field, end, cmd) => {
    const h = host!;
    const b = base![name as BpfCmdName];
    const probe = insideProbe[name as BpfCmdName] ?? setByte(end - 1, 1);
    const inside = b.slice();
    if (probe === VALIDATED) inside[end - 1] = 1;
    else probe(inside, h);
    const last = attrField(name as BpfCmdName, field);
    expect(inside.some((x, i) => i >= last.offset && i < end && x !== b[i]), 'the probe changes the last field').toBe(true);
    expect(CHECK_ATTR(cmd, inside)).toBe(false);
    const got = run(h, cmd, inside);
    const report = `${name}: with the last field set the host answers ${got}`;
    if (probe === VALIDATED) {
      expect(got, report).toBe(-errno.EINVAL);
      return;
    }
    if (!h.strict) {
      if (got === -errno.EINVAL) console.log(`differs on ${h.release}: ${report}`);
      return;
    }
    expect(got, report).not.toBe(-errno.EINVAL);
  });
});

if (!host) it.skip(skipReason(), () => {});
