import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { type RunningRedis, startRedis } from '../helpers/redis.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

/**
 * Issue 19: two Olla instances sharing one real redis-server behave as one Olla: a conversation
 * pinned through one is honoured by the other, a per-IP limit holds across both, and losing the
 * store never fails a request.
 */

const MODEL = 'llama3.2:3b';
const NODES = ['node-a', 'node-b', 'node-c'];

describe('two instances sharing state on a real redis-server', () => {
  let redis: RunningRedis;
  let mocks: MockBackend[] = [];
  let instances: RunningOlla[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    await Promise.all(instances.map((o) => o.close()));
    instances = [];
    await Promise.all(mocks.map((m) => m.close()));
    mocks = [];
  });

  async function startPair(overrides: Record<string, unknown>, prefix: string): Promise<RunningOlla[]> {
    mocks = await Promise.all(NODES.map((name) => startMockBackend({ name, flavour: 'openai', models: [MODEL] })));
    const endpoints = mocks.map((m) => ({ name: m.name, url: m.url, type: 'openai-compatible' }));
    const doc = {
      ...overrides,
      // A generous budget: the CI box is busy, and a slow answer would silently fall back to local.
      state: { redis: { url: redis.url, key_prefix: prefix, timeout: '250ms' } },
    };
    instances = [await startOlla(endpoints, doc), await startOlla(endpoints, doc)];
    for (const olla of instances) await waitForHealthy(olla, NODES, { models: [MODEL] });
    return instances;
  }

  function chat(olla: RunningOlla, session?: string) {
    return fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(session ? { 'x-olla-session-id': session } : {}) },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
  }

  it('honours through one instance a session pinned through the other', async () => {
    const [a, b] = await startPair(
      { proxy: { load_balancer: 'round-robin', sticky_sessions: { enabled: true } } },
      'pins:',
    );
    for (let conversation = 0; conversation < 12; conversation++) {
      const session = `conv-${conversation}`;
      const first = await chat(a!, session);
      await first.arrayBuffer();
      expect(first.headers.get('x-olla-sticky-session')).toBe('miss');
      const node = first.headers.get('x-olla-endpoint');
      // Later turns alternate between the instances and stay on the node of the first.
      for (const olla of [b!, a!, b!]) {
        const turn = await chat(olla, session);
        await turn.arrayBuffer();
        expect(turn.status).toBe(200);
        expect(turn.headers.get('x-olla-endpoint'), `${session} moved`).toBe(node);
        expect(turn.headers.get('x-olla-sticky-session')).toBe('hit');
      }
    }
  });

  it('admits 20 of 40 requests across both instances under a per-IP limit of 20 a minute', async () => {
    const [a, b] = await startPair(
      { server: { rate_limits: { per_ip_requests_per_minute: 20, burst_size: 20, global_requests_per_minute: 0 } } },
      'limits:',
    );
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await chat(i % 2 === 0 ? a! : b!);
      await response.arrayBuffer();
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    // The first 20 were admitted, whichever instance they reached.
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
  });

  it("spends a client key's token budget across both instances", async () => {
    const [a, b] = await startPair(
      {
        server: {
          auth: { enabled: true, keys: [{ name: 'team', key: 'team-secret-0123456789', tokens_per_minute: 5 }] },
        },
      },
      'keys:',
    );
    const keyed = (olla: RunningOlla) =>
      fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer team-secret-0123456789' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      });
    // The first request crosses the budget of 5 (it completes); the budget is then spent for both.
    const first = await keyed(a!);
    expect(first.status).toBe(200);
    const used = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(used).toBeGreaterThan(5);
    const windowUsed = async (olla: RunningOlla) =>
      (
        (await (await fetch(`${olla.url}/internal/stats/keys`)).json()) as {
          keys: { name: string; windows: { tokens_per_minute?: { used: number } } }[];
        }
      ).keys.find((k) => k.name === 'team')?.windows.tokens_per_minute?.used ?? 0;
    await waitFor(async () => (await windowUsed(b!)) >= used, 5_000, 'the other instance sees the tokens');
    const refused = await keyed(b!);
    await refused.arrayBuffer();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
  });

  it('keeps serving when the store dies, says so, and shares again once it is back', async () => {
    const [a, b] = await startPair(
      { proxy: { load_balancer: 'round-robin', sticky_sessions: { enabled: true } } },
      'faults:',
    );
    const storeUp = async (olla: RunningOlla) =>
      ((await (await fetch(`${olla.url}/internal/status`)).json()) as { state: { shared: { up: boolean } } }).state
        .shared.up;
    expect(await storeUp(a!)).toBe(true);

    await redis.kill();
    await waitFor(async () => !(await storeUp(a!)) && !(await storeUp(b!)), 5_000, 'status shows the store down');
    const metrics = await (await fetch(`${a!.url}/internal/metrics`)).text();
    expect(metrics).toMatch(/^olla_state_store_up 0$/m);
    // Every request is served meanwhile: no 5xx because of the store.
    const during = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(i % 2 ? a! : b!, `down-${i % 5}`)));
    for (const response of during) {
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }

    await redis.restart();
    await waitFor(async () => (await storeUp(a!)) && (await storeUp(b!)), 10_000, 'both reconnect');
    expect(await (await fetch(`${b!.url}/internal/metrics`)).text()).toMatch(/^olla_state_store_up 1$/m);
    // Sharing resumed: a new session pinned through one instance holds through the other.
    const first = await chat(a!, 'after-restart');
    await first.arrayBuffer();
    const again = await chat(b!, 'after-restart');
    await again.arrayBuffer();
    expect(again.headers.get('x-olla-endpoint')).toBe(first.headers.get('x-olla-endpoint'));
    expect(again.headers.get('x-olla-sticky-session')).toBe('hit');
  });
});
