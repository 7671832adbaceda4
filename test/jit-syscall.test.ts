// Through the syscall model: BPF_PROG_LOAD JITs the program (bpf_jit_enable on, as
// CONFIG_BPF_JIT_DEFAULT_ON), and BPF_OBJ_GET_INFO_BY_FD reports the RV64 image as the kernel does:
// jited_prog_len, then the bytes in jited_prog_insns when the caller gives room for them.
// https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_get_info_by_fd)
import { describe, expect, it } from 'vitest';
import { BPF_ALU64_IMM, BPF_ADD, BPF_EXIT_INSN, BPF_MOV64_IMM, bpf_cmd, encodeAttr, encodeInsns, type BpfInsn } from '@bpf-internals/uapi';
import { createKernel } from '@bpf-internals/syscall';
import { compile, disassemble } from '@bpf-internals/jit-riscv';

// struct bpf_prog_info (include/uapi/linux/bpf.h): jited_prog_len at 16, jited_prog_insns at 24.
const JITED_PROG_LEN = 16;
const JITED_PROG_INSNS = 24;
const PROG_INFO_SIZE = 232;

function loadAndInfo(insns: BpfInsn[], jit: boolean, room: number) {
  const kernel = createKernel({ jit });
  const proc = kernel.spawn();
  const code = encodeInsns(insns);
  const ia = proc.mem.alloc(code.length);
  proc.mem.write(ia, code);
  const la = proc.mem.alloc(4);
  proc.mem.write(la, new TextEncoder().encode('GPL\0'));
  const load = encodeAttr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: insns.length, insns: ia, license: la } as never);
  const aa = proc.mem.alloc(load.length);
  proc.mem.write(aa, load);
  const fd = proc.bpf(bpf_cmd.BPF_PROG_LOAD, aa, load.length);
  expect(fd).toBeGreaterThanOrEqual(0);
  const buf = proc.mem.alloc(Math.max(room, 1));
  const info = new Uint8Array(PROG_INFO_SIZE);
  const dv = new DataView(info.buffer);
  dv.setUint32(JITED_PROG_LEN, room, true);
  dv.setBigUint64(JITED_PROG_INSNS, room ? buf : 0n, true);
  const ip = proc.mem.alloc(info.length);
  proc.mem.write(ip, info);
  // union bpf_attr's info member: bpf_fd, info_len, info (u64 pointer).
  const attr = new Uint8Array(16);
  const adv = new DataView(attr.buffer);
  adv.setUint32(0, fd, true);
  adv.setUint32(4, info.length, true);
  adv.setBigUint64(8, ip, true);
  const ap = proc.mem.alloc(attr.length);
  proc.mem.write(ap, attr);
  const ret = proc.bpf(bpf_cmd.BPF_OBJ_GET_INFO_BY_FD, ap, attr.length);
  const out = new DataView(proc.mem.read(ip, info.length).buffer);
  const len = out.getUint32(JITED_PROG_LEN, true);
  return { ret, len, bytes: room ? proc.mem.read(buf, Math.min(room, len)) : new Uint8Array(0) };
}

describe('BPF_OBJ_GET_INFO_BY_FD reports the RV64 image', () => {
  const insns = [BPF_MOV64_IMM(0, 1), BPF_ALU64_IMM(BPF_ADD, 0, 41), BPF_EXIT_INSN()];
  const expected = compile(insns).image;
  it('jited_prog_len is the image size and jited_prog_insns its bytes', () => {
    const r = loadAndInfo(insns, true, 4096);
    expect(r.ret).toBe(0);
    expect(r.len).toBe(expected.length);
    expect(r.bytes).toEqual(expected);
    // What `prog dump jited` prints from those bytes.
    expect(disassemble(r.bytes).map((l) => l.text.split('\t')[0])).toContain('ret');
  });
  it('with no room given, only the length comes back', () => {
    const r = loadAndInfo(insns, true, 0);
    expect(r.ret).toBe(0);
    expect(r.len).toBe(expected.length);
  });
  it('with bpf_jit_enable = 0 the program is interpreted: jited_prog_len is 0', () => {
    expect(loadAndInfo(insns, false, 4096).len).toBe(0);
  });
});
