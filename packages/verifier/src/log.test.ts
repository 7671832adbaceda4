import { describe, expect, it } from 'vitest';
import {
  BPF_LOG_FIXED,
  BPF_LOG_KERNEL,
  bpf_log,
  bpf_vlog_empty,
  bpf_vlog_finalize,
  bpf_vlog_init,
  bpf_vlog_reset,
  type BpfLogUserAccess,
} from './log.js';

/** A flat user buffer at address 0x1000, pre-filled with 'A' so untouched bytes show. */
function userBuf(size: number, faultAt = -1): { user: BpfLogUserAccess; bytes: Uint8Array } {
  const bytes = new Uint8Array(size).fill(0x41);
  const base = 0x1000n;
  const inside = (addr: bigint, len: number): number | null => {
    const off = Number(addr - base);
    if (off < 0 || off + len > size) return null;
    if (faultAt >= 0 && off <= faultAt && faultAt < off + len) return null;
    return off;
  };
  return {
    bytes,
    user: {
      copy_to_user(addr, b) {
        const off = inside(addr, b.length);
        if (off === null) return false;
        bytes.set(b, off);
        return true;
      },
      copy_from_user(addr, len) {
        const off = inside(addr, len);
        return off === null ? null : bytes.slice(off, off + len);
      },
    },
  };
}

const td = new TextDecoder();
const cstr = (b: Uint8Array): string => td.decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));

// The verifier's summary line for `r0 = 0; exit` (97 characters): what the host's 6.18 wrote.
const SUMMARY = 'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';

describe('bpf_vlog_init: which log_level / log_buf / log_size combinations are valid', () => {
  const rows: { name: string; level: number; buf: bigint; size: number; want: number }[] = [
    { name: 'no log at all', level: 0, buf: 0n, size: 0, want: 0 },
    { name: 'a level without a buffer (log_true_size only)', level: 1, buf: 0n, size: 0, want: 0 },
    { name: 'a buffer with level 0', level: 0, buf: 0x1000n, size: 16, want: -22 },
    { name: 'a buffer without a size', level: 1, buf: 0x1000n, size: 0, want: -22 },
    { name: 'a size without a buffer', level: 1, buf: 0n, size: 16, want: -22 },
    { name: 'an unknown level bit (16)', level: 16, buf: 0x1000n, size: 16, want: -22 },
    { name: 'BPF_LOG_KERNEL from user space', level: BPF_LOG_KERNEL, buf: 0x1000n, size: 16, want: -22 },
    { name: 'levels 1|2|4|8 together', level: 15, buf: 0x1000n, size: 16, want: 0 },
    { name: 'a size of UINT_MAX >> 2', level: 1, buf: 0x1000n, size: 0x3fffffff, want: 0 },
    { name: 'a size above UINT_MAX >> 2', level: 1, buf: 0x1000n, size: 0x40000000, want: -22 },
  ];
  it.each(rows)('$name gives $want', ({ level, buf, size, want }) => {
    expect(bpf_vlog_init(bpf_vlog_empty(), level, buf, size, null)).toBe(want);
  });
});

describe('bpf_verifier_vlog and bpf_vlog_finalize: the bytes user space gets back', () => {
  // Expected bytes and sizes as the host's 6.18 kernel returned them for the same log.
  const rows: { name: string; level: number; size: number; log: string; err: number; true_size: number }[] = [
    { name: 'a log that fits is copied with its NUL', level: 1, size: 4096, log: SUMMARY, err: 0, true_size: 98 },
    { name: 'rotating mode keeps the tail and reports ENOSPC', level: 1, size: 10, log: 'k_read 0\n', err: -28, true_size: 98 },
    { name: 'BPF_LOG_FIXED keeps the head and reports ENOSPC', level: 1 | BPF_LOG_FIXED, size: 10, log: 'processed', err: -28, true_size: 98 },
    { name: 'a buffer of exactly true_size fits', level: 1, size: 98, log: SUMMARY, err: 0, true_size: 98 },
    { name: 'one byte short of true_size loses the first byte', level: 1, size: 97, log: SUMMARY.slice(1), err: -28, true_size: 98 },
  ];
  it.each(rows)('$name', ({ level, size, log, err, true_size }) => {
    const { user, bytes } = userBuf(size);
    const l = bpf_vlog_empty();
    expect(bpf_vlog_init(l, level, 0x1000n, size, user)).toBe(0);
    bpf_log(l, SUMMARY);
    const fin = bpf_vlog_finalize(l);
    expect(fin).toEqual({ err, log_size_actual: true_size });
    expect(cstr(bytes)).toBe(log);
    if (log.length < size) expect(bytes[log.length]).toBe(0);
  });

  it('rotation across many messages leaves the newest len_total - 1 bytes, NUL-terminated', () => {
    const { user, bytes } = userBuf(30);
    const l = bpf_vlog_empty();
    bpf_vlog_init(l, 2, 0x1000n, 30, user);
    const full = ['func#0 @0\n', 'Live regs before insn:\n', '      0: .......... (b7) r0 = 0\n', SUMMARY];
    for (const m of full) bpf_log(l, m);
    const fin = bpf_vlog_finalize(l);
    const all = full.join('');
    expect(fin.err).toBe(-28);
    expect(fin.log_size_actual).toBe(all.length + 1);
    expect(cstr(bytes)).toBe(all.slice(all.length - 29));
  });

  it('a level without a buffer still measures log_true_size and never writes', () => {
    const l = bpf_vlog_empty();
    bpf_vlog_init(l, 1, 0n, 0, null);
    bpf_log(l, SUMMARY);
    expect(bpf_vlog_finalize(l)).toEqual({ err: 0, log_size_actual: 98 });
  });

  it('level 0 writes nothing and reports 0', () => {
    const l = bpf_vlog_empty();
    bpf_log(l, SUMMARY);
    expect(bpf_vlog_finalize(l)).toEqual({ err: 0, log_size_actual: 0 });
  });

  it('a fault while writing drops the buffer and finalize reports EFAULT', () => {
    const { user } = userBuf(64, 5);
    const l = bpf_vlog_empty();
    bpf_vlog_init(l, 1, 0x1000n, 64, user);
    bpf_log(l, 'hello world\n');
    expect(bpf_vlog_finalize(l).err).toBe(-14);
  });

  it('one message is cut to BPF_VERIFIER_TMP_LOG_SIZE - 1 bytes', () => {
    const l = bpf_vlog_empty();
    bpf_vlog_init(l, 1, 0n, 0, null);
    bpf_log(l, 'x'.repeat(5000));
    expect(bpf_vlog_finalize(l).log_size_actual).toBe(1024);
  });

  it('bpf_vlog_reset rolls the log back and terminates it there', () => {
    const { user, bytes } = userBuf(64);
    const l = bpf_vlog_empty();
    bpf_vlog_init(l, 1, 0x1000n, 64, user);
    bpf_log(l, 'keep\n');
    const pos = l.end_pos;
    bpf_log(l, 'drop me\n');
    bpf_vlog_reset(l, pos);
    bpf_log(l, 'end\n');
    expect(bpf_vlog_finalize(l).err).toBe(0);
    expect(cstr(bytes)).toBe('keep\nend\n');
  });
});
