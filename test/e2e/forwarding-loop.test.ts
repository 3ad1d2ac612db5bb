/**
 * Endpoint URLs that lead back to Olla: its own address behind a port-forward, or two Ollas that
 * each list the other. Each hop used to open another request to Olla until the process ran out
 * of file descriptors; now the request that comes back is answered 508 by the Olla it returned to.
 */
import { describe, expect, it } from 'vitest';
import { waitFor, waitForHealthy } from '../helpers/olla.js';
import { type Relay, startRelay } from '../helpers/relay.js';
import { ENGINES, errorAnswer, useServers } from './proxy-support.js';

const MODEL = 'llama3:8b';

function chat(url: string, model = MODEL): Promise<Response> {
  return fetch(`${url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe.each(ENGINES)('forwarding loops (%s engine)', (engine) => {
  const servers = useServers();

  async function relay(): Promise<Relay> {
    const started = await startRelay();
    servers.defer(() => started.close());
    return started;
  }

  it('marks an endpoint that is Olla itself a config error at its first check, and never routes to it', async () => {
    const mock = await servers.mock({ name: 'desk', flavour: 'ollama', models: [MODEL] });
    const toItself = await relay();
    const olla = await servers.olla(engine, [
      { name: 'desk', url: mock.url, type: 'ollama' },
      { name: 'itself', url: toItself.url, type: 'openai-compatible' },
    ]);
    toItself.target(olla.url);

    await waitForHealthy(olla, ['desk'], { models: [MODEL] });
    await waitFor(() => olla.olla.endpoints.get('itself')?.status === 'config_error', 5000, 'itself refused');

    const answers = await Promise.all(Array.from({ length: 12 }, () => chat(olla.url)));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(answers.map((r) => r.headers.get('x-olla-endpoint'))).toEqual(Array(12).fill('desk'));
    await Promise.all(answers.map((r) => r.arrayBuffer()));
    // Only health checks and model discovery ever went through the relay, never a chat.
    expect(toItself.requests().filter((line) => line.startsWith('POST'))).toEqual([]);
    expect(olla.logs()).toContain('the health check came back to this Olla');
  });

  it('answers a request two Ollas pass between them 508, after one round trip', async () => {
    const toB = await relay();
    const toA = await relay();
    // Optimistic routing sends a model nobody lists to any healthy endpoint: here, always the other Olla.
    const routing = {
      model_registry: { routing_strategy: { type: 'optimistic', options: { fallback_behavior: 'all' } } },
    };
    // Each lists the other's OpenAI-compatible proxy route, as one Olla in front of another would.
    const a = await servers.olla(
      engine,
      [{ name: 'olla-b', url: `${toB.url}/olla/proxy`, type: 'openai-compatible', preserve_path: true }],
      routing,
    );
    const b = await servers.olla(
      engine,
      [{ name: 'olla-a', url: `${toA.url}/olla/proxy`, type: 'openai-compatible', preserve_path: true }],
      routing,
    );
    toB.target(b.url);
    toA.target(a.url);
    await waitForHealthy(a, ['olla-b']);
    await waitForHealthy(b, ['olla-a']);

    const response = await chat(a.url, 'nobody-has-this');
    const answer = await errorAnswer(response);

    expect(answer.status).toBe(508);
    expect(answer.type).toContain('application/json');
    expect(answer.body).toMatchObject({ code: 'OLLA_ERR_FORWARDING_LOOP', status: 508 });
    expect(answer.body.error).toMatch(/already passed through this Olla/);
    // A → B → A, refused there: one chat each way, not one per hop until the descriptors ran out.
    const chats = (r: Relay) => r.requests().filter((line) => line.startsWith('POST'));
    expect(chats(toB)).toEqual(['POST /olla/proxy/v1/chat/completions']);
    expect(chats(toA)).toEqual(['POST /olla/proxy/v1/chat/completions']);
    expect(a.logs()).toContain('forwarding loop: a request came back to this Olla');
  });
});
