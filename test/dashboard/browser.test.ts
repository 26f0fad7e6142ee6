/**
 * The dashboard in a real browser, on the whole local world: DynamoDB Local, the sandbox Lambda
 * world running checkout's real handlers, the evaluator and live traffic. Checkout v3 fails 5% of
 * requests; the gate must roll it back, and the dashboard must show why.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_PUBLIC_PATHS, dashboard } from '../../lib/dashboard/index.js';
import { REPO_ROOT, startLocalWorld, type LocalWorld } from '../../lib/local/world.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(REPO_ROOT, 'test-artifacts');
const ROLLBACK_TIMEOUT_MS = 120_000;

let world: LocalWorld;
let browser: Browser;

async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const response = await fetch(`${world.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${world.adminToken}`, 'Content-Type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body: any = await response.json();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Long-polls the gate endpoint until the release has an outcome. */
async function waitForOutcome(id: string): Promise<any> {
  const deadline = Date.now() + ROLLBACK_TIMEOUT_MS;
  let gate: any = await api(`/releases/${id}/gate`);
  while (gate.outcome === 'pending' || gate.outcome === 'paused') {
    if (Date.now() > deadline) throw new Error(`release ${id} still ${gate.state} after ${ROLLBACK_TIMEOUT_MS / 1000}s: ${gate.explanation}`);
    gate = await api(`/releases/${id}/gate?wait=5&since=${gate.revision}`);
  }
  return gate;
}

/** Fails the test on anything the page's console or CSP complains about. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

describe('the dashboard in Chromium', () => {
  beforeAll(async () => {
    // CI installs Chromium in .ci/run; a missing browser is a broken setup, not a reason to skip.
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install it with 'apt-get install -y chromium' (.ci/run does this in CI)`);
    await mkdir(ARTIFACTS, { recursive: true });
    world = await startLocalWorld({
      port: 0,
      metricPeriodSeconds: 2,
      trafficPerSecond: 60,
      tokenFile: null,
      extensions: [dashboard()],
      publicPaths: [...DASHBOARD_PUBLIC_PATHS],
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // No network here: without the background-networking flags Chromium floods refused connections.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  }, 60_000);

  it('shows a bad version rolled back by the gate: state, explanation and charts with their limits', async () => {
    const release = await api('/releases', {
      method: 'POST',
      body: {
        function: 'checkout',
        version: '3',
        description: 'checkout v3 (fails 5% of requests)',
        plan: { steps: [{ type: 'traffic', weight: 50, minBake: '20s' }], verification: '20s' },
      },
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchConsole(page);
    // Signing in from a bookmark of the list: the login form sends the person back to it.
    await page.goto(`${world.url}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.fill('#token', world.adminToken);
    await Promise.all([page.waitForURL(`${world.url}/`), page.click('button[type=submit]')]);
    await expect(page.locator('h1').first().textContent()).resolves.toBe('Releases');
    // While it runs, the list carries the refresh script; the CSP must let it run.
    expect(await page.locator('script').count()).toBe(1);

    // Off the page while waiting, so its own refresh cannot race the next navigation.
    await page.goto('about:blank');
    const gate = await waitForOutcome(release.id);
    expect(gate).toMatchObject({ outcome: 'rolled_back', state: 'rolled_back' });

    await page.goto(`${world.url}/`);
    const row = page.locator('tr', { hasText: release.id });
    await expect(row.locator('.badge').textContent()).resolves.toBe('rolled back');
    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard-releases.png'), fullPage: true });

    await Promise.all([page.waitForURL(`**/ui/releases/${release.id}`), row.locator('a').first().click()]);
    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard-rolled-back.png'), fullPage: true });
    await expect(page.locator('.headline .badge').textContent()).resolves.toBe('rolled back');
    const explanation = await page.locator('.explain').textContent();
    expect(explanation).toContain('rolled back at 50%');
    // One chart per SLI of the default policy and per sequential test, each with its limit drawn and the rollback marked.
    const charts = page.locator('figure svg.chart');
    await expect(charts.count()).resolves.toBe(4);
    for (let index = 0; index < 4; index += 1) {
      const chart = charts.nth(index);
      expect(await chart.locator('line.threshold, line.threshold-soft, path.series-limit').count()).toBeGreaterThan(0);
      expect(await chart.locator('line.marker-rollback').count()).toBe(1);
      expect(await chart.getAttribute('role')).toBe('img');
    }
    // Drawn across the plot: a horizontal line's box is as wide as the chart and has no height.
    const threshold = await page.locator('#chart-error_rate svg.chart line.threshold').boundingBox();
    const plot = await page.locator('#chart-error_rate svg.chart').boundingBox();
    expect(threshold!.width).toBeGreaterThan(plot!.width * 0.8);
    expect(threshold!.y).toBeGreaterThan(plot!.y);
    expect(threshold!.y).toBeLessThan(plot!.y + plot!.height);
    expect(await page.locator('#chart-error_rate svg.chart path.series-canary').count()).toBe(1);
    await expect(page.locator('.timeline li.danger').first().textContent()).resolves.toContain('rolled back at 50%');
    expect(await page.getByText('rolled back here').count()).toBe(1);

    expect(problems).toEqual([]);
    await page.close();
  }, 240_000);
});
