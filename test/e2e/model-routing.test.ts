/**
 * Issue 5 end to end: routing by model. Which node a request reaches, what the decision headers
 * say, what status a request gets that no node can serve, alias rewriting and capability
 * routing, for each `model_registry.routing_strategy`.
 *
 * The fleet (see models.test.ts for why overlap is expressed this way): an Ollama with
 * `llama3.2:3b` and `qwen2.5:7b`, a vLLM and an LM Studio both with Llama 3.2 under its Hugging
 * Face name, and the LM Studio alone with a vision model.
 */
import { describe, expect, it } from 'vitest';
import { type RunningOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import type { MockBackend } from '../mock/backend.js';
import { ALIAS, type Fleet, HF_LLAMA, NODES, useModelFleet, VISION } from './model-fleet.js';

const fleet = useModelFleet();

/** `strategy` is `model_registry.routing_strategy` in the user's YAML shape. */
function startFleet(strategy?: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return fleet.startFleet({ ...(strategy ? { model_registry: { routing_strategy: strategy } } : {}), ...overrides });
}

interface Answer {
  status: number;
  endpoint: string | null;
  strategy: string | null;
  decision: string | null;
  reason: string | null;
  body: { error?: unknown; model?: unknown };
}

async function chat(olla: RunningOlla, model: string, content: unknown = 'hi'): Promise<Answer> {
  const response = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  const h = response.headers;
  return {
    status: response.status,
    endpoint: h.get('x-olla-endpoint'),
    strategy: h.get('x-olla-routing-strategy'),
    decision: h.get('x-olla-routing-decision'),
    reason: h.get('x-olla-routing-reason'),
    body: (await response.json()) as Answer['body'],
  };
}

/** Sends `n` requests one after another and counts which node answered each. */
async function spread(olla: RunningOlla, model: string, n: number, content?: unknown): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const answer = await chat(olla, model, content);
    expect(answer.status).toBe(200);
    const endpoint = answer.endpoint ?? 'none';
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
  }
  return counts;
}

const headersOf = (a: Answer) => [a.strategy, a.decision, a.reason];

async function takeDown(fleet: Fleet, node: MockBackend, name: string): Promise<void> {
  await node.stop();
  await waitFor(() => fleet.olla.olla.endpoints.get(name)?.status !== 'healthy', 5000, `${name} down`);
}

/** The last chat request body a node received, parsed. */
function lastChatBody(node: MockBackend): { model: string } {
  const record = node.requests.filter((r) => r.path === '/v1/chat/completions').at(-1);
  return JSON.parse(record?.body ?? '{}');
}

describe('routing by model', () => {
  it('sends every request for a model only one node has to that node (100 of 100)', async () => {
    const { olla } = await startFleet();
    expect(await spread(olla, 'qwen2.5:7b', 100)).toEqual({ 'ollama-a': 100 });
    expect(await spread(olla, VISION, 100)).toEqual({ 'lmstudio-c': 100 });
  });

  it('balances a shared model across the nodes that have it, and only those', async () => {
    const { olla } = await startFleet();
    const counts = await spread(olla, HF_LLAMA, 100);
    expect(Object.keys(counts).sort()).toEqual(['lmstudio-c', 'vllm-b']);
    // Round-robin in the test config: an even split, give or take a health-check blip.
    expect(counts['vllm-b']).toBeGreaterThanOrEqual(40);
    expect(counts['lmstudio-c']).toBeGreaterThanOrEqual(40);
  });

  it('routes an alias to every node that knows one of its targets, rewriting the body to that node’s name', async () => {
    const { olla, ollama, vllm, lmstudio } = await startFleet();
    const counts = await spread(olla, ALIAS, 30);
    expect(Object.keys(counts).sort()).toEqual([...NODES].sort());

    expect(lastChatBody(ollama).model).toBe('llama3.2:3b');
    expect(lastChatBody(vllm).model).toBe(HF_LLAMA);
    expect(lastChatBody(lmstudio).model).toBe(HF_LLAMA);
    // Only the model field changes; the rest of the body goes through as sent.
    expect(lastChatBody(ollama)).toEqual({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'hi' }] });

    const answer = await chat(olla, ALIAS);
    expect(headersOf(answer)).toEqual(['alias', 'routed', `alias "${ALIAS}" resolved to 3 endpoint(s)`]);
  });

  it.each([
    ['strict', undefined, 404, ['strict', 'rejected', 'model_not_found']],
    [
      'optimistic with fallback all',
      { type: 'optimistic', options: { fallback_behavior: 'all' } },
      200,
      ['optimistic', 'fallback', 'model_not_found_fallback'],
    ],
  ])(
    'hands an alias whose targets are all down to the %s strategy as a plain name',
    async (_label, strategy, status, headers) => {
      const fleet = await startFleet(strategy, { model_aliases: { qwen: ['qwen2.5:7b'] } });
      await takeDown(fleet, fleet.ollama, 'ollama-a');
      const answer = await chat(fleet.olla, 'qwen');
      expect(answer.status).toBe(status);
      expect(headersOf(answer)).toEqual(headers);
      if (status === 200) {
        // Nobody confirmed serving a target, so the body goes through unrewritten.
        const node = answer.endpoint === 'vllm-b' ? fleet.vllm : fleet.lmstudio;
        expect(lastChatBody(node).model).toBe('qwen');
      }
    },
  );

  it('sends a differently-cased name to every node of the unified model, each under its own name', async () => {
    // Two Ollamas list the same digest under different tags: one unified model.
    const digest = 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72';
    const first = await fleet.mock('ollama-1', 'ollama', [{ name: 'llama3.2:3b', digest }]);
    const second = await fleet.mock('ollama-2', 'ollama', [{ name: 'llama3.2:latest', digest }]);
    const olla = await fleet.startOllaOver([
      { name: 'ollama-1', url: first.url, type: 'ollama' },
      { name: 'ollama-2', url: second.url, type: 'ollama' },
    ]);
    await waitForHealthy(olla, ['ollama-1', 'ollama-2'], { models: ['llama3.2:3b', 'llama3.2:latest'] });
    await waitFor(() => olla.olla.models.find('llama3.2:3b')?.sourceEndpoints.length === 2, 5000, 'merged');

    // An exact native name is matched first, as in the original: only the node that lists it.
    expect(await spread(olla, 'llama3.2:latest', 10)).toEqual({ 'ollama-2': 10 });
    // Any other spelling finds the unified model, and each node gets the name it knows.
    expect(Object.keys(await spread(olla, 'LLAMA3.2:3B', 10)).sort()).toEqual(['ollama-1', 'ollama-2']);
    expect(lastChatBody(first).model).toBe('llama3.2:3b');
    expect(lastChatBody(second).model).toBe('llama3.2:latest');
  });

  it('leaves the body alone for a model requested by its own name', async () => {
    const { olla, ollama } = await startFleet();
    await chat(olla, 'qwen2.5:7b');
    expect(lastChatBody(ollama).model).toBe('qwen2.5:7b');
  });

  it('sends a request with an image part only to a node that has a vision model', async () => {
    const { olla } = await startFleet();
    const withImage = [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ];
    // The shared model sits on vLLM and LM Studio; only LM Studio has a vision model.
    expect(await spread(olla, HF_LLAMA, 20, withImage)).toEqual({ 'lmstudio-c': 20 });
  });
});

describe('the strict strategy (the default)', () => {
  it('routes a known model with model_found', async () => {
    const { olla } = await startFleet();
    const answer = await chat(olla, 'qwen2.5:7b');
    expect(answer.status).toBe(200);
    expect(headersOf(answer)).toEqual(['strict', 'routed', 'model_found']);
  });

  it('answers 404 for a model nobody has, naming it and pointing at /olla/models', async () => {
    const { olla, ollama, vllm, lmstudio } = await startFleet();
    const answer = await chat(olla, 'gpt-5-ultra');
    expect(answer.status).toBe(404);
    expect(headersOf(answer)).toEqual(['strict', 'rejected', 'model_not_found']);
    expect(answer.body.error).toContain('gpt-5-ultra');
    expect(answer.body.model).toBe('gpt-5-ultra');
    expect(JSON.stringify(answer.body)).toContain('/olla/models');
    // Rejected before any node saw it.
    for (const node of [ollama, vllm, lmstudio]) expect(node.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('answers 503 with model_unavailable when the only node with the model is down', async () => {
    const fleet = await startFleet();
    await takeDown(fleet, fleet.ollama, 'ollama-a');
    const answer = await chat(fleet.olla, 'qwen2.5:7b');
    expect(answer.status).toBe(503);
    expect(headersOf(answer)).toEqual(['strict', 'rejected', 'model_unavailable']);
    expect(answer.body.error).toContain('qwen2.5:7b');
  });
});

describe('the optimistic strategy', () => {
  const optimistic = (fallback: string) => ({ type: 'optimistic', options: { fallback_behavior: fallback } });

  it('routes a known model with model_found', async () => {
    const { olla } = await startFleet(optimistic('compatible_only'));
    const answer = await chat(olla, 'qwen2.5:7b');
    expect([answer.status, answer.endpoint]).toEqual([200, 'ollama-a']);
    expect(headersOf(answer)).toEqual(['optimistic', 'routed', 'model_found']);
  });

  it.each([
    ['compatible_only', 404, 'rejected', 'model_not_found'],
    ['none', 404, 'rejected', 'model_not_found'],
    ['all', 200, 'fallback', 'model_not_found_fallback'],
  ])('with fallback %s, a model nobody has gets %i (%s, %s)', async (fallback, status, decision, reason) => {
    const { olla } = await startFleet(optimistic(fallback));
    const answer = await chat(olla, 'gpt-5-ultra');
    expect(answer.status).toBe(status);
    expect(headersOf(answer)).toEqual(['optimistic', decision, reason]);
    if (status === 200) expect(NODES).toContain(answer.endpoint);
  });

  it.each([
    ['compatible_only', 503, 'rejected', 'model_unavailable_compatible_only'],
    ['none', 503, 'rejected', 'model_unavailable_no_fallback'],
    ['all', 200, 'fallback', 'all_healthy_fallback'],
  ])(
    'with fallback %s, a model whose only node is down gets %i (%s, %s)',
    async (fallback, status, decision, reason) => {
      const fleet = await startFleet(optimistic(fallback));
      await takeDown(fleet, fleet.ollama, 'ollama-a');
      const answer = await chat(fleet.olla, 'qwen2.5:7b');
      expect(answer.status).toBe(status);
      expect(headersOf(answer)).toEqual(['optimistic', decision, reason]);
      // Falling back means any healthy node, never the one that is down.
      if (status === 200) expect(['vllm-b', 'lmstudio-c']).toContain(answer.endpoint);
    },
  );
});

describe('the discovery strategy', () => {
  const discovery = (refresh: boolean, fallback = 'compatible_only', timeout = '2s') => ({
    type: 'discovery',
    options: { discovery_refresh_on_miss: refresh, fallback_behavior: fallback, discovery_timeout: timeout },
  });
  // A long interval, so only the refresh on a miss can find a model added after start-up.
  const slowPolling = { discovery: { model_discovery: { interval: '1m' } } };

  it('routes a model it already knows without refreshing (model_found_no_refresh)', async () => {
    const { olla } = await startFleet(discovery(true));
    const answer = await chat(olla, 'qwen2.5:7b');
    expect([answer.status, answer.endpoint]).toEqual([200, 'ollama-a']);
    expect(headersOf(answer)).toEqual(['discovery', 'routed', 'model_found_no_refresh']);
  });

  it('answers 503 with model_unavailable_no_refresh on a miss when refresh_on_miss is off', async () => {
    const { olla } = await startFleet(discovery(false));
    const answer = await chat(olla, 'gpt-5-ultra');
    expect(answer.status).toBe(503);
    expect(headersOf(answer)).toEqual(['discovery', 'rejected', 'model_unavailable_no_refresh']);
  });

  it('refreshes on a miss and routes a model a node gained since the last poll (model_found)', async () => {
    const { olla, vllm } = await startFleet(discovery(true), slowPolling);
    vllm.setModels([HF_LLAMA, 'mistralai/Mistral-7B-Instruct-v0.3']);
    const answer = await chat(olla, 'mistralai/Mistral-7B-Instruct-v0.3');
    expect([answer.status, answer.endpoint]).toEqual([200, 'vllm-b']);
    expect(headersOf(answer)).toEqual(['discovery', 'routed', 'model_found']);
  });

  it.each([
    ['compatible_only', 503, 'rejected', 'model_unavailable_after_discovery'],
    ['none', 503, 'rejected', 'model_unavailable_after_discovery'],
    ['all', 200, 'fallback', 'all_healthy_after_discovery'],
  ])(
    'with fallback %s, a model still missing after the refresh gets %i (%s, %s)',
    async (fallback, status, decision, reason) => {
      const { olla } = await startFleet(discovery(true, fallback), slowPolling);
      const answer = await chat(olla, 'gpt-5-ultra');
      expect(answer.status).toBe(status);
      expect(headersOf(answer)).toEqual(['discovery', decision, reason]);
    },
  );

  it.each([
    ['compatible_only', 503, 'rejected', 'discovery_failed_compatible_only'],
    ['none', 503, 'rejected', 'discovery_failed_no_fallback'],
    ['all', 200, 'fallback', 'discovery_failed_all_fallback'],
  ])('with fallback %s, a refresh that times out gets %i (%s, %s)', async (fallback, status, decision, reason) => {
    const { olla, ollama } = await startFleet(discovery(true, fallback, '150ms'), slowPolling);
    // The model list hangs (health checks use another path), so the refresh outlives its timeout.
    ollama.setFault('hang', { paths: ['/api/tags'] });
    const answer = await chat(olla, 'gpt-5-ultra');
    expect(answer.status).toBe(status);
    expect(headersOf(answer)).toEqual(['discovery', decision, reason]);
    ollama.setFault(null);
  });
});
