/**
 * Host-kernel plumbing for core's differential tests and benchmark: load a program with
 * BPF_PROG_LOAD (optionally with a verifier log), run it with BPF_PROG_TEST_RUN, read its
 * tag with BPF_OBJ_GET_INFO_BY_FD. Node-only (through test/host/bpf.ts).
 */
import type { HostBpf } from './host/bpf.js';

const BPF_PROG_LOAD = 5;
const BPF_PROG_TEST_RUN = 10;
const BPF_OBJ_GET_INFO_BY_FD = 15;

export interface HostLoad {
  fd: number;
  log: string;
}

/** BPF_PROG_LOAD: returns fd (or -errno) and the log text. */
export function hostLoad(h: HostBpf, type: number, insns: Uint8Array, opts: { log_level?: number; log_size?: number; expected_attach_type?: number; prog_flags?: number } = {}): HostLoad {
  const attr = h.mem.alloc(168);
  const code = h.mem.alloc(insns.length);
  h.mem.write(code, insns);
  const lic = h.mem.alloc(4);
  h.mem.write(lic, new TextEncoder().encode('GPL\0'));
  const logSize = opts.log_level ? (opts.log_size ?? 1 << 20) : 0;
  const log = logSize ? h.mem.alloc(logSize) : 0n;
  const a = new Uint8Array(168);
  const dv = new DataView(a.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, insns.length / 8, true);
  dv.setBigUint64(8, code, true);
  dv.setBigUint64(16, lic, true);
  dv.setUint32(24, opts.log_level ?? 0, true);
  dv.setUint32(28, logSize, true);
  dv.setBigUint64(32, log, true);
  dv.setUint32(44, opts.prog_flags ?? 0, true);
  dv.setUint32(68, opts.expected_attach_type ?? 0, true);
  h.mem.write(attr, a);
  const fd = h.bpf(BPF_PROG_LOAD, attr, 168);
  let text = '';
  if (logSize) {
    const bytes = h.mem.read(log, logSize);
    const end = bytes.indexOf(0);
    text = new TextDecoder().decode(bytes.subarray(0, end < 0 ? logSize : end));
  }
  return { fd, log: text };
}

export interface HostTestRun {
  ret: number;
  retval: number;
  data_out: Uint8Array;
  data_size_out: number;
  ctx_out: Uint8Array | null;
  ctx_size_out: number;
  duration: number;
}

/** BPF_PROG_TEST_RUN with the given fields; buffers for data_out/ctx_out are allocated here. */
export function hostTestRun(
  h: HostBpf,
  fd: number,
  o: { data_in?: Uint8Array; data_size_in?: number; data_out_size?: number; data_size_out?: number; ctx_in?: Uint8Array; ctx_size_in?: number; ctx_out_size?: number; ctx_size_out?: number; repeat?: number; flags?: number; cpu?: number; batch_size?: number },
): HostTestRun {
  const attr = h.mem.alloc(80);
  const a = new Uint8Array(80);
  const dv = new DataView(a.buffer);
  dv.setUint32(0, fd, true);
  if (o.data_in) {
    const p = h.mem.alloc(o.data_in.length);
    h.mem.write(p, o.data_in);
    dv.setUint32(8, o.data_size_in ?? o.data_in.length, true);
    dv.setBigUint64(16, p, true);
  }
  const outLen = o.data_out_size ?? 0;
  const out = outLen ? h.mem.alloc(outLen) : 0n;
  dv.setUint32(12, o.data_size_out ?? 0, true);
  dv.setBigUint64(24, out, true);
  dv.setUint32(32, o.repeat ?? 0, true);
  if (o.ctx_in) {
    const p = h.mem.alloc(o.ctx_in.length);
    h.mem.write(p, o.ctx_in);
    dv.setUint32(40, o.ctx_size_in ?? o.ctx_in.length, true);
    dv.setBigUint64(48, p, true);
  }
  const ctxLen = o.ctx_out_size ?? 0;
  const ctxOut = ctxLen ? h.mem.alloc(ctxLen) : 0n;
  dv.setUint32(44, o.ctx_size_out ?? 0, true);
  dv.setBigUint64(56, ctxOut, true);
  dv.setUint32(64, o.flags ?? 0, true);
  dv.setUint32(68, o.cpu ?? 0, true);
  dv.setUint32(72, o.batch_size ?? 0, true);
  h.mem.write(attr, a);
  const ret = h.bpf(BPF_PROG_TEST_RUN, attr, 80);
  const back = new DataView(h.mem.read(attr, 80).buffer);
  const data_size_out = back.getUint32(12, true);
  const ctx_size_out = back.getUint32(44, true);
  return {
    ret,
    retval: back.getUint32(4, true),
    data_size_out,
    data_out: outLen ? h.mem.read(out, Math.min(outLen, data_size_out)) : new Uint8Array(0),
    ctx_out: ctxLen ? h.mem.read(ctxOut, Math.min(ctxLen, ctx_size_out)) : null,
    ctx_size_out,
    duration: back.getUint32(36, true),
  };
}

/** The 8-byte tag of a loaded program (bpf_prog_info.tag). */
export function hostProgTag(h: HostBpf, fd: number): Uint8Array {
  const info = h.mem.alloc(256);
  const attr = h.mem.alloc(16);
  const a = new Uint8Array(16);
  const dv = new DataView(a.buffer);
  dv.setUint32(0, fd, true);
  dv.setUint32(4, 256, true);
  dv.setBigUint64(8, info, true);
  h.mem.write(attr, a);
  const r = h.bpf(BPF_OBJ_GET_INFO_BY_FD, attr, 16);
  if (r < 0) throw new Error(`BPF_OBJ_GET_INFO_BY_FD: errno ${-r}`);
  return h.mem.read(info + 8n, 8);
}
