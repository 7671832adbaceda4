import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BPF_ATTR_SIZE,
  CHECK_ATTR,
  UapiError,
  attrCommand,
  attrField,
  attrFields,
  attrFieldsAt,
  attrLastField,
  bpfAttrSizeAt,
  bpf_cmd,
  cString,
  decodeAttr,
  encodeAttr,
  getAttrField,
  setAttrField,
} from './index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('union bpf_attr codec', () => {
  it('sizeof(union bpf_attr) is 168 in v6.18', () => {
    expect(BPF_ATTR_SIZE).toBe(168);
  });

  it.each([
    // sizeof(union bpf_attr) per release: 6.1 (Debian 12's header), 6.4 (log_true_size fills
    // the old padding), 6.9 (prog_token_fd), 6.12 (the source tree), 6.18 (signature, keyring_id)
    ['6.1', 144],
    ['6.4', 144],
    ['6.9', 152],
    ['6.12', 152],
    ['6.18', 168],
  ])('sizeof(union bpf_attr) derived for %s is %i', (rel, size) => {
    expect(bpfAttrSizeAt(rel)).toBe(size);
  });

  // Each row: command, fields, and the bytes bpf.h's layout puts them at (offset: little-endian bytes).
  it.each([
    ['BPF_MAP_CREATE map_type=ARRAY', 'BPF_MAP_CREATE', { map_type: 2 }, { 0: '02000000' }],
    ['BPF_MAP_CREATE max_entries', 'BPF_MAP_CREATE', { max_entries: 0x01020304 }, { 12: '04030201' }],
    ['BPF_MAP_CREATE map_name', 'BPF_MAP_CREATE', { map_name: 'counts' }, { 28: '636f756e747300' }],
    ['BPF_MAP_CREATE map_extra (u64)', 'BPF_MAP_CREATE', { map_extra: 0x1122334455667788n }, { 64: '8877665544332211' }],
    ['BPF_MAP_CREATE map_token_fd (s32)', 'BPF_MAP_CREATE', { map_token_fd: -1 }, { 76: 'ffffffff' }],
    ['BPF_MAP_UPDATE_ELEM key is 8-aligned after map_fd', 'BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: 0x10 }, { 0: '03000000', 8: '1000000000000000' }],
    ['BPF_MAP_GET_NEXT_KEY next_key shares value', 'BPF_MAP_GET_NEXT_KEY', { next_key: 0x20 }, { 16: '20' }],
    ['BPF_PROG_LOAD prog_name at 48', 'BPF_PROG_LOAD', { prog_name: 'x' }, { 48: '7800' }],
    ['BPF_PROG_LOAD log_true_size at 140', 'BPF_PROG_LOAD', { log_true_size: 7 }, { 140: '07000000' }],
    ['BPF_PROG_LOAD keyring_id ends the union', 'BPF_PROG_LOAD', { keyring_id: -2 }, { 164: 'feffffff' }],
    ['BPF_PROG_TEST_RUN test.repeat', 'BPF_PROG_TEST_RUN', { test: { repeat: 9 } }, { 32: '09000000' }],
    ['BPF_OBJ_GET_INFO_BY_FD info.info', 'BPF_OBJ_GET_INFO_BY_FD', { info: { info: 0xabn } }, { 8: 'ab00' }],
    ['BPF_LINK_CREATE kprobe_multi.cnt', 'BPF_LINK_CREATE', { link_create: { kprobe_multi: { cnt: 5 } } }, { 20: '05000000' }],
    ['BPF_LINK_CREATE uprobe_multi.pid', 'BPF_LINK_CREATE', { link_create: { uprobe_multi: { pid: 1 } } }, { 56: '01000000' }],
    ['BPF_RAW_TRACEPOINT_OPEN cookie after the padding', 'BPF_RAW_TRACEPOINT_OPEN', { raw_tracepoint: { cookie: 1n } }, { 16: '01' }],
  ] as const)('%s', (_name, cmd, fields, expected) => {
    const bytes = encodeAttr(cmd, fields as never);
    expect(bytes.length).toBe(168);
    const want = new Uint8Array(168);
    for (const [off, h] of Object.entries(expected)) want.set(Buffer.from(h, 'hex'), Number(off));
    expect(hex(bytes)).toBe(hex(want));
  });

  it('decode reads back what encode wrote, shaped as C accesses it', () => {
    const a = decodeAttr('BPF_PROG_LOAD', encodeAttr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: 2, insns: 0x1000n, prog_name: 'count' }));
    expect(a.prog_type).toBe(1);
    expect(a.insns).toBe(0x1000n);
    expect(cString(a.prog_name)).toBe('count');
    const t = decodeAttr(bpf_cmd.BPF_PROG_TEST_RUN, encodeAttr('BPF_PROG_RUN', { test: { prog_fd: 4, retval: 0xffffffff } }));
    expect(t.test).toMatchObject({ prog_fd: 4, retval: 0xffffffff });
  });

  it('decoded attrs are typed per command, by name or by enum bpf_cmd number', () => {
    const b = new Uint8Array(168);
    expectTypeOf(decodeAttr(bpf_cmd.BPF_PROG_LOAD, b).insns).toEqualTypeOf<bigint>();
    expectTypeOf(decodeAttr('BPF_PROG_LOAD', b).prog_name).toEqualTypeOf<Uint8Array>();
    expectTypeOf(decodeAttr(bpf_cmd.BPF_PROG_RUN, b).test.retval).toEqualTypeOf<number>();
    expectTypeOf(decodeAttr('BPF_LINK_CREATE', b).link_create.kprobe_multi.syms).toEqualTypeOf<bigint>();
    expect(decodeAttr(bpf_cmd.BPF_PROG_LOAD, b).insns).toBe(0n);
  });

  it('a union reads the same bytes under every member name', () => {
    const a = decodeAttr('BPF_PROG_LOAD', encodeAttr('BPF_PROG_LOAD', { attach_prog_fd: 7 }));
    expect(a.attach_btf_obj_fd).toBe(7);
    expect(() => encodeAttr('BPF_PROG_LOAD', { attach_prog_fd: 7, attach_btf_obj_fd: 8 })).toThrow(/bpf_attr\.attach_btf_obj_fd: conflicts/);
    expect(() => encodeAttr('BPF_PROG_LOAD', { attach_prog_fd: 7, attach_btf_obj_fd: 7 })).not.toThrow();
  });

  it.each([
    ['unknown command', 'bpf_attr', () => encodeAttr(99, {})],
    ['unknown field', 'bpf_attr.map_typ', () => encodeAttr('BPF_MAP_CREATE', { map_typ: 1 } as never)],
    ['field of another command', 'bpf_attr.prog_type', () => encodeAttr('BPF_MAP_CREATE', { prog_type: 1 } as never)],
    ['u32 above 2^32-1', 'bpf_attr.map_type', () => encodeAttr('BPF_MAP_CREATE', { map_type: 2 ** 32 })],
    ['negative u32', 'bpf_attr.key_size', () => encodeAttr('BPF_MAP_CREATE', { key_size: -1 })],
    ['s32 above 2^31-1', 'bpf_attr.prog_token_fd', () => encodeAttr('BPF_PROG_LOAD', { prog_token_fd: 2 ** 31 })],
    ['non-integer', 'bpf_attr.value_size', () => encodeAttr('BPF_MAP_CREATE', { value_size: 1.5 })],
    ['u64 above 2^64-1', 'bpf_attr.insns', () => encodeAttr('BPF_PROG_LOAD', { insns: 1n << 64n })],
    ['negative u64', 'bpf_attr.log_buf', () => encodeAttr('BPF_PROG_LOAD', { log_buf: -1n })],
    ['name longer than char[16]', 'bpf_attr.prog_name', () => encodeAttr('BPF_PROG_LOAD', { prog_name: 'a'.repeat(17) })],
    ['nested unknown field', 'bpf_attr.test.prog', () => encodeAttr('BPF_PROG_TEST_RUN', { test: { prog: 1 } } as never)],
    ['nested struct given a number', 'bpf_attr.test', () => encodeAttr('BPF_PROG_TEST_RUN', { test: 3 } as never)],
    ['decode of a short buffer', 'bpf_attr', () => decodeAttr('BPF_MAP_CREATE', new Uint8Array(95))],
    ['decode of an unknown command', 'bpf_attr', () => decodeAttr(38, new Uint8Array(168))],
  ])('%s is a UapiError naming %s', (_name, field, fn) => {
    try {
      fn();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UapiError);
      expect((e as UapiError).field).toBe(field);
    }
  });

  it('a 16-byte name fills char[16] with no NUL (bpf_obj_name_cpy then refuses it, not us)', () => {
    const a = decodeAttr('BPF_MAP_CREATE', encodeAttr('BPF_MAP_CREATE', { map_name: 'a'.repeat(16) }));
    expect(a.map_name.every((c) => c === 0x61)).toBe(true);
  });

  it('getAttrField/setAttrField read and write one field in place', () => {
    const b = encodeAttr('BPF_PROG_LOAD', { log_size: 100 });
    setAttrField('BPF_PROG_LOAD', b, 'log_true_size', 42);
    expect(getAttrField('BPF_PROG_LOAD', b, 'log_true_size')).toBe(42);
    expect(getAttrField('BPF_PROG_LOAD', b, 'log_size')).toBe(100);
    expect(() => setAttrField('BPF_PROG_LOAD', b, 'log_true_size', -1)).toThrow(/log_true_size/);
    expect(() => getAttrField('BPF_PROG_LOAD', b, 'nope')).toThrow(UapiError);
  });
});

describe('CHECK_ATTR and BPF_<CMD>_LAST_FIELD', () => {
  // kernel/bpf/syscall.c at v6.18: the #define BPF_*_LAST_FIELD of each command, and offsetofend.
  it.each([
    ['BPF_MAP_CREATE', 'excl_prog_hash_size', 92],
    ['BPF_MAP_LOOKUP_ELEM', 'flags', 32],
    ['BPF_MAP_DELETE_ELEM', 'key', 16],
    ['BPF_MAP_GET_NEXT_KEY', 'next_key', 24],
    ['BPF_MAP_FREEZE', 'map_fd', 4],
    ['BPF_PROG_LOAD', 'keyring_id', 168],
    ['BPF_OBJ_PIN', 'path_fd', 20],
    ['BPF_PROG_TEST_RUN', 'test.batch_size', 76],
    ['BPF_PROG_GET_NEXT_ID', 'next_id', 8],
    ['BPF_PROG_GET_FD_BY_ID', 'prog_id', 4],
    ['BPF_MAP_GET_FD_BY_ID', 'open_flags', 12],
    ['BPF_LINK_GET_FD_BY_ID', 'link_id', 4],
    ['BPF_BTF_GET_FD_BY_ID', 'fd_by_id_token_fd', 16],
    ['BPF_OBJ_GET_INFO_BY_FD', 'info.info', 16],
    ['BPF_PROG_QUERY', 'query.revision', 64],
    ['BPF_LINK_CREATE', 'link_create.uprobe_multi.pid', 60],
    ['BPF_PROG_STREAM_READ_BY_FD', 'prog_stream_read.prog_fd', 20],
  ] as const)('%s: last field %s ends at %i', (cmd, fieldName, end) => {
    expect(attrLastField(cmd)).toEqual({ field: fieldName, end });
  });

  it('a non-zero byte after the last field fails CHECK_ATTR, one inside it does not', () => {
    const b = new Uint8Array(168);
    b[91] = 1;
    expect(CHECK_ATTR('BPF_MAP_CREATE', b)).toBe(false);
    b[92] = 1;
    expect(CHECK_ATTR('BPF_MAP_CREATE', b)).toBe(true);
    expect(CHECK_ATTR('BPF_MAP_FREEZE', b)).toBe(true);
    expect(CHECK_ATTR('BPF_PROG_LOAD', b)).toBe(false);
  });

  it.each([
    ['BPF_PROG_LOAD', 50, ['prog_name']],
    ['BPF_PROG_LOAD', 113, ['attach_btf_obj_fd', 'attach_prog_fd']],
    ['BPF_RAW_TRACEPOINT_OPEN', 12, []], // the __u32 :32 padding
    ['BPF_MAP_UPDATE_ELEM', 4, []], // alignment hole before the 8-aligned key
    // target_btf_id (16..19) ends just before; the u64s at 16 and the u32s at 20 cover it
    ['BPF_LINK_CREATE', 20, ['link_create.iter_info', 'link_create.kprobe_multi.cnt', 'link_create.netfilter.hooknum', 'link_create.perf_event.bpf_cookie', 'link_create.uprobe_multi.path']],
  ] as const)('%s: byte %i belongs to %j', (cmd, off, names) => {
    expect(attrFieldsAt(cmd, off).map((f) => f.path).sort()).toEqual(names);
  });

  it('every command has a table entry with its fields', () => {
    for (let cmd = 0; cmd < bpf_cmd.__MAX_BPF_CMD; cmd++) {
      expect(attrFields(cmd).length).toBeGreaterThan(0);
      expect(attrCommand(cmd).cmd).toBe(cmd);
    }
    expect(attrField('BPF_PROG_LOAD', 'log_true_size')).toMatchObject({ offset: 140, size: 4, ctype: '__u32', since: '6.4' });
  });
});
