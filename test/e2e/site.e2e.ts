/**
 * The site in a real browser: every chapter and the API reference render without a console error,
 * the landing diagram links every chapter, each live component present on a page does its job
 * (data-testid contract in docs/.vitepress/theme/components/README.md), state survives a reload via
 * the URL, the in-page test runner reproduces npm test, and a sample of links resolves.
 * Screenshots: test-results/e2e/*.png.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chapters, KERNEL_TAG, REPO_BLOB_URL } from '../../docs/.vitepress/chapters.js';
import { ARTIFACTS, DIST, fileFor, launchChromium, ROOT, serve, type Served } from './harness.js';

if (!existsSync(join(DIST, 'index.html')) || process.env.E2E_REBUILD) {
  execSync('npm run docs:build', { cwd: ROOT, stdio: 'inherit' });
}
mkdirSync(ARTIFACTS, { recursive: true });

const { browser, reason } = await launchChromium();
let site: Served;
let b: Browser;

beforeAll(async () => {
  site = await serve();
  if (browser) b = browser;
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

interface Visit {
  page: Page;
  errors: string[];
}

async function visit(path: string): Promise<Visit> {
  const page = await b.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  const res = await page.goto(site.url + path, { waitUntil: 'networkidle' });
  expect(res?.status(), `${path} status`).toBe(200);
  // VitePress hydrates after load; the theme marks nothing, so wait for Vue's app instance.
  await page.waitForFunction(() => (document.querySelector('#app') as unknown as { __vue_app__?: unknown })?.__vue_app__ !== undefined);
  return { page, errors };
}

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

const chapterPaths = chapters.map((c) => `/${c.slug}`);
const packages = ['uapi', 'maps', 'core', 'verifier', 'jit-riscv', 'syscall', 'loader'];

describe.skipIf(!browser)('the site in headless chromium', () => {
  it('the landing page draws the load path with one link per chapter, and a box opens its chapter', async () => {
    const { page, errors } = await visit('/');
    const boxes = await page.$$eval('[data-testid="load-path"] a', (as) => as.map((a) => a.getAttribute('href')));
    expect(boxes.sort()).toEqual(chapterPaths.slice().sort());
    await shot(page, 'index');
    await page.click('[data-testid="load-path"] a[data-chapter="verifier"]');
    await page.waitForURL(/\/verifier$/);
    // The router changes the URL before the new page renders: wait for its heading.
    await page.locator('h1', { hasText: 'verifier' }).first().waitFor({ timeout: 10_000 });
    expect(await page.locator('h1').first().textContent()).toContain('verifier');
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each(chapters.map((c) => [c.slug, c.title] as const))('chapter %s renders with its edit link and test panel, no console error', async (slug) => {
    const { page, errors } = await visit(`/${slug}`);
    expect(await page.locator('h1').count()).toBeGreaterThan(0);
    const edit = await page.getAttribute('.edit-link a', 'href');
    expect(edit).toMatch(new RegExp(`/edit/main/docs/${slug}\\.md$`));
    await page.locator('[data-testid="chapter-tests"]').waitFor();
    // Every source link carries a line anchor when it names a function, every kernel link is v6.18.
    const hrefs = await page.$$eval('.vp-doc a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const h of hrefs) {
      if (/elixir\.bootlin\.com\/linux\//.test(h)) expect(h).toContain(`/linux/${KERNEL_TAG}/`);
      if (h.startsWith(REPO_BLOB_URL)) expect(h).toMatch(/^https:\/\/github\.com\/[^#]+\.[a-z]+(#L\d+)?$/);
    }
    await shot(page, `chapter-${slug}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each(['/api/', ...packages.map((p) => `/api/@bpf-internals/${p}/`)])('API reference page %s renders', async (path) => {
    const { page, errors } = await visit(path);
    expect(await page.locator('.vp-doc').count()).toBe(1);
    if (path === '/api/@bpf-internals/uapi/') await shot(page, 'api-uapi');
    expect(errors).toEqual([]);
    await page.close();
  });

  const exercised: string[] = [];
  it.each(chapterPaths)('every live component on %s runs and shows output (data-testid contract)', async (path) => {
    const { page, errors } = await visit(path);
    const ids = await page.$$eval('.vp-doc [data-testid^="live-"]', (els) => els.map((e) => e.getAttribute('data-testid')!));
    const problems: string[] = [];
    for (const [i, id] of ids.entries()) {
      if (id === 'live-chapter-tests') continue; // its own test below
      const root = page.locator(`.vp-doc [data-testid="${id}"]`).nth(ids.slice(0, i).filter((x) => x === id).length);
      try {
        await root.scrollIntoViewIfNeeded();
        const run = root.locator('[data-testid="run"]');
        if (await run.count()) await run.first().click();
        // "output", or a component-prefixed "<x>-output" (JitView's "jit-output"): both are accepted.
        const out = root.locator('[data-testid="output"], [data-testid$="-output"]').first();
        await out.waitFor({ state: 'attached', timeout: 15_000 });
        await page.waitForFunction((el) => (el?.textContent ?? '').trim().length > 0, await out.elementHandle(), { timeout: 15_000 });
        const want = await root.getAttribute('data-e2e-expect');
        if (want) await expect.poll(() => out.textContent(), { timeout: 15_000, message: `output should match /${want}/` }).toMatch(new RegExp(want));
        await root.screenshot({ path: join(ARTIFACTS, `live${path.replace(/\//g, '-')}-${id}-${i}.png`) });
        exercised.push(`${path} ${id}`);
      } catch (e) {
        problems.push(`${id}: ${String(e).split('\n')[0]}`);
      }
    }
    expect(problems, `live components on ${path}`).toEqual([]);
    expect(errors, `console errors on ${path}`).toEqual([]);
    await page.close();
  });
  afterAll(() => {
    console.log(`live components exercised: ${exercised.length ? exercised.join(', ') : 'none'}`);
  });

  it('the attr encoder shows 168 bytes, encodes map_type, and keeps its state in the URL', async () => {
    const { page, errors } = await visit('/bpf-syscall');
    const enc = page.locator('[data-testid="live-attr-encoder"]');
    await enc.waitFor();
    await enc.scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="live-attr-encoder"] [data-byte]');
    expect(await enc.locator('[data-byte]').count()).toBe(168);
    await enc.locator('[data-field="max_entries"] input').fill('4096');
    // max_entries is at offset 12, little-endian: 00 10 00 00.
    await expect.poll(() => enc.locator('[data-byte="13"]').textContent()).toBe('10');
    await page.waitForFunction(() => new URL(location.href).searchParams.has('attr'));
    const shared = page.url();
    await page.goto(shared, { waitUntil: 'networkidle' });
    await page.waitForSelector('[data-testid="live-attr-encoder"] [data-byte]');
    await expect.poll(() => page.inputValue('[data-testid="live-attr-encoder"] [data-field="max_entries"] input')).toBe('4096');
    expect(await page.locator('[data-testid="live-attr-encoder"] [data-byte="13"]').textContent()).toBe('10');
    await enc.screenshot({ path: join(ARTIFACTS, 'live-attr-encoder.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the program editor runs the default program once after loading it and shows r0-r10 after each executed instruction', async () => {
    const { page, errors } = await visit('/prog-load');
    const pl = page.locator('[data-testid="live-prog-load"]').first();
    await pl.scrollIntoViewIfNeeded();
    await pl.locator('[data-testid="run"]').click();
    const rows = pl.locator('[data-testid="reg-table"] tbody tr');
    await rows.first().waitFor({ timeout: 15_000 });
    // The default program is "r0 = 0; exit": two executed instructions, r0 = 0x0 after the first.
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    expect(await rows.first().locator('td').nth(1).textContent()).toBe('0: (b7) r0 = 0');
    expect(await rows.first().locator('td').nth(2).textContent()).toBe('0x0');
    expect(await pl.locator('[data-testid="reg-table"] thead th').allTextContents()).toEqual(
      expect.arrayContaining(['r0', 'r1', 'r10']),
    );
    await pl.screenshot({ path: join(ARTIFACTS, 'live-prog-load-registers.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each(chapters.map((c) => c.slug))('the %s button runs its chapter\'s tests in the page and they pass as in npm test', async (slug) => {
    const { page, errors } = await visit(`/${slug}`);
    const panel = page.locator('[data-testid="live-chapter-tests"]');
    await panel.scrollIntoViewIfNeeded();
    const run = panel.locator('[data-testid="run"]');
    if (await run.isDisabled()) {
      console.log(`${slug}: no browser-runnable test files`);
      await page.close();
      return;
    }
    await run.click();
    const summary = panel.locator('[data-testid="browser-test-summary"]');
    await summary.waitFor({ timeout: 90_000 });
    const text = (await summary.textContent()) ?? '';
    console.log(`${slug} in-page tests: ${text.trim()}`);
    await panel.screenshot({ path: join(ARTIFACTS, `chapter-tests-${slug}.png`) });
    const [, passed, failed] = /(\d+) passed, (\d+) failed/.exec(text) ?? [];
    expect(Number(passed)).toBeGreaterThan(0);
    expect(Number(failed), (await panel.locator('li.failed').allTextContents()).join('\n').slice(0, 2000)).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a sample of internal links from every chapter resolves in the built site', async () => {
    const { page } = await visit('/');
    const dead: string[] = [];
    let checked = 0;
    for (const path of chapterPaths) {
      await page.goto(site.url + path, { waitUntil: 'domcontentloaded' });
      const links = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
      const internal = [...new Set(links.filter((h) => h.startsWith(site.url)).map((h) => new URL(h).pathname))];
      for (const p of internal.filter((_, i) => i % 3 === 0).slice(0, 15)) {
        checked++;
        if (!fileFor(DIST, p)) dead.push(`${path} -> ${p}`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(dead).toEqual([]);
    await page.close();
  });

  it('the landing page loads under 500 kB of JavaScript before any live component is used', async () => {
    const page = await b.newPage();
    const js: number[] = [];
    page.on('response', async (r) => {
      if (r.url().endsWith('.js')) js.push((await r.body().catch(() => Buffer.alloc(0))).length);
    });
    await page.goto(`${site.url}/`, { waitUntil: 'networkidle' });
    const total = js.reduce((a, n) => a + n, 0);
    console.log(`landing page JavaScript: ${(total / 1024).toFixed(1)} kB in ${js.length} files`);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(500 * 1024);
    await page.close();
  });

  it('dark mode switches the palette and the diagram stays readable', async () => {
    const { page, errors } = await visit('/');
    await page.evaluate(() => {
      localStorage.setItem('vitepress-theme-appearance', 'dark');
    });
    await page.reload({ waitUntil: 'networkidle' });
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    const bg = await page.$eval('[data-testid="load-path"] .lp-box', (r) => getComputedStyle(r).backgroundColor);
    expect(bg).toBe('rgb(31, 28, 23)');
    await shot(page, 'index-dark');
    expect(errors).toEqual([]);
    await page.close();
  });
});

// Where chromium cannot run, the whole suite is this one line.
if (!browser) {
  describe('the site in headless chromium', () => {
    it.skip(reason, () => {});
  });
}
