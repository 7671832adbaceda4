/**
 * Program scenarios for the differential runner: BPF_PROG_LOAD good and bad, the
 * verifier log rules of kernel/bpf/log.c, the structural verifier passes, and program info.
 * Each step carries the kernel's answer (`expect`); the runner also compares every return value
 * and every byte read back between the model and the host's 6.18 kernel.
 *
 * Only what the model models is compared: verifier failures of the early passes and accepted
 * straight-line programs (their `processed N insns` is exact). Left out on purpose: programs the
 * real verifier would reject in do_check (the model does not track register state), jited
 * lengths/images (x86-64 vs RV64), BPF_PROG_TYPE_EXT and LSM (the reference host's security
 * policy refuses them with EPERM before bpf_prog_load runs), the verification time, and
 * log_true_size of programs with helper calls (see `noTrueSize`).
 */
import {
  BPF_EXIT_INSN,
  BPF_JMP_A,
  BPF_LD_MAP_FD,
  BPF_MOV64_IMM,
  BPF_MOV64_REG,
  BPF_ALU64_IMM,
  BPF_ADD,
  BPF_EMIT_CALL,
  BPF_RAW_INSN,
  BPF_ST_MEM,
  BPF_W,
  bpf_cmd,
  bpf_prog_type as PT,
  bpf_attach_type as AT,
  encodeAttr,
  encodeInsns,
  type BpfInsn,
} from '@bpf-internals/uapi';
import { rmdirSync } from 'node:fs';
import { exampleInsns, exampleMapAttr, examplePacket, exampleProg } from '@bpf-internals/loader';
import type { Scenario, ScenarioCtx } from './runner.js';
import type { Process } from '@bpf-internals/syscall';
import { cgroup_mount } from '@bpf-internals/syscall';
import { BAD_FD as BAD_PROG_FD, E2BIG, EBADF, EFAULT, EINVAL, ENOSPC, ENOTSUPP, lookup, readU32, u32 } from './helpers.js';

const C = bpf_cmd;
const ATTR = 168;
const LOG_TRUE_SIZE = 140;

export const OK: BpfInsn[] = [BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()];

export interface LoadOpts {
  type?: number;
  level?: number;
  /** Log buffer size (0: no buffer). Default 4096 when level > 0. */
  size?: number;
  license?: string;
  flags?: number;
  name?: string;
  expected_attach_type?: number;
  /** bpf() size argument (default 168). */
  attrSize?: number;
  insnsAddr?: bigint;
  licenseAddr?: bigint;
  logBufAddr?: bigint;
  insn_cnt?: number;
  /** Read the whole log buffer back (default true) and log_true_size (default true). */
  readLog?: boolean;
  /** Also record the log text with the verification time masked (BPF_LOG_STATS). */
  normalizeTime?: boolean;
  /**
   * Do not record log_true_size: do_check logs each path at level 1 and rolls the log back once
   * the path is safe; log_true_size keeps the longest the log ever was, which the model (no
   * do_check) cannot know for programs with helper calls.
   */
  noTrueSize?: boolean;
  /** Record only the log text up to its NUL (and no log_true_size), for the same reason. */
  textOnly?: boolean;
  /** With textOnly: a pattern replaced by '#' first (an fd number, which differs between sides). */
  logMask?: RegExp;
  fd_array?: bigint;
  fd_array_cnt?: number;
  prog_btf_fd?: number;
  func_info_cnt?: number;
  line_info_cnt?: number;
  signature?: bigint;
  signature_size?: number;
  keyring_id?: number;
}

/** BPF_PROG_LOAD of `insns`; records the result, the log buffer and log_true_size. */
export function progLoad(c: ScenarioCtx, insns: BpfInsn[], o: LoadOpts = {}, expect?: number | 'fd'): number {
  const level = o.level ?? 0;
  const size = o.size ?? (level ? 4096 : 0);
  const code = encodeInsns(insns);
  const insnsAddr = o.insnsAddr ?? c.mem(code);
  const licenseAddr = o.licenseAddr ?? c.mem(new TextEncoder().encode(`${o.license ?? 'GPL'}\0`));
  // the log buffer starts as 'A's so untouched bytes show in the comparison
  const logBuf = o.logBufAddr ?? (size ? c.mem(new Uint8Array(size).fill(0x41)) : 0n);
  const name = new Uint8Array(16);
  if (o.name) name.set(new TextEncoder().encode(o.name).subarray(0, 16));
  const attr = encodeAttr('BPF_PROG_LOAD', {
    prog_type: o.type ?? PT.BPF_PROG_TYPE_SOCKET_FILTER,
    insn_cnt: o.insn_cnt ?? insns.length,
    insns: insnsAddr,
    license: licenseAddr,
    log_level: level,
    log_size: size,
    log_buf: logBuf,
    prog_flags: o.flags ?? 0,
    prog_name: name,
    expected_attach_type: o.expected_attach_type ?? 0,
    fd_array: o.fd_array ?? 0n,
    fd_array_cnt: o.fd_array_cnt ?? 0,
    prog_btf_fd: o.prog_btf_fd ?? 0,
    func_info_cnt: o.func_info_cnt ?? 0,
    line_info_cnt: o.line_info_cnt ?? 0,
    signature: o.signature ?? 0n,
    signature_size: o.signature_size ?? 0,
    keyring_id: o.keyring_id ?? 0,
  });
  const at = c.mem(ATTR);
  const fd = c.bpf(C.BPF_PROG_LOAD, attr, { at, size: o.attrSize ?? ATTR, ...(expect === undefined ? {} : { expect }) });
  if (o.textOnly && size) {
    const b = c.proc.mem.read(logBuf, size);
    const z = b.indexOf(0);
    const text = new TextDecoder().decode(b.subarray(0, z < 0 ? size : z));
    c.note('log', o.logMask ? text.replace(o.logMask, '#') : text);
  } else if (o.normalizeTime && size) {
    // the verification time differs from run to run: record the log and log_true_size without it
    const b = c.proc.mem.read(logBuf, size);
    const z = b.indexOf(0);
    const text = new TextDecoder().decode(b.subarray(0, z < 0 ? size : z));
    const digits = /verification time (\d+) usec/.exec(text)?.[1]?.length ?? 0;
    c.note('log', text.replace(/verification time \d+ usec/, 'verification time N usec'));
    if (!o.noTrueSize) c.note('log_true_size without the time digits', readU32(c.proc.mem.read(at + BigInt(LOG_TRUE_SIZE), 4)) - digits);
  } else if (o.readLog ?? true) {
    if (size && logBuf > 0x1000n) c.read(logBuf, size);
    c.read(at + BigInt(LOG_TRUE_SIZE), 4);
  }
  return fd;
}

/** BPF_OBJ_GET_INFO_BY_FD on a program: the struct with per-run fields masked, plus the arrays. */
export function progInfo(
  c: ScenarioCtx,
  fd: number,
  o: { info_len?: number; xlated?: number; nr_map_ids?: number; rewritten?: boolean } = {},
  expect = 0,
): void {
  const info_len = o.info_len ?? 232;
  const info = new Uint8Array(Math.max(info_len, 232));
  const dv = new DataView(info.buffer);
  const xl = o.xlated ?? 0;
  const xlAddr = xl ? c.mem(xl) : 0n;
  const nmaps = o.nr_map_ids ?? 0;
  const mapsAddr = nmaps ? c.mem(nmaps * 4) : 0n;
  dv.setUint32(20, xl, true); // xlated_prog_len
  dv.setBigUint64(32, xlAddr, true); // xlated_prog_insns
  dv.setUint32(52, nmaps, true); // nr_map_ids
  dv.setBigUint64(56, mapsAddr, true); // map_ids
  const infoAddr = c.mem(info.subarray(0, info_len));
  const at = c.mem(ATTR);
  c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len, info: infoAddr } }), { at, expect });
  c.read(at + 4n, 4); // info_len written back
  const got = c.proc.mem.read(infoAddr, info_len);
  const g = new DataView(got.buffer);
  // the program id is masked, not recorded with c.id: map and program ids come from different
  // IDRs on the model (both start at 1) but look alike to c.id
  if (info_len >= 8) c.note('prog id is non-zero', g.getUint32(4, true) !== 0);
  // masked: id, jited_prog_len, load_time, created_by_uid, and the user pointers passed in (they
  // are addresses of each side's own memory)
  c.read(infoAddr, info_len, [
    [4, 4],
    [16, 4],
    // rewritten programs (helper calls inlined by do_misc_fixups, not modelled): xlated_prog_len,
    // and verified_insns (do_check's count, exact only for straight-line code)
    ...(o.rewritten ? ([
      [20, 4],
      [216, 4],
    ] as [number, number][]) : []),
    [24, 16],
    [40, 8],
    [48, 4],
    [56, 8],
    [112, 16],
    [136, 8],
    [152, 16],
    [184, 8],
  ]);
  if (xl) {
    // ld_imm64 of a map carries the map id, which is global on the host: record it relatively
    const x = c.proc.mem.read(xlAddr, xl);
    const mask: [number, number][] = [];
    for (let p = 0; p + 8 <= xl; p += 8) {
      if (x[p] === 0x18 && x[p + 1]! >> 4 !== 0) {
        c.id(new DataView(x.buffer).getUint32(p + 4, true));
        mask.push([p + 4, 4]);
        p += 8;
      }
    }
    c.read(xlAddr, xl, mask);
  }
  if (nmaps) {
    const m = c.proc.mem.read(mapsAddr, nmaps * 4);
    for (let i = 0; i < nmaps; i++) c.id(readU32(m, i * 4));
  }
}

const SOCKET_FILTER = PT.BPF_PROG_TYPE_SOCKET_FILTER;

export interface TestRunOpts {
  data?: Uint8Array | null;
  data_size_in?: number;
  data_in?: bigint;
  /** Room for data_out (0: no data_out pointer). */
  out?: number;
  data_size_out?: number;
  ctx_in?: Uint8Array;
  ctx_size_in?: number;
  ctxPtr?: bigint;
  ctx_out?: number;
  repeat?: number;
  flags?: number;
}

/** BPF_PROG_TEST_RUN; records the result, retval, data_size_out, data_out and ctx_out (duration masked). */
export function testRun(c: ScenarioCtx, prog_fd: number, o: TestRunOpts = {}, expect?: number): number {
  const data = o.data === undefined ? new Uint8Array(64).map((_, i) => i) : o.data;
  const data_in = o.data_in ?? (data ? c.mem(data) : 0n);
  const outAddr = o.out ? c.mem(new Uint8Array(o.out).fill(0x5a)) : 0n;
  const ctxIn = o.ctxPtr ?? (o.ctx_in ? c.mem(o.ctx_in) : 0n);
  const ctxOut = o.ctx_out ? c.mem(new Uint8Array(o.ctx_out).fill(0x5a)) : 0n;
  const at = c.mem(ATTR);
  const r = c.bpf(
    C.BPF_PROG_TEST_RUN,
    encodeAttr('BPF_PROG_TEST_RUN', {
      test: {
        prog_fd,
        data_in,
        data_size_in: o.data_size_in ?? data?.length ?? 0,
        data_out: outAddr,
        data_size_out: o.data_size_out ?? 0,
        ctx_in: ctxIn,
        ctx_size_in: o.ctx_size_in ?? o.ctx_in?.length ?? 0,
        ctx_out: ctxOut,
        ctx_size_out: o.ctx_out ?? 0,
        repeat: o.repeat ?? 0,
        flags: o.flags ?? 0,
      },
    }),
    { at, ...(expect === undefined ? {} : { expect }) },
  );
  // retval, data_size_in/out, repeat, ctx sizes; masked: prog_fd, the user pointers, duration
  c.read(at, 48, [
    [0, 4],
    [16, 16],
    [36, 4],
  ]);
  if (outAddr) c.read(outAddr, o.out!);
  if (ctxOut) c.read(ctxOut, o.ctx_out!);
  return r;
}

let cgSeq = 0;
/**
 * A fresh cgroup directory, opened: under the host's cgroup2 mount (/sys/fs/cgroup/unified on
 * the reference host) or the model's /sys/fs/cgroup. Returns its fd and a cleanup.
 */
export function cgroupDir(c: ScenarioCtx, sub = ''): { fd: number; path: string; cleanup(): void } {
  const base = c.side === 'host' ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
  if (c.side === 'model') cgroup_mount((c.proc as unknown as Process).kernel);
  const path = `${base}/bpfi-${process.pid}-${cgSeq++}${sub}`;
  c.mkdir(path);
  const fd = c.open(path);
  return {
    fd,
    path,
    cleanup() {
      c.close(fd);
      if (c.side === 'host') rmdirSync(path);
    },
  };
}

/** BPF_PROG_ATTACH / BPF_PROG_DETACH. */
export function attach(c: ScenarioCtx, cmd: number, target_fd: number, prog_fd: number, attach_type: number, attach_flags = 0, more: { replace_bpf_fd?: number; relative_fd?: number; expected_revision?: bigint } = {}, expect?: number): number {
  return c.bpf(cmd, encodeAttr('BPF_PROG_ATTACH', { target_fd, attach_bpf_fd: prog_fd, attach_type, attach_flags, ...more }), expect === undefined ? {} : { expect });
}

/** BPF_PROG_QUERY with room for `room` ids; records result, flags, count, revision and the ids. */
export function query(c: ScenarioCtx, target_fd: number, attach_type: number, room = 8, query_flags = 0, expect?: number): number {
  const ids = room ? c.mem(room * 4) : 0n;
  const at = c.mem(ATTR);
  const r = c.bpf(C.BPF_PROG_QUERY, encodeAttr('BPF_PROG_QUERY', { query: { target_fd, attach_type, query_flags, prog_ids: ids, prog_cnt: room } }), {
    at,
    ...(expect === undefined ? {} : { expect }),
  });
  const q = c.proc.mem.read(at, 64);
  const dv = new DataView(q.buffer);
  c.note('attach_flags', dv.getUint32(12, true));
  const cnt = dv.getUint32(24, true);
  c.note('prog_cnt', cnt);
  c.note('revision', dv.getBigUint64(56, true));
  if (ids) {
    const b = c.proc.mem.read(ids, room * 4);
    for (let i = 0; i < Math.min(cnt, room); i++) c.id(readU32(b, i * 4));
  }
  return r;
}

/** The id of the program behind `fd` (through BPF_OBJ_GET_INFO_BY_FD), recorded relatively. */
export function progId(c: ScenarioCtx, fd: number): number {
  const info = c.mem(232);
  c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len: 232, info } }), { expect: 0 });
  const id = readU32(c.proc.mem.read(info, 8), 4);
  c.id(id);
  return id;
}

/** BPF_LINK_CREATE. */
export function linkCreate(c: ScenarioCtx, prog_fd: number, target_fd: number, attach_type: number, flags = 0, expect?: number | 'fd'): number {
  return c.bpf(C.BPF_LINK_CREATE, encodeAttr('BPF_LINK_CREATE', { link_create: { prog_fd, target_fd, attach_type, flags } }), expect === undefined ? {} : { expect });
}

/** BPF_OBJ_GET_INFO_BY_FD on a link: type, prog id (relative), attach type; cgroup id zero or not. */
export function linkInfo(c: ScenarioCtx, fd: number, expect = 0): void {
  const info = c.mem(64);
  c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len: 64, info } }), { expect });
  const b = c.proc.mem.read(info, 64);
  const dv = new DataView(b.buffer);
  c.note('link type', dv.getUint32(0, true));
  c.note('link id non-zero', dv.getUint32(4, true) !== 0);
  c.id(dv.getUint32(8, true));
  c.note('cgroup id non-zero', dv.getBigUint64(16, true) !== 0n);
  c.note('attach_type', dv.getUint32(24, true));
}

const CGROUP_SKB = PT.BPF_PROG_TYPE_CGROUP_SKB;
const EGRESS = AT.BPF_CGROUP_INET_EGRESS;
const INGRESS = AT.BPF_CGROUP_INET_INGRESS;
const skbProg = (c: ScenarioCtx, imm: number, eat = EGRESS): number => progLoad(c, ret(imm), { type: CGROUP_SKB, expected_attach_type: eat }, 'fd');

/** `r0 = imm; exit`. */
export const ret = (imm: number): BpfInsn[] => [BPF_MOV64_IMM(0, imm), BPF_EXIT_INSN()];

/** A straight-line program that looks up key 0 in map `fd` and returns 0 (what the verifier accepts). */
export function lookupProg(mapFd: number): BpfInsn[] {
  return [
    BPF_ST_MEM(BPF_W, 10, -4, 0),
    BPF_MOV64_REG(2, 10),
    BPF_ALU64_IMM(BPF_ADD, 2, -4),
    ...BPF_LD_MAP_FD(1, mapFd),
    BPF_EMIT_CALL(1),
    BPF_MOV64_IMM(0, 0),
    BPF_EXIT_INSN(),
  ];
}

/**
 * OBJ_GET_INFO_BY_FD with one non-zero byte at `off` of an `info_len`-byte info buffer: the
 * answer, and on success the byte read back there (the kernel copies min(info_len, sizeof) bytes).
 */
function infoByteProbe(c: ScenarioCtx, fd: number, info_len: number, off: number, expect: number): void {
  const buf = new Uint8Array(info_len);
  buf[off] = 0x5a;
  const info = c.mem(buf);
  const r = c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len, info } }), { expect });
  if (r === 0) c.read(info + BigInt(off), 1);
}

export const progScenarios: Scenario[] = [
  {
    // bpf_prog_detach sends every cgroup program type to cgroup_bpf_prog_detach, LSM included
    // (BPF_LSM_CGROUP): the cgroup fd is looked up (EBADF), then the attached program (ENOENT).
    name: 'detach: BPF_LSM_CGROUP goes to the cgroup detach like the other cgroup types (bad fd EBADF, nothing attached ENOENT)',
    run: (c) => {
      const cg = cgroupDir(c);
      for (const at of [AT.BPF_LSM_CGROUP, AT.BPF_CGROUP_SYSCTL, AT.BPF_CGROUP_INET_EGRESS]) {
        attach(c, C.BPF_PROG_DETACH, 999_999, 0, at, 0, {}, EBADF);
        attach(c, C.BPF_PROG_DETACH, cg.fd, 0, at, 0, {}, -2 /* ENOENT */);
        // the query of an LSM hook is refused (EINVAL on 6.18); the others answer an empty list
        query(c, cg.fd, at, 8, 0, at === AT.BPF_LSM_CGROUP ? EINVAL : 0);
      }
      cg.cleanup();
    },
  },
  {
    // struct bpf_prog_info ends with attach_btf_id at 228 and 4 bytes of tail padding (sizeof 232):
    // like map info, a non-zero padding byte is E2BIG; bytes of known fields are overwritten.
    name: 'prog info: a non-zero byte in the tail padding after attach_btf_id (228..231) or past sizeof is E2BIG',
    run: (c) => {
      const fd = progLoad(c, OK, {}, 'fd');
      for (const [len, off, want] of [
        [232, 224, 0], // attach_btf_id: written back as 0
        [232, 227, 0],
        [232, 228, E2BIG],
        [232, 231, E2BIG],
        [240, 232, E2BIG], // bpf_check_uarg_tail_zero past sizeof(struct bpf_prog_info)
        [240, 239, E2BIG],
      ] as const) {
        infoByteProbe(c, fd, len, off, want);
      }
    },
  },
  {
    // struct bpf_link_info has no tail padding (its union ends at sizeof, 64): a cgroup link's
    // bytes past its member (and the hole at 12..15) are copied back as they came in, and only
    // bytes past sizeof are E2BIG.
    name: 'link info: bytes past the cgroup member and the hole before the union are passed back; past sizeof (64) is E2BIG',
    run: (c) => {
      const cg = cgroupDir(c);
      const p = skbProg(c, 1);
      const link = linkCreate(c, p, cg.fd, EGRESS, 0, 'fd');
      for (const [len, off, want] of [
        [64, 12, 0],
        [64, 15, 0],
        [64, 27, 0], // cgroup.attach_type: written back
        [64, 28, 0],
        [64, 63, 0],
        [72, 64, E2BIG],
        [72, 71, E2BIG],
      ] as const) {
        infoByteProbe(c, link, len, off, want);
      }
      c.close(link);
      cg.cleanup();
    },
  },
  {
    name: 'r0 = 0; exit loads at log_level 1 with only the summary line',
    run: (c) => {
      progLoad(c, OK, { level: 1 }, 'fd');
    },
  },
  {
    name: 'log_level 2 of a structural failure starts with func#0 @0',
    run: (c) => {
      progLoad(c, [BPF_MOV64_IMM(0, 0)], { level: 2 }, EINVAL);
    },
  },
  {
    name: 'BPF_LOG_STATS adds the verification time and stack depth (time masked)',
    run: (c) => {
      progLoad(c, OK, { level: 1 | 4, normalizeTime: true }, 'fd');
      progLoad(c, [BPF_JMP_A(5), BPF_EXIT_INSN()], { level: 4, normalizeTime: true }, EINVAL);
    },
  },
  {
    name: 'log buffer rules: level/buf/size combinations (bpf_vlog_init)',
    run: (c) => {
      const buf = c.mem(64);
      progLoad(c, OK, { level: 0, size: 64, logBufAddr: buf }, EINVAL);
      progLoad(c, OK, { level: 1, size: 0, logBufAddr: buf }, EINVAL);
      progLoad(c, OK, { level: 1, size: 64, logBufAddr: 0n }, EINVAL);
      progLoad(c, OK, { level: 16, size: 64 }, EINVAL);
      progLoad(c, OK, { level: 1, size: 0x40000000, logBufAddr: buf, readLog: false }, EINVAL);
      progLoad(c, OK, { level: 1, size: 0 }, 'fd');
    },
  },
  {
    name: 'a log that does not fit: ENOSPC, the rotating tail or the fixed head, log_true_size',
    run: (c) => {
      for (const size of [1, 2, 10, 97, 98, 99]) {
        progLoad(c, OK, { level: 1, size }, size >= 98 ? 'fd' : ENOSPC);
        progLoad(c, OK, { level: 1 | 8, size }, size >= 98 ? 'fd' : ENOSPC);
      }
      progLoad(c, [BPF_MOV64_IMM(0, 0)], { level: 2, size: 40 }, ENOSPC);
    },
  },
  {
    name: 'an attr smaller than log_true_size leaves it unwritten',
    run: (c) => {
      progLoad(c, OK, { level: 1, attrSize: 128 }, 'fd');
      progLoad(c, OK, { level: 1, attrSize: 144 }, 'fd');
    },
  },
  {
    name: 'an unmapped log buffer: EFAULT from bpf_vlog_finalize',
    run: (c) => {
      progLoad(c, OK, { level: 1, size: 64, logBufAddr: 8n }, EFAULT);
    },
  },
  {
    name: 'structural verifier failures: errno and log (check_subprogs, resolve_pseudo_ldimm64, check_cfg)',
    run: (c) => {
      const rows: [BpfInsn[], number][] = [
        [[BPF_MOV64_IMM(0, 0)], EINVAL],
        [[BPF_JMP_A(5), BPF_EXIT_INSN()], EINVAL],
        [[BPF_JMP_A(-2), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0xff, 0, 0, 0, 0), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x8f, 0, 0, 0, 0), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x18, 0, 0, 0, 0), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x18, 0, 0, 0, 0), BPF_RAW_INSN(0, 1, 0, 0, 0), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x18, 0, 7, 0, 0), BPF_RAW_INSN(0, 0, 0, 0, 0), BPF_EXIT_INSN()], EINVAL],
        [[...BPF_LD_MAP_FD(1, 999), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()], EBADF],
        [[BPF_RAW_INSN(0x18, 1, 5, 0, 0), BPF_RAW_INSN(0, 0, 0, 0, 0), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()], -71],
        [[BPF_RAW_INSN(0x21, 0, 1, 0, 0), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x61, 0, 1, 0, 3), BPF_EXIT_INSN()], EINVAL],
        [[BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN(), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x05, 0, 0, 1, 0), BPF_RAW_INSN(0x18, 0, 0, 0, 0), BPF_RAW_INSN(0, 0, 0, 0, 0), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x85, 0, 1, 0, 5), BPF_EXIT_INSN()], EINVAL],
        [[BPF_RAW_INSN(0x85, 0, 1, 0, 0), BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 0)], EINVAL],
      ];
      for (const [insns, err] of rows) progLoad(c, insns, { level: 1 }, err);
    },
  },
  {
    name: 'the opcode table: every code followed by exit, unknown opcodes named in the log',
    run: (c) => {
      // Only the structural verdict is compared: is the first log line "unknown opcode"? (What
      // do_check says about the other opcodes is not modelled.)
      const lic = c.mem(new TextEncoder().encode('GPL\0'));
      const log = c.mem(256);
      for (let code = 0; code < 256; code++) {
        const insns = c.mem(encodeInsns([BPF_RAW_INSN(code, 0, 0, 0, 0), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()]));
        const attr = c.mem(encodeAttr('BPF_PROG_LOAD', { prog_type: SOCKET_FILTER, insn_cnt: 3, insns, license: lic, log_level: 1, log_size: 256, log_buf: log }));
        // called directly, not recorded: the verdicts of do_check differ (not modelled)
        const fd = c.proc.bpf(C.BPF_PROG_LOAD, attr, ATTR);
        if (fd >= 0) c.proc.close(fd);
        const first = new TextDecoder().decode(c.proc.mem.read(log, 32)).split('\n')[0]!;
        c.note(`code ${code}`, first.startsWith('unknown opcode') ? first : 'known');
      }
    },
  },
  {
    name: 'insn_cnt 0 and above BPF_COMPLEXITY_LIMIT_INSNS are E2BIG',
    run: (c) => {
      progLoad(c, OK, { insn_cnt: 0 }, E2BIG);
      progLoad(c, OK, { insn_cnt: 1_000_001 }, E2BIG);
    },
  },
  {
    name: 'attr checks before the verifier: flags, type, attach type, name, copies',
    run: (c) => {
      progLoad(c, OK, { flags: 1 << 8 }, EINVAL);
      progLoad(c, OK, { flags: 1 << 17 }, EINVAL);
      progLoad(c, OK, { type: 0 }, EINVAL);
      progLoad(c, OK, { type: 33 }, EINVAL);
      progLoad(c, OK, { type: 1000 }, EINVAL);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_CGROUP_SOCK_ADDR }, EINVAL);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_CGROUP_SOCK, expected_attach_type: AT.BPF_CGROUP_INET4_BIND }, EINVAL);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_CGROUP_SOCK }, 'fd');
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_CGROUP_SKB, expected_attach_type: AT.BPF_CGROUP_INET_EGRESS }, 'fd');
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_CGROUP_SKB, expected_attach_type: AT.BPF_CGROUP_INET4_BIND }, EINVAL);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_SYSCALL, expected_attach_type: 1 }, EINVAL);
      progLoad(c, OK, { name: 'ok_name.1' }, 'fd');
      progLoad(c, OK, { name: 'bad-name' }, EINVAL);
      progLoad(c, OK, { name: '0123456789abcdef' }, EINVAL);
      progLoad(c, OK, { insnsAddr: 8n }, EFAULT);
      progLoad(c, OK, { licenseAddr: 8n }, EFAULT);
      progLoad(c, OK, { licenseAddr: 0n }, EFAULT);
    },
  },
  {
    name: 'check_attach_btf_id: sleepable, syscall, struct_ops and tracing rules',
    run: (c) => {
      progLoad(c, OK, { flags: 16, level: 1 }, EINVAL);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_KPROBE, flags: 16, level: 1 }, 'fd');
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_SYSCALL, level: 1 }, EINVAL);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_SYSCALL, flags: 16, level: 1 }, 'fd');
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_STRUCT_OPS, level: 1 }, ENOTSUPP);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_STRUCT_OPS, license: 'MIT', level: 1 }, EINVAL);
      progLoad(c, OK, { type: PT.BPF_PROG_TYPE_TRACING, level: 1 }, EINVAL);
    },
  },
  {
    name: 'every program type loads r0 = 0; exit or is refused as the host kernel does',
    run: (c) => {
      for (let t = 0; t <= 32; t++) {
        if (t === PT.BPF_PROG_TYPE_EXT || t === PT.BPF_PROG_TYPE_LSM) continue; // host policy
        if (t === PT.BPF_PROG_TYPE_LIRC_MODE2) continue; // a config choice
        const fd = progLoad(c, OK, { type: t, level: 1, size: 512, readLog: false });
        c.note(`type ${t}`, fd >= 0 ? 'fd' : fd);
        if (fd >= 0) c.close(fd);
      }
    },
  },
  {
    name: 'a program using a map: accepted, info lists the map and the xlated insns carry its id',
    run: (c) => {
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 8, max_entries: 1 }), { expect: 'fd' });
      // a helper call is accepted (processed 7, stack depth 4), but its xlated form is rewritten
      // by do_misc_fixups (not modelled): only the load is compared
      const lfd = progLoad(c, lookupProg(map), { level: 1 | 4, name: 'lookup', normalizeTime: true, noTrueSize: true }, 'fd');
      progInfo(c, lfd, { nr_map_ids: 2, rewritten: true });
      const insns = [...BPF_LD_MAP_FD(1, map), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()];
      const fd = progLoad(c, insns, { level: 1, textOnly: true }, 'fd');
      progInfo(c, fd, { xlated: insns.length * 8, nr_map_ids: 2 });
      progInfo(c, fd, { xlated: 8, nr_map_ids: 0 });
      c.close(map);
    },
  },
  {
    name: 'program info: lengths, tag, name, gpl bit, counts, short and long info_len',
    run: (c) => {
      const fd = progLoad(c, OK, { name: 'info_test' }, 'fd');
      progInfo(c, fd, { xlated: 16 });
      progInfo(c, fd, { info_len: 8 });
      progInfo(c, fd, { info_len: 100 });
      progInfo(c, fd, { info_len: 240 });
      const mit = progLoad(c, OK, { license: 'MIT' }, 'fd');
      progInfo(c, mit);
    },
  },
  {
    name: 'test_run of a socket filter: retval, the packet back, data_size_out, repeat',
    run: (c) => {
      const fd = progLoad(c, ret(7), {}, 'fd');
      testRun(c, fd, { out: 128 }, 0);
      testRun(c, fd, { out: 128, repeat: 5 }, 0);
      testRun(c, fd, {}, 0);
      testRun(c, fd, { out: 16, data_size_out: 16 }, ENOSPC);
      testRun(c, fd, { data: new Uint8Array(13) }, EINVAL);
      testRun(c, fd, { data: new Uint8Array(14), out: 32 }, 0);
    },
  },
  {
    name: 'test_run of a socket filter with a __sk_buff context in and out',
    run: (c) => {
      const fd = progLoad(c, ret(1), {}, 'fd');
      const ctx = new Uint8Array(192);
      new DataView(ctx.buffer).setUint32(8, 0x1234, true); // mark
      new DataView(ctx.buffer).setUint32(32, 5, true); // priority
      testRun(c, fd, { out: 128, ctx_in: ctx, ctx_out: 192 }, 0);
      testRun(c, fd, { ctx_in: ctx, ctx_out: 100 }, ENOSPC);
      const bad = ctx.slice();
      new DataView(bad.buffer).setUint32(0, 1, true); // len is not settable
      testRun(c, fd, { ctx_in: bad }, EINVAL);
    },
  },
  {
    name: 'test_run of XDP programs: retval and the frame back',
    run: (c) => {
      const pass = progLoad(c, ret(2), { type: PT.BPF_PROG_TYPE_XDP }, 'fd');
      testRun(c, pass, { out: 128 }, 0);
      const drop = progLoad(c, ret(1), { type: PT.BPF_PROG_TYPE_XDP }, 'fd');
      testRun(c, drop, { out: 128 }, 0);
      testRun(c, drop, { data: new Uint8Array(0), out: 16 }, EINVAL);
    },
  },
  {
    name: 'test_run errors: ctx pointer/size pairs, bad fds, types without test_run',
    run: (c) => {
      const fd = progLoad(c, ret(0), {}, 'fd');
      testRun(c, fd, { ctx_size_in: 4, ctxPtr: 0n }, EINVAL);
      testRun(c, BAD_PROG_FD, {}, EBADF);
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }), { expect: 'fd' });
      testRun(c, map, {}, EINVAL);
      const tp = progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_TRACEPOINT }, 'fd');
      testRun(c, tp, {}, ENOTSUPP);
    },
  },
  {
    name: 'cgroup attach modes: NONE replaces, OVERRIDE/MULTI mismatch EPERM, MULTI lists, REPLACE, detach rules',
    run: (c) => {
      const cg = cgroupDir(c);
      const p1 = skbProg(c, 1);
      const p2 = skbProg(c, 1);
      const p3 = skbProg(c, 0);
      progId(c, p1);
      progId(c, p2);
      progId(c, p3);
      const PA = C.BPF_PROG_ATTACH;
      const PD = C.BPF_PROG_DETACH;
      query(c, cg.fd, EGRESS, 8, 0, 0);
      attach(c, PA, cg.fd, p1, EGRESS, 0, {}, 0);
      attach(c, PA, cg.fd, p2, EGRESS, 0, {}, 0);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      attach(c, PA, cg.fd, p1, EGRESS, 1, {}, -1);
      attach(c, PA, cg.fd, p1, EGRESS, 2, {}, -1);
      attach(c, PD, cg.fd, 0, EGRESS, 0, {}, 0);
      attach(c, PD, cg.fd, 0, EGRESS, 0, {}, -2);
      attach(c, PA, cg.fd, p1, EGRESS, 2, {}, 0);
      attach(c, PA, cg.fd, p2, EGRESS, 2, {}, 0);
      attach(c, PA, cg.fd, p1, EGRESS, 2, {}, EINVAL);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      query(c, cg.fd, EGRESS, 1, 0, ENOSPC);
      query(c, cg.fd, EGRESS, 0, 0, 0);
      query(c, cg.fd, EGRESS, 8, 1, 0);
      query(c, cg.fd, INGRESS, 8, 0, 0);
      attach(c, PA, cg.fd, p3, EGRESS, 2 | 4, { replace_bpf_fd: p1 }, 0);
      attach(c, PA, cg.fd, p3, EGRESS, 2 | 4, { replace_bpf_fd: p1 }, EINVAL);
      attach(c, PA, cg.fd, p1, EGRESS, 2 | 4, { replace_bpf_fd: p1 }, -2);
      attach(c, PA, cg.fd, p3, EGRESS, 4, { replace_bpf_fd: p2 }, EINVAL);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      attach(c, PA, cg.fd, p1, EGRESS, 2 | 8, {}, 0);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      attach(c, PD, cg.fd, 0, EGRESS, 0, {}, EINVAL);
      attach(c, PD, cg.fd, p2, EGRESS, 0, {}, 0);
      attach(c, PD, cg.fd, p3, EGRESS, 0, {}, 0);
      attach(c, PD, cg.fd, p1, EGRESS, 0, {}, 0);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      cg.cleanup();
    },
  },
  {
    name: 'cgroup attach errors: not a cgroup, wrong program type, attach type, flags, revision',
    run: (c) => {
      const cg = cgroupDir(c);
      const p = skbProg(c, 1);
      const sf = progLoad(c, ret(1), {}, 'fd');
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }), { expect: 'fd' });
      const PA = C.BPF_PROG_ATTACH;
      attach(c, PA, map, p, EGRESS, 0, {}, EBADF);
      attach(c, PA, BAD_PROG_FD, p, EGRESS, 0, {}, EBADF);
      attach(c, PA, cg.fd, sf, EGRESS, 0, {}, EINVAL);
      attach(c, PA, cg.fd, map, EGRESS, 0, {}, EINVAL);
      attach(c, PA, cg.fd, BAD_PROG_FD, EGRESS, 0, {}, EBADF);
      attach(c, PA, cg.fd, p, 200, 0, {}, EINVAL);
      attach(c, PA, cg.fd, p, EGRESS, 1 << 7, {}, EINVAL);
      attach(c, PA, cg.fd, p, EGRESS, 3, {}, EINVAL);
      attach(c, PA, cg.fd, p, EGRESS, 4, {}, EINVAL);
      attach(c, PA, cg.fd, p, EGRESS, 2, { expected_revision: 7n }, -116);
      attach(c, PA, cg.fd, p, EGRESS, 2, { expected_revision: 1n }, 0);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      query(c, cg.fd, EGRESS, 8, 2, EINVAL);
      query(c, map, EGRESS, 8, 0, EBADF);
      attach(c, C.BPF_PROG_DETACH, cg.fd, p, EGRESS, 0, { expected_revision: 5n }, -116);
      attach(c, C.BPF_PROG_DETACH, cg.fd, p, EGRESS, 2, {}, EINVAL);
      attach(c, C.BPF_PROG_DETACH, cg.fd, p, EGRESS, 0, {}, 0);
      cg.cleanup();
    },
  },
  {
    name: 'cgroup hierarchy: a parent without OVERRIDE forbids child programs; effective arrays',
    run: (c) => {
      const parent = cgroupDir(c);
      const childPath = `${parent.path}/child`;
      c.mkdir(childPath);
      const child = c.open(childPath);
      const p1 = skbProg(c, 1);
      const p2 = skbProg(c, 1);
      progId(c, p1);
      progId(c, p2);
      const PA = C.BPF_PROG_ATTACH;
      const PD = C.BPF_PROG_DETACH;
      attach(c, PA, parent.fd, p1, EGRESS, 0, {}, 0);
      attach(c, PA, child, p2, EGRESS, 0, {}, -1);
      query(c, child, EGRESS, 8, 1, 0);
      attach(c, PD, parent.fd, p1, EGRESS, 0, {}, 0);
      attach(c, PA, parent.fd, p1, EGRESS, 1, {}, 0);
      attach(c, PA, child, p2, EGRESS, 0, {}, 0);
      query(c, child, EGRESS, 8, 1, 0);
      query(c, child, EGRESS, 8, 0, 0);
      attach(c, PD, child, p2, EGRESS, 0, {}, 0);
      query(c, child, EGRESS, 8, 1, 0);
      attach(c, PD, parent.fd, p1, EGRESS, 0, {}, 0);
      attach(c, PA, parent.fd, p1, EGRESS, 2, {}, 0);
      attach(c, PA, child, p2, EGRESS, 2, {}, 0);
      query(c, child, EGRESS, 8, 1, 0);
      attach(c, PD, child, p2, EGRESS, 0, {}, 0);
      attach(c, PD, parent.fd, p1, EGRESS, 0, {}, 0);
      c.close(child);
      if (c.side === 'host') rmdirSync(childPath);
      parent.cleanup();
    },
  },
  {
    name: 'cgroup links: keep the program after its fd closes, update, detach, info, pin',
    run: (c) => {
      const cg = cgroupDir(c);
      const p1 = skbProg(c, 1);
      const p2 = skbProg(c, 1);
      progId(c, p1);
      progId(c, p2);
      const link = linkCreate(c, p1, cg.fd, EGRESS, 0, 'fd');
      query(c, cg.fd, EGRESS, 8, 0, 0);
      linkInfo(c, link);
      attach(c, C.BPF_PROG_ATTACH, cg.fd, p2, EGRESS, 0, {}, -1);
      // cgroup skb programs may attach to the other direction (enforce_expected_attach_type is 0)
      const other = linkCreate(c, p1, cg.fd, INGRESS, 0, 'fd');
      c.close(other);
      linkCreate(c, p1, cg.fd, EGRESS, 1, EINVAL);
      let cur = link;
      const upd = (new_prog_fd: number, flags: number, old_prog_fd: number, expect: number) =>
        c.bpf(C.BPF_LINK_UPDATE, encodeAttr('BPF_LINK_UPDATE', { link_update: { link_fd: cur, new_prog_fd, flags, old_prog_fd } }), { expect });
      upd(p2, 0, 0, 0);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      upd(p1, 4, p1, -1);
      upd(p1, 4, p2, 0);
      upd(p2, 0, p1, EINVAL);
      upd(p2, 8, 0, EINVAL);
      c.close(p1);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      c.bpf(C.BPF_OBJ_PIN, encodeAttr('BPF_OBJ_PIN', { pathname: c.str('/sys/fs/bpf/cglink'), bpf_fd: link }), { expect: 0 });
      c.close(link);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      const back = c.bpf(C.BPF_OBJ_GET, encodeAttr('BPF_OBJ_GET', { pathname: c.str('/sys/fs/bpf/cglink') }), { expect: 'fd' });
      cur = back;
      linkInfo(c, back);
      c.bpf(C.BPF_LINK_DETACH, encodeAttr('BPF_LINK_DETACH', { link_detach: { link_fd: back } }), { expect: 0 });
      query(c, cg.fd, EGRESS, 8, 0, 0);
      linkInfo(c, back);
      upd(p2, 0, 0, -67);
      c.bpf(C.BPF_LINK_DETACH, encodeAttr('BPF_LINK_DETACH', { link_detach: { link_fd: p2 } }), { expect: EINVAL });
      c.unlink('/sys/fs/bpf/cglink');
      c.close(back);
      cg.cleanup();
    },
  },
  {
    name: 'BPF_PROG_BIND_MAP: a bound map shows in info once; flags and fds are checked',
    run: (c) => {
      const fd = progLoad(c, ret(0), {}, 'fd');
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }), { expect: 'fd' });
      const bind = (prog_fd: number, map_fd: number, flags: number, expect: number) =>
        c.bpf(C.BPF_PROG_BIND_MAP, encodeAttr('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd, map_fd, flags } }), { expect });
      bind(fd, map, 1, EINVAL);
      bind(fd, BAD_PROG_FD, 0, EBADF);
      bind(map, map, 0, EINVAL);
      bind(fd, fd, 0, EINVAL);
      bind(fd, map, 0, 0);
      bind(fd, map, 0, 0);
      progInfo(c, fd, { nr_map_ids: 4 });
      c.close(map);
      progInfo(c, fd, { nr_map_ids: 4 });
    },
  },
  {
    name: 'the bundled example (count packets per IP protocol) through BPF_PROG_TEST_RUN: the map counts',
    run: (c) => {
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { ...exampleMapAttr, map_name: new TextEncoder().encode(exampleMapAttr.map_name) }), { expect: 'fd' });
      // it branches: the verifier's processed count is not modelled, so no log here
      const fd = progLoad(c, exampleInsns(map), { type: exampleProg.prog_type, name: exampleProg.prog_name }, 'fd');
      for (const proto of [6, 6, 17, 1, 6]) testRun(c, fd, { data: examplePacket(proto), out: 64 }, 0);
      for (const proto of [1, 6, 17, 47]) lookup(c, map, u32(proto), 8, 0);
      progInfo(c, fd, { nr_map_ids: 1, rewritten: true });
    },
  },
  {
    name: 'fd_array_cnt binds every map of fd_array at load (6.14+); non-maps, closed fds, a NULL array, a huge count',
    run: (c) => {
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }), { expect: 'fd' });
      const prog = progLoad(c, ret(0), {}, 'fd');
      const arr = (fds: number[]) => c.mem(new Uint8Array(new Int32Array(fds).buffer));
      const fd = progLoad(c, ret(0), { level: 1, fd_array: arr([map, map]), fd_array_cnt: 2 }, 'fd');
      progInfo(c, fd, { nr_map_ids: 2 });
      progLoad(c, ret(0), { level: 1, fd_array: arr([prog]), fd_array_cnt: 1, textOnly: true, logMask: /^fd \d+/ }, EINVAL);
      progLoad(c, ret(0), { level: 1, fd_array: arr([BAD_PROG_FD]), fd_array_cnt: 1 }, EBADF);
      progLoad(c, ret(0), { level: 1, fd_array: arr([-1]), fd_array_cnt: 1 }, EBADF);
      progLoad(c, ret(0), { level: 1, fd_array: 0n, fd_array_cnt: 1 }, EFAULT);
      progLoad(c, ret(0), { level: 1, fd_array: arr([map]), fd_array_cnt: 0x40000000 }, EINVAL);
      progLoad(c, ret(0), { level: 1, fd_array: arr([BAD_PROG_FD]), fd_array_cnt: 0 }, 'fd');
      c.close(map);
    },
  },
  {
    name: 'a signature: unknown keyrings are EINVAL, known ones fail verification (EOPNOTSUPP here), an unreadable one ENOMEM',
    run: (c) => {
      const sig = c.mem(new Uint8Array(64).fill(7));
      for (const k of [0, 1, 2, 3, 12345, -1, -3, -4, -5, -6]) progLoad(c, ret(0), { signature: sig, signature_size: 12, keyring_id: k });
      progLoad(c, ret(0), { signature: 8n, signature_size: 12, keyring_id: 0 }, -12);
      progLoad(c, ret(0), { signature: 8n, signature_size: 12, keyring_id: 3 }, EINVAL);
      progLoad(c, ret(0), { signature: 0n, signature_size: 12, keyring_id: 0 }, 'fd');
      progLoad(c, ret(0), { type: 0, signature: sig, signature_size: 12, keyring_id: 0 }, -95);
    },
  },
  {
    name: 'every prog_flags bit alone on a socket filter and on XDP',
    run: (c) => {
      for (let bit = 0; bit < 18; bit++) {
        progLoad(c, ret(0), { flags: 1 << bit, level: 1, size: 512 });
        progLoad(c, ret(2), { type: PT.BPF_PROG_TYPE_XDP, flags: 1 << bit, level: 1, size: 512 });
      }
    },
  },
  {
    name: 'ids: BPF_PROG_GET_FD_BY_ID and BPF_LINK_GET_FD_BY_ID open the same objects again',
    run: (c) => {
      const fd = progLoad(c, ret(0), { name: 'by_id' }, 'fd');
      const id = progId(c, fd);
      const again = c.bpf(C.BPF_PROG_GET_FD_BY_ID, encodeAttr('BPF_PROG_GET_FD_BY_ID', { prog_id: id }), { expect: 'fd' });
      progInfo(c, again);
      c.close(fd);
      progInfo(c, again);
      const cg = cgroupDir(c);
      const p = skbProg(c, 1);
      const link = linkCreate(c, p, cg.fd, EGRESS, 0, 'fd');
      const info = c.mem(64);
      c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: link, info_len: 64, info } }), { expect: 0 });
      const link_id = readU32(c.proc.mem.read(info, 8), 4);
      const link2 = c.bpf(C.BPF_LINK_GET_FD_BY_ID, encodeAttr('BPF_LINK_GET_FD_BY_ID', { link_id }), { expect: 'fd' });
      c.close(link);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      linkInfo(c, link2);
      c.close(link2);
      query(c, cg.fd, EGRESS, 8, 0, 0);
      cg.cleanup();
    },
  },
  {
    name: 'func_info / line_info without a BTF object: the BTF fd is checked first (EBADF, EINVAL)',
    run: (c) => {
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }), { expect: 'fd' });
      progLoad(c, ret(0), { level: 1, func_info_cnt: 1, prog_btf_fd: BAD_PROG_FD }, EBADF);
      progLoad(c, ret(0), { level: 1, line_info_cnt: 1, prog_btf_fd: BAD_PROG_FD }, EBADF);
      progLoad(c, ret(0), { level: 1, func_info_cnt: 1, prog_btf_fd: map }, EINVAL);
      progLoad(c, ret(0), { level: 1, func_info_cnt: 0, line_info_cnt: 0, prog_btf_fd: BAD_PROG_FD }, 'fd');
      c.close(map);
    },
  },
  {
    name: 'attach points the model has no targets for answer as the kernel does without one',
    run: (c) => {
      const map = c.bpf(C.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }), { expect: 'fd' });
      const sf = progLoad(c, ret(0), {}, 'fd');
      const rows: [number, number][] = [
        [PT.BPF_PROG_TYPE_KPROBE, AT.BPF_PERF_EVENT],
        [PT.BPF_PROG_TYPE_TRACEPOINT, AT.BPF_PERF_EVENT],
        [PT.BPF_PROG_TYPE_PERF_EVENT, AT.BPF_PERF_EVENT],
        [PT.BPF_PROG_TYPE_SK_SKB, AT.BPF_SK_SKB_STREAM_VERDICT],
        [PT.BPF_PROG_TYPE_SK_MSG, AT.BPF_SK_MSG_VERDICT],
        [PT.BPF_PROG_TYPE_FLOW_DISSECTOR, AT.BPF_FLOW_DISSECTOR],
        [PT.BPF_PROG_TYPE_SK_LOOKUP, AT.BPF_SK_LOOKUP],
        [PT.BPF_PROG_TYPE_NETFILTER, AT.BPF_NETFILTER],
        [PT.BPF_PROG_TYPE_RAW_TRACEPOINT, AT.BPF_TRACE_RAW_TP],
      ];
      for (const [type, at] of rows) {
        const eat = type === PT.BPF_PROG_TYPE_SK_LOOKUP || type === PT.BPF_PROG_TYPE_NETFILTER ? at : 0;
        const p = progLoad(c, ret(0), { type, expected_attach_type: eat }, 'fd');
        linkCreate(c, p, map, at);
        linkCreate(c, p, BAD_PROG_FD, at);
        if (type === PT.BPF_PROG_TYPE_SK_SKB || type === PT.BPF_PROG_TYPE_SK_MSG || type === PT.BPF_PROG_TYPE_KPROBE) {
          attach(c, C.BPF_PROG_ATTACH, map, p, at);
          attach(c, C.BPF_PROG_ATTACH, BAD_PROG_FD, p, at);
          attach(c, C.BPF_PROG_ATTACH, sf, p, at);
          attach(c, C.BPF_PROG_DETACH, map, p, at);
          attach(c, C.BPF_PROG_DETACH, BAD_PROG_FD, p, at);
        }
        if (type === PT.BPF_PROG_TYPE_FLOW_DISSECTOR) {
          attach(c, C.BPF_PROG_ATTACH, map, p, at);
          attach(c, C.BPF_PROG_DETACH, map, p, at);
        }
        c.close(p);
      }
      linkCreate(c, sf, map, AT.BPF_CGROUP_INET_EGRESS);
      linkCreate(c, sf, map, 0);
    },
  },
  {
    name: 'XDP links on lo (generic XDP, XDP_PASS): one per device, mode flags, info, detach',
    run: (c) => {
      const pass = progLoad(c, ret(2), { type: PT.BPF_PROG_TYPE_XDP }, 'fd');
      linkCreate(c, pass, 999_999, AT.BPF_XDP, 0, EINVAL);
      linkCreate(c, pass, 1, AT.BPF_XDP, 1, EINVAL);
      linkCreate(c, pass, 1, AT.BPF_XDP, 4);
      linkCreate(c, pass, 1, AT.BPF_XDP, 8);
      linkCreate(c, pass, 1, AT.BPF_XDP, 2 | 4);
      const link = linkCreate(c, pass, 1, AT.BPF_XDP, 0, 'fd');
      linkCreate(c, pass, 1, AT.BPF_XDP, 0);
      linkCreate(c, pass, 1, AT.BPF_XDP, 2);
      const info = c.mem(64);
      c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: link, info_len: 64, info } }), { expect: 0 });
      const b = c.proc.mem.read(info, 64);
      c.note('link type', readU32(b, 0));
      c.note('ifindex', readU32(b, 16));
      c.bpf(C.BPF_LINK_DETACH, encodeAttr('BPF_LINK_DETACH', { link_detach: { link_fd: link } }), { expect: 0 });
      c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, encodeAttr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: link, info_len: 64, info } }), { expect: 0 });
      c.note('ifindex after detach', readU32(c.proc.mem.read(info, 64), 16));
      c.close(link);
    },
  },
  // ---- capabilities: model-only (the host runs the tests as root); the kernel's answers from
  // bpf_prog_load's checks, in its order
  {
    name: 'without CAP_BPF and kernel.unprivileged_bpf_disabled=2 nothing loads (EPERM)',
    modelOnly: true,
    caps: [],
    run: (c) => {
      progLoad(c, ret(0), {}, -1);
      progLoad(c, ret(0), { insn_cnt: 0 }, -1);
    },
  },
  {
    name: 'unprivileged loads with kernel.unprivileged_bpf_disabled=0: socket filters only, 4096 insns, no loops, no calls',
    modelOnly: true,
    caps: [],
    kernel: { sysctls: { 'kernel.unprivileged_bpf_disabled': 0 } },
    run: (c) => {
      progLoad(c, ret(0), {}, 'fd');
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_CGROUP_SKB }, 'fd');
      progLoad(c, ret(0), { insn_cnt: 4097 }, E2BIG);
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_XDP }, -1);
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_KPROBE }, -1);
      progLoad(c, [BPF_MOV64_IMM(0, 0), BPF_JMP_A(-2), BPF_EXIT_INSN()], { level: 1 }, EINVAL);
      progLoad(c, [BPF_MOV64_IMM(0, 0), BPF_RAW_INSN(0x05 | 0x10, 0, 0, -2, 0), BPF_EXIT_INSN()], { level: 1 }, EINVAL);
      progLoad(c, [BPF_RAW_INSN(0x85, 0, 1, 0, 1), BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()], { level: 1 }, -1);
    },
  },
  {
    name: 'CAP_BPF alone: no XDP (CAP_NET_ADMIN) and no kprobes (CAP_PERFMON); each added capability opens its types',
    modelOnly: true,
    caps: ['CAP_BPF'],
    run: (c) => {
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_XDP }, -1);
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_KPROBE }, -1);
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_TRACEPOINT }, -1);
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_SCHED_CLS }, -1);
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_CGROUP_SKB }, 'fd');
      progLoad(c, ret(0), { insn_cnt: 4097, readLog: false }, EFAULT);
    },
  },
  {
    name: 'CAP_BPF with CAP_NET_ADMIN loads XDP; with CAP_PERFMON kprobes',
    modelOnly: true,
    caps: ['CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON'],
    run: (c) => {
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_XDP }, 'fd');
      progLoad(c, ret(0), { type: PT.BPF_PROG_TYPE_KPROBE }, 'fd');
    },
  },
  {
    name: 'cgroup skb programs load without CAP_NET_ADMIN but attach and query need it',
    modelOnly: true,
    caps: ['CAP_BPF'],
    run: (c) => {
      const cg = cgroupDir(c);
      const p = skbProg(c, 1);
      attach(c, C.BPF_PROG_ATTACH, cg.fd, p, EGRESS, 0, {}, EINVAL);
      query(c, cg.fd, EGRESS, 8, 0, -1);
      linkCreate(c, p, cg.fd, EGRESS, 0, -1);
      cg.cleanup();
    },
  },
];
