/**
 * Differential fuzz: the same random sequences of map and object commands run
 * on the model and on the host kernel, and every answer (fd symbolically,
 * errno) and the bytes written back into the value/key buffers must agree.
 *
 * The attrs are built from symbolic parts so they mean the same on both sides:
 * fds are named (map A, map B, /dev/null, the n-th fd the run opened, a closed
 * fd), pointers name a buffer and an offset, paths name the bpffs of that side.
 * Kept out, because they legitimately differ: ids (global on the host), the LRU
 * map types (the host's per-CPU LRU lists depend on which CPU the test runs
 * on), map types the model does not implement, the info struct's bytes, reads
 * past a buffer (the host's heap goes on where the model has a guard page),
 * allocations beyond the model's 64 MiB, and network devices other than lo.
 * Hash maps always get BPF_F_ZERO_SEED so their iteration order is the kernel's.
 * Strict on 6.18; skips with one line without a usable host bpf().
 */
import fc from 'fast-check';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { find_map_ops } from '@bpf-internals/maps';
import { createKernel } from '@bpf-internals/syscall';
import { bpf_cmd as C } from '@bpf-internals/uapi';
import { hostBpf, skipReason, type BpfProcess, type HostBpf } from './host/bpf.js';

const { host } = hostBpf();

type Sym = 'A' | 'B' | 'N' | 'bad' | 'new0' | 'new1' | 'new2';
type Val = { k: 'lit'; v: bigint } | { k: 'fd'; s: Sym } | { k: 'buf'; i: number; off: number };
type Field = [off: number, width: 4 | 8, val: Val];
interface Call {
  cmd: number;
  fields: Field[];
}

const lit = (v: number | bigint): Val => ({ k: 'lit', v: BigInt(v) });
const fd = (s: Sym): Val => ({ k: 'fd', s });
const buf = (i: number, off = 0): Val => ({ k: 'buf', i, off });

/** Templates per command: offsets of union bpf_attr (v6.18), with symbolic values. */
const templates: Record<number, Field[][]> = {
  [C.BPF_MAP_CREATE]: [
    [[0, 4, lit(2)], [4, 4, lit(4)], [8, 4, lit(8)], [12, 4, lit(4)]],
    [[0, 4, lit(1)], [4, 4, lit(4)], [8, 4, lit(4)], [12, 4, lit(2)], [16, 4, lit(1)]],
    [[0, 4, lit(6)], [4, 4, lit(4)], [8, 4, lit(4)], [12, 4, lit(2)]],
    [[0, 4, lit(22)], [4, 4, lit(0)], [8, 4, lit(4)], [12, 4, lit(2)]],
  ],
  [C.BPF_MAP_LOOKUP_ELEM]: [[[0, 4, fd('A')], [8, 8, buf(0)], [16, 8, buf(1)]], [[0, 4, fd('B')], [8, 8, buf(0)], [16, 8, buf(1)]]],
  [C.BPF_MAP_UPDATE_ELEM]: [[[0, 4, fd('A')], [8, 8, buf(0)], [16, 8, buf(1)]], [[0, 4, fd('B')], [8, 8, buf(0)], [16, 8, buf(1)], [24, 8, lit(1)]]],
  [C.BPF_MAP_DELETE_ELEM]: [[[0, 4, fd('B')], [8, 8, buf(0)]]],
  [C.BPF_MAP_GET_NEXT_KEY]: [[[0, 4, fd('B')], [8, 8, lit(0)], [16, 8, buf(1)]], [[0, 4, fd('A')], [8, 8, buf(0)], [16, 8, buf(1)]]],
  [C.BPF_MAP_LOOKUP_AND_DELETE_ELEM]: [[[0, 4, fd('B')], [8, 8, buf(0)], [16, 8, buf(1)]]],
  [C.BPF_MAP_FREEZE]: [[[0, 4, fd('new0')]]],
  [C.BPF_OBJ_PIN]: [[[0, 8, buf(2)], [8, 4, fd('new0')]]],
  [C.BPF_OBJ_GET]: [[[0, 8, buf(3)]], [[0, 8, buf(2)], [12, 4, lit(8)]]],
  [C.BPF_OBJ_GET_INFO_BY_FD]: [[[0, 4, fd('A')], [4, 4, lit(104)], [8, 8, buf(3, 512)]]],
  [C.BPF_MAP_LOOKUP_BATCH]: [[[0, 8, lit(0)], [8, 8, buf(3, 1024)], [16, 8, buf(0, 512)], [24, 8, buf(1, 512)], [32, 4, lit(4)], [36, 4, fd('B')]]],
  [C.BPF_MAP_UPDATE_BATCH]: [[[16, 8, buf(0)], [24, 8, buf(1)], [32, 4, lit(3)], [36, 4, fd('B')]]],
  [C.BPF_MAP_DELETE_BATCH]: [[[16, 8, buf(0)], [32, 4, lit(2)], [36, 4, fd('B')]]],
  [C.BPF_MAP_LOOKUP_AND_DELETE_BATCH]: [[[8, 8, buf(3, 1024)], [16, 8, buf(0, 512)], [24, 8, buf(1, 512)], [32, 4, lit(8)], [36, 4, fd('new0')]]],
};
const END: Record<number, number> = { 0: 92, 1: 32, 2: 32, 3: 16, 4: 24, 21: 32, 22: 4, 6: 20, 7: 20, 15: 16, 24: 56, 25: 56, 26: 56, 27: 56 };
const cmds = Object.keys(templates).map(Number);

const valArb: fc.Arbitrary<Val> = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 8, 16, 22, 23, 27, 64, 4096, 0xffffffff, 1 << 14).map(lit),
  fc.constantFrom<Sym>('A', 'B', 'N', 'bad', 'new0', 'new1', 'new2').map(fd),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 4, 8, 256)).map(([i, off]) => buf(i, off)),
);
const callArb: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...cmds), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.boolean(), valArb), { maxLength: 3 }))
  .map(([cmd, which, muts]) => {
    const t = templates[cmd]!;
    const fields = [...t[which % t.length]!];
    for (const [pos, wide, v] of muts) {
      const w = wide && END[cmd]! >= 8 ? 8 : 4;
      const off = (pos % Math.floor(END[cmd]! / w)) * w;
      fields.push([off, w, v]);
    }
    return { cmd, fields };
  });

/** Offsets of fd fields per command: a literal there is turned into a closed fd on both sides. */
const FD_OFFSETS: Record<number, number[]> = { 0: [20, 48, 72, 76], 1: [0], 2: [0], 3: [0], 4: [0], 21: [0], 22: [0], 6: [8, 16], 7: [8, 16], 15: [0], 24: [36], 25: [36], 26: [36], 27: [36] };
/** Offsets of pointer fields per command: a buffer address anywhere else would differ by side. */
const PTR_OFFSETS: Record<number, number[]> = { 0: [80], 1: [8, 16], 2: [8, 16], 3: [8], 4: [8, 16], 21: [8, 16], 6: [0], 7: [0], 15: [8], 24: [0, 8, 16, 24], 25: [0, 8, 16, 24], 26: [0, 8, 16, 24], 27: [0, 8, 16, 24] };
const HASH_TYPES = new Set([1, 5, 13]);
const LRU_TYPES = new Set([9, 10]);
const FD_MAP_TYPES = new Set([3, 4, 8, 12, 13]);

/** Run a sequence on one side: the answers and the bytes written back. */
function run(proc: BpfProcess, bpffs: string, calls: Call[]): string[] {
  const put = (b: Uint8Array) => {
    const a = proc.mem.alloc(b.length);
    proc.mem.write(a, b);
    return a;
  };
  const str = (s: string) => new TextEncoder().encode(s + '\0');
  /** The 168 attr bytes, later fields overwriting earlier ones at the same offset. */
  const attrOf = (fields: [number, 4 | 8, bigint][]) => {
    const b = new Uint8Array(168);
    const dv = new DataView(b.buffer);
    for (const [o, w, v] of fields) {
      if (w === 4) dv.setUint32(o, Number(BigInt.asUintN(32, v)), true);
      else dv.setBigUint64(o, BigInt.asUintN(64, v), true);
    }
    return b;
  };
  const A = proc.bpf(C.BPF_MAP_CREATE, put(attrOf([[0, 4, 2n], [4, 4, 4n], [8, 4, 8n], [12, 4, 4n]])), 168);
  const B = proc.bpf(C.BPF_MAP_CREATE, put(attrOf([[0, 4, 1n], [4, 4, 4n], [8, 4, 4n], [12, 4, 8n], [16, 4, 0x40n]])), 168);
  const N = proc.open('/dev/null');
  // Buffers 0-3 for keys, values, paths and outputs; 4 (8 KiB, zero) for info structs.
  const bufs = [4096, 4096, 4096, 4096, 8192].map((n) => proc.mem.alloc(n));
  // Distinct u32 keys 1, 2, 3, ... in buffers 0-3 (2 and 3 then start with the paths): a batch with a huge count stops at E2BIG or
  // ENOENT long before it would read past the buffer (where the host's heap, unlike the model's
  // guard page, does not fault).
  const seq = new Uint8Array(4096);
  for (let i = 0; i < 1024; i++) new DataView(seq.buffer).setUint32(i * 4, i + 1, true);
  for (const b of bufs.slice(0, 4)) proc.mem.write(b, seq);
  proc.mem.write(bufs[2]!, str(`${bpffs}/q`));
  proc.mem.write(bufs[3]!, str(`${bpffs}/p`));
  proc.bpf(C.BPF_OBJ_PIN, put(attrOf([[0, 8, bufs[3]!], [8, 4, BigInt(A)]])), 168);
  const opened: number[] = [];
  const symOf: Record<Sym, () => number> = {
    A: () => A,
    B: () => B,
    N: () => N,
    bad: () => 999_999,
    new0: () => opened[0] ?? 999_998,
    new1: () => opened[1] ?? 999_998,
    new2: () => opened[2] ?? 999_998,
  };
  const name = (r: number) => {
    const i = opened.indexOf(r);
    return i >= 0 ? `new${i}` : r === A ? 'A' : r === B ? 'B' : String(r);
  };
  const obs: string[] = [];
  for (const call of calls) {
    const fdOffs = FD_OFFSETS[call.cmd] ?? [];
    const isPath = (o: number) => (call.cmd === C.BPF_OBJ_PIN || call.cmd === C.BPF_OBJ_GET) && o === 0;
    const value = (o: number, v: Val): bigint => {
      // An fd number or an address in any other field would be a different number on each side.
      if (v.k === 'fd') return fdOffs.includes(o) ? BigInt(symOf[v.s]()) : 5n;
      if (v.k === 'buf') {
        if (!(PTR_OFFSETS[call.cmd] ?? []).includes(o)) return 0n;
        // Buffers 2 and 3 start with this side's bpffs paths: only path fields may read them there.
        const off = v.i >= 2 && !isPath(o) && v.off < 256 ? v.off + 256 : v.off;
        // The info struct carries the map id, which differs by side: it goes where no input is read.
        if (call.cmd === C.BPF_OBJ_GET_INFO_BY_FD) return bufs[4]!;
        return bufs[v.i]! + BigInt(off);
      }
      // A small literal in an fd field would name a different file on each side.
      if (fdOffs.includes(o) && v.v >= 3n && v.v < 1_000_000n) return 999_999n;
      return v.v;
    };
    const fields: [number, 4 | 8, bigint][] = call.fields.map(([o, w, v]) => [o, w, value(o, v)]);
    const attr = attrOf(fields);
    if (call.cmd === C.BPF_MAP_CREATE) {
      // Same rewrite on both sides: no LRU, fd-map or unmodelled types; hashes get BPF_F_ZERO_SEED.
      const dv = new DataView(attr.buffer);
      const t = dv.getUint32(0, true);
      let nt = t;
      if (LRU_TYPES.has(t) || FD_MAP_TYPES.has(t) || (t > 0 && t < 34 && !find_map_ops(t))) nt = 1;
      dv.setUint32(0, nt, true);
      if (HASH_TYPES.has(nt)) dv.setUint32(16, dv.getUint32(16, true) | 0x40, true);
      // Machine-dependent: how much a huge map may allocate (the model stops at 64 MiB), and
      // which network devices exist (the model has only the loopback, ifindex 1).
      if (dv.getUint32(12, true) > 1 << 16) dv.setUint32(12, 1 << 16, true);
      if (dv.getUint32(44, true) > 1) dv.setUint32(44, 999, true);
    }
    proc.mem.write(bufs[1]!, new Uint8Array(64));
    const r = proc.bpf(call.cmd, put(attr), 168);
    const isNewFd = r >= 0 && (call.cmd === C.BPF_MAP_CREATE || call.cmd === C.BPF_OBJ_GET);
    if (isNewFd) opened.push(r);
    let line = `${call.cmd} -> ${r < 0 ? r : isNewFd ? name(r) : r}`;
    if (call.cmd !== C.BPF_OBJ_GET_INFO_BY_FD) line += ` ${Array.from(proc.mem.read(bufs[1]!, 64), (x) => x.toString(16).padStart(2, '0')).join('')}`;
    obs.push(line);
  }
  for (const f of [A, B, N, ...opened]) if (f >= 0) proc.close(f);
  return obs;
}

describe.skipIf(!host)('differential fuzz: map and object command sequences, model vs host', () => {
  // One bpffs for the whole property, emptied after every run (a mount per run is slow).
  let mount: { path: string; unmount(): void };
  beforeAll(() => {
    mount = (host as HostBpf).mountBpffs();
  });
  afterAll(() => mount.unmount());
  it('random sequences answer the same on both sides', () => {
    const h = host as HostBpf;
    fc.assert(
      fc.property(fc.array(callArb, { minLength: 1, maxLength: 10 }), (calls) => {
        const model = run(createKernel().spawn(), '/sys/fs/bpf', calls);
        let real: string[];
        try {
          real = run(h, mount.path, calls);
        } finally {
          // maps.debug and progs.debug are the host's preloaded iterators (CONFIG_BPF_PRELOAD); they stay.
          for (const n of readdirSync(mount.path)) if (!n.endsWith('.debug')) rmSync(join(mount.path, n), { recursive: true });
        }
        if (h.strict) expect(model).toEqual(real);
      }),
      { numRuns: 400, seed: 0x5eed },
    );
  });
});

if (!host) it.skip(skipReason(), () => {});
