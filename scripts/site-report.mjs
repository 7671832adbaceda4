#!/usr/bin/env node
/* global window, document */
// site-report: the built site's size, and the landing page's JavaScript bytes and time to interactive
// measured in headless chromium (npm run site:report; needs `npm run docs:build` first).
//
//   pages            HTML pages in docs/.vitepress/dist
//   site size        every file in dist, and the JS/CSS/HTML split
//   landing JS       bytes of JavaScript the landing page loads before any live component is used
//                    (decoded, i.e. what the browser parses; budget 500 kB, exit 1 when over)
//   FCP / TTI        first contentful paint; time to interactive = when the page is hydrated, the
//                    network is idle and the last long task (>50 ms) has ended. Median of 5 loads,
//                    no CPU or network throttling, served from 127.0.0.1.
//
// Options: --json prints one JSON object; --runs=N changes the number of loads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = process.env.SITE_DIST || join(ROOT, 'docs/.vitepress/dist'); // SITE_DIST: another build dir
const BUDGET = 500 * 1024;
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);

if (!existsSync(join(DIST, 'index.html'))) {
  console.error('site-report: no built site at docs/.vitepress/dist; run npm run docs:build first');
  process.exit(1);
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
const files = walk(DIST);
const size = { total: 0, js: 0, css: 0, html: 0, other: 0 };
for (const f of files) {
  const n = statSync(f).size;
  size.total += n;
  const ext = extname(f);
  if (ext === '.js') size.js += n;
  else if (ext === '.css') size.css += n;
  else if (ext === '.html') size.html += n;
  else size.other += n;
}
const pages = files.filter((f) => f.endsWith('.html') && !f.endsWith('404.html')).length;

// A static server with VitePress's clean URLs, on 127.0.0.1 only.
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };
function fileFor(urlPath) {
  const p = normalize(decodeURIComponent(urlPath.split(/[?#]/)[0])).replace(/^(\.\.[/\\])+/, '');
  const c = p.endsWith('/') ? [join(DIST, p, 'index.html')] : [join(DIST, p), join(DIST, `${p}.html`), join(DIST, p, 'index.html')];
  return c.find((x) => x.startsWith(DIST) && existsSync(x) && statSync(x).isFile()) ?? null;
}
const server = createServer((req, res) => {
  const f = fileFor(req.url ?? '/');
  if (!f) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(f)] ?? 'application/octet-stream' });
  res.end(readFileSync(f));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const result = { pages, files: files.length, size, landing: null, budget: BUDGET, skipped: '' };
const exe = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
let browser = null;
if (!exe) result.skipped = 'no chromium (npm run setup:tools installs it): landing JS and TTI not measured';
else {
  try {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: exe,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  } catch (e) {
    result.skipped = `chromium did not start: ${String(e).split('\n')[0]}`;
  }
}

if (browser) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext(); // fresh cache every load
    const page = await ctx.newPage();
    const js = new Map();
    page.on('response', async (r) => {
      if (r.request().resourceType() === 'script' || r.url().endsWith('.js')) {
        try {
          js.set(r.url(), (await r.body()).length);
        } catch {
          /* aborted */
        }
      }
    });
    await page.addInitScript(() => {
      window.__longTaskEnd = 0;
      try {
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) window.__longTaskEnd = Math.max(window.__longTaskEnd, e.startTime + e.duration);
        }).observe({ type: 'longtask', buffered: true });
      } catch {
        /* no longtask support */
      }
    });
    await page.goto(base + '/', { waitUntil: 'networkidle' });
    await page.waitForFunction(() => document.querySelector('#app')?.__vue_app__ !== undefined);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
      const lastScript = Math.max(0, ...performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js')).map((r) => r.responseEnd));
      return { fcp, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, lastScript, longTaskEnd: window.__longTaskEnd };
    });
    const tti = Math.max(t.dcl, t.lastScript, t.longTaskEnd);
    samples.push({ jsBytes: [...js.values()].reduce((a, b) => a + b, 0), scripts: js.size, fcp: t.fcp, tti, load: t.load });
    await ctx.close();
  }
  await browser.close();
  const med = (k) => samples.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  result.landing = { runs, jsBytes: med('jsBytes'), scripts: med('scripts'), fcpMs: Math.round(med('fcp')), ttiMs: Math.round(med('tti')), loadMs: Math.round(med('load')) };
}
server.close();

const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
if (asJson) console.log(JSON.stringify(result));
else {
  console.log(`site: ${pages} pages, ${files.length} files, ${kB(size.total)} (JS ${kB(size.js)}, CSS ${kB(size.css)}, HTML ${kB(size.html)}, other ${kB(size.other)})`);
  if (result.landing) {
    const l = result.landing;
    console.log(`landing page: ${kB(l.jsBytes)} of JavaScript in ${l.scripts} scripts before any live component (budget ${kB(BUDGET)}: ${l.jsBytes <= BUDGET ? 'ok' : 'OVER'})`);
    console.log(`landing page: first contentful paint ${l.fcpMs} ms, time to interactive ${l.ttiMs} ms, load ${l.loadMs} ms (median of ${l.runs}, headless chromium, 127.0.0.1, no throttling)`);
  } else console.log(`landing page: ${result.skipped}`);
}
process.exit(result.landing && result.landing.jsBytes > BUDGET ? 1 : 0);
