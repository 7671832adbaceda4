/**
 * One simulated machine: CPUs, sysctls, the BPF object IDRs, the filesystem
 * with its bpffs mounts, and the processes that call bpf().
 * Mirrors the global state of kernel/bpf/syscall.c at v6.18 (`map_idr`,
 * `prog_idr`, `link_idr`, `sysctl_unprivileged_bpf_disabled`):
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * ```ts
 * const kernel = createKernel();          // options: { cpus, jit, sysctls, trace }
 * const proc = kernel.spawn();            // root; spawn({ caps: ['CAP_BPF'] }) for fewer
 * ```
 * @module
 */
import type { BpfMap, BpfMapEnv } from '@bpf-internals/maps';
import { Idr } from './idr.js';
import { Vfs } from './inode.js';
import { Process, type SpawnOptions } from './process.js';

/** The sysctls the BPF subsystem reads. */
export interface Sysctls {
  /**
   * `kernel.unprivileged_bpf_disabled`: 0 allows unprivileged BPF, 1 disables it
   * for good, 2 disables it but an admin may re-enable it (the default of
   * CONFIG_BPF_UNPRIV_DEFAULT_OFF, Debian's and the host's value).
   */
  'kernel.unprivileged_bpf_disabled': number;
  /** `net.core.bpf_jit_enable`: 1 JITs programs (CONFIG_BPF_JIT_DEFAULT_ON forces it on). */
  'net.core.bpf_jit_enable': number;
}

/** One step of the call path, for the step-by-step trace (B's trace.ts formats it). */
export interface KernelTraceEvent {
  /** The kernel function, e.g. `__sys_bpf`. */
  fn: string;
  /** The kernel file, e.g. `kernel/bpf/syscall.c`. */
  file: string;
  line?: number;
  depth: number;
  detail: string;
  ret?: number;
}

export interface KernelOptions {
  /** `num_possible_cpus()`; default 2. */
  cpus?: number;
  /** JIT programs (CONFIG_BPF_JIT_DEFAULT_ON); default true. */
  jit?: boolean;
  sysctls?: Partial<Sysctls>;
  /** Called at each traced step of a bpf() call. */
  trace?: (ev: KernelTraceEvent) => void;
}

/** Anything with an id and a refcount that lives in an IDR (maps, programs, links, BTF). */
export interface KernelObject {
  id: number;
  refcnt: number;
}

/** A live object as `kernel.objects()` reports it. */
export interface ObjectReport {
  kind: 'map' | 'prog' | 'link' | 'btf';
  id: number;
  refcnt: number;
  /** `usercnt` for maps. */
  usercnt?: number;
  name?: string;
  type?: number;
}

export class Kernel {
  readonly num_possible_cpus: number;
  readonly jit: boolean;
  readonly sysctls: Sysctls;
  readonly trace?: (ev: KernelTraceEvent) => void;
  /** `map_idr`. */
  readonly map_idr = new Idr<BpfMap>();
  /** `prog_idr`: programs (B's prog.ts allocates their ids here). */
  readonly prog_idr = new Idr<KernelObject>();
  /** `link_idr`. */
  readonly link_idr = new Idr<KernelObject>();
  /** `btf_idr`. */
  readonly btf_idr = new Idr<KernelObject>();
  /** The mount tree: /, /tmp, /dev/null, and a bpffs at /sys/fs/bpf. */
  readonly vfs: Vfs;
  /** The map environment every map of this machine gets. */
  readonly mapEnv: BpfMapEnv;
  /** Kernel-visible events (audit records of BPF_PROG_LOAD/UNLOAD, ...), oldest first. */
  readonly events: { type: string; [k: string]: unknown }[] = [];
  /** Live processes by pid (`find_vpid`). */
  readonly tasks = new Map<number, Process>();
  private nextPid = 1;
  private seed = 0x2545f491;
  /** `smp_processor_id()` of whatever runs now. */
  current_cpu = 0;

  constructor(opts: KernelOptions = {}) {
    this.num_possible_cpus = Math.max(1, Math.floor(opts.cpus ?? 2));
    this.jit = opts.jit ?? true;
    this.sysctls = {
      'kernel.unprivileged_bpf_disabled': 2,
      'net.core.bpf_jit_enable': this.jit ? 1 : 0,
      ...opts.sysctls,
    };
    if (opts.trace) this.trace = opts.trace;
    this.vfs = new Vfs();
    this.vfs.mountBpffs('/sys/fs/bpf');
    this.mapEnv = {
      num_possible_cpus: this.num_possible_cpus,
      smp_processor_id: () => this.current_cpu,
      get_random_u32: () => this.get_random_u32(),
    };
  }

  /** A new process: root with every capability unless `caps` lists fewer. */
  spawn(opts: SpawnOptions = {}): Process {
    const p = new Process(this, this.nextPid++, opts);
    this.tasks.set(p.pid, p);
    return p;
  }

  /** Mount a fresh bpffs at `path` (created if missing). 0 or -errno. */
  mount(path: string): number {
    return this.vfs.mountBpffs(path);
  }

  /** A deterministic `get_random_u32` (xorshift), so runs are reproducible. */
  get_random_u32(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }

  /** Every live map, program, link and BTF object with its refcounts (for leak checks). */
  objects(): ObjectReport[] {
    const out: ObjectReport[] = [];
    for (const m of this.map_idr.values()) {
      out.push({ kind: 'map', id: m.id, refcnt: m.refcnt, usercnt: m.usercnt, name: m.name, type: m.map_type });
    }
    for (const p of this.prog_idr.values()) out.push({ kind: 'prog', id: p.id, refcnt: p.refcnt });
    for (const l of this.link_idr.values()) out.push({ kind: 'link', id: l.id, refcnt: l.refcnt });
    for (const b of this.btf_idr.values()) out.push({ kind: 'btf', id: b.id, refcnt: b.refcnt });
    return out;
  }
}

/** One simulated machine. */
export function createKernel(opts: KernelOptions = {}): Kernel {
  return new Kernel(opts);
}
