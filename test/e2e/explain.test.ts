/** `/internal/explain` against a real Olla and two mocks: it answers without sending anything. */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fleet(
  overrides: Record<string, unknown> = {},
): Promise<{ a: MockBackend; b: MockBackend; olla: RunningOlla }> {
  const a = await startMockBackend({ name: 'node-a', flavour: 'ollama', models: ['llama3.2:3b', 'qwen2.5:7b'] });
  cleanups.push(() => a.close());
  const b = await startMockBackend({ name: 'node-b', flavour: 'vllm', models: ['llama3.2:3b'] });
  cleanups.push(() => b.close());
  const olla = await startOlla(
    [
      { name: 'node-a', url: a.url, type: 'ollama' },
      { name: 'node-b', url: b.url, type: 'vllm' },
    ],
    overrides,
  );
  cleanups.push(() => olla.close());
  await waitForHealthy(olla, ['node-a', 'node-b'], { models: ['llama3.2:3b', 'qwen2.5:7b'] });
  return { a, b, olla };
}

/** The parts of an explain answer these tests read. */
interface Explained {
  request: { model: string | null };
  route: Record<string, unknown>;
  routing: Record<string, unknown> | null;
  endpoints: { name: string; verdict: string; detail: string; loaded?: boolean }[];
  fallback?: { chain: string[]; links: { model: string; outcome: string }[]; served_model: string | null };
  residency?: { model: string; loaded_on: string[] };
  translator?: Record<string, unknown>;
  sticky: unknown;
  balancer: { name: string; would_pick: string | null; sends_model_as?: string };
  error?: { code: string };
  sent: boolean;
}

const inferencePaths = (backend: MockBackend) => backend.requests.filter((r) => r.method === 'POST').map((r) => r.path);

describe('/internal/explain', () => {
  it('lists both nodes for a model only one has, the other with its reason, and sends nothing', async () => {
    const { a, b, olla } = await fleet();
    const res = await fetch(`${olla.url}/internal/explain?model=qwen2.5:7b&path=/olla/proxy/v1/chat/completions`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Explained;
    expect(body.routing).toMatchObject({ action: 'routed' });
    expect(body.endpoints).toEqual([
      expect.objectContaining({ name: 'node-a', verdict: 'kept' }),
      expect.objectContaining({ name: 'node-b', verdict: 'lacks_model' }),
    ]);
    expect(body.balancer).toMatchObject({ name: 'round-robin', would_pick: 'node-a' });
    expect(body.sent).toBe(false);
    expect(inferencePaths(a)).toEqual([]);
    expect(inferencePaths(b)).toEqual([]);
  });

  it('does not advance the round-robin: the next real request goes where explain said', async () => {
    const { olla } = await fleet();
    const ask = async () =>
      ((await (await fetch(`${olla.url}/internal/explain?model=llama3.2:3b`)).json()) as Explained).balancer.would_pick;
    const predicted = await ask();
    expect(await ask()).toBe(predicted);
    const real = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(real.headers.get('x-olla-endpoint')).toBe(predicted);
  });

  it('takes the model from a POSTed body, says why a provider route leaves a node out, and reports a miss', async () => {
    const { olla } = await fleet({ proxy: { sticky_sessions: { enabled: true } } });
    const res = await fetch(`${olla.url}/internal/explain?path=/olla/vllm/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-olla-session-id': 'conv-1' },
      body: JSON.stringify({ model: 'llama3.2:3b', messages: [] }),
    });
    const body = (await res.json()) as Explained;
    expect(body.request.model).toBe('llama3.2:3b');
    expect(body.route).toMatchObject({ provider: 'vllm', path_allowed: true });
    expect(body.endpoints).toEqual([
      expect.objectContaining({ name: 'node-a', verdict: 'wrong_type' }),
      expect.objectContaining({ name: 'node-b', verdict: 'kept' }),
    ]);
    expect(body.sticky).toEqual({ result: 'miss', source: 'session_header' });
    expect(body.balancer.would_pick).toBe('node-b');

    const unknown = (await (await fetch(`${olla.url}/internal/explain?model=nope`)).json()) as Explained;
    expect(unknown.error?.code).toBe('OLLA_ERR_MODEL_NOT_FOUND');
    expect(unknown.balancer.would_pick).toBeNull();
    expect(unknown.endpoints.map((e) => e.verdict)).toEqual(['lacks_model', 'lacks_model']);
  });

  it('answers 400 for a path that is no proxy route, and is guarded like the other /internal routes', async () => {
    const { olla } = await fleet({ server: { auth: { token: 'secret' } } });
    expect((await fetch(`${olla.url}/internal/explain?model=x`)).status).toBe(401);
    const bad = await fetch(`${olla.url}/internal/explain?path=/v1/chat`, {
      headers: { authorization: 'Bearer secret' },
    });
    expect(bad.status).toBe(400);
  });

  it('follows a fallback chain: the missing model, then the link that serves, and what the body becomes', async () => {
    const { a, b, olla } = await fleet({ model_fallbacks: { 'gpt-huge': ['qwen2.5:7b'] } });
    const body = await explainOf(olla, '?model=gpt-huge');
    expect(body.fallback).toEqual({
      chain: ['gpt-huge', 'qwen2.5:7b'],
      links: [
        { model: 'gpt-huge', outcome: 'model_not_found' },
        { model: 'qwen2.5:7b', outcome: 'serves' },
      ],
      served_model: 'qwen2.5:7b',
    });
    expect(body.endpoints.map((e) => [e.name, e.verdict])).toEqual([
      ['node-a', 'kept'],
      ['node-b', 'lacks_model'],
    ]);
    expect(body.balancer).toMatchObject({ would_pick: 'node-a', sends_model_as: 'qwen2.5:7b' });
    expect(inferencePaths(a)).toEqual([]);
    expect(inferencePaths(b)).toEqual([]);
  });

  it('names a node a model filter hides the model on', async () => {
    const a = await startMockBackend({ name: 'node-a', flavour: 'ollama', models: ['llama3.2:3b'] });
    cleanups.push(() => a.close());
    const b = await startMockBackend({ name: 'node-b', flavour: 'ollama', models: ['llama3.2:3b'] });
    cleanups.push(() => b.close());
    const olla = await startOlla([
      { name: 'node-a', url: a.url, type: 'ollama' },
      { name: 'node-b', url: b.url, type: 'ollama', model_filter: { exclude: ['llama*'] } },
    ]);
    cleanups.push(() => olla.close());
    await waitForHealthy(olla, ['node-a', 'node-b'], { models: ['llama3.2:3b'] });
    const body = await explainOf(olla, '?model=llama3.2:3b');
    expect(body.endpoints.map((e) => [e.name, e.verdict])).toEqual([
      ['node-a', 'kept'],
      ['node-b', 'filtered'],
    ]);
  });

  it('says a node is ejected after failed requests, and sends nothing while explaining', async () => {
    const { a, b, olla } = await fleet({
      proxy: {
        load_balancer: 'priority',
        outlier_detection: { enabled: true, consecutive_failures: 1, base_ejection_time: '30s' },
      },
    });
    a.setFault('status:500');
    b.setFault('status:500');
    // Round the priority balancer's first choice into a failure: that node is ejected.
    const failed = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await failed.arrayBuffer();
    const ejected = failed.headers.get('x-olla-endpoint')!;
    a.setFault(null);
    b.setFault(null);
    const before = inferencePaths(a).length + inferencePaths(b).length;

    const body = await explainOf(olla, '?model=llama3.2:3b');
    const verdicts = Object.fromEntries(body.endpoints.map((e) => [e.name, e]));
    expect(verdicts[ejected]).toMatchObject({ verdict: 'ejected', detail: expect.stringMatching(/^ejected until /) });
    const other = ejected === 'node-a' ? 'node-b' : 'node-a';
    expect(verdicts[other]?.verdict).toBe('kept');
    expect(body.balancer.would_pick).toBe(other);
    expect(inferencePaths(a).length + inferencePaths(b).length).toBe(before);
  });

  it('says a node is at its concurrency limit while a stream holds its only slot', async () => {
    const a = await startMockBackend({
      name: 'node-a',
      flavour: 'ollama',
      models: ['llama3.2:3b'],
      tokens: 30,
      tokenDelayMs: 100,
    });
    cleanups.push(() => a.close());
    const olla = await startOlla([{ name: 'node-a', url: a.url, type: 'ollama', max_concurrent_requests: 1 }]);
    cleanups.push(() => olla.close());
    await waitForHealthy(olla, ['node-a'], { models: ['llama3.2:3b'] });
    const controller = new AbortController();
    cleanups.push(async () => controller.abort());
    const stream = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:3b', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);

    const body = await explainOf(olla, '?model=llama3.2:3b');
    expect(body.endpoints).toEqual([
      expect.objectContaining({ name: 'node-a', verdict: 'at_limit', detail: expect.stringMatching(/^1\/1 /) }),
    ]);
    expect(inferencePaths(a)).toHaveLength(1);
    controller.abort();
  });

  it('reports residency: which node holds the model, and the balancer picks it', async () => {
    const models = ['alpha', 'beta'];
    const a = await startMockBackend({ name: 'gpu-a', flavour: 'ollama', models, residency: { loaded: 'alpha' } });
    cleanups.push(() => a.close());
    const b = await startMockBackend({ name: 'gpu-b', flavour: 'ollama', models, residency: { loaded: 'beta' } });
    cleanups.push(() => b.close());
    const olla = await startOlla(
      [
        { name: 'gpu-a', url: a.url, type: 'ollama' },
        { name: 'gpu-b', url: b.url, type: 'ollama' },
      ],
      { proxy: { prefer_loaded_models: true } },
    );
    cleanups.push(() => olla.close());
    await waitForHealthy(olla, ['gpu-a', 'gpu-b'], { models });
    await waitFor(
      async () => (await explainOf(olla, '?model=beta')).residency?.loaded_on.length === 1,
      5000,
      'residency polled',
    );
    const body = await explainOf(olla, '?model=beta');
    expect(body.residency).toEqual({ model: 'beta', loaded_on: ['gpu-b'] });
    expect(body.endpoints.map((e) => [e.name, e.verdict, e.loaded])).toEqual([
      ['gpu-a', 'kept', false],
      ['gpu-b', 'kept', true],
    ]);
    expect(body.balancer.would_pick).toBe('gpu-b');
    expect(inferencePaths(a)).toEqual([]);
    expect(inferencePaths(b)).toEqual([]);
  });

  it('explains the Anthropic Messages route: translated or passed through, as a real request then is', async () => {
    const { a, b, olla } = await fleet({ translators: { anthropic: { enabled: true } } });
    const messages = { model: 'qwen2.5:7b', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    const res = await fetch(`${olla.url}/internal/explain?path=/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messages),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Explained;
    expect(body.route).toMatchObject({ provider: 'anthropic', translator: 'anthropic' });
    expect(body.translator).toMatchObject({
      name: 'anthropic',
      mode: expect.stringMatching(/^(passthrough|translation)$/),
    });
    expect(body.balancer.would_pick).toBe('node-a');
    expect(inferencePaths(a)).toEqual([]);
    expect(inferencePaths(b)).toEqual([]);

    const real = await fetch(`${olla.url}/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messages),
    });
    await real.arrayBuffer();
    expect(real.status).toBe(200);
    expect(real.headers.get('x-olla-endpoint')).toBe('node-a');
    expect(real.headers.get('x-olla-mode') === 'passthrough').toBe(body.translator?.mode === 'passthrough');
  });
});

async function explainOf(olla: RunningOlla, query: string): Promise<Explained> {
  const res = await fetch(`${olla.url}/internal/explain${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Explained;
}
