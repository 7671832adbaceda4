// One vitest run covers every package and the cross-package tests in test/.
// Packages resolve each other through the "source" export condition, so tests
// run against src/ without a build step.
import { readdirSync } from 'node:fs';
import { defineConfig, defaultClientConditions, defaultServerConditions } from 'vite';
import type { TestProjectInlineConfiguration } from 'vitest/config';

const packages = readdirSync(new URL('./packages', import.meta.url));

const resolve = {
  conditions: ['source', ...defaultClientConditions],
};
const ssr = { resolve: { conditions: ['source', ...defaultServerConditions] } };

const projects: TestProjectInlineConfiguration[] = [
  ...packages.map((name) => ({
    resolve,
    ssr,
    test: { name, root: `packages/${name}`, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
  })),
  { resolve, ssr, test: { name: 'test', root: 'test', include: ['**/*.test.ts'], testTimeout: 120_000 } },
];

export default defineConfig({
  resolve,
  ssr,
  test: { projects, passWithNoTests: false },
} as never);
