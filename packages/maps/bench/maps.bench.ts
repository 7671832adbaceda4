/**
 * Throughput of the map operations a program's helpers call most. Run with
 * `npm run bench -w @bpf-internals/maps` (or `npm run bench` at the root).
 * Numbers are ops per second of this model, not of the kernel.
 */
import { bpf_map_type as T } from '@bpf-internals/uapi';
import { bpf_ringbuf_output, createMapEnv, find_map_ops, jhash2, mapCreateAttr, ring_buffer__consume, type BpfMap, type BpfMapCreateAttr } from '../src/index.js';

function create(a: Partial<BpfMapCreateAttr>): BpfMap {
  const at = mapCreateAttr(a);
  const m = find_map_ops(at.map_type)!.map_alloc(at, createMapEnv(2, { get_random_u32: () => 42 }));
  if (typeof m === 'number') throw new Error(`create: ${m}`);
  return m;
}

function bench(name: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 10000); i++) fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const dt = performance.now() - t0;
  console.log(`${name.padEnd(44)} ${((n / dt) * 1000).toFixed(0).padStart(12)} ops/s  (${n} ops, ${dt.toFixed(1)} ms)`);
}

const key = new Uint8Array(4);
const kv = new DataView(key.buffer);
const val = new Uint8Array(16);

const arr = create({ map_type: T.BPF_MAP_TYPE_ARRAY, value_size: 16, max_entries: 1024 });
bench('array lookup', 2_000_000, (i) => {
  kv.setUint32(0, i & 1023, true);
  arr.ops.map_lookup_elem(arr, key);
});

const h = create({ map_type: T.BPF_MAP_TYPE_HASH, value_size: 16, max_entries: 65536 });
bench('hash update (BPF_ANY, 64K keys)', 1_000_000, (i) => {
  kv.setUint32(0, i & 65535, true);
  h.ops.map_update_elem(h, key, val, 0n);
});
bench('hash lookup (64K keys)', 2_000_000, (i) => {
  kv.setUint32(0, i & 65535, true);
  h.ops.map_lookup_elem(h, key);
});
const nk = new Uint8Array(4);
bench('hash get_next_key walk step', 1_000_000, (i) => {
  kv.setUint32(0, i & 65535, true);
  h.ops.map_get_next_key(h, key, nk);
});

const lru = create({ map_type: T.BPF_MAP_TYPE_LRU_HASH, value_size: 16, max_entries: 4096 });
bench('lru hash update with eviction (4K entries)', 1_000_000, (i) => {
  kv.setUint32(0, i, true);
  lru.ops.map_update_elem(lru, key, val, 0n);
});

const k16 = new Uint8Array(16);
bench('jhash2 of a 16-byte key', 5_000_000, (i) => {
  k16[0] = i;
  jhash2(k16, 4, 0);
});

const rb = create({ map_type: T.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 1 << 16 });
const rec = new Uint8Array(24);
bench('ringbuf output + consume (24-byte records)', 1_000_000, (i) => {
  bpf_ringbuf_output(rb, rec, 24, 0n);
  if ((i & 255) === 255) ring_buffer__consume(rb, () => 0);
});
