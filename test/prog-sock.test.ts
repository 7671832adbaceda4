/**
 * SO_ATTACH_BPF on a UDP socket, model vs host: the same socket filter (r0 = N; exit) on a
 * loopback UDP socket, one datagram sent to it, what recv() returns. On the host this uses real
 * sockets through libc (koffi): only the test's own sockets are filtered. The kernel's rule being
 * checked is sk_filter_trim_cap's: 0 drops, otherwise the datagram (seen from its UDP header) is
 * trimmed to max(8, N) bytes.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bpf_cmd, encodeAttr } from '@bpf-internals/uapi';
import { createKernel } from '@bpf-internals/syscall';
import { hostBpf, skipReason, type BpfProcess } from './host/bpf.js';
import { SO_ATTACH_BPF, SOL_SOCKET, sys_bind, sys_recv, sys_sendto, sys_setsockopt, sys_socket } from '@bpf-internals/syscall';

const { host } = hostBpf();
const payload = new TextEncoder().encode('hello, socket filter'); // 20 bytes; the filter sees 28
const R0 = [0, 1, 3, 8, 9, 13, 27, 28, 29, 100, -1];

/** Load `r0 = imm; exit` as a socket filter on either side; the fd. */
function loadFilter(p: BpfProcess, imm: number): number {
  const put = (b: Uint8Array): bigint => {
    const a = p.mem.alloc(b.length);
    p.mem.write(a, b);
    return a;
  };
  const insns = new Uint8Array(16);
  const dv = new DataView(insns.buffer);
  insns[0] = 0xb7;
  dv.setInt32(4, imm, true);
  insns[8] = 0x95;
  const attr = encodeAttr('BPF_PROG_LOAD', { prog_type: 1, insn_cnt: 2, insns: put(insns), license: put(new TextEncoder().encode('GPL\0')) });
  return p.bpf(bpf_cmd.BPF_PROG_LOAD, put(attr), attr.length);
}

/** What recv() returns on the model: the payload text, or null when nothing was delivered. */
function onModel(imm: number): string | null {
  const proc = createKernel().spawn();
  const rx = sys_socket(proc, 2, 2);
  sys_bind(proc, rx, 40000);
  const prog = loadFilter(proc, imm);
  const v = proc.mem.alloc(4);
  proc.mem.write(v, new Uint8Array(new Uint32Array([prog]).buffer));
  expect(sys_setsockopt(proc, rx, SOL_SOCKET, SO_ATTACH_BPF, v, 4)).toBe(0);
  const tx = sys_socket(proc, 2, 2);
  expect(sys_sendto(proc, tx, payload, 40000)).toBe(payload.length);
  const got = sys_recv(proc, rx);
  return typeof got === 'number' ? null : new TextDecoder().decode(got);
}

/** The same on the host with real sockets. */
function onHost(imm: number): string | null {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const libc = koffi.load('libc.so.6');
  const socket = libc.func('int socket(int, int, int)');
  const bind = libc.func('int bind(int, void *, uint32_t)');
  const getsockname = libc.func('int getsockname(int, _Inout_ void *, _Inout_ uint32_t *)');
  const setsockopt = libc.func('int setsockopt(int, int, int, void *, uint32_t)');
  const sendto = libc.func('long sendto(int, void *, size_t, int, void *, uint32_t)');
  const recv = libc.func('long recv(int, _Out_ void *, size_t, int)');
  const close = libc.func('int close(int)');
  const sin = (port: number): Uint8Array => {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, 2, true); // AF_INET
    dv.setUint16(2, port, false);
    dv.setUint32(4, 0x7f000001, false);
    return b;
  };
  const rx = socket(2, 2, 0) as number;
  const tx = socket(2, 2, 0) as number;
  const fds = [rx, tx];
  try {
    expect(bind(rx, sin(0), 16)).toBe(0);
    const name = new Uint8Array(16);
    expect(getsockname(rx, name, [16])).toBe(0);
    const port = new DataView(name.buffer).getUint16(2, false);
    const prog = loadFilter(host!, imm);
    fds.push(prog);
    expect(setsockopt(rx, SOL_SOCKET, SO_ATTACH_BPF, new Uint8Array(new Uint32Array([prog]).buffer), 4)).toBe(0);
    expect(Number(sendto(tx, payload, payload.length, 0, sin(port), 16))).toBe(payload.length);
    const buf = new Uint8Array(256);
    const n = Number(recv(rx, buf, buf.length, 0x40 /* MSG_DONTWAIT */));
    return n < 0 ? null : new TextDecoder().decode(buf.subarray(0, n));
  } finally {
    for (const fd of fds) close(fd);
  }
}

describe('a socket filter trims or drops what a UDP socket receives', () => {
  // The kernel's answer for a 20-byte payload (28 bytes from the UDP header): 0 drops it, N keeps
  // max(8, N) bytes of the UDP datagram, i.e. max(0, N - 8) payload bytes.
  const rows = R0.map((imm) => {
    const keep = imm === 0 ? null : payload.slice(0, Math.max(0, Math.min((imm >>> 0) - 8, payload.length)));
    return { imm, want: keep === null ? null : new TextDecoder().decode(keep) };
  });
  it.each(rows)('r0 = $imm delivers $want on the model', ({ imm, want }) => {
    expect(onModel(imm)).toBe(want);
  });
  it.skipIf(!host).each(rows)('r0 = $imm delivers the same on the host kernel', ({ imm }) => {
    const h = onHost(imm);
    if (host!.strict) expect(onModel(imm)).toBe(h);
    else if (onModel(imm) !== h) console.warn(`r0 = ${imm}: model ${onModel(imm)} / host ${h}`);
  });
});

if (!host) it.skip(skipReason(), () => {});
