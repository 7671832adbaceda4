// Benchmarks arch/riscv/net/bpf_jit_core.c's bpf_int_jit_compile (v6.18) and the hart:
// https://elixir.bootlin.com/linux/v6.18/source/arch/riscv/net/bpf_jit_core.c (bpf_int_jit_compile)
// npm run bench: JIT compile time per BPF instruction and the hart's ns per emulated RV64 instruction.
import { compile, runImage } from '../src/index.js';
import { randomProgram, RANDPROG_MEM } from '../src/internal/randprog.js';
import * as U from '@bpf-internals/uapi';

const progs = Array.from({ length: 200 }, (_, i) => randomProgram(4242 + i, 200));
const nInsns = progs.reduce((a, p) => a + p.length, 0);
for (let w = 0; w < 2; w++) for (const p of progs) compile(p);
let t = performance.now();
const REPS = 5;
for (let k = 0; k < REPS; k++) for (const p of progs) compile(p);
const compileNs = ((performance.now() - t) * 1e6) / (nInsns * REPS);
console.log(`jit-riscv compile: ${compileNs.toFixed(0)} ns per BPF instruction (${nInsns * REPS} instructions, ${progs.length} programs of ~200)`);

// A loop-heavy program: sum 0..N-1 (a bounded loop, as the verifier accepts since 5.3).
const N = 20000;
const loop = [
  U.BPF_MOV64_IMM(0, 0), U.BPF_MOV64_IMM(2, 0),
  U.BPF_ALU64_REG(U.BPF_ADD, 0, 2), U.BPF_ALU64_IMM(U.BPF_ADD, 2, 1), U.BPF_STX_MEM(U.BPF_DW, 10, 0, -8),
  U.BPF_JMP_IMM(U.BPF_JLT, 2, N, -4), U.BPF_EXIT_INSN(),
];
const img = compile(loop).image;
runImage(img, new Uint8Array(8));
t = performance.now();
let steps = 0;
for (let k = 0; k < 5; k++) {
  const r = runImage(img, new Uint8Array(RANDPROG_MEM));
  steps += r.steps;
}
const hartNs = ((performance.now() - t) * 1e6) / steps;
console.log(`jit-riscv hart: ${hartNs.toFixed(0)} ns per emulated RV64 instruction (${steps} instructions)`);
