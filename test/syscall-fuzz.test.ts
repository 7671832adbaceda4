/**
 * Property test: random attr bytes and sizes for every command never throw,
 * always answer a valid fd, 0, or a Linux -errno, and leave refcounts
 * consistent: once every fd is closed and every pin removed, no map, program
 * or link is left alive.
 *
 * The attrs are structure-aware: a valid attr for the command (a seed), then a
 * few mutations (a u32 or u64 field set to an interesting value, a byte set,
 * sometimes a stray byte past the last field). Purely random bytes would almost
 * all stop at CHECK_ATTR or at the map name check and test nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bpf_attr_last_field_end, createKernel, type Kernel, type Process } from '@bpf-internals/syscall';
import { BPF_EXIT_INSN, BPF_MOV64_IMM, BPF_REG_0, bpf_cmd, encodeAttr, encodeInsns } from '@bpf-internals/uapi';

/** Every errno Linux defines (1..133) and the kernel-internal ENOTSUPP the BPF syscall leaks. */
const isErrno = (r: number) => (r <= -1 && r >= -133) || r === -524;

/** A machine with objects to hit: maps at fds 3 and 4, /dev/null, a bpffs dir fd, a pin, and buffers. */
function world(): { kernel: Kernel; proc: Process; bufs: bigint[] } {
  const kernel = createKernel();
  const proc = kernel.spawn();
  const put = (b: Uint8Array) => {
    const a = proc.mem.alloc(b.length);
    proc.mem.write(a, b);
    return a;
  };
  const arr = proc.bpf(bpf_cmd.BPF_MAP_CREATE, put(encodeAttr('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 8, max_entries: 4 })), 168);
  proc.bpf(bpf_cmd.BPF_MAP_CREATE, put(encodeAttr('BPF_MAP_CREATE', { map_type: 1, key_size: 4, value_size: 4, max_entries: 8 })), 168);
  proc.open('/dev/null');
  proc.open('/sys/fs/bpf');
  proc.bpf(bpf_cmd.BPF_OBJ_PIN, put(encodeAttr('BPF_OBJ_PIN', { pathname: put(new TextEncoder().encode('/sys/fs/bpf/p\0')), bpf_fd: arr })), 168);
  const bufs = [0, 1, 2, 3, 4].map(() => proc.mem.alloc(4096));
  proc.mem.write(bufs[2]!, new TextEncoder().encode('/sys/fs/bpf/q\0'));
  proc.mem.write(bufs[3]!, new TextEncoder().encode('/sys/fs/bpf/p\0'));
  // r0 = 0; exit, and its license, for BPF_PROG_LOAD seeds
  proc.mem.write(bufs[4]!, encodeInsns([BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()]));
  proc.mem.write(bufs[4]! + 64n, new TextEncoder().encode('GPL\0'));
  return { kernel, proc, bufs };
}

/** Valid attrs for a command, pointing at the world's fds and buffers. */
function seeds(cmd: number, bufs: bigint[]): Uint8Array[] {
  const [b0, b1, b2, b3, b4] = bufs as [bigint, bigint, bigint, bigint, bigint];
  const e = (c: Parameters<typeof encodeAttr>[0], f: Record<string, unknown>) => encodeAttr(c, f as never);
  switch (cmd) {
    case bpf_cmd.BPF_MAP_CREATE:
      return [
        e('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 8, max_entries: 4 }),
        e('BPF_MAP_CREATE', { map_type: 1, key_size: 4, value_size: 4, max_entries: 8 }),
        e('BPF_MAP_CREATE', { map_type: 12, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: 3 }),
        e('BPF_MAP_CREATE', { map_type: 13, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: 4 }),
        e('BPF_MAP_CREATE', { map_type: 3, key_size: 4, value_size: 4, max_entries: 2 }),
        e('BPF_MAP_CREATE', { map_type: 22, key_size: 0, value_size: 4, max_entries: 2 }),
      ];
    case bpf_cmd.BPF_MAP_LOOKUP_ELEM:
    case bpf_cmd.BPF_MAP_UPDATE_ELEM:
    case bpf_cmd.BPF_MAP_DELETE_ELEM:
    case bpf_cmd.BPF_MAP_LOOKUP_AND_DELETE_ELEM:
      return [e('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: b0, value: b1 }), e('BPF_MAP_UPDATE_ELEM', { map_fd: 4, key: b0, value: b1 })];
    case bpf_cmd.BPF_MAP_GET_NEXT_KEY:
      return [e('BPF_MAP_GET_NEXT_KEY', { map_fd: 4, key: 0n, next_key: b1 }), e('BPF_MAP_GET_NEXT_KEY', { map_fd: 3, key: b0, next_key: b1 })];
    case bpf_cmd.BPF_OBJ_PIN:
      return [e('BPF_OBJ_PIN', { pathname: b2, bpf_fd: 3 }), e('BPF_OBJ_PIN', { pathname: b2, bpf_fd: 4 })];
    case bpf_cmd.BPF_OBJ_GET:
      return [e('BPF_OBJ_GET', { pathname: b3 }), e('BPF_OBJ_GET', { pathname: b2 })];
    case bpf_cmd.BPF_OBJ_GET_INFO_BY_FD:
      return [e('BPF_OBJ_GET_INFO_BY_FD', { info: { bpf_fd: 3, info_len: 104, info: b1 } })];
    case bpf_cmd.BPF_MAP_GET_FD_BY_ID:
    case bpf_cmd.BPF_MAP_GET_NEXT_ID:
      return [e('BPF_MAP_GET_FD_BY_ID', { map_id: 1 }), e('BPF_MAP_GET_FD_BY_ID', { map_id: 2 })];
    case bpf_cmd.BPF_MAP_FREEZE:
      return [e('BPF_MAP_FREEZE', { map_fd: 3 })];
    case bpf_cmd.BPF_MAP_LOOKUP_BATCH:
    case bpf_cmd.BPF_MAP_UPDATE_BATCH:
    case bpf_cmd.BPF_MAP_DELETE_BATCH:
    case bpf_cmd.BPF_MAP_LOOKUP_AND_DELETE_BATCH:
      return [
        e('BPF_MAP_LOOKUP_BATCH', { batch: { map_fd: 3, keys: b0, values: b1, count: 4, out_batch: b3 } }),
        e('BPF_MAP_LOOKUP_BATCH', { batch: { map_fd: 4, keys: b0, values: b1, count: 8, out_batch: b3 } }),
      ];
    case bpf_cmd.BPF_PROG_LOAD:
      return [
        e('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: 2, insns: b4, license: b4 + 64n }),
        e('BPF_PROG_LOAD', { prog_type: 6, insn_cnt: 2, insns: b4, license: b4 + 64n, log_level: 1, log_size: 4096, log_buf: b1 }),
      ];
    case bpf_cmd.BPF_PROG_TEST_RUN:
      return [e('BPF_PROG_TEST_RUN', { test: { prog_fd: 7, data_in: b0, data_size_in: 64, data_out: b1, data_size_out: 64, repeat: 1 } })];
    case bpf_cmd.BPF_PROG_BIND_MAP:
      return [e('BPF_PROG_BIND_MAP', { prog_bind_map: { prog_fd: 7, map_fd: 3 } })];
    case bpf_cmd.BPF_PROG_ATTACH:
    case bpf_cmd.BPF_PROG_DETACH:
      return [e('BPF_PROG_ATTACH', { target_fd: 5, attach_bpf_fd: 7, attach_type: 0 })];
    case bpf_cmd.BPF_LINK_CREATE:
      return [e('BPF_LINK_CREATE', { link_create: { prog_fd: 7, target_fd: 5, attach_type: 0 } })];
    default:
      return [new Uint8Array(168)];
  }
}

/** A value to write: a u32, a u64 (a buffer, NULL or an unmapped address), or a byte. */
const interesting = (bufs: bigint[]) =>
  fc.oneof(
    fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 0x7fffffff, 0xffffffff, 1 << 16, 1 << 14).map((v) => ({ v: BigInt(v), w: 4 })),
    fc.constantFrom(...bufs, 0n, 8n).map((v) => ({ v, w: 8 })),
    fc.integer({ min: 0, max: 255 }).map((v) => ({ v: BigInt(v), w: 1 })),
  );
const mutation = (bufs: bigint[]) => fc.tuple(fc.nat(), interesting(bufs));
type Mutation = [number, { v: bigint; w: number }];

function mutate(cmd: number, seed: Uint8Array, muts: Mutation[], stray: number | null): Uint8Array {
  const attr = new Uint8Array(176);
  attr.set(seed.subarray(0, 168));
  const dv = new DataView(attr.buffer);
  const end = bpf_attr_last_field_end(cmd) ?? 168;
  for (const [pos, { v, w }] of muts) {
    const off = (pos % Math.max(1, Math.floor(end / w))) * w;
    if (w === 8) dv.setBigUint64(off, v, true);
    else if (w === 4) dv.setUint32(off, Number(v), true);
    else attr[off] = Number(v);
  }
  if (stray !== null && end < 168) attr[end + (stray % (168 - end))] = 1;
  return attr;
}

/** Process exit plus removal of every pin: what must leave the machine empty. */
function cleanup(kernel: Kernel, proc: Process): void {
  proc.exit();
  const walk = (dir: string) => {
    const names = kernel.vfs.readdir(kernel.vfs.root, dir);
    if (typeof names === 'number') return;
    for (const n of names) {
      const p = `${dir}/${n}`;
      if (proc.unlink(p) === -21) {
        walk(p);
        proc.rmdir(p);
      }
    }
  };
  walk('/sys/fs/bpf');
}

const cmds = [...new Set(Object.values(bpf_cmd))].filter((c) => c !== bpf_cmd.__MAX_BPF_CMD);

describe('fuzz: every command with random attrs', () => {
  it.each(cmds.map((c) => [c]))('command %i never throws and answers an fd, 0 or -errno, without leaks', (cmd) => {
    const { bufs: b0 } = world();
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(mutation(b0), { maxLength: 4 }),
        fc.option(fc.nat(), { freq: 8 }),
        fc.oneof(fc.constant(168), fc.constantFrom(0, 4, 8, 16, 32, 56, 96, 144, 176, 4096, 4097), fc.integer({ min: 0, max: 300 })),
        fc.integer({ min: 1, max: 3 }),
        (which, muts, stray, size, repeat) => {
          const { kernel, proc, bufs } = world();
          // The world is rebuilt per run at the same addresses (allocation is deterministic).
          expect(bufs).toEqual(b0);
          const ss = seeds(cmd, bufs);
          const attr = mutate(cmd, ss[which % ss.length]!, muts, stray);
          const a = proc.mem.alloc(Math.max(attr.length, size));
          proc.mem.write(a, attr);
          for (let i = 0; i < repeat; i++) {
            const before = new Set(proc.files.list());
            const r = proc.bpf(cmd, a, size);
            expect(Number.isInteger(r)).toBe(true);
            if (r > 0 && !before.has(r)) expect(proc.files.fdget(r)).toBeDefined();
            if (r < 0) expect(isErrno(r), `errno ${r}`).toBe(true);
          }
          cleanup(kernel, proc);
          expect(kernel.objects()).toEqual([]);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('fuzz: random command sequences on one machine', () => {
  // Weighted toward the commands that create, pin, open and release objects.
  const weighted = [...cmds, ...Array<number>(6).fill(bpf_cmd.BPF_MAP_CREATE), ...Array<number>(3).fill(bpf_cmd.BPF_PROG_LOAD), ...Array<number>(4).fill(bpf_cmd.BPF_OBJ_PIN), ...Array<number>(4).fill(bpf_cmd.BPF_OBJ_GET), ...Array<number>(3).fill(bpf_cmd.BPF_MAP_UPDATE_ELEM)];
  it('any sequence of calls leaves no object alive once fds and pins are gone', () => {
    const { bufs: b0 } = world();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...weighted), fc.nat(), fc.array(mutation(b0), { maxLength: 3 })), { minLength: 1, maxLength: 12 }), (steps) => {
        const { kernel, proc, bufs } = world();
        for (const [cmd, which, muts] of steps) {
          const ss = seeds(cmd, bufs);
          const attr = mutate(cmd, ss[which % ss.length]!, muts, null);
          const a = proc.mem.alloc(attr.length);
          proc.mem.write(a, attr);
          const r = proc.bpf(cmd, a, 168);
          expect(r >= 0 || isErrno(r), `cmd ${cmd} answered ${r}`).toBe(true);
        }
        // Every live object is held by something: an fd, a pin, or another live object.
        for (const o of kernel.objects()) expect(o.refcnt).toBeGreaterThan(0);
        cleanup(kernel, proc);
        expect(kernel.objects()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
