/**
 * Differential tests of the hash maps (kernel/bpf/hashtab.c, bpf_lru_list.c):
 * the same operations through the host's bpf() and through @bpf-internals/maps'
 * ops, compared. Errnos per flag, the -E2BIG points, get_next_key order with
 * BPF_F_ZERO_SEED, LRU eviction victims.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bpf_map_type as T } from '@bpf-internals/uapi';
import { bpf_percpu_hash_update, createMapEnv, find_map_ops, htab_map_lookup_batch, type BpfMap, type BpfMapCreateAttr } from '@bpf-internals/maps';
import {
  BPF_ADD,
  BPF_ALU64_IMM,
  BPF_EMIT_CALL,
  BPF_EXIT_INSN,
  BPF_LD_MAP_FD,
  BPF_MOV64_IMM,
  BPF_MOV64_REG,
  BPF_REG_0,
  BPF_REG_1,
  BPF_REG_10,
  BPF_REG_2,
  BPF_ST_MEM,
  BPF_W,
  bpf_func_id,
  bpf_prog_type,
  encodeInsns,
} from '@bpf-internals/uapi';
import { hostBpf, skipReason, type HostBpf } from './host/bpf.js';
import { hostLoad, hostTestRun } from './core-host.js';

const { host } = hostBpf();

const possibleCpus = (): number => {
  try {
    const s = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    return s.split(',').reduce((n, r) => {
      const [a, b] = r.split('-').map(Number);
      return n + (b === undefined ? 1 : b - a + 1);
    }, 0);
  } catch {
    return 1;
  }
};
const NCPUS = possibleCpus();

/**
 * Pin this thread to one CPU (null: every CPU again), so the host's per-CPU LRU
 * lists are the model's `env.cpu`. False where sched_setaffinity is unavailable.
 */
function pinCpu(cpu: number | null): boolean {
  try {
    const koffi = createRequire(import.meta.url)('koffi');
    const libc = koffi.load('libc.so.6');
    const setaff = libc.func('int sched_setaffinity(int pid, unsigned long size, uint8_t *mask)');
    const mask = new Uint8Array(128);
    if (cpu === null) mask.fill(0xff);
    else mask[cpu >> 3] = 1 << (cpu & 7);
    return setaff(0, 128, mask) === 0;
  } catch {
    return false;
  }
}
const pinCpu0 = (): boolean => pinCpu(0);

// ---- a tiny attr encoder (union bpf_attr, include/uapi/linux/bpf.h)
interface Create {
  map_type: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags?: number;
  numa_node?: number;
  map_extra?: bigint;
}

function createAttr(c: Create): BpfMapCreateAttr {
  return {
    map_type: c.map_type,
    key_size: c.key_size,
    value_size: c.value_size,
    max_entries: c.max_entries,
    map_flags: c.map_flags ?? 0,
    inner_map_fd: 0,
    numa_node: c.numa_node ?? 0,
    map_name: new Uint8Array(16),
    map_ifindex: 0,
    btf_fd: 0,
    btf_key_type_id: 0,
    btf_value_type_id: 0,
    btf_vmlinux_value_type_id: 0,
    map_extra: c.map_extra ?? 0n,
    value_type_btf_obj_fd: 0,
    map_token_fd: 0,
  };
}

/** One map on either side, driven by the same calls. */
interface Side {
  update(key: Uint8Array, value: Uint8Array, flags: bigint): number;
  lookup(key: Uint8Array, value: Uint8Array): number;
  del(key: Uint8Array): number;
  next(key: Uint8Array | null, out: Uint8Array): number;
  close(): void;
}

function hostCreate(h: HostBpf, c: Create): (Side & { fd: number }) | number {
  const attr = h.mem.alloc(80);
  const b = new Uint8Array(80);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, c.map_type, true);
  dv.setUint32(4, c.key_size, true);
  dv.setUint32(8, c.value_size, true);
  dv.setUint32(12, c.max_entries, true);
  dv.setUint32(16, c.map_flags ?? 0, true);
  dv.setUint32(24, c.numa_node ?? 0, true);
  dv.setBigUint64(64, c.map_extra ?? 0n, true);
  h.mem.write(attr, b);
  const fd = h.bpf(0, attr, 80);
  if (fd < 0) return fd;
  const valLen = Math.ceil(c.value_size / 8) * 8 * NCPUS + 64;
  const kbuf = h.mem.alloc(Math.max(c.key_size, 8));
  const vbuf = h.mem.alloc(valLen);
  const obuf = h.mem.alloc(Math.max(c.key_size, 8));
  const ea = h.mem.alloc(32);
  const elem = (cmd: number, key: Uint8Array | null, val: bigint, flags: bigint): number => {
    const a = new Uint8Array(32);
    const d = new DataView(a.buffer);
    d.setUint32(0, fd, true);
    if (key) h.mem.write(kbuf, key);
    d.setBigUint64(8, key ? kbuf : 0n, true);
    d.setBigUint64(16, val, true);
    d.setBigUint64(24, flags, true);
    h.mem.write(ea, a);
    return h.bpf(cmd, ea, 32);
  };
  return {
    fd,
    update(key, value, flags) {
      h.mem.write(vbuf, value);
      return elem(2, key, vbuf, flags);
    },
    lookup(key, value) {
      const r = elem(1, key, vbuf, 0n);
      if (r === 0) value.set(h.mem.read(vbuf, value.length));
      return r;
    },
    del: (key) => elem(3, key, 0n, 0n),
    next(key, out) {
      const r = elem(4, key, obuf, 0n);
      if (r === 0) out.set(h.mem.read(obuf, out.length));
      return r;
    },
    close: () => void h.close(fd),
  };
}

let lastModelEnv: ReturnType<typeof createMapEnv> | null = null;

function modelCreate(c: Create, cpus = NCPUS): (Side & { map: BpfMap }) | number {
  const attr = createAttr(c);
  const ops = find_map_ops(attr.map_type);
  if (!ops) return -22;
  const env = createMapEnv(cpus, { get_random_u32: () => 0x12345678 });
  lastModelEnv = env;
  const err = ops.map_alloc_check?.(attr, env) ?? 0;
  if (err) return err;
  const m = ops.map_alloc(attr, env);
  if (typeof m === 'number') return m;
  const map: BpfMap = m;
  const percpu = c.map_type === T.BPF_MAP_TYPE_PERCPU_HASH || c.map_type === T.BPF_MAP_TYPE_LRU_PERCPU_HASH;
  return {
    map,
    // The syscall layer's per-CPU dispatch (bpf_map_update_value) in miniature.
    update: (key, value, flags) => (percpu ? bpf_percpu_hash_update(map, key, value, flags) : map.ops.map_update_elem(map, key, value, flags)),
    lookup(key, value) {
      const v = (map.ops.map_lookup_elem_sys_only ?? map.ops.map_lookup_elem)(map, key);
      if (!v) return -2;
      value.set(v.subarray(0, value.length));
      return 0;
    },
    del: (key) => map.ops.map_delete_elem(map, key),
    next: (key, out) => map.ops.map_get_next_key(map, key, out),
    close: () => map.ops.map_free(map),
  };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Walk get_next_key from the start: the keys in the map's own order. */
function walk(s: Side, key_size: number, limit = 100000): string[] {
  const out: string[] = [];
  let prev: Uint8Array | null = null;
  for (let i = 0; i < limit; i++) {
    const next: Uint8Array = new Uint8Array(key_size);
    if (s.next(prev, next) !== 0) break;
    out.push(hex(next));
    prev = next;
  }
  return out;
}

/** Deterministic xorshift keys. */
function keys(n: number, key_size: number, seed: number): Uint8Array[] {
  let x = seed >>> 0 || 1;
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const k = new Uint8Array(key_size);
    for (let j = 0; j < key_size; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      k[j] = x & 0xff;
    }
    out.push(k);
  }
  return out;
}

function both(c: Create): [Side, Side] | [number, number] {
  const h = hostCreate(host!, c);
  const m = modelCreate(c);
  if (typeof h === 'number' || typeof m === 'number') {
    if (typeof h !== 'number') h.close();
    if (typeof m !== 'number') m.close();
    return [typeof h === 'number' ? h : 0, typeof m === 'number' ? m : 0];
  }
  return [h, m];
}

const report = (what: string, host: unknown, model: unknown): void => {
  if (!hostBpf().host?.strict) console.warn(`maps differential (${what}): host ${JSON.stringify(host)}, model ${JSON.stringify(model)}`);
};

describe.skipIf(!host)('hash maps against the host kernel', () => {
  const strict = !!host?.strict;
  const check = (what: string, got: unknown, want: unknown): void => {
    if (strict) expect(got, what).toEqual(want);
    else if (JSON.stringify(got) !== JSON.stringify(want)) report(what, want, got);
  };

  // [map_type, flags, key_size, value_size, max_entries]
  const creates: [string, Create][] = [
    ['hash with NO_COMMON_LRU is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4, map_flags: 2 }],
    ['lru hash without preallocation is ENOTSUPP', { map_type: T.BPF_MAP_TYPE_LRU_HASH, key_size: 4, value_size: 4, max_entries: 4, map_flags: 1 }],
    ['hash with key_size 0 is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 0, value_size: 4, max_entries: 4 }],
    ['hash with value_size 0 is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 0, max_entries: 4 }],
    ['hash with max_entries 0 is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 0 }],
    ['hash at the kmalloc limit is E2BIG', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: (1 << 22) - 52, max_entries: 1, map_flags: 1 }],
    ['hash just below the kmalloc limit is created', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: (1 << 22) - 53, max_entries: 1, map_flags: 1 }],
    ['percpu hash with a 32 KiB + 1 value is E2BIG', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 32769, max_entries: 1 }],
    ['percpu hash with a NUMA node is EINVAL', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 4, max_entries: 1, map_flags: 4, numa_node: 0 }],
    ['hash with unknown flag MMAPABLE is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4, map_flags: 1024 }],
    ['hash with RDONLY_PROG|WRONLY_PROG is EINVAL', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4, map_flags: 384 }],
    ['lru percpu hash with NO_COMMON_LRU is created', { map_type: T.BPF_MAP_TYPE_LRU_PERCPU_HASH, key_size: 4, value_size: 4, max_entries: 3, map_flags: 2 }],
    ['hash with max_entries 2^31 + 1 is E2BIG', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 2 ** 31 + 1, map_flags: 1 }],
  ];
  it.each(creates)('create: %s', (name, c) => {
    const [h, m] = both(c);
    if (typeof h !== 'number') {
      h.close();
      (m as Side).close();
      check(name, 0, 0);
    } else {
      check(name, m, h);
    }
  });

  // Update flags on a 4-entry map holding key 1: [name, key, flags]
  const flagRows: [string, number, bigint][] = [
    ['BPF_NOEXIST on an existing key', 1, 1n],
    ['BPF_EXIST on a missing key', 2, 2n],
    ['BPF_EXIST on an existing key', 1, 2n],
    ['BPF_ANY on a missing key', 3, 0n],
    ['flags 3', 1, 3n],
    ['BPF_F_LOCK without a spin lock', 1, 4n],
    ['BPF_F_LOCK|BPF_NOEXIST on an existing key', 1, 5n],
  ];
  for (const map_type of [T.BPF_MAP_TYPE_HASH, T.BPF_MAP_TYPE_PERCPU_HASH, T.BPF_MAP_TYPE_LRU_HASH, T.BPF_MAP_TYPE_LRU_PERCPU_HASH]) {
    it.each(flagRows)(`update flags on map type ${map_type}: %s`, (name, key, flags) => {
      const c = { map_type, key_size: 4, value_size: 8, max_entries: 4 };
      const [h, m] = both(c) as [Side, Side];
      const k = (n: number): Uint8Array => new Uint8Array([n, 0, 0, 0]);
      const v = new Uint8Array(8 * NCPUS).fill(1);
      expect(h.update(k(1), v, 0n)).toBe(0);
      expect(m.update(k(1), v, 0n)).toBe(0);
      check(name, m.update(k(key), v, flags), h.update(k(key), v, flags));
      check(name + ' (delete missing)', m.del(k(9)), h.del(k(9)));
      h.close();
      m.close();
    });
  }

  // E2BIG points: [name, create]
  const full: [string, Create][] = [
    ['preallocated hash', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 5 }],
    ['hash without preallocation', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 5, map_flags: 1 }],
    ['preallocated percpu hash', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 5 }],
    ['percpu hash without preallocation', { map_type: T.BPF_MAP_TYPE_PERCPU_HASH, key_size: 4, value_size: 8, max_entries: 5, map_flags: 1 }],
    ['hash of 1 entry', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 8, value_size: 4, max_entries: 1 }],
    // max_entries / 2 > 32 * online CPUs: the kernel counts with a per-CPU counter (use_percpu_counter)
    ['hash without preallocation counting per CPU', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 300, map_flags: 1 }],
    ['preallocated hash of 300', { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 300 }],
  ];
  it.each(full)('a full %s answers E2BIG at the same update', (name, c) => {
    const [h, m] = both(c) as [Side, Side];
    const ks = keys(c.max_entries + 3, c.key_size, 7);
    const v = new Uint8Array(8 * NCPUS).fill(2);
    const run = (s: Side): number[] => {
      const r: number[] = [];
      for (const k of ks) r.push(s.update(k, v, 0n));
      r.push(s.update(ks[0], v, 0n)); // replacing in a full map
      r.push(s.update(ks[0], v, 2n));
      r.push(s.del(ks[1]));
      r.push(s.update(ks[c.max_entries + 2], v, 1n)); // room again
      r.push(s.update(ks[c.max_entries + 1], v, 0n));
      return r;
    };
    check(name, run(m), run(h));
    h.close();
    m.close();
  });

  // get_next_key order: [map_type, max_entries, key_size, flags]
  const orders: [number, number, number, number][] = [
    [T.BPF_MAP_TYPE_HASH, 1, 4, 0],
    [T.BPF_MAP_TYPE_HASH, 4, 4, 0],
    [T.BPF_MAP_TYPE_HASH, 7, 5, 0],
    [T.BPF_MAP_TYPE_HASH, 16, 8, 1],
    [T.BPF_MAP_TYPE_HASH, 100, 12, 0],
    [T.BPF_MAP_TYPE_HASH, 64, 13, 1],
    [T.BPF_MAP_TYPE_HASH, 1000, 16, 0],
    [T.BPF_MAP_TYPE_PERCPU_HASH, 33, 4, 0],
    [T.BPF_MAP_TYPE_LRU_HASH, 50, 6, 0],
  ];
  it.each(orders)('get_next_key order with BPF_F_ZERO_SEED: type %i, %i entries, key_size %i, flags %i', (map_type, max_entries, key_size, flags) => {
    const c = { map_type, key_size, value_size: 8, max_entries, map_flags: flags | 64 };
    const [h, m] = both(c) as [Side, Side];
    const ks = keys(max_entries, key_size, max_entries * 31 + key_size);
    const v = new Uint8Array(8 * NCPUS);
    const trace: [number, number][] = [];
    ks.forEach((k) => trace.push([h.update(k, v, 0n), m.update(k, v, 0n)]));
    // delete every third, replace every fifth (a replaced key moves to its bucket's head)
    ks.forEach((k, i) => {
      if (i % 3 === 0) trace.push([h.del(k), m.del(k)]);
      else if (i % 5 === 0) trace.push([h.update(k, v, 2n), m.update(k, v, 2n)]);
    });
    check('op results', trace.map((t) => t[1]), trace.map((t) => t[0]));
    check('key order', walk(m, key_size), walk(h, key_size));
    // a missing key restarts from the first bucket
    const first = new Uint8Array(key_size);
    const missing = new Uint8Array(key_size).fill(0xee);
    const hr = h.next(missing, first);
    const hf = hex(first);
    const mr = m.next(missing, first);
    check('missing key restarts', [mr, hex(first)], [hr, hf]);
    h.close();
    m.close();
  });

  // Pinning happens inside each test: skipIf's probe only asks whether it is possible.
  const canPin = pinCpu(null);

  it.skipIf(!canPin)('LRU eviction victims match on CPU 0 (common and per-CPU LRU)', () => {
    expect(pinCpu0()).toBe(true);
    for (const [map_type, flags, max_entries] of [
      [T.BPF_MAP_TYPE_LRU_HASH, 0, 8],
      [T.BPF_MAP_TYPE_LRU_HASH, 0, 300],
      [T.BPF_MAP_TYPE_LRU_HASH, 2, 8],
      [T.BPF_MAP_TYPE_LRU_HASH, 2, 64],
      [T.BPF_MAP_TYPE_LRU_PERCPU_HASH, 0, 16],
      [T.BPF_MAP_TYPE_LRU_PERCPU_HASH, 2, 10],
    ]) {
      const c = { map_type, key_size: 4, value_size: 8, max_entries, map_flags: flags | 64 };
      const [h, m] = both(c) as [Side, Side];
      const n = max_entries * 3;
      const ks = keys(n, 4, max_entries + flags);
      const v = new Uint8Array(8 * NCPUS);
      const results: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        results.push([h.update(ks[i], v, 0n), m.update(ks[i], v, 0n)]);
        // re-update an older key now and then: the new node is marked referenced
        if (i % 4 === 3) results.push([h.update(ks[i - 2], v, 0n), m.update(ks[i - 2], v, 0n)]);
        if (i % 7 === 6) results.push([h.del(ks[i - 1]), m.del(ks[i - 1])]);
        if (i % 11 === 10) results.push([h.update(ks[i - 5], v, 2n), m.update(ks[i - 5], v, 2n)]);
      }
      const label = `type ${map_type} flags ${flags} max ${max_entries}`;
      check(label + ' results', results.map((r) => r[1]), results.map((r) => r[0]));
      check(label + ' survivors', walk(m, 4), walk(h, 4));
      h.close();
      m.close();
    }
    pinCpu(null);
  });

  it.skipIf(NCPUS < 2 || !canPin)('common LRU across two CPUs: local lists, refills and steals match', () => {
    for (const [map_type, flags, max_entries] of [
      [T.BPF_MAP_TYPE_LRU_HASH, 0, 16],
      [T.BPF_MAP_TYPE_LRU_HASH, 0, 200],
      [T.BPF_MAP_TYPE_LRU_HASH, 2, 16],
      [T.BPF_MAP_TYPE_LRU_PERCPU_HASH, 0, 24],
    ]) {
      const c = { map_type, key_size: 4, value_size: 8, max_entries, map_flags: flags | 64 };
      const [h, m] = both(c) as [Side, Side];
      const env = lastModelEnv!;
      const n = max_entries * 4;
      const ks = keys(n, 4, 3 * max_entries + flags);
      const v = new Uint8Array(8 * NCPUS);
      const results: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        // bursts on one CPU, then the other: nodes wait on one CPU's pending list while the other refills or steals
        const cpu = Math.floor(i / 5) % 2;
        expect(pinCpu(cpu)).toBe(true);
        env.cpu = cpu;
        results.push([h.update(ks[i], v, 0n), m.update(ks[i], v, 0n)]);
        if (i % 6 === 5) results.push([h.update(ks[i - 3], v, 0n), m.update(ks[i - 3], v, 0n)]);
        if (i % 9 === 8) results.push([h.del(ks[i - 2]), m.del(ks[i - 2])]);
      }
      pinCpu(null);
      const label = `two CPUs: type ${map_type} flags ${flags} max ${max_entries}`;
      check(label + ' results', results.map((r) => r[1]), results.map((r) => r[0]));
      check(label + ' survivors', walk(m, 4), walk(h, 4));
      h.close();
      m.close();
    }
  });

  it.skipIf(!canPin)('LRU: keys a program looked up get their second chance as on the host', () => {
    expect(pinCpu0()).toBe(true);
    const hh = host!;
    /** A socket filter that looks `key` up in the map (a program lookup sets the LRU ref bit). */
    const lookupProg = (fd: number, key: number): number => {
      const insns = encodeInsns([
        BPF_ST_MEM(BPF_W, BPF_REG_10, -4, key),
        BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
        BPF_LD_MAP_FD(BPF_REG_1, fd),
        BPF_EMIT_CALL(bpf_func_id.BPF_FUNC_map_lookup_elem),
        BPF_MOV64_IMM(BPF_REG_0, 0),
        BPF_EXIT_INSN(),
      ]);
      const { fd: pfd, log } = hostLoad(hh, bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER, insns, { log_level: 1 });
      expect(pfd, log).toBeGreaterThan(0);
      return pfd;
    };
    for (const [map_type, flags, max_entries] of [
      [T.BPF_MAP_TYPE_LRU_HASH, 0, 8],
      [T.BPF_MAP_TYPE_LRU_HASH, 0, 40],
      [T.BPF_MAP_TYPE_LRU_HASH, 2, 16],
      [T.BPF_MAP_TYPE_LRU_PERCPU_HASH, 0, 12],
    ]) {
      const c = { map_type, key_size: 4, value_size: 8, max_entries, map_flags: flags };
      const [h, m] = both(c) as [Side & { fd: number }, Side & { map: BpfMap }];
      const progs = new Map<number, number>();
      const v = new Uint8Array(8 * NCPUS);
      const k = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);
      const results: [number, number][] = [];
      for (let i = 0; i < max_entries * 4; i++) {
        results.push([h.update(k(i), v, 0n), m.update(k(i), v, 0n)]);
        // a program touches an older key every third step
        if (i % 3 === 2) {
          const key = i - 1 - (i % 4);
          let pfd = progs.get(key);
          if (pfd === undefined) progs.set(key, (pfd = lookupProg(h.fd, key)));
          const run = hostTestRun(hh, pfd, { data_in: new Uint8Array(64) });
          expect(run.ret).toBe(0);
          m.map.ops.map_lookup_elem(m.map, k(key));
        }
      }
      for (const pfd of progs.values()) hh.close(pfd);
      const label = `program lookups: type ${map_type} flags ${flags} max ${max_entries}`;
      check(label + ' results', results.map((r) => r[1]), results.map((r) => r[0]));
      check(label + ' survivors', walk(m, 4).sort(), walk(h, 4).sort());
      h.close();
      m.close();
    }
    pinCpu(null);
  });

  it('BPF_MAP_LOOKUP_BATCH and LOOKUP_AND_DELETE_ELEM on a hash answer as the host', () => {
    const c = { map_type: T.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 8, max_entries: 64, map_flags: 64 };
    const [h, m] = both(c) as [Side, Side];
    const hh = host!;
    const fd = (h as Side & { fd?: number }).fd!;
    const ks = keys(40, 4, 99);
    ks.forEach((k, i) => {
      h.update(k, new Uint8Array(8).fill(i), 0n);
      m.update(k, new Uint8Array(8).fill(i), 0n);
    });
    const model = (m as Side & { map: BpfMap }).map;
    for (const count of [1, 3, 7, 64]) {
      // host: walk with in_batch/out_batch until ENOENT
      const hostSeen: string[] = [];
      const hostRets: number[] = [];
      const keysBuf = hh.mem.alloc(4 * count);
      const valsBuf = hh.mem.alloc(8 * count);
      const inB = hh.mem.alloc(4);
      const outB = hh.mem.alloc(4);
      const attr = hh.mem.alloc(56);
      let first = true;
      for (let guard = 0; guard < 200; guard++) {
        const a = new Uint8Array(56);
        const d = new DataView(a.buffer);
        d.setBigUint64(0, first ? 0n : inB, true);
        d.setBigUint64(8, outB, true);
        d.setBigUint64(16, keysBuf, true);
        d.setBigUint64(24, valsBuf, true);
        d.setUint32(32, count, true);
        d.setUint32(36, fd, true);
        hh.mem.write(attr, a);
        const r = hh.bpf(24, attr, 56);
        const got = new DataView(hh.mem.read(attr, 56).buffer).getUint32(32, true);
        hostRets.push(r, got);
        const kb = hh.mem.read(keysBuf, 4 * count);
        for (let j = 0; j < got; j++) hostSeen.push(hex(kb.subarray(j * 4, j * 4 + 4)));
        if (r !== 0) break;
        hh.mem.write(inB, hh.mem.read(outB, 4));
        first = false;
      }
      // model: the same walk through htab_map_lookup_batch
      const modelSeen: string[] = [];
      const modelRets: number[] = [];
      let in_batch: number | null = null;
      for (let guard = 0; guard < 200; guard++) {
        const r = htab_map_lookup_batch(model, in_batch, count, 0n, 0n);
        modelRets.push(r.ret, r.total);
        for (let j = 0; j < r.total; j++) modelSeen.push(hex(r.keys.subarray(j * 4, j * 4 + 4)));
        if (r.ret !== 0) break;
        in_batch = r.out_batch;
      }
      check(`batch count ${count} returns`, modelRets, hostRets);
      check(`batch count ${count} keys`, modelSeen, hostSeen);
    }
    // lookup-and-delete of a key: value out, then gone; a missing key is ENOENT; BPF_F_LOCK is EINVAL
    const lad = (cmdSide: 'h' | 'm', key: Uint8Array, flags: bigint): [number, string] => {
      const out = new Uint8Array(8);
      if (cmdSide === 'm') return [model.ops.map_lookup_and_delete_elem!(model, key, out, flags), hex(out)];
      const k = hh.mem.alloc(4);
      hh.mem.write(k, key);
      const vb = hh.mem.alloc(8);
      const a = new Uint8Array(32);
      const d = new DataView(a.buffer);
      d.setUint32(0, fd, true);
      d.setBigUint64(8, k, true);
      d.setBigUint64(16, vb, true);
      d.setBigUint64(24, flags, true);
      const at = hh.mem.alloc(32);
      hh.mem.write(at, a);
      const r = hh.bpf(21, at, 32);
      return [r, hex(hh.mem.read(vb, 8))];
    };
    for (const [key, flags] of [[ks[3], 0n], [ks[3], 0n], [ks[4], 4n]] as [Uint8Array, bigint][]) {
      check('lookup_and_delete', lad('m', key, flags), lad('h', key, flags));
    }
    check('walk after', walk(m, 4), walk(h, 4));
    h.close();
    m.close();
  });
});

if (!host) it.skip(skipReason(), () => {});
