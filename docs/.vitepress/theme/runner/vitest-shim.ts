/**
 * The in-page stand-in for `vitest`, so the repository's own test files run in a chapter's page
 * ("run these tests here"). In the site bundle, `import { describe, it, expect } from 'vitest'`
 * resolves here (alias in config.ts). Assertions are vitest's own: @vitest/expect's Jest matchers on
 * chai, wired the way vitest wires them, so a matcher passes or fails exactly as in `npm test`.
 *
 * Collection happens when a test file is imported: describe/it record a tree under the file being
 * collected (collectFile sets it). Running walks that tree, so a file can be run again without
 * re-importing it (ES modules evaluate once).
 *
 * Not modelled here (the file reports them as failures, it never fakes a pass): vi.mock and the
 * module mocker, snapshots, fake timers, concurrency (concurrent tests run one after another).
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  chai,
  customMatchers,
  getState,
  GLOBAL_EXPECT,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
  type ExpectStatic,
} from '@vitest/expect';
import { fn, spyOn, isMockFunction, clearAllMocks, resetAllMocks, restoreAllMocks } from '@vitest/spy';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

type AnyFn = (...args: never[]) => unknown;
type ExpectFn = ((value: unknown, message?: string) => Chai.Assertion) & Record<string, unknown>;

function createExpect(): ExpectFn {
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect as never) as { assertionCalls: number };
    setState({ assertionCalls: assertionCalls + 1 }, expect as never);
    return chai.expect(value, message);
  }) as ExpectFn;
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT as never]);
  expect.getState = () => getState(expect as never);
  expect.setState = (s: object) => setState(s as never, expect as never);
  setState(
    {
      assertionCalls: 0,
      isExpectingAssertions: false,
      isExpectingAssertionsError: null,
      expectedAssertionsNumber: null,
      expectedAssertionsNumberErrorGen: null,
      currentTestName: '',
    } as never,
    expect as never,
  );
  expect.assert = chai.assert;
  expect.extend = (m: object) => (chai.expect as unknown as { extend: (e: unknown, m: object) => void }).extend(expect, m);
  expect.soft = (v: unknown, msg?: string) => (expect(v, msg) as unknown as { withContext: (c: object) => unknown }).withContext({ soft: true });
  expect.unreachable = (message?: string) => chai.assert.fail(`expected${message ? ` "${message}" ` : ' '}not to be reached`);
  const setS = (st: object): void => setState(st as never, expect as never);
  expect.assertions = (n: number) => setS({ expectedAssertionsNumber: n, expectedAssertionsNumberErrorGen: () => new Error(`expected number of assertions to be ${n}, but got ${(getState(expect as never) as { assertionCalls: number }).assertionCalls}`) });
  expect.hasAssertions = () => setS({ isExpectingAssertions: true, isExpectingAssertionsError: new Error('expected any number of assertion, but got none') });
  (expect.extend as (m: object) => void)(customMatchers);
  return expect;
}

/** Typed as vitest's own `expect` (it is built the same way). */
export const expect = createExpect() as unknown as ExpectStatic;
// In a page there is no global expect yet; under vitest itself (the shim's own tests) keep vitest's.
if (!(GLOBAL_EXPECT in globalThis)) {
  Object.defineProperty(globalThis, GLOBAL_EXPECT, { value: expect, writable: true, configurable: true });
}
export const assert = chai.assert;

// ---------------------------------------------------------------------------------------------
// Collection

type Mode = 'run' | 'skip' | 'todo';
export interface TestNode {
  kind: 'test';
  name: string;
  fn: ((ctx: TestContext) => unknown) | undefined;
  mode: Mode;
  fails: boolean;
  timeout: number;
}
export interface SuiteNode {
  kind: 'suite';
  name: string;
  mode: Mode;
  children: (SuiteNode | TestNode)[];
  beforeAll: AnyFn[];
  afterAll: AnyFn[];
  beforeEach: AnyFn[];
  afterEach: AnyFn[];
}
interface TestContext {
  expect: ExpectStatic;
  skip: (note?: string) => never;
  task: { name: string };
}

const newSuite = (name: string, mode: Mode): SuiteNode => ({ kind: 'suite', name, mode, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] });

let current: SuiteNode | null = null;
function here(): SuiteNode {
  if (!current) throw new Error('describe/it called outside of a test file being collected');
  return current;
}

interface Opts {
  mode: Mode;
  fails: boolean;
}

function registerTest(name: string, body: unknown, opts: Opts, timeout?: unknown): void {
  const fnArg = typeof body === 'function' ? (body as TestNode['fn']) : undefined;
  const t = typeof timeout === 'number' ? timeout : typeof body === 'object' && body && 'timeout' in body ? Number((body as { timeout: number }).timeout) : 5000;
  const realFn = typeof body === 'object' && typeof timeout === 'function' ? (timeout as TestNode['fn']) : fnArg;
  here().children.push({ kind: 'test', name, fn: realFn, mode: realFn ? opts.mode : 'todo', fails: opts.fails, timeout: t });
}

function registerSuite(name: string, body: unknown, opts: Opts, maybeFn?: unknown): void {
  const fnArg = (typeof body === 'function' ? body : maybeFn) as (() => unknown) | undefined;
  const parent = here();
  const s = newSuite(name, parent.mode === 'run' ? opts.mode : parent.mode);
  parent.children.push(s);
  current = s;
  try {
    const r = fnArg?.();
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      s.children.push({ kind: 'test', name: '(async describe)', fn: () => { throw new Error('async describe() bodies are not supported by the in-page runner'); }, mode: 'run', fails: false, timeout: 0 });
    }
  } finally {
    current = parent;
  }
}

/** printf-style and $name interpolation of .each titles, as vitest does. */
function formatTitle(title: string, args: unknown[], index: number): string {
  const show = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'bigint' ? `${v}n` : (() => { try { return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v); } catch { return String(v); } })());
  let i = 0;
  let out = title.replace(/%[sdifjoO#%]/g, (m) => {
    if (m === '%%') return '%';
    if (m === '%#') return String(index);
    const v = args[i++];
    if (m === '%d' || m === '%i') return String(typeof v === 'number' ? Math.trunc(v) : Number(v));
    if (m === '%f') return String(Number(v));
    return show(v);
  });
  if (args.length === 1 && args[0] && typeof args[0] === 'object' && !Array.isArray(args[0])) {
    const obj = args[0] as Record<string, unknown>;
    out = out.replace(/\$([\w.]+)/g, (m, key: string) => {
      let v: unknown = obj;
      for (const k of key.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
      return v === undefined && !(key in obj) ? m : show(v);
    });
  }
  return out.replace('$index', String(index));
}

function eachRows(table: unknown, values: unknown[]): unknown[][] {
  if (Array.isArray(table) && 'raw' in (table as object)) {
    // Tagged-template table: first line is headers, then values.
    const headers = (table as unknown as string[])[0]!.split('|').map((h) => h.trim()).filter(Boolean);
    const rows: unknown[][] = [];
    for (let i = 0; i + headers.length <= values.length; i += headers.length) {
      rows.push([Object.fromEntries(headers.map((h, j) => [h, values[i + j]]))]);
    }
    return rows;
  }
  return (table as unknown[]).map((row) => (Array.isArray(row) ? row : [row]));
}

type Register = (name: string, body: unknown, opts: Opts, extra?: unknown) => void;

function chain(register: Register, opts: Opts): unknown {
  const api = (name: string, body?: unknown, extra?: unknown): void => register(String(name), body, opts, extra);
  const withMode = (patch: Partial<Opts>): unknown => chain(register, { ...opts, ...patch });
  Object.defineProperties(api, {
    skip: { get: () => withMode({ mode: 'skip' }) },
    only: { get: () => withMode({}) },
    concurrent: { get: () => withMode({}) },
    sequential: { get: () => withMode({}) },
    shuffle: { get: () => withMode({}) },
    todo: { get: () => withMode({ mode: 'todo' }) },
    fails: { get: () => withMode({ fails: true }) },
  });
  Object.assign(api, {
    skipIf: (cond: unknown) => (cond ? withMode({ mode: 'skip' }) : withMode({})),
    runIf: (cond: unknown) => (cond ? withMode({}) : withMode({ mode: 'skip' })),
    each:
      (table: unknown, ...values: unknown[]) =>
      (title: string, body: (...a: unknown[]) => unknown, extra?: unknown): void => {
        eachRows(table, values).forEach((args, i) => {
          const bound = typeof body === 'function' ? () => body(...args) : body;
          register(formatTitle(String(title), args, i), bound, opts, extra);
        });
      },
    for:
      (table: unknown[]) =>
      (title: string, body: (arg: unknown, ctx: TestContext) => unknown): void => {
        table.forEach((row, i) => register(formatTitle(String(title), Array.isArray(row) ? row : [row], i), (ctx: TestContext) => body(row, ctx), opts));
      },
  });
  return api;
}

type Callable = ((name: string, fn?: unknown, timeout?: unknown) => void) & Record<string, never>;
const base: Opts = { mode: 'run', fails: false };
export const it = chain(registerTest, base) as Callable & Record<string, unknown>;
export const test = it;
export const describe = chain(registerSuite, base) as Callable & Record<string, unknown>;
export const suite = describe;
export const beforeAll = (f: AnyFn): void => void here().beforeAll.push(f);
export const afterAll = (f: AnyFn): void => void here().afterAll.push(f);
export const beforeEach = (f: AnyFn): void => void here().beforeEach.push(f);
export const afterEach = (f: AnyFn): void => void here().afterEach.push(f);
export const onTestFinished = (): void => undefined;

const unsupported = (what: string) => (): never => {
  throw new Error(`${what} is not supported by the in-page runner; this test runs in npm test`);
};
export const vi = {
  fn,
  spyOn,
  isMockFunction,
  clearAllMocks,
  resetAllMocks,
  restoreAllMocks,
  mock: unsupported('vi.mock'),
  hoisted: unsupported('vi.hoisted'),
  useFakeTimers: unsupported('vi.useFakeTimers'),
  useRealTimers: () => undefined,
  stubGlobal: unsupported('vi.stubGlobal'),
};
export const expectTypeOf = (): unknown => new Proxy(() => undefined, { get: (t, _k) => t, apply: (t) => t }) as unknown;
export const assertType = (): void => undefined;

// ---------------------------------------------------------------------------------------------
// Running

export interface TestResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'todo';
  duration: number;
  error?: string;
}

const collected = new Map<string, SuiteNode>();

/** Import a test file (once) and return its collected tree. */
export async function collectFile(path: string, load: () => Promise<unknown>): Promise<SuiteNode> {
  const hit = collected.get(path);
  if (hit) return hit;
  const root = newSuite(path, 'run');
  const prev = current;
  current = root;
  try {
    await load();
  } catch (e) {
    root.children.push({ kind: 'test', name: '(loading the file)', fn: () => { throw e; }, mode: 'run', fails: false, timeout: 0 });
  } finally {
    current = prev;
  }
  collected.set(path, root);
  return root;
}

// eslint-disable-next-line no-control-regex -- matcher diffs carry terminal colours
const ANSI_RE = /\u001b\[[0-9;]*m/g;

class SkipSignal extends Error {}

function errText(e: unknown): string {
  if (e instanceof Error) {
    const extra = (e as { diff?: string }).diff;
    return `${e.name}: ${e.message}${extra ? `\n${extra}` : ''}`.replace(ANSI_RE, '');
  }
  return String(e);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (!ms) return p;
  let id: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, rej) => (id = setTimeout(() => rej(new Error(`${what} timed out in ${ms}ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(id));
}

async function runTest(t: TestNode, path: string, chainOf: SuiteNode[]): Promise<TestResult> {
  const name = [...chainOf.slice(1).map((s) => s.name), t.name].join(' > ');
  if (t.mode !== 'run') return { name, status: t.mode === 'todo' ? 'todo' : 'skipped', duration: 0 };
  const start = performance.now();
  setState({ assertionCalls: 0, isExpectingAssertions: false, expectedAssertionsNumber: null, currentTestName: name, testPath: path } as never, expect as never);
  const ctx: TestContext = {
    expect,
    skip: () => {
      throw new SkipSignal();
    },
    task: { name: t.name },
  };
  let error: unknown;
  try {
    for (const s of chainOf) for (const h of s.beforeEach) await (h as (c: TestContext) => unknown)(ctx);
    await withTimeout(Promise.resolve().then(() => t.fn!(ctx)), t.timeout, 'test');
    const st = getState(expect as never) as { assertionCalls: number; expectedAssertionsNumber: number | null; isExpectingAssertions: boolean };
    if (st.expectedAssertionsNumber !== null && st.assertionCalls !== st.expectedAssertionsNumber) {
      throw new Error(`expected number of assertions to be ${st.expectedAssertionsNumber}, but got ${st.assertionCalls}`);
    }
    if (st.isExpectingAssertions && st.assertionCalls === 0) throw new Error('expected any number of assertion, but got none');
  } catch (e) {
    error = e;
  }
  try {
    for (const s of [...chainOf].reverse()) for (const h of s.afterEach) await (h as (c: TestContext) => unknown)(ctx);
  } catch (e) {
    error ??= e;
  }
  const duration = Math.round((performance.now() - start) * 100) / 100;
  if (error instanceof SkipSignal) return { name, status: 'skipped', duration };
  if (t.fails) return error ? { name, status: 'passed', duration } : { name, status: 'failed', duration, error: 'expected this test to fail (it.fails), but it passed' };
  return error ? { name, status: 'failed', duration, error: errText(error) } : { name, status: 'passed', duration };
}

/** Run a collected file; `onResult` is called as each test finishes. */
export async function runFile(path: string, root: SuiteNode, onResult: (r: TestResult) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  let lastYield = performance.now();
  const walk = async (s: SuiteNode, chainOf: SuiteNode[]): Promise<void> => {
    const here = [...chainOf, s];
    const active = s.mode === 'run';
    let hookError: unknown;
    if (active) {
      try {
        for (const h of s.beforeAll) await (h as () => unknown)();
      } catch (e) {
        hookError = e;
      }
    }
    for (const c of s.children) {
      if (c.kind === 'suite') {
        await walk(hookError ? { ...c, mode: 'skip' } : c, here);
        continue;
      }
      const r = hookError
        ? { name: [...here.slice(1).map((x) => x.name), c.name].join(' > '), status: 'failed' as const, duration: 0, error: `beforeAll failed: ${errText(hookError)}` }
        : await runTest(s.mode === 'run' ? c : { ...c, mode: s.mode }, path, here);
      results.push(r);
      onResult(r);
      // Keep the page responsive during long files.
      if (performance.now() - lastYield > 30) {
        await new Promise((res) => setTimeout(res, 0));
        lastYield = performance.now();
      }
    }
    if (active) {
      try {
        for (const h of s.afterAll) await (h as () => unknown)();
      } catch (e) {
        const r: TestResult = { name: `${s.name} (afterAll)`, status: 'failed', duration: 0, error: errText(e) };
        results.push(r);
        onResult(r);
      }
    }
  };
  await walk(root, []);
  return results;
}
