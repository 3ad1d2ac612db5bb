import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/app/version.js';
import { browserSuiteTitle, HAS_CHROMIUM, launchChromium, type PageGlobals } from '../helpers/browser.js';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

/**
 * The dashboard of a real Olla in front of two mock backends, opened in Chromium while chat
 * requests flow through the proxy: both endpoints, the model list and a rising request count.
 */
describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('live dashboard in Chromium'), () => {
  const mocks: MockBackend[] = [];
  let olla: RunningOlla;
  let browser: Browser;
  let traffic: NodeJS.Timeout;

  beforeAll(async () => {
    mocks.push(await startMockBackend({ name: 'desk', flavour: 'ollama', models: ['llama3.2:3b', 'qwen2.5:7b'] }));
    mocks.push(await startMockBackend({ name: 'gpu', flavour: 'vllm', models: ['qwen2.5:7b'] }));
    const [desk, gpu] = mocks as [MockBackend, MockBackend];
    olla = await startOlla([
      { name: 'desk', url: desk.url, type: 'ollama' },
      { name: 'gpu', url: gpu.url, type: 'vllm' },
    ]);
    await waitForHealthy(olla, ['desk', 'gpu'], { models: ['llama3.2:3b', 'qwen2.5:7b'] });
    const body = JSON.stringify({ model: 'qwen2.5:7b', messages: [{ role: 'user', content: 'hi' }] });
    traffic = setInterval(() => {
      fetch(`${olla.url}/olla/proxy/v1/chat/completions`, { method: 'POST', body })
        .then((res) => res.arrayBuffer())
        .catch(() => undefined);
    }, 50);
    browser = await launchChromium();
  });

  afterAll(async () => {
    clearInterval(traffic);
    await browser?.close();
    await olla?.close();
    await Promise.all(mocks.map((m) => m.close()));
  });

  it('shows both endpoints, the models and a request count that rises', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${olla.url}/internal/ui/`);

    const requestsAbove = (floor: number) =>
      Number(
        ((globalThis as unknown as PageGlobals).document.getElementById('requests')?.textContent ?? '').replace(
          /[^0-9]/g,
          '',
        ),
      ) > floor;
    await page.waitForFunction(requestsAbove, 0);
    const first = Number(((await page.textContent('#requests')) ?? '').replace(/[^0-9]/g, ''));
    await page.waitForFunction(requestsAbove, first, { timeout: 10_000 });

    const endpoints = await page.$$eval('#endpoints tbody tr .ep-name', (cells) => cells.map((c) => c.textContent));
    expect([...endpoints].sort()).toEqual(['desk', 'gpu']);
    const models = await page.$$eval('#models li .model-name', (items) => items.map((i) => i.textContent));
    expect(models).toEqual(expect.arrayContaining(['llama3.2:3b', 'qwen2.5:7b']));
    expect(errors).toEqual([]);

    const artifacts = join(PACKAGE_ROOT, 'test', 'artifacts');
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dashboard-live.png'), fullPage: true });
    await page.close();
  });
});
