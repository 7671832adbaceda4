/**
 * Differential tests of the program side: every scenario of
 * test/diff/prog-scenarios.ts runs on the model and, where the host has a usable bpf(), on the
 * host's kernel; each step's answer must be the kernel's (`expect`), nothing may leak, and on a
 * 6.18 host every observation must agree.
 */
import { describe, expect, it } from 'vitest';
import { hostBpf, skipReason } from './host/bpf.js';
import { firstDifference, runHost, runModel } from './diff/runner.js';
import { progScenarios } from './diff/prog-scenarios.js';

const { host } = hostBpf();

describe('program scenarios on the model', () => {
  it.each(progScenarios.map((s) => [s.name, s] as const))('%s', (_name, sc) => {
    const r = runModel(sc);
    expect(r.expectFailures).toEqual([]);
    expect(r.leaked).toEqual([]);
  });
});

describe.skipIf(!host)('program scenarios: model vs host kernel', () => {
  it.each(progScenarios.filter((s) => !s.modelOnly).map((s) => [s.name, s] as const))('%s', (_name, sc) => {
    const m = runModel(sc);
    const h = runHost(host!, sc);
    expect(h.expectFailures).toEqual([]);
    const diff = firstDifference(m.obs, h.obs);
    if (host!.strict) expect(diff).toBeNull();
    else if (diff) console.warn(`${sc.name}: ${diff}`);
  });
});

if (!host) it.skip(skipReason(), () => {});
