// The site's end-to-end suite (npm run test:e2e): builds the site if it is not built, serves it and
// drives headless chromium. Separate from the root config so `npm test` needs no built site.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'e2e',
    root: new URL('.', import.meta.url).pathname,
    // *.e2e.ts, not *.test.ts: the root "test" project runs test/**/*.test.ts and must not need a browser.
    include: ['**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
