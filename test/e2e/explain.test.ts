/** `/internal/explain` against a real Olla and two mocks: it answers without sending anything. */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
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
  endpoints: { name: string; verdict: string }[];
  sticky: unknown;
  balancer: { name: string; would_pick: string | null };
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
});
