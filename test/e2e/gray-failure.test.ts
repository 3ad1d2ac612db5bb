/**
 * Issue 14's gray failure: a node passes its health checks but answers every chat request with
 * 500. Passive outlier detection ejects it, so at least 97 % of 300 requests succeed, and
 * `/internal/status/endpoints` says it is ejected and why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

const MODEL = 'gray-model';
const NAMES = ['node-a', 'node-b', 'node-c'];
const chatBody = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

describe('gray failure: healthy probes, failing requests (olla engine)', () => {
  const mocks: MockBackend[] = [];
  let olla: RunningOlla | undefined;
  afterEach(async () => {
    await olla?.close();
    await Promise.all(mocks.splice(0).map((m) => m.close()));
  });

  it('ejects the failing node: >= 97 % of 300 requests succeed and status shows the ejection', async () => {
    for (const name of NAMES) mocks.push(await startMockBackend({ name, flavour: 'vllm', models: [MODEL], tokens: 3 }));
    olla = await startOlla(
      mocks.map((m) => ({ name: m.name, url: m.url, type: 'vllm', check_interval: '1s', check_timeout: '500ms' })),
      { proxy: { load_balancer: 'least-connections' } },
    );
    await waitForHealthy(olla, NAMES, { models: [MODEL] });
    mocks[1]!.setFault('status:500', { paths: ['/v1/chat/completions'] });

    let ok = 0;
    let sent = 0;
    const running = olla;
    const worker = async () => {
      while (sent < 300) {
        sent++;
        const response = await fetch(`${running.url}/olla/proxy/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: chatBody,
        });
        await response.arrayBuffer();
        if (response.status === 200) ok++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(ok / 300).toBeGreaterThanOrEqual(0.97);

    const status = (await (await fetch(`${running.url}/internal/status/endpoints`)).json()) as {
      endpoints: { name: string; status: string; probe_status: string; ejection?: { reason: string } }[];
    };
    const failing = status.endpoints.find((e) => e.name === 'node-b');
    expect(failing).toMatchObject({ status: 'ejected', probe_status: 'healthy' });
    expect(failing?.ejection?.reason).toContain('consecutive failures, last: HTTP 500');
    expect(running.logs()).toContain('Ejecting endpoint after failed requests');
  });
});
