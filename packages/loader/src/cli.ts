#!/usr/bin/env node
/**
 * `bpf-internals`: the command-line adapter (Node only). It reaches Node's `process`
 * through `globalThis`, so the package still typechecks without Node's types; all the
 * work is in isomorphic modules (trace.ts, example.ts) that the site imports too.
 *
 *   bpf-internals trace     the bundled example's BPF_PROG_LOAD, traced (npm start)
 *   bpf-internals help
 *
 * Colour only when stdout is a terminal and NO_COLOR is unset.
 * @module
 */
import { formatProgLoadTrace, traceExampleProgLoad } from './trace.js';

/** The slice of Node's `process` the CLI uses. */
interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: { isTTY?: boolean; write(s: string): boolean };
  stderr: { write(s: string): boolean };
  exitCode?: number;
}

const USAGE = `usage: bpf-internals <command>

commands:
  trace   print the bundled example's bpf(BPF_PROG_LOAD) attr field by field and its instructions
  help    this text
`;

/** Run the CLI with `args` (without node and script); returns the exit code. */
export function main(args: string[], proc: NodeProcess): number {
  const [cmd = 'trace', ...rest] = args;
  switch (cmd) {
    case 'trace': {
      if (rest.length) {
        proc.stderr.write(`bpf-internals trace: unexpected argument ${rest[0]}\n`);
        return 2;
      }
      const color = !!proc.stdout.isTTY && proc.env.NO_COLOR === undefined;
      proc.stdout.write(formatProgLoadTrace(traceExampleProgLoad(), { color }));
      return 0;
    }
    case 'help':
    case '--help':
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
