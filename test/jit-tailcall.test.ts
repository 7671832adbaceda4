// Tail calls JITed: emit_bpf_tail_call reads the prog array's max_entries and ptrs[], then the
// target's bpf_func, and jumps past the target's TCC set-up; the counter (a6) allows 33 of them.
// Same answers as core's interpreter (its own tail-call tests, packages/core/src/interp.test.ts).
// https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_comp64.c (emit_bpf_tail_call)
import { describe, expect, it } from 'vitest';
import { bpf_map_type } from '@bpf-internals/uapi';
import { createMapEnv, find_map_ops, mapCreateAttr, type BpfMap } from '@bpf-internals/maps';
import { bpf_asm, bpf_prog_alloc, bpf_prog_run, bpf_prog_select_runtime, convert_pseudo_ld_imm64, createRunEnv, resolve_pseudo_ldimm64, regionAddr, type bpf_prog, type BpfRunEnv } from '@bpf-internals/core';
import { bpf_int_jit_compile } from '@bpf-internals/jit-riscv';

const progArray = (entries: number): BpfMap => {
  const m = find_map_ops(bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY)!.map_alloc(
    mapCreateAttr({ map_type: bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY, key_size: 4, value_size: 4, max_entries: entries }),
    createMapEnv(),
  );
  if (typeof m === 'number') throw new Error(`map_alloc: ${m}`);
  return m;
};

/** Load as the syscall path does: map fd -> map address, then select the runtime (JIT or not). */
function load(src: string, env: BpfRunEnv, pa: BpfMap, jit: boolean): bpf_prog {
  const p = bpf_prog_alloc({ type: 1, insns: bpf_asm(src), jit_requested: jit });
  expect(resolve_pseudo_ldimm64(p.insnsi, { mem: env.mem, map_from_fd: () => pa, used_maps: [], log: () => {} })).toBe(0);
  convert_pseudo_ld_imm64(p.insnsi);
  const r = bpf_prog_select_runtime(p, jit ? { jit: bpf_int_jit_compile } : {});
  expect(r.prog.jited).toBe(jit);
  return r.prog;
}

describe('JITed tail calls', () => {
  for (const jit of [false, true]) {
    const how = jit ? 'JITed on the hart' : 'interpreted';
    it(`tail call replaces the program; a missing or out-of-range slot falls through (${how})`, () => {
      const env = createRunEnv();
      const pa = progArray(2);
      (pa as unknown as { ptrs: unknown[] }).ptrs[1] = load('r0 = 77\nexit', env, pa, jit);
      const src = (idx: number) => `r2 = map_fd(1)\nr3 = ${idx}\ncall bpf_tail_call#12\nr0 = 5\nexit`;
      for (const [idx, want] of [[1, 77n], [0, 5n], [7, 5n]] as const) {
        const r = bpf_prog_run(load(src(idx), env, pa, jit), 0n, env);
        expect(r.ok && r.r0).toBe(want);
      }
    });
    it(`a chain of tail calls stops after MAX_TAIL_CALL_CNT (33) (${how})`, () => {
      const env = createRunEnv();
      const pa = progArray(1);
      const self = load(
        `r6 = r1
        r7 = *(u64 *)(r6 +0)
        r7 += 1
        *(u64 *)(r6 +0) = r7
        r1 = r6
        r2 = map_fd(1)
        r3 = 0
        call bpf_tail_call#12
        r0 = *(u64 *)(r6 +0)
        exit`,
        env,
        pa,
        jit,
      );
      (pa as unknown as { ptrs: unknown[] }).ptrs[0] = self;
      const mem = env.mem.map({ kind: 'mem', name: 'mem', bytes: new Uint8Array(8) });
      const r = bpf_prog_run(self, regionAddr(mem), env);
      expect(r.ok && r.r0).toBe(34n);
    });
  }
});
