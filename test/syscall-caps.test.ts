/**
 * Capability scenarios against the host kernel: the model process gets the
 * scenario's capabilities (`spawn({ caps })`); on the host the same scenario
 * runs in a child as uid 65534 with exactly those capabilities (setpriv), so
 * the kernel's own checks (bpf_token_capable, unprivileged_bpf_disabled)
 * answer. Needs root, setpriv, and the host's unprivileged_bpf_disabled equal
 * to the model's (2 by default); skips with one line otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostBpf } from './host/bpf.js';
import { objScenarios } from './diff/obj-scenarios.js';
import { firstDifference, runModel } from './diff/runner.js';

const { host } = hostBpf();
const sysctl = existsSync('/proc/sys/kernel/unprivileged_bpf_disabled') ? readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim() : '';
const why = !host
  ? 'host bpf() unavailable'
  : !existsSync('/usr/bin/setpriv')
    ? 'no /usr/bin/setpriv'
    : sysctl !== '2'
      ? `host kernel.unprivileged_bpf_disabled is ${sysctl || 'unknown'}, the model's default is 2`
      : '';
const scenarios = objScenarios.filter((s) => s.hostCaps);
const capName = (c: string) => c.replace(/^CAP_/, '').toLowerCase();

describe.skipIf(!!why)('capability scenarios: model vs an unprivileged host process', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_n, sc) => {
    const model = runModel(sc);
    if (model.unmodelled.length) {
      console.log(`[known gap: map types ${model.unmodelled.join(',')} not modelled] ${sc.name}`);
      return;
    }
    expect(model.expectFailures).toEqual([]);
    const caps = (sc.caps ?? []).map(capName);
    const set = ['-all', ...caps.map((c) => `+${c}`)].join(',');
    const out = execFileSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', `--inh-caps=${set}`, `--ambient-caps=${set}`, process.execPath, '--conditions=source', '--import', 'tsx', 'test/diff/caps-child.ts', sc.name],
      { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8', timeout: 60_000 },
    );
    const h = JSON.parse(out) as { obs: string[]; expectFailures: string[] };
    expect(h.expectFailures, 'host vs the kernel answers in the row').toEqual([]);
    expect(firstDifference(model.obs, h.obs)).toBeNull();
  });
});

if (why) it.skip(`capability scenarios on the host skipped: ${why}`, () => {});
