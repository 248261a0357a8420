// report.html and the serve index as a person sees them: opened in headless
// Chromium (Debian's chromium, driven by playwright-core) from the file system
// with every network request refused. Without a browser the tests say so and
// skip; under CI (CI=true, or EKV_REQUIRE_BROWSER=1) a missing browser is a failure.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStoreServer, writeReport } from './index.js';
import { writeSyntheticRun } from './testing/index.js';
import type { SyntheticRun } from './testing/index.js';

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveBrowser = existsSync(chromiumPath);
const browserRequired = process.env['CI'] === 'true' || process.env['EKV_REQUIRE_BROWSER'] === '1';

describe('a browser is there under CI', () => {
  it(`finds ${chromiumPath}${browserRequired ? ' (required here)' : ''}`, () => {
    if (!haveBrowser)
      console.warn(
        `report browser tests skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
      );
    expect(
      haveBrowser || !browserRequired,
      `no Chromium at ${chromiumPath}, and CI=true or EKV_REQUIRE_BROWSER=1 requires one`,
    ).toBe(true);
  });
});

describe.skipIf(!haveBrowser)('report.html in headless Chromium', () => {
  let browser: Browser;
  let store: string;
  let valid: SyntheticRun;
  let invalid: SyntheticRun;

  beforeAll(async () => {
    store = mkdtempSync(join(tmpdir(), 'ekv-report-'));
    valid = await writeSyntheticRun(join(store, 'register', '20260101T000001.000Z'), {
      ops: 400,
      seed: 3,
      scenario: 'calm',
    });
    invalid = await writeSyntheticRun(join(store, 'register', '20260101T000002.000Z'), {
      ops: 400,
      seed: 4,
      invalid: true,
      halt: true,
      scenario: 'stale',
    });
    for (const run of [valid, invalid])
      expect(await writeReport(run.dir)).toEqual({ path: join(run.dir, 'report.html') });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (store !== undefined) rmSync(store, { recursive: true, force: true });
  });

  /** Opens a page, failing on console errors, page errors and any request that is not file:// (or the given server). */
  async function open(
    url: string,
    allowed: (requestUrl: string) => boolean = (u) => u.startsWith('file:'),
  ): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    await page.route('**/*', (route) =>
      allowed(route.request().url())
        ? route.continue()
        : (errors.push(`network: ${route.request().url()}`), route.abort()),
    );
    await page.goto(url);
    return { page, errors };
  }

  const count = (page: Page, selector: string): Promise<number> => page.locator(selector).count();

  it('a VALID run: the verdict, one bar per op, one band per fault, the plots with points, no errors', async () => {
    const { page, errors } = await open(pathToFileURL(join(valid.dir, 'report.html')).href);
    await expect(page.locator('h1 .verdict').textContent()).resolves.toBe('VALID');
    await expect(page.locator('table.verdicts tbody tr').count()).resolves.toBe(
      Object.keys(valid.results.checkers).length,
    );
    expect(await count(page, '#timeline-process svg g.ops_marks path')).toBe(valid.clientOps);
    expect(await count(page, '#timeline-process svg g.faults_marks path')).toBe(valid.faults);
    expect(await count(page, '#latency-chart svg g.faults_marks path')).toBe(valid.faults);
    expect(await count(page, '#latency-chart svg g.latency_marks path')).toBe(valid.clientOps);
    expect(await count(page, '#throughput-chart svg g.throughput_marks path')).toBeGreaterThan(0);
    expect(await count(page, '#nodes-chart svg g.nodestate_marks path')).toBeGreaterThan(0);
    expect(await count(page, '#timeline-process svg g[class*="steplabels"] text')).toBe(3);
    await expect(page.locator('#warnings').textContent()).resolves.toContain('fell behind its schedule');
    await expect(page.locator('table.quantiles tbody tr').count()).resolves.toBeGreaterThan(0);
    // The pointer on an op's bar names the op.
    await expect(page.locator('#tip').isHidden()).resolves.toBe(true);
    await page.locator('#timeline-process svg g.ops_marks path').nth(200).hover({ force: true });
    await expect(page.locator('#tip').textContent()).resolves.toMatch(
      /^(read|write) k\d by p\d on n\d: (ok|fail|info)/,
    );
    await expect(page.locator('#tip').isVisible()).resolves.toBe(true);
    // The lanes switch to nodes.
    await expect(page.locator('#timeline-node').isHidden()).resolves.toBe(true);
    await page.locator('input[name=lanes][value=node]').check();
    await expect(page.locator('#timeline-node').isVisible()).resolves.toBe(true);
    await expect(page.locator('#timeline-process').isHidden()).resolves.toBe(true);
    await page.screenshot({ path: join(valid.dir, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an INVALID run: the failing checkers with their reasons, the linearizability view on the time axis, every key checked, the halt in the findings', async () => {
    const { page, errors } = await open(pathToFileURL(join(invalid.dir, 'report.html')).href);
    await expect(page.locator('h1 .verdict').textContent()).resolves.toBe('INVALID');
    const linearizability = page.locator('table.verdicts tr', { hasText: 'linearizability' });
    await expect(linearizability.locator('.verdict').textContent()).resolves.toBe('INVALID');
    await expect(linearizability.textContent()).resolves.toContain('not linearizable: read of stale');
    await expect(page.locator('table.verdicts tr', { hasText: 'halt-apply' }).textContent()).resolves.toContain(
      'n3 halted on entry 100',
    );
    expect(await count(page, '#linearizability-chart svg g.linops_marks path')).toBe(3);
    await expect(page.locator('#linearizability-chart svg g.linlabels_marks').textContent()).resolves.toContain(
      'failing op: read',
    );
    await expect(page.locator('#linearizability .failure').textContent()).resolves.toContain('Failing op: read 1');
    // Every key was checked: the stale one invalid, the others valid, none "not checked".
    const verdicts = await page.locator('table.partitions tbody tr td:nth-child(3)').allTextContents();
    expect(verdicts.filter((v) => v === 'INVALID')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'VALID')).toHaveLength(verdicts.length - 1);
    expect(verdicts.length).toBeGreaterThan(1);
    // The halt: on the timeline, in the node strip, in the halts table and in halt-apply's findings with links to the node's files.
    expect(await count(page, '#timeline-process svg g.halts_marks path')).toBe(1);
    await expect(page.locator('table.halts tbody').textContent()).resolves.toContain('ErrFSMWireSubtag');
    const finding = page.locator('table.findings-halt-apply tbody tr').first();
    await expect(finding.textContent()).resolves.toContain('n3');
    await expect(finding.locator('a', { hasText: 'node.log' }).getAttribute('href')).resolves.toBe('nodes/n3/node.log');
    expect(await count(page, '#timeline-process svg g.faults_marks path')).toBe(invalid.faults);
    await page.screenshot({ path: join(invalid.dir, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the serve index lists both runs with their verdicts, filters, and opens a report', async () => {
    const server = await startStoreServer({ store, host: '127.0.0.1', port: 0 });
    try {
      const { page, errors } = await open(server.url, (u) => u.startsWith(server.url));
      await expect(page.locator('#runs tbody tr').count()).resolves.toBe(2);
      // Newest first: the invalid run started later.
      await expect(page.locator('#runs tbody tr').first().locator('.verdict').textContent()).resolves.toBe('INVALID');
      await expect(page.locator('#runs tbody tr').first().textContent()).resolves.toContain('linearizability=false');
      await page.selectOption('select[name=verdict]', 'valid');
      await Promise.all([page.waitForURL(/verdict=valid/), page.locator('form button').click()]);
      await expect(page.locator('#runs tbody tr').count()).resolves.toBe(1);
      await Promise.all([page.waitForURL(/report\.html$/), page.locator('#runs a', { hasText: 'report' }).click()]);
      await expect(page.locator('h1 .verdict').textContent()).resolves.toBe('VALID');
      expect(await count(page, '#timeline-process svg g.ops_marks path')).toBe(valid.clientOps);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  });
});
