/**
 * The course site. Chapters follow the load path (chapters.ts); the typedoc API reference is mounted
 * under /api/. Build-time checks, all failing the build:
 *   - dead internal links (VitePress's own check, kept on: ignoreDeadLinks is not set);
 *   - dead source links and line anchors (plugins/source-links.ts);
 *   - kernel links not pinned to v6.18, in chapters (source-links.ts) and in the whole built site,
 *     API pages and bundles included (plugins/kernel-pin.ts, from buildEnd).
 * Page data: each chapter gets `testReport` (plugins/test-report.ts) from the latest `npm test`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';
import { chapters, EDIT_URL_PATTERN, REPO_URL } from './chapters.js';
import { browserTestsPlugin } from './plugins/browser-tests.js';
import { checkBuiltSite } from './plugins/kernel-pin.js';
import { apiCommentTextPlugin, sourceLinksPlugin } from './plugins/source-links.js';
import { allTestFiles, chapterTestReport } from './plugins/test-report.js';

const apiSidebarPath = fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url));
// One entry per package: VitePress inlines the theme config (sidebar included) into every page, and
// typedoc's full symbol tree would add tens of kB to each; each package's index lists its symbols.
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(apiSidebarPath)
  ? (JSON.parse(readFileSync(apiSidebarPath, 'utf8')) as DefaultTheme.SidebarItem[]).map(({ text, link }) => ({ text: text ?? '', link: link ?? '' }))
  : [];

const courseSidebar: DefaultTheme.SidebarItem[] = [
  {
    text: 'The load path',
    items: [
      { text: 'Overview', link: '/' },
      ...chapters.map((c, i) => ({ text: `${i + 1}. ${c.title}`, link: `/${c.slug}` })),
    ],
  },
  { text: 'Reference', items: [{ text: 'API (typedoc)', link: '/api/' }] },
];

const shim = fileURLToPath(new URL('./theme/runner/vitest-shim.ts', import.meta.url));

export default defineConfig({
  title: 'bpf-internals',
  description: 'Linux v6.18 eBPF, from bpf(BPF_PROG_LOAD) to a RISC-V JIT image, as code you can run.',
  cleanUrls: true,
  // typedoc copies files linked from comments here (chapters among them); they are not pages.
  srcExclude: ['api/_media/**'],
  // The page hash map (one entry per page, ~1000 with the API) goes into one cached chunk instead of
  // being inlined into every HTML file (~70 kB each).
  metaChunk: true,
  lastUpdated: false,
  head: [
    ['link', { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }],
    ['meta', { name: 'theme-color', content: '#e8a33d' }],
  ],
  markdown: {
    lineNumbers: false,
    theme: { light: 'github-light', dark: 'github-dark' },
    config(md) {
      md.use(sourceLinksPlugin);
      md.use(apiCommentTextPlugin);
    },
  },
  themeConfig: {
    logo: { src: '/logo.svg', alt: '' },
    nav: [
      { text: 'Course', link: '/bpf-syscall', activeMatch: '^/(?!api)' },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
      { text: 'Contributing', link: `${REPO_URL}/blob/main/CONTRIBUTING.md` },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar }, ...courseSidebar],
      '/': courseSidebar,
    },
    outline: { level: [2, 3], label: 'On this page' },
    editLink: { pattern: EDIT_URL_PATTERN, text: 'Edit this page' },
    socialLinks: [{ icon: 'github', link: REPO_URL }],
    search: { provider: 'local' },
    footer: {
      message: 'GPL-2.0-only OR BSD-2-Clause. Kernel links are pinned to Linux v6.18.',
    },
  },
  transformPageData(pageData) {
    const slug = pageData.relativePath.replace(/\.md$/, '');
    const chapter = chapters.find((c) => c.slug === slug);
    const fm = pageData.frontmatter as { tests?: string[] };
    if (!chapter && !fm.tests) return;
    const globs = fm.tests ?? chapter!.tests;
    return { testReport: chapterTestReport(globs) } as never;
  },
  buildEnd(siteConfig) {
    const errors = checkBuiltSite(siteConfig.outDir);
    if (errors.length) {
      throw new Error(`kernel links must be pinned to v6.18:\n  ${errors.slice(0, 50).join('\n  ')}`);
    }
  },
  vite: {
    resolve: {
      conditions: ['source'],
      // The chapters' test files run in the page; their `vitest` import is the in-page runner.
      alias: [{ find: /^vitest$/, replacement: shim }],
    },
    plugins: [browserTestsPlugin(allTestFiles)],
    // In docs:dev, pre-bundle what the in-page test runner imports: discovering them on the first
    // click would make Vite reload the page mid-run.
    optimizeDeps: { include: ['@vitest/expect', '@vitest/spy', 'fast-check'] },
    build: { chunkSizeWarningLimit: 2000 },
  },
});
