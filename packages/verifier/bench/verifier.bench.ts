/**
 * `npm run bench` for @bpf-internals/verifier: bpf_check on straight-line programs of growing
 * size (the structural passes and the tag), and the verifier log writing a long log into a small
 * rotating buffer (bpf_verifier_vlog + bpf_vlog_finalize's in-place rotation).
 * Mirrors kernel/bpf/verifier.c and kernel/bpf/log.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/verifier.c
 */
import { BPF_ALU64_IMM, BPF_ADD, BPF_EXIT_INSN, BPF_MOV64_IMM, type BpfInsn } from '@bpf-internals/uapi';
import { bpf_check, bpf_log, bpf_vlog_empty, bpf_vlog_finalize, bpf_vlog_init, type BpfLogUserAccess } from '../src/index.js';

function user(size: number): BpfLogUserAccess {
  const b = new Uint8Array(size);
  return {
    copy_to_user(addr, bytes) {
      b.set(bytes, Number(addr - 0x1000n));
      return true;
    },
    copy_from_user(addr, len) {
      const o = Number(addr - 0x1000n);
      return b.slice(o, o + len);
    },
  };
}

function program(n: number): BpfInsn[] {
  const p: BpfInsn[] = [BPF_MOV64_IMM(0, 0)];
  for (let i = 0; i < n - 2; i++) p.push(BPF_ALU64_IMM(BPF_ADD, 0, 1));
  p.push(BPF_EXIT_INSN());
  return p;
}

function time(label: string, iters: number, fn: () => void, unit: number, unitName: string): void {
  for (let i = 0; i < Math.min(iters, 50); i++) fn(); // warm up
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  const ms = (performance.now() - t0) / iters;
  console.log(`${label.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms/op  ${((ms * 1e6) / unit).toFixed(1).padStart(8)} ns/${unitName}`);
}

for (const n of [100, 4096, 100_000]) {
  const insns = program(n);
  time(`bpf_check, ${n} straight-line insns`, n > 10_000 ? 10 : n > 1000 ? 200 : 2000, () => {
    const prog = {
      type: 1,
      expected_attach_type: 0,
      gpl_compatible: true,
      len: insns.length,
      insnsi: insns.map((i) => ({ ...i })),
      tag: new Uint8Array(8),
      aux: { used_maps: [], verified_insns: 0, stack_depth: 0, func_cnt: 0, sleepable: false, attach_btf_id: 0 },
    };
    const r = bpf_check(prog, { log_level: 1, log_buf: 0x1000n, log_size: 4096, prog_flags: 0, fd_array: 0n, func_info_cnt: 0, line_info_cnt: 0, prog_btf_fd: 0 }, {
      user: user(8192),
      uattr: 0n,
      uattr_size: 0,
      bpf_capable: true,
      map_from_fd: () => -9,
      map_put: () => {},
    });
    if (r !== 0) throw new Error(`bpf_check: ${r}`);
  }, n, 'insn');
}

const line = 'R1=ctx() R10=fp0 R0_w=scalar(smin=0,smax=100) ; a typical level-2 log line\n';
time('vlog: 10000 lines into a 4 KiB ring + finalize', 20, () => {
  const log = bpf_vlog_empty();
  bpf_vlog_init(log, 2, 0x1000n, 4096, user(4096));
  for (let i = 0; i < 10_000; i++) bpf_log(log, line);
  bpf_vlog_finalize(log);
}, 10_000, 'line');
