/**
 * Issue 17 end to end: routing that knows the fleet. Loaded models first (two Ollama-like mocks
 * holding one model each, with a cold-load cost), per-node concurrency limits with the admission
 * queue (limits, refusals, priority), and fallback chains on the OpenAI, Ollama and Anthropic routes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, type MockBackendOptions, startMockBackend } from '../mock/backend.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mock(options: MockBackendOptions): Promise<MockBackend> {
  const backend = await startMockBackend(options);
  cleanups.push(() => backend.close());
  return backend;
}

async function olla(...args: Parameters<typeof startOlla>): Promise<RunningOlla> {
  const running = await startOlla(...args);
  cleanups.push(() => running.close());
  return running;
}

function chat(running: RunningOlla, model: string, init: { headers?: Record<string, string>; extra?: object } = {}) {
  return fetch(`${running.url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...init.extra }),
  });
}

async function getJson(running: RunningOlla, path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${running.url}${path}`)).json()) as Record<string, unknown>;
}

/** The model each request of the irregular 40-request pattern asks for (fixed, so runs compare). */
const PATTERN = 'AABABBBAABAAABBABABBAAABBBABAABBBAABABAB'.split('').map((c) => (c === 'A' ? 'alpha' : 'beta'));

describe('loaded models first', () => {
  async function fleet(preferLoaded: boolean, coldLoadMs: number) {
    const models = ['alpha', 'beta'];
    const a = await mock({ name: 'gpu-a', flavour: 'ollama', models, residency: { coldLoadMs, loaded: 'alpha' } });
    const b = await mock({ name: 'gpu-b', flavour: 'ollama', models, residency: { coldLoadMs, loaded: 'beta' } });
    const running = await olla(
      [
        { name: 'gpu-a', url: a.url, type: 'ollama' },
        { name: 'gpu-b', url: b.url, type: 'ollama' },
      ],
      { proxy: { load_balancer: 'round-robin', prefer_loaded_models: preferLoaded } },
    );
    await waitForHealthy(running, ['gpu-a', 'gpu-b'], { models });
    return { a, b, running };
  }

  it('sends each model to the node holding it: at most one cold load over the irregular pattern', async () => {
    const { a, b, running } = await fleet(true, 300);
    await waitFor(
      async () => {
        const loaded = (await getJson(running, '/internal/status/models')).loaded_models as Record<string, string[]>;
        return loaded?.['gpu-a']?.includes('alpha') === true && loaded['gpu-b']?.includes('beta') === true;
      },
      5000,
      'residency polled from /api/ps',
    );
    const holder: Record<string, string> = { alpha: 'gpu-a', beta: 'gpu-b' };
    const onHolder: Record<string, number> = { alpha: 0, beta: 0 };
    for (const model of PATTERN) {
      const response = await chat(running, model);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      if (response.headers.get('x-olla-endpoint') === holder[model]) {
        onHolder[model]!++;
        expect(response.headers.get('x-olla-routing-reason')).toBe('model_loaded');
      }
    }
    expect(a.coldLoads + b.coldLoads).toBeLessThanOrEqual(1);
    for (const model of ['alpha', 'beta']) {
      const asked = PATTERN.filter((m) => m === model).length;
      expect(onHolder[model]! / asked).toBeGreaterThanOrEqual(0.9);
    }
    const listing = (await getJson(running, '/olla/models')) as {
      data: { id: string; olla?: { loaded_on?: string[] } }[];
    };
    expect(listing.data.find((m) => m.id === 'alpha')?.olla?.loaded_on).toEqual(['gpu-a']);
  });

  it('opted out (prefer_loaded_models: false), round-robin keeps forcing cold loads', async () => {
    const { a, b, running } = await fleet(false, 10);
    for (const model of PATTERN) await (await chat(running, model)).arrayBuffer();
    expect(a.coldLoads + b.coldLoads).toBeGreaterThan(5);
  });
});

describe('per-node concurrency and the admission queue', () => {
  const SERVICE_MS = 300;

  async function limitedNode(limit: number, serviceMs: number, queue: Record<string, unknown>) {
    const backend = await mock({ name: 'slots', flavour: 'openai', models: ['m'], recordBodies: true });
    backend.setFault(`slow-headers:${serviceMs}`, { paths: ['/v1/chat/completions'] });
    const running = await olla([{ name: 'slots', url: backend.url, type: 'openai', max_concurrent_requests: limit }], {
      proxy: { queue },
    });
    await waitForHealthy(running, ['slots'], { models: ['m'] });
    return { backend, running };
  }

  it('6 concurrent requests to a node limited to 2: all succeed, never more than 2 in flight, ~3 service times', async () => {
    const { backend, running } = await limitedNode(2, SERVICE_MS, { enabled: true, max_wait: '10s' });
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 6 }, () => chat(running, 'm')));
    const elapsed = performance.now() - started;
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(backend.maxInFlight).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(3 * SERVICE_MS * 0.95);
    expect(elapsed).toBeLessThan(3 * SERVICE_MS + 1500);
  });

  it('refuses quickly with a JSON 503 and Retry-After once max_wait passes', async () => {
    const { running } = await limitedNode(1, 3000, { enabled: true, max_wait: '300ms' });
    const holder = chat(running, 'm');
    await waitFor(async () => running.olla.connections('slots') === 1, 2000, 'the slot taken');
    const started = performance.now();
    const refused = await Promise.all([chat(running, 'm'), chat(running, 'm'), chat(running, 'm')]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      // /olla/proxy answers in Olla's own error shape (a string `error` and a `code`).
      const body = (await response.json()) as { error: string; code: string };
      expect(body.code).toBe('OLLA_ERR_CAPACITY');
      expect(body.error).toMatch(/max_wait/);
    }
    const status = (await getJson(running, '/internal/status')).queue as { rejected: { timeout: number } };
    expect(status.rejected.timeout).toBe(3);
    const metrics = await (await fetch(`${running.url}/internal/metrics`)).text();
    expect(metrics).toMatch(/olla_queue_rejected_total\{reason="timeout"\} 3/);
    expect(metrics).toMatch(/olla_queue_depth 0/);
    const stats = (await getJson(running, '/internal/stats/models')).queue as {
      models: Record<string, { rejected: number }>;
    };
    expect(stats.models.m?.rejected).toBe(3);
    await (await holder).arrayBuffer();
  });

  it('refuses at once when the queue is disabled, and when it is full', async () => {
    const off = await limitedNode(1, 2000, { enabled: false });
    const holder = chat(off.running, 'm');
    await waitFor(async () => off.running.olla.connections('slots') === 1, 2000, 'the slot taken');
    const refused = await chat(off.running, 'm');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(/disabled/);
    await (await holder).arrayBuffer();

    const full = await limitedNode(1, 1000, { enabled: true, max_size: 1, max_wait: '10s' });
    const busy = chat(full.running, 'm');
    await waitFor(async () => full.running.olla.connections('slots') === 1, 2000, 'the slot taken');
    const waiting = chat(full.running, 'm');
    await waitFor(
      async () => ((await getJson(full.running, '/internal/status')).queue as { depth: number }).depth === 1,
      2000,
      'one queued',
    );
    const started = performance.now();
    const overflow = await chat(full.running, 'm');
    expect(performance.now() - started).toBeLessThan(500);
    expect(overflow.status).toBe(503);
    expect(overflow.headers.get('retry-after')).toBe('10');
    expect(((await overflow.json()) as { error: string }).error).toMatch(/full/);
    expect((await busy).status).toBe(200);
    expect((await waiting).status).toBe(200);
  });

  it('serves the queue high before normal before low, FIFO within a priority', async () => {
    // The first request holds the only slot long enough for all five to queue, even on a busy box;
    // once they have, the node answers quickly.
    const { backend, running } = await limitedNode(1, 4000, { enabled: true, max_wait: '10s' });
    const first = chat(running, 'm', { extra: { user: 'first' } });
    await waitFor(async () => running.olla.connections('slots') === 1, 2000, 'the slot taken');
    const queued: Promise<Response>[] = [];
    const order = ['low-1', 'normal-1', 'high-1', 'low-2', 'high-2'];
    for (const [i, tag] of order.entries()) {
      const priority = tag.split('-')[0]!;
      queued.push(chat(running, 'm', { headers: { 'x-olla-priority': priority }, extra: { user: tag } }));
      await waitFor(
        async () => ((await getJson(running, '/internal/status')).queue as { depth: number }).depth === i + 1,
        2000,
        `${tag} queued`,
      );
    }
    backend.setFault('slow-headers:20', { paths: ['/v1/chat/completions'] });
    const responses = await Promise.all([first, ...queued]);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const served = backend.requests
      .filter((r) => r.path === '/v1/chat/completions')
      .map((r) => (JSON.parse(r.body!) as { user: string }).user);
    expect(served).toEqual(['first', 'high-1', 'high-2', 'normal-1', 'low-1', 'low-2']);
  });

  it('frees the place of a client that leaves the queue, and never sends its request upstream', async () => {
    const { backend, running } = await limitedNode(1, 400, { enabled: true, max_wait: '10s' });
    const holder = chat(running, 'm', { extra: { user: 'holder' } });
    await waitFor(async () => running.olla.connections('slots') === 1, 2000, 'the slot taken');
    const leaving = new AbortController();
    const left = fetch(`${running.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', user: 'leaver', messages: [] }),
      signal: leaving.signal,
    }).catch((error: Error) => error);
    const depth = async () => ((await getJson(running, '/internal/status')).queue as { depth: number }).depth;
    await waitFor(async () => (await depth()) === 1, 2000, 'one queued');
    leaving.abort();
    await left;
    await waitFor(async () => (await depth()) === 0, 2000, 'the place freed');
    expect((await holder).status).toBe(200);
    const after = await chat(running, 'm', { extra: { user: 'after' } });
    expect(after.status).toBe(200);
    const users = backend.requests
      .filter((r) => r.path === '/v1/chat/completions')
      .map((r) => (JSON.parse(r.body!) as { user: string }).user);
    expect(users).toEqual(['holder', 'after']);
  });

  it('refuses an unknown X-Olla-Priority with a 400 naming the header', async () => {
    const { running } = await limitedNode(1, 0, { enabled: true });
    const response = await chat(running, 'm', { headers: { 'x-olla-priority': 'urgent' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/X-Olla-Priority/);
  });
});

describe('fallback chains', () => {
  async function fleet(extra: Record<string, unknown> = {}) {
    const big = await mock({ name: 'big', flavour: 'ollama', models: ['big-model'], recordBodies: true });
    const small = await mock({ name: 'small', flavour: 'ollama', models: ['small-model'], recordBodies: true });
    const running = await olla(
      [
        { name: 'big', url: big.url, type: 'ollama' },
        { name: 'small', url: small.url, type: 'ollama' },
      ],
      { model_fallbacks: { 'big-model': ['small-model'] }, ...extra },
    );
    await waitForHealthy(running, ['big', 'small'], { models: ['big-model', 'small-model'] });
    return { big, small, running };
  }

  function lastModel(backend: MockBackend): string {
    // The last inference request: health probes and residency polls (bodiless GETs) may land after it.
    const posted = backend.requests.filter((r) => r.method === 'POST');
    return (JSON.parse(posted.at(-1)!.body!) as { model: string }).model;
  }

  it('is served by the first node while it is up, by the fallback node with the rewritten model when it is down', async () => {
    const { big, small, running } = await fleet();
    const up = await chat(running, 'big-model');
    expect(up.status).toBe(200);
    expect(up.headers.get('x-olla-endpoint')).toBe('big');
    expect(up.headers.get('x-olla-routing-decision')).toBe('routed');
    await up.arrayBuffer();

    await big.stop();
    await waitFor(() => running.olla.endpoints.get('big')?.status !== 'healthy', 5000, 'big marked down');
    const down = await chat(running, 'big-model');
    expect(down.status).toBe(200);
    expect(down.headers.get('x-olla-endpoint')).toBe('small');
    expect(down.headers.get('x-olla-model')).toBe('small-model');
    expect(down.headers.get('x-olla-routing-decision')).toBe('fallback');
    expect(down.headers.get('x-olla-routing-reason')).toMatch(/big-model/);
    await down.arrayBuffer();
    expect(lastModel(small)).toBe('small-model');

    // The Ollama-native route and the Anthropic route fall back the same way.
    const native = await fetch(`${running.url}/olla/ollama/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'big-model', messages: [{ role: 'user', content: 'hi' }], stream: false }),
    });
    expect(native.status).toBe(200);
    expect(native.headers.get('x-olla-routing-decision')).toBe('fallback');
    await native.arrayBuffer();
    expect(lastModel(small)).toBe('small-model');

    const anthropic = await fetch(`${running.url}/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'big-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(anthropic.status).toBe(200);
    expect(anthropic.headers.get('x-olla-model')).toBe('small-model');
    expect(anthropic.headers.get('x-olla-routing-decision')).toBe('fallback');
    await anthropic.arrayBuffer();
    expect(lastModel(small)).toBe('small-model');

    const stats = (await getJson(running, '/internal/stats/models')) as {
      models: { name: string; routing_fallbacks: number }[];
    };
    expect(stats.models.find((m) => m.name === 'big-model')?.routing_fallbacks).toBe(3);
  });

  it('falls back when every node of the model stays full past the queue wait', async () => {
    const big = await mock({ name: 'big', flavour: 'openai', models: ['big-model'] });
    const small = await mock({ name: 'small', flavour: 'openai', models: ['small-model'], recordBodies: true });
    big.setFault('slow-headers:2000', { paths: ['/v1/chat/completions'] });
    const running = await olla(
      [
        { name: 'big', url: big.url, type: 'openai', max_concurrent_requests: 1 },
        { name: 'small', url: small.url, type: 'openai' },
      ],
      { model_fallbacks: { 'big-model': ['small-model'] }, proxy: { queue: { enabled: true, max_wait: '200ms' } } },
    );
    await waitForHealthy(running, ['big', 'small'], { models: ['big-model', 'small-model'] });
    const holder = chat(running, 'big-model');
    await waitFor(async () => running.olla.connections('big') === 1, 2000, 'big busy');
    const overflow = await chat(running, 'big-model');
    expect(overflow.status).toBe(200);
    expect(overflow.headers.get('x-olla-endpoint')).toBe('small');
    expect(overflow.headers.get('x-olla-routing-reason')).toMatch(/at_capacity/);
    await overflow.arrayBuffer();
    expect(lastModel(small)).toBe('small-model');
    await (await holder).arrayBuffer();
  });

  it('honours a per-request models list in an OpenAI body', async () => {
    const { small, running } = await fleet({ model_fallbacks: {} });
    const response = await chat(running, 'not-anywhere', { extra: { models: ['small-model'] } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-olla-endpoint')).toBe('small');
    expect(response.headers.get('x-olla-model')).toBe('small-model');
    await response.arrayBuffer();
    expect(lastModel(small)).toBe('small-model');
  });

  it('falls back from a model named in any script, its name sent as UTF-8 in the routing reason', async () => {
    const { small, running } = await fleet({ model_fallbacks: {} });
    // Node refuses a header character past U+00FF: unencoded, the answer failed (502) and never arrived.
    const asked = 'модель-\u6a21\u578b\r\nx-injected: 1';
    const response = await chat(running, asked, { extra: { models: ['small-model'] } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-olla-endpoint')).toBe('small');
    expect(response.headers.has('x-injected')).toBe(false);
    // fetch reads header bytes as latin1; the bytes are the reason's UTF-8, line break as spaces.
    const reason = Buffer.from(response.headers.get('x-olla-routing-reason') ?? '', 'latin1').toString('utf8');
    expect(reason).toBe(`fallback from ${asked.replace('\r\n', '  ')} (model_not_found)`);
    await response.arrayBuffer();
    expect(lastModel(small)).toBe('small-model');
  });
});
