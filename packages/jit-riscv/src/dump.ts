/**
 * The JITed image laid out next to the BPF it came from: what `bpftool prog dump jited` shows for a
 * program, here with each BPF instruction beside its RV64 code. The kernel side is
 * `bpf_jit_dump`'s hex and `bpf_prog_fill_jited_linfo`'s map from instruction to image offset
 * (`ctx->offset[]`), in kernel/bpf/core.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/core.c (bpf_prog_fill_jited_linfo)
 * @module
 */
import { print_bpf_insn } from '@bpf-internals/core';
import type { BpfInsn } from '@bpf-internals/uapi';
import type { CompileResult } from './bpf_jit_core.js';
import { type DisasmLine, disassemble } from './disasm.js';

/** One row of the side-by-side view: a BPF instruction (or the prologue/epilogue) and its code. */
export interface JitedRow {
  /** BPF instruction index, -1 for a function's prologue, -2 for its epilogue. */
  insn: number;
  /** The BPF text (`print_bpf_insn`), or `(prologue)` / `(epilogue)`. */
  bpf: string;
  rv: DisasmLine[];
}

// #region jited-by-insn
/**
 * Group the disassembled image by BPF instruction. `offsets[i]` is where instruction i's code ends;
 * an ld_imm64's first slot keeps the kernel's first-pass guess there, so its end is taken from the
 * second slot's entry and the code shows under the first slot.
 */
export function jitedByInsn(insns: readonly BpfInsn[], jit: CompileResult, base: bigint = jit.imageAddr): JitedRow[] {
  const lines = disassemble(jit.image, base);
  const rows: JitedRow[] = [];
  let li = 0;
  for (const f of jit.funcs) {
    const fend = f.imageOffset + f.size;
    const take = (to: number): DisasmLine[] => {
      const out: DisasmLine[] = [];
      while (li < lines.length && lines[li]!.offset < to) out.push(lines[li++]!);
      return out;
    };
    rows.push({ insn: -1, bpf: '(prologue)', rv: take(f.imageOffset + f.prologueLen) });
    for (let k = 0; k < f.insnCount; k++) {
      const i = f.insnStart + k;
      const nextEnd = k + 1 < f.insnCount ? jit.offsets[i + 1]! : Infinity;
      const end = Math.min(jit.offsets[i]!, nextEnd);
      const second = i > 0 && insns[i - 1]!.code === 0x18 && k > 0;
      rows.push({ insn: i, bpf: second ? '(ld_imm64, second slot)' : `${i}: ${print_bpf_insn(insns[i]!, insns[i + 1])}`, rv: take(end) });
    }
    rows.push({ insn: -2, bpf: '(epilogue)', rv: take(fend) });
    // The 4-byte alignment padding before the next function is not shown.
    const nextStart = jit.funcs[jit.funcs.indexOf(f) + 1]?.imageOffset ?? Infinity;
    while (li < lines.length && lines[li]!.offset < nextStart) li++;
  }
  return rows;
}
// #endregion jited-by-insn

/** The side-by-side listing as text, BPF on the left, RV64 (objdump syntax) on the right. */
export function formatJitedSideBySide(insns: readonly BpfInsn[], jit: CompileResult, width = 40): string {
  const out: string[] = [];
  for (const row of jitedByInsn(insns, jit)) {
    const left = row.bpf.length > width ? row.bpf.slice(0, width - 1) + '…' : row.bpf;
    if (!row.rv.length) out.push(left);
    row.rv.forEach((l, k) => {
      const rv = `${(l.addr - jit.imageAddr).toString(16).padStart(4)}:  ${l.raw.padEnd(8)}  ${l.text.replace('\t', ' ')}`;
      out.push(`${(k === 0 ? left : '').padEnd(width)}  ${rv}`);
    });
  }
  return out.join('\n');
}
