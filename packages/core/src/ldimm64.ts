/**
 * How `ld_imm64` of a map reaches the interpreter: the verifier swaps the fd for the map's
 * kernel address (`resolve_pseudo_ldimm64`) and, once verification is done, clears src_reg
 * (`convert_pseudo_ld_imm64`), so the interpreter only ever sees plain 64-bit constants.
 * Mirrors kernel/bpf/verifier.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (resolve_pseudo_ldimm64)
 *
 * The syscall layer calls both from its load path. Map addresses are the maps' object
 * regions in the memory model ({@link BpfMemory.objectAddr}); map-value addresses are the
 * value's region plus the offset (arrays with `map_direct_value_addr`).
 * @module
 */
import {
  BPF_DW,
  BPF_IMM,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  errno,
  type BpfInsn,
} from '@bpf-internals/uapi';
import { bpf_map_inc, type BpfMap } from '@bpf-internals/maps';
import type { BpfMemory } from './memory.js';
import { bpf_opcode_in_insntable } from './interp.js';

/** `MAX_USED_MAPS`: maps one program may reference. */
export const MAX_USED_MAPS = 64;
/** `BPF_MAX_VAR_OFF`: the largest direct value offset (1 << 29). */
export const BPF_MAX_VAR_OFF = 1 << 29;

/** What {@link resolve_pseudo_ldimm64} needs from the loader. */
export interface LdImm64Env {
  mem: BpfMemory;
  /** `__bpf_map_get(fd)`: the map, or -EBADF (not a file) / -EINVAL (not a map). */
  map_from_fd(fd: number): BpfMap | number;
  /**
   * `fd_array[idx]` for BPF_PSEUDO_MAP_IDX[_VALUE]: the fd, -EFAULT when unreadable; absent
   * means the load had no fd_array.
   */
  fd_array?(idx: number): number;
  /** `aux->used_maps`: filled in first-use order, each map referenced once (`bpf_map_inc`). */
  used_maps: BpfMap[];
  /** The verifier log (`verbose(env, ...)`): each call one line, without the newline. */
  log(line: string): void;
  /** `check_pseudo_btf_id`: the address of a kernel variable, or -errno; absent means unsupported. */
  pseudo_btf_id?(insn: BpfInsn, next: BpfInsn): bigint | number;
  /** `check_map_prog_compatibility`: 0 or -errno (the verifier logs its own message). */
  check_map_prog_compatibility?(map: BpfMap): number;
}

/**
 * `add_used_map_from_fd`: the map's index in used_maps, adding (and referencing) it on
 * first use; -E2BIG past MAX_USED_MAPS.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (add_used_map_from_fd)
 */
export function add_used_map_from_fd(env: LdImm64Env, fd: number): number {
  const map = env.map_from_fd(fd);
  if (typeof map === 'number') {
    env.log(`fd ${fd} is not pointing to valid bpf_map`);
    return map;
  }
  const i = env.used_maps.indexOf(map);
  if (i >= 0) return i;
  if (env.used_maps.length >= MAX_USED_MAPS) {
    env.log(`The total number of maps per program has reached the limit of ${MAX_USED_MAPS}`);
    return -errno.E2BIG;
  }
  bpf_map_inc(map);
  env.used_maps.push(map);
  return env.used_maps.length - 1;
}

function setImm64(insn: BpfInsn[], i: number, addr: bigint): void {
  insn[i]!.imm = Number(addr & 0xffffffffn) | 0;
  insn[i + 1]!.imm = Number((addr >> 32n) & 0xffffffffn) | 0;
}

// #region resolve-pseudo-ldimm64
/**
 * `resolve_pseudo_ldimm64`: check LDX reserved fields and ld_imm64 pairs, and replace each
 * map fd (or fd_array index) with the map's address, or the map value's address plus the
 * offset; src_reg stays until {@link convert_pseudo_ld_imm64}. Rewrites `insns` in place;
 * returns 0 or -errno with the verifier's message logged. (The kernel computes the program
 * tag first; callers run `bpf_prog_calc_tag` before this.)
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (resolve_pseudo_ldimm64)
 */
export function resolve_pseudo_ldimm64(insns: BpfInsn[], env: LdImm64Env): number {
  const insn_cnt = insns.length;
  for (let i = 0; i < insn_cnt; i++) {
    const insn = insns[i]!;
    if ((insn.code & 7) === BPF_LDX && (((insn.code & 0xe0) !== BPF_MEM && (insn.code & 0xe0) !== BPF_MEMSX) || insn.imm !== 0)) {
      env.log('BPF_LDX uses reserved fields');
      return -errno.EINVAL;
    }
    if (insn.code === (BPF_LD | BPF_IMM | BPF_DW)) {
      const next = insns[i + 1];
      if (i === insn_cnt - 1 || !next || next.code !== 0 || next.dst_reg !== 0 || next.src_reg !== 0 || next.off !== 0) {
        env.log('invalid bpf_ld_imm64 insn');
        return -errno.EINVAL;
      }
      if (insn.src_reg === 0) {
        i++;
        continue;
      }
      if (insn.src_reg === BPF_PSEUDO_BTF_ID) {
        if (!env.pseudo_btf_id) {
          env.log('kernel is missing BTF, make sure CONFIG_DEBUG_INFO_BTF=y is specified in Kconfig.');
          return -errno.EINVAL;
        }
        const a = env.pseudo_btf_id(insn, next);
        if (typeof a === 'number') return a;
        setImm64(insns, i, a);
        i++;
        continue;
      }
      if (insn.src_reg === BPF_PSEUDO_FUNC) {
        i++;
        continue;
      }
      const s = insn.src_reg;
      const known =
        s === BPF_PSEUDO_MAP_VALUE ||
        s === BPF_PSEUDO_MAP_IDX_VALUE ||
        ((s === BPF_PSEUDO_MAP_FD || s === BPF_PSEUDO_MAP_IDX) && next.imm === 0);
      if (!known) {
        env.log('unrecognized bpf_ld_imm64 insn');
        return -errno.EINVAL;
      }
      let fd: number;
      if (insn.src_reg === BPF_PSEUDO_MAP_IDX_VALUE || insn.src_reg === BPF_PSEUDO_MAP_IDX) {
        if (!env.fd_array) {
          env.log('fd_idx without fd_array is invalid');
          return -errno.EPROTO;
        }
        fd = env.fd_array(insn.imm);
        if (fd === -errno.EFAULT) return fd;
      } else fd = insn.imm;
      const map_idx = add_used_map_from_fd(env, fd);
      if (map_idx < 0) return map_idx;
      const map = env.used_maps[map_idx]!;
      const cerr = env.check_map_prog_compatibility?.(map) ?? 0;
      if (cerr) return cerr;
      let addr: bigint;
      if (insn.src_reg === BPF_PSEUDO_MAP_FD || insn.src_reg === BPF_PSEUDO_MAP_IDX) {
        addr = env.mem.objectAddr(map, `map '${map.name}'`);
      } else {
        const off = next.imm >>> 0;
        if (off >= BPF_MAX_VAR_OFF) {
          env.log(`direct value offset of ${off} is not allowed`);
          return -errno.EINVAL;
        }
        if (!map.ops.map_direct_value_addr) {
          env.log('no direct value access support for this map type');
          return -errno.EINVAL;
        }
        const dv = map.ops.map_direct_value_addr(map, off);
        if (typeof dv === 'number') {
          env.log(`invalid access to map value pointer, value_size=${map.value_size} off=${off}`);
          return dv;
        }
        // `map_direct_value_addr` gives the value area; the kernel then adds `off`.
        addr = env.mem.addressOf(dv.region, 'map_value', `value of map '${map.name}'`) + BigInt(off);
      }
      setImm64(insns, i, addr);
      i++;
      continue;
    }
    if (!bpf_opcode_in_insntable(insn.code)) {
      env.log(`unknown opcode ${insn.code.toString(16).padStart(2, '0')}`);
      return -errno.EINVAL;
    }
  }
  return 0;
}
// #endregion resolve-pseudo-ldimm64

/**
 * `convert_pseudo_ld_imm64`: after verification, every ld_imm64 but BPF_PSEUDO_FUNC becomes
 * a plain constant load (src_reg = 0).
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c (convert_pseudo_ld_imm64)
 */
export function convert_pseudo_ld_imm64(insns: BpfInsn[]): void {
  for (const insn of insns) {
    if (insn.code !== (BPF_LD | BPF_IMM | BPF_DW)) continue;
    if (insn.src_reg === BPF_PSEUDO_FUNC) continue;
    insn.src_reg = 0;
  }
}
