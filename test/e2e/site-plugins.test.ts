/**
 * The site's build-time machinery, without a browser (these run in `npm test`): source links get
 * line anchors or fail the build, kernel links must be pinned to v6.18, chapter globs pick the right
 * test files, the test report is split per chapter, the static server maps clean URLs, and the
 * in-page test runner (vitest shim + Buffer shim) gives the answers vitest and Node give.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { globToRegExp, REPO_BLOB_URL } from '../../docs/.vitepress/chapters.js';
import { nodeOnlyReason } from '../../docs/.vitepress/plugins/browser-tests.js';
import { findUnpinnedKernelLinks } from '../../docs/.vitepress/plugins/kernel-pin.js';
import { apiPageFor, findDeclarationLine, REPO_ROOT, resolveSourceLink } from '../../docs/.vitepress/plugins/source-links.js';
import { chapterTestReport } from '../../docs/.vitepress/plugins/test-report.js';
import { BufferShim } from '../../docs/.vitepress/theme/runner/buffer-shim.js';
import * as shim from '../../docs/.vitepress/theme/runner/vitest-shim.js';
import { fileFor, launchChromium } from './harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'bpf-site-'));

describe('kernel links must be pinned to v6.18', () => {
  it.each([
    ['https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c', []],
    ['https://elixir.bootlin.com/linux/v6.18/A/ident/__sys_bpf', []],
    ['https://github.com/torvalds/linux/blob/v6.18/kernel/bpf/core.c', []],
    ['https://elixir.bootlin.com/linux/v6.12/source/kernel/bpf/syscall.c', ['v6.12']],
    ['https://elixir.bootlin.com/linux/latest/source/kernel/bpf/verifier.c', ['latest']],
    ['https://elixir.bootlin.com/linux/v6.18.1/source/kernel/bpf/verifier.c', ['v6.18.1']],
    ['https://github.com/torvalds/linux/blob/master/kernel/bpf/core.c', ['master']],
    ['https://github.com/torvalds/linux/tree/v6.17/kernel/bpf', ['v6.17']],
    ['see <a href="https://elixir.bootlin.com/linux/v6.1/source/x.c">x</a> and https://elixir.bootlin.com/linux/v6.18/source/y.c', ['v6.1']],
  ] as const)('%s -> unpinned %j', (text, versions) => {
    expect(findUnpinnedKernelLinks(text).map((l) => l.version)).toEqual(versions);
  });
});

describe('source links resolve to a line at build time', () => {
  const file = join(tmp, 'decls.ts');
  writeFileSync(
    file,
    [
      '/** header */', // 1
      'export function htab_map_update_elem(map: unknown): number {', // 2
      '  return 0;', // 3
      '}', // 4
      'export const BPF_ATTR_SIZE = 168;', // 5
      'export interface bpf_prog {', // 6
      '  bpf_func: unknown;', // 7
      '}', // 8
      '// #region encode_decode', // 9
      'class Verifier {', // 10
      '  async do_check(env: unknown) {}', // 11
      '}', // 12
      'export type BpfCmdName = string;', // 13
      'function generic<T>(x: T) { return x; }', // 14
    ].join('\n'),
  );
  it.each([
    ['htab_map_update_elem', 2],
    ['BPF_ATTR_SIZE', 5],
    ['bpf_prog', 6],
    ['bpf_func', 7],
    ['encode_decode', 9],
    ['Verifier', 10],
    ['do_check', 11],
    ['BpfCmdName', 13],
    ['generic', 14],
    ['htab_map', 0],
    ['nothing_here', 0],
  ] as const)('#%s is on line %i', (name, line) => {
    expect(findDeclarationLine(file, name)).toBe(line);
  });

  const page = join(REPO_ROOT, 'docs/bpf-syscall.md');
  it.each([
    ['./sys-bpf.md', null],
    ['/api/', null],
    ['#the-commands', null],
    ['https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/syscall.c', null],
    ['../CONTRIBUTING.md', null],
    ['../package.json', `${REPO_BLOB_URL}/package.json`],
    ['../test/e2e/harness.ts#fileFor', `${REPO_BLOB_URL}/test/e2e/harness.ts#L`],
    ['../test/e2e/harness.ts#L3', `${REPO_BLOB_URL}/test/e2e/harness.ts#L3`],
  ] as const)('%s from a chapter -> %s', (href, url) => {
    const r = resolveSourceLink(href, page);
    if (url === null) expect(r).toBeNull();
    else expect(r?.url.startsWith(url)).toBe(true);
  });
  it('an anchor names the line where the function is declared', () => {
    const r = resolveSourceLink('../test/e2e/harness.ts#fileFor', page);
    expect(r?.line).toBe(findDeclarationLine(join(REPO_ROOT, 'test/e2e/harness.ts'), 'fileFor'));
    expect(r?.line).toBeGreaterThan(0);
  });
  it.each([
    ['../packages/nope/src/missing.ts', /does not exist/],
    ['../test/e2e/harness.ts#no_such_function', /no declaration or #region named "no_such_function"/],
  ])('a dead source link %s fails the build', (href, why) => {
    expect(() => resolveSourceLink(href, page)).toThrow(why);
  });
});

describe('source links to an exported symbol also link its typedoc page', () => {
  const docs = join(tmp, 'docs');
  mkdirSync(join(docs, 'api/@bpf-internals/uapi/functions'), { recursive: true });
  mkdirSync(join(docs, 'api/@bpf-internals/uapi/variables'), { recursive: true });
  writeFileSync(join(docs, 'api/@bpf-internals/uapi/functions/encodeAttr.md'), '# encodeAttr');
  writeFileSync(join(docs, 'api/@bpf-internals/uapi/variables/BPF_ATTR_SIZE.md'), '# BPF_ATTR_SIZE');
  it.each([
    ['packages/uapi/src/attr.ts', 'encodeAttr', '/api/@bpf-internals/uapi/functions/encodeAttr'],
    ['packages/uapi/src/attr.ts', 'BPF_ATTR_SIZE', '/api/@bpf-internals/uapi/variables/BPF_ATTR_SIZE'],
    ['packages/uapi/src/attr.ts', 'decodeAttr', ''],
    ['packages/maps/src/hashtab.ts', 'encodeAttr', ''],
    ['test/e2e/harness.ts', 'fileFor', ''],
    ['packages/uapi/src/attr.ts', '../../secret', ''],
  ])('%s#%s -> %j', (path, name, url) => {
    expect(apiPageFor(path, name, docs)).toBe(url);
  });
});

describe('chapter globs', () => {
  it.each([
    ['packages/uapi/src/**/*.test.ts', 'packages/uapi/src/attr.test.ts', true],
    ['packages/uapi/src/**/*.test.ts', 'packages/uapi/src/internal/layout.test.ts', true],
    ['packages/uapi/src/**/*.test.ts', 'packages/maps/src/attr.test.ts', false],
    ['test/**/*map*.test.ts', 'test/maps-htab.test.ts', true],
    ['test/**/*map*.test.ts', 'test/host/bpf.test.ts', false],
    ['test/*.test.ts', 'test/host/bpf.test.ts', false],
  ] as const)('%s matches %s: %s', (glob, path, want) => {
    expect(globToRegExp(glob).test(path)).toBe(want);
  });
});

describe('which test files can run in the page', () => {
  it.each([
    ['test/e2e/harness.ts', /^imports node:fs/],
    ['test/e2e/site-plugins.test.ts', /^imports node:fs/],
    ['docs/.vitepress/theme/runner/buffer-shim.ts', /^$/],
    ['docs/.vitepress/theme/runner/run-in-page.ts', /^$/],
  ])('%s: %s', (path, why) => {
    expect(nodeOnlyReason(path)).toMatch(why);
  });
});

describe('the per-chapter test report', () => {
  const report = join(tmp, 'vitest.json');
  writeFileSync(
    report,
    JSON.stringify({
      startTime: 1_700_000_000_000,
      testResults: [
        {
          name: join(REPO_ROOT, 'packages/uapi/src/attr.test.ts'),
          status: 'failed',
          assertionResults: [
            { fullName: 'a passes', title: 'passes', status: 'passed', duration: 1.234 },
            { fullName: 'a fails', title: 'fails', status: 'failed', duration: 2, failureMessages: ['\u001b[31mAssertionError\u001b[39m: expected 1 to be 2\n    at x'] },
            { fullName: 'a skips', title: 'skips', status: 'skipped', duration: null },
          ],
        },
        { name: join(REPO_ROOT, 'packages/maps/src/hashtab.test.ts'), status: 'passed', assertionResults: [{ fullName: 'm', title: 'm', status: 'passed' }] },
      ],
    }),
  );
  const files = ['packages/uapi/src/attr.test.ts', 'packages/uapi/src/new.test.ts', 'packages/maps/src/hashtab.test.ts'];

  it('keeps only the chapter\'s files, counts each state, strips colours, lists files not yet reported', () => {
    const r = chapterTestReport(['packages/uapi/src/**/*.test.ts'], report, files);
    expect(r.state).toBe('ok');
    expect(r.files.map((f) => f.path)).toEqual(['packages/uapi/src/attr.test.ts']);
    expect(r.totals).toEqual({ passed: 1, failed: 1, skipped: 1, total: 3 });
    expect(r.files[0]!.tests[1]!.failure).toBe('AssertionError: expected 1 to be 2\n    at x');
    expect(r.unreported).toEqual(['packages/uapi/src/new.test.ts']);
    expect(r.generatedAt).toBe(1_700_000_000_000);
  });
  it('says "run npm test" when there is no report', () => {
    const r = chapterTestReport(['packages/uapi/src/**/*.test.ts'], join(tmp, 'absent.json'), files);
    expect(r.state).toBe('missing');
    expect(r.message).toContain('run npm test');
  });
});

describe('the e2e static server maps clean URLs like VitePress', () => {
  const dist = join(tmp, 'dist');
  mkdirSync(join(dist, 'api/@bpf-internals/uapi'), { recursive: true });
  for (const f of ['index.html', 'verifier.html', 'api/index.html', 'api/@bpf-internals/uapi/index.html', 'logo.svg']) writeFileSync(join(dist, f), f);
  it.each([
    ['/', 'index.html'],
    ['/verifier', 'verifier.html'],
    ['/verifier?x=1#h', 'verifier.html'],
    ['/api/', 'api/index.html'],
    ['/api/@bpf-internals/uapi/', 'api/@bpf-internals/uapi/index.html'],
    ['/logo.svg', 'logo.svg'],
    ['/missing', null],
    ['/../../etc/passwd', null],
  ] as const)('%s -> %s', (url, file) => {
    expect(fileFor(dist, url)).toBe(file === null ? null : join(dist, file));
  });
});

describe('the e2e suite skips with one line where chromium cannot run', () => {
  it('a chromium that does not start gives a reason, not an exception', async () => {
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = join(tmp, 'no-such-chromium');
    try {
      const { browser, reason } = await launchChromium();
      expect(browser).toBeNull();
      expect(reason).toMatch(/^site e2e skipped: chromium at .*no-such-chromium did not start/);
      expect(reason).not.toContain('\n');
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
});

describe('the in-page Buffer gives what Node\'s Buffer gives', () => {
  it.each([
    [[0, 1, 0xab, 0xff]],
    [[]],
    [[0x18, 0x21, 0, 0, 3, 0, 0, 0]],
  ])('hex of %j', (bytes) => {
    const u = new Uint8Array(bytes);
    expect(BufferShim.from(u).toString('hex')).toBe(Buffer.from(u).toString('hex'));
    const hex = Buffer.from(u).toString('hex');
    expect([...BufferShim.from(hex, 'hex')]).toEqual([...Buffer.from(hex, 'hex')]);
  });
  it.each(['', 'bpf', 'héllo', '\u0000x'])('utf8 and base64 of %j', (s) => {
    expect([...BufferShim.from(s)]).toEqual([...Buffer.from(s)]);
    expect(BufferShim.from(s).toString('base64')).toBe(Buffer.from(s).toString('base64'));
  });
  it('reads and writes little-endian integers like Node', () => {
    const a = BufferShim.alloc(16);
    const b = Buffer.alloc(16);
    a.writeUInt32LE(0xdeadbeef, 4);
    b.writeUInt32LE(0xdeadbeef, 4);
    a.writeBigUInt64LE(0x0102030405060708n, 8);
    b.writeBigUInt64LE(0x0102030405060708n, 8);
    expect([...a]).toEqual([...b]);
    expect(a.readUInt32LE(4)).toBe(b.readUInt32LE(4));
    expect(a.subarray(8).toString('hex')).toBe(b.subarray(8).toString('hex'));
    expect(BufferShim.concat([a.subarray(0, 2), a.subarray(4, 6)]).toString('hex')).toBe(Buffer.concat([b.subarray(0, 2), b.subarray(4, 6)]).toString('hex'));
  });
});

describe('the in-page vitest runner', () => {
  it('collects a file, runs hooks in order, names .each rows like vitest, and reports each state', async () => {
    const order: string[] = [];
    const root = await shim.collectFile('virtual/a.test.ts', async () => {
      const { describe: d, it: t, beforeAll, beforeEach, afterEach, expect: e } = shim;
      d('suite', () => {
        beforeAll(() => void order.push('beforeAll'));
        beforeEach(() => void order.push('beforeEach'));
        afterEach(() => void order.push('afterEach'));
        t('passes', () => e(1 + 1).toBe(2));
        t('fails', () => e({ a: 1 }).toEqual({ a: 2 }));
        (t.each as (rows: unknown[]) => (n: string, f: (...a: number[]) => void) => void)([
          [1, 1, 2],
          [2, 3, 5],
        ])('add(%i, %i) -> %i', (a, b, c) => e(a! + b!).toBe(c));
        (t.each as (rows: unknown[]) => (n: string, f: (r: { x: number }) => void) => void)([{ x: 7 }])('object $x', (r) => e(r.x).toBe(7));
        (t.skip as (n: string, f: () => void) => void)('skipped', () => e(1).toBe(2));
        (t.skipIf as (c: boolean) => (n: string, f: () => void) => void)(true)('skipIf true', () => e(1).toBe(2));
        (t.fails as (n: string, f: () => void) => void)('expected failure', () => e(1).toBe(2));
        t('async rejects', async () => {
          await e(Promise.reject(new Error('EINVAL'))).rejects.toThrow('EINVAL');
        });
      });
    });
    const results: shim.TestResult[] = [];
    await shim.runFile('virtual/a.test.ts', root, (r) => results.push(r));
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['suite > passes', 'passed'],
      ['suite > fails', 'failed'],
      ['suite > add(1, 1) -> 2', 'passed'],
      ['suite > add(2, 3) -> 5', 'passed'],
      ['suite > object 7', 'passed'],
      ['suite > skipped', 'skipped'],
      ['suite > skipIf true', 'skipped'],
      ['suite > expected failure', 'passed'],
      ['suite > async rejects', 'passed'],
    ]);
    expect(results[1]!.error).toMatch(/AssertionError: expected \{ a: 1 \} to deeply equal \{ a: 2 \}/);
    expect(order.slice(0, 4)).toEqual(['beforeAll', 'beforeEach', 'afterEach', 'beforeEach']);
    // Running again walks the collected tree again (modules evaluate once).
    const again: shim.TestResult[] = [];
    await shim.runFile('virtual/a.test.ts', root, (r) => again.push(r));
    expect(again.map((r) => r.status)).toEqual(results.map((r) => r.status));
  });
  it('a file that throws while loading is one failed test, not a crash', async () => {
    const root = await shim.collectFile('virtual/b.test.ts', async () => {
      throw new Error('Cannot find module ./gone.js');
    });
    const results: shim.TestResult[] = [];
    await shim.runFile('virtual/b.test.ts', root, (r) => results.push(r));
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'failed', error: 'Error: Cannot find module ./gone.js' });
  });
});
