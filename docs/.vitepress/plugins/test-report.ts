/**
 * "Runs tests inline", build-time half: read vitest's JSON report of the latest `npm test`
 * (test-results/vitest.json, written by the root test script's json reporter) and give each chapter
 * the results of the test files that cover it, as page data (`page.testReport`). Only the chapter's
 * own files travel with the page, so a chapter's JavaScript does not carry the whole report.
 *
 * It also classifies each covering test file as browser-runnable or Node-only, for the in-page
 * "run in this page" button (see browser-tests.ts).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { matchesAny } from '../chapters.js';
import { nodeOnlyReason } from './browser-tests.js';
import { REPO_ROOT } from './source-links.js';

export type TestStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled';

export interface ReportedTest {
  name: string;
  status: TestStatus;
  duration: number;
  failure?: string;
}

export interface ReportedFile {
  path: string;
  status: string;
  tests: ReportedTest[];
  /** Why the file cannot run in the browser; absent when it can. */
  nodeOnly?: string;
}

export interface ChapterTestReport {
  /** 'missing' when no report was found (run npm test). */
  state: 'ok' | 'missing';
  message?: string;
  generatedAt?: number;
  globs: string[];
  files: ReportedFile[];
  /** Covering test files that exist but are not in the report (added since the last npm test). */
  unreported: string[];
  totals: { passed: number; failed: number; skipped: number; total: number };
  /** Covering files the page can run in the browser. */
  browserFiles: string[];
}

interface VitestJson {
  startTime?: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; title: string; status: TestStatus; duration?: number | null; failureMessages?: string[] }[];
  }[];
}

export const REPORT_PATH = join(REPO_ROOT, 'test-results/vitest.json');

let cached: { path: string; mtime: number; json: VitestJson } | null = null;
function readReport(path: string): VitestJson | null {
  if (!existsSync(path)) return null;
  const mtime = statSync(path).mtimeMs;
  if (cached?.mtime !== mtime || cached.path !== path) {
    try {
      cached = { path, mtime, json: JSON.parse(readFileSync(path, 'utf8')) as VitestJson };
    } catch {
      return null;
    }
  }
  return cached.json;
}

/** Every *.test.ts in packages/ and test/ (not test/e2e: that suite needs a built site). */
export function allTestFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name === 'e2e') continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) out.push(relative(REPO_ROOT, p));
    }
  };
  walk(join(REPO_ROOT, 'packages'));
  walk(join(REPO_ROOT, 'test'));
  return out.sort();
}

// eslint-disable-next-line no-control-regex -- vitest colours its failure messages
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

export function chapterTestReport(globs: string[], reportPath = REPORT_PATH, testFiles = allTestFiles()): ChapterTestReport {
  const covering = testFiles.filter((f) => matchesAny(f, globs));
  const browserFiles = covering.filter((f) => !nodeOnlyReason(f));
  const totals = { passed: 0, failed: 0, skipped: 0, total: 0 };
  const json = readReport(reportPath);
  if (!json) {
    return {
      state: 'missing',
      message: 'no test report found, run npm test',
      globs,
      files: [],
      unreported: covering,
      totals,
      browserFiles,
    };
  }
  const files: ReportedFile[] = [];
  for (const r of json.testResults) {
    const path = relative(REPO_ROOT, r.name);
    if (!matchesAny(path, globs)) continue;
    const tests = r.assertionResults.map((a) => {
      const t: ReportedTest = { name: a.fullName, status: a.status, duration: Math.round((a.duration ?? 0) * 100) / 100 };
      if (a.failureMessages?.length) t.failure = stripAnsi(a.failureMessages[0]!).split('\n').slice(0, 6).join('\n');
      return t;
    });
    for (const t of tests) {
      totals.total++;
      if (t.status === 'passed') totals.passed++;
      else if (t.status === 'failed') totals.failed++;
      else totals.skipped++;
    }
    const f: ReportedFile = { path, status: r.status, tests };
    const why = nodeOnlyReason(path);
    if (why) f.nodeOnly = why;
    files.push(f);
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const reported = new Set(files.map((f) => f.path));
  const out: ChapterTestReport = {
    state: 'ok',
    globs,
    files,
    unreported: covering.filter((f) => !reported.has(f)),
    totals,
    browserFiles,
  };
  if (json.startTime) out.generatedAt = json.startTime;
  return out;
}
