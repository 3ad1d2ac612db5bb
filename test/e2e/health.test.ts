import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitFor } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

interface EndpointStatusBody {
  endpoints: { name: string; status: string }[];
  healthy_count: number;
}

async function statusOf(olla: RunningOlla): Promise<Record<string, string>> {
  const body = (await (await fetch(`${olla.url}/internal/status/endpoints`)).json()) as EndpointStatusBody;
  return Object.fromEntries(body.endpoints.map((e) => [e.name, e.status]));
}

describe('health checks seen through /internal/status/endpoints', () => {
  const mocks: MockBackend[] = [];
  let olla: RunningOlla | undefined;
  afterEach(async () => {
    await olla?.close();
    await Promise.all(mocks.splice(0).map((m) => m.close()));
  });

  it('shows two backends healthy, one unhealthy after it stops, and recovered after it restarts', async () => {
    const interval = 1000;
    mocks.push(await startMockBackend({ name: 'desk', flavour: 'ollama' }));
    mocks.push(await startMockBackend({ name: 'gpu', flavour: 'vllm' }));
    const [desk, gpu] = mocks as [MockBackend, MockBackend];
    olla = await startOlla([
      { name: 'desk', url: desk.url, type: 'ollama', check_interval: '1s' },
      { name: 'gpu', url: gpu.url, type: 'vllm', check_interval: '1s' },
    ]);
    const running = olla;

    await waitFor(
      async () => Object.values(await statusOf(running)).every((s) => s === 'healthy'),
      2 * interval,
      'both healthy within two check intervals',
    );

    await gpu.stop();
    await waitFor(
      async () => (await statusOf(running)).gpu !== 'healthy',
      3 * interval,
      'gpu unhealthy within three check intervals',
    );
    expect((await statusOf(running)).desk).toBe('healthy');

    await gpu.start();
    // Recovery waits for the backoff schedule the failure started, never longer than its cap.
    await waitFor(async () => (await statusOf(running)).gpu === 'healthy', 15_000, 'gpu recovered');
  });
});
