/**
 * Build-time check: every kernel source link on the site is pinned to v6.18.
 *
 * The model claims v6.18 behaviour, so a link to any other release (or to an unpinned "latest" or a
 * branch) would send a reader to code that may differ from what the model does. Two link shapes are
 * checked: elixir.bootlin.com/linux/<ver>/source/... and github.com/torvalds/linux/blob/<ver>/...
 * The markdown plugin checks chapter links as they are parsed (error names the page); buildEnd scans
 * the whole built site, which also covers the typedoc API pages and the components.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KERNEL_TAG } from '../chapters.js';

const KERNEL_LINK_RE = /(?:elixir\.bootlin\.com\/linux|github\.com\/torvalds\/linux\/(?:blob|tree))\/([^/\s"'<>)#?]+)/g;

/** The unpinned kernel links in a piece of text, as `{ link, version }`. */
export function findUnpinnedKernelLinks(text: string): { link: string; version: string }[] {
  const bad: { link: string; version: string }[] = [];
  for (const m of text.matchAll(KERNEL_LINK_RE)) {
    if (m[1] !== KERNEL_TAG) {
      const end = text.slice(m.index).search(/[\s"'<>)]/);
      bad.push({ link: text.slice(m.index, end < 0 ? undefined : m.index + end), version: m[1]! });
    }
  }
  return bad;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(html|js|json)$/.test(name)) out.push(p);
  }
  return out;
}

/** Scan a built site; returns one message per unpinned link (empty when all are pinned). */
export function checkBuiltSite(outDir: string): string[] {
  const errors: string[] = [];
  for (const file of walk(outDir)) {
    for (const { link, version } of findUnpinnedKernelLinks(readFileSync(file, 'utf8'))) {
      errors.push(`${relative(outDir, file)}: kernel link pinned to "${version}", not ${KERNEL_TAG}: ${link}`);
    }
  }
  return errors;
}
