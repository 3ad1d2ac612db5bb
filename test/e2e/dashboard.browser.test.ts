import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  feed,
  type MonitoringFixture,
  monitoringApp,
  monitoringFixture,
  NOW,
  record,
} from '../../src/app/handlers/monitoring.fixture.js';
import { PACKAGE_ROOT } from '../../src/app/version.js';
import { fakeEndpoint } from '../../src/core/domain/endpoint.fixture.js';
import { browserSuiteTitle, HAS_CHROMIUM, launchChromium, type PageGlobals } from '../helpers/browser.js';

/**
 * The dashboard in a real browser: Debian's Chromium loads `/internal/ui/` from a server whose
 * fake traffic keeps arriving, and the page must show the totals rising, every endpoint, the
 * models, the charts and the recent failovers, and must fit a phone's width. Leaves a
 * screenshot in test/artifacts/ (docs/dashboard.png in the README is one such, copied by hand).
 */

const TITLE = browserSuiteTitle('dashboard in Chromium');

/** A small deterministic generator, so the screenshot shows the same traffic on every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const MODELS = ['llama3.2:3b', 'llama3.2:3b', 'nomic-embed-text', 'qwen-unknown'];
const ENDPOINTS = ['local-ollama', 'local-ollama', 'lm-studio'];

/** One simulated second of traffic: a rate that swells and ebbs, with the odd failure. */
function trafficSecond(f: MonitoringFixture, second: number, random: () => number): void {
  const rate = Math.round(6 + 5 * Math.sin(second / 40) + random() * 4);
  for (let i = 0; i < rate; i++) {
    const failed = random() < 0.04;
    const retried = random() < 0.003;
    feed(
      f,
      record({
        endpoint: ENDPOINTS[Math.floor(random() * ENDPOINTS.length)],
        model: MODELS[Math.floor(random() * MODELS.length)],
        durationMs: 80 + random() * 400 + (second % 97 < 10 ? 600 : 0),
        failed,
        status: failed ? 502 : 200,
        retries: retried ? 1 : 0,
        ...(retried ? { failedOver: ['gpu-box'] } : {}),
        clientIp: `10.0.0.${Math.floor(random() * 20)}`,
      }),
    );
  }
}

describe.skipIf(!HAS_CHROMIUM)(TITLE, () => {
  let f: MonitoringFixture;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let feeder: NodeJS.Timeout;

  beforeAll(async () => {
    f = monitoringFixture();
    f.repository.endpoints.push(
      fakeEndpoint({
        name: 'lm-studio',
        type: 'lm-studio',
        url: 'http://192.168.1.20:1234',
        priority: 80,
        lastChecked: NOW - 4_000,
        lastLatencyMs: 12,
        nextCheckTime: NOW + 1_000,
      }),
    );
    f.registry.byEndpoint.set('lm-studio', [{ name: 'qwen2.5-coder:7b', type: 'llm', lastSeen: NOW - 20_000 }]);
    f.connections.set('lm-studio', 1);

    // Ten minutes of history before the page opens, on the fixture's clock.
    const random = lcg(42);
    f.clock.now = NOW - 600_000;
    const gpu = f.repository.endpoints[0]!;
    for (let second = 0; second < 600; second++) {
      f.clock.now += 1000;
      trafficSecond(f, second, random);
      if (second === 200)
        f.stats.recordHealthTransition({ endpoint: gpu, from: 'healthy', to: 'offline', error: 'connection refused' });
      if (second === 420) f.stats.recordHealthTransition({ endpoint: gpu, from: 'offline', to: 'healthy' });
      if (second === 540)
        f.stats.recordHealthTransition({ endpoint: gpu, from: 'healthy', to: 'offline', error: 'timeout' });
    }

    app = await monitoringApp(f);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    // Live traffic: each tick is a simulated second, so the counters and charts keep moving.
    let second = 600;
    feeder = setInterval(() => {
      f.clock.now += 1000;
      for (const endpoint of f.repository.endpoints) {
        endpoint.lastChecked = f.clock.now - 2_000;
        endpoint.nextCheckTime = f.clock.now + 3_000;
      }
      trafficSecond(f, second++, random);
    }, 100);

    browser = await launchChromium();
  });

  afterAll(async () => {
    clearInterval(feeder);
    await browser?.close();
    await app?.close();
  });

  it('shows rising totals, every endpoint, the models, charts and recent failovers', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(`${base}/internal/ui/`);

    const requests = () =>
      page.$eval('#requests', (node) => Number((node.textContent ?? '').replace(/[^0-9]/g, '')) || 0);
    // The page's CSP forbids eval, so page-side checks are functions, not strings.
    const requestsAbove = (floor: number) =>
      Number(
        ((globalThis as unknown as PageGlobals).document.getElementById('requests')?.textContent ?? '').replace(
          /[^0-9]/g,
          '',
        ),
      ) > floor;
    await page.waitForFunction(requestsAbove, 0);
    const first = await requests();
    expect(first).toBeGreaterThan(0);
    await page.waitForFunction(requestsAbove, first);

    expect(
      await page.$$eval('#endpoints tbody tr', (rows) => rows.map((r) => r.querySelector('.ep-name')?.textContent)),
    ).toEqual(['local-ollama', 'lm-studio', 'gpu-box']);
    // A node out of rotation says why, with its URL shown as status shows URLs (no credentials).
    expect(
      await page.$$eval('#endpoints tbody tr', (rows) => rows.map((r) => r.querySelector('.ep-error')?.textContent)),
    ).toEqual([undefined, undefined, 'health check of http://10.0.0.5:8000 timed out after 2000 ms']);
    expect(await page.textContent('#system-status')).toBe('degraded');
    expect(await page.$$eval('#models li .model-name', (items) => items.map((i) => i.textContent))).toContain(
      'qwen2.5-coder:7b',
    );
    expect(await page.$$eval('#chart-requests path', (paths) => paths.length)).toBeGreaterThanOrEqual(3);
    expect(await page.textContent('#events')).toMatch(/failover gpu-box → /);
    expect(await page.textContent('#events')).toMatch(/gpu-box: healthy → offline \(timeout\)/);
    expect(errors).toEqual([]);

    const artifacts = join(PACKAGE_ROOT, 'test', 'artifacts');
    await mkdir(artifacts, { recursive: true });
    const shot = join(artifacts, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    await page.close();
  });

  it('fits a phone screen without sideways scrolling of the page', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${base}/internal/ui/`);
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.querySelectorAll('#endpoints tbody tr').length === 3,
    );
    const overflow = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(PACKAGE_ROOT, 'test', 'artifacts', 'dashboard-phone.png'), fullPage: true });
    await page.close();
  });
});
