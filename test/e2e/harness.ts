/**
 * End-to-end harness for the site: serve the built site (docs/.vitepress/dist) on 127.0.0.1 with a
 * tiny static server that mirrors VitePress's clean URLs, and launch Debian's headless chromium
 * through playwright-core. Where chromium is missing or cannot start, `launchChromium` returns the
 * reason instead, and the suite skips with that one line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = new URL('../../', import.meta.url).pathname;
/** The built site; SITE_DIST points elsewhere (e.g. a private build while others build docs/). */
export const DIST = process.env.SITE_DIST || join(ROOT, 'docs/.vitepress/dist');
export const ARTIFACTS = join(ROOT, 'test-results/e2e');

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Flags for a machine without network: no background traffic, no first-run UI, no sandbox (root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain',
};

/** The file a URL path maps to, with VitePress's cleanUrls: /x -> x.html, /dir/ -> dir/index.html. */
export function fileFor(dist: string, urlPath: string): string | null {
  const p = normalize(decodeURIComponent(urlPath.split(/[?#]/)[0]!)).replace(/^(\.\.[/\\])+/, '');
  const candidates = p.endsWith('/') ? [join(dist, p, 'index.html')] : [join(dist, p), join(dist, `${p}.html`), join(dist, p, 'index.html')];
  return candidates.find((c) => c.startsWith(dist) && existsSync(c) && statSync(c).isFile()) ?? null;
}

export interface Served {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

/** Serve `dist` on 127.0.0.1, on a free port. */
export async function serve(dist = DIST): Promise<Served> {
  const server = createServer((req, res) => {
    const file = fileFor(dist, req.url ?? '/');
    if (!file) {
      const nf = join(dist, '404.html');
      res.writeHead(404, { 'content-type': TYPES['.html']! });
      res.end(existsSync(nf) ? readFileSync(nf) : 'not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}

/** Launch headless chromium, or say why not. */
export async function launchChromium(): Promise<{ browser: Browser | null; reason: string }> {
  const executablePath = process.env.CHROMIUM_PATH ?? CHROMIUM_PATHS.find((p) => existsSync(p));
  if (!executablePath) {
    return { browser: null, reason: 'site e2e skipped: no chromium found (npm run setup:tools installs Debian\'s chromium)' };
  }
  try {
    // playwright gives each launch a fresh temporary profile (--user-data-dir), removed on close.
    const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    return { browser, reason: '' };
  } catch (e) {
    return { browser: null, reason: `site e2e skipped: chromium at ${executablePath} did not start: ${String(e).split('\n')[0]}` };
  }
}
