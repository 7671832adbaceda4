import { describe, expect, it } from 'vitest';
import { bpf_map_type, errno, type BpfInsn } from '@bpf-internals/uapi';
import { createMapEnv, find_map_ops, mapCreateAttr, type BpfMap } from '@bpf-internals/maps';
import { bpf_asm } from './disasm.js';
import { BpfMemory, regionAddr } from './memory.js';
import { convert_pseudo_ld_imm64, resolve_pseudo_ldimm64, type LdImm64Env } from './ldimm64.js';

function array(max_entries = 1): BpfMap {
  const m = find_map_ops(bpf_map_type.BPF_MAP_TYPE_ARRAY)!.map_alloc(
    mapCreateAttr({ map_type: bpf_map_type.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 16, max_entries }),
    createMapEnv(),
  );
  if (typeof m === 'number') throw new Error(String(m));
  return m;
}

function env(maps: Record<number, BpfMap>, extra: Partial<LdImm64Env> = {}) {
  const log: string[] = [];
  const e: LdImm64Env = {
    mem: new BpfMemory(),
    map_from_fd: (fd) => maps[fd] ?? -errno.EBADF,
    used_maps: [],
    log: (l) => log.push(l),
    ...extra,
  };
  return { e, log };
}

const imm64 = (insns: BpfInsn[], i: number) => (BigInt(insns[i + 1]!.imm >>> 0) << 32n) | BigInt(insns[i]!.imm >>> 0);

describe('resolve_pseudo_ldimm64', () => {
  it('replaces a map fd with the map object address, once per map in used_maps', () => {
    const m = array();
    const { e } = env({ 4: m });
    const insns = bpf_asm('r1 = map_fd(4)\nr2 = map_fd(4)\nr0 = 0\nexit');
    expect(resolve_pseudo_ldimm64(insns, e)).toBe(0);
    expect(e.used_maps).toEqual([m]);
    expect(m.refcnt).toBe(2); // the fd's reference and the program's
    expect(imm64(insns, 0)).toBe(e.mem.objectAddr(m, ''));
    expect(e.mem.objectAt(imm64(insns, 2))).toBe(m);
    expect(insns[0]!.src_reg).toBe(1); // until convert_pseudo_ld_imm64
    convert_pseudo_ld_imm64(insns);
    expect(insns[0]!.src_reg).toBe(0);
  });
  it('replaces a map value reference with the value address plus the offset', () => {
    const m = array();
    const { e } = env({ 4: m });
    const insns = bpf_asm('r1 = map_value(4, 8)\nr0 = 0\nexit');
    expect(resolve_pseudo_ldimm64(insns, e)).toBe(0);
    const a = imm64(insns, 0);
    const r = e.mem.findAddr(a)!;
    expect(r.kind).toBe('map_value');
    expect(a - regionAddr(r)).toBe(8n);
  });
  it.each([
    ['an fd that is not a map', 'r1 = map_fd(9)\nexit', -errno.EBADF, 'fd 9 is not pointing to valid bpf_map'],
    ['a value offset past value_size', 'r1 = map_value(4, 16)\nexit', -errno.EINVAL, 'invalid access to map value pointer, value_size=16 off=16'],
    ['a map value of a multi-entry array', 'r1 = map_value(5, 0)\nexit', -524, 'invalid access to map value pointer, value_size=16 off=0'],
    ['a map value at offset 0', 'r1 = map_value(4, 0)\nexit', 0, ''],
  ])('%s', (_n, src, ret, msg) => {
    const { e, log } = env({ 4: array(), 5: array(4) });
    expect(resolve_pseudo_ldimm64(bpf_asm(src), e)).toBe(ret);
    expect(log.join('\n')).toBe(msg);
  });
  it.each([
    ['a truncated ld_imm64', [{ code: 0x18, dst_reg: 1, src_reg: 0, off: 0, imm: 1 }], -errno.EINVAL, 'invalid bpf_ld_imm64 insn'],
    ['a second slot with fields set', [{ code: 0x18, dst_reg: 1, src_reg: 0, off: 0, imm: 1 }, { code: 0, dst_reg: 1, src_reg: 0, off: 0, imm: 0 }], -errno.EINVAL, 'invalid bpf_ld_imm64 insn'],
    ['an unknown pseudo src_reg', [{ code: 0x18, dst_reg: 1, src_reg: 7, off: 0, imm: 1 }, { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }], -errno.EINVAL, 'unrecognized bpf_ld_imm64 insn'],
    ['a map fd whose second imm is set', [{ code: 0x18, dst_reg: 1, src_reg: 1, off: 0, imm: 4 }, { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 8 }], -errno.EINVAL, 'unrecognized bpf_ld_imm64 insn'],
    ['an LDX with imm set', [{ code: 0x61, dst_reg: 0, src_reg: 1, off: 0, imm: 1 }], -errno.EINVAL, 'BPF_LDX uses reserved fields'],
    ['an unknown opcode', [{ code: 0xff, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }], -errno.EINVAL, 'unknown opcode ff'],
    ['a map index without fd_array', [{ code: 0x18, dst_reg: 1, src_reg: 5, off: 0, imm: 0 }, { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }], -errno.EPROTO, 'fd_idx without fd_array is invalid'],
  ] as [string, BpfInsn[], number, string][])('%s', (_n, insns, ret, msg) => {
    const { e, log } = env({ 4: array() });
    expect(resolve_pseudo_ldimm64(insns, e)).toBe(ret);
    expect(log).toEqual([msg]);
  });
});
