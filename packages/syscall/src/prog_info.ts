/**
 * BPF_OBJ_GET_INFO_BY_FD on a program fd: `bpf_prog_get_info_by_fd` and the instruction dump
 * it hands out (`bpf_insn_prepare_dump`), with the kernel's field-by-field copy-out rules: every
 * array field is filled only when user space passed both a count/length and a pointer, the count
 * written back is always the program's real one, and only min(info_len, sizeof(info)) bytes of
 * the struct are copied back.
 * Mirrors kernel/bpf/syscall.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c
 *
 * How syscall.ts calls in (after `bpf_obj_get_info_by_fd` found a "bpf-prog" file):
 *   return bpf_prog_get_info_by_fd(proc, prog, attr, uattr);
 * (prog.ts registers it as info.ts's `info_by_fd['bpf-prog']`.)
 *
 * Left out: run-time stats (BPF_ENABLE_STATS; run_time_ns/run_cnt stay 0), BTF func/line info
 * (the model loads none), offload (netns_dev/ino), blinding. `bpf_dump_raw_ok` is true for a
 * process with CAP_SYSLOG (root), as with kptr_restrict 0 or 1.
 * @module
 */
import type { bpf_prog, BpfMemory } from '@bpf-internals/core';
import { kernel_run_env } from './runtime.js';
import { BPF_CALL, BPF_DW, BPF_IMM, BPF_JMP, BPF_LD, uapiStruct } from '@bpf-internals/uapi';
import { bpf_map_from_imm } from '@bpf-internals/verifier';
import { CAP_BPF, CAP_SYS_ADMIN, type Process } from './process.js';
import { info_copy_in, info_copy_out } from './uarg.js';

const EFAULT = -14;
const EINVAL = -22;
const CAP_SYSLOG = 34;

const L = uapiStruct('bpf_prog_info');
const off = (path: string): number => {
  const f = L.byPath.get(path);
  if (!f) throw new Error(`bpf_prog_info.${path} missing`);
  return f.offset;
};
/** `sizeof(struct bpf_prog_info)` (232 in v6.18). */
export const BPF_PROG_INFO_SIZE = L.size;
/** `offsetofend(struct bpf_prog_info, attach_btf_id)`: what the kernel knows of the struct. */
export const BPF_PROG_INFO_KNOWN = off('attach_btf_id') + 4;

/** The kernel address a program's code lives at (ksym), in the model's fake kernel map. */
function bpf_func_addr(prog: bpf_prog): bigint {
  return 0xffffffffc0000000n + (BigInt(prog.aux.id >>> 0) << 16n);
}


// #region bpf_insn_prepare_dump
/**
 * `bpf_insn_prepare_dump`: the xlated instructions as user space may see them: map addresses in
 * ld_imm64 become the map id again (src_reg BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_VALUE with the
 * value offset in the second half); helper call immediates are hidden without raw dump rights.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_insn_prepare_dump)
 */
export function bpf_insn_prepare_dump(mem: BpfMemory, prog: bpf_prog, dump_raw_ok: boolean): Uint8Array {
  const out = new Uint8Array(prog.len * 8);
  const dv = new DataView(out.buffer);
  const insns = prog.insnsi.map((i) => ({ ...i }));
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    if (insn.code === (BPF_JMP | BPF_CALL)) {
      if (!dump_raw_ok) insn.imm = 0;
      continue;
    }
    if (insn.code !== (BPF_LD | BPF_IMM | BPF_DW) || i + 1 >= insns.length) continue;
    const hi = insns[i + 1]!;
    const addr = (BigInt(hi.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
    const m = bpf_map_from_imm(mem, prog.aux.used_maps, addr);
    if (m) {
      insn.src_reg = m.type;
      insn.imm = m.map.id;
      hi.imm = m.off;
    }
  }
  insns.forEach((insn, i) => {
    out[i * 8] = insn.code;
    out[i * 8 + 1] = (insn.dst_reg & 0xf) | ((insn.src_reg & 0xf) << 4);
    dv.setInt16(i * 8 + 2, insn.off, true);
    dv.setInt32(i * 8 + 4, insn.imm | 0, true);
  });
  return out;
}
// #endregion bpf_insn_prepare_dump

// #region bpf_prog_get_info_by_fd
/**
 * `bpf_prog_get_info_by_fd`: read the user's struct (its in-fields are counts and pointers), fill
 * it field by field, copy back min(info_len, sizeof(info)) bytes and the info_len.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c (bpf_prog_get_info_by_fd)
 */
export function bpf_prog_get_info_by_fd(proc: Process, prog: bpf_prog, attr: Uint8Array, uattr: bigint): number {
  const mem = proc.mem;
  // A non-zero byte in the tail padding after attach_btf_id is E2BIG on the live 6.18 kernel.
  const c = info_copy_in(mem, attr, BPF_PROG_INFO_KNOWN, BPF_PROG_INFO_SIZE);
  if (typeof c === 'number') return c;
  const info = c.info;
  const v = new DataView(info.buffer);
  const u32 = (p: string): number => v.getUint32(off(p), true);
  const u64 = (p: string): bigint => v.getBigUint64(off(p), true);
  const set32 = (p: string, x: number): void => v.setUint32(off(p), x >>> 0, true);
  const set64 = (p: string, x: bigint): void => v.setBigUint64(off(p), x, true);
  const put = (addr: bigint, bytes: Uint8Array): boolean => mem.copy_to_user(addr, bytes) === 0;
  const le32 = (x: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, x >>> 0, true);
    return b;
  };
  const le64 = (x: bigint): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, x, true);
    return b;
  };

  set32('type', prog.type);
  set32('id', prog.aux.id);
  set64('load_time', prog.aux.load_time);
  set32('created_by_uid', prog.aux.created_by_uid);
  // gpl_compatible is bit 0 of the u32 after ifindex; the other 31 bits are padding the kernel zeroes
  v.setUint32(off('ifindex') + 4, prog.gpl_compatible ? 1 : 0, true);
  info.set(prog.tag.subarray(0, 8), off('tag'));
  const name = new Uint8Array(16);
  name.set(new TextEncoder().encode(prog.aux.name).subarray(0, 15));
  info.set(name, off('name'));

  // map ids: as many as user space has room for; the count is always the real one
  let ulen = u32('nr_map_ids');
  const maps = prog.aux.used_maps;
  set32('nr_map_ids', maps.length);
  ulen = Math.min(maps.length, ulen);
  for (let i = 0; i < ulen; i++) {
    if (!put(u64('map_ids') + BigInt(i * 4), le32(maps[i]!.id))) return EFAULT;
  }

  // set_info_rec_size: rec sizes must be the kernel's or 0 with a 0 count
  if ((u32('nr_func_info') || u32('func_info_rec_size')) && u32('func_info_rec_size') !== 8) return EINVAL;
  if ((u32('nr_line_info') || u32('line_info_rec_size')) && u32('line_info_rec_size') !== 16) return EINVAL;
  if ((u32('nr_jited_line_info') || u32('jited_line_info_rec_size')) && u32('jited_line_info_rec_size') !== 8) return EINVAL;
  set32('func_info_rec_size', 8);
  set32('line_info_rec_size', 16);
  set32('jited_line_info_rec_size', 8);

  set64('run_time_ns', 0n);
  set64('run_cnt', 0n);
  set64('recursion_misses', 0n);
  set32('verified_insns', prog.aux.verified_insns);

  const bpf_capable = proc.capable(CAP_BPF) || proc.capable(CAP_SYS_ADMIN);
  const dump_raw_ok = proc.capable(CAP_SYSLOG);
  done: {
    if (!bpf_capable) {
      for (const p of ['jited_prog_len', 'xlated_prog_len', 'nr_jited_ksyms', 'nr_jited_func_lens', 'nr_func_info', 'nr_line_info', 'nr_jited_line_info']) set32(p, 0);
      break done;
    }
    // xlated instructions
    ulen = u32('xlated_prog_len');
    set32('xlated_prog_len', prog.len * 8);
    if (prog.len && ulen) {
      const dump = bpf_insn_prepare_dump(kernel_run_env(proc.kernel).mem, prog, dump_raw_ok);
      if (!put(u64('xlated_prog_insns'), dump.subarray(0, Math.min(prog.len * 8, ulen)))) return EFAULT;
    }
    // JITed image
    ulen = u32('jited_prog_len');
    const image = prog.jited ? prog.aux.jited_image : null;
    set32('jited_prog_len', prog.jited_len);
    if (prog.jited_len && ulen) {
      if (dump_raw_ok && image) {
        if (!put(u64('jited_prog_insns'), image.subarray(0, Math.min(prog.jited_len, ulen)))) return EFAULT;
      } else {
        set64('jited_prog_insns', 0n);
      }
    }
    // one ksym, one function length, one tag: the model does not split subprograms
    ulen = u32('nr_jited_ksyms');
    set32('nr_jited_ksyms', 1);
    if (ulen) {
      if (dump_raw_ok) {
        if (!put(u64('jited_ksyms'), le64(bpf_func_addr(prog)))) return EFAULT;
      } else set64('jited_ksyms', 0n);
    }
    ulen = u32('nr_jited_func_lens');
    set32('nr_jited_func_lens', 1);
    if (ulen) {
      if (dump_raw_ok) {
        if (!put(u64('jited_func_lens'), le32(prog.jited_len))) return EFAULT;
      } else set64('jited_func_lens', 0n);
    }
    set32('attach_btf_id', prog.aux.attach_btf_id);
    set32('nr_func_info', 0);
    set32('nr_line_info', 0);
    set32('nr_jited_line_info', 0);
    ulen = u32('nr_prog_tags');
    set32('nr_prog_tags', 1);
    if (ulen && !put(u64('prog_tags'), prog.tag.subarray(0, 8))) return EFAULT;
  }

  return info_copy_out(mem, uattr, c);
}
// #endregion bpf_prog_get_info_by_fd
