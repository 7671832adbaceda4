/**
 * The verifier log: the buffer user space passes in `log_buf`/`log_size`/`log_level` of
 * BPF_PROG_LOAD (and BPF_BTF_LOAD), its validation, the rotating and the fixed modes, and the
 * final rotation that leaves a NUL-terminated tail of the log with `log_true_size` reported back.
 * Mirrors kernel/bpf/log.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c
 * and the constants of include/linux/bpf_verifier.h:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf_verifier.h
 *
 * Modelled exactly, byte for byte in user memory: `bpf_vlog_init` (EINVAL rules),
 * `bpf_verifier_vlog` (rotating window and BPF_LOG_FIXED), `bpf_vlog_reset`, `bpf_vlog_finalize`
 * (in-place three-reversal rotation, ENOSPC when truncated, EFAULT after a fault), and the
 * 1024-byte `kbuf` that truncates a single message. Left out: BPF_LOG_KERNEL (the kernel's own
 * pr_err path, never reachable from user space) only records into `kernel_messages`.
 * `verbose_linfo` (source lines from BTF line info) is not modelled.
 * @module
 */

// #region log-levels
/** `BPF_LOG_LEVEL1`: the verdict and the summary line. */
export const BPF_LOG_LEVEL1 = 1;
/** `BPF_LOG_LEVEL2`: every instruction with its register state. */
export const BPF_LOG_LEVEL2 = 2;
/** `BPF_LOG_STATS`: verification time and stack depth. */
export const BPF_LOG_STATS = 4;
/** `BPF_LOG_FIXED`: keep the head of the log instead of the tail. */
export const BPF_LOG_FIXED = 8;
export const BPF_LOG_LEVEL = BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2;
export const BPF_LOG_MASK = BPF_LOG_LEVEL | BPF_LOG_STATS | BPF_LOG_FIXED;
/** `BPF_LOG_KERNEL`: kernel-internal, the log goes to dmesg. */
export const BPF_LOG_KERNEL = BPF_LOG_MASK + 1;
/** `BPF_VERIFIER_TMP_LOG_SIZE`: one message is formatted into this many bytes at most. */
export const BPF_VERIFIER_TMP_LOG_SIZE = 1024;
// #endregion log-levels

const UINT_MAX = 0xffffffff;
const EINVAL = 22;
const EFAULT = 14;
const ENOSPC = 28;

/**
 * The two user-copy primitives the log needs. The syscall layer adapts its process memory to it;
 * both answer false/null where the real `copy_to_user`/`copy_from_user` would fault.
 */
export interface BpfLogUserAccess {
  copy_to_user(addr: bigint, bytes: Uint8Array): boolean;
  copy_from_user(addr: bigint, len: number): Uint8Array | null;
}

/** `struct bpf_verifier_log`. Positions are logical (they keep growing past `len_total`). */
export interface bpf_verifier_log {
  /** Logical start of the window kept in `ubuf` (0 until the log wraps). */
  start_pos: number;
  /** Logical end: the length of the whole log so far, without its NUL. */
  end_pos: number;
  /** User address of the buffer; 0n is NULL (none given, or after a fault). */
  ubuf: bigint;
  level: number;
  len_total: number;
  /** Largest `end_pos + 1` ever reached: what `log_true_size` reports. */
  len_max: number;
  user: BpfLogUserAccess | null;
  /** Lines a BPF_LOG_KERNEL log sent to the kernel log (pr_err) instead. */
  kernel_messages: string[];
}

/** A log with nothing requested (log_level 0): every write is dropped. */
export function bpf_vlog_empty(): bpf_verifier_log {
  return { start_pos: 0, end_pos: 0, ubuf: 0n, level: 0, len_total: 0, len_max: 0, user: null, kernel_messages: [] };
}

/**
 * `bpf_verifier_log_attr_valid`: a buffer and a size come together, a buffer needs a level,
 * only the known level bits, and a size below 1 GiB (UINT_MAX >> 2).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_verifier_log_attr_valid)
 */
export function bpf_verifier_log_attr_valid(log: bpf_verifier_log): boolean {
  // ubuf and len_total should both be specified (or not) together
  if ((log.ubuf !== 0n) !== (log.len_total !== 0)) return false;
  // a buffer without a level is meaningless
  if (log.ubuf !== 0n && log.level === 0) return false;
  if ((log.level & ~BPF_LOG_MASK) !== 0) return false;
  if (log.len_total > UINT_MAX >>> 2) return false;
  return true;
}

// #region bpf_vlog_init
/**
 * `bpf_vlog_init`: take log_level, log_buf and log_size from the attr; -EINVAL when they do not
 * make sense together.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_vlog_init)
 */
export function bpf_vlog_init(
  log: bpf_verifier_log,
  log_level: number,
  log_buf: bigint,
  log_size: number,
  user: BpfLogUserAccess | null,
): number {
  log.level = log_level >>> 0;
  log.ubuf = BigInt.asUintN(64, log_buf);
  log.len_total = log_size >>> 0;
  log.user = user;
  if (!bpf_verifier_log_attr_valid(log)) return -EINVAL;
  return 0;
}
// #endregion bpf_vlog_init

/**
 * `bpf_verifier_log_needed`: any level at all. Without a buffer the log is still "written" so that
 * `log_true_size` can tell user space how big a buffer it would need.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/bpf_verifier.h (bpf_verifier_log_needed)
 */
export function bpf_verifier_log_needed(log: bpf_verifier_log | null): boolean {
  return !!log && log.level !== 0;
}

/**
 * `bpf_vlog_update_len_max`: remember the longest the log ever was (+1 for its NUL),
 * saturating at UINT_MAX.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_vlog_update_len_max)
 */
function bpf_vlog_update_len_max(log: bpf_verifier_log, add_len: number): void {
  const len = log.end_pos + add_len;
  if (len > UINT_MAX) log.len_max = UINT_MAX;
  else if (len > log.len_max) log.len_max = len;
}

const encoder = new TextEncoder();

function copy_to_user(log: bpf_verifier_log, off: number, bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  return !!log.user && log.user.copy_to_user(log.ubuf + BigInt(off), bytes);
}

// #region bpf_verifier_vlog
/**
 * `bpf_verifier_vlog`: append one already formatted message. The message is cut to
 * BPF_VERIFIER_TMP_LOG_SIZE - 1 bytes (vscnprintf into kbuf), then either appended while it fits
 * (BPF_LOG_FIXED) or written into the ring so that the buffer always holds the newest
 * `len_total` bytes, NUL included (the default). A fault drops the buffer (`ubuf = NULL`), which
 * `bpf_vlog_finalize` reports as EFAULT.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_verifier_vlog)
 */
export function bpf_verifier_vlog(log: bpf_verifier_log, msg: string): void {
  let text = encoder.encode(msg);
  if (text.length > BPF_VERIFIER_TMP_LOG_SIZE - 1) text = text.subarray(0, BPF_VERIFIER_TMP_LOG_SIZE - 1);

  if (log.level === BPF_LOG_KERNEL) {
    log.kernel_messages.push(`BPF: ${msg}${msg.endsWith('\n') ? '' : '\n'}`);
    return;
  }

  const n = text.length + 1; // include terminating zero
  const kbuf = new Uint8Array(n);
  kbuf.set(text);
  bpf_vlog_update_len_max(log, n);

  if (log.level & BPF_LOG_FIXED) {
    // only what still fits before len_total is copied, always NUL-terminated
    let new_n = 0;
    if (log.end_pos < log.len_total) {
      new_n = Math.min(log.len_total - log.end_pos, n);
      kbuf[new_n - 1] = 0;
    }
    const cur_pos = log.end_pos;
    log.end_pos += n - 1; // don't count terminating '\0'
    if (log.ubuf !== 0n && new_n && !copy_to_user(log, cur_pos, kbuf.subarray(0, new_n))) log.ubuf = 0n;
    return;
  }

  const new_end = log.end_pos + n;
  const new_start = new_end - log.start_pos >= log.len_total ? new_end - log.len_total : log.start_pos;
  log.start_pos = new_start;
  log.end_pos = new_end - 1; // don't count terminating '\0'
  if (log.ubuf === 0n) return;

  const new_n = Math.min(n, log.len_total);
  const cur_pos = new_end - new_n;
  const buf_start = cur_pos % log.len_total;
  let buf_end = new_end % log.len_total;
  // new_end is exclusive: buf_end == 0 means "up to the end of ubuf", no wrap
  if (buf_end === 0) buf_end = log.len_total;

  let ok: boolean;
  if (buf_start < buf_end) {
    ok = copy_to_user(log, buf_start, kbuf.subarray(n - new_n, n - new_n + (buf_end - buf_start)));
  } else {
    // the message wraps around the end of ubuf: two chunks
    ok =
      copy_to_user(log, buf_start, kbuf.subarray(n - new_n, n - new_n + (log.len_total - buf_start))) &&
      copy_to_user(log, 0, kbuf.subarray(n - buf_end, n));
  }
  if (!ok) log.ubuf = 0n;
}
// #endregion bpf_verifier_vlog

/**
 * `bpf_log` / `bpf_verifier_log_write` (the verifier's `verbose()`): write when a level is set.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_log)
 */
export function bpf_log(log: bpf_verifier_log, msg: string): void {
  if (!bpf_verifier_log_needed(log)) return;
  bpf_verifier_vlog(log, msg);
}

/**
 * `bpf_vlog_reset`: roll the log back to `new_pos` (the verifier drops the lines of a state it
 * backtracked from), terminating the buffer there.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_vlog_reset)
 */
export function bpf_vlog_reset(log: bpf_verifier_log, new_pos: number): void {
  if (new_pos > log.end_pos) return; // WARN_ON_ONCE in the kernel
  if (!bpf_verifier_log_needed(log) || log.level === BPF_LOG_KERNEL) return;
  // resetting beyond the kept window leaves an empty log (start_pos == end_pos)
  log.end_pos = new_pos;
  if (log.end_pos < log.start_pos) log.start_pos = log.end_pos;
  if (log.ubuf === 0n) return;
  const pos = log.level & BPF_LOG_FIXED ? log.end_pos + 1 : new_pos % log.len_total;
  if (pos < log.len_total && !copy_to_user(log, pos, new Uint8Array(1))) log.ubuf = 0n;
}

/**
 * `bpf_vlog_reverse_ubuf`: reverse the bytes of ubuf[start, end) in place, 512 bytes from each end
 * at a time through the kernel buffer (the kernel never allocates a copy of a big user buffer).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_vlog_reverse_ubuf)
 */
function bpf_vlog_reverse_ubuf(log: bpf_verifier_log, start: number, end: number): number {
  const half = BPF_VERIFIER_TMP_LOG_SIZE / 2;
  const user = log.user;
  if (!user) return -EFAULT;
  while (end - start > 1) {
    const nn = Math.min(half, Math.floor((end - start) / 2));
    const lbuf = user.copy_from_user(log.ubuf + BigInt(start), nn);
    if (!lbuf) return -EFAULT;
    const rbuf = user.copy_from_user(log.ubuf + BigInt(end - nn), nn);
    if (!rbuf) return -EFAULT;
    lbuf.reverse();
    rbuf.reverse();
    // lbuf goes to the right end, rbuf to the left: the whole segment ends up reversed
    if (!user.copy_to_user(log.ubuf + BigInt(start), rbuf)) return -EFAULT;
    if (!user.copy_to_user(log.ubuf + BigInt(end - nn), lbuf)) return -EFAULT;
    start += nn;
    end -= nn;
  }
  return 0;
}

// #region bpf_vlog_finalize
/**
 * `bpf_vlog_finalize`: if the ring wrapped, rotate ubuf in place (three reversals) so that it
 * starts at the oldest kept byte; report `len_max` as the true size; -ENOSPC when the log did not
 * fit, -EFAULT when a copy faulted along the way.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/log.c (bpf_vlog_finalize)
 */
export function bpf_vlog_finalize(log: bpf_verifier_log | null): { err: number; log_size_actual: number } {
  if (!log || log.level === 0 || log.level === BPF_LOG_KERNEL) return { err: 0, log_size_actual: 0 };

  if (log.ubuf !== 0n && log.start_pos !== 0) {
    // shift left by start_pos % len_total: reverse all, then each of the two parts
    const sublen = log.len_total - (log.start_pos % log.len_total);
    let err = bpf_vlog_reverse_ubuf(log, 0, log.len_total);
    if (!err) err = bpf_vlog_reverse_ubuf(log, 0, sublen);
    if (!err) err = bpf_vlog_reverse_ubuf(log, sublen, log.len_total);
    if (err) log.ubuf = 0n;
  }

  const log_size_actual = log.len_max;
  // a sane log has both ubuf and len_total or neither: otherwise a fault dropped ubuf
  if ((log.ubuf !== 0n) !== (log.len_total !== 0)) return { err: -EFAULT, log_size_actual };
  // did truncation actually happen?
  if (log.ubuf !== 0n && log.len_max > log.len_total) return { err: -ENOSPC, log_size_actual };
  return { err: 0, log_size_actual };
}
// #endregion bpf_vlog_finalize
