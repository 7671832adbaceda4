/// <reference types="vite/client" />
// Types the site's TypeScript sees: .vue single-file components and the in-page test runner's
// virtual module (plugins/browser-tests.ts).
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare module 'virtual:bpf-browser-tests' {
  /** Repository-relative test file path -> lazy import of that file. */
  export const loaders: Record<string, () => Promise<unknown>>;
}
