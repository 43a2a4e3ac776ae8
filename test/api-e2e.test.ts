import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { listen } from '@opensoc/api';
import { createTestApi, type TestApi } from './support/seed-leaderboard.ts';
import { repoRoot } from './support/services.ts';

/**
 * The reviewers' pages in a real headless Chromium: the app served on loopback,
 * the leaderboard sorted by a column, a run opened, its confusion matrix drawn.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = path.join(repoRoot, '.opensoc', 'screenshots');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`api-e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!hasChromium)('reviewer pages in headless Chromium', () => {
  let t: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;
  let ctx: BrowserContext;
  const profile = mkdtempSync(path.join(tmpdir(), 'opensoc-chromium-'));

  beforeAll(async () => {
    t = await createTestApi('apie2e');
    server = await listen(t.app, { port: 0, hostname: '127.0.0.1' });
    mkdirSync(shots, { recursive: true });
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });
  });
  afterAll(async () => {
    await ctx?.close();
    await server?.close();
    await t?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('sorts the leaderboard, follows a run link and renders the confusion matrix', async () => {
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${server.url}/`);
    await page.click('nav >> text=Leaderboard');
    await page.waitForURL(/\/leaderboard/);
    // It opens on one task (threat category); the task switcher changes it.
    expect(await page.locator('#leaderboard tbody tr').count()).toBe(12);
    expect(await page.locator('nav.tabs a[aria-current="page"]').textContent()).toBe('Threat category');
    await page.click('nav.tabs >> text=Severity');
    await page.waitForURL(/task=severity/);
    expect(await page.locator('#leaderboard tbody tr').count()).toBe(12);

    // Back to threat category, then sort by macro-F1 via its column link.
    await page.click('nav.tabs >> text=Threat category');
    await page.waitForURL(/task=threatCategory/);
    expect(await page.locator('#leaderboard tbody tr').count()).toBe(12);
    await page.click('a[data-sort="macroF1"]');
    await page.waitForURL(/sort=macroF1/);
    expect(page.url()).toContain('task=threatCategory');
    const f1 = (await page.locator('#leaderboard tbody td.macro-f1').allTextContents()).map(Number);
    expect(f1.length).toBe(12);
    expect(f1).toEqual([...f1].sort((a, b) => b - a));
    expect(await page.locator('#leaderboard th[aria-sort="descending"]').count()).toBe(1);
    await page.screenshot({ path: path.join(shots, 'leaderboard.png'), fullPage: true });

    // Click the heading again: ascending.
    await page.click('a[data-sort="macroF1"]');
    await page.waitForURL(/order=asc/);
    const asc = (await page.locator('#leaderboard tbody td.macro-f1').allTextContents()).map(Number);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));

    // Follow the best run.
    await page.goto(`${server.url}/leaderboard?task=threatCategory`);
    await page.locator('a.run-link').first().click();
    await page.waitForURL(/\/runs\//);
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/runs/${t.seeded.bestRunId}`);
    const heatmap = page.locator('#confusion svg.heatmap').first();
    await heatmap.waitFor();
    expect(await heatmap.getAttribute('role')).toBe('img');
    expect(await heatmap.getAttribute('aria-label')).toContain('Confusion matrix');
    expect(await page.locator('#confusion svg.heatmap').first().locator('g.cell rect').count()).toBe(25);
    const box = await heatmap.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(await page.locator('#loss svg polyline').count()).toBe(3);
    expect(await page.locator('#artifacts a[href*="X-Amz-Signature"]').count()).toBe(6);
    await page.screenshot({ path: path.join(shots, 'run.png'), fullPage: true });

    await page.goto(`${server.url}/sweeps/${t.seeded.sweepId}`);
    expect(await page.locator('svg.heatmap g.cell').count()).toBe(9);
    await page.screenshot({ path: path.join(shots, 'sweep.png'), fullPage: true });

    await page.goto(`${server.url}/compare`);
    await page.fill('input[name="a"]', t.seeded.bestRunId);
    await page.fill('input[name="b"]', t.seeded.bestBaselineRunId);
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/\/compare\?/);
    expect(await page.locator('#comparisons tbody tr').count()).toBe(2);
    await page.screenshot({ path: path.join(shots, 'compare.png'), fullPage: true });

    // At 1280 px the entry, accuracy and both significance columns are on screen; the rest scrolls.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.url}/leaderboard`);
    for (const heading of ['Entry', 'Accuracy', 'p vs best baseline', 'p vs top']) {
      const box = await page.locator('#leaderboard thead th', { hasText: heading }).first().boundingBox();
      expect(box, heading).not.toBeNull();
      expect(box!.x + box!.width, heading).toBeLessThanOrEqual(1280);
    }
    await page.screenshot({ path: path.join(shots, 'leaderboard-1280.png') });
    // Scrolled to its right end, the entry column stays in view.
    await page.locator('.scroll').evaluate((el) => { el.scrollLeft = el.scrollWidth; });
    const entry = await page.locator('#leaderboard tbody th.entry').first().boundingBox();
    expect(entry!.x).toBeGreaterThanOrEqual(0);
    expect(entry!.x).toBeLessThan(100);
    await page.screenshot({ path: path.join(shots, 'leaderboard-1280-scrolled.png') });
    await page.setViewportSize({ width: 1400, height: 900 });

    await page.goto(`${server.url}/datasets/corpus/versions/latest`);
    await page.screenshot({ path: path.join(shots, 'dataset.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(existsSync(path.join(shots, 'run.png'))).toBe(true);
  });

  it('marks better (★), worse (▼) and ties (no mark) by direction, and flags below-majority rows', async () => {
    const page = await ctx.newPage();
    const row = (label: string) => page.locator('#leaderboard tbody tr').filter({ has: page.locator(`a.run-link:text-is("${label}")`) });
    for (const url of [`${server.url}/leaderboard?task=threatCategory`, `${server.url}/sweeps/${t.seeded.sweepId}`]) {
      await page.goto(url);
      const rows = url.includes('/sweeps/') ? (label: string) => page.locator('#entries tbody tr').filter({ has: page.locator(`th a:text-is("${label}")`) }) : row;
      await expect(rows('r4-a8').locator('[data-sig="worse"]').textContent()).resolves.toBe('▼');
      expect(await rows('r4-a8').locator('[data-sig="better"]').count()).toBe(0);
      expect(await rows('r4-a8').locator('[data-below-majority]').count()).toBe(1);
      expect(await rows('r4-a16').locator('[data-sig]').count()).toBe(0);
      await expect(rows('r16-a32').locator('[data-sig="better"]').textContent()).resolves.toBe('★');
      expect(await rows('tfidf-logreg').locator('[data-sig]').count()).toBe(0);
    }
    await page.goto(`${server.url}/leaderboard?task=threatCategory`);
    expect(await page.locator('[data-sig="worse"]').first().getAttribute('title')).toMatch(/^worse than the best baseline: \d+ records right only here, \d+ only for the best baseline/);
    expect(await page.textContent('body')).toContain('significantly fewer');
    await page.screenshot({ path: path.join(shots, 'leaderboard-marks.png'), fullPage: true });
  });
});
