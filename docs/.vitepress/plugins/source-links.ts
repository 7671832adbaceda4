/**
 * markdown-it plugin: links from a chapter to this repository's source become links to the
 * repository view of that file, with a line anchor computed at build time; and every kernel link in
 * a chapter must be pinned to v6.18.
 *
 *   [`htab_map_update_elem`](../packages/maps/src/hashtab.ts#htab_map_update_elem)
 *     -> https://github.com/bpf-internals/bpf-internals/blob/main/packages/maps/src/hashtab.ts#L212
 *
 * The anchor names a declaration (function, const, class, interface, type, enum, method) or a
 * `// #region name` marker; the line is looked up in the file when the page is built, so a link never
 * points at a stale line. A missing file or an anchor that matches nothing fails the build, exactly
 * like VitePress's own dead-link check for pages. `#L12` anchors are passed through (file must exist).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';
import { KERNEL_TAG, REPO_BLOB_URL } from '../chapters.js';
import { findUnpinnedKernelLinks } from './kernel-pin.js';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../../..');

const cache = new Map<string, { mtime: number; lines: string[] }>();
function linesOf(file: string): string[] {
  const mtime = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit && hit.mtime === mtime) return hit.lines;
  const lines = readFileSync(file, 'utf8').split('\n');
  cache.set(file, { mtime, lines });
  return lines;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 1-based line where `name` is declared in `file`, or 0. Declarations win over regions. */
export function findDeclarationLine(file: string, name: string): number {
  const n = escapeRe(name);
  const patterns = [
    new RegExp(`^\\s*(?:export\\s+)?(?:default\\s+)?(?:async\\s+)?function\\*?\\s+${n}\\s*[<(]`),
    new RegExp(`^\\s*(?:export\\s+)?(?:declare\\s+)?(?:const|let|var)\\s+${n}\\b`),
    new RegExp(`^\\s*(?:export\\s+)?(?:default\\s+)?(?:abstract\\s+)?class\\s+${n}\\b`),
    new RegExp(`^\\s*(?:export\\s+)?(?:declare\\s+)?(?:interface|type|enum|const\\s+enum)\\s+${n}\\b`),
    new RegExp(`^\\s*(?://|#)\\s*#region\\s+${n}\\s*$`),
    new RegExp(`^\\s+(?:(?:public|private|protected|static|readonly|async|override)\\s+)*${n}\\s*[<(]`),
    new RegExp(`^\\s+(?:readonly\\s+)?${n}\\??\\s*:`),
  ];
  const lines = linesOf(file);
  for (const re of patterns) {
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) return i + 1;
  }
  return 0;
}

export interface ResolvedSourceLink {
  url: string;
  /** Path from the repository root. */
  path: string;
  line: number;
}

/**
 * Resolve a relative link from a page (absolute path `pagePath`) to a repository file.
 * Returns null when the link is not a source link (page links, external URLs, anchors), a
 * ResolvedSourceLink when it resolves, or throws with the reason when it is dead.
 */
export function resolveSourceLink(href: string, pagePath: string): ResolvedSourceLink | null {
  if (/^(?:[a-z]+:|\/\/|#|\/)/i.test(href)) return null;
  const [rawPath = '', hash = ''] = href.split('#', 2) as [string, string?];
  if (rawPath === '' || /\.(?:md|html)$/.test(rawPath) || !/\.[a-z0-9]+$/i.test(rawPath)) return null;
  const abs = resolve(dirname(pagePath), decodeURI(rawPath));
  const path = relative(REPO_ROOT, abs);
  // Links into docs/public are assets that VitePress serves itself.
  if (path.startsWith('..') || path.startsWith('docs/')) return null;
  if (!existsSync(abs)) throw new Error(`dead source link "${href}": ${path} does not exist`);
  let line = 0;
  if (/^L\d+$/.test(hash)) line = Number(hash.slice(1));
  else if (hash) {
    line = findDeclarationLine(abs, decodeURIComponent(hash));
    if (!line) throw new Error(`dead source link "${href}": no declaration or #region named "${hash}" in ${path}`);
  }
  return { url: `${REPO_BLOB_URL}/${path}${line ? `#L${line}` : ''}`, path, line };
}

type Token = ReturnType<MarkdownRenderer['parse']>[number];

const API_KINDS = ['functions', 'variables', 'classes', 'interfaces', 'type-aliases', 'enumerations'];

/**
 * The typedoc page (URL) of symbol `name` exported by the package that `path` belongs to, when
 * typedoc generated one (docs/api is built before the site by `npm run docs:api`); else ''.
 */
export function apiPageFor(path: string, name: string, docsDir = resolve(REPO_ROOT, 'docs')): string {
  const pkg = /^packages\/([^/]+)\/src\//.exec(path)?.[1];
  if (!pkg || !/^[\w$]+$/.test(name)) return '';
  for (const kind of API_KINDS) {
    const rel = `api/@bpf-internals/${pkg}/${kind}/${name}`;
    if (existsSync(resolve(docsDir, `${rel}.md`))) return `/${rel}`;
  }
  return '';
}

export function sourceLinksPlugin(md: MarkdownRenderer): void {
  md.core.ruler.push('bpf_source_links', (state) => {
    const env = state.env as { path?: string; relativePath?: string };
    const page = env.path ?? '';
    const errors: string[] = [];
    const visit = (tokens: Token[] | null): void => {
      const list = tokens ?? [];
      for (let i = 0; i < list.length; i++) {
        const t = list[i]!;
        if (t.type === 'link_open') {
          const href = t.attrGet('href') ?? '';
          for (const { link, version } of findUnpinnedKernelLinks(href)) {
            errors.push(`kernel link pinned to "${version}", not ${KERNEL_TAG}: ${link}`);
          }
          try {
            const r = page ? resolveSourceLink(href, page) : null;
            if (r) {
              t.attrSet('href', r.url);
              t.attrSet('title', `${r.path}${r.line ? `:${r.line}` : ''} in this repository`);
              t.attrSet('class', 'source-link');
              // Cross-link the typedoc page of an exported symbol, right after the link.
              const api = apiPageFor(r.path, href.split('#')[1] ?? '');
              const close = list.findIndex((x, j) => j > i && x.type === 'link_close');
              if (api && close > 0) {
                const tok = new state.Token('html_inline', '', 0);
                tok.content = `<a class="api-link" href="${api}" title="API reference">api</a>`;
                list.splice(close + 1, 0, tok);
              }
            }
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
        if (t.type === 'html_inline' || t.type === 'html_block' || t.type === 'text') {
          for (const { link, version } of findUnpinnedKernelLinks(t.content)) {
            errors.push(`kernel link pinned to "${version}", not ${KERNEL_TAG}: ${link}`);
          }
        }
        visit(t.children);
      }
    };
    visit(state.tokens);
    if (errors.length) {
      throw new Error(`docs/${env.relativePath ?? '?'}:\n  ${errors.join('\n  ')}`);
    }
  });
}

/** HTML tags typedoc's markdown legitimately emits; anything else in an API page is comment text. */
const API_HTML_TAGS = new Set(['a', 'br', 'code', 'strong', 'em', 'b', 'i', 'sup', 'sub', 'p', 'div', 'span', 'table', 'thead', 'tbody', 'tr', 'td', 'th', 'ul', 'ol', 'li', 'pre', 'details', 'summary', 'blockquote', 'hr', 'img', 'kbd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/**
 * The API pages are typedoc's rendering of doc comments, and kernel prose is full of angle brackets
 * (`/proc/<pid>/fdinfo`, `<linux/bpf.h>`) that Vue's template compiler would take for unclosed
 * elements and fail the build on. In pages under api/, an inline or block "HTML" token whose tags are
 * not real HTML is turned back into text.
 */
export function apiCommentTextPlugin(md: MarkdownRenderer): void {
  md.core.ruler.push('bpf_api_comment_text', (state) => {
    const env = state.env as { relativePath?: string };
    if (!env.relativePath?.startsWith('api/')) return;
    const isReal = (html: string): boolean =>
      [...html.matchAll(/<\/?([A-Za-z][\w-]*)/g)].every((m) => API_HTML_TAGS.has(m[1]!.toLowerCase()));
    const visit = (tokens: Token[] | null): void => {
      for (const t of tokens ?? []) {
        // typedoc copies a chapter linked from a package comment into api/_media/; link the chapter.
        const href = t.type === 'link_open' ? t.attrGet('href') : null;
        const media = href ? /(?:^|\/)_media\/([\w-]+)\.md(#.*)?$/.exec(href) : null;
        if (media && existsSync(resolve(REPO_ROOT, 'docs', `${media[1]}.md`))) t.attrSet('href', `/${media[1]}${media[2] ?? ''}`);
        if ((t.type === 'html_inline' || t.type === 'html_block') && !isReal(t.content)) {
          if (t.type === 'html_block') {
            t.type = 'paragraph_text';
            t.tag = '';
          } else t.type = 'text';
        }
        visit(t.children);
      }
    };
    visit(state.tokens);
  });
  // A demoted html_block renders as escaped text in its own paragraph.
  md.renderer.rules.paragraph_text = (tokens, idx) => `<p>${md.utils.escapeHtml(tokens[idx]!.content)}</p>\n`;
}
