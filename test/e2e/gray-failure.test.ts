/**
 * Issue 14's gray failure: a node passes its health checks but fails chat requests with 500.
 * Passive outlier detection ejects it, so at least 97 % of 300 requests succeed, and
 * `/internal/status/endpoints` says it is ejected and why. Three cases: every request failing
 * (the consecutive-failures rule), three in five failing and never five in a row (the
 * failure-rate rule), and a node whose own `outlier_detection` switches ejection off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';
import type { MockFaultScope } from '../mock/types.js';

const MODEL = 'gray-model';
const NAMES = ['node-a', 'node-b', 'node-c'];
const REQUESTS = 300;
const chatBody = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

interface EndpointStatus {
  name: string;
  status: string;
  probe_status: string;
  ejection?: { reason: string };
}

describe('gray failure: healthy probes, failing requests (olla engine)', () => {
  const mocks: MockBackend[] = [];
  let olla: RunningOlla | undefined;
  afterEach(async () => {
    await olla?.close();
    await Promise.all(mocks.splice(0).map((m) => m.close()));
  });

  /** Three nodes, node-b failing chat as `scope` says (with `own` as its outlier_detection block). */
  async function fleetWithFailingNode(scope: MockFaultScope, own?: Record<string, unknown>): Promise<RunningOlla> {
    for (const name of NAMES) mocks.push(await startMockBackend({ name, flavour: 'vllm', models: [MODEL], tokens: 3 }));
    olla = await startOlla(
      mocks.map((m) => ({
        name: m.name,
        url: m.url,
        type: 'vllm',
        check_interval: '1s',
        check_timeout: '500ms',
        ...(m.name === 'node-b' && own !== undefined && { outlier_detection: own }),
      })),
      { proxy: { load_balancer: 'least-connections' } },
    );
    await waitForHealthy(olla, NAMES, { models: [MODEL] });
    mocks[1]!.setFault('status:500', { paths: ['/v1/chat/completions'], ...scope });
    return olla;
  }

  /** Sends 300 chat requests, 8 at a time; the share answered 200. */
  async function successShare(running: RunningOlla): Promise<number> {
    let ok = 0;
    let sent = 0;
    const worker = async () => {
      while (sent < REQUESTS) {
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
    return ok / REQUESTS;
  }

  async function statusOf(running: RunningOlla, name: string): Promise<EndpointStatus | undefined> {
    const body = (await (await fetch(`${running.url}/internal/status/endpoints`)).json()) as {
      endpoints: EndpointStatus[];
    };
    return body.endpoints.find((e) => e.name === name);
  }

  it('ejects a node failing every request: >= 97 % of 300 succeed and status shows the ejection', async () => {
    const running = await fleetWithFailingNode({});
    expect(await successShare(running)).toBeGreaterThanOrEqual(0.97);
    const failing = await statusOf(running, 'node-b');
    expect(failing).toMatchObject({ status: 'ejected', probe_status: 'healthy' });
    expect(failing?.ejection?.reason).toContain('consecutive failures, last: HTTP 500');
    expect(running.logs()).toContain('Ejecting endpoint after failed requests');
  });

  it('ejects a node failing 60 % of requests, never five in a row, on its failure rate', async () => {
    // The node's own block lowers the request volume the rate needs (proxy default 20): with a
    // third of 300 requests, 20 of them at 60 % would already cost 4 % of the total.
    const running = await fleetWithFailingNode(
      { pattern: [true, false, true, false, true] },
      { failure_rate_min_requests: 10 },
    );
    expect(await successShare(running)).toBeGreaterThanOrEqual(0.97);
    const failing = await statusOf(running, 'node-b');
    expect(failing).toMatchObject({ status: 'ejected', probe_status: 'healthy' });
    expect(failing?.ejection?.reason).toMatch(/^failure rate \d+% \(\d+ of \d+ requests in 10s\) at or over 50%/);
  });

  it('keeps a failing node in when its own outlier_detection switches ejection off', async () => {
    const running = await fleetWithFailingNode({}, { enabled: false });
    const share = await successShare(running);
    // About a third of the traffic keeps failing: nothing ejected it.
    expect(share).toBeLessThan(0.8);
    expect(await statusOf(running, 'node-b')).toMatchObject({ status: 'healthy' });
    expect(running.logs()).not.toContain('Ejecting endpoint after failed requests');
  });
});
