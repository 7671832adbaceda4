/**
 * The site's theme: VitePress's default theme, plus
 *   - every `components/*.vue` registered globally by file name, lazily (defineAsyncComponent), so a
 *     live component's code (and the packages it imports) loads only on pages that use it: the
 *     landing page stays small, and component authors only drop a file in components/;
 *   - each chapter's test panel (layout/ChapterTests.vue) after the page content, from the page's
 *     `testReport` (config.ts's transformPageData).
 */
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { defineAsyncComponent, h, type Component } from 'vue';
import './style.css';

const components = import.meta.glob<{ default: Component }>('./components/*.vue');
const ChapterTests = defineAsyncComponent(() => import('./layout/ChapterTests.vue'));

export function componentName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.vue$/, '');
}

const theme: Theme = {
  extends: DefaultTheme,
  Layout() {
    return h(DefaultTheme.Layout, null, {
      'doc-footer-before': () => h(ChapterTests),
    });
  },
  enhanceApp({ app }) {
    for (const [path, load] of Object.entries(components)) {
      app.component(componentName(path), defineAsyncComponent(load));
    }
  },
};

export default theme;
