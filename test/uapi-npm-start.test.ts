/**
 * `npm start` end to end: the root script runs the CLI's `trace`, which exits 0 and, with
 * stdout a pipe (not a TTY), prints the attr table without ANSI escapes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url);
const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } }).scripts.start;

describe('npm start', () => {
  it('runs bpf-internals trace: exit 0, the PROG_LOAD attr, no ANSI on a pipe', () => {
    const [cmd, ...args] = start.split(' ');
    const r = spawnSync(cmd!, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('bpf(BPF_PROG_LOAD = 5, &attr, 168)');
    expect(r.stdout).toMatch(/ 48 +16 +char\[16\] +prog_name +"count_protos"/);
    expect(r.stdout.includes('\x1b[')).toBe(false);
  });
});
