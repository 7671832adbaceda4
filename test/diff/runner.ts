/**
 * The differential scenario runner: one scenario, a sequence of bpf() calls
 * written once, runs on the model (`createKernel().spawn()`) and, where the
 * host has a usable bpf(), on the host kernel (test/host/bpf.ts); the runner
 * records what each side answered and compares.
 *
 * What is compared: every return value (fds symbolically, as fd#0, fd#1, ... in
 * the order the run opened them, since the host process already holds many
 * fds), every errno, and every byte range a scenario reads back from user
 * memory. What is not, because it legitimately differs: object ids (global on
 * the host; a scenario records them relatively with `ctx.id()`), load_time,
 * jited sizes/images (the host JIT is x86-64, the model's is RISC-V), memlock.
 *
 * Paths: a scenario names bpffs paths as the model sees them (/sys/fs/bpf/x);
 * on the host each run gets a fresh bpffs mount and /sys/fs/bpf is mapped to it.
 * Every fd a run opened is closed at the end on both sides; on the model the
 * kernel must then hold no object (no leaked reference).
 *
 * Program scenarios use the same runner: export a
 * `Scenario[]` from test/diff/prog-scenarios.ts and run it with `runScenario`
 * in a test of your own (see test/syscall-diff.test.ts).
 */
import { mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { find_map_ops } from '@bpf-internals/maps';
import { createKernel, type Kernel, type KernelOptions } from '@bpf-internals/syscall';
import { BPF_ATTR_SIZE, bpf_cmd, bpf_map_type, encodeAttr, type AttrCmd, type BpfAttrInput } from '@bpf-internals/uapi';
import type { BpfProcess, HostBpf } from '../host/bpf.js';

/** Commands whose non-negative result is a new fd. */
const FD_CMDS = new Set<number>([
  bpf_cmd.BPF_MAP_CREATE,
  bpf_cmd.BPF_PROG_LOAD,
  bpf_cmd.BPF_OBJ_GET,
  bpf_cmd.BPF_PROG_GET_FD_BY_ID,
  bpf_cmd.BPF_MAP_GET_FD_BY_ID,
  bpf_cmd.BPF_RAW_TRACEPOINT_OPEN,
  bpf_cmd.BPF_BTF_LOAD,
  bpf_cmd.BPF_BTF_GET_FD_BY_ID,
  bpf_cmd.BPF_LINK_CREATE,
  bpf_cmd.BPF_LINK_GET_FD_BY_ID,
  bpf_cmd.BPF_ENABLE_STATS,
  bpf_cmd.BPF_ITER_CREATE,
  bpf_cmd.BPF_TOKEN_CREATE,
]);

/** One observation of a run: what a step returned or read back. */
export type Observation = string;

/** What a scenario sees: the same calls on either side. */
export interface ScenarioCtx {
  /** 'model' or 'host'. */
  readonly side: 'model' | 'host';
  /** User memory with `bytes` (or `len` zero bytes) in it. */
  mem(bytes: Uint8Array | number): bigint;
  /** A NUL-terminated string in user memory (bpffs paths mapped on the host). */
  str(s: string): bigint;
  /** Encode an attr for `cmd` (uapi's encodeAttr). */
  attr<C extends AttrCmd>(cmd: C, fields: BpfAttrInput<C>): Uint8Array;
  /**
   * bpf(cmd, attr, size): writes the attr to fresh memory and calls. Records the
   * result (fd#k for a new fd); `expect` is the kernel's answer ('fd' for any new fd).
   * Returns the real result, so the scenario can pass fds on.
   */
  bpf(cmd: number, attr: Uint8Array, opts?: { size?: number; expect?: number | 'fd'; at?: bigint }): number;
  /** Like bpf() but with the attr already in user memory at `addr`. */
  bpfAt(cmd: number, addr: bigint, size: number, expect?: number | 'fd'): number;
  /** Record `len` bytes of user memory at `addr` (masking [off, len) ranges with `mask`). */
  read(addr: bigint, len: number, mask?: [number, number][]): Uint8Array;
  /** Record an id relatively: the first distinct id seen is id#0, and so on (0 stays 0). */
  id(v: number): void;
  /** Record any value. */
  note(label: string, v: unknown): void;
  close(fd: number, expect?: number): number;
  open(path: string): number;
  unlink(path: string): number;
  mkdir(path: string): number;
  /** The process (for scenarios that need it directly). */
  readonly proc: BpfProcess;
}

export interface Scenario {
  name: string;
  /** Kernel options for the model side (e.g. sysctls). */
  kernel?: KernelOptions;
  /** Capabilities of the model process; such scenarios are model-only (the host runs as root). */
  caps?: string[];
  /** Only meaningful on the model: the host is not asked. */
  modelOnly?: boolean;
  /**
   * With `caps`: the host side runs in a child process as uid 65534 with exactly these
   * capabilities (setpriv), instead of as root (test/syscall-caps.test.ts).
   */
  hostCaps?: boolean;
  run(ctx: ScenarioCtx): void;
}

export interface RunResult {
  obs: Observation[];
  /** Map types the scenario created that @bpf-internals/maps does not model (model side). */
  unmodelled: number[];
  /** Steps whose answer differed from the row's `expect`. */
  expectFailures: string[];
  /** Objects still alive after the run closed everything (model only). */
  leaked: string[];
}

function errnoOf(r: number): string {
  return r < 0 ? `-${-r}` : String(r);
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Run a scenario on one process; `mapPath` maps /sys/fs/bpf paths. */
export function runOn(
  side: 'model' | 'host',
  proc: BpfProcess & { unlink?(p: string): number; mkdir?(p: string): number },
  mapPath: (p: string) => string,
  sc: Scenario,
  fsOps: { unlink(p: string): number; mkdir(p: string): number },
  onCall?: (cmd: number, addr: bigint, size: number) => void,
): { obs: Observation[]; expectFailures: string[]; fds: number[] } {
  const obs: Observation[] = [];
  const expectFailures: string[] = [];
  const fds: number[] = [];
  const ids = new Map<number, number>();
  const closed = new Map<number, number>();
  const sym = (fd: number) => {
    const i = fds.indexOf(fd);
    if (i >= 0) return `fd#${i}`;
    const j = closed.get(fd);
    if (j !== undefined) return `closed fd#${j}`;
    return fd === 999_999 ? 'bad fd' : fd < 3 ? `fd ${fd}` : 'fd?';
  };
  let step = 0;
  const check = (what: string, r: number, expect: number | 'fd' | undefined) => {
    if (expect === undefined) return;
    const ok = expect === 'fd' ? r >= 0 : r === expect;
    if (!ok) expectFailures.push(`step ${step} ${what}: got ${errnoOf(r)}, kernel answers ${expect}`);
  };
  const call = (cmd: number, addr: bigint, size: number, expect?: number | 'fd') => {
    step++;
    onCall?.(cmd, addr, size);
    const r = proc.bpf(cmd, addr, size);
    if (r >= 0 && FD_CMDS.has(cmd)) {
      fds.push(r);
      obs.push(`bpf(${cmd}) = ${sym(r)}`);
    } else {
      obs.push(`bpf(${cmd}) = ${errnoOf(r)}`);
    }
    check(`bpf(${cmd})`, r, expect);
    return r;
  };
  const ctx: ScenarioCtx = {
    side,
    proc,
    mem(bytes) {
      const b = typeof bytes === 'number' ? new Uint8Array(bytes) : bytes;
      const a = proc.mem.alloc(b.length);
      if (b.length) proc.mem.write(a, b);
      return a;
    },
    str(s) {
      return ctx.mem(new TextEncoder().encode(mapPath(s) + '\0'));
    },
    attr(cmd, fields) {
      return encodeAttr(cmd, fields);
    },
    bpf(cmd, attr, opts = {}) {
      const size = opts.size ?? BPF_ATTR_SIZE;
      const addr = opts.at ?? ctx.mem(attr.length >= size ? attr : Uint8Array.from({ length: size }, (_, i) => attr[i] ?? 0));
      if (opts.at !== undefined) proc.mem.write(addr, attr);
      return call(cmd, addr, size, opts.expect);
    },
    bpfAt(cmd, addr, size, expect) {
      return call(cmd, addr, size, expect);
    },
    read(addr, len, mask = []) {
      const b = proc.mem.read(addr, len);
      const m = b.slice();
      for (const [o, l] of mask) m.fill(0xee, o, Math.min(len, o + l));
      obs.push(`read ${len} = ${hex(m)}`);
      return b;
    },
    id(v) {
      if (v === 0) {
        obs.push('id 0');
        return;
      }
      if (!ids.has(v)) ids.set(v, ids.size);
      obs.push(`id#${ids.get(v)}`);
    },
    note(label, v) {
      obs.push(`${label}: ${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`);
    },
    close(fd, expect) {
      step++;
      const r = proc.close(fd);
      const i = fds.indexOf(fd);
      obs.push(`close(${sym(fd)}) = ${errnoOf(r)}`);
      if (r === 0 && i >= 0) {
        fds[i] = -1000 - i; // keep indices stable, mark closed
        closed.set(fd, i);
      }
      check('close', r, expect);
      return r;
    },
    open(path) {
      step++;
      const r = proc.open(mapPath(path));
      if (r >= 0) fds.push(r);
      obs.push(`open = ${r >= 0 ? sym(r) : errnoOf(r)}`);
      return r;
    },
    unlink(path) {
      const r = fsOps.unlink(mapPath(path));
      obs.push(`unlink = ${errnoOf(r)}`);
      return r;
    },
    mkdir(path) {
      const r = fsOps.mkdir(mapPath(path));
      obs.push(`mkdir = ${errnoOf(r)}`);
      return r;
    },
  };
  try {
    sc.run(ctx);
  } catch (e) {
    // A scenario step that cannot be built (e.g. an fd that is an errno because a create
    // failed) ends the run; the observation says so and the comparison shows it.
    obs.push(`scenario stopped: ${(e as Error).message}`);
    expectFailures.push(`step ${step}: scenario stopped: ${(e as Error).message}`);
  }
  return { obs, expectFailures, fds: fds.filter((f) => f >= 0) };
}

/** Run on a fresh model kernel: observations, expectation failures, leaks. */
export function runModel(sc: Scenario): RunResult & { kernel: Kernel } {
  const kernel = createKernel(sc.kernel);
  const proc = sc.caps ? kernel.spawn({ caps: sc.caps as never }) : kernel.spawn();
  const unmodelled = new Set<number>();
  const onCall = (cmd: number, addr: bigint, size: number) => {
    if (cmd !== bpf_cmd.BPF_MAP_CREATE || size < 4) return;
    const v = proc.mem.view(addr, 4);
    if (!v) return;
    const t = new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true);
    if (t > 0 && t < bpf_map_type.__MAX_BPF_MAP_TYPE && !find_map_ops(t)) unmodelled.add(t);
  };
  const r = runOn('model', proc, (p) => p, sc, { unlink: (p) => proc.unlink(p), mkdir: (p) => proc.mkdir(p) }, onCall);
  for (const fd of r.fds) proc.close(fd);
  // Pins keep objects alive by design: remove them like the host's unmount does.
  unpinAll(kernel, proc);
  const leaked = kernel.objects().map((o) => `${o.kind} id ${o.id} refcnt ${o.refcnt}`);
  return { obs: r.obs, expectFailures: r.expectFailures, leaked, kernel, unmodelled: [...unmodelled] };
}

function unpinAll(kernel: Kernel, proc: { unlink(p: string): number; rmdir(p: string): number }): void {
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

/** Run on the host with a fresh bpffs mount; closes every fd the run opened. */
export function runHost(host: HostBpf, sc: Scenario): RunResult {
  const m = host.mountBpffs();
  const mapPath = (p: string) => (p === '/sys/fs/bpf' ? m.path : p.startsWith('/sys/fs/bpf/') ? m.path + p.slice('/sys/fs/bpf'.length) : p);
  const fsOps = {
    unlink(p: string) {
      try {
        unlinkSync(p);
        return 0;
      } catch (e) {
        return -errnoNum(e);
      }
    },
    mkdir(p: string) {
      try {
        mkdirSync(p);
        return 0;
      } catch (e) {
        return -errnoNum(e);
      }
    },
  };
  let r: ReturnType<typeof runOn>;
  try {
    r = runOn('host', host, mapPath, sc, fsOps);
  } finally {
    m.unmount();
  }
  for (const fd of r.fds) host.close(fd);
  return { obs: r.obs, expectFailures: r.expectFailures, leaked: [], unmodelled: [] };
}

const ERRNO: Record<string, number> = { ENOENT: 2, EEXIST: 17, EPERM: 1, EACCES: 13, ENOTDIR: 20, EISDIR: 21, EBUSY: 16, ENOTEMPTY: 39, EINVAL: 22 };
function errnoNum(e: unknown): number {
  const code = (e as { code?: string }).code ?? '';
  return ERRNO[code] ?? 5;
}

/** Best-effort cleanup of a host temp dir (mountBpffs removes its own). */
export function rmdirQuiet(p: string): void {
  try {
    rmdirSync(p);
  } catch {
    /* ignore */
  }
}

/** The first differing observation of two runs, or null when they agree. */
export function firstDifference(a: Observation[], b: Observation[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `#${i}: model ${a[i] ?? '(none)'} / host ${b[i] ?? '(none)'}`;
  }
  return null;
}
