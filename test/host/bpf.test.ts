import { describe, expect, it } from 'vitest';
import { hostBpf, skipReason } from './bpf.js';

const { host } = hostBpf();

describe.skipIf(!host)('host bpf() adapter', () => {
  it('an array map with a zero key_size is refused with EINVAL', () => {
    const h = host!;
    const attr = h.mem.alloc(16);
    h.mem.write(attr, new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0]));
    expect(h.bpf(0, attr, 16)).toBe(-22);
  });
  it('an attr at an unmapped address gives EFAULT', () => {
    expect(host!.bpf(0, 8n, 16)).toBe(-14);
  });
});

if (!host) it.skip(skipReason(), () => {});
