import { describe, expect, it } from 'vitest';
import { bpf_cmd, bpf_map_type, encodeAttr } from '@bpf-internals/uapi';
import { createKernel } from './kernel.js';
import { BPF_ATTR_SIZE } from './syscall.js';
import { __bpf_map_get, bpf_get_file_flag, bpf_map_copy_value, bpf_obj_name_cpy, isalnum } from './map_cmds.js';

const EINVAL = -22;
const name = (...b: number[]) => {
  const a = new Uint8Array(16);
  a.set(b);
  return a;
};

describe('bpf_obj_name_cpy', () => {
  const rows: [string, Uint8Array, string | number][] = [
    ['an empty name', name(), ''],
    ['letters, digits, "_" and "."', name(...new TextEncoder().encode('my_map.v2')), 'my_map.v2'],
    ['a "-"', name(0x61, 0x2d), EINVAL],
    ['a space', name(0x61, 0x20), EINVAL],
    ['15 characters and the NUL', name(...new Uint8Array(15).fill(0x61)), 'a'.repeat(15)],
    ['16 characters, no NUL', new Uint8Array(16).fill(0x61), EINVAL],
    ['Latin-1 letters (the kernel ctype is ISO 8859-1)', name(0xe9, 0xff, 0xc0), '\u00e9\u00ff\u00c0'],
    ['the multiplication sign', name(0xd7), EINVAL],
    ['a C1 control byte', name(0x85), EINVAL],
  ];
  it.each(rows)('%s', (_n, src, want) => {
    expect(bpf_obj_name_cpy(src)).toBe(want);
  });
  it('isalnum agrees with lib/ctype.c on every byte', () => {
    const alnum = [...Array(256).keys()].filter(isalnum);
    const latin = [...Array(64).keys()].map((i) => 0xc0 + i).filter((c) => c !== 0xd7 && c !== 0xf7);
    const ascii = [...Array(128).keys()].filter((c) => /[0-9A-Za-z]/.test(String.fromCharCode(c)));
    expect(alnum).toEqual([...ascii, ...latin]);
  });
});

describe('bpf_get_file_flag', () => {
  it.each([
    [0, 2],
    [1 << 3, 0],
    [1 << 4, 1],
    [(1 << 3) | (1 << 4), EINVAL],
  ])('flags %i give %i', (flags, want) => {
    expect(bpf_get_file_flag(flags)).toBe(want);
  });
});

describe('bpf_map_copy_value: a lookup that is an ERR_PTR passes its errno on (IS_ERR before !ptr)', () => {
  const ENOENT = -2;
  const EINVAL = -22;
  const ENOTSUPP = -524;
  // Each row: a map type, the map_lookup_elem_err its ops carry (undefined: the type's own),
  // and the kernel's answer for a lookup of a missing element from user space.
  const rows: { name: string; map_type: number; key_size: number; value_size: number; max_entries: number; err?: number; want: number }[] = [
    { name: 'ringbuf: ringbuf_map_lookup_elem is ERR_PTR(-ENOTSUPP)', map_type: bpf_map_type.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096, want: ENOTSUPP },
    // arena_map_lookup_elem is ERR_PTR(-EINVAL): a type carrying another errno gets that one.
    { name: 'a ringbuf-shaped type whose lookup is ERR_PTR(-EINVAL) gives EINVAL', map_type: bpf_map_type.BPF_MAP_TYPE_RINGBUF, key_size: 0, value_size: 0, max_entries: 4096, err: EINVAL, want: EINVAL },
    { name: 'hash: a missing key is a NULL lookup, ENOENT', map_type: bpf_map_type.BPF_MAP_TYPE_HASH, key_size: 4, value_size: 4, max_entries: 4, want: ENOENT },
  ];
  it.each(rows)('$name', ({ map_type, key_size, value_size, max_entries, err, want }) => {
    const kernel = createKernel();
    const proc = kernel.spawn();
    const a = proc.mem.alloc(BPF_ATTR_SIZE);
    proc.mem.write(a, encodeAttr('BPF_MAP_CREATE', { map_type, key_size, value_size, max_entries }));
    const fd = proc.bpf(bpf_cmd.BPF_MAP_CREATE, a, BPF_ATTR_SIZE);
    expect(fd).toBeGreaterThan(0);
    const f = __bpf_map_get(proc.files, fd);
    if (typeof f === 'number') throw new Error(`fd ${fd}: ${f}`);
    const map = err === undefined ? f.map : { ...f.map, ops: { ...f.map.ops, map_lookup_elem_err: err } };
    expect(bpf_map_copy_value(map, new Uint8Array(key_size), new Uint8Array(8), 0n)).toBe(want);
  });
});
