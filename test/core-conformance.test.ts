/**
 * runProgram against the bpf_conformance suite (github.com/Alan-Jowett/bpf_conformance,
 * the ISA tests RFC 9669 implementations use), both interpreter tiers.
 *
 * The suite is not vendored (its files are Apache-2.0/MIT); point BPF_CONFORMANCE_TESTS at its
 * tests/ directory to run it, otherwise this file skips with one line. Its assembler syntax
 * (`mov32 %r0, 1`, `ldxdw %r0, [%r1+8]`, labels) is translated by the small port below of
 * lib/src/bpf_assembler.cc.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BpfInsn } from '@bpf-internals/uapi';
import { runProgram } from '@bpf-internals/core';

const DIR = process.env.BPF_CONFORMANCE_TESTS ?? '';
const present = DIR !== '' && existsSync(DIR);

const REG = (s: string): number => {
  const m = s.match(/^%r(\d+)$/);
  if (!m) throw new Error(`register ${s}`);
  return +m[1]!;
};
const ALU: Record<string, number> = { add: 0, sub: 1, mul: 2, div: 3, sdiv: 3, or: 4, and: 5, lsh: 6, rsh: 7, neg: 8, mod: 9, smod: 9, xor: 0xa, mov: 0xb, movsx: 0xb, arsh: 0xc };
const JMP: Record<string, number> = { jeq: 1, jgt: 2, jge: 3, jset: 4, jne: 5, jsgt: 6, jsge: 7, jlt: 0xa, jle: 0xb, jslt: 0xc, jsle: 0xd };
const SIZE: Record<string, number> = { w: 0x00, h: 0x08, b: 0x10, dw: 0x18 };

function imm32(s: string): number {
  return s.includes('0x') ? Number(BigInt.asIntN(32, BigInt(s))) : Number(s) | 0;
}
function memref(s: string): [number, number] {
  const m = s.match(/^\[(%r\d+)([+-](?:0x[0-9a-fA-F]+|\d+))?\]$/);
  if (!m) throw new Error(`memory operand ${s}`);
  // Number('+0x2') is NaN: take the sign apart from the (hex or decimal) magnitude.
  return [REG(m[1]!), m[2] ? (m[2][0] === '-' ? -1 : 1) * Number(m[2].slice(1)) : 0];
}

/** The suite's assembler, as lib/src/bpf_assembler.cc reads it. */
export function ubpfAsm(text: string): BpfInsn[] {
  const out: BpfInsn[] = [];
  const labels = new Map<string, number>();
  const fix: { i: number; label: string; imm: boolean }[] = [];
  const I = (code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0): BpfInsn => ({ code, dst_reg, src_reg, off, imm });
  const target = (s: string, imm: boolean): number => {
    if (/^[+-]/.test(s)) return Number(s);
    fix.push({ i: out.length, label: s, imm });
    return 0;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const [mn0, ...rest] = line.split(/\s+/);
    let mn = mn0!;
    let ops = rest.map((o) => o.replace(/,$/, ''));
    if (mn.endsWith(':')) {
      labels.set(mn.slice(0, -1), out.length);
      continue;
    }
    if (mn === 'exit' && !labels.has('exit')) labels.set('exit', out.length);
    if (mn === 'lock') {
      const fetch = ops[0] === 'fetch';
      if (fetch) ops = ops.slice(1);
      const op = ops[0]!;
      const is32 = op.endsWith('32');
      const base = is32 ? op.slice(0, -2) : op;
      const [d, off] = memref(ops[1]!);
      const imm = { add: 0x00, and: 0x50, or: 0x40, xor: 0xa0, xchg: 0xe1, cmpxchg: 0xf1 }[base]! | (fetch ? 1 : 0);
      out.push(I(is32 ? 0xc3 : 0xdb, d, REG(ops[2]!), off, imm));
      continue;
    }
    if (mn === 'lddw') {
      const v = BigInt.asUintN(64, BigInt(ops[1]!));
      out.push(I(0x18, REG(ops[0]!), 0, 0, Number(v & 0xffffffffn) | 0), I(0, 0, 0, 0, Number(v >> 32n) | 0));
      continue;
    }
    let m: RegExpMatchArray | null;
    if ((m = mn.match(/^ldx(s?)(b|h|w|dw)$/))) {
      const [s, off] = memref(ops[1]!);
      out.push(I((m[1] ? 0x81 : 0x61) | SIZE[m[2]!]!, REG(ops[0]!), s, off));
      continue;
    }
    if ((m = mn.match(/^st(x?)(b|h|w|dw)$/))) {
      const [d, off] = memref(ops[0]!);
      if (m[1]) out.push(I(0x63 | SIZE[m[2]!]!, d, REG(ops[1]!), off));
      else out.push(I(0x62 | SIZE[m[2]!]!, d, 0, off, imm32(ops[1]!)));
      continue;
    }
    if ((m = mn.match(/^(be|le|swap|bswap)(16|32|64)$/))) {
      out.push(I(m[1] === 'be' ? 0xdc : m[1] === 'le' ? 0xd4 : 0xd7, REG(ops[0]!), 0, 0, +m[2]!));
      continue;
    }
    if (mn === 'exit') {
      out.push(I(0x95));
      continue;
    }
    if (mn === 'ja' || mn === 'ja32') {
      const i = mn === 'ja' ? I(0x05, 0, 0, 0, 0) : I(0x06, 0, 0, 0, 0);
      const t = target(ops[0]!, mn === 'ja32');
      if (mn === 'ja') i.off = t;
      else i.imm = t;
      out.push(i);
      continue;
    }
    if (mn === 'call') {
      if (ops.length === 1) ops = ['helper', ops[0]!];
      if (ops[0] === 'local') out.push(I(0x85, 0, 1, 0, target(ops[1]!, true)));
      else if (ops[1]!.startsWith('%')) out.push(I(0x8d, REG(ops[1]!)));
      else out.push(I(0x85, 0, ops[0] === 'runtime' ? 2 : 0, 0, imm32(ops[1]!)));
      continue;
    }
    const j32 = mn.endsWith('32') && JMP[mn.slice(0, -2)] !== undefined;
    const jb = j32 ? mn.slice(0, -2) : mn;
    if (JMP[jb] !== undefined) {
      const cls = j32 ? 0x06 : 0x05;
      const x = ops[1]!.startsWith('%');
      const i = I(cls | (JMP[jb]! << 4) | (x ? 8 : 0), REG(ops[0]!), x ? REG(ops[1]!) : 0, 0, x ? 0 : imm32(ops[1]!));
      i.off = target(ops[2]!, false);
      out.push(i);
      continue;
    }
    // ALU
    let cls = 0x07;
    let off = mn.startsWith('sdiv') || mn.startsWith('smod') ? 1 : 0;
    if (mn.endsWith('32')) {
      cls = 0x04;
      mn = mn.slice(0, -2);
    } else if (mn.endsWith('64')) mn = mn.slice(0, -2);
    if (mn.startsWith('movsx')) {
      off = +mn.slice(5);
      mn = 'movsx';
    }
    if (ALU[mn] === undefined) throw new Error(`mnemonic ${mn0}`);
    const i = I(cls | (ALU[mn]! << 4), REG(ops[0]!), 0, off);
    if (ops.length === 2) {
      if (ops[1]!.startsWith('%')) {
        i.code |= 8;
        i.src_reg = REG(ops[1]!);
      } else i.imm = imm32(ops[1]!);
    }
    out.push(i);
  }
  for (const f of fix) {
    const t = labels.get(f.label);
    if (t === undefined) throw new Error(`label ${f.label}`);
    if (f.imm) out[f.i]!.imm = t - f.i - 1;
    else out[f.i]!.off = t - f.i - 1;
  }
  return out;
}

interface Case {
  name: string;
  asm: string;
  mem: Uint8Array;
  result: bigint | null;
  error: string | null;
}

function parse(name: string, text: string): Case {
  let state = '';
  const parts: Record<string, string[]> = { asm: [], mem: [], result: [], error: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('--')) {
      state = line.includes('asm') ? 'asm' : line.includes('result') ? 'result' : line.includes('mem') ? 'mem' : line.includes('error') ? 'error' : 'other';
      continue;
    }
    if (parts[state]) parts[state]!.push(line);
  }
  const hex = parts.mem!.join(' ').trim();
  const res = parts.result!.join('').trim();
  return {
    name,
    asm: parts.asm!.join('\n'),
    mem: new Uint8Array(hex ? hex.split(/\s+/).map((b) => parseInt(b, 16)) : []),
    result: res ? BigInt.asUintN(64, BigInt(res)) : null,
    error: parts.error!.join(' ').trim() || null,
  };
}

describe.skipIf(!present)('bpf_conformance suite', () => {
  it('runProgram passes every test whose instructions Linux defines (both tiers)', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.data'));
    const failures: string[] = [];
    const skipped: string[] = [];
    let passed = 0;
    for (const f of files) {
      const c = parse(f, readFileSync(join(DIR, f), 'utf8'));
      let insns: BpfInsn[];
      try {
        insns = ubpfAsm(c.asm);
      } catch (e) {
        skipped.push(`${f} (${(e as Error).message})`);
        continue;
      }
      // callx (call by register) is not a Linux instruction; helper ids are the suite's own.
      if (insns.some((i) => i.code === 0x8d || (i.code === 0x85 && i.src_reg === 0))) {
        skipped.push(`${f} (helper or callx)`);
        continue;
      }
      for (const tier of ['switch', 'js'] as const) {
        const r = runProgram(insns, c.mem.slice(), { tier, insn_limit: 1e7 });
        const ok = c.error !== null || c.result === null ? !r.ok : r.ok && r.r0 === c.result;
        if (!ok) failures.push(`${f} [${tier}]: expected ${c.error ?? `0x${c.result?.toString(16)}`}, got ${r.ok ? `0x${r.r0.toString(16)}` : `${r.error.kind}: ${r.error.message}`}`);
        else if (tier === 'js') passed++;
      }
    }
    console.log(`bpf_conformance: ${passed} passed, ${failures.length} failed, ${skipped.length} skipped: ${skipped.join(', ')}`);
    expect(failures).toEqual([]);
  });
});

if (!present) it.skip('bpf_conformance suite not found (set BPF_CONFORMANCE_TESTS to its tests/ directory): skipped', () => {});
