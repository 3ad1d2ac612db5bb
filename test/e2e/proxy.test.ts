/**
 * The proxy as a user meets it: the official OpenAI and Ollama clients pointed at Olla's routes,
 * for both engines, against OpenAI-, vLLM- and Ollama-flavoured mock backends.
 */
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type RunningOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, type MockStreamClosed, mockReplyText } from '../mock/backend.js';
import { ENGINES, useServers } from './proxy-support.js';

const OPENAI_MODEL = 'gpt-oss:20b';
const VLLM_MODEL = 'Qwen/Qwen3-8B';
const TOKENS = 8;
const messages = [{ role: 'user' as const, content: 'hi' }];

describe.each(ENGINES)('the official clients through Olla (%s engine)', (engine) => {
  const servers = useServers();

  /** One OpenAI-compatible and one vLLM backend, each with its own model, streaming slowly enough to see. */
  async function openAiAndVllm(): Promise<{ olla: RunningOlla; oa: MockBackend; vllm: MockBackend }> {
    const oa = await servers.mock({ name: 'oa-1', flavour: 'openai', models: [OPENAI_MODEL], tokens: TOKENS });
    const vllm = await servers.mock({ name: 'vllm-1', flavour: 'vllm', models: [VLLM_MODEL], tokens: TOKENS });
    const olla = await servers.olla(engine, [
      { name: 'oa-1', url: oa.url, type: 'openai-compatible' },
      { name: 'vllm-1', url: vllm.url, type: 'vllm' },
    ]);
    await waitForHealthy(olla, ['oa-1', 'vllm-1'], { models: [OPENAI_MODEL, VLLM_MODEL] });
    return { olla, oa, vllm };
  }

  const cases = [
    { route: '/olla/proxy/v1', backend: 'oa-1', type: 'openai-compatible', model: OPENAI_MODEL },
    { route: '/olla/proxy/v1', backend: 'vllm-1', type: 'vllm', model: VLLM_MODEL },
    { route: '/olla/openai/v1', backend: 'oa-1', type: 'openai-compatible', model: OPENAI_MODEL },
    { route: '/olla/openai/v1', backend: 'vllm-1', type: 'vllm', model: VLLM_MODEL },
    { route: '/olla/vllm/v1', backend: 'vllm-1', type: 'vllm', model: VLLM_MODEL },
  ];

  it.each(cases)('answers a chat completion through $route from $backend', async ({ route, backend, type, model }) => {
    const { olla } = await openAiAndVllm();
    const client = new OpenAI({ baseURL: `${olla.url}${route}`, apiKey: 'unused', maxRetries: 0 });

    const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();

    expect(data.choices[0]?.message.content).toBe(mockReplyText(backend, model, TOKENS));
    expect(response.headers.get('x-olla-endpoint')).toBe(backend);
    expect(response.headers.get('x-olla-backend-type')).toBe(type);
    expect(response.headers.get('x-olla-model')).toBe(model);
  });

  it.each(cases)('streams a chat completion through $route from $backend as it is generated', async (c) => {
    const { olla, oa, vllm } = await openAiAndVllm();
    const mock = c.backend === 'oa-1' ? oa : vllm;
    // Long enough between tokens that "first chunk before the last was sent" cannot happen by luck.
    mock.setTokens(TOKENS, 60);
    const closes: MockStreamClosed[] = [];
    mock.events.on('stream-closed', (closed) => closes.push(closed));
    const client = new OpenAI({ baseURL: `${olla.url}${c.route}`, apiKey: 'unused', maxRetries: 0 });

    const { data: stream, response } = await client.chat.completions
      .create({ model: c.model, messages, stream: true })
      .withResponse();
    let text = '';
    let chunks = 0;
    let mockStillStreamingAtFirstChunk = false;
    for await (const chunk of stream) {
      if (chunks === 0) mockStillStreamingAtFirstChunk = mock.activeStreams === 1 && closes.length === 0;
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
    }

    expect(mockStillStreamingAtFirstChunk).toBe(true);
    expect(chunks).toBeGreaterThanOrEqual(TOKENS);
    expect(text).toBe(mockReplyText(c.backend, c.model, TOKENS));
    expect(closes.map((closed) => closed.reason)).toEqual(['completed']);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-olla-endpoint')).toBe(c.backend);
    expect(response.headers.get('x-olla-response-time')).toMatch(/^\d+ms$/);
  });

  it('streams an Ollama chat through /olla/ollama with the ollama client, and lists its models', async () => {
    const model = 'llama3.2:3b';
    const mock = await servers.mock({ name: 'ollama-1', flavour: 'ollama', models: [model], tokens: TOKENS });
    mock.setTokens(TOKENS, 60);
    const olla = await servers.olla(engine, [{ name: 'ollama-1', url: mock.url, type: 'ollama' }]);
    await waitForHealthy(olla, ['ollama-1'], { models: [model] });
    const closes: MockStreamClosed[] = [];
    mock.events.on('stream-closed', (closed) => closes.push(closed));
    const client = new Ollama({ host: `${olla.url}/olla/ollama` });

    const parts = await client.chat({ model, messages, stream: true });
    let text = '';
    let count = 0;
    let mockStillStreamingAtFirstPart = false;
    let done = false;
    for await (const part of parts) {
      if (count === 0) mockStillStreamingAtFirstPart = mock.activeStreams === 1 && closes.length === 0;
      count++;
      text += part.message.content;
      done ||= part.done;
    }
    const listing = await client.list();

    expect(mockStillStreamingAtFirstPart).toBe(true);
    expect(count).toBeGreaterThanOrEqual(TOKENS);
    expect(done).toBe(true);
    expect(text).toBe(mockReplyText('ollama-1', model, TOKENS));
    expect(listing.models.map((m) => m.name)).toContain(model);
  });
});
