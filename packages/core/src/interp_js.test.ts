import { describe, expect, it } from 'vitest';
import { bpf_map_type } from '@bpf-internals/uapi';
import { createMapEnv, find_map_ops, mapCreateAttr, type BpfMap } from '@bpf-internals/maps';
import { bpf_asm } from './disasm.js';
import { runProgram, type RunProgramResult } from './run_program.js';
import { createRunEnv } from './helpers.js';
import { bpf_prog_predecode } from './interp.js';
import { bpf_prog_js_source } from './interp_js.js';

/**
 * The compiled tier's own shapes (loops as JavaScript loops, remembered array-map lookups,
 * inline atomics) checked against the kernel's answer worked out by hand, and against the
 * switch interpreter on r0 or the error (kind and instruction), the count and the memory.
 */
function both(src: string, opts: { maps?: Record<number, BpfMap>; insn_limit?: number; mem?: number } = {}): RunProgramResult {
  const m1 = new Uint8Array(opts.mem ?? 16);
  const m2 = m1.slice();
  const o = { maps: opts.maps, insn_limit: opts.insn_limit };
  const s = runProgram(bpf_asm(src), m1, o);
  const j = runProgram(bpf_asm(src), m2, { ...o, tier: 'js' });
  expect(j.ok ? j.r0 : [j.error.kind, j.error.insn]).toEqual(s.ok ? s.r0 : [s.error.kind, s.error.insn]);
  expect(j.insns).toBe(s.insns);
  expect([...m2]).toEqual([...m1]);
  return j;
}
const r0 = (r: RunProgramResult) => (r.ok ? r.r0 : r.error.kind);

const mkMap = (type: number, value: number, entries: number, flags = 0): BpfMap => {
  const m = find_map_ops(type)!.map_alloc(
    mapCreateAttr({ map_type: type, key_size: 4, value_size: value, max_entries: entries, map_flags: flags }),
    createMapEnv(),
  );
  if (typeof m === 'number') throw new Error(`map_alloc: ${m}`);
  return m;
};

describe('loops on the compiled tier', () => {
  it.each([
    // [name, program, r0, executed instructions]
    ['a counted loop sums 1..100', 'r0 = 0\nr1 = 100\nr0 += r1\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit', 5050n, 2 + 300 + 1],
    ['a loop left from the middle of its body', 'r0 = 0\nr0 += 1\nif r0 == 0x7 goto pc+2\nr1 = 0\ngoto pc-4\nexit', 7n, 1 + 6 * 4 + 2 + 1],
    [
      'nested loops: the inner one is a JS loop, the outer one dispatches',
      'r0 = 0\nr1 = 10\nr2 = 10\nr0 += 1\nr2 -= 1\nif r2 != 0x0 goto pc-3\nr1 -= 1\nif r1 != 0x0 goto pc-6\nexit',
      100n,
      2 + 10 * (1 + 30 + 2) + 1,
    ],
    [
      'two back edges to the same head',
      'r0 = 0\nr0 += 1\nif r0 < 0x5 goto pc-2\nr0 += 1\nif r0 < 0xa goto pc-4\nexit',
      10n,
      // r0 = 1..5 in the inner pair, then 6..10 alternating with the outer back edge
      1 + 2 * 5 + 2 + 4 + 4 + 1,
    ],
    ['a 64-bit counter carries into the high half', 'r0 = 0xfffffffe\nr1 = 4\nr0 += 1\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit', 0x100000002n, 2 + 12 + 1], // r0 = 0xfffffffe is one ld_imm64,
    ['a 64-bit borrow out of the low half', 'r0 = 0x100000001\nr1 = 3\nr0 -= 1\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit', 0xfffffffen, 2 + 9 + 1],
    ['a register add with itself doubles', 'r0 = 0x40000000\nr1 = 2\nr0 += r0\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit', 0x100000000n, 2 + 6 + 1],
    [
      'a loop whose body skips forward inside itself (odd counters only)',
      'r0 = 0\nr1 = 10\nr2 = r1\nr2 &= 1\nif r2 == 0x0 goto pc+2\nr0 += r1\nr0 += 100\nr1 -= 1\nif r1 != 0x0 goto pc-7\nexit',
      // r1 = 10..1: five odd values (9+7+5+3+1 = 25, plus 100 each); even ones skip 2 insns
      25n + 500n,
      2 + 10 * 5 + 5 * 2 + 1,
    ],
    ['a register sub of itself is 0', 'r0 = 0x123456789\nr0 -= r0\nexit', 0n, 3],
  ])('%s', (_n, src, want, insns) => {
    const r = both(src);
    expect(r0(r)).toBe(want);
    expect(r.insns).toBe(insns);
  });

  it.each([
    // The limit falls inside a loop's body, at its last iteration, and exactly at its exit.
    ['inside the body', 100, 100],
    ['on an iteration boundary', 2 + 3 * 20, 2 + 3 * 20],
    ['one short of the exit', 2 + 300, 2 + 300],
  ])('the instruction limit %s stops at the exact instruction on both tiers', (_n, limit, insns) => {
    const r = both('r0 = 0\nr1 = 100\nr0 += r1\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit', { insn_limit: limit });
    expect(r0(r)).toBe('insn_limit');
    expect(r.insns).toBe(insns);
  });

  it.each([40, 41, 42, 43, 44, 45, 46, 47])('the limit (%i) lands exactly in a loop whose body skips forward', (limit) => {
    const src = 'r0 = 0\nr1 = 10\nr2 = r1\nr2 &= 1\nif r2 == 0x0 goto pc+2\nr0 += r1\nr0 += 100\nr1 -= 1\nif r1 != 0x0 goto pc-7\nexit';
    const r = both(src, { insn_limit: limit });
    expect(r0(r)).toBe('insn_limit');
    expect(r.insns).toBe(limit);
  });

  it('a loop that runs its full course under a limit it just fits returns normally', () => {
    expect(r0(both('r0 = 0\nr1 = 100\nr0 += r1\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit', { insn_limit: 303 }))).toBe(5050n);
  });

  it('a fault in the third iteration reports the count up to the faulting load', () => {
    // mem is 16 bytes: the u64 load at r1+16 is past its end.
    const r = both('r0 = 0\nr3 = 0\nr4 = *(u64 *)(r1 +0)\nr1 += 8\nr3 += 1\nif r3 < 0x5 goto pc-4\nexit');
    expect(r0(r)).toBe('fault');
    expect(r.insns).toBe(2 + 4 + 4 + 1);
  });

  it('emits the loop as a labelled JS loop with one limit check per iteration', () => {
    const pd = bpf_prog_predecode(bpf_asm('r0 = 0\nr1 = 100\nr0 += r1\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit'), null);
    if ('message' in pd) throw new Error(pd.message);
    const src = bpf_prog_js_source(pd)!;
    expect(src).toContain('loop_2: for (;;) {');
    expect(src).toContain('if (n + 3 > limit) { pc = -3; continue dispatch; }');
  });
});

describe('bpf_map_lookup_elem and atomics on the compiled tier', () => {
  // r6 = 0..29: look up key r6 % 10 in an 8-entry array (each key three times, so the call
  // site answers from what it remembered), add r6 to the value when found; r0 = the number
  // of NULL answers. Keys 8 and 9 are past max_entries: NULL.
  const loop = `r6 = 0
    r7 = 0
    r1 = r6
    r1 %= 10
    *(u32 *)(r10 -4) = r1
    r1 = map_fd(1)
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem#1
    if r0 != 0x0 goto pc+2
    r7 += 1
    goto pc+1
    lock *(u64 *)(r0 +0) += r6
    r6 += 1
    if r6 < 0x1e goto pc-14
    r0 = r7
    exit`;
  it.each([
    ['an array map: hits add, keys past max_entries are NULL', bpf_map_type.BPF_MAP_TYPE_ARRAY],
    ['a hash map (never remembered): every key is NULL', bpf_map_type.BPF_MAP_TYPE_HASH],
  ])('%s', (_n, type) => {
    const run = (tier: 'switch' | 'js') => {
      const map = mkMap(type, 8, 8);
      const r = runProgram(bpf_asm(loop), new Uint8Array(0), { maps: { 1: map }, tier });
      const vals = [...Array(8).keys()].map((k) => map.ops.map_lookup_elem(map, new Uint8Array([k, 0, 0, 0]))?.[0] ?? -1);
      return { r, vals };
    };
    const s = run('switch');
    const j = run('js');
    expect(j).toEqual(s);
    const array = type === bpf_map_type.BPF_MAP_TYPE_ARRAY;
    expect(r0(j.r)).toBe(array ? 6n : 30n);
    expect(j.vals).toEqual(array ? [0, 1, 2, 3, 4, 5, 6, 7].map((k) => 3 * k + 30) : [-1, -1, -1, -1, -1, -1, -1, -1]);
  });

  it('the same lookup site answers the same pointer across runs and after the map is looked up elsewhere', () => {
    const map = mkMap(bpf_map_type.BPF_MAP_TYPE_ARRAY, 8, 8);
    const env = createRunEnv();
    const src = 'r1 = map_fd(1)\n*(u32 *)(r10 -4) = 3\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem#1\nr1 = 1\nlock *(u64 *)(r0 +0) += r1\nexit';
    const a = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map }, env, tier: 'js' });
    const b = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map }, env, tier: 'js' });
    const s = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map }, env });
    expect(a.ok && b.ok && s.ok).toBe(true);
    expect(a.ok && b.ok && a.r0 === b.r0 && s.ok && s.r0 === a.r0).toBe(true);
    expect(map.ops.map_lookup_elem(map, new Uint8Array([3, 0, 0, 0]))![0]).toBe(3);
  });

  it.each([
    // [name, atomic instruction, r0 = (value << 8) | src's low byte], the instruction run
    // twice with src = 5 on a value that starts at 0x10 (the second time on the cached region).
    ['fetch add DW returns the old value in src', 'r1 = atomic64_fetch_add((u64 *)(r6 +0), r1)', (0x1an << 8n) | 0x15n],
    ['fetch or W', 'r1 = atomic_fetch_or((u32 *)(r6 +0), r1)', (0x15n << 8n) | 0x15n],
    ['fetch and DW', 'r1 = atomic64_fetch_and((u64 *)(r6 +0), r1)', (0x00n << 8n) | 0x00n],
    ['fetch xor W', 'r1 = atomic_fetch_xor((u32 *)(r6 +0), r1)', (0x10n << 8n) | 0x15n],
    ['xor DW (no fetch) leaves src', 'lock *(u64 *)(r6 +0) ^= r1', (0x10n << 8n) | 0x05n],
    ['add W (no fetch) stays within 32 bits', 'lock *(u32 *)(r6 +0) += r1', (0x1an << 8n) | 0x05n],
  ])('%s', (_n, insn, want) => {
    const map = mkMap(bpf_map_type.BPF_MAP_TYPE_ARRAY, 8, 2);
    const src = `r1 = map_fd(1)
      *(u32 *)(r10 -4) = 0
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem#1
      if r0 == 0x0 goto pc+10
      r6 = r0
      r7 = 2
      r1 = 5
      ${insn}
      r7 -= 1
      if r7 != 0x0 goto pc-4
      r0 = *(u8 *)(r6 +0)
      r0 <<= 8
      r0 |= r1
      exit
      exit`;
    for (const tier of ['switch', 'js'] as const) {
      map.ops.map_update_elem(map, new Uint8Array(4), new Uint8Array([0x10, 0, 0, 0, 0, 0, 0, 0]), 0n);
      const r = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map }, tier });
      expect(r0(r)).toBe(want);
    }
  });

  it('an atomic add on a read-only map value faults on both tiers (BPF_F_RDONLY_PROG)', () => {
    const map = mkMap(bpf_map_type.BPF_MAP_TYPE_ARRAY, 8, 2, 1 << 7);
    const src = 'r1 = map_fd(1)\n*(u32 *)(r10 -4) = 0\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem#1\nr1 = 1\nlock *(u64 *)(r0 +0) += r1\nexit';
    const s = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map } });
    const j = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map }, tier: 'js' });
    expect(s.ok || s.error.kind).toBe('fault');
    expect(j).toEqual(s);
  });

  it('a key pointer outside every region faults in the helper on both tiers', () => {
    const map = mkMap(bpf_map_type.BPF_MAP_TYPE_ARRAY, 8, 2);
    const src = 'r1 = map_fd(1)\nr2 = 64\ncall bpf_map_lookup_elem#1\nexit';
    const s = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map } });
    const j = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: map }, tier: 'js' });
    expect(s.ok || s.error.kind).toBe('fault');
    expect(j.ok || [j.error.kind, j.error.insn, j.insns]).toEqual([s.ok || s.error.kind, !s.ok && s.error.insn, s.insns]);
  });
});

describe('long programs on the compiled tier (one function per chunk)', () => {
  const line = (k: number, body: string) => Array(k).fill(body).join('\n');
  it.each([
    // [name, program, r0, executed instructions]
    ['3000 adds in a row (six chunks)', `r0 = 0\n${line(3000, 'r0 += 1')}\nexit`, 3000n, 3002],
    ['a negative value keeps its high half across chunks', `r0 = -5000\n${line(3000, 'r0 += 1')}\nexit`, BigInt.asUintN(64, -2000n), 3002],
    [
      'a forward jump from the first chunk into the last',
      `r0 = 7\nif r0 == 0x7 goto pc+2000\n${line(2000, 'r0 += 1')}\nr0 += 100\nexit`,
      107n,
      4,
    ],
    [
      'a loop after 1500 instructions, then a jump back across chunks',
      `r0 = 0\nr2 = 0\n${line(1500, 'r0 += 1')}\nr1 = 10\nr0 += 2\nr1 -= 1\nif r1 != 0x0 goto pc-3\nr2 += 1\nif r2 < 0x2 goto pc-${1500 + 6}\nexit`,
      2 * (1500 + 20),
      2 + 2 * (1500 + 1 + 30 + 2) + 1,
    ],
  ] as const)('%s', (_n, src, want, insns) => {
    const r = both(src);
    expect(r0(r)).toBe(BigInt(want));
    expect(r.insns).toBe(insns);
  });

  it('the instruction limit in the fourth chunk stops at the exact instruction', () => {
    const r = both(`r0 = 0\n${line(3000, 'r0 += 1')}\nexit`, { insn_limit: 1800 });
    expect(r0(r)).toBe('insn_limit');
    expect(r.insns).toBe(1800);
  });

  it('a fault in a late chunk keeps the count and the stores made before it', () => {
    const r = both(`r0 = 0\n*(u64 *)(r1 +0) = r0\n${line(2000, 'r0 += 3')}\n*(u64 *)(r1 +8) = r0\nr0 = *(u64 *)(r1 +16)\nexit`);
    expect(r0(r)).toBe('fault');
    expect(r.insns).toBe(2 + 2000 + 2);
  });

  it('generated programs (stack, memory, 32/64-bit ALU, forward branches, loops) agree with the switch', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const pick = <T,>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
    for (let p = 0; p < 4; p++) {
      const body: string[] = ['r0 = 1', 'r3 = 2', 'r4 = 3', 'r5 = 4', '*(u64 *)(r10 -8) = r0'];
      while (body.length < 2500) {
        const d = pick([0, 3, 4, 5]);
        const r = rnd();
        if (r < 0.6) body.push(`${pick(['r', 'w'])}${d} ${pick(['+=', '-=', '*=', '^=', '|=', '&='])} ${Math.floor(rnd() * 4000) - 2000}`);
        else if (r < 0.7) body.push(`r${d} ${pick(['<<=', '>>=', 's>>='])} ${Math.floor(rnd() * 64)}`);
        else if (r < 0.8) body.push(`*(u64 *)(r10 -${pick([8, 16, 24])}) = r${d}`, `r${d} += r${pick([0, 3, 4, 5])}`);
        else if (r < 0.85) body.push(`r${d} = *(u64 *)(r10 -8)`);
        else if (r < 0.9) body.push(`*(u32 *)(r1 +${pick([0, 4, 8, 12])}) = r${d}`);
        else if (r < 0.95) body.push(`if r${d} ${pick(['>', '<', 's>', 's<', '==', '!=', '&'])} ${Math.floor(rnd() * 100) - 50} goto pc+${1 + Math.floor(rnd() * 3)}`, 'r0 += 1', 'r3 ^= r0', 'r4 -= 1', 'r5 += r4');
        else body.push('r2 = 5', `r${d} += 3`, 'r2 -= 1', 'if r2 != 0x0 goto pc-3');
      }
      body.push('r0 += r3', 'r0 ^= r4', 'r0 += r5', 'exit');
      const pd = bpf_prog_predecode(bpf_asm(body.join('\n')), null);
      if ('message' in pd) throw new Error(pd.message);
      expect(bpf_prog_js_source(pd)).toContain('function chunk_4(');
      const res = both(body.join('\n'));
      expect(res.ok && res.insns > 2500).toBe(true);
    }
  });

  it('a long program with a bpf-to-bpf call runs on the switch interpreter and gives the same answer', () => {
    const src = `r0 = 0\ncall pc+${2 + 1000}\n${line(1000, 'r0 += 1')}\nr0 += 1\nexit\nr0 = 40\nexit`;
    const pd = bpf_prog_predecode(bpf_asm(src), null);
    if ('message' in pd) throw new Error(pd.message);
    expect(bpf_prog_js_source(pd)).toBeNull();
    expect(r0(both(src))).toBe(40n + 1000n + 1n);
  });
});
