#!/usr/bin/env node
/**
 * `bpf-internals`: the command-line adapter (Node only). It reaches Node's `process`
 * through `globalThis`, so the package still typechecks without Node's types; all the
 * work is in isomorphic modules (trace.ts, example.ts) that the site imports too.
 *
 *   bpf-internals trace [--no-jit] [--no-links]   the bundled example's load path (npm start)
 *   bpf-internals prog dump jited [--no-jit]      its JIT image, BPF beside RV64
 *   bpf-internals help
 *
 * Colour only when stdout is a terminal and NO_COLOR is unset.
 * @module
 */
import { formatLoadPath, runExampleLoadPath } from './loadpath.js';

/** The slice of Node's `process` the CLI uses. */
interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: { isTTY?: boolean; write(s: string): boolean };
  stderr: { write(s: string): boolean };
  exitCode?: number;
}

const USAGE = `usage: bpf-internals <command> [options]

commands:
  trace             the bundled example's load path, step by step: the bpf_attr user space
                    fills, __sys_bpf -> bpf_prog_load -> bpf_check -> bpf_prog_select_runtime
                    on a model Linux v6.18 kernel, the verifier log, the RISC-V 64 JIT image,
                    and test runs of the program
  prog dump jited   the example program's JIT image, each BPF instruction beside its RV64 code
  help              this text

options:
  --no-jit          net.core.bpf_jit_enable=0: the interpreter runs the program
  --no-links        leave out the v6.18 source link under each kernel step
`;

/** Run the CLI with `args` (without node and script); returns the exit code. */
export function main(args: string[], proc: NodeProcess): number {
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const words = args.filter((a) => !a.startsWith('--'));
  for (const f of flags) {
    if (f !== '--no-jit' && f !== '--no-links' && f !== '--help') {
      proc.stderr.write(`bpf-internals: unknown option ${f}\n${USAGE}`);
      return 2;
    }
  }
  const jit = !flags.has('--no-jit');
  const color = !!proc.stdout.isTTY && proc.env.NO_COLOR === undefined;
  const cmd = flags.has('--help') ? 'help' : (words[0] ?? 'trace');
  switch (cmd) {
    case 'trace': {
      if (words.length > 1) {
        proc.stderr.write(`bpf-internals trace: unexpected argument ${words[1]}\n`);
        return 2;
      }
      const r = runExampleLoadPath({ jit });
      proc.stdout.write(formatLoadPath(r, { color, links: !flags.has('--no-links') }));
      return r.ret >= 0 ? 0 : 1;
    }
    case 'prog': {
      if (words[1] !== 'dump' || words[2] !== 'jited' || words.length > 3) {
        proc.stderr.write(`bpf-internals prog: only 'prog dump jited' is modelled\n`);
        return 2;
      }
      const r = runExampleLoadPath({ jit, packets: [] });
      if (!r.jited) {
        proc.stderr.write(`bpf-internals prog dump jited: the program is not JITed (${jit ? 'JIT failed' : '--no-jit'})\n`);
        return 1;
      }
      proc.stdout.write(r.jited.trimEnd() + '\n');
      return 0;
    }
    case 'help':
    case '-h':
      proc.stdout.write(USAGE);
      return 0;
    default:
      proc.stderr.write(`bpf-internals: unknown command ${cmd}\n${USAGE}`);
      return 2;
  }
}

const proc = (globalThis as unknown as { process?: NodeProcess }).process;
// Run only as the entry script (not when a test imports main()).
if (proc && /(cli\.[jt]s|bpf-internals)$/.test(proc.argv[1] ?? '')) proc.exitCode = main(proc.argv.slice(2), proc);
