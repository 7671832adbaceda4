/**
 * `npm run bench` for @bpf-internals/core: ns per executed instruction of the interpreter (the
 * switch interpreter and its compiled tier), and of the host kernel running the same programs (BPF_PROG_TEST_RUN with `repeat`, its
 * JIT when net.core.bpf_jit_enable is 1), in the same run, as a ratio.
 *
 * Executed instructions are counted exactly by the interpreter (env.insns); the kernel runs
 * the same program on the same input, so the same count applies to its duration.
 * Node-only (the host adapter); never part of the test suite.
 */
import { bpf_map_type, bpf_prog_type, encodeInsns, type BpfInsn } from '@bpf-internals/uapi';
import { createMapEnv, find_map_ops, mapCreateAttr, type BpfMap } from '@bpf-internals/maps';
import {
  bpf_asm,
  bpf_prog_alloc,
  bpf_prog_select_runtime,
  bpf_prog_test_run,
  convert_pseudo_ld_imm64,
  createRunEnv,
  resolve_pseudo_ldimm64,
  testRunAttr,
  type BpfRunEnv,
} from '../src/index.js';
import { MAX_COMPILED_INSNS } from '../src/interp_js.js';
import { hostBpf } from '../../../test/host/bpf.js';
import { hostLoad, hostTestRun } from '../../../test/core-host.js';

interface Bench {
  name: string;
  type: number;
  src: string | (() => BpfInsn[]);
  data: Uint8Array;
  /** Runs per measurement for the model and for the kernel. */
  repeat: number;
  kernelRepeat: number;
  map?: boolean;
  loop: boolean;
}

const pkt = (len: number) => {
  const p = new Uint8Array(len);
  for (let i = 0; i < len; i++) p[i] = (i * 131 + 7) & 0xff;
  p.set([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6], 0);
  return p;
};

function straightLine(n: number): BpfInsn[] {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const lines = ['r0 = 1', 'r1 = 2', 'r2 = 3', 'r3 = 4', 'r4 = 5', 'r5 = 6'];
  const ops = ['+=', '-=', '*=', '|=', '&=', '^=', '<<=', '>>=', 's>>='];
  while (lines.length < n - 1) {
    const d = Math.floor(rnd() * 6);
    const op = ops[Math.floor(rnd() * ops.length)]!;
    const w = rnd() < 0.3 ? 'w' : 'r';
    if (op.includes('>') || op.includes('<')) lines.push(`${w}${d} ${op} ${Math.floor(rnd() * (w === 'w' ? 32 : 64))}`);
    else if (rnd() < 0.5) lines.push(`${w}${d} ${op} ${w}${Math.floor(rnd() * 6)}`);
    else lines.push(`${w}${d} ${op} ${Math.floor(rnd() * 2000) - 1000}`);
  }
  lines.push('exit');
  return bpf_asm(lines.join('\n'));
}

const BENCHES: Bench[] = [
  {
    name: 'tight ALU64 loop',
    type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
    src: `r0 = 0
      r1 = 20000
      r2 = 0x12345
      r0 += r1
      r0 ^= r2
      r2 += 7
      r0 <<= 1
      r0 >>= 1
      r1 -= 1
      if r1 != 0x0 goto pc-7
      exit`,
    data: pkt(64),
    repeat: 100,
    kernelRepeat: 200,
    loop: true,
  },
  {
    name: 'packet checksum loop',
    type: bpf_prog_type.BPF_PROG_TYPE_XDP,
    src: `r2 = *(u32 *)(r1 +0)
      r3 = *(u32 *)(r1 +4)
      r0 = 0
      r4 = 0
      r5 = r2
      r5 += r4
      r6 = r5
      r6 += 2
      if r6 > r3 goto pc+4
      r7 = *(u16 *)(r5 +0)
      r0 += r7
      r4 += 2
      if r4 < 0x5dc goto pc-9
      r1 = r0
      r1 >>= 16
      r0 &= 0xffff
      r0 += r1
      exit`,
    data: pkt(1500),
    repeat: 1000,
    kernelRepeat: 5000,
    loop: true,
  },
  {
    name: 'branchy header parsing',
    type: bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS,
    src: `r2 = *(u32 *)(r1 +76)
      r3 = *(u32 *)(r1 +80)
      r0 = 0
      r4 = r2
      r4 += 54
      if r4 > r3 goto pc+29
      r5 = *(u16 *)(r2 +12)
      if r5 != 0x8 goto pc+27
      r5 = *(u8 *)(r2 +14)
      r6 = r5
      r6 >>= 4
      if r6 != 0x4 goto pc+23
      r5 &= 15
      if r5 < 0x5 goto pc+21
      r6 = *(u8 *)(r2 +23)
      if r6 == 0x6 goto pc+4
      if r6 == 0x11 goto pc+3
      if r6 == 0x1 goto pc+16
      r0 = 3
      goto pc+15
      r7 = *(u16 *)(r2 +34)
      r7 = be16 r7
      r8 = *(u16 *)(r2 +36)
      r8 = be16 r8
      if r7 > 0x400 goto pc+2
      r0 = 1
      goto pc+8
      if r8 == 0x50 goto pc+2
      if r8 == 0x1bb goto pc+1
      goto pc+2
      r0 = 2
      goto pc+3
      r0 = 4
      goto pc+1
      r0 = 5
      exit`,
    data: pkt(128),
    repeat: 200000,
    kernelRepeat: 1000000,
    loop: false,
  },
  {
    name: '32-bit ALU loop',
    type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
    src: `w0 = 0
      w1 = 20000
      w2 = 0x12345
      w0 += w1
      w0 ^= w2
      w2 += 7
      w0 <<= 1
      w0 >>= 1
      w1 -= 1
      if w1 != 0x0 goto pc-7
      exit`,
    data: pkt(64),
    repeat: 100,
    kernelRepeat: 200,
    loop: true,
  },
  {
    name: 'map-heavy loop',
    type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
    src: `r6 = 0
      r1 = r6
      r1 &= 7
      *(u32 *)(r10 -4) = r1
      r1 = map_fd(MAPFD)
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem#1
      if r0 == 0x0 goto pc+2
      r1 = 1
      lock *(u64 *)(r0 +0) += r1
      r6 += 1
      if r6 < 0x3e8 goto pc-13
      r0 = 0
      exit`,
    data: pkt(64),
    repeat: 200,
    kernelRepeat: 2000,
    map: true,
    loop: true,
  },
  {
    name: '4000-instruction straight line',
    type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER,
    src: () => straightLine(4000),
    data: pkt(64),
    repeat: 2000,
    kernelRepeat: 20000,
    loop: false,
  },
];

function modelMap(): BpfMap {
  const m = find_map_ops(bpf_map_type.BPF_MAP_TYPE_ARRAY)!.map_alloc(
    mapCreateAttr({ map_type: bpf_map_type.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 8 }),
    createMapEnv(),
  );
  if (typeof m === 'number') throw new Error(`array map: ${m}`);
  return m;
}

function insnsOf(b: Bench, mapfd: number): BpfInsn[] {
  return typeof b.src === 'function' ? b.src() : bpf_asm(b.src.replace('MAPFD', String(mapfd)));
}

function modelBench(b: Bench, interpreter: 'switch' | 'js'): { insns: number; ns: number } {
  const env: BpfRunEnv = createRunEnv();
  const insns = insnsOf(b, 3);
  if (b.map) {
    const map = modelMap();
    const r = resolve_pseudo_ldimm64(insns, { mem: env.mem, map_from_fd: () => map, used_maps: [], log: () => {} });
    if (r) throw new Error(`resolve_pseudo_ldimm64: ${r}`);
    convert_pseudo_ld_imm64(insns);
  }
  const { prog } = bpf_prog_select_runtime(bpf_prog_alloc({ type: b.type, insns }), { interpreter });
  const attr = testRunAttr({ data_in: b.data, repeat: 1 });
  const once = bpf_prog_test_run(prog, attr, env);
  if (once.ret) throw new Error(`${b.name}: model test_run ${once.ret} ${once.error?.message ?? ''}`);
  const count = env.insns;
  // Warm up (V8 tiers up; on a loaded machine its concurrent compiles of a long program's
  // chunks take a while), then measure.
  for (let k = 0; k < 2; k++) bpf_prog_test_run(prog, { ...attr, repeat: b.repeat }, env);
  // The best of five: the machine may be shared, and the minimum is the least disturbed run.
  let ms = Infinity;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    bpf_prog_test_run(prog, { ...attr, repeat: b.repeat }, env);
    ms = Math.min(ms, performance.now() - t0);
  }
  return { insns: count, ns: (ms * 1e6) / (b.repeat * count) };
}

function kernelBench(b: Bench, count: number): number | string {
  const { host, reason } = hostBpf();
  if (!host) return `n/a (${reason})`;
  let mapfd = -1;
  if (b.map) {
    const attr = host.mem.alloc(16);
    host.mem.write(attr, new Uint8Array([2, 0, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0]));
    mapfd = host.bpf(0, attr, 16);
    if (mapfd < 0) return `n/a (map create errno ${-mapfd})`;
  }
  const code = encodeInsns(insnsOf(b, mapfd));
  const l = hostLoad(host, b.type, code);
  if (l.fd < 0) {
    const why = hostLoad(host, b.type, code, { log_level: 1, log_size: 1 << 24 }).log.trim().split('\n');
    return `n/a (load errno ${-l.fd}: ${why.slice(-2).join(' / ')})`;
  }
  hostTestRun(host, l.fd, { data_in: b.data, repeat: b.kernelRepeat >> 2 });
  let r = hostTestRun(host, l.fd, { data_in: b.data, repeat: b.kernelRepeat });
  for (let k = 0; k < 4 && !r.ret; k++) {
    const again = hostTestRun(host, l.fd, { data_in: b.data, repeat: b.kernelRepeat });
    if (again.duration < r.duration) r = again;
  }
  host.close(l.fd);
  if (mapfd >= 0) host.close(mapfd);
  if (r.ret) return `n/a (test_run errno ${-r.ret})`;
  return r.duration / count;
}

const rows: string[] = [];
const jit = (() => {
  try {
    // Reported for context only: the kernel numbers are its JIT's when this is 1.
    return (globalThis as { process?: { platform: string } }).process?.platform === 'linux' ? 'see /proc/sys/net/core/bpf_jit_enable' : '';
  } catch {
    return '';
  }
})();
console.log(`core interpreter benchmark (node ${process.version}); kernel column: host PROG_TEST_RUN duration / executed insns ${jit}`);
console.log('| program | executed insns/run | switch interpreter ns/insn | compiled tier ns/insn | kernel ns/insn | ratio switch / compiled |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
// BENCH_ONLY=<substring of a name> runs just those rows (for profiling with node --cpu-prof).
const only = process.env.BENCH_ONLY;
for (const b of BENCHES.filter((x) => !only || x.name.includes(only))) {
  const m = modelBench(b, 'switch');
  const j = modelBench(b, 'js');
  const k = kernelBench(b, m.insns);
  const ratio = typeof k === 'number' && k > 0 ? `${(m.ns / k).toFixed(1)}x / ${(j.ns / k).toFixed(1)}x` : '-';
  const onSwitch = insnsOf(b, 3).length > MAX_COMPILED_INSNS ? ' (runs on the switch)' : '';
  const row = `| ${b.name}${b.loop ? ' (loop)' : ''} | ${m.insns} | ${m.ns.toFixed(2)} | ${j.ns.toFixed(2)}${onSwitch} | ${typeof k === 'number' ? k.toFixed(3) : k} | ${ratio} |`;
  rows.push(row);
  console.log(row);
}
