/**
 * Run a chapter's test files in the page: import each (once) through the in-page vitest shim and walk
 * its tests. Loaded only when the reader presses the button, so a chapter's first paint carries none
 * of this, nor chai.
 */
import { loaders } from 'virtual:bpf-browser-tests';
import { installBufferShim } from './buffer-shim.js';
import { collectFile, runFile, type TestResult } from './vitest-shim.js';

export type { TestResult };

export async function runTestFiles(
  files: readonly string[],
  onResult: (file: string, r: TestResult) => void,
): Promise<{ passed: number; failed: number; skipped: number }> {
  installBufferShim();
  const sum = { passed: 0, failed: 0, skipped: 0 };
  for (const file of files) {
    const load = loaders[file];
    if (!load) {
      const r: TestResult = { name: '(not bundled: it is new since the site was built, or it needs Node)', status: 'skipped', duration: 0 };
      sum.skipped++;
      onResult(file, r);
      continue;
    }
    const root = await collectFile(file, load);
    await runFile(file, root, (r) => {
      if (r.status === 'passed') sum.passed++;
      else if (r.status === 'failed') sum.failed++;
      else sum.skipped++;
      onResult(file, r);
    });
  }
  return sum;
}
