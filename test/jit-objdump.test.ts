// The model's disassembly of JIT images equals GNU objdump's (riscv64 binutils), line for line, and
// the images run natively under qemu-riscv64 with the same results as on the model's hart.
// Both skip with one line where the tools are not installed (`npm run setup:tools` installs them).
// https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit.h
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildElf, compile, disassemble, elfLayout, runImage } from '@bpf-internals/jit-riscv';
import * as U from '@bpf-internals/uapi';
import { randomProgram, RANDPROG_MEM, rng } from '../packages/jit-riscv/src/internal/randprog.js';
import { verifier_fixups_for_jit } from '../packages/jit-riscv/src/internal/fixups.js';
import { genProgram, mulberry32 } from './core-gen.js';

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};
const OBJDUMP = 'riscv64-linux-gnu-objdump';
const QEMU = 'qemu-riscv64';
// The model prints binutils 2.40's syntax (Debian 12's riscv64 binutils); other releases print some
// aliases differently, so the comparison runs only against 2.40.
const objdumpVersion = has(OBJDUMP) ? (/\b(\d+\.\d+)(\.\d+)?\s*$/m.exec(execFileSync(OBJDUMP, ['--version']).toString().split('\n')[0]!)?.[1] ?? '?') : null;
const hasObjdump = objdumpVersion === '2.40';
const hasQemu = has(QEMU);
const dir = mkdtempSync(join(tmpdir(), 'jit-riscv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ISAS = [
  { name: 'rv64imac', isa: {} },
  { name: 'rv64ima', isa: { rvc: false } },
  { name: 'rv64imac_zba_zbb_zacas', isa: { zba: true, zbb: true, zacas: true } },
];

// Programs with calls and far branches besides the generated ones.
const { BPF_MOV64_IMM, BPF_EXIT_INSN, BPF_CALL_REL, BPF_JMP_IMM, BPF_ALU64_IMM, BPF_EMIT_CALL, BPF_MOV64_REG } = U;
const FIXED: U.BpfInsn[][] = [
  [BPF_MOV64_IMM(1, 3), BPF_CALL_REL(1), BPF_EXIT_INSN(), BPF_MOV64_REG(0, 1), BPF_ALU64_IMM(U.BPF_MUL, 0, 5), BPF_EXIT_INSN()],
  [BPF_MOV64_IMM(0, 1), BPF_JMP_IMM(U.BPF_JNE, 0, 1, 1200), ...Array.from({ length: 1200 }, () => BPF_ALU64_IMM(U.BPF_ADD, 0, 100000)), BPF_EXIT_INSN()],
  [BPF_EMIT_CALL(7), BPF_EMIT_CALL(8), BPF_EMIT_CALL(5), BPF_EXIT_INSN()],
  [...U.BPF_LD_FUNC(2, 2), BPF_MOV64_IMM(0, 0), BPF_EXIT_INSN(), BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()],
];

function programs(n: number): U.BpfInsn[][] {
  return [...FIXED, ...Array.from({ length: n }, (_, i) => randomProgram(1000 + i * 31, 20 + (i % 60)))];
}

/** core's generated tc/XDP programs with the verifier's patchlets (BPF_REG_AX = t0 included). */
function corePrograms(n: number): U.BpfInsn[][] {
  const rnd = mulberry32(0xc0de);
  return Array.from({ length: n }, (_, i) => verifier_fixups_for_jit(genProgram(rnd, { kind: i % 2 ? 'xdp' : 'tc', body: 24 + (i % 5) * 16 })));
}

describe.skipIf(!hasObjdump)('disassembly equals riscv64 objdump', () => {
  for (const { name, isa } of ISAS) {
    it(`${name}: every line of 144 images matches (objdump .4byte lines for instructions it does not know are skipped)`, () => {
      let compared = 0;
      let unknownToObjdump = 0;
      [...programs(100), ...corePrograms(40)].forEach((insns, k) => {
        const { imageAddr } = elfLayout(0, 0);
        const jit = compile(insns, { ...isa, imageAddr });
        expect(jit.err).toBe(0);
        const { elf } = buildElf(jit.image, new Uint8Array(RANDPROG_MEM), isa);
        const file = join(dir, `d-${name}-${k}.elf`);
        writeFileSync(file, elf);
        const od = execFileSync(OBJDUMP, ['-d', '-z', '-j', '.text', file]).toString().split('\n')
          .filter((l) => /^\s+[0-9a-f]+:\t/.test(l))
          .map((l) => {
            const p = l.split('\t');
            return { addr: BigInt(`0x${p[0]!.trim().slice(0, -1)}`), text: p.slice(2).join('\t').trim() };
          });
        const mine = new Map(disassemble(jit.image, imageAddr).map((l) => [l.addr, l.text]));
        expect(od.length).toBe(mine.size);
        for (const o of od) {
          if (o.text.startsWith('.4byte') && mine.get(o.addr)?.startsWith('amocas')) {
            unknownToObjdump++;
            continue;
          }
          expect(`${o.addr.toString(16)}: ${mine.get(o.addr)}`).toBe(`${o.addr.toString(16)}: ${o.text}`);
          compared++;
        }
      });
      expect(compared).toBeGreaterThan(1000);
      console.log(`${name}: ${compared} lines equal objdump, ${unknownToObjdump} amocas lines skipped (objdump 2.40 does not know Zacas)`);
    });
  }
});

describe.skipIf(!hasQemu)('images run natively under qemu-riscv64 with the hart\'s results', () => {
  // qemu 7.2 has Zba/Zbb (as CPU properties) but not Zacas, so the third variant drops zacas.
  const QEMU_ISAS = [...ISAS.slice(0, 2), { name: 'rv64imac_zba_zbb', isa: { zba: true, zbb: true }, cpu: 'rv64,zba=true,zbb=true' }];
  for (const { name, isa, cpu } of QEMU_ISAS as { name: string; isa: object; cpu?: string }[]) {
    it(`${name}: 60 programs give the same a0 and memory on qemu and on the hart`, () => {
      programs(60)
        .filter((p) => !p.some((i) => i.code === (U.BPF_JMP | U.BPF_CALL) && i.src_reg === 0 && i.imm !== 8))
        .forEach((insns, k) => {
          const r = rng(k + 77);
          const data = Uint8Array.from({ length: RANDPROG_MEM }, () => r() & 0xff);
          const { imageAddr } = elfLayout(0, 0);
          const jit = compile(insns, { ...isa, imageAddr });
          const { elf } = buildElf(jit.image, data, isa);
          const file = join(dir, `q-${name}-${k}.elf`);
          writeFileSync(file, elf);
          chmodSync(file, 0o755);
          const out = new Uint8Array(execFileSync(QEMU, cpu ? ['-cpu', cpu, file] : [file]));
          const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
          const mem = data.slice();
          const hart = runImage(jit.image, mem, { imageAddr, extable: jit.extable });
          expect(hart.ok).toBe(true);
          if (!hart.ok) return;
          expect(out.length).toBe(8 + RANDPROG_MEM);
          expect(dv.getBigUint64(0, true)).toBe(hart.a0);
          expect(out.slice(8)).toEqual(mem);
        });
    });
  }
});

const missing = [hasObjdump ? '' : objdumpVersion ? `${OBJDUMP} 2.40 (found ${objdumpVersion})` : OBJDUMP, hasQemu ? '' : QEMU].filter(Boolean).join(' and ');
if (missing) it.skip(`skipped: ${missing || 'nothing'} not installed (npm run setup:tools installs binutils-riscv64-linux-gnu and qemu-user)`, () => {});
