import { describe, expect, it } from 'vitest';
import { bpf_map_type, encodeInsns } from '@bpf-internals/uapi';
import { createMapEnv, find_map_ops, mapCreateAttr, ring_buffer__consume, type BpfMap } from '@bpf-internals/maps';
import { convert_pseudo_ld_imm64, resolve_pseudo_ldimm64 } from './ldimm64.js';
import { bpf_asm } from './disasm.js';
import { runProgram } from './run_program.js';
import { createRunEnv } from './helpers.js';
import { bpf_prog_alloc } from './core.js';
import { bpf_prog_predecode } from './interp.js';
import { bpf_prog_js_compile, bpf_prog_js_source } from './interp_js.js';
import { BpfMemory } from './memory.js';

/**
 * Run assembly text on both tiers (the switch interpreter and the compiled one); they must
 * agree on r0 (or the error kind), the instruction count and the buffer. Returns r0 or the kind.
 */
function run(src: string, mem = new Uint8Array(16)): bigint | string {
  const mem2 = mem.slice();
  const r = runProgram(encodeInsns(bpf_asm(src)), mem);
  const j = runProgram(encodeInsns(bpf_asm(src)), mem2, { tier: 'js' });
  expect(j.ok ? j.r0 : j.error.kind).toBe(r.ok ? r.r0 : r.error.kind);
  expect(j.insns).toBe(r.insns);
  expect([...mem2]).toEqual([...mem]);
  return r.ok ? r.r0 : r.error.kind;
}
const U64 = (v: bigint) => BigInt.asUintN(64, v);

// Expected values: RFC 9669 semantics, worked out by hand.
describe('ALU64', () => {
  it.each([
    ['add wraps at 2^64', 'r0 = -1\nr0 += 2\nexit', 1n],
    ['sub borrows across the halves', 'r0 = 0x100000000\nr0 -= 1\nexit', 0xffffffffn],
    ['mul keeps the low 64 bits', 'r0 = 0xffffffffffffffff\nr1 = 0xffffffffffffffff\nr0 *= r1\nexit', 1n],
    ['mul of two 32-bit halves carries into the high word', 'r0 = 0xffffffff\nr0 *= -1\nexit', U64(-0xffffffffn)],
    ['div is unsigned', 'r0 = -1\nr0 /= 2\nexit', 0x7fffffffffffffffn],
    ['div by zero register gives 0', 'r0 = 7\nr1 = 0\nr0 /= r1\nexit', 0n],
    ['mod by zero register leaves dst', 'r0 = 7\nr1 = 0\nr0 %= r1\nexit', 7n],
    ['sdiv rounds toward zero', 'r0 = -7\nr0 s/= 2\nexit', U64(-3n)],
    ['sdiv of INT64_MIN by -1 is INT64_MIN', 'r0 = 0x8000000000000000\nr1 = -1\nr0 s/= r1\nexit', 0x8000000000000000n],
    ['smod of INT64_MIN by -1 is 0', 'r0 = 0x8000000000000000\nr1 = -1\nr0 s%= r1\nexit', 0n],
    ['smod takes the dividend sign', 'r0 = -7\nr0 s%= 3\nexit', U64(-1n)],
    ['sdiv by a wide negative divisor', 'r0 = 0x7fffffffffffffff\nr1 = 0xfffffffeffffffff\nr0 s/= r1\nexit', U64(0x7fffffffffffffffn / -0x100000001n)],
    ['udiv of wide operands', 'r0 = 0xfedcba9876543210\nr1 = 0x100000001\nr0 /= r1\nexit', 0xfedcba9876543210n / 0x100000001n],
    ['lsh by 63', 'r0 = 1\nr0 <<= 63\nexit', 0x8000000000000000n],
    ['lsh by register 64 is masked to 0', 'r0 = 5\nr1 = 64\nr0 <<= r1\nexit', 5n],
    ['lsh by register 65 is masked to 1', 'r0 = 5\nr1 = 65\nr0 <<= r1\nexit', 10n],
    ['rsh is logical', 'r0 = -1\nr0 >>= 60\nexit', 0xfn],
    ['rsh by 32 moves the high half down', 'r0 = 0x1234567800000000\nr0 >>= 32\nexit', 0x12345678n],
    ['arsh is arithmetic', 'r0 = -16\nr0 s>>= 2\nexit', U64(-4n)],
    ['arsh by 63 spreads the sign', 'r0 = 0x8000000000000000\nr0 s>>= 63\nexit', U64(-1n)],
    ['neg', 'r0 = 5\nr0 = -r0\nexit', U64(-5n)],
    ['neg of 0 is 0', 'r0 = 0\nr0 = -r0\nexit', 0n],
    ['mov imm sign-extends', 'r0 = -2\nexit', U64(-2n)],
    ['movsx 8', 'r1 = 0x180\nr0 = (s8)r1\nexit', U64(-128n)],
    ['movsx 16', 'r1 = 0x18000\nr0 = (s16)r1\nexit', U64(-32768n)],
    ['movsx 32', 'r1 = 0x80000000\nr0 = (s32)r1\nexit', U64(-0x80000000n)],
    ['xor/or/and on both halves', 'r0 = 0xff00ff00ff00ff00\nr0 ^= -1\nr0 |= 1\nr0 &= 0x7fffffff\nexit', 0x00ff00ffn],
    ['bswap16 clears the upper bits', 'r0 = 0x1122334455667788\nr0 = bswap16 r0\nexit', 0x8877n],
    ['bswap32', 'r0 = 0x1122334455667788\nr0 = bswap32 r0\nexit', 0x88776655n],
    ['bswap64', 'r0 = 0x1122334455667788\nr0 = bswap64 r0\nexit', 0x8877665544332211n],
  ])('%s', (_n, src, want) => expect(run(src)).toBe(want));
});

describe('ALU (32-bit): results are zero-extended', () => {
  it.each([
    ['add wraps at 2^32 and clears the high half', 'r0 = -1\nw0 += 2\nexit', 1n],
    ['mov32 zero-extends', 'r0 = -1\nw0 = w0\nexit', 0xffffffffn],
    ['mov32 imm -1 is 0xffffffff', 'w0 = -1\nexit', 0xffffffffn],
    ['mul', 'w0 = 0x10000\nw0 *= 0x10000\nexit', 0n],
    ['div by zero gives 0', 'w0 = 9\nw1 = 0\nw0 /= w1\nexit', 0n],
    ['mod by zero keeps dst, zero-extended', 'r0 = -1\nw1 = 0\nw0 %= w1\nexit', 0xffffffffn],
    ['sdiv INT32_MIN by -1 is INT32_MIN', 'w0 = 0x80000000\nw0 s/= -1\nexit', 0x80000000n],
    ['smod INT32_MIN by -1 is 0', 'w0 = 0x80000000\nw0 s%= -1\nexit', 0n],
    ['sdiv -7 / 2 = -3', 'w0 = -7\nw0 s/= 2\nexit', 0xfffffffdn],
    ['smod -7 % 3 = -1', 'w0 = -7\nw0 s%= 3\nexit', 0xffffffffn],
    ['lsh by register 32 is masked to 0', 'w0 = 3\nw1 = 32\nw0 <<= w1\nexit', 3n],
    ['rsh is logical', 'w0 = -1\nw0 >>= 28\nexit', 0xfn],
    ['arsh is arithmetic on 32 bits', 'w0 = -16\nw0 s>>= 2\nexit', 0xfffffffcn],
    ['neg', 'w0 = 1\nw0 = -w0\nexit', 0xffffffffn],
    ['movsx 8 into 32 bits', 'w1 = 0x80\nw0 = (s8)w1\nexit', 0xffffff80n],
    ['be16 swaps and truncates', 'r0 = 0x1122334455667788\nr0 = be16 r0\nexit', 0x8877n],
    ['be32', 'r0 = 0x1122334455667788\nr0 = be32 r0\nexit', 0x88776655n],
    ['be64', 'r0 = 0x1122334455667788\nr0 = be64 r0\nexit', 0x8877665544332211n],
    ['le16 truncates', 'r0 = 0x1122334455667788\nr0 = le16 r0\nexit', 0x7788n],
    ['le32 truncates', 'r0 = 0x1122334455667788\nr0 = le32 r0\nexit', 0x55667788n],
    ['le64 is a no-op', 'r0 = 0x1122334455667788\nr0 = le64 r0\nexit', 0x1122334455667788n],
  ])('%s', (_n, src, want) => expect(run(src)).toBe(want));
});

describe('JMP and JMP32', () => {
  const taken = (cond: string, setup = '') => `${setup}\nr0 = 0\n${cond} goto pc+1\nexit\nr0 = 1\nexit`;
  it.each([
    ['jeq on 64 bits compares the high half', taken('if r1 == 0x1', 'r1 = 0x100000001'), 0n],
    ['jeq32 ignores the high half', taken('if w1 == 0x1', 'r1 = 0x100000001'), 1n],
    ['jgt is unsigned', taken('if r1 > 0x1', 'r1 = -1'), 1n],
    ['jsgt is signed', taken('if r1 s> 0x1', 'r1 = -1'), 0n],
    ['jsgt with a negative imm', taken('if r1 s> 0xfffffffe', 'r1 = -1'), 1n],
    ['jgt imm is sign-extended to 64 bits', taken('if r1 > 0xffffffff', 'r1 = 0xffffffff'), 0n],
    ['jgt32 imm is not sign-extended', taken('if w1 > 0xfffffffe', 'r1 = 0xffffffff'), 1n],
    ['jslt32 is signed on the low half', taken('if w1 s< 0x0', 'r1 = 0x80000000'), 1n],
    ['jslt64 of the same value is not', taken('if r1 s< 0x0', 'r1 = 0x80000000'), 0n],
    ['jset on the high half', taken('if r1 & r2', 'r1 = 0x100000000\nr2 = 0x100000000'), 1n],
    ['jset32 ignores the high half', taken('if w1 & w2', 'r1 = 0x100000000\nr2 = 0x100000000'), 0n],
    ['jne', taken('if r1 != r2', 'r1 = 1\nr2 = 2'), 1n],
    ['jge equal', taken('if r1 >= r2', 'r1 = 2\nr2 = 2'), 1n],
    ['jle unsigned', taken('if r1 <= r2', 'r1 = -1\nr2 = 2'), 0n],
    ['jsle signed', taken('if r1 s<= r2', 'r1 = -1\nr2 = 2'), 1n],
    ['jsge32', taken('if w1 s>= w2', 'w1 = -1\nw2 = 0'), 0n],
    ['jlt32', taken('if w1 < 0x5', 'r1 = 0x700000004'), 1n],
  ])('%s', (_n, src, want) => expect(run(src)).toBe(want));

  it('ja and gotol jump forward', () => {
    expect(run('r0 = 1\ngoto pc+1\nr0 = 2\ngotol pc+1\nr0 = 3\nexit')).toBe(1n);
  });
  it('a backward loop counts down', () => {
    expect(run('r0 = 0\nr1 = 10\nr0 += 3\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit')).toBe(30n);
  });
  it('may_goto falls through while the loop budget lasts', () => {
    expect(run('r0 = 0\nmay_goto pc+1\nr0 = 1\nexit')).toBe(1n);
  });
});

describe('memory: LDX/ST/STX/MEMSX and atomics', () => {
  it.each([
    ['stores and loads every size on the stack', '*(u64 *)(r10 -8) = 0x11223344\n*(u8 *)(r10 -8) = 0x99\nr0 = *(u32 *)(r10 -8)\nexit', 0x11223399n],
    ['u16 load zero-extends', '*(u16 *)(r10 -2) = -1\nr0 = *(u16 *)(r10 -2)\nexit', 0xffffn],
    ['s16 load sign-extends', '*(u16 *)(r10 -2) = -1\nr0 = *(s16 *)(r10 -2)\nexit', U64(-1n)],
    ['s8 load sign-extends', '*(u8 *)(r10 -1) = 0x80\nr0 = *(s8 *)(r10 -1)\nexit', U64(-128n)],
    ['s32 load sign-extends', '*(u32 *)(r10 -4) = -2\nr0 = *(s32 *)(r10 -4)\nexit', U64(-2n)],
    ['st imm dw sign-extends the imm', '*(u64 *)(r10 -8) = -1\nr0 = *(u64 *)(r10 -8)\nexit', U64(-1n)],
    ['r1 points at mem, r2 is its length', 'r0 = r2\nexit', 16n],
    ['lock add (no fetch) leaves src', '*(u64 *)(r10 -8) = 5\nr1 = 3\nlock *(u64 *)(r10 -8) += r1\nr0 = *(u64 *)(r10 -8)\nr0 += r1\nexit', 11n],
    ['fetch_add returns the old value', '*(u64 *)(r10 -8) = 5\nr1 = 3\nr1 = atomic64_fetch_add((u64 *)(r10 -8), r1)\nr0 = *(u64 *)(r10 -8)\nr0 <<= 8\nr0 |= r1\nexit', (8n << 8n) | 5n],
    ['32-bit fetch_or zero-extends the old value', '*(u32 *)(r10 -8) = -1\nr1 = -1\nr1 = atomic_fetch_or((u32 *)(r10 -8), r1)\nr0 = r1\nexit', 0xffffffffn],
    ['fetch_and', '*(u64 *)(r10 -8) = 12\nr1 = 10\nr1 = atomic64_fetch_and((u64 *)(r10 -8), r1)\nr0 = *(u64 *)(r10 -8)\nexit', 8n],
    ['fetch_xor', '*(u64 *)(r10 -8) = 12\nr1 = 10\nr1 = atomic64_fetch_xor((u64 *)(r10 -8), r1)\nr0 = *(u64 *)(r10 -8)\nexit', 6n],
    ['32-bit add wraps within 32 bits', 'r2 = 0xffffffff\n*(u64 *)(r10 -8) = r2\nr1 = 1\nlock *(u32 *)(r10 -8) += r1\nr0 = *(u64 *)(r10 -8)\nexit', 0n],
    ['xchg swaps', '*(u64 *)(r10 -8) = 7\nr1 = 9\nr1 = atomic64_xchg((u64 *)(r10 -8), r1)\nr0 = *(u64 *)(r10 -8)\nr0 <<= 8\nr0 |= r1\nexit', (9n << 8n) | 7n],
    ['cmpxchg hit: stores, r0 = old', '*(u64 *)(r10 -8) = 7\nr0 = 7\nr1 = 9\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)\nr2 = *(u64 *)(r10 -8)\nr2 <<= 8\nr0 |= r2\nexit', (9n << 8n) | 7n],
    ['cmpxchg miss: no store, r0 = old', '*(u64 *)(r10 -8) = 7\nr0 = 1\nr1 = 9\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)\nr2 = *(u64 *)(r10 -8)\nr2 <<= 8\nr0 |= r2\nexit', (7n << 8n) | 7n],
    ['32-bit cmpxchg compares the low half of r0', '*(u32 *)(r10 -8) = 7\nr0 = 0x100000007\nr1 = 9\nr0 = atomic_cmpxchg((u32 *)(r10 -8), r0, r1)\nr2 = *(u32 *)(r10 -8)\nr2 <<= 8\nr0 |= r2\nexit', (9n << 8n) | 7n],
    ['load-acquire and store-release', 'r1 = 0x55\nstore_release((u8 *)(r10 -1), r1)\nr0 = load_acquire((u8 *)(r10 -1))\nexit', 0x55n],
  ])('%s', (_n, src, want) => expect(run(src)).toBe(want));

  it('writes through r1 land in the caller’s buffer', () => {
    const mem = new Uint8Array(8);
    expect(run('*(u32 *)(r1 +4) = 0x01020304\nr0 = 0\nexit', mem)).toBe(0n);
    expect([...mem]).toEqual([0, 0, 0, 0, 4, 3, 2, 1]);
  });
  it('legacy LD_ABS reads big-endian from mem', () => {
    expect(run('r6 = r1\nr0 = *(u16 *)skb[1]\nexit', new Uint8Array([0, 0x12, 0x34, 0]))).toBe(0x1234n);
  });
});

describe('runProgram reports what stops a run', () => {
  it.each([
    ['a load past the buffer faults', 'r0 = *(u64 *)(r1 +12)\nexit', 'fault'],
    ['a load from address 0 faults', 'r1 = 0\nr0 = *(u8 *)(r1 +0)\nexit', 'fault'],
    ['a store below the stack faults', '*(u64 *)(r10 -520) = 1\nr0 = 0\nexit', 'fault'],
    ['an unknown opcode is invalid', 'r0 = 0\nexit', 'ok'],
    ['an unknown helper', 'call unknown#99999\nexit', 'unknown_helper'],
    ['writing r10 is invalid', 'r10 = 0\nexit', 'invalid_insn'],
    ['a jump out of the program is invalid', 'goto pc+5\nexit', 'invalid_insn'],
    ['an endless loop hits the instruction limit', 'goto pc-1\nexit', 'insn_limit'],
  ])('%s', (_n, src, kind) => {
    for (const tier of ['switch', 'js'] as const) {
      const r = runProgram(encodeInsns(bpf_asm(src)), new Uint8Array(16), { insn_limit: 10000, tier });
      expect(r.ok ? 'ok' : r.error.kind).toBe(kind);
      if (!r.ok && kind === 'insn_limit') expect(r.insns).toBe(10000);
    }
  });
  it('a fault names the instruction, address, size and region', () => {
    const r = runProgram(encodeInsns(bpf_asm('r0 = 1\nr0 = *(u64 *)(r1 +12)\nexit')), new Uint8Array(16));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.insn).toBe(1);
    expect(r.error.fault?.size).toBe(8);
    expect(r.error.fault?.reason).toBe('out of bounds');
    expect(r.error.fault?.region?.name).toBe('mem');
    expect(r.error.message).toMatch(/^invalid read of size 8 at 0xffff8880[0-9a-f]{8} \(insn 1\): out of bounds of mem$/);
  });
  it('bytes that are not whole instructions, and an unknown opcode, are invalid', () => {
    expect(runProgram(new Uint8Array(7))).toMatchObject({ ok: false, error: { kind: 'invalid_insn' } });
    expect(runProgram(new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0]))).toMatchObject({ ok: false, error: { kind: 'invalid_insn', message: 'unknown opcode ff' } });
  });
  it('counts executed instructions exactly', () => {
    const r = runProgram(encodeInsns(bpf_asm('r0 = 0\nr1 = 10\nr0 += 3\nr1 -= 1\nif r1 != 0x0 goto pc-3\nexit')));
    expect(r.insns).toBe(2 + 10 * 3 + 1);
  });
});

describe('bpf-to-bpf calls', () => {
  it('a call gets its own frame; r6-r9 and r10 survive it', () => {
    const src = `
      r6 = 5
      *(u64 *)(r10 -8) = 11
      r1 = 7
      call pc+4
      r1 = *(u64 *)(r10 -8)
      r0 += r1
      r0 += r6
      exit
      *(u64 *)(r10 -8) = 100
      r6 = 1000
      r0 = r1
      r0 *= 2
      exit`;
    expect(run(src)).toBe(7n * 2n + 11n + 5n);
  });
  it('eight frames are allowed, a ninth is call_depth', () => {
    const chain = (n: number) => [...Array(n - 1)].map(() => 'call pc+0').join('\n') + '\nr0 = 1\nexit';
    // frame k calls the next instruction as a subprogram: n-1 calls make n frames.
    expect(run(chain(8).replace(/r0 = 1\nexit$/, 'r0 = 1\nexit'))).not.toBe('call_depth');
    expect(run(chain(9))).toBe('call_depth');
  });
});

describe('helpers', () => {
  const mk = (type: number, key: number, value: number, entries: number): BpfMap => {
    const ops = find_map_ops(type)!;
    const m = ops.map_alloc(mapCreateAttr({ map_type: type, key_size: key, value_size: value, max_entries: entries }), createMapEnv());
    if (typeof m === 'number') throw new Error(`map_alloc: ${m}`);
    return m;
  };
  it('map lookup returns a live pointer; update and delete return 0 or -errno', () => {
    const hash = mk(bpf_map_type.BPF_MAP_TYPE_HASH, 4, 8, 4);
    const src = `
      r1 = map_fd(3)
      *(u32 *)(r10 -4) = 1
      *(u64 *)(r10 -16) = 40
      r2 = r10
      r2 += -4
      r3 = r10
      r3 += -16
      r4 = 0
      call bpf_map_update_elem#2
      r6 = r0
      r1 = map_fd(3)
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem#1
      if r0 == 0x0 goto pc+4
      r1 = 2
      lock *(u64 *)(r0 +0) += r1
      r0 = *(u64 *)(r0 +0)
      r0 += r6
      exit`;
    const r = runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 3: hash } });
    expect(r).toMatchObject({ ok: true, r0: 42n });
    const v = hash.ops.map_lookup_elem(hash, new Uint8Array([1, 0, 0, 0]))!;
    expect(new DataView(v.buffer, v.byteOffset).getBigUint64(0, true)).toBe(42n);
  });
  it('lookup of a missing key gives NULL, delete of it -ENOENT', () => {
    const hash = mk(bpf_map_type.BPF_MAP_TYPE_HASH, 4, 8, 4);
    const src = `
      *(u32 *)(r10 -4) = 9
      r1 = map_fd(1)
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem#1
      r6 = r0
      r1 = map_fd(1)
      r2 = r10
      r2 += -4
      call bpf_map_delete_elem#3
      r0 += r6
      exit`;
    expect(runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: hash } })).toMatchObject({ ok: true, r0: U64(-2n) });
  });
  it('queue push/pop', () => {
    const q = mk(bpf_map_type.BPF_MAP_TYPE_QUEUE, 0, 4, 2);
    const src = `
      *(u32 *)(r10 -4) = 17
      r1 = map_fd(1)
      r2 = r10
      r2 += -4
      r3 = 0
      call bpf_map_push_elem#87
      *(u32 *)(r10 -8) = 0
      r1 = map_fd(1)
      r2 = r10
      r2 += -8
      call bpf_map_pop_elem#88
      r0 = *(u32 *)(r10 -8)
      exit`;
    expect(runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: q } })).toMatchObject({ ok: true, r0: 17n });
  });
  it('ktime and prandom come from the injected sources', () => {
    const env = createRunEnv({ ktime_get_ns: () => 123n, get_prandom_u32: () => 0xdeadbeef });
    const r = runProgram(bpf_asm('call bpf_ktime_get_ns#5\nr6 = r0\ncall bpf_get_prandom_u32#7\nr0 += r6\nexit'), new Uint8Array(0), { env });
    expect(r).toMatchObject({ ok: true, r0: 123n + 0xdeadbeefn });
  });
  it('trace_printk formats into the trace buffer and returns the length', () => {
    const env = createRunEnv();
    const fmt = new TextEncoder().encode('v=%d x=%x s=%llu\0');
    const src = `
      r1 = r1
      r2 = ${fmt.length}
      r3 = -5
      r4 = 255
      r5 = -1
      call bpf_trace_printk#6
      exit`;
    const r = runProgram(bpf_asm(src), fmt, { env });
    expect(env.trace).toEqual(['v=-5 x=ff s=18446744073709551615']);
    expect(r).toMatchObject({ ok: true, r0: BigInt('v=-5 x=ff s=18446744073709551615'.length) });
  });
  it('trace_printk refuses a format without NUL and %n', () => {
    const env = createRunEnv();
    const bad = new TextEncoder().encode('%n\0');
    const r = runProgram(bpf_asm('r2 = 3\ncall bpf_trace_printk#6\nexit'), bad, { env });
    expect(r).toMatchObject({ ok: true, r0: U64(-22n) });
    expect(env.trace).toEqual([]);
  });
  it('ringbuf reserve/submit writes a record the consumer sees; output copies', () => {
    const rb = mk(bpf_map_type.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
    const src = `
      r1 = map_fd(1)
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve#131
      if r0 == 0x0 goto pc+5
      *(u64 *)(r0 +0) = 0x4142
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit#132
      r0 = 1
      exit`;
    expect(runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: rb } })).toMatchObject({ ok: true, r0: 1n });
    const got: number[][] = [];
    ring_buffer__consume(rb, (s: Uint8Array) => {
      got.push([...s]);
    });
    expect(got).toEqual([[0x42, 0x41, 0, 0, 0, 0, 0, 0]]);
  });
  it('tail call replaces the program; a missing slot falls through', () => {
    const pa = mk(bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2);
    const target = bpf_prog_alloc({ type: 1, insns: bpf_asm('r0 = 77\nexit') });
    (pa as unknown as { ptrs: unknown[] }).ptrs[1] = target;
    const src = (idx: number) => `
      r2 = map_fd(1)
      r3 = ${idx}
      call bpf_tail_call#12
      r0 = 5
      exit`;
    expect(runProgram(bpf_asm(src(1)), new Uint8Array(0), { maps: { 1: pa } })).toMatchObject({ ok: true, r0: 77n });
    expect(runProgram(bpf_asm(src(0)), new Uint8Array(0), { maps: { 1: pa } })).toMatchObject({ ok: true, r0: 5n });
    expect(runProgram(bpf_asm(src(7)), new Uint8Array(0), { maps: { 1: pa } })).toMatchObject({ ok: true, r0: 5n });
  });
  it.each([
    ['an empty slot', 0],
    ['an index past max_entries', 7],
  ])('a tail call that fails on %s leaves r0 as it was (JMP_TAIL_CALL goes on)', (_why, idx) => {
    const pa = mk(bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2);
    const src = `
      r0 = 1234
      r2 = map_fd(1)
      r3 = ${idx}
      call bpf_tail_call#12
      exit`;
    expect(runProgram(bpf_asm(src), new Uint8Array(0), { maps: { 1: pa } })).toMatchObject({ ok: true, r0: 1234n });
  });
  it('a chain of tail calls stops after MAX_TAIL_CALL_CNT (33)', () => {
    const pa = mk(bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1);
    // The program counts itself in mem[0] and tail-calls itself.
    const self = bpf_prog_alloc({
      type: 1,
      insns: bpf_asm(`
        r6 = r1
        r7 = *(u64 *)(r6 +0)
        r7 += 1
        *(u64 *)(r6 +0) = r7
        r1 = r6
        r2 = map_fd(1)
        r3 = 0
        call bpf_tail_call#12
        r0 = *(u64 *)(r6 +0)
        exit`),
    });
    (pa as unknown as { ptrs: unknown[] }).ptrs[0] = self;
    // As the load path does: the map fd becomes the map's address in this machine's memory.
    const env = createRunEnv();
    const log: string[] = [];
    expect(resolve_pseudo_ldimm64(self.insnsi, { mem: env.mem, map_from_fd: () => pa, used_maps: [], log: (l) => log.push(l) })).toBe(0);
    convert_pseudo_ld_imm64(self.insnsi);
    const mem = new Uint8Array(8);
    const r = runProgram(self.insnsi, mem, { env });
    expect(r).toMatchObject({ ok: true, r0: 34n });
  });
});

describe('entry points never throw', () => {
  it('a helper that throws ends the run with kind "internal"', () => {
    const helpers = [];
    helpers[5] = () => {
      throw new Error('boom');
    };
    for (const tier of ['switch', 'js'] as const) {
      const r = runProgram(bpf_asm('call bpf_ktime_get_ns#5\nexit'), new Uint8Array(0), { helpers, tier });
      expect(r).toMatchObject({ ok: false, error: { kind: 'internal', message: 'internal error: boom' } });
    }
  });
});

describe('ld_imm64 pseudo sources', () => {
  const ld = (src: number, imm: number, next = 0) => [
    { code: 0x18, dst_reg: 0, src_reg: src, off: 0, imm },
    { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: next },
    { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
  ];
  it('BPF_PSEUDO_FUNC loads a code address inside the program image', () => {
    const r = runProgram([...ld(4, 0), { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }]);
    expect(r.ok && r.r0 >> 32n).toBe(0xffff8880n);
  });
  it('BPF_PSEUDO_BTF_ID loads the variable address the resolver gives', () => {
    expect(runProgram(ld(3, 77), new Uint8Array(0), { var_addr: (id) => (id === 77 ? 0xffffffff81000000n : undefined) })).toMatchObject({ ok: true, r0: 0xffffffff81000000n });
    expect(runProgram(ld(3, 78), new Uint8Array(0), { var_addr: () => undefined })).toMatchObject({ ok: false, error: { kind: 'invalid_insn' } });
  });
  it('BPF_PSEUDO_MAP_IDX resolves through fd_array', () => {
    const m = find_map_ops(bpf_map_type.BPF_MAP_TYPE_ARRAY)!.map_alloc(mapCreateAttr({ map_type: bpf_map_type.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 1 }), createMapEnv()) as BpfMap;
    const env = createRunEnv();
    const r = runProgram(ld(5, 0), new Uint8Array(0), { fd_array: [m], env });
    expect(r.ok && env.mem.objectAt(r.r0)).toBe(m);
    const v = runProgram(ld(6, 0, 4), new Uint8Array(0), { fd_array: [m], env });
    expect(v.ok && env.mem.findAddr(v.r0)?.kind).toBe('map_value');
  });
  it('an unknown pseudo src_reg is invalid', () => {
    expect(runProgram(ld(7, 0))).toMatchObject({ ok: false, error: { kind: 'invalid_insn', message: 'unrecognized bpf_ld_imm64 insn' } });
  });
});

describe('the compiled tier really compiles', () => {
  it.each([
    ['ALU, jumps, loads, stores, atomics and a helper', 'r0 = 0\nr1 = 3\n*(u64 *)(r10 -8) = r1\nr2 = *(u64 *)(r10 -8)\nlock *(u64 *)(r10 -8) += r2\ncall bpf_get_prandom_u32#7\nif r0 > 0x5 goto pc+1\nr0 = 1\nexit'],
    ['every ALU op', 'r1 = 7\nr0 = 100\nr0 += r1\nr0 -= 1\nr0 *= r1\nr0 /= 3\nr0 %= 50\nr0 |= 1\nr0 &= -1\nr0 ^= 2\nr0 <<= 3\nr0 >>= 1\nr0 s>>= 1\nr0 = -r0\nw0 += 1\nr0 = bswap16 r0\nexit'],
  ])('%s', (_n, src) => {
    const pd = bpf_prog_predecode(bpf_asm(src), new BpfMemory());
    if ('message' in pd) throw new Error(pd.message);
    expect(bpf_prog_js_source(pd)).not.toBeNull();
    expect(bpf_prog_js_compile(pd)).toBeTypeOf('function');
  });
  it('bpf-to-bpf calls compile; tail calls stay on the switch interpreter', () => {
    const pd = bpf_prog_predecode(bpf_asm('call pc+1\nexit\nr0 = 1\nexit'), new BpfMemory());
    if ('message' in pd) throw new Error(pd.message);
    expect(bpf_prog_js_compile(pd)).toBeTypeOf('function');
    const tc = bpf_prog_predecode(bpf_asm('r2 = 0\nr3 = 0\ncall bpf_tail_call#12\nexit'), new BpfMemory());
    if ('message' in tc) throw new Error(tc.message);
    expect(bpf_prog_js_source(tc)).toBeNull();
  });
});
