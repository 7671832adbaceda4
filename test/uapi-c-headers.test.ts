/**
 * The schemas against a C compiler: for every field of union bpf_attr and the UAPI
 * structs that a <linux/bpf.h> has, gcc's offsetof/sizeof must equal ours; and the
 * `since` marks must agree with which fields that header has (a field marked after the
 * header's release must be missing from it, any other must be present). Two headers are
 * used where they exist: the system's /usr/include/linux/bpf.h (Debian 12: Linux 6.1, the
 * release BPF_ATTR_SIZE_6_1 refers to) and the 6.12 source tree the project reads.
 * opcodes.ts's constants are checked against the same headers' #defines and enums.
 * Skips with one line where there is no C compiler or no header.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as uapi from '@bpf-internals/uapi';
import { BPF_ATTR_SIZE_6_1, bpfAttrLayout, bpfAttrSizeAt, sizeofStructAt, uapiStructs, type StructLayout } from '@bpf-internals/uapi';

const TREE = '/work/linux-src/linux-source-6.12';
interface Header {
  name: string;
  include: string;
  version: [number, number];
}

function headers(): Header[] {
  const out: Header[] = [];
  const vh = '/usr/include/linux/version.h';
  if (existsSync('/usr/include/linux/bpf.h') && existsSync(vh)) {
    const code = Number(/LINUX_VERSION_CODE (\d+)/.exec(readFileSync(vh, 'utf8'))?.[1] ?? 0);
    out.push({ name: 'system <linux/bpf.h>', include: '#include <linux/bpf.h>', version: [code >> 16, (code >> 8) & 0xff] });
  }
  if (existsSync(`${TREE}/include/uapi/linux/bpf.h`) && existsSync(`${TREE}/Makefile`)) {
    const mk = readFileSync(`${TREE}/Makefile`, 'utf8');
    const v = Number(/^VERSION = (\d+)/m.exec(mk)?.[1]);
    const p = Number(/^PATCHLEVEL = (\d+)/m.exec(mk)?.[1]);
    // The uapi tree is not headers_install'ed: take the system's linux/types.h, then the tree's bpf.h.
    out.push({
      name: `Linux ${v}.${p} source tree`,
      include: `#include <linux/types.h>\n#include "${TREE}/include/uapi/linux/bpf.h"`,
      version: [v, p],
    });
  }
  return out;
}

const cc = spawnSync('cc', ['--version']).status === 0;
const found = cc ? headers() : [];
const skip = !cc ? 'no C compiler (cc)' : found.length === 0 ? 'no linux/bpf.h header' : '';

/** Compile `lines` (one check per line) and return the lines gcc reported an error on. */
function compileErrors(dir: string, prelude: string, lines: string[]): Set<number> {
  const src = join(dir, 'probe.c');
  const head = `${prelude}\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n`;
  writeFileSync(src, head + lines.join('\n') + '\nreturn 0; }\n');
  const r = spawnSync('cc', ['-fsyntax-only', '-w', src], { encoding: 'utf8' });
  const first = head.split('\n').length; // line number of lines[0]
  const bad = new Set<number>();
  for (const m of r.stderr.matchAll(/probe\.c:(\d+):\d+: error/g)) bad.add(Number(m[1]) - first);
  return bad;
}
/** Compile and run; stdout lines. */
function runC(dir: string, prelude: string, lines: string[]): string[] {
  const src = join(dir, 'run.c');
  writeFileSync(src, `${prelude}\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n${lines.join('\n')}\nreturn 0; }\n`);
  const exe = join(dir, 'run');
  const r = spawnSync('cc', ['-w', '-o', exe, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return spawnSync(exe, { encoding: 'utf8' }).stdout.trim().split('\n');
}

const newer = (since: string, v: [number, number]) => {
  const [a, b] = since.split('.').map(Number) as [number, number];
  return a > v[0] || (a === v[0] && b > v[1]);
};

interface Probe {
  label: string;
  cType: string;
  layout: StructLayout;
}
const probes: Probe[] = [
  { label: 'union bpf_attr', cType: 'union bpf_attr', layout: bpfAttrLayout() },
  ...Object.entries(uapiStructs).map(([n, l]) => ({ label: `struct ${n}`, cType: `struct ${n}`, layout: l as StructLayout })),
];

describe.skipIf(!!skip).each(found)('layouts and constants against $name', (h) => {
  const dir = mkdtempSync(join(tmpdir(), 'uapi-cc-'));
  // Pass 1: which fields (and structs) does this header have?
  const checks: { probe: Probe; path: string; since?: string; bits: boolean }[] = [];
  for (const p of probes) {
    checks.push({ probe: p, path: '', since: undefined, bits: false });
    for (const f of p.layout.fields) checks.push({ probe: p, path: f.path, since: f.since, bits: f.bitSize !== undefined });
  }
  const expr = (c: (typeof checks)[number]) =>
    c.path === ''
      ? `printf("%s||%zu\\n", "${c.probe.label}", sizeof(${c.probe.cType}));`
      : c.bits
        ? `{ ${c.probe.cType} x = {0}; x.${c.path} = 1; printf("%s|${c.path}|bits\\n", "${c.probe.label}"); }`
        : `printf("%s|${c.path}|%zu|%zu\\n", "${c.probe.label}", offsetof(${c.probe.cType}, ${c.path}), sizeof(((${c.probe.cType} *)0)->${c.path}));`;
  const bad = compileErrors(dir, h.include, checks.map(expr));
  const present = checks.filter((_, i) => !bad.has(i));
  const out = present.length ? runC(dir, h.include, present.map(expr)) : [];
  // "label|path|offset|size" per field, "label||sizeof" per struct.
  const measured = new Map(out.map((l) => [l.split('|').slice(0, 2).join('|'), l]));
  rmSync(dir, { recursive: true, force: true });

  it('gcc measured most fields (the probe itself works)', () => {
    expect(measured.size).toBeGreaterThan(250);
  });

  it.each(probes.map((p) => [p.label, p] as const))('%s: every field the header has is at our offset and size', (_l, p) => {
    for (const f of p.layout.fields) {
      if (f.bitSize !== undefined) continue;
      const line = measured.get(`${p.label}|${f.path}`);
      if (!line) continue;
      expect(line).toBe(`${p.label}|${f.path}|${f.offset}|${f.size}`);
    }
  });

  it.each(checks.filter((c) => c.path !== '').map((c) => [`${c.probe.label}.${c.path}`, c.since ?? '-', c] as const))(
    '%s (since %s) is in the header exactly when its release is not newer',
    (_n, _s, c) => {
      const has = !bad.has(checks.indexOf(c));
      expect(has).toBe(!(c.since && newer(c.since, h.version)));
    },
  );

  it.each(Object.keys(uapiStructs))('sizeof(struct %s) is what the since marks give for this release', (n) => {
    const want = sizeofStructAt(n as keyof typeof uapiStructs, `${h.version[0]}.${h.version[1]}`);
    const line = measured.get(`struct ${n}|`);
    if (want === 0) expect(line).toBeUndefined();
    else expect(line).toBe(`struct ${n}||${want}`);
  });

  it('sizeof(union bpf_attr) is what the since marks give for this release (144 in 6.1)', () => {
    const rel = `${h.version[0]}.${h.version[1]}`;
    expect(measured.get('union bpf_attr|')).toBe(`union bpf_attr||${bpfAttrSizeAt(rel)}`);
    if (rel === '6.1') expect(bpfAttrSizeAt(rel)).toBe(BPF_ATTR_SIZE_6_1);
  });

  it('opcodes.ts constants equal the header\'s #defines and enums', () => {
    const names = Object.entries(uapi).filter(
      ([k, v]) => typeof v === 'number' && /^(BPF_|MAX_BPF_)/.test(k) && !/[a-z]/.test(k),
    ) as [string, number][];
    const d = mkdtempSync(join(tmpdir(), 'uapi-cc-'));
    const lines = names.map(([k]) => `printf("${k} %lld\\n", (long long)(${k}));`);
    const missing = compileErrors(d, h.include, lines);
    const have = names.filter((_, i) => !missing.has(i));
    const got = runC(d, h.include, have.map(([k]) => `printf("${k} %lld\\n", (long long)(${k}));`));
    rmSync(d, { recursive: true, force: true });
    expect(have.length).toBeGreaterThan(50);
    expect(got).toEqual(have.map(([k, v]) => `${k} ${v}`));
  });
});

if (skip) it.skip(`C header checks skipped: ${skip}`, () => {});
