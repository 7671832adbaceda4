import { describe, expect, it } from 'vitest';
import { BPF_EXIT_INSN, BPF_LD_MAP_FD, BPF_MOV64_IMM, bpf_prog_type, errno } from '@bpf-internals/uapi';
import { sha256 } from './internal/sha256.js';
import { bpf_prog_alloc, bpf_prog_calc_tag, bpf_prog_run, bpf_prog_select_runtime, bpf_prog_tag_string } from './core.js';
import { createRunEnv } from './helpers.js';
import type { bpf_prog } from './filter.js';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

describe('sha256 (FIPS 180-4 test vectors)', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('sha256(%j) = %s', (input, digest) => {
    expect(hex(sha256(new TextEncoder().encode(input)))).toBe(digest);
  });
});

describe('bpf_prog_calc_tag', () => {
  const prog = (fd: number) =>
    bpf_prog_alloc({ type: bpf_prog_type.BPF_PROG_TYPE_SOCKET_FILTER, insns: [...BPF_LD_MAP_FD(1, fd), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()] });
  it('ignores the map fd, so reloading with another fd gives the same tag', () => {
    const a = prog(3);
    const b = prog(9);
    bpf_prog_calc_tag(a);
    bpf_prog_calc_tag(b);
    expect(bpf_prog_tag_string(a)).toBe(bpf_prog_tag_string(b));
    expect(bpf_prog_tag_string(a)).toMatch(/^[0-9a-f]{16}$/);
  });
  it('is the first 8 bytes of SHA-256 over the instructions (v6.18)', () => {
    const p = bpf_prog_alloc({ type: 1, insns: [BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()] });
    bpf_prog_calc_tag(p);
    const bytes = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    expect(hex(p.tag)).toBe(hex(sha256(bytes)).slice(0, 16));
  });
});

describe('bpf_prog.id is prog->aux->id (what a prog_array slot lookup from user space returns)', () => {
  it.each([
    ['a program before bpf_prog_alloc_id has id 0', undefined, 0],
    ['the id the syscall layer allocated', 7, 7],
    ['the largest id the IDR hands out (INT_MAX)', 0x7fffffff, 0x7fffffff],
  ] as const)('%s', (_name, assigned, want) => {
    const p = bpf_prog_alloc({ type: 1, insns: [BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN()] });
    if (assigned !== undefined) p.aux.id = assigned;
    expect(p.id).toBe(want);
  });
});

describe('bpf_prog_select_runtime', () => {
  const mk = () => bpf_prog_alloc({ type: 1, insns: [BPF_MOV64_IMM(0, 42), BPF_EXIT_INSN()], jit_requested: true });
  it('uses the interpreter when there is no JIT', () => {
    const { prog, err } = bpf_prog_select_runtime(mk());
    expect(err).toBe(0);
    expect(prog.jited).toBe(false);
    expect(bpf_prog_run(prog, 0n, createRunEnv())).toMatchObject({ ok: true, r0: 42n });
  });
  it('uses the JIT when it succeeds', () => {
    const jit = (p: bpf_prog) => {
      p.jited = true;
      p.jited_len = 8;
      p.bpf_func = () => ({ ok: true, r0: 7n, insns: 1 });
      return p;
    };
    const { prog, err } = bpf_prog_select_runtime(mk(), { jit });
    expect(err).toBe(0);
    expect(prog.jited).toBe(true);
    expect(bpf_prog_run(prog, 0n, createRunEnv())).toMatchObject({ ok: true, r0: 7n });
  });
  it('falls back to the interpreter when the JIT throws', () => {
    const { prog, err } = bpf_prog_select_runtime(mk(), {
      jit: () => {
        throw new Error('boom');
      },
    });
    expect(err).toBe(0);
    expect(prog.jited).toBe(false);
    expect(bpf_prog_run(prog, 0n, createRunEnv())).toMatchObject({ ok: true, r0: 42n });
  });
  it('gives ENOTSUPP when the JIT is needed (jit_always_on) and fails', () => {
    const { err } = bpf_prog_select_runtime(mk(), { jit: (p) => p, jit_always_on: true });
    expect(err).toBe(-errno.ENOTSUPP);
  });
});
