/**
 * "Runs tests inline", browser half: a Vite virtual module `virtual:bpf-browser-tests` that maps each
 * browser-runnable test file of the repository to a lazy import of it. The files are the very ones
 * `npm test` runs; in the site bundle their `import ... from 'vitest'` resolves to a small in-page
 * runner (theme/runner/vitest-shim.ts) built on vitest's own `expect` (@vitest/expect + chai).
 *
 * A test file is Node-only when it (or a local module it imports) uses a Node API or the host bpf()
 * oracle; those are listed on the page with the reason and run only in `npm test`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './source-links.js';

const NODE_IMPORT_RE =
  /(?:from\s+|import\s*\(\s*|import\s+)['"](node:[^'"]+|fs|fs\/promises|path|os|url|module|child_process|worker_threads|crypto|util|stream|koffi|playwright-core|tsx[^'"]*)['"]/;
// Buffer is not here: the page installs a small Buffer (theme/runner/buffer-shim.ts) for hex fixtures.
const NODE_GLOBAL_RE = /\b(?:process\.(?:env|platform|arch|cwd|argv|version|hrtime|memoryUsage)|__dirname|__filename|require\()/;
const LOCAL_IMPORT_RE = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

const memo = new Map<string, string>();

/** Why `path` (from the repository root) cannot run in a browser, or '' when it can. */
export function nodeOnlyReason(path: string, seen = new Set<string>()): string {
  if (memo.has(path)) return memo.get(path)!;
  if (seen.has(path)) return '';
  seen.add(path);
  const abs = join(REPO_ROOT, path);
  let why = '';
  if (!existsSync(abs)) why = '';
  else {
    const src = readFileSync(abs, 'utf8');
    const imp = NODE_IMPORT_RE.exec(src);
    const glob = NODE_GLOBAL_RE.exec(src);
    if (imp) why = `imports ${imp[1]}`;
    else if (glob) why = `uses ${glob[0].replace(/[.(]$/, '')}`;
    else if (/\bvi\.(?:mock|hoisted|doMock)\(/.test(src)) why = 'uses vi.mock';
    else {
      for (const m of src.matchAll(LOCAL_IMPORT_RE)) {
        const spec = resolve(dirname(abs), m[1]!);
        const dep = [spec.replace(/\.js$/, '.ts'), spec, `${spec}.ts`, join(spec, 'index.ts')].find((c) => existsSync(c) && !statSync(c).isDirectory());
        if (!dep) {
          // A half-written file must not break the site build: run it only in npm test.
          why = `imports ${m[1]}, which does not exist`;
          break;
        }
        if (!dep.endsWith('.ts')) continue;
        const depWhy = nodeOnlyReason(relative(REPO_ROOT, dep), seen);
        if (depWhy) {
          why = `${depWhy} (via ${m[1]})`;
          break;
        }
      }
    }
  }
  memo.set(path, why);
  return why;
}

export const VIRTUAL_ID = 'virtual:bpf-browser-tests';

/** The virtual module; `files` lists candidate test files (repository-relative). */
/** A Vite plugin (typed structurally: VitePress bundles its own Vite major). */
export interface VirtualModulePlugin {
  name: string;
  resolveId(id: string): string | undefined;
  load(id: string): string | undefined;
}

export function browserTestsPlugin(files: () => string[]): VirtualModulePlugin {
  return {
    name: 'bpf-browser-tests',
    resolveId(id) {
      return id === VIRTUAL_ID ? `\0${VIRTUAL_ID}` : undefined;
    },
    load(id) {
      if (id !== `\0${VIRTUAL_ID}`) return undefined;
      memo.clear();
      const entries = files()
        .filter((f) => !nodeOnlyReason(f))
        .map((f) => `  ${JSON.stringify(f)}: () => import(${JSON.stringify(join(REPO_ROOT, f))}),`);
      return `export const loaders = {\n${entries.join('\n')}\n};\n`;
    },
  };
}
