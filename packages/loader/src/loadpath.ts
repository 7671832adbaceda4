/**
 * The main job: the bundled example's whole load path, run on a model kernel.
 *
 * User space (libbpf's side, tools/lib/bpf/bpf.c) creates the map and fills
 * `union bpf_attr`; the model kernel then runs `__sys_bpf` -> `bpf_prog_load` ->
 * `bpf_check` -> `bpf_prog_select_runtime` (the RISC-V 64 JIT) -> `bpf_prog_new_fd`,
 * emitting one trace event per step. Afterwards the program runs through
 * BPF_PROG_TEST_RUN on a few packets, on the JIT image when the JIT is on, and the
 * map is read back with BPF_MAP_LOOKUP_ELEM, exactly as a user would.
 * @see https://elixir.bootlin.com/linux/v6.18/source/tools/lib/bpf/bpf.c (bpf_prog_load)
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (__sys_bpf)
 *
 * Isomorphic: the CLI prints it, the site can render it.
 * @module
 */
import { bpf_prog_get, bpf_prog_put, collectTrace, createKernel, formatTrace, type TraceEvent } from '@bpf-internals/syscall';
import { dumpJited } from '@bpf-internals/jit-riscv';
import { bpf_cmd, encodeAttr, encodeInsns, errnoName, getAttrField } from '@bpf-internals/uapi';
import { exampleInsns, exampleMapAttr, exampleProg, examplePacket } from './example.js';
import { formatProgLoadTrace, traceExampleProgLoad, type FormatOptions, type ProgLoadTrace } from './trace.js';

export interface LoadPathOptions {
  /** `net.core.bpf_jit_enable` (default true, as CONFIG_BPF_JIT_DEFAULT_ON). */
  jit?: boolean;
  /** The IP protocols of the packets run through the program (default UDP, TCP, UDP). */
  packets?: number[];
}

export interface LoadPathResult {
  /** The attr and instructions as written into the process's memory. */
  user: ProgLoadTrace;
  mapFd: number;
  /** The kernel's steps, in order. */
  events: TraceEvent[];
  /** What bpf(BPF_PROG_LOAD) returned: the program fd, or -errno. */
  ret: number;
  /** The verifier log as written back into log_buf, and log_true_size. */
  log: string;
  log_true_size: number;
  /** How the program runs: `jited` (RV64 image) or `interpreter`. */
  runtime: 'jited' | 'interpreter';
  /** BPF beside its RV64 code, when JITed. */
  jited: string | null;
  runs: { proto: number; ret: number; retval: number }[];
  /** The map's counters after the runs (non-zero ones). */
  counts: { proto: number; count: bigint }[];
}

const LOG_SIZE = 65536;

/** Run the example's load path on a fresh model kernel. */
export function runExampleLoadPath(opts: LoadPathOptions = {}): LoadPathResult {
  const t = collectTrace();
  const kernel = createKernel({ jit: opts.jit ?? true, trace: t.hook });
  const proc = kernel.spawn();
  const put = (bytes: Uint8Array): bigint => {
    const a = proc.mem.alloc(bytes.length);
    proc.mem.write(a, bytes);
    return a;
  };
  const bpf = (cmd: number, attr: Uint8Array) => {
    const at = put(attr);
    return { ret: proc.bpf(cmd, at, attr.length), at };
  };

  // #region load_path
  // User space: the map first (libbpf's bpf_object__create_maps), then the program.
  const mapFd = bpf(bpf_cmd.BPF_MAP_CREATE, encodeAttr('BPF_MAP_CREATE', exampleMapAttr)).ret;
  const insns = encodeInsns(exampleInsns(mapFd));
  const at = {
    insns: put(insns),
    license: put(new TextEncoder().encode(exampleProg.license + '\0')),
    log_buf: proc.mem.alloc(LOG_SIZE),
    log_size: LOG_SIZE,
  };
  const user = traceExampleProgLoad(mapFd, at);
  user.next = [];
  t.clear();
  const load = bpf(bpf_cmd.BPF_PROG_LOAD, user.attr);
  const events = [...t.events];
  const logBytes = proc.mem.read(at.log_buf, LOG_SIZE);
  const nul = logBytes.indexOf(0);
  const back = proc.mem.read(load.at, user.attr.length);
  const log_true_size = getAttrField('BPF_PROG_LOAD', back, 'log_true_size') as number;
  // #endregion load_path

  let jited: string | null = null;
  let runtime: LoadPathResult['runtime'] = 'interpreter';
  const runs: LoadPathResult['runs'] = [];
  const counts: LoadPathResult['counts'] = [];
  if (load.ret >= 0) {
    const prog = bpf_prog_get(proc.files, load.ret);
    if (typeof prog !== 'number') {
      jited = dumpJited(prog);
      runtime = prog.jited ? 'jited' : 'interpreter';
      bpf_prog_put(prog);
    }
    for (const proto of opts.packets ?? [17, 6, 17]) {
      const pkt = examplePacket(proto);
      const r = bpf(
        bpf_cmd.BPF_PROG_TEST_RUN,
        encodeAttr('BPF_PROG_TEST_RUN', { test: { prog_fd: load.ret, data_in: put(pkt), data_size_in: pkt.length, repeat: 1 } }),
      );
      const retval = getAttrField('BPF_PROG_TEST_RUN', proc.mem.read(r.at, user.attr.length), 'test.retval') as number;
      runs.push({ proto, ret: r.ret, retval });
    }
    const key = proc.mem.alloc(4);
    const value = proc.mem.alloc(8);
    for (let proto = 0; proto < exampleMapAttr.max_entries; proto++) {
      proc.mem.write(key, new Uint8Array(new Uint32Array([proto]).buffer));
      const r = bpf(bpf_cmd.BPF_MAP_LOOKUP_ELEM, encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: mapFd, key, value }));
      if (r.ret !== 0) continue;
      const v = proc.mem.read(value, 8);
      const count = new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
      if (count) counts.push({ proto, count });
    }
    proc.close(load.ret);
  }
  proc.close(mapFd);
  return {
    user,
    mapFd,
    events,
    ret: load.ret,
    log: new TextDecoder().decode(logBytes.subarray(0, nul < 0 ? LOG_SIZE : nul)),
    log_true_size,
    runtime,
    jited,
    runs,
    counts,
  };
}

const PROTO: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP' };

/** The load path as text: user space's attr, the kernel's steps, the log, the JIT image, the runs. */
export function formatLoadPath(r: LoadPathResult, opts: FormatOptions & { links?: boolean } = {}): string {
  const bold = (s: string) => (opts.color ? `\x1b[1m${s}\x1b[0m` : s);
  const out: string[] = [formatProgLoadTrace(r.user, opts)];
  out.push(bold('The kernel side: the model of Linux v6.18, step by step'));
  out.push(formatTrace(r.events, { links: opts.links ?? true }));
  out.push(
    r.ret >= 0
      ? `bpf(BPF_PROG_LOAD) = ${r.ret}: the program's fd`
      : `bpf(BPF_PROG_LOAD) = -1, errno ${-r.ret} (${errnoName(r.ret)})`,
  );
  out.push('', bold(`The verifier log written back to log_buf (log_true_size ${r.log_true_size})`));
  out.push(r.log.trimEnd() || '(empty)');
  out.push(
    'Note: the model runs the verifier\'s structural passes only; do_check is not modelled, so the',
    '"processed N insns" count is the model\'s walk of the program, not the kernel\'s pruned one.',
  );
  if (r.jited) {
    out.push('', bold('bpf_prog_select_runtime: the RISC-V 64 JIT image, BPF beside RV64'));
    out.push(r.jited.trimEnd());
  } else if (r.ret >= 0) {
    out.push('', bold('bpf_prog_select_runtime: the interpreter (___bpf_prog_run)'));
  }
  if (r.runs.length) {
    out.push('', bold(`BPF_PROG_TEST_RUN on ${r.runs.length} packets (${r.runtime === 'jited' ? 'the JIT image on the RV64 hart' : 'the interpreter'})`));
    for (const run of r.runs) {
      out.push(`  ${(PROTO[run.proto] ?? `proto ${run.proto}`).padEnd(5)} bpf() = ${run.ret}, retval ${run.retval}`);
    }
    out.push('', bold(`BPF_MAP_LOOKUP_ELEM over ${exampleMapAttr.map_name}: packets counted per IP protocol`));
    for (const c of r.counts) out.push(`  key ${String(c.proto).padStart(3)} (${PROTO[c.proto] ?? '?'})  ${c.count}`);
  }
  return out.join('\n') + '\n';
}
