/**
 * `bpf_trace_printk`: formatted output to the trace buffer.
 * Mirrors kernel/trace/bpf_trace.c (bpf_trace_printk) and the format checks of
 * kernel/bpf/helpers.c (bpf_bprintf_prepare) at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/trace/bpf_trace.c
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c
 *
 * The kernel writes the formatted message into the ftrace ring buffer, where
 * `/sys/kernel/tracing/trace_pipe` shows it after a "<comm>-<pid> [cpu] ... bpf_trace_printk: "
 * prefix. The model keeps only the message: `env.trace` gets one string per call.
 * Supported conversions: those bpf_bprintf_prepare accepts except %pB/%pI/%pi (which
 * return -EINVAL here): %d %i %u %x %X with l/ll, %c, %s, %p, %pK, %px, %ps/%pS (as hex), %%.
 * @module
 */
import { errno } from '@bpf-internals/uapi';
import type { BpfHelperFn, BpfRunEnv } from './filter.js';
import { addrOf } from './memory.js';

/** `MAX_BPRINTF_BUF`: the formatted message is cut at 1024 bytes, NUL included. */
export const MAX_BPRINTF_BUF = 1024;

const isPrint = (c: number) => c >= 0x20 && c < 0x7f;
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isPunct = (c: number) => isPrint(c) && !isSpace(c) && !/[0-9A-Za-z]/.test(String.fromCharCode(c));

/** Read a NUL-terminated string (at most `max` bytes) from the model's memory, or null. */
function readCString(env: BpfRunEnv, addr: bigint, max: number): string | null {
  const r = env.mem.findAddr(addr);
  if (!r || !r.readable || r.access) return null;
  const o = Number(addr - ((BigInt(r.hi >>> 0) << 32n) | BigInt(r.lo)));
  let end = o;
  while (end < r.size && end - o < max && r.bytes[end] !== 0) end++;
  return new TextDecoder().decode(r.bytes.subarray(o, end));
}

/**
 * Format `fmt` with up to three u64 arguments, as `bpf_bprintf_prepare` + `bstr_printf`
 * would; returns the text, or a negative errno where the kernel refuses the format.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/helpers.c (bpf_bprintf_prepare)
 */
export function bpf_bprintf_format(env: BpfRunEnv, fmt: Uint8Array, args: bigint[]): string | number {
  let end = fmt.indexOf(0);
  if (end < 0) return -errno.EINVAL;
  let out = '';
  let spec = 0;
  const c = (i: number) => (i < end ? fmt[i]! : 0);
  for (let i = 0; i < end; i++) {
    const ch = fmt[i]!;
    if (ch < 0x80 && !isPrint(ch) && !isSpace(ch)) return -errno.EINVAL;
    if (ch !== 0x25) {
      out += String.fromCharCode(ch);
      continue;
    }
    if (c(i + 1) === 0x25) {
      out += '%';
      i++;
      continue;
    }
    if (spec >= args.length) return -errno.EINVAL;
    i++;
    if (c(i) >= 0x80) return -errno.EINVAL;
    let flags = '';
    while (c(i) === 0x30 || c(i) === 0x2b || c(i) === 0x2d || c(i) === 0x20) flags += String.fromCharCode(fmt[i++]!);
    let width = 0;
    if (c(i) >= 0x31 && c(i) <= 0x39) {
      while (c(i) >= 0x30 && c(i) <= 0x39) width = width * 10 + (fmt[i++]! - 0x30);
    }
    const a = args[spec++]!;
    let text: string;
    const conv = String.fromCharCode(c(i));
    if (conv === 'p') {
      const nx = c(i + 1);
      if (nx === 0 || isSpace(nx) || isPunct(nx)) text = `0x${a.toString(16)}`;
      else if ((nx === 0x6b || nx === 0x75) && c(i + 2) === 0x73) {
        i += 2;
        text = readCString(env, a, MAX_BPRINTF_BUF) ?? '';
      } else if (nx === 0x4b || nx === 0x78 || nx === 0x73 || nx === 0x53) {
        i++;
        text = nx === 0x4b ? '0000000000000000' : a.toString(16).padStart(16, '0');
      } else return -errno.EINVAL;
    } else if (conv === 's') {
      const nx = c(i + 1);
      if (nx !== 0 && !isSpace(nx) && !isPunct(nx)) return -errno.EINVAL;
      text = readCString(env, a, MAX_BPRINTF_BUF) ?? '';
    } else if (conv === 'c') {
      text = String.fromCharCode(Number(a & 0xffn));
    } else {
      let bits = 32;
      if (c(i) === 0x6c) {
        bits = 64;
        i++;
      }
      if (c(i) === 0x6c) i++;
      const k = String.fromCharCode(c(i));
      const v = BigInt.asUintN(bits, a);
      if (k === 'd' || k === 'i') text = BigInt.asIntN(bits, v).toString();
      else if (k === 'u') text = v.toString();
      else if (k === 'x') text = v.toString(16);
      else if (k === 'X') text = v.toString(16).toUpperCase();
      else return -errno.EINVAL;
      if (flags.includes('+') && (k === 'd' || k === 'i') && !text.startsWith('-')) text = '+' + text;
    }
    if (text.length < width) {
      if (flags.includes('-')) text = text.padEnd(width);
      else if (flags.includes('0') && conv !== 's' && conv !== 'c') {
        const neg = text.startsWith('-') || text.startsWith('+');
        text = neg ? text[0] + text.slice(1).padStart(width - 1, '0') : text.padStart(width, '0');
      } else text = text.padStart(width);
    }
    out += text;
  }
  end = Math.min(out.length, MAX_BPRINTF_BUF - 1);
  return out.slice(0, end);
}

/**
 * `bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3)`: r0 = bytes written, or -EINVAL for
 * a format the kernel refuses (no NUL within fmt_size, more than three conversions,
 * an unsupported conversion, control characters).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/trace/bpf_trace.c (bpf_trace_printk)
 */
export const bpf_trace_printk: BpfHelperFn = (env, r, insn) => {
  const size = r.lo[2]! >>> 0;
  const fmt = env.mem.viewHL(r.hi[1]!, r.lo[1]!, size, false, insn);
  const args = [3, 4, 5].map((i) => addrOf(r.hi[i]!, r.lo[i]!));
  const text = bpf_bprintf_format(env, fmt, args);
  if (typeof text === 'number') {
    r.lo[0] = text;
    r.hi[0] = -1;
    return;
  }
  env.trace.push(text);
  r.lo[0] = new TextEncoder().encode(text).length;
  r.hi[0] = 0;
};
