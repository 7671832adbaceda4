import { describe, expect, it } from 'vitest';
import { bpf_cmd, bpf_map_type, encodeAttr } from '@bpf-internals/uapi';
import { createKernel } from './kernel.js';
import { BPF_ATTR_SIZE, bpf_attr_last_field_end } from './syscall.js';

const E2BIG = -7;
const EFAULT = -14;
const EINVAL = -22;

function setup() {
  const kernel = createKernel();
  const proc = kernel.spawn();
  const put = (bytes: Uint8Array) => {
    const a = proc.mem.alloc(bytes.length);
    proc.mem.write(a, bytes);
    return a;
  };
  return { kernel, proc, put };
}

const arrayCreate = encodeAttr('BPF_MAP_CREATE', { map_type: bpf_map_type.BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 4 });

describe('__sys_bpf: size, tail and copy of the attr', () => {
  const cases: { name: string; size: number; tail?: number; want: number | 'fd' }[] = [
    { name: 'a size over PAGE_SIZE gives E2BIG', size: 4097, want: E2BIG },
    { name: 'a PAGE_SIZE attr with a zero tail is accepted', size: 4096, want: 'fd' },
    { name: 'a non-zero byte past sizeof(union bpf_attr) gives E2BIG', size: 200, tail: 180, want: E2BIG },
    { name: 'a non-zero byte at sizeof(attr) - 1 fails CHECK_ATTR with EINVAL', size: 168, tail: 167, want: EINVAL },
    { name: 'an attr of exactly sizeof(union bpf_attr) is accepted', size: BPF_ATTR_SIZE, want: 'fd' },
    { name: 'a short attr reads the missing fields as zero (max_entries 0: EINVAL)', size: 12, want: EINVAL },
    { name: 'size 16 covers map_type..max_entries', size: 16, want: 'fd' },
  ];
  it.each(cases)('$name', ({ size, tail, want }) => {
    const { proc, put } = setup();
    const b = new Uint8Array(Math.max(size, BPF_ATTR_SIZE));
    b.set(arrayCreate);
    if (tail !== undefined) b[tail] = 1;
    const r = proc.bpf(bpf_cmd.BPF_MAP_CREATE, put(b), size);
    if (want === 'fd') expect(r).toBe(3);
    else expect(r).toBe(want);
  });

  it('an attr address that was never allocated gives EFAULT', () => {
    const { proc } = setup();
    expect(proc.bpf(bpf_cmd.BPF_MAP_CREATE, 8n, 16)).toBe(EFAULT);
  });
  it('an attr running past its allocation gives EFAULT', () => {
    const { proc, put } = setup();
    expect(proc.bpf(bpf_cmd.BPF_MAP_CREATE, put(arrayCreate.subarray(0, 16)), 32)).toBe(EFAULT);
  });
  it('size 0 copies nothing: map_type 0 is EINVAL even for a NULL attr', () => {
    const { proc } = setup();
    expect(proc.bpf(bpf_cmd.BPF_MAP_CREATE, 0n, 0)).toBe(EINVAL);
  });
  it.each([38, 100, -1, 0x7fffffff])('unknown command %i gives EINVAL', (cmd) => {
    const { proc, put } = setup();
    expect(proc.bpf(cmd, put(new Uint8Array(BPF_ATTR_SIZE)), BPF_ATTR_SIZE)).toBe(EINVAL);
  });
});

describe('CHECK_ATTR last fields of v6.18', () => {
  const rows: [keyof typeof bpf_cmd, number][] = [
    ['BPF_MAP_CREATE', 92],
    ['BPF_MAP_LOOKUP_ELEM', 32],
    ['BPF_MAP_DELETE_ELEM', 16],
    ['BPF_MAP_GET_NEXT_KEY', 24],
    ['BPF_MAP_FREEZE', 4],
    ['BPF_OBJ_PIN', 20],
    ['BPF_MAP_GET_FD_BY_ID', 12],
    ['BPF_PROG_GET_FD_BY_ID', 4],
    ['BPF_BTF_GET_FD_BY_ID', 16],
    ['BPF_OBJ_GET_INFO_BY_FD', 16],
    ['BPF_MAP_LOOKUP_BATCH', 56],
    ['BPF_PROG_LOAD', 168],
  ];
  it.each(rows)('%s checks from byte %i', (name, end) => {
    expect(bpf_attr_last_field_end(bpf_cmd[name])).toBe(end);
  });
});
