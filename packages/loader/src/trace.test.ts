import { describe, expect, it } from 'vitest';
import { ETH_HLEN, exampleInsns, examplePacket, EXAMPLE_PROTO_OFFSET } from './example.js';
import { formatProgLoadTrace, opcodeName, traceExampleProgLoad } from './trace.js';
import { main } from './cli.js';

const ESC = '\x1b[';

describe('the example program', () => {
  it('encodes as the kernel lays out each instruction', () => {
    // Expected bytes per bpf.h's struct bpf_insn: code, dst|src<<4, off (le16), imm (le32).
    const t = traceExampleProgLoad(3);
    expect(t.insns.map((i) => i.hex)).toEqual([
      '620afcff00000000', // *(u32 *)(r10 -4) = 0 (BPF_ST | BPF_W | BPF_MEM, dst r10, off -4)
      'b702000009000000', // r2 = 9
      'bfa3000000000000', // r3 = r10 (src 10 in the high nibble, dst 3 in the low)
      '07030000fcffffff', // r3 += -4
      'b704000001000000', // r4 = 1
      '850000001a000000', // call bpf_skb_load_bytes (func id 26)
      '5500080000000000', // if r0 != 0 goto pc+8
      'bfa2000000000000', // r2 = r10
      '07020000fcffffff', // r2 += -4
      '1811000003000000', // r1 = map fd 3 (BPF_PSEUDO_MAP_FD = 1 in src_reg)
      '0000000000000000',
      '8500000001000000', // call bpf_map_lookup_elem
      '1500020000000000', // if r0 == 0 goto pc+2
      'b701000001000000', // r1 = 1
      'db10000000000000', // lock *(u64 *)(r0 +0) += r1
      'b700000000000000', // r0 = 0
      '9500000000000000', // exit
    ]);
  });
  it('puts the map fd in the ld_imm64', () => {
    expect(exampleInsns(42)[9]).toMatchObject({ code: 0x18, src_reg: 1, imm: 42 });
  });
  it('test packet carries the protocol at ETH_HLEN + offsetof(struct iphdr, protocol)', () => {
    expect(EXAMPLE_PROTO_OFFSET).toBe(9);
    expect(examplePacket(17)[ETH_HLEN + EXAMPLE_PROTO_OFFSET]).toBe(17);
    expect(examplePacket(17)[12]).toBe(0x08);
  });
});

describe('the BPF_PROG_LOAD trace', () => {
  const t = traceExampleProgLoad();
  it.each([
    // field, offset and size in v6.18's union bpf_attr, value shown
    ['prog_type', 0, 4, '1 (BPF_PROG_TYPE_SOCKET_FILTER)'],
    ['insn_cnt', 4, 4, '17'],
    ['insns', 8, 8, '0x7f0000001000'],
    ['prog_name', 48, 16, '"count_protos"'],
    ['attach_btf_obj_fd', 112, 4, '0'],
    ['log_true_size', 140, 4, '0'],
    ['keyring_id', 164, 4, '0'],
  ])('%s sits at offset %i, %i bytes, shown as %s', (field, offset, size, value) => {
    expect(t.rows.find((r) => r.field === field)).toMatchObject({ offset, size, value });
  });
  it('lists every field of the PROG_LOAD struct and the whole 168 bytes', () => {
    expect(t.rows).toHaveLength(32);
    expect(t.attr).toHaveLength(168);
    expect(t.rows.find((r) => r.field === 'attach_btf_obj_fd')?.aliases).toBe('attach_prog_fd');
  });
  it('plain text has no ANSI escapes; colour adds them', () => {
    expect(formatProgLoadTrace(t).includes(ESC)).toBe(false);
    expect(formatProgLoadTrace(t, { color: true }).includes(`${ESC}1m`)).toBe(true);
  });
  it.each([
    [0xbf, 'ALU64 MOV X'],
    [0x07, 'ALU64 ADD K'],
    [0x15, 'JMP JEQ K'],
    [0x85, 'JMP CALL K'],
    [0x95, 'JMP EXIT K'],
    [0x61, 'LDX W MEM'],
    [0xdb, 'STX DW ATOMIC'],
    [0x30, 'LD B ABS'],
    [0x18, 'LD DW IMM'],
  ])('opcode 0x%s is named %s', (code, name) => {
    expect(opcodeName(code)).toBe(name);
  });
});

describe('bpf-internals CLI', () => {
  const run = (args: string[], isTTY = false) => {
    let out = '';
    let err = '';
    const code = main(args, {
      argv: [],
      env: {},
      stdout: { isTTY, write: (s: string) => ((out += s), true) },
      stderr: { write: (s: string) => ((err += s), true) },
    });
    return { code, out, err };
  };
  it('trace prints the attr table without ANSI when stdout is not a TTY', () => {
    const r = run(['trace']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('bpf(BPF_PROG_LOAD = 5, &attr, 168)');
    expect(r.out.includes(ESC)).toBe(false);
  });
  it('trace uses colour on a TTY', () => {
    expect(run(['trace'], true).out.includes(ESC)).toBe(true);
  });
  it('an unknown command exits 2 with usage on stderr', () => {
    const r = run(['nope']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command nope/);
  });
});
