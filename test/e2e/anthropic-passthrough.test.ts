import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import {
  type MockBackend,
  type MockBackendOptions,
  type MockScriptedFrame,
  mockReplyText,
  startMockBackend,
} from '../mock/backend.js';

/**
 * Passthrough: a backend whose profile speaks the Anthropic Messages API natively (vLLM) gets the
 * request untouched and its stream reaches the client byte for byte, marked `X-Olla-Mode: passthrough`.
 * Beside it, the translator stats count both modes.
 */

const MODEL = 'qwen3:8b';
const BACKEND = 'vllm-a';

let mocks: MockBackend[] = [];
let olla: RunningOlla | undefined;

afterEach(async () => {
  await olla?.close();
  for (const mock of mocks) await mock.close();
  olla = undefined;
  mocks = [];
});

async function startMock(options: MockBackendOptions): Promise<MockBackend> {
  const mock = await startMockBackend({ recordBodies: true, ...options });
  mocks.push(mock);
  return mock;
}

function clientFor(running: RunningOlla): Anthropic {
  return new Anthropic({ baseURL: `${running.url}/olla/anthropic`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}

const event = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/**
 * An Anthropic stream with the quirks a re-encoding proxy would smooth over: CRLF line ends, an SSE
 * comment, multi-byte text, and one event written in two pieces with a pause between them.
 */
function nativeStream(): MockScriptedFrame[] {
  const start = event('message_start', {
    message: {
      id: 'msg_native_1',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 1 },
    },
  }).replaceAll('\n', '\r\n');
  const emojiDelta = event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' 👋 from vLLM' } });
  const cut = emojiDelta.indexOf('👋');
  return [
    { raw: start },
    { raw: ': keep-alive\n\n' },
    { raw: event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) },
    { raw: event('ping', {}) },
    { raw: event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Grüß dich' } }) },
    { raw: emojiDelta.slice(0, cut) },
    { raw: emojiDelta.slice(cut), delayMs: 20 },
    { raw: event('content_block_stop', { index: 0 }) },
    {
      raw: event('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 6 },
      }),
    },
    { raw: event('message_stop', {}) },
  ];
}

/** A vLLM mock scripted to stream `nativeStream()` on /v1/messages, with Olla in front of it. */
async function startNativeStreamer() {
  const frames = nativeStream();
  const vllm = await startMock({
    name: BACKEND,
    flavour: 'vllm',
    models: [MODEL],
    script: (req) => (req.path === '/v1/messages' && req.stream ? { kind: 'sse', frames, end: 'none' } : undefined),
  });
  const running = await startOlla([{ name: BACKEND, url: vllm.url, type: 'vllm' }]);
  olla = running;
  await waitForHealthy(running, [BACKEND], { models: [MODEL] });
  return { frames, vllm, running };
}

describe('Anthropic passthrough to a backend that speaks the Messages API', () => {
  it('streams the backend bytes to the client unchanged, marked X-Olla-Mode: passthrough', async () => {
    const { frames, vllm, running } = await startNativeStreamer();
    const body = JSON.stringify({
      model: MODEL,
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'Grüß Gott' }],
    });
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body,
      });

    const direct = await post(`${vllm.url}/v1/messages`);
    const directBytes = Buffer.from(await direct.arrayBuffer());
    const proxied = await post(`${running.url}/olla/anthropic/v1/messages`);
    const proxiedBytes = Buffer.from(await proxied.arrayBuffer());

    expect(proxied.status).toBe(200);
    expect(proxied.headers.get('x-olla-mode')).toBe('passthrough');
    expect(proxied.headers.get('content-type')).toContain('text/event-stream');
    expect(proxiedBytes.equals(directBytes)).toBe(true);
    expect(proxiedBytes.equals(Buffer.from(frames.map((f) => ('raw' in f ? f.raw : '')).join('')))).toBe(true);

    // The request went up untouched, to the native Messages path.
    const viaOlla = vllm.requests.filter((r) => r.path === '/v1/messages').at(-1);
    expect(viaOlla?.body).toBe(body);
    expect(vllm.requests.some((r) => r.path === '/v1/chat/completions')).toBe(false);
  });

  it('gives the SDK the native stream and answer, tools included, without translating them', async () => {
    const { vllm, running } = await startNativeStreamer();
    const client = clientFor(running);

    const final = await client.messages
      .stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Grüß Gott' }] })
      .finalMessage();
    expect(final).toMatchObject({
      id: 'msg_native_1',
      content: [{ type: 'text', text: 'Grüß dich 👋 from vLLM' }],
      stop_reason: 'end_turn',
      usage: { output_tokens: 6 },
    });

    const { data, response } = await client.messages
      .create({
        model: MODEL,
        max_tokens: 64,
        tools: [{ name: 'noop', input_schema: { type: 'object', properties: {} } }],
        messages: [{ role: 'user', content: 'hi' }],
      })
      .withResponse();
    expect(response.headers.get('x-olla-mode')).toBe('passthrough');
    expect(data.content).toEqual([{ type: 'text', text: mockReplyText(BACKEND, MODEL, 10) }]);
    expect(vllm.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(2);
  });

  it('forwards what only the native backend can judge, query string and anthropic-* headers included', async () => {
    const vllm = await startMock({ name: BACKEND, flavour: 'vllm', models: [MODEL] });
    olla = await startOlla([{ name: BACKEND, url: vllm.url, type: 'vllm' }]);
    await waitForHealthy(olla, [BACKEND], { models: [MODEL] });
    // Fields and roles newer than Olla, and values the translator would refuse: the backend decides.
    const body = JSON.stringify({
      model: MODEL,
      max_tokens: -5,
      messages: [{ role: 'developer', content: [{ type: 'hologram' }] }],
      brand_new_option: { on: true },
    });
    const res = await fetch(`${olla.url}/olla/anthropic/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'claude-code-20250219,effort-2025-11-24',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-olla-mode')).toBe('passthrough');
    const arrived = vllm.requests.find((r) => r.path === '/v1/messages');
    expect(arrived).toMatchObject({ query: 'beta=true', body });
    expect(arrived?.headers['anthropic-beta']).toBe('claude-code-20250219,effort-2025-11-24');
    expect(arrived?.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('translates instead, with no X-Olla-Mode, when passthrough is switched off', async () => {
    const vllm = await startMock({ name: BACKEND, flavour: 'vllm', models: [MODEL] });
    olla = await startOlla([{ name: BACKEND, url: vllm.url, type: 'vllm' }], {
      translators: { anthropic: { passthrough_enabled: false } },
    });
    await waitForHealthy(olla, [BACKEND], { models: [MODEL] });

    const { data, response } = await clientFor(olla)
      .messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();

    expect(data.content).toEqual([{ type: 'text', text: mockReplyText(BACKEND, MODEL, 10) }]);
    expect(response.headers.get('x-olla-mode')).toBeNull();
    expect(vllm.requests.some((r) => r.path === '/v1/chat/completions')).toBe(true);
    expect(vllm.requests.some((r) => r.path === '/v1/messages')).toBe(false);
  });
});

describe('translator stats', () => {
  it('count passthrough, translated and refused requests, streaming or not, and why translation was used', async () => {
    const vllm = await startMock({ name: BACKEND, flavour: 'vllm', models: [MODEL] });
    const openai = await startMock({ name: 'openai-b', flavour: 'openai', models: ['gpt-oss:20b'] });
    olla = await startOlla([
      { name: BACKEND, url: vllm.url, type: 'vllm' },
      { name: 'openai-b', url: openai.url, type: 'openai-compatible' },
    ]);
    await waitForHealthy(olla, [BACKEND, 'openai-b'], { models: [MODEL, 'gpt-oss:20b'] });
    const client = clientFor(olla);
    const ask = { max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

    await client.messages.create({ model: MODEL, ...ask });
    await client.messages.stream({ model: 'gpt-oss:20b', ...ask }).finalMessage();
    await client.messages.create({ model: 'gpt-oss:20b', ...ask });
    await expect(client.messages.create({ model: 'nobody-has-this', ...ask })).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
    // Passthrough checks only that there is a model and a messages array; this has neither.
    const refused = { max_tokens: 64, messages: 'hi' } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    await expect(client.messages.create(refused)).rejects.toBeInstanceOf(Anthropic.BadRequestError);

    const res = await fetch(`${olla.url}/internal/stats/translators`);
    expect(res.status).toBe(200);
    const stats = (await res.json()) as {
      translators: Array<Record<string, unknown>>;
      summary: Record<string, unknown>;
    };
    expect(stats.translators).toHaveLength(1);
    expect(stats.translators[0]).toMatchObject({
      translator_name: 'anthropic',
      total_requests: 5,
      successful_requests: 3,
      failed_requests: 2,
      passthrough_requests: 1,
      translation_requests: 4,
      streaming_requests: 1,
      non_streaming_requests: 4,
      fallback_cannot_passthrough: 2,
      fallback_no_compatible_endpoints: 1,
      success_rate: '60.0%',
      passthrough_rate: '20.0%',
    });
    expect(stats.summary).toMatchObject({ total_requests: 5, total_passthrough: 1, total_translations: 4 });
  });
});
