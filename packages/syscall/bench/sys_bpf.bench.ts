/**
 * Throughput of whole bpf() calls through the model: attr copy-in, CHECK_ATTR,
 * fd lookup, key/value copies, the map op, copy-out. Run with
 * `npm run bench -w @bpf-internals/syscall` (or `npm run bench` at the root).
 * Numbers are calls per second of this model, not of the kernel.
 */
import { bpf_cmd, encodeAttr } from '@bpf-internals/uapi';
import { createKernel } from '../src/index.js';

function bench(name: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 10000); i++) fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const dt = performance.now() - t0;
  console.log(`${name.padEnd(48)} ${((n / dt) * 1000).toFixed(0).padStart(12)} calls/s  (${n} calls, ${dt.toFixed(1)} ms)`);
}

const kernel = createKernel();
const proc = kernel.spawn();
const put = (b: Uint8Array): bigint => {
  const a = proc.mem.alloc(b.length);
  proc.mem.write(a, b);
  return a;
};

const hashFd = proc.bpf(bpf_cmd.BPF_MAP_CREATE, put(encodeAttr('BPF_MAP_CREATE', { map_type: 1, key_size: 4, value_size: 16, max_entries: 65536 })), 168);
const arrFd = proc.bpf(bpf_cmd.BPF_MAP_CREATE, put(encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 16, max_entries: 1024 })), 168);
const key = proc.mem.alloc(4);
const value = proc.mem.alloc(16);
const keyView = proc.mem.view(key, 4)!;
const kv = new DataView(keyView.buffer, keyView.byteOffset, 4);
const upd = put(encodeAttr('BPF_MAP_UPDATE_ELEM', { map_fd: hashFd, key, value }));
const look = put(encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: hashFd, key, value }));
const lookArr = put(encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: arrFd, key, value }));
const bad = put(new Uint8Array(168).fill(1));

bench('bpf(MAP_UPDATE_ELEM) hash, 64K keys', 300_000, (i) => {
  kv.setUint32(0, i & 65535, true);
  proc.bpf(bpf_cmd.BPF_MAP_UPDATE_ELEM, upd, 168);
});
bench('bpf(MAP_LOOKUP_ELEM) hash, 64K keys', 300_000, (i) => {
  kv.setUint32(0, i & 65535, true);
  proc.bpf(bpf_cmd.BPF_MAP_LOOKUP_ELEM, look, 168);
});
bench('bpf(MAP_LOOKUP_ELEM) array', 300_000, (i) => {
  kv.setUint32(0, i & 1023, true);
  proc.bpf(bpf_cmd.BPF_MAP_LOOKUP_ELEM, lookArr, 168);
});
bench('bpf() refused by CHECK_ATTR (EINVAL)', 300_000, () => {
  proc.bpf(bpf_cmd.BPF_MAP_LOOKUP_ELEM, bad, 168);
});
const createAttr = put(encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 8, max_entries: 16 }));
bench('bpf(MAP_CREATE) + close, array of 16', 50_000, () => {
  proc.close(proc.bpf(bpf_cmd.BPF_MAP_CREATE, createAttr, 168));
});
