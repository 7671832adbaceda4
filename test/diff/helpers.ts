/**
 * Small helpers for writing scenarios: little-endian encoders and the map
 * element calls (each allocates its key/value buffers and records what the
 * kernel wrote back).
 */
import { bpf_cmd, bpf_map_type, type BpfAttrInput } from '@bpf-internals/uapi';
import type { ScenarioCtx } from './runner.js';

export const C = bpf_cmd;
export const T = bpf_map_type;

export const EPERM = -1;
export const ENOENT = -2;
export const E2BIG = -7;
export const EBADF = -9;
export const EACCES = -13;
export const EFAULT = -14;
export const EBUSY = -16;
export const EEXIST = -17;
export const ENOTDIR = -20;
export const EINVAL = -22;
export const ENOSPC = -28;
export const ENAMETOOLONG = -36;
export const EOPNOTSUPP = -95;
export const EBADFD = -77;
export const ENOTSUPP = -524;

export const BPF_ANY = 0n;
export const BPF_NOEXIST = 1n;
export const BPF_EXIST = 2n;
export const BPF_F_LOCK = 4n;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_NO_PREALLOC = 1;
export const BPF_F_PATH_FD = 1 << 14;
export const BPF_F_TOKEN_FD = 1 << 16;

/** An unmapped user address on both sides (the first page is never mapped). */
export const BAD_ADDR = 8n;
/** An fd no process has open. */
export const BAD_FD = 999_999;

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}
export function u64(v: bigint | number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
}
export function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}
export function readU32(b: Uint8Array, off = 0): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(off, true);
}

export type CreateFields = BpfAttrInput<'BPF_MAP_CREATE'>;

/** BPF_MAP_CREATE with `fields`. */
export function create(c: ScenarioCtx, fields: CreateFields, expect?: number | 'fd'): number {
  return c.bpf(C.BPF_MAP_CREATE, c.attr('BPF_MAP_CREATE', fields), expect === undefined ? {} : { expect });
}

/** A user buffer for a key/value, or a raw address (BAD_ADDR / 0n). */
type Buf = Uint8Array | bigint | null;
function addr(c: ScenarioCtx, b: Buf): bigint {
  if (b === null) return 0n;
  if (typeof b === 'bigint') return b;
  return c.mem(b);
}

export function update(c: ScenarioCtx, fd: number, key: Buf, value: Buf, flags = 0n, expect?: number): number {
  return c.bpf(C.BPF_MAP_UPDATE_ELEM, c.attr('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: addr(c, key), value: addr(c, value), flags }), expect === undefined ? {} : { expect });
}

/** BPF_MAP_LOOKUP_ELEM into a fresh `vlen`-byte buffer, which is recorded. */
export function lookup(c: ScenarioCtx, fd: number, key: Buf, vlen: number, expect?: number, flags = 0n): number {
  const v = c.mem(vlen);
  const r = c.bpf(C.BPF_MAP_LOOKUP_ELEM, c.attr('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: addr(c, key), value: v, flags }), expect === undefined ? {} : { expect });
  if (vlen) c.read(v, vlen);
  return r;
}

export function del(c: ScenarioCtx, fd: number, key: Buf, expect?: number): number {
  return c.bpf(C.BPF_MAP_DELETE_ELEM, c.attr('BPF_MAP_DELETE_ELEM', { map_fd: fd, key: addr(c, key) }), expect === undefined ? {} : { expect });
}

/** BPF_MAP_GET_NEXT_KEY into a fresh `klen`-byte buffer, which is recorded. */
export function nextKey(c: ScenarioCtx, fd: number, key: Buf, klen: number, expect?: number): number {
  const n = c.mem(klen);
  const r = c.bpf(C.BPF_MAP_GET_NEXT_KEY, c.attr('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key: addr(c, key), next_key: n }), expect === undefined ? {} : { expect });
  c.read(n, klen);
  return r;
}

export function lookupAndDelete(c: ScenarioCtx, fd: number, key: Buf, vlen: number, expect?: number, flags = 0n): number {
  const v = c.mem(Math.max(vlen, 1));
  const r = c.bpf(
    C.BPF_MAP_LOOKUP_AND_DELETE_ELEM,
    c.attr('BPF_MAP_LOOKUP_AND_DELETE_ELEM', { map_fd: fd, key: addr(c, key), value: v, flags }),
    expect === undefined ? {} : { expect },
  );
  if (vlen) c.read(v, vlen);
  return r;
}

export function freeze(c: ScenarioCtx, fd: number, expect?: number): number {
  return c.bpf(C.BPF_MAP_FREEZE, c.attr('BPF_MAP_FREEZE', { map_fd: fd }), expect === undefined ? {} : { expect });
}

/** The map's id through BPF_OBJ_GET_INFO_BY_FD (recorded relatively). */
export function mapId(c: ScenarioCtx, fd: number): number {
  const info = c.mem(104);
  const r = c.bpf(C.BPF_OBJ_GET_INFO_BY_FD, c.attr('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: fd, info_len: 104, info } }), { expect: 0 });
  if (r) return 0;
  const id = readU32(c.proc.mem.read(info, 8), 4);
  c.id(id);
  return id;
}

/** BPF_OBJ_PIN of `fd` at `path`. */
export function pin(c: ScenarioCtx, fd: number, path: string | bigint, expect?: number, extra: { file_flags?: number; path_fd?: number } = {}): number {
  const pathname = typeof path === 'string' ? c.str(path) : path;
  return c.bpf(C.BPF_OBJ_PIN, c.attr('BPF_OBJ_PIN', { pathname, bpf_fd: fd, ...extra }), expect === undefined ? {} : { expect });
}

/** BPF_OBJ_GET of `path`. */
export function get(c: ScenarioCtx, path: string | bigint, expect?: number | 'fd', extra: { file_flags?: number; path_fd?: number; bpf_fd?: number } = {}): number {
  const pathname = typeof path === 'string' ? c.str(path) : path;
  return c.bpf(C.BPF_OBJ_GET, c.attr('BPF_OBJ_GET', { pathname, ...extra }), expect === undefined ? {} : { expect });
}

/** Batch attr. */
export function batch(
  c: ScenarioCtx,
  cmd: number,
  f: { map_fd: number; keys?: bigint; values?: bigint; count?: number; in_batch?: bigint; out_batch?: bigint; elem_flags?: bigint; flags?: bigint },
  expect?: number,
): { ret: number; attr: bigint } {
  const a = c.mem(c.attr('BPF_MAP_LOOKUP_BATCH', { batch: f }));
  const r = c.bpfAt(cmd, a, 168, expect);
  return { ret: r, attr: a };
}
