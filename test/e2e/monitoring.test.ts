import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../../src/adapter/metrics/exposition.fixture.js';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

const MODEL = 'llama3.2:3b';

async function json<T>(olla: RunningOlla, path: string): Promise<T> {
  const res = await fetch(`${olla.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe('status, stats and metrics after live traffic', () => {
  const mocks: MockBackend[] = [];
  let olla: RunningOlla | undefined;
  afterEach(async () => {
    await olla?.close();
    await Promise.all(mocks.splice(0).map((m) => m.close()));
  });

  it('adds up N requests per endpoint and model, and shows a failover, in every view', async () => {
    mocks.push(await startMockBackend({ name: 'node-a', flavour: 'openai', models: [MODEL], tokens: 3 }));
    mocks.push(await startMockBackend({ name: 'node-b', flavour: 'openai', models: [MODEL], tokens: 3 }));
    const [a, b] = mocks as [MockBackend, MockBackend];
    olla = await startOlla(
      [
        { name: 'node-a', url: a.url, type: 'openai-compatible' },
        { name: 'node-b', url: b.url, type: 'openai-compatible' },
      ],
      { proxy: { load_balancer: 'round-robin' } },
    );
    await waitForHealthy(olla, ['node-a', 'node-b'], { models: [MODEL] });
    const client = new OpenAI({ baseURL: `${olla.url}/olla/proxy/v1`, apiKey: 'unused', maxRetries: 0 });
    const chat = () => client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

    const N = 10;
    for (let i = 0; i < N; i++) await chat();

    // node-b refuses connections from now on, before the health checker notices: the next
    // request that picks it fails over to node-a.
    b.setFault('close');
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { response } = await chat().withResponse();
      served.push(response.headers.get('x-olla-endpoint') ?? '');
    }
    expect(served.every((name) => name === 'node-a')).toBe(true);
    const total = N + 4;

    const status = await json<{ system: { total_requests: number; failovers: number; retries: number } }>(
      olla,
      '/internal/status',
    );
    expect(status.system.total_requests).toBe(total);
    expect(status.system.failovers).toBeGreaterThanOrEqual(1);
    expect(status.system.retries).toBeGreaterThanOrEqual(1);

    const endpoints = await json<{ endpoints: { name: string; request_count: number }[] }>(
      olla,
      '/internal/status/endpoints',
    );
    const count = Object.fromEntries(endpoints.endpoints.map((e) => [e.name, e.request_count]));
    expect(count['node-a']! + count['node-b']!).toBe(total);
    expect(count['node-a']).toBeGreaterThan(count['node-b']!);

    const models = await json<{ models: { name: string; total_requests: number; successful_requests: number }[] }>(
      olla,
      '/internal/stats/models',
    );
    const llama = models.models.find((m) => m.name === MODEL);
    expect(llama?.total_requests).toBe(total);
    expect(llama?.successful_requests).toBe(total);

    const metricsRes = await fetch(`${olla.url}/internal/metrics`);
    expect(metricsRes.headers.get('content-type')).toContain('text/plain');
    const metrics = parseExposition(await metricsRes.text());
    const okA = sampleValue(metrics, 'olla_proxy_requests_total', { endpoint: 'node-a', model: MODEL, status: '200' });
    const okB = sampleValue(metrics, 'olla_proxy_requests_total', { endpoint: 'node-b', model: MODEL, status: '200' });
    expect(okA + okB).toBe(total);
    expect(okA).toBe(count['node-a']);
    expect(sampleValue(metrics, 'olla_proxy_failovers_total')).toBeGreaterThanOrEqual(1);
    const durations = metrics.samples.filter((x) => x.name === 'olla_proxy_request_duration_seconds_count');
    expect(durations.reduce((sum, x) => sum + x.value, 0)).toBe(total);

    const process = await json<Record<string, unknown>>(olla, '/internal/process');
    expect(process).toHaveProperty('memory');
  });
});
