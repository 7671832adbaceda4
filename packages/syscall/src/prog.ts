/**
 * Programs on the syscall side: BPF_PROG_LOAD (`bpf_prog_load`) in the kernel's order, the
 * program file (`bpf_prog_fops`, `bpf_prog_new_fd`), fd and refcount handling (`bpf_prog_get`,
 * `bpf_prog_inc`, `bpf_prog_put`), ids and the audit record.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * How syscall.ts (the dispatcher) calls in, with `attr` the kernel's zero-extended copy
 * of the user's union bpf_attr (BPF_ATTR_SIZE bytes) and `uattr`/`size` the user's address/size:
 *   case BPF_PROG_LOAD: return bpf_prog_load(proc, attr, uattr, size);
 *
 * The model is a kernel with: CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS (x86-64), no BPF LSM or
 * other security module (security_bpf_prog_load allows everything), no BPF tokens (a token fd
 * answers -EBADF/-EINVAL), no network devices for offload (prog_ifindex answers as for a missing
 * netdev), no kernel BTF (attach_btf_id answers as a kernel without CONFIG_DEBUG_INFO_BTF), no
 * PKCS#7 signature verification (a signature answers as on the reference host), and every program
 * type but BPF_PROG_TYPE_LIRC_MODE2 (CONFIG_BPF_LIRC_MODE2 off, as on the reference host).
 * What the verifier checks is the minimal bpf_check of @bpf-internals/verifier.
 * @module
 */
import { bpf_prog_alloc, bpf_prog_select_runtime, type bpf_prog } from '@bpf-internals/core';
import { bpf_int_jit_compile } from '@bpf-internals/jit-riscv';
import type { BpfMap } from '@bpf-internals/maps';
import {
  BPF_COMPLEXITY_LIMIT_INSNS,
  BPF_F_ANY_ALIGNMENT,
  BPF_F_SLEEPABLE,
  BPF_F_STRICT_ALIGNMENT,
  BPF_F_TEST_REG_INVARIANTS,
  BPF_F_TEST_RND_HI32,
  BPF_F_TEST_STATE_FREQ,
  BPF_F_XDP_DEV_BOUND_ONLY,
  BPF_F_XDP_HAS_FRAGS,
  BPF_MAXINSNS,
  CHECK_ATTR,
  bpf_anon_enums,
  bpf_attach_type as AT,
  bpf_prog_type as PT,
  decodeAttr,
  decodeInsns,
} from '@bpf-internals/uapi';
import { bpf_check, type BpfLogUserAccess } from '@bpf-internals/verifier';
import { open_fmode, O_RDWR, type BpfFile, type BpfObjFops, type FdTable } from './fdtable.js';
import { info_by_fd } from './info.js';
import { bpf_prog_get_info_by_fd } from './prog_info.js';
import type { Kernel, KernelObject } from './kernel.js';
import { __bpf_map_get, bpf_obj_name_cpy, bpf_token_capable } from './map_cmds.js';
import { attach_type_to_prog_type } from './attach_types.js';
import { kernel_run_env } from './runtime.js';
import { CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, type Process } from './process.js';
import { trace_step } from './trace.js';

const EPERM = -1;
const E2BIG = -7;
const EBADF = -9;
const ENOMEM = -12;
const EFAULT = -14;
const EINVAL = -22;
const EOPNOTSUPP = -95;

/** `BPF_F_TOKEN_FD` (an anonymous enum in bpf.h). */
export const BPF_F_TOKEN_FD = Number(bpf_anon_enums['BPF_F_TOKEN_FD'] ?? 1 << 16);
/** `BTF_MAX_TYPE`: the largest BTF type id. */
const BTF_MAX_TYPE = 0x000fffff;
/** anon_inode_getfd adds O_CLOEXEC; kept so f_flags read like the kernel's. */
const O_CLOEXEC = 0o2000000;

// ---- the program object: refcount, id, fd --------------------------------------------------------

/**
 * What prog_idr holds (the kernel's idr stores the `struct bpf_prog *`): the program, with the
 * id/refcnt view `kernel.objects()` reads and the fops BPF_PROG_GET_FD_BY_ID opens it through.
 */
export interface ProgIdrEntry extends KernelObject {
  prog: bpf_prog;
  fops: BpfObjFops;
}

/** A prog_idr entry or a program: the program (fops callers may pass either). */
function asProg(raw: unknown): bpf_prog {
  const e = raw as Partial<ProgIdrEntry>;
  return (e.prog && e.fops ? e.prog : raw) as bpf_prog;
}

/** The program behind a prog_idr entry (for GET_FD_BY_ID / GET_NEXT_ID in syscall.ts). */
export function prog_from_idr(entry: KernelObject): bpf_prog {
  return (entry as ProgIdrEntry).prog;
}

/**
 * `bpf_prog_inc`: one more reference (an fd, a pin, a link, an attachment, a prog_array slot).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_inc)
 */
export function bpf_prog_inc(prog: bpf_prog): void {
  prog.inc();
}

/**
 * `bpf_prog_inc_not_zero`: a reference unless the program is already on its way out
 * (GET_FD_BY_ID races with the last put). -ENOENT then.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_inc_not_zero)
 */
export function bpf_prog_inc_not_zero(prog: bpf_prog): number {
  if (prog.aux.refcnt === 0) return -2;
  prog.inc();
  return 0;
}

/**
 * `bpf_prog_put`: drop a reference; the last one frees the id (`bpf_prog_free_id`), logs the
 * UNLOAD audit record and frees the program (its maps lose the program's reference).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_put)
 */
export function bpf_prog_put(prog: bpf_prog): void {
  prog.put();
}

/**
 * `bpf_prog_fops`: the file of a program fd; closing the last fd drops its reference.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_fops)
 */
export const bpf_prog_fops: BpfObjFops = {
  name: 'bpf-prog',
  bpf_type: 'prog',
  release(file: BpfFile) {
    bpf_prog_put(file.private_data as bpf_prog);
  },
  any_get: (raw) => bpf_prog_inc(asProg(raw)),
  any_put: (raw) => bpf_prog_put(asProg(raw)),
  new_fd: (files, raw) => bpf_prog_new_fd(files, asProg(raw)),
};

// #region bpf_prog_new_fd
/**
 * `bpf_prog_new_fd`: an anon-inode "bpf-prog" file, O_RDWR | O_CLOEXEC, holding the reference
 * the caller took. The lowest free fd.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_new_fd)
 */
export function bpf_prog_new_fd(files: FdTable, prog: bpf_prog): number {
  return files.fd_install({
    f_op: bpf_prog_fops,
    f_mode: open_fmode(O_RDWR),
    f_flags: O_RDWR | O_CLOEXEC,
    private_data: prog,
    f_count: 1,
  });
}
// #endregion bpf_prog_new_fd

/** The program behind a file, if it is a program file. */
export function fileProg(file: BpfFile | undefined): bpf_prog | null {
  return file && file.f_op === bpf_prog_fops ? (file.private_data as bpf_prog) : null;
}

/**
 * `__bpf_prog_get` / `bpf_prog_get` / `bpf_prog_get_type_dev`: the program behind `ufd` with a
 * reference taken; -EBADF when no fd, -EINVAL when not a program (or not of `type`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (__bpf_prog_get)
 */
export function bpf_prog_get(files: FdTable, ufd: number, type?: number): bpf_prog | number {
  const file = files.fdget(ufd);
  if (!file) return EBADF;
  const prog = fileProg(file);
  if (!prog) return EINVAL;
  if (type !== undefined && prog.type !== type) return EINVAL; // bpf_prog_get_ok
  bpf_prog_inc(prog);
  return prog;
}

/**
 * `bpf_audit_prog`: the audit record "prog-id=%u op=LOAD|UNLOAD", kept in the kernel's
 * event list (the model's audit log).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_audit_prog)
 */
export function bpf_audit_prog(kernel: Kernel, prog: bpf_prog, op: 'LOAD' | 'UNLOAD'): void {
  kernel.events.push({ type: 'audit', msg: `prog-id=${prog.aux.id} op=${op}`, prog_id: prog.aux.id, op });
}

/**
 * `bpf_prog_alloc_id`: a cyclic id in [1, INT_MAX). Freeing the program frees its id and
 * writes the UNLOAD audit record (`bpf_prog_put_deferred` → `bpf_prog_free_id`).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_alloc_id)
 */
export function bpf_prog_alloc_id(kernel: Kernel, prog: bpf_prog): number {
  const entry: ProgIdrEntry = {
    prog,
    fops: bpf_prog_fops,
    get id() {
      return prog.aux.id;
    },
    set id(v: number) {
      prog.aux.id = v;
    },
    get refcnt() {
      return prog.aux.refcnt;
    },
    set refcnt(v: number) {
      prog.aux.refcnt = v;
    },
  };
  const id = kernel.prog_idr.idr_alloc_cyclic(entry, 1, 0x7fffffff);
  if (id < 0) return id;
  prog.aux.id = id;
  const prev = prog.onFree;
  prog.onFree = (p: bpf_prog) => {
    bpf_audit_prog(kernel, p, 'UNLOAD');
    if (p.aux.id) kernel.prog_idr.idr_remove(p.aux.id);
    p.aux.id = 0;
    prev?.(p);
  };
  return 0;
}

// ---- BPF_PROG_LOAD ---------------------------------------------------------------------------------

/**
 * `license_is_gpl_compatible`: the licenses under which GPL-only helpers may be called.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/license.h (license_is_gpl_compatible)
 */
export function license_is_gpl_compatible(license: string): boolean {
  return ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'].includes(license);
}

/**
 * `is_net_admin_prog_type`: types that can change packets or routing need CAP_NET_ADMIN.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (is_net_admin_prog_type)
 */
export function is_net_admin_prog_type(type: number): boolean {
  return (
    [
      PT.BPF_PROG_TYPE_SCHED_CLS,
      PT.BPF_PROG_TYPE_SCHED_ACT,
      PT.BPF_PROG_TYPE_XDP,
      PT.BPF_PROG_TYPE_LWT_IN,
      PT.BPF_PROG_TYPE_LWT_OUT,
      PT.BPF_PROG_TYPE_LWT_XMIT,
      PT.BPF_PROG_TYPE_LWT_SEG6LOCAL,
      PT.BPF_PROG_TYPE_SK_SKB,
      PT.BPF_PROG_TYPE_SK_MSG,
      PT.BPF_PROG_TYPE_FLOW_DISSECTOR,
      PT.BPF_PROG_TYPE_CGROUP_DEVICE,
      PT.BPF_PROG_TYPE_CGROUP_SOCK,
      PT.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
      PT.BPF_PROG_TYPE_CGROUP_SOCKOPT,
      PT.BPF_PROG_TYPE_CGROUP_SYSCTL,
      PT.BPF_PROG_TYPE_SOCK_OPS,
      PT.BPF_PROG_TYPE_EXT,
      PT.BPF_PROG_TYPE_NETFILTER,
    ] as number[]
  ).includes(type);
}

/**
 * `is_perfmon_prog_type`: types that read kernel memory need CAP_PERFMON.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (is_perfmon_prog_type)
 */
export function is_perfmon_prog_type(type: number): boolean {
  return (
    [
      PT.BPF_PROG_TYPE_KPROBE,
      PT.BPF_PROG_TYPE_TRACEPOINT,
      PT.BPF_PROG_TYPE_PERF_EVENT,
      PT.BPF_PROG_TYPE_RAW_TRACEPOINT,
      PT.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
      PT.BPF_PROG_TYPE_TRACING,
      PT.BPF_PROG_TYPE_LSM,
      PT.BPF_PROG_TYPE_STRUCT_OPS,
      PT.BPF_PROG_TYPE_EXT,
    ] as number[]
  ).includes(type);
}

/**
 * `bpf_prog_load_fixup_attach_type`: two types predate expected_attach_type; 0 gets their old
 * default so the attach-time check still works.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_load_fixup_attach_type)
 */
export function bpf_prog_load_fixup_attach_type(prog_type: number, expected_attach_type: number): number {
  if (prog_type === PT.BPF_PROG_TYPE_CGROUP_SOCK && !expected_attach_type) return AT.BPF_CGROUP_INET_SOCK_CREATE;
  if (prog_type === PT.BPF_PROG_TYPE_SK_REUSEPORT && !expected_attach_type) return AT.BPF_SK_REUSEPORT_SELECT;
  return expected_attach_type;
}

// #region bpf_prog_load_check_attach
/**
 * `bpf_prog_load_check_attach`: a BTF id only for tracing-like types, and for the types whose
 * verification depends on where they attach, an expected_attach_type from their list.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_load_check_attach)
 */
export function bpf_prog_load_check_attach(
  prog_type: number,
  expected_attach_type: number,
  has_attach_btf: boolean,
  btf_id: number,
  has_dst_prog: boolean,
): number {
  if (btf_id) {
    if (btf_id > BTF_MAX_TYPE) return EINVAL;
    if (!has_attach_btf && !has_dst_prog) return EINVAL;
    const ok: number[] = [PT.BPF_PROG_TYPE_TRACING, PT.BPF_PROG_TYPE_LSM, PT.BPF_PROG_TYPE_STRUCT_OPS, PT.BPF_PROG_TYPE_EXT];
    if (!ok.includes(prog_type)) return EINVAL;
  }
  if (has_attach_btf && (!btf_id || has_dst_prog)) return EINVAL;
  if (has_dst_prog && prog_type !== PT.BPF_PROG_TYPE_TRACING && prog_type !== PT.BPF_PROG_TYPE_EXT) return EINVAL;
  const oneOf = (...types: number[]): number => (types.includes(expected_attach_type) ? 0 : EINVAL);
  switch (prog_type) {
    // The kernel lists, per type, the same attach types attach_type_to_prog_type maps to it:
    // one table here (attach_types.ts), so a load and an attach cannot disagree.
    case PT.BPF_PROG_TYPE_CGROUP_SOCK:
    case PT.BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case PT.BPF_PROG_TYPE_CGROUP_SKB:
    case PT.BPF_PROG_TYPE_CGROUP_SOCKOPT:
    case PT.BPF_PROG_TYPE_SK_LOOKUP:
      return attach_type_to_prog_type(expected_attach_type) === prog_type ? 0 : EINVAL;
    case PT.BPF_PROG_TYPE_SK_REUSEPORT:
      return oneOf(AT.BPF_SK_REUSEPORT_SELECT, AT.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE);
    case PT.BPF_PROG_TYPE_NETFILTER:
      return oneOf(AT.BPF_NETFILTER);
    case PT.BPF_PROG_TYPE_SYSCALL:
    case PT.BPF_PROG_TYPE_EXT:
      return expected_attach_type ? EINVAL : 0;
    default:
      return 0;
  }
}
// #endregion bpf_prog_load_check_attach

/** Program types this model's kernel has (`bpf_prog_types[]`): all but LIRC_MODE2. */
const MODEL_PROG_TYPES: ReadonlySet<number> = new Set(
  Object.entries(PT)
    .filter(([name, v]) => name !== '__MAX_BPF_PROG_TYPE' && v !== PT.BPF_PROG_TYPE_UNSPEC && v !== PT.BPF_PROG_TYPE_LIRC_MODE2)
    .map(([, v]) => v as number),
);

/**
 * `find_prog_type`: -EINVAL for a type the kernel was built without (or that does not exist).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (find_prog_type)
 */
export function find_prog_type(type: number): number {
  return MODEL_PROG_TYPES.has(type) ? 0 : EINVAL;
}

/** The keyrings a process can name: the system ones (0, 1, 2) and KEY_SPEC_SESSION/USER/USER_SESSION. */
const KNOWN_KEYRINGS = [0, 1, 2, -3, -4, -5];

/**
 * `bpf_prog_verify_signature` (6.18): find the keyring (-EINVAL when it does not exist), copy the
 * signature (-ENOMEM when it cannot be read, as the live kernel answers), verify it. The model is
 * a kernel that cannot verify PKCS#7 signatures, like the reference host: -EOPNOTSUPP.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_verify_signature)
 */
export function bpf_prog_verify_signature(proc: Process, signature: bigint, signature_size: number, keyring_id: number): number {
  if (!KNOWN_KEYRINGS.includes(keyring_id)) return EINVAL;
  if (typeof proc.mem.copy_from_user(signature, signature_size) === 'number') return ENOMEM;
  return EOPNOTSUPP;
}

/** `strncpy_from_user(dst, src, 127)`: the license string, or -EFAULT (NULL or unmapped). */
function strncpy_from_user(proc: Process, addr: bigint, max: number): string | number {
  if (addr === 0n) return EFAULT;
  const bytes: number[] = [];
  for (let i = 0; i < max; i++) {
    const v = proc.mem.view(addr + BigInt(i), 1);
    if (!v) return EFAULT;
    if (v[0] === 0) break;
    bytes.push(v[0]!);
  }
  return new TextDecoder('latin1').decode(new Uint8Array(bytes));
}

/** The user-copy view the verifier's log uses, over a process's memory. */
export function userAccess(proc: Process): BpfLogUserAccess {
  return {
    copy_to_user: (addr, bytes) => proc.mem.copy_to_user(addr, bytes) === 0,
    copy_from_user: (addr, len) => {
      const r = proc.mem.copy_from_user(addr, len);
      return typeof r === 'number' ? null : r;
    },
  };
}

/** Options a caller may add (the live component uses `jit` to show both runtimes). */
export interface ProgLoadOptions {
  /** Override the kernel's JIT setting for this load. */
  jit?: boolean;
}

// #region bpf_prog_load
/**
 * `bpf_prog_load`: BPF_PROG_LOAD, step by step in the kernel's order. Returns the new fd or a
 * negative errno; on any failure nothing is left behind (no fd, no id, map references dropped).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_load)
 */
export function bpf_prog_load(proc: Process, attr: Uint8Array, uattr: bigint, uattr_size: number, opts: ProgLoadOptions = {}): number {
  const kernel = proc.kernel;
  const step = (fn: string, detail: string, ret?: number, depth = 2): void => trace_step(kernel, depth, fn, detail, ret);
  const fail = (err: number, fn = 'bpf_prog_load', detail = ''): number => {
    if (fn !== 'bpf_prog_load') step(fn, detail, err);
    step('bpf_prog_load', 'failed', err, 1);
    return err;
  };
  step('bpf_prog_load', '', undefined, 1);

  if (CHECK_ATTR('BPF_PROG_LOAD', attr)) return fail(EINVAL, 'CHECK_ATTR', 'bytes after keyring_id are not zero');
  const a = decodeAttr('BPF_PROG_LOAD', attr);
  const type = a.prog_type;

  const allowed_flags =
    BPF_F_STRICT_ALIGNMENT |
    BPF_F_ANY_ALIGNMENT |
    BPF_F_TEST_STATE_FREQ |
    BPF_F_SLEEPABLE |
    BPF_F_TEST_RND_HI32 |
    BPF_F_XDP_HAS_FRAGS |
    BPF_F_XDP_DEV_BOUND_ONLY |
    BPF_F_TEST_REG_INVARIANTS |
    BPF_F_TOKEN_FD;
  if (a.prog_flags & ~allowed_flags) return fail(EINVAL, 'prog_flags', `unknown flags 0x${(a.prog_flags & ~allowed_flags).toString(16)}`);

  const expected_attach_type = bpf_prog_load_fixup_attach_type(type, a.expected_attach_type);

  if (a.prog_flags & BPF_F_TOKEN_FD) {
    // bpf_token_get_from_fd: the model has no BPF tokens
    const f = proc.files.fdget(a.prog_token_fd);
    return fail(f ? EINVAL : EBADF, 'bpf_token_get_from_fd', `fd ${a.prog_token_fd} is not a BPF token`);
  }

  const bpf_cap = bpf_token_capable(proc, CAP_BPF);
  step('bpf_token_capable', `CAP_BPF: ${bpf_cap}`);
  // CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS is set: BPF_F_ANY_ALIGNMENT needs no capability
  if (kernel.sysctls['kernel.unprivileged_bpf_disabled'] && !bpf_cap) {
    return fail(EPERM, 'bpf_token_capable', 'kernel.unprivileged_bpf_disabled and no CAP_BPF');
  }
  if (a.insn_cnt === 0 || a.insn_cnt > (bpf_cap ? BPF_COMPLEXITY_LIMIT_INSNS : BPF_MAXINSNS)) {
    return fail(E2BIG, 'insn_cnt', `${a.insn_cnt} instructions (limit ${bpf_cap ? BPF_COMPLEXITY_LIMIT_INSNS : BPF_MAXINSNS})`);
  }
  if (type !== PT.BPF_PROG_TYPE_SOCKET_FILTER && type !== PT.BPF_PROG_TYPE_CGROUP_SKB && !bpf_cap) {
    return fail(EPERM, 'bpf_token_capable', 'only socket filters and cgroup skb programs load without CAP_BPF');
  }
  if (is_net_admin_prog_type(type) && !bpf_token_capable(proc, CAP_NET_ADMIN)) {
    return fail(EPERM, 'is_net_admin_prog_type', 'needs CAP_NET_ADMIN');
  }
  if (is_perfmon_prog_type(type) && !bpf_token_capable(proc, CAP_PERFMON)) {
    return fail(EPERM, 'is_perfmon_prog_type', 'needs CAP_PERFMON');
  }

  // attach_prog_fd / attach_btf_obj_fd: a program (freplace, fentry on BPF) or a BTF object
  let dst_prog: bpf_prog | null = null;
  if (a.attach_prog_fd) {
    const p = bpf_prog_get(proc.files, a.attach_prog_fd);
    if (typeof p === 'number') {
      // btf_get_by_fd: the model has no BTF objects
      return fail(EINVAL, 'btf_get_by_fd', `fd ${a.attach_prog_fd} is neither a program nor BTF`);
    }
    dst_prog = p;
  } else if (a.attach_btf_id) {
    // bpf_get_btf_vmlinux() is NULL on a kernel without CONFIG_DEBUG_INFO_BTF
    return fail(EINVAL, 'bpf_get_btf_vmlinux', 'no kernel BTF in the model');
  }

  if (bpf_prog_load_check_attach(type, expected_attach_type, false, a.attach_btf_id, !!dst_prog)) {
    if (dst_prog) bpf_prog_put(dst_prog);
    return fail(EINVAL, 'bpf_prog_load_check_attach', `expected_attach_type ${expected_attach_type} for type ${type}`);
  }
  step('bpf_prog_load_check_attach', `type ${type}, expected_attach_type ${expected_attach_type}`, 0);

  // copy the instructions (bpf_prog_alloc is after this in the model: nothing to free before)
  const ibytes = proc.mem.copy_from_user(a.insns, a.insn_cnt * 8);
  if (typeof ibytes === 'number') {
    if (dst_prog) bpf_prog_put(dst_prog);
    return fail(EFAULT, 'copy_from_bpfptr', `insns at 0x${a.insns.toString(16)}`);
  }
  step('copy_from_bpfptr', `${a.insn_cnt} insns (${a.insn_cnt * 8} bytes)`, 0);
  const license = strncpy_from_user(proc, a.license, 127);
  if (typeof license === 'number') {
    if (dst_prog) bpf_prog_put(dst_prog);
    return fail(EFAULT, 'strncpy_from_bpfptr', `license at 0x${a.license.toString(16)}`);
  }
  const gpl = license_is_gpl_compatible(license);
  step('license_is_gpl_compatible', `"${license}": ${gpl}`);

  if (a.signature) {
    if (dst_prog) bpf_prog_put(dst_prog);
    const err = bpf_prog_verify_signature(proc, a.signature, a.signature_size, a.keyring_id);
    return fail(err, 'bpf_prog_verify_signature', `keyring ${a.keyring_id}`);
  }
  if (a.prog_ifindex) {
    // bpf_prog_dev_bound_init: no net_device has that index in the model
    if (dst_prog) bpf_prog_put(dst_prog);
    return fail(EINVAL, 'bpf_prog_dev_bound_init', `no netdev ${a.prog_ifindex}`);
  }

  if (find_prog_type(type)) {
    if (dst_prog) bpf_prog_put(dst_prog);
    return fail(EINVAL, 'find_prog_type', `type ${type} is not built in`);
  }
  const name = bpf_obj_name_cpy(a.prog_name);
  if (typeof name === 'number') {
    if (dst_prog) bpf_prog_put(dst_prog);
    return fail(name, 'bpf_obj_name_cpy', 'only [A-Za-z0-9_.] and a NUL within 16 bytes');
  }

  const jit = opts.jit ?? kernel.sysctls['net.core.bpf_jit_enable'] !== 0;
  const prog = bpf_prog_alloc({
    type,
    expected_attach_type,
    insns: decodeInsns(ibytes),
    orig_insns: ibytes,
    gpl_compatible: gpl,
    name,
    jit_requested: jit,
    prog_flags: a.prog_flags,
  });
  prog.aux.sleepable = !!(a.prog_flags & BPF_F_SLEEPABLE);
  prog.aux.xdp_has_frags = !!(a.prog_flags & BPF_F_XDP_HAS_FRAGS);
  prog.aux.attach_btf_id = a.attach_btf_id;
  prog.aux.load_time = kernel_boottime_ns();
  prog.aux.created_by_uid = 0;
  step('bpf_prog_alloc', `"${name}", ${gpl ? 'GPL-compatible' : 'not GPL-compatible'}`);
  if (dst_prog) bpf_prog_put(dst_prog); // kept in aux->dst_prog by the kernel; not modelled further

  // run the verifier
  step('bpf_check', `log_level ${a.log_level}, log_size ${a.log_size}`);
  let err = bpf_check(
    prog,
    {
      log_level: a.log_level,
      log_buf: a.log_buf,
      log_size: a.log_size,
      prog_flags: a.prog_flags,
      fd_array: a.fd_array,
      fd_array_cnt: a.fd_array_cnt,
      func_info_cnt: a.func_info_cnt,
      line_info_cnt: a.line_info_cnt,
      prog_btf_fd: a.prog_btf_fd,
    },
    {
      user: userAccess(proc),
      uattr,
      uattr_size,
      bpf_capable: bpf_cap,
      map_from_fd: (fd) => {
        const r = __bpf_map_get(proc.files, fd);
        return typeof r === 'number' ? r : r.map;
      },
      mem: kernel_run_env(kernel).mem,
      map_put: (m: BpfMap) => {
        if (--m.refcnt === 0) {
          m.ops.map_free(m);
          m.onFree?.(m);
        }
      },
      btf_get_by_fd: (fd) => (proc.files.fdget(fd) ? EINVAL : EBADF),
      trace: (s) => trace_step(kernel, 3, s.fn, s.detail, s.ret),
    },
  );
  step('bpf_check', err < 0 ? 'rejected' : `accepted, ${prog.aux.verified_insns} insns processed`, err);
  if (err < 0) {
    bpf_prog_put(prog);
    return fail(err);
  }

  const sel = bpf_prog_select_runtime(prog, jit && kernel_jit ? { jit: kernel_jit } : {});
  err = sel.err;
  step('bpf_prog_select_runtime', sel.prog.jited ? `JITed (${sel.prog.jited_len} bytes of RV64)` : 'interpreter', err);
  if (err < 0) {
    bpf_prog_put(sel.prog);
    return fail(err);
  }
  const p = sel.prog;

  err = bpf_prog_alloc_id(kernel, p);
  if (err) {
    bpf_prog_put(p);
    return fail(err, 'bpf_prog_alloc_id');
  }
  step('bpf_prog_alloc_id', `id ${p.aux.id}`, 0);
  bpf_audit_prog(kernel, p, 'LOAD');
  step('bpf_audit_prog', `prog-id=${p.aux.id} op=LOAD`);

  const fd = bpf_prog_new_fd(proc.files, p);
  step('bpf_prog_new_fd', `fd ${fd}`, fd);
  step('bpf_prog_load', '', fd, 1);
  return fd;
}
// #endregion bpf_prog_load

/**
 * The arch JIT `bpf_prog_select_runtime` calls: @bpf-internals/jit-riscv's `bpf_int_jit_compile`
 * (the model's kernel is RV64). {@link set_kernel_jit} swaps it (undefined: an arch without a JIT,
 * the interpreter runs); `createKernel({ jit: false })` turns it off per kernel
 * (net.core.bpf_jit_enable = 0).
 */
let kernel_jit: ((p: bpf_prog) => bpf_prog) | undefined = bpf_int_jit_compile;
export function set_kernel_jit(jit: ((p: bpf_prog) => bpf_prog) | undefined): void {
  kernel_jit = jit;
}

let boottime = 0n;
/** `ktime_get_boottime_ns()`: a monotonic clock; deterministic (1 ms per call) in the model. */
function kernel_boottime_ns(): bigint {
  boottime += 1_000_000n;
  return boottime;
}


// BPF_OBJ_GET_INFO_BY_FD on a "bpf-prog" file (info.ts dispatches on the anon-inode name)
info_by_fd['bpf-prog'] = (proc, obj, attr, uattr) => bpf_prog_get_info_by_fd(proc, obj as bpf_prog, attr, uattr);
