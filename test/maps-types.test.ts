/**
 * Differential tests of arrays, queues/stacks and ring buffers: the same
 * union bpf_attr bytes (uapi's encodeAttr) go to the host's bpf() and, decoded,
 * to @bpf-internals/maps' ops; errnos, bytes and orders are compared.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bpf_map_type as T, decodeAttr, encodeAttr } from '@bpf-internals/uapi';
import {
  bpf_fd_array_map_lookup_elem,
  bpf_fd_array_map_update_elem,
  bpf_fd_htab_map_update_elem,
  bpf_percpu_array_copy,
  bpf_percpu_array_update,
  createMapEnv,
  find_map_ops,
  type BpfFdResolver,
  type BpfMap,
  type BpfMapCreateAttr,
} from '@bpf-internals/maps';
import {
  BPF_ADD,
  BPF_ALU64_IMM,
  BPF_B,
  BPF_DW,
  BPF_EMIT_CALL,
  BPF_EXIT_INSN,
  BPF_JEQ,
  BPF_JMP_IMM,
  BPF_LD_MAP_FD,
  BPF_MOV64_IMM,
  BPF_MOV64_REG,
  BPF_REG_0,
  BPF_REG_1,
  BPF_REG_10,
  BPF_REG_2,
  BPF_REG_3,
  BPF_REG_4,
  BPF_ST_MEM,
  bpf_func_id,
  bpf_prog_type,
  encodeInsns,
} from '@bpf-internals/uapi';
import {
  bpf_ringbuf_discard,
  bpf_ringbuf_output,
  bpf_ringbuf_reserve,
  bpf_ringbuf_submit,
} from '@bpf-internals/maps';
import { hostBpf, skipReason, type HostBpf } from './host/bpf.js';
import { hostLoad, hostTestRun } from './core-host.js';

const { host } = hostBpf();
const NCPUS = (() => {
  try {
    const s = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    return s.split(',').reduce((n, r) => {
      const [a, b] = r.split('-').map(Number);
      return n + (b === undefined ? 1 : b - a + 1);
    }, 0);
  } catch {
    return 1;
  }
})();

type CreateFields = Parameters<typeof encodeAttr<'BPF_MAP_CREATE'>>[1];

/** BPF_MAP_CREATE on the host: fd or -errno. */
function hostCreate(h: HostBpf, f: CreateFields): number {
  const bytes = encodeAttr('BPF_MAP_CREATE', f);
  const a = h.mem.alloc(bytes.length);
  h.mem.write(a, bytes);
  return h.bpf(0, a, bytes.length);
}

/** The model from the same bytes: map_alloc_check then map_alloc, as map_create calls them. */
function modelCreate(f: CreateFields, fds?: BpfFdResolver): BpfMap | number {
  const attr = decodeAttr('BPF_MAP_CREATE', encodeAttr('BPF_MAP_CREATE', f)) as unknown as BpfMapCreateAttr;
  const ops = find_map_ops(attr.map_type);
  if (!ops) return -22;
  const env = createMapEnv(NCPUS);
  const err = ops.map_alloc_check?.(attr, env) ?? 0;
  if (err) return err;
  return ops.map_alloc(attr, env, fds);
}

/** A map element command on the host; key/value are written to fresh memory (null = NULL). */
function hostElem(h: HostBpf, cmd: number, fd: number, key: Uint8Array | null, value: Uint8Array | null, flags = 0n): number {
  const k = key ? h.mem.alloc(Math.max(key.length, 1)) : 0n;
  if (key) h.mem.write(k, key);
  const v = value ? h.mem.alloc(Math.max(value.length, 1)) : 0n;
  if (value) h.mem.write(v, value);
  const bytes = encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: k, value: v, flags } as never);
  const a = h.mem.alloc(bytes.length);
  h.mem.write(a, bytes);
  const r = h.bpf(cmd, a, bytes.length);
  if (value && r === 0) value.set(h.mem.read(v, value.length));
  return r;
}

const LOOKUP = 1;
const UPDATE = 2;
const DELETE = 3;
const NEXT = 4;
const LOOKUP_AND_DELETE = 21;

const u32 = (v: number): Uint8Array => new Uint8Array(new Uint32Array([v]).buffer);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe.skipIf(!host)('arrays, queues, stacks and ring buffers against the host kernel', () => {
  const h = host!;
  const strict = !!host?.strict;
  const check = (what: string, got: unknown, want: unknown): void => {
    if (strict) expect(got, what).toEqual(want);
    else if (JSON.stringify(got) !== JSON.stringify(want)) console.warn(`maps differential (${what}): host ${JSON.stringify(want)}, model ${JSON.stringify(got)}`);
  };

  const creates: [string, CreateFields][] = [
    ['array', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4 }],
    ['array with key_size 8', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 8, value_size: 8, max_entries: 4 }],
    ['array with value_size 0', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 0, max_entries: 4 }],
    ['array with max_entries 0', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 0 }],
    ['array with BPF_F_NO_PREALLOC', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_flags: 1 }],
    ['mmapable array', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 3, map_flags: 1024 }],
    ['mmapable percpu array', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 4, max_entries: 3, map_flags: 1024 }],
    ['array with BPF_F_INNER_MAP', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 3, map_flags: 4096 }],
    ['array with BPF_F_PRESERVE_ELEMS', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 3, map_flags: 2048 }],
    ['array with RDONLY_PROG|WRONLY_PROG', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 3, map_flags: 384 }],
    ['array with BPF_F_ZERO_SEED', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 4, max_entries: 3, map_flags: 64 }],
    ['percpu array with a 32 KiB + 1 value', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 32769, max_entries: 1 }],
    ['percpu array with a NUMA node', { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_flags: 4, numa_node: 0 }],
    ['array with value_size 2^31', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 0x80000000, max_entries: 1 }],
    ['prog_array with value_size 8', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 8, max_entries: 1 }],
    ['prog_array with BPF_F_RDONLY_PROG', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 1, map_flags: 128 }],
    ['prog_array', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 2 }],
    ['array_of_maps with a bad inner map fd', { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: 9999 }],
    ['queue', { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 4, max_entries: 4 }],
    ['queue with a key', { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 4, value_size: 4, max_entries: 4 }],
    ['stack with BPF_F_NO_PREALLOC', { map_type: T.BPF_MAP_TYPE_STACK, key_size: 0, value_size: 4, max_entries: 4, map_flags: 1 }],
    ['stack with a value above KMALLOC_MAX_SIZE', { map_type: T.BPF_MAP_TYPE_STACK, key_size: 0, value_size: (1 << 22) + 1, max_entries: 1 }],
    ['ringbuf of one page', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 }],
    ['ringbuf of 3 pages', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 3 * 4096 }],
    ['ringbuf of half a page', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 2048 }],
    ['ringbuf with a key', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 4, value_size: 0, max_entries: 4096 }],
    ['ringbuf with a value', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 4, max_entries: 4096 }],
    ['ringbuf with BPF_F_NO_PREALLOC', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096, map_flags: 1 }],
    ['ringbuf with BPF_F_NUMA_NODE', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096, map_flags: 4, numa_node: 0 }],
  ];
  it.each(creates)('create: %s gives the same errno', (name, f) => {
    const fd = hostCreate(h, f);
    if (fd >= 0) h.close(fd);
    const m = modelCreate(f);
    check(name, typeof m === 'number' ? m : 0, fd >= 0 ? 0 : fd);
  });

  it('array element operations answer the same: flags, bounds, delete, get_next_key', () => {
    const f = { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 12, max_entries: 3 };
    const fd = hostCreate(h, f);
    const m = modelCreate(f) as BpfMap;
    const v = new Uint8Array(12).map((_, i) => i + 1);
    const steps: [string, () => number, () => number][] = [];
    for (const [key, flags] of [[0, 0n], [2, 2n], [1, 1n], [3, 0n], [0, 3n], [0, 4n], [0, 1n << 33n]] as [number, bigint][]) {
      steps.push([`update ${key} flags ${flags}`, () => hostElem(h, UPDATE, fd, u32(key), v, flags), () => m.ops.map_update_elem(m, u32(key), v, flags)]);
    }
    steps.push(['delete 0', () => hostElem(h, DELETE, fd, u32(0), null), () => m.ops.map_delete_elem(m, u32(0))]);
    for (const key of [null, 0, 1, 2, 7]) {
      const out = new Uint8Array(4);
      steps.push([
        `next after ${key}`,
        () => {
          const r = hostElem(h, NEXT, fd, key === null ? null : u32(key), out);
          return r === 0 ? out[0] : r;
        },
        () => {
          const o = new Uint8Array(4);
          const r = m.ops.map_get_next_key(m, key === null ? null : u32(key), o);
          return r === 0 ? o[0] : r;
        },
      ]);
    }
    for (const [name, hf, mf] of steps) check(name, mf(), hf());
    const hv = new Uint8Array(12);
    expect(hostElem(h, LOOKUP, fd, u32(2), hv)).toBe(0);
    check('value bytes', [...m.ops.map_lookup_elem(m, u32(2))!], [...hv]);
    h.close(fd);
  });

  it('fdinfo memlock equals map_mem_usage for every modelled type', () => {
    for (const f of [
      { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 12, max_entries: 3 },
      { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 100, max_entries: 1000, map_flags: 1024 },
      { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 4, max_entries: 10 },
      { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 10 },
      { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 1000 },
      { map_type: T.BPF_MAP_TYPE_HASH, key_size: 6, value_size: 8, max_entries: 10, map_flags: 1 },
      { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 12, max_entries: 10 },
      { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 8, max_entries: 10, map_flags: 2 },
      { map_type: T.BPF_MAP_TYPE_LRU_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 10 },
      { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 8, max_entries: 10 },
      { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 65536 },
    ] as CreateFields[]) {
      const fd = hostCreate(h, f);
      const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
      const memlock = BigInt(/memlock:\s+(\d+)/.exec(info)![1]);
      h.close(fd);
      const m = modelCreate(f) as BpfMap;
      check(`memlock of type ${f.map_type}`, m.ops.map_mem_usage!(m), memlock);
    }
  });

  it('a per-CPU array round-trips round_up(value_size, 8) bytes per possible CPU', () => {
    const f = { map_type: T.BPF_MAP_TYPE_PERCPU_ARRAY, key_size: 4, value_size: 5, max_entries: 2 };
    const fd = hostCreate(h, f);
    const m = modelCreate(f) as BpfMap;
    const v = Uint8Array.from({ length: 8 * NCPUS }, (_, i) => i + 1);
    check('update', bpf_percpu_array_update(m, u32(1), v, 0n), hostElem(h, UPDATE, fd, u32(1), v));
    check('update NOEXIST', bpf_percpu_array_update(m, u32(1), v, 1n), hostElem(h, UPDATE, fd, u32(1), v, 1n));
    const hv = new Uint8Array(8 * NCPUS);
    const mv = new Uint8Array(8 * NCPUS);
    check('lookup', bpf_percpu_array_copy(m, u32(1), mv), hostElem(h, LOOKUP, fd, u32(1), hv));
    check('bytes', [...mv], [...hv]);
    h.close(fd);
  });

  it('a BPF_F_MMAPABLE array maps the same bytes: elements at round_up(value_size, 8) strides', () => {
    // koffi is there: the host adapter that gave us `h` loads it too.
    const koffi = createRequire(import.meta.url)('koffi');
    const libc = koffi.load('libc.so.6');
    const mm = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
    const mun = libc.func('int munmap(void *addr, size_t len)');
    const mmap = (fd: number, len: number): Uint8Array | null => {
      const p = mm(null, len, 1 /* PROT_READ */, 1 /* MAP_SHARED */, fd, 0);
      if (!p || koffi.address(p) === 0xffffffffffffffffn) return null;
      const bytes = new Uint8Array(koffi.view(p, len)).slice();
      mun(p, len);
      return bytes;
    };
    const f = { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 12, max_entries: 5, map_flags: 1024 };
    const fd = hostCreate(h, f);
    const m = modelCreate(f) as BpfMap;
    for (const k of [0, 2, 4]) {
      const v = Uint8Array.from({ length: 12 }, (_, i) => k * 16 + i + 1);
      hostElem(h, UPDATE, fd, u32(k), v);
      m.ops.map_update_elem(m, u32(k), v, 0n);
    }
    const region = m.ops.map_mmap!(m) as Uint8Array;
    const hostBytes = mmap(fd, region.length);
    h.close(fd);
    expect(hostBytes, 'mmap() of the host map').not.toBeNull();
    check('mmap length', region.length, 4096);
    check('mmap bytes', [...region], [...hostBytes!]);
  });

  it('map-in-map: inner-map templates and the maps an outer map accepts', () => {
    // The same maps on both sides; the model's fd resolver maps the host's fd numbers to them.
    const inner: [string, CreateFields][] = [
      ['array 4x8', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4 }],
      ['array 4x8, 5 entries', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 5 }],
      ['array 4x16', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 16, max_entries: 4 }],
      ['inner-map array 4x8', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4, map_flags: 4096 }],
      ['inner-map array 4x8, 9 entries', { map_type: T.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 9, map_flags: 4096 }],
      ['hash 4x8', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 4 }],
      ['hash 4x8, 64 entries', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 64 }],
      ['prog_array', { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 4 }],
      ['queue', { map_type: T.BPF_MAP_TYPE_QUEUE, key_size: 0, value_size: 8, max_entries: 4 }],
      ['ringbuf', { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 }],
    ];
    const byFd = new Map<number, BpfMap>();
    const fdOf: Record<string, number> = {};
    for (const [name, f] of inner) {
      const fd = hostCreate(h, f);
      expect(fd, name).toBeGreaterThan(0);
      fdOf[name] = fd;
      byFd.set(fd, modelCreate(f) as BpfMap);
    }
    const fds: BpfFdResolver = {
      get: () => -9,
      map: (fd) => byFd.get(fd) ?? (fd >= 0 && fd <= 2 ? -22 : -9),
    };
    const outers: [string, number, string | number][] = [
      ['array of maps, template array', T.BPF_MAP_TYPE_ARRAY_OF_MAPS, 'array 4x8'],
      ['array of maps, template inner-map array', T.BPF_MAP_TYPE_ARRAY_OF_MAPS, 'inner-map array 4x8'],
      ['hash of maps, template hash', T.BPF_MAP_TYPE_HASH_OF_MAPS, 'hash 4x8'],
      ['array of maps, template prog_array', T.BPF_MAP_TYPE_ARRAY_OF_MAPS, 'prog_array'],
      ['hash of maps, template queue', T.BPF_MAP_TYPE_HASH_OF_MAPS, 'queue'],
      ['array of maps, template ringbuf', T.BPF_MAP_TYPE_ARRAY_OF_MAPS, 'ringbuf'],
      ['array of maps, template fd 0 (not a map)', T.BPF_MAP_TYPE_ARRAY_OF_MAPS, 0],
      ['array of maps, template fd 9999 (no file)', T.BPF_MAP_TYPE_ARRAY_OF_MAPS, 9999],
    ];
    for (const [oname, map_type, tmpl] of outers) {
      const f = { map_type, key_size: 4, value_size: 4, max_entries: 4, inner_map_fd: typeof tmpl === 'number' ? tmpl : fdOf[tmpl] };
      const hfd = hostCreate(h, f);
      const m = modelCreate(f, fds);
      check(`create ${oname}`, typeof m === 'number' ? m : 0, hfd < 0 ? hfd : 0);
      if (hfd < 0 || typeof m === 'number') continue;
      // store each inner map: EINVAL unless it matches the template
      for (const [iname] of inner) {
        const hr = hostElem(h, UPDATE, hfd, u32(1), u32(fdOf[iname]));
        const mr =
          map_type === T.BPF_MAP_TYPE_ARRAY_OF_MAPS
            ? bpf_fd_array_map_update_elem(m, fds, u32(1), u32(fdOf[iname]), 0n)
            : bpf_fd_htab_map_update_elem(m, fds, u32(1), u32(fdOf[iname]), 0n);
        check(`${oname}: store ${iname}`, mr, hr);
      }
      // the outer map itself cannot be a template (one level of nesting)
      byFd.set(hfd, m);
      const nf = { map_type: T.BPF_MAP_TYPE_ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 1, inner_map_fd: hfd };
      const nh = hostCreate(h, nf);
      if (nh >= 0) h.close(nh);
      const nm = modelCreate(nf, fds);
      check(`${oname} as a template`, typeof nm === 'number' ? nm : 0, nh < 0 ? nh : 0);
      byFd.delete(hfd);
      h.close(hfd);
    }
    for (const fd of Object.values(fdOf)) h.close(fd);
  });

  it('ring buffer records written by programs are the same bytes in the mmap()ed ring', () => {
    const koffi = createRequire(import.meta.url)('koffi');
    const libc = koffi.load('libc.so.6');
    const mm = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
    const mun = libc.func('int munmap(void *addr, size_t len)');
    const size = 4096;
    const f = { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: size };
    const fd = hostCreate(h, f);
    const m = modelCreate(f) as BpfMap;
    // [kind, record size, fill byte]: output copies 8 bytes of 0x11.. from the stack; reserve writes one byte
    // then the consumer catches up and the next records wrap past the end of the ring
    const script: ['output' | 'submit' | 'discard', number, number][] = [
      ['output', 5, 0x11],
      ['submit', 13, 0x22],
      ['discard', 3, 0x33],
      ['output', 8, 0x44],
      ['submit', 1000, 0x55],
      ['output', 1, 0x66],
      ['submit', 2100, 0x77], // no room: reserve gives NULL on both
      ['output', 4000, 0x88], // no room: output gives -EAGAIN
    ];
    const prog = (kind: string, n: number, fill: number): Uint8Array => {
      const head = [BPF_LD_MAP_FD(BPF_REG_1, fd)];
      if (kind === 'output') {
        // 4000-byte outputs need a buffer that big: fall back to the stack only when it fits
        const len = Math.min(n, 8);
        return encodeInsns([
          BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, fill * 0x01010101),
          ...head,
          BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
          BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
          BPF_MOV64_IMM(BPF_REG_3, len),
          BPF_MOV64_IMM(BPF_REG_4, 0),
          BPF_EMIT_CALL(bpf_func_id.BPF_FUNC_ringbuf_output),
          BPF_EXIT_INSN(),
        ]);
      }
      return encodeInsns([
        ...head,
        BPF_MOV64_IMM(BPF_REG_2, n),
        BPF_MOV64_IMM(BPF_REG_3, 0),
        BPF_EMIT_CALL(bpf_func_id.BPF_FUNC_ringbuf_reserve),
        BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 6),
        BPF_ST_MEM(BPF_B, BPF_REG_0, 0, fill),
        BPF_ST_MEM(BPF_B, BPF_REG_0, n - 1, fill ^ 0xff), // the last byte: past the ring's end when the record wraps
        BPF_MOV64_REG(BPF_REG_1, BPF_REG_0),
        BPF_MOV64_IMM(BPF_REG_2, 0),
        BPF_EMIT_CALL(kind === 'submit' ? bpf_func_id.BPF_FUNC_ringbuf_submit : bpf_func_id.BPF_FUNC_ringbuf_discard),
        BPF_MOV64_IMM(BPF_REG_0, 1),
        BPF_EXIT_INSN(),
      ]);
    };
    const hostRets: number[] = [];
    const modelRets: number[] = [];
    /** The consumer caught up: consumer_pos = producer_pos, through each side's mapped page. */
    const consumeAll = (): void => {
      const region = m.ops.map_mmap!(m) as Uint8Array;
      const dv = new DataView(region.buffer, region.byteOffset);
      dv.setBigUint64(0, dv.getBigUint64(4096, true), true);
      const rw = mm(null, 4096, 3 /* PROT_READ|PROT_WRITE */, 1, fd, 0);
      const ro = mm(null, 8192, 1, 1, fd, 0);
      const prod = new DataView(koffi.view(ro, 8192)).getBigUint64(4096, true);
      new DataView(koffi.view(rw, 4096)).setBigUint64(0, prod, true);
      mun(rw, 4096);
      mun(ro, 8192);
    };
    script.push(['consume' as never, 0, 0], ['submit', 1500, 0x99], ['output', 8, 0x5a], ['submit', 1200, 0x77], ['submit', 900, 0x3c]);
    for (const [kind, n, fill] of script) {
      if ((kind as string) === 'consume') {
        consumeAll();
        continue;
      }
      const { fd: pfd, log } = hostLoad(h, bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER, prog(kind, n, fill), { log_level: 1 });
      expect(pfd, log).toBeGreaterThan(0);
      const run = hostTestRun(h, pfd, { data_in: new Uint8Array(64) });
      h.close(pfd);
      hostRets.push(run.ret, run.retval | 0);
      if (kind === 'output') {
        const len = Math.min(n, 8);
        // the stack slot the program stored: a 32-bit immediate sign-extended to 64 bits
        const stack = new Uint8Array(8);
        new DataView(stack.buffer).setBigInt64(0, BigInt((fill * 0x01010101) | 0), true);
        modelRets.push(0, bpf_ringbuf_output(m, stack, len, 0n));
      } else {
        const s = bpf_ringbuf_reserve(m, n, 0n);
        if (s) {
          s[0] = fill;
          s[n - 1] = fill ^ 0xff;
          (kind === 'submit' ? bpf_ringbuf_submit : bpf_ringbuf_discard)(s, 0n);
        }
        modelRets.push(0, s ? 1 : 0);
      }
    }
    check('program results', modelRets, hostRets);
    const len = 2 * 4096 + 2 * size;
    const p = mm(null, len, 1 /* PROT_READ */, 1 /* MAP_SHARED */, fd, 0);
    expect(koffi.address(p)).not.toBe(0xffffffffffffffffn);
    const hostRegion = new Uint8Array(koffi.view(p, len)).slice();
    mun(p, len);
    h.close(fd);
    const region = m.ops.map_mmap!(m) as Uint8Array;
    check('region length', region.length, len);
    // compare page by page so a difference names where it is
    for (let off = 0; off < len; off += 4096) {
      check(`ring page at ${off}`, hex(region.subarray(off, off + 4096)), hex(hostRegion.subarray(off, off + 4096)));
    }
  });

  it('prog_array: programs by fd, ids back, the owner type fixed by the first program', () => {
    const ret0 = encodeInsns([BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]);
    const load = (type: number): { fd: number; id: number; type: number } => {
      const { fd: pfd, log } = hostLoad(h, type, ret0, { log_level: 1 });
      expect(pfd, log).toBeGreaterThan(0);
      // BPF_OBJ_GET_INFO_BY_FD: bpf_prog_info.id is the u32 at offset 4
      const info = h.mem.alloc(256);
      const a = new Uint8Array(16);
      const d = new DataView(a.buffer);
      d.setUint32(0, pfd, true);
      d.setUint32(4, 256, true);
      d.setBigUint64(8, info, true);
      const at = h.mem.alloc(16);
      h.mem.write(at, a);
      expect(h.bpf(15, at, 16)).toBe(0);
      return { fd: pfd, id: new DataView(h.mem.read(info, 8).buffer).getUint32(4, true), type };
    };
    const progs = [load(bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER), load(bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER), load(bpf_prog_type.BPF_PROG_TYPE_XDP)];
    const refs = new Map(progs.map((p) => [p.fd, { ...p, refs: 0 }]));
    const fds: BpfFdResolver = {
      get(fd, want) {
        const p = refs.get(fd);
        if (!p || want !== 'prog') return p ? -22 : -9;
        p.refs++;
        // every program on this host is JITed (bpf_jit_enable): jited is the same for all
        return { id: p.id, type: p.type, jited: true, inc: () => void p.refs++, put: () => void p.refs-- };
      },
    };
    const f = { map_type: T.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 4 };
    const fd = hostCreate(h, f);
    const m = modelCreate(f) as BpfMap;
    const steps: [string, number, number, bigint][] = [
      ['store socket filter A at 0', 0, progs[0].fd, 0n],
      ['store socket filter B at 1', 1, progs[1].fd, 0n],
      ['store XDP at 2 (owner is a socket filter)', 2, progs[2].fd, 0n],
      ['store with BPF_NOEXIST', 3, progs[0].fd, 1n],
      ['store past the end', 4, progs[0].fd, 0n],
      ['store fd 9999', 3, 9999, 0n],
      ['replace slot 0 with B', 0, progs[1].fd, 0n],
    ];
    for (const [name, key, pfd, flags] of steps) {
      check(name, bpf_fd_array_map_update_elem(m, fds, u32(key), u32(pfd), flags), hostElem(h, UPDATE, fd, u32(key), u32(pfd), flags));
    }
    for (const key of [0, 1, 2, 5]) {
      const hv = new Uint8Array(4);
      const hr = hostElem(h, LOOKUP, fd, u32(key), hv);
      const mv = new Uint8Array(4);
      const mr = bpf_fd_array_map_lookup_elem(m, u32(key), mv);
      check(`lookup ${key}`, [mr, mr === 0 ? mv[0] | (mv[1] << 8) : 0], [hr, hr === 0 ? hv[0] | (hv[1] << 8) : 0]);
    }
    for (const key of [1, 1, 7]) check(`delete ${key}`, m.ops.map_delete_elem(m, u32(key)), hostElem(h, DELETE, fd, u32(key), null));
    h.close(fd);
    for (const p of progs) h.close(p.fd);
  });

  it('a ring buffer refuses element commands as the ops say (ERR_PTR(-ENOTSUPP) from lookup)', () => {
    const f = { map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096 };
    const fd = hostCreate(h, f);
    const m = modelCreate(f) as BpfMap;
    check('lookup', m.ops.map_lookup_elem_err, hostElem(h, LOOKUP, fd, null, null));
    check('update', m.ops.map_update_elem(m, new Uint8Array(0), new Uint8Array(0), 0n), hostElem(h, UPDATE, fd, null, null));
    check('delete', m.ops.map_delete_elem(m, new Uint8Array(0)), hostElem(h, DELETE, fd, null, null));
    check('get_next_key', m.ops.map_get_next_key(m, null, new Uint8Array(0)), hostElem(h, NEXT, fd, null, null));
    h.close(fd);
  });

  // [kind, max_entries, ops: push value / 'pop' / 'peek', with flags]
  const qs: [string, number, number, (number | 'pop' | 'peek' | [number, bigint])[]][] = [
    ['queue', T.BPF_MAP_TYPE_QUEUE, 3, [1, 2, 3, 4, 'peek', [5, 2n], 'pop', 'pop', [6, 1n], [7, 3n], 'pop', 'pop', 'pop', 'peek']],
    ['stack', T.BPF_MAP_TYPE_STACK, 3, [1, 2, 3, 4, 'peek', [5, 2n], 'pop', 'pop', 'pop', 'pop', [6, 0n], [7, 2n], 'peek', 'pop']],
    ['queue of 1', T.BPF_MAP_TYPE_QUEUE, 1, [1, [2, 2n], 'pop', 'pop', 3, 'peek']],
  ];
  it.each(qs)('%s: push/pop/peek order, E2BIG and BPF_EXIST overwrite', (_name, map_type, max_entries, script) => {
    const f = { map_type, key_size: 0, value_size: 4, max_entries };
    const fd = hostCreate(h, f);
    const m = modelCreate(f) as BpfMap;
    const hostOut: (number | string)[] = [];
    const modelOut: (number | string)[] = [];
    for (const step of script) {
      if (step === 'pop' || step === 'peek') {
        const hv = new Uint8Array(4);
        const r = hostElem(h, step === 'pop' ? LOOKUP_AND_DELETE : LOOKUP, fd, null, hv);
        hostOut.push(r === 0 ? `v${hv[0]}` : r);
        const mv = new Uint8Array(4);
        const mr = step === 'pop' ? m.ops.map_pop_elem!(m, mv) : m.ops.map_peek_elem!(m, mv);
        modelOut.push(mr === 0 ? `v${mv[0]}` : mr);
      } else {
        const [val, flags] = typeof step === 'number' ? [step, 0n] : step;
        hostOut.push(hostElem(h, UPDATE, fd, null, u32(val), flags));
        modelOut.push(m.ops.map_push_elem!(m, u32(val), flags));
      }
    }
    check('results', modelOut, hostOut);
    h.close(fd);
  });
});

if (!host) it.skip(skipReason(), () => {});
