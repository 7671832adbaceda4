import { describe, expect, it } from 'vitest';
import { formatLoadPath, runExampleLoadPath } from './loadpath.js';

describe('the example load path on a model kernel', () => {
  it.each([
    [true, 'jited'],
    [false, 'interpreter'],
  ] as const)('with bpf_jit_enable=%s it loads, runs as %s and counts packets per protocol', (jit, runtime) => {
    const r = runExampleLoadPath({ jit, packets: [17, 6, 17, 1] });
    expect(r.ret).toBeGreaterThanOrEqual(3);
    expect(r.runtime).toBe(runtime);
    expect(r.runs.every((x) => x.ret === 0 && x.retval === 0)).toBe(true);
    expect(r.counts).toEqual([
      { proto: 1, count: 1n },
      { proto: 6, count: 1n },
      { proto: 17, count: 2n },
    ]);
    expect(r.jited === null).toBe(!jit);
  });

  it('traces the kernel steps in the order bpf_prog_load takes them', () => {
    const r = runExampleLoadPath({ packets: [] });
    const fns = r.events.map((e) => e.fn);
    const order = ['__sys_bpf', 'bpf_prog_load', 'bpf_check', 'resolve_pseudo_ldimm64', 'bpf_prog_select_runtime', 'bpf_prog_new_fd'];
    const at = order.map((f) => fns.indexOf(f));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('the text names each step, the JIT image and the counts, with v6.18 links only', () => {
    const text = formatLoadPath(runExampleLoadPath());
    expect(text).toMatch(/bpf_prog_select_runtime\(\)\s+JITed/);
    expect(text).toMatch(/amoadd\.d/);
    expect(text).toMatch(/key\s+17 \(UDP\)\s+2/);
    const links = text.match(/elixir\.bootlin\.com\/linux\/[^/]+/g) ?? [];
    expect(links.length).toBeGreaterThan(10);
    expect(links.every((l) => l.endsWith('/v6.18'))).toBe(true);
  });
});
