/**
 * The trace `npm start` prints, built as data and formatted as text, so the CLI (Node)
 * and the site (browser) show the same thing. For now it stops where user space stops:
 * the `union bpf_attr` that libbpf's `bpf_prog_load()` hands to `bpf(BPF_PROG_LOAD, ...)`
 * and the instructions it points to; the kernel side (`__sys_bpf` onwards) comes with
 * the syscall model.
 * Mirrors the attr filling of tools/lib/bpf/bpf.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/tools/lib/bpf/bpf.c (bpf_prog_load)
 * @module
 */
import {
  BPF_ATTR_SIZE,
  attrCommand,
  attrLastField,
  bpf_attach_type,
  bpf_cmd,
  bpf_prog_type,
  cString,
  decodeInsns,
  encodeAttr,
  encodeInsns,
  getAttrField,
  type BpfInsn,
  type LayoutField,
} from '@bpf-internals/uapi';
import { exampleInsns, exampleProg, exampleProgLoadAttr } from './example.js';

/** One row of the attr table. */
export interface AttrRow {
  offset: number;
  size: number;
  ctype: string;
  field: string;
  /** The value as a reader wants it: numbers, enum names, pointers in hex, names quoted. */
  value: string;
  /** The field's bytes, hex. */
  hex: string;
  /** Release after 6.1 that added it, if any. */
  since?: string;
  /** Shares its bytes with the previous row (a union member). */
  aliases?: string;
  doc: string;
}

/** One instruction, decoded field by field. */
export interface InsnRow {
  index: number;
  hex: string;
  insn: BpfInsn;
  /** Class and operation names, e.g. `ALU64 MOV X`. */
  op: string;
}

export interface ProgLoadTrace {
  title: string;
  /** Where the user buffers the attr points to sit. */
  memory: { name: string; addr: bigint; size: number; note: string }[];
  cmd: number;
  size: number;
  lastField: { field: string; end: number };
  attr: Uint8Array;
  rows: AttrRow[];
  insns: InsnRow[];
  next: string[];
}

const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const enumName = (table: Record<string, number>, v: number) =>
  Object.entries(table).find(([k, n]) => n === v && !k.startsWith('__'))?.[0];

function showValue(f: LayoutField, v: unknown): string {
  if (v instanceof Uint8Array) return f.ctype.startsWith('char') ? JSON.stringify(cString(v)) : hexOf(v);
  if (typeof v === 'bigint') return v === 0n ? '0' : `0x${v.toString(16)}`;
  const n = v as number;
  const named =
    f.name === 'prog_type'
      ? enumName(bpf_prog_type, n)
      : f.name === 'expected_attach_type' && n !== 0
        ? enumName(bpf_attach_type, n)
        : undefined;
  return named ? `${n} (${named})` : String(n);
}

const CLASS = ['LD', 'LDX', 'ST', 'STX', 'ALU', 'JMP', 'JMP32', 'ALU64'];
const ALU_OP = ['ADD', 'SUB', 'MUL', 'DIV', 'OR', 'AND', 'LSH', 'RSH', 'NEG', 'MOD', 'XOR', 'MOV', 'ARSH', 'END'];
const JMP_OP = ['JA', 'JEQ', 'JGT', 'JGE', 'JSET', 'JNE', 'JSGT', 'JSGE', 'CALL', 'EXIT', 'JLT', 'JLE', 'JSLT', 'JSLE'];
const SIZE = ['W', 'H', 'B', 'DW'];
const MODE = ['IMM', 'ABS', 'IND', 'MEM', 'MEMSX', 'MSH', 'ATOMIC'];

/** Names of the opcode's parts: class, then operation or size and mode, then source. */
export function opcodeName(code: number): string {
  const cls = code & 0x07;
  if (cls === 4 || cls === 7 || cls === 5 || cls === 6) {
    const op = (cls === 5 || cls === 6 ? JMP_OP : ALU_OP)[code >> 4] ?? `op${code >> 4}`;
    return `${CLASS[cls]} ${op} ${code & 0x08 ? 'X' : 'K'}`;
  }
  const mode = code >> 5;
  return `${CLASS[cls]} ${SIZE[(code >> 3) & 3]} ${mode === 6 ? 'ATOMIC' : (MODE[mode] ?? `mode${mode}`)}`;
}

/** Where the example's buffers sit in a process's memory (see loadpath.ts). */
export interface ExampleAddresses {
  insns: bigint;
  license: bigint;
  log_buf: bigint;
  log_size: number;
}

/**
 * Build the trace of the example's BPF_PROG_LOAD: the attr libbpf would pass, field by
 * field, and the instructions. `mapFd` is the fd BPF_MAP_CREATE returned for the map
 * (3 in a fresh process: 0-2 are stdin/stdout/stderr).
 */
export function traceExampleProgLoad(mapFd = 3, at?: ExampleAddresses): ProgLoadTrace {
  const insns = exampleInsns(mapFd);
  const insnBytes = encodeInsns(insns);
  const license = new TextEncoder().encode(exampleProg.license + '\0');
  // A user-space layout as a loader would have it: the instructions, the license string
  // and a 64 KiB verifier log buffer, page-aligned in the caller's heap (or where `at` says).
  const base = 0x7f00_0000_1000n;
  const memory = [
    { name: 'insns', addr: at?.insns ?? base, size: insnBytes.length, note: `${insns.length} x struct bpf_insn` },
    { name: 'license', addr: at?.license ?? base + 0x1000n, size: license.length, note: JSON.stringify(exampleProg.license) },
    { name: 'log_buf', addr: at?.log_buf ?? base + 0x2000n, size: at?.log_size ?? 65536, note: 'verifier log (log_level 1)' },
  ];
  const attr = encodeAttr(
    'BPF_PROG_LOAD',
    exampleProgLoadAttr(mapFd, {
      insns: memory[0]!.addr,
      license: memory[1]!.addr,
      log_buf: memory[2]!.addr,
      log_size: memory[2]!.size,
      log_level: 1,
    }),
  );
  const cmd = attrCommand('BPF_PROG_LOAD');
  const rows: AttrRow[] = [];
  let prev: LayoutField | undefined;
  for (const f of cmd.layout.fields) {
    const v = getAttrField('BPF_PROG_LOAD', attr, f.path);
    rows.push({
      offset: f.offset,
      size: f.size,
      ctype: f.ctype,
      field: f.path,
      value: showValue(f, v),
      hex: hexOf(attr.subarray(f.offset, f.offset + f.size)),
      ...(f.since ? { since: f.since } : {}),
      ...(prev && prev.inUnion && f.inUnion && prev.offset === f.offset ? { aliases: prev.path } : {}),
      doc: f.doc,
    });
    prev = f;
  }
  const insnRows = decodeInsns(insnBytes).map((insn, index) => ({
    index,
    hex: hexOf(insnBytes.subarray(index * 8, index * 8 + 8)),
    insn,
    op: index > 0 && insnBytes[(index - 1) * 8] === 0x18 && insn.code === 0 ? '(ld_imm64 upper half)' : opcodeName(insn.code),
  }));
  return {
    title: `the bundled example: ${exampleProg.prog_name}, a socket filter counting packets per IP protocol`,
    memory,
    cmd: bpf_cmd.BPF_PROG_LOAD,
    size: BPF_ATTR_SIZE,
    lastField: attrLastField('BPF_PROG_LOAD'),
    attr,
    rows,
    insns: insnRows,
    next: [
      '__sys_bpf: copy min(size, sizeof(attr)) bytes in, bpf_check_uarg_tail_zero, CHECK_ATTR(BPF_PROG_LOAD)',
      'bpf_prog_load: prog_type and flags checks, license via strncpy_from_bpfptr, bpf_prog_alloc, copy insns',
      'bpf_check: the verifier resolves the map fd in the ld_imm64, checks the helper call and both branches',
      'bpf_prog_select_runtime: the interpreter, or the RISC-V 64 JIT',
      'bpf_prog_new_fd: the program fd that bpf() returns',
    ],
  };
}

export interface FormatOptions {
  /** Use ANSI colour (only when writing to a terminal). */
  color?: boolean;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** The trace as plain text (ANSI colour only with `color`). */
export function formatProgLoadTrace(t: ProgLoadTrace, opts: FormatOptions = {}): string {
  const c = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const bold = (s: string) => c('1', s);
  const dim = (s: string) => c('2', s);
  const out: string[] = [];
  out.push(bold(`bpf-internals trace: ${t.title}`), '');
  out.push(bold('User memory the attr points into'));
  for (const m of t.memory) out.push(`  ${pad(m.name, 8)} 0x${m.addr.toString(16)}  ${lpad(String(m.size), 6)} bytes  ${m.note}`);
  out.push('');
  out.push(bold(`bpf(BPF_PROG_LOAD = ${t.cmd}, &attr, ${t.size}): union bpf_attr, field by field`));
  const head = `${lpad('off', 4)} ${lpad('size', 4)}  ${pad('C type', 14)} ${pad('field', 22)} ${pad('value', 36)} bytes`;
  out.push(dim(head));
  for (const r of t.rows) {
    const tag = r.aliases ? ` (union with ${r.aliases})` : r.since ? ` (since ${r.since})` : '';
    out.push(
      `${lpad(String(r.offset), 4)} ${lpad(String(r.size), 4)}  ${pad(r.ctype, 14)} ${pad(r.field, 22)} ${pad(r.value, 36)} ${r.hex}${dim(tag)}`,
    );
  }
  out.push('');
  out.push(
    t.lastField.end < t.size
      ? `CHECK_ATTR(BPF_PROG_LOAD): BPF_PROG_LOAD_LAST_FIELD is ${t.lastField.field}, ending at byte ` +
          `${t.lastField.end}; bytes ${t.lastField.end}..${t.size - 1} must be zero or bpf() is -EINVAL.`
      : `CHECK_ATTR(BPF_PROG_LOAD): BPF_PROG_LOAD_LAST_FIELD is ${t.lastField.field}, the union's last bytes ` +
          `(${t.lastField.end - 4}..${t.lastField.end - 1}), so nothing follows it; a caller passing size > ${t.size} ` +
          `must leave the excess zero (bpf_check_uarg_tail_zero, else -E2BIG).`,
  );
  out.push('', bold(`The ${t.size} bytes of attr`));
  for (let o = 0; o < t.attr.length; o += 16) {
    const row = Array.from(t.attr.subarray(o, o + 16), (b) => b.toString(16).padStart(2, '0'));
    out.push(`  ${o.toString(16).padStart(4, '0')}  ${row.slice(0, 8).join(' ')}  ${row.slice(8).join(' ')}`);
  }
  out.push('', bold(`The ${t.insns.length} instructions at insns (struct bpf_insn: code, dst_reg:4, src_reg:4, off, imm)`));
  out.push(dim(`${lpad('#', 3)}  ${pad('bytes', 16)}  code  ${pad('class op', 24)} dst src    off         imm`));
  for (const i of t.insns) {
    out.push(
      `${lpad(String(i.index), 3)}  ${i.hex}  0x${i.insn.code.toString(16).padStart(2, '0')}  ${pad(i.op, 24)} ` +
        `${lpad('r' + i.insn.dst_reg, 3)} ${lpad('r' + i.insn.src_reg, 3)} ${lpad(String(i.insn.off), 6)} ${lpad(String(i.insn.imm), 11)}`,
    );
  }
  if (t.next.length) {
    out.push('', bold('Next on the load path (the kernel side):'));
    t.next.forEach((s, i) => out.push(`  ${i + 1}. ${s}`));
  }
  return out.join('\n') + '\n';
}
