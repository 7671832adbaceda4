import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bpf_cmd, encodeAttr } from '@bpf-internals/uapi';
import { createKernel } from './kernel.js';

/** The program commands. */
const CMDS = [
  bpf_cmd.BPF_PROG_LOAD,
  bpf_cmd.BPF_PROG_TEST_RUN,
  bpf_cmd.BPF_PROG_ATTACH,
  bpf_cmd.BPF_PROG_DETACH,
  bpf_cmd.BPF_PROG_QUERY,
  bpf_cmd.BPF_LINK_CREATE,
  bpf_cmd.BPF_LINK_UPDATE,
  bpf_cmd.BPF_LINK_DETACH,
  bpf_cmd.BPF_PROG_BIND_MAP,
  bpf_cmd.BPF_OBJ_GET_INFO_BY_FD,
];

/** A process with a program, a map, a cgroup dir and a few buffers, so random fds and pointers hit real objects. */
function world() {
  const kernel = createKernel();
  const proc = kernel.spawn();
  const buf = proc.mem.alloc(4096);
  proc.mem.write(buf, new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0, 0x47, 0x50, 0x4c, 0]));
  const attr = proc.mem.alloc(168);
  proc.mem.write(attr, encodeAttr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: 2, insns: buf, license: buf + 16n }));
  proc.bpf(bpf_cmd.BPF_PROG_LOAD, attr, 168);
  proc.mem.write(attr, encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 2 }));
  proc.bpf(bpf_cmd.BPF_MAP_CREATE, attr, 168);
  return { kernel, proc, buf, attr };
}

describe('the program commands never throw, whatever the attr', () => {
  it('random attr bytes (small fds and real pointers sprinkled in) give an fd, 0 or -errno', () => {
    const { proc, buf, attr } = world();
    fc.assert(
      fc.property(
        fc.constantFrom(...CMDS),
        fc.uint8Array({ minLength: 168, maxLength: 168 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 1, 2, 3, 4, 5, 0xffffffff)), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 200 }),
        (cmd, bytes, u32s, ptrAt, size) => {
          const b = bytes.slice();
          const dv = new DataView(b.buffer);
          for (const [w, v] of u32s) dv.setUint32(w * 4, v >>> 0, true);
          for (const w of ptrAt) dv.setBigUint64(w * 8, buf + BigInt((w * 8) % 64), true);
          proc.mem.write(attr, b);
          const r = proc.bpf(cmd, attr, size);
          expect(Number.isInteger(r)).toBe(true);
          expect(r).toBeGreaterThanOrEqual(-524);
          if (r >= 3) proc.close(r);
        },
      ),
      { numRuns: 400, seed: 1 },
    );
  });

  it('random instructions through BPF_PROG_LOAD at every log level give an fd or -errno', () => {
    const { proc, buf, attr } = world();
    const log = proc.mem.alloc(256);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 256 }), fc.constantFrom(0, 1, 2, 4, 9, 15), fc.constantFrom(1, 6, 8, 3), (code, level, type) => {
        const n = code.length >> 3;
        proc.mem.write(buf + 64n, code.subarray(0, n * 8));
        proc.mem.write(attr, encodeAttr('BPF_PROG_LOAD', { prog_type: type, insn_cnt: n, insns: buf + 64n, license: buf + 16n, log_level: level, log_size: level ? 256 : 0, log_buf: level ? log : 0n }));
        const r = proc.bpf(bpf_cmd.BPF_PROG_LOAD, attr, 168);
        expect(Number.isInteger(r)).toBe(true);
        if (r >= 0) {
          // and running it never throws either
          proc.mem.write(buf + 512n, new Uint8Array(64));
          const t = proc.mem.alloc(168);
          proc.mem.write(t, encodeAttr('BPF_PROG_TEST_RUN', { test: { prog_fd: r, data_in: buf + 512n, data_size_in: 64 } }));
          const tr = proc.bpf(bpf_cmd.BPF_PROG_TEST_RUN, t, 168);
          expect(Number.isInteger(tr)).toBe(true);
          proc.close(r);
        }
      }),
      { numRuns: 300, seed: 2 },
    );
  });
});
