import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MOCK_FLAVOURS,
  type MockBackend,
  type MockBackendOptions,
  mockReplyText,
  scriptSequence,
  startMockBackend,
} from './backend.js';

const started: MockBackend[] = [];

async function mock(options: MockBackendOptions = {}): Promise<MockBackend> {
  const backend = await startMockBackend(options);
  started.push(backend);
  return backend;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((backend) => backend.close()));
});

function post(backend: MockBackend, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${backend.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const chatBody = { model: 'qwen2.5:7b', messages: [{ role: 'user' as const, content: 'Say hello' }] };

describe('the OpenAI wire format', () => {
  it('lists models and answers a chat completion the openai SDK parses', async () => {
    const backend = await mock({ name: 'rack', flavour: 'vllm', models: ['qwen2.5:7b', 'llama3.2:3b'], tokens: 4 });
    const client = new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: 'unused', maxRetries: 0 });

    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['qwen2.5:7b', 'llama3.2:3b']);
    expect(models.data[0]).toMatchObject({ owned_by: 'vllm', max_model_len: 8192 });

    const completion = await client.chat.completions.create({
      ...chatBody,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Hello from rack (qwen2.5:7b) token 1 token 2 token 3 token 4');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(4);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 4);
  });

  it('streams one chunk per token, with usage only when the request asks for it', async () => {
    const backend = await mock({ name: 'rack', tokens: 3 });
    const client = new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: 'unused', maxRetries: 0 });

    const plain = await client.chat.completions.create({ ...chatBody, messages: [...chatBody.messages], stream: true });
    const plainChunks = [];
    for await (const chunk of plain) plainChunks.push(chunk);
    expect(plainChunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      mockReplyText('rack', 'qwen2.5:7b', 3),
    );
    expect(plainChunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(plainChunks.some((chunk) => chunk.usage)).toBe(false);

    const withUsage = await client.chat.completions.create({
      ...chatBody,
      messages: [...chatBody.messages],
      stream: true,
      stream_options: { include_usage: true },
    });
    const usageChunks = [];
    for await (const chunk of withUsage) usageChunks.push(chunk);
    expect(usageChunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });

  it('answers legacy completions and embeddings', async () => {
    const backend = await mock({ name: 'rack', tokens: 2, embeddingDimensions: 4 });
    const client = new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: 'unused', maxRetries: 0 });

    const completion = await client.completions.create({ model: 'm', prompt: 'Once' });
    expect(completion.choices[0]?.text).toBe(mockReplyText('rack', 'm', 2));

    // The SDK asks for base64 and decodes it; plain floats must come out the same.
    const decoded = await client.embeddings.create({ model: 'm', input: ['a', 'b'] });
    const floats = await client.embeddings.create({ model: 'm', input: ['a', 'b'], encoding_format: 'float' });
    expect(decoded.data).toHaveLength(2);
    expect(floats.data[0]?.embedding).toHaveLength(4);
    expect(decoded.data.map((item) => item.embedding)).toEqual(floats.data.map((item) => item.embedding));
  });
});

describe('the Ollama wire format', () => {
  it('answers tags, version, show and chat the ollama client parses', async () => {
    const backend = await mock({ name: 'desk', flavour: 'ollama', models: ['llama3.2:3b', 'qwen2.5:7b'], tokens: 3 });
    const client = new Ollama({ host: backend.url });

    const list = await client.list();
    expect(list.models.map((model) => model.name)).toEqual(['llama3.2:3b', 'qwen2.5:7b']);
    expect(list.models[0]?.details).toMatchObject({ family: 'llama', parameter_size: '3B' });
    expect((await client.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await client.show({ model: 'qwen2.5:7b' })).details.family).toBe('qwen');

    const reply = await client.chat({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.message.content).toBe('Hello from desk (llama3.2:3b) token 1 token 2 token 3');
    expect(reply.eval_count).toBe(3);
  });

  it('streams NDJSON, one object per token and a final done object with counts', async () => {
    const backend = await mock({ name: 'desk', flavour: 'ollama', tokens: 3 });
    const client = new Ollama({ host: backend.url });

    const parts = [];
    for await (const part of await client.chat({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })) {
      parts.push(part);
    }
    expect(parts).toHaveLength(4);
    expect(parts.slice(0, 3).every((part) => !part.done)).toBe(true);
    expect(parts.map((part) => part.message.content).join('')).toBe(mockReplyText('desk', 'm', 3));
    expect(parts[3]).toMatchObject({ done: true, done_reason: 'stop', eval_count: 3 });

    const generated = [];
    for await (const part of await client.generate({ model: 'm', prompt: 'hi', stream: true })) generated.push(part);
    expect(generated.map((part) => part.response).join('')).toBe(mockReplyText('desk', 'm', 3));
  });

  it('answers both embedding routes and the liveness text on /', async () => {
    const backend = await mock({ flavour: 'ollama', embeddingDimensions: 3 });
    const client = new Ollama({ host: backend.url });

    expect((await client.embed({ model: 'm', input: ['x', 'y'] })).embeddings).toHaveLength(2);
    expect((await client.embeddings({ model: 'm', prompt: 'x' })).embedding).toHaveLength(3);
    expect(await (await fetch(`${backend.url}/`)).text()).toBe('Ollama is running');
  });
});

describe('the Anthropic wire format', () => {
  it('answers a message the Anthropic SDK parses', async () => {
    const backend = await mock({ name: 'claw', flavour: 'anthropic', tokens: 2 });
    const client = new Anthropic({ baseURL: backend.url, apiKey: 'unused', maxRetries: 0 });

    const message = await client.messages.create({
      model: 'm',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: mockReplyText('claw', 'm', 2) }]);
    expect(message.usage.output_tokens).toBe(2);
  });

  it('streams the exact event sequence of the Messages API', async () => {
    const backend = await mock({ name: 'claw', flavour: 'vllm', tokens: 2 });
    const client = new Anthropic({ baseURL: backend.url, apiKey: 'unused', maxRetries: 0 });

    const stream = await client.messages.create({
      model: 'm',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    // The SDK swallows ping; the raw stream below checks it is there.
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toBe(mockReplyText('claw', 'm', 2));

    const raw = await (await post(backend, '/v1/messages', { model: 'm', stream: true, messages: [] })).text();
    expect([...raw.matchAll(/^event: (\S+)$/gm)].map((match) => match[1])).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('counts tokens, and leaves /v1/messages out where the real backend has none', async () => {
    const backend = await mock({ flavour: 'llamacpp' });
    const client = new Anthropic({ baseURL: backend.url, apiKey: 'unused', maxRetries: 0 });
    const counted = await client.messages.countTokens({
      model: 'm',
      messages: [{ role: 'user', content: 'twelve chars' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);

    const sglang = await mock({ flavour: 'sglang' });
    expect((await post(sglang, '/v1/messages', { model: 'm', messages: [] })).status).toBe(404);
    const forced = await mock({ flavour: 'sglang', anthropic: true });
    expect((await post(forced, '/v1/messages', { model: 'm', messages: [] })).status).toBe(200);
  });
});

describe('every flavour', () => {
  const nativeListings: Record<string, string> = {
    ollama: '/api/tags',
    lmstudio: '/api/v0/models',
    lemonade: '/api/v1/models',
  };

  it.each(MOCK_FLAVOURS)('%s answers its health path and the generic OpenAI routes', async (flavour) => {
    const backend = await mock({ name: `n-${flavour}`, flavour, models: ['phi4:14b'], tokens: 1 });

    const health = await fetch(`${backend.url}${backend.healthPath}`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-mock-backend')).toBe(`n-${flavour}`);

    const models = (await (await fetch(`${backend.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((model) => model.id)).toEqual(['phi4:14b']);

    const native = nativeListings[flavour];
    if (native) expect(JSON.stringify(await (await fetch(`${backend.url}${native}`)).json())).toContain('phi4:14b');

    const chat = (await (await post(backend, '/v1/chat/completions', { model: 'phi4:14b', messages: [] })).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(chat.choices[0]?.message.content).toBe(`Hello from n-${flavour} (phi4:14b) token 1`);
  });

  it('serves models changed at run time', async () => {
    const backend = await mock({ flavour: 'ollama', models: ['a:1b'] });
    backend.setModels([{ name: 'b:2b', family: 'custom', extra: { tag: 'x' } }]);
    const tags = (await (await fetch(`${backend.url}/api/tags`)).json()) as { models: unknown[] };
    expect(tags.models).toEqual([
      expect.objectContaining({ name: 'b:2b', tag: 'x', details: expect.objectContaining({ family: 'custom' }) }),
    ]);
  });

  it('answers 404 in the route dialect for unknown models when strict', async () => {
    const backend = await mock({ flavour: 'ollama', models: ['known'], strictModels: true });
    const ollamaAnswer = await post(backend, '/api/chat', { model: 'other', messages: [] });
    expect(ollamaAnswer.status).toBe(404);
    expect(await ollamaAnswer.json()).toEqual({ error: 'model "other" not found on mock' });
    const openAiAnswer = await post(backend, '/v1/chat/completions', { model: 'other', messages: [] });
    expect(((await openAiAnswer.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
  });
});

describe('streaming', () => {
  it('writes tokens as they are produced, not all at once', async () => {
    const backend = await mock({ tokens: 2, tokenDelayMs: 200 });
    const response = await post(backend, '/v1/chat/completions', { ...chatBody, stream: true });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('token 1');
    expect(first).not.toContain('token 2');
    expect(backend.activeStreams).toBe(1);
    await reader.cancel();
  });

  it('stops writing and reports the close when the client goes away', async () => {
    const backend = await mock();
    backend.setScript(() => ({
      kind: 'sse',
      frames: [{ data: { n: 1 } }, { data: { n: 2 }, delayMs: 60_000 }],
    }));
    const controller = new AbortController();
    const response = await fetch(`${backend.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...chatBody, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":1}\n\n');
    controller.abort();

    const closed = await backend.waitForStreamClosed();
    expect(closed).toMatchObject({ reason: 'client', framesWritten: 1, path: '/v1/chat/completions' });
    expect(backend.activeStreams).toBe(0);
  });

  it('hands out a stream close that happened before the wait', async () => {
    const backend = await mock({ tokens: 1 });
    await (await post(backend, '/v1/chat/completions', { ...chatBody, stream: true })).text();
    await expect(backend.waitForStreamClosed({ reason: 'completed' })).resolves.toMatchObject({ framesWritten: 3 });
    await expect(backend.waitForStreamClosed({ reason: 'completed', timeoutMs: 50 })).rejects.toThrow(
      /no stream closed/,
    );
  });
});

describe('scripted responses', () => {
  it('replay SSE chunks byte for byte, tool-call fragments and all', async () => {
    const backend = await mock();
    const toolChunk = (args: string) => ({
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args } }] }, finish_reason: null },
      ],
    });
    backend.setScript((request) =>
      request.stream
        ? {
            kind: 'sse',
            frames: [
              { data: toolChunk('{"ci') },
              { data: toolChunk('ty":"Perth"}'), delayMs: 5 },
              { raw: ': keep-alive\n\n' },
            ],
            end: 'none',
          }
        : undefined,
    );

    const streamed = await (await post(backend, '/v1/chat/completions', { ...chatBody, stream: true })).text();
    expect(streamed).toBe(
      `data: ${JSON.stringify(toolChunk('{"ci'))}\n\ndata: ${JSON.stringify(toolChunk('ty":"Perth"}'))}\n\n: keep-alive\n\n`,
    );
    // Not streamed: the script passes and the mock answers as usual.
    const plain = (await (await post(backend, '/v1/chat/completions', chatBody)).json()) as { object: string };
    expect(plain.object).toBe('chat.completion');
  });

  it('replay JSON answers in sequence, then fall back to the usual answer', async () => {
    const backend = await mock({ name: 'seq', tokens: 1 });
    backend.setScript(
      scriptSequence(
        { kind: 'json', body: { first: true } },
        { kind: 'json', status: 429, body: { second: true }, headers: { 'retry-after': '1' } },
      ),
    );
    expect(await (await post(backend, '/v1/chat/completions', chatBody)).json()).toEqual({ first: true });
    const second = await post(backend, '/v1/chat/completions', chatBody);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    const third = (await (await post(backend, '/v1/chat/completions', chatBody)).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(third.choices[0]?.message.content).toBe(mockReplyText('seq', 'qwen2.5:7b', 1));
  });

  it('end a scripted stream with [DONE] by default, or by destroying the socket', async () => {
    const backend = await mock();
    backend.setScript(
      scriptSequence({ kind: 'sse', frames: [{ data: 'x' }] }, { kind: 'sse', frames: [{ data: 'y' }], end: 'close' }),
    );
    expect(await (await post(backend, '/v1/chat/completions', chatBody)).text()).toBe('data: x\n\ndata: [DONE]\n\n');
    await expect((await post(backend, '/v1/chat/completions', chatBody)).text()).rejects.toThrow();
  });
});

describe('authentication', () => {
  it('demands the bearer token, except on the health path', async () => {
    const backend = await mock({ flavour: 'vllm', authToken: 's3cret' });
    expect((await fetch(`${backend.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${backend.url}/v1/models`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    expect((await fetch(`${backend.url}/health`)).status).toBe(200);
  });

  it('takes x-api-key on the Anthropic routes', async () => {
    const backend = await mock({ flavour: 'anthropic', authToken: 's3cret' });
    const client = new Anthropic({ baseURL: backend.url, apiKey: 's3cret', maxRetries: 0 });
    await expect(client.messages.create({ model: 'm', max_tokens: 8, messages: [] })).resolves.toBeDefined();
    const denied = await post(backend, '/v1/messages', { model: 'm', messages: [] }, { 'x-api-key': 'wrong' });
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });
});

describe('observability', () => {
  it('echoes method, path, query, headers and a digest of the body', async () => {
    const backend = await mock({ name: 'echoer' });
    const response = await fetch(`${backend.url}/echo?a=1&b=%20`, {
      method: 'PATCH',
      headers: { 'x-custom': 'kept' },
      body: 'hello',
    });
    expect(await response.json()).toMatchObject({
      backend: 'echoer',
      method: 'PATCH',
      path: '/echo',
      query: 'a=1&b=%20',
      headers: { 'x-custom': 'kept' },
      bodyLength: 5,
      bodySha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    });
  });

  it('records requests until cleared, and bodies only when asked', async () => {
    const backend = await mock({ recordBodies: true, recordLimit: 4 });
    for (let i = 0; i < 5; i++) await (await fetch(`${backend.url}/v1/models?i=${i}`)).text();
    await (await post(backend, '/v1/chat/completions', chatBody)).text();
    expect(backend.requestCount).toBe(6);
    expect(backend.requests.length).toBeLessThanOrEqual(4);
    expect(backend.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      bodyLength: JSON.stringify(chatBody).length,
      body: JSON.stringify(chatBody),
    });
    backend.clear();
    expect(backend.requests).toEqual([]);
    expect(backend.requestCount).toBe(0);
  });
});

describe('lifecycle', () => {
  it('stops, refuses connections, and starts again on the same port', async () => {
    const backend = await mock({ flavour: 'ollama' });
    const { port } = backend;
    await backend.stop();
    expect(backend.listening).toBe(false);
    await expect(fetch(`${backend.url}/api/tags`)).rejects.toThrow();
    await backend.start();
    expect(backend.port).toBe(port);
    expect((await fetch(`${backend.url}/api/tags`)).status).toBe(200);
  });

  it('ends in-flight streams when stopped, and reports them as stopped', async () => {
    const backend = await mock({ tokens: 2, tokenDelayMs: 60_000 });
    const response = await post(backend, '/v1/chat/completions', { ...chatBody, stream: true });
    const body = response.text();
    await backend.stop();
    await expect(body).rejects.toThrow();
    await expect(backend.waitForStreamClosed({ reason: 'stopped' })).resolves.toMatchObject({ framesWritten: 0 });
  });

  it('refuses to start again once closed', async () => {
    const backend = await mock();
    await backend.close();
    await expect(backend.start()).rejects.toThrow(/closed/);
  });
});
