/**
 * Calls against the live kernel: tail calls through a prog_array (the MAX_TAIL_CALL_CNT limit,
 * empty slots, indexes out of range) and bpf-to-bpf calls, run by the host's PROG_TEST_RUN
 * and by the model's.
 */
import { describe, expect, it } from 'vitest';
import { bpf_map_type, bpf_prog_type, encodeInsns } from '@bpf-internals/uapi';
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
} from '@bpf-internals/core';
import { hostBpf, skipReason } from './host/bpf.js';
import { hostLoad, hostTestRun } from './core-host.js';

const { host } = hostBpf();
const TC = bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS;
const PKT = (() => {
  const p = new Uint8Array(64);
  p[12] = 0x88;
  p[13] = 0xb5;
  return p;
})();

/** Counts its runs in cb[0], then tail-calls slot `idx` of the prog_array. */
const counter = (idx: number, fd: number) => `
  r6 = r1
  r1 = *(u32 *)(r6 +48)
  r1 += 1
  *(u32 *)(r6 +48) = r1
  r1 = r6
  r2 = map_fd(${fd})
  r3 = ${idx}
  call bpf_tail_call#12
  r0 = *(u32 *)(r6 +48)
  r0 += 1000
  exit`;

function hostRetval(src: (fd: number) => string, fill: boolean, entries: number): number {
  const h = host!;
  const attr = h.mem.alloc(16);
  h.mem.write(attr, new Uint8Array([3, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, entries, 0, 0, 0]));
  const mapfd = h.bpf(0, attr, 16);
  expect(mapfd).toBeGreaterThanOrEqual(0);
  const l = hostLoad(h, TC, encodeInsns(bpf_asm(src(mapfd))), { log_level: 1 });
  expect(l.fd, l.log).toBeGreaterThanOrEqual(0);
  if (fill) {
    // BPF_MAP_UPDATE_ELEM(map, key 0, value = the program's own fd)
    const key = h.mem.alloc(4);
    const val = h.mem.alloc(4);
    h.mem.write(val, new Uint8Array(new Uint32Array([l.fd]).buffer));
    const u = h.mem.alloc(32);
    const a = new Uint8Array(32);
    const dv = new DataView(a.buffer);
    dv.setUint32(0, mapfd, true);
    dv.setBigUint64(8, key, true);
    dv.setBigUint64(16, val, true);
    h.mem.write(u, a);
    expect(h.bpf(2, u, 32)).toBe(0);
  }
  const r = hostTestRun(h, l.fd, { data_in: PKT });
  h.close(l.fd);
  h.close(mapfd);
  expect(r.ret).toBe(0);
  return r.retval;
}

function modelRetval(src: (fd: number) => string, fill: boolean, entries: number, interpreter: 'switch' | 'js' = 'switch'): number {
  const ops = find_map_ops(bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY)!;
  const map = ops.map_alloc(mapCreateAttr({ map_type: bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: entries }), createMapEnv()) as BpfMap;
  const env = createRunEnv();
  const insns = bpf_asm(src(7));
  expect(resolve_pseudo_ldimm64(insns, { mem: env.mem, map_from_fd: () => map, used_maps: [], log: () => {} })).toBe(0);
  convert_pseudo_ld_imm64(insns);
  const { prog } = bpf_prog_select_runtime(bpf_prog_alloc({ type: TC, insns }), { interpreter });
  if (fill) (map as unknown as { ptrs: unknown[] }).ptrs[0] = prog;
  const r = bpf_prog_test_run(prog, testRunAttr({ data_in: PKT }), env);
  expect(r.ret).toBe(0);
  return r.finish!.retval;
}

const CASES: { name: string; src: (fd: number) => string; fill: boolean; entries: number }[] = [
  { name: 'a program tail-calling itself runs 1 + MAX_TAIL_CALL_CNT times', src: (fd) => counter(0, fd), fill: true, entries: 1 },
  { name: 'an empty slot falls through', src: (fd) => counter(0, fd), fill: false, entries: 1 },
  { name: 'an index past max_entries falls through', src: (fd) => counter(5, fd), fill: true, entries: 1 },
  {
    name: 'bpf-to-bpf calls: r6-r9 survive, the callee has its own stack',
    src: () => `
      r6 = 5
      *(u64 *)(r10 -8) = 11
      r1 = 7
      call pc+7
      r1 = *(u64 *)(r10 -8)
      r0 += r1
      r0 += r6
      r1 = r0
      r2 = 3
      call pc+6
      exit
      *(u64 *)(r10 -8) = 100
      r6 = 1000
      r0 = r1
      r0 *= 2
      exit
      r0 = r1
      r0 *= r2
      exit`,
    fill: false,
    entries: 1,
  },
];

describe.skipIf(!host)('calls vs the host kernel', () => {
  it.each(CASES)('$name', ({ src, fill, entries }) => {
    const want = hostRetval(src, fill, entries);
    expect(modelRetval(src, fill, entries)).toBe(want);
    expect(modelRetval(src, fill, entries, 'js')).toBe(want);
  });
});

if (!host) it.skip(skipReason(), () => {});
