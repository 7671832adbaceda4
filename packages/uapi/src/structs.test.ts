import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  UapiError,
  decodeAttr,
  decodeInsns,
  decodeStruct,
  encodeAttr,
  encodeInfo,
  encodeInsns,
  encodeStruct,
  sizeofStruct,
  uapiStruct,
} from './index.js';

describe('UAPI structs', () => {
  it.each([
    // sizeof in v6.18 (include/uapi/linux/bpf.h), as the kernel's BTF reports them
    ['bpf_insn', 8],
    ['bpf_prog_info', 232],
    ['bpf_map_info', 104],
    ['bpf_link_info', 64],
    ['bpf_btf_info', 32],
    ['xdp_md', 24],
    ['__sk_buff', 192],
    ['bpf_func_info', 8],
    ['bpf_line_info', 16],
  ] as const)('sizeof(struct %s) is %i', (name, size) => {
    expect(sizeofStruct(name)).toBe(size);
  });

  it('the layout codec and insn.ts agree on struct bpf_insn, bitfields included', () => {
    const insn = fc.record({
      code: fc.integer({ min: 0, max: 255 }),
      dst_reg: fc.integer({ min: 0, max: 15 }),
      src_reg: fc.integer({ min: 0, max: 15 }),
      off: fc.integer({ min: -0x8000, max: 0x7fff }),
      imm: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    });
    fc.assert(
      fc.property(insn, (i) => {
        const a = encodeStruct('bpf_insn', i);
        expect(a).toEqual(encodeInsns([i]));
        expect(decodeStruct('bpf_insn', a)).toEqual(decodeInsns(a)[0]);
      }),
      { numRuns: 300 },
    );
  });

  it('gpl_compatible is bit 0 of the u32 after ifindex (byte 84)', () => {
    const b = encodeStruct('bpf_prog_info', { gpl_compatible: 1 });
    expect(b[84]).toBe(1);
    expect(decodeStruct('bpf_prog_info', b).gpl_compatible).toBe(1);
    expect(() => encodeStruct('bpf_prog_info', { gpl_compatible: 2 })).toThrow(/bpf_prog_info\.gpl_compatible/);
  });

  it('__sk_buff arrays: cb[5] and remote_ip6[4] as u32 arrays', () => {
    const b = encodeStruct('__sk_buff', { cb: [1, 2, 3], remote_ip6: [0xffffffff, 0, 0, 1] });
    const s = decodeStruct('__sk_buff', b);
    expect(s.cb).toEqual([1, 2, 3, 0, 0]);
    expect(s.remote_ip6).toEqual([0xffffffff, 0, 0, 1]);
    expect(() => encodeStruct('__sk_buff', { cb: [1, 2, 3, 4, 5, 6] })).toThrow(/__sk_buff\.cb/);
  });

  it('bpf_link_info reads its union by the link type', () => {
    const b = encodeStruct('bpf_link_info', { type: 7, perf_event: { type: 1, kprobe: { addr: 0xffffffff81000000n } } });
    const l = decodeStruct('bpf_link_info', b);
    expect(l.perf_event.kprobe.addr).toBe(0xffffffff81000000n);
    expect(uapiStruct('bpf_link_info').byPath.get('perf_event.kprobe.addr')?.offset).toBe(40);
  });

  it('encodeInfo copies min(info_len, sizeof) bytes like the kernel', () => {
    expect(encodeInfo('bpf_map_info', { id: 5 }, 8)).toMatchObject({ info_len: 8 });
    expect(encodeInfo('bpf_map_info', { id: 5 }, 4096).info_len).toBe(104);
    expect(encodeInfo('bpf_map_info', { id: 5 }, 8).bytes).toEqual(new Uint8Array([0, 0, 0, 0, 5, 0, 0, 0]));
  });

  it('a non-ASCII name is UTF-8 and must fit in char[16]', () => {
    const a = decodeAttr('BPF_MAP_CREATE', encodeAttr('BPF_MAP_CREATE', { map_name: 'é' }));
    expect(Array.from(a.map_name.subarray(0, 3))).toEqual([0xc3, 0xa9, 0]);
    expect(() => encodeAttr('BPF_MAP_CREATE', { map_name: 'é'.repeat(9) })).toThrow(UapiError);
  });
});
