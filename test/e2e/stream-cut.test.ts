/**
 * Issue 14: a passthrough stream whose backend dies mid-body ends promptly with an error event in
 * the stream's own format, then a clean end, and the real SDKs raise it as an error: `openai`
 * (an SSE `data: {"error": …}` event), `ollama` (an NDJSON `{"error": …}` line) and
 * `@anthropic-ai/sdk` on Anthropic passthrough (an SSE `event: error`). Both engines.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type RunningOlla, waitForHealthy } from '../helpers/olla.js';
import type { MockFlavour, MockScript } from '../mock/types.js';
import { ENGINES, useServers } from './proxy-support.js';

const MODEL = 'qwen3:8b';
const INTERRUPTED = /backend stream interrupted/;
/** How soon after its backend's death a stream must have ended at the client. */
const PROMPT_MS = 2_000;

const openaiChunk = (text: string) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: MODEL, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
const anthropicEvent = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

describe.each(ENGINES)('a stream cut by its backend dying (%s engine)', (engine) => {
  const servers = useServers();

  async function oneBackend(flavour: MockFlavour, type: string, script?: MockScript): Promise<RunningOlla> {
    const mock = await servers.mock({ name: 'node-a', flavour, models: [MODEL], tokens: 10, tokenDelayMs: 5 });
    const olla = await servers.olla(engine, [{ name: 'node-a', url: mock.url, type }]);
    await waitForHealthy(olla, ['node-a'], { models: [MODEL] });
    if (script) mock.setScript(script);
    else mock.setFault('die-mid-stream', { times: 1, paths: ['/v1/chat/completions', '/api/chat'] });
    return olla;
  }

  /** Iterates the stream to its end; what it threw, how many items came before, and how long it took. */
  async function consume(stream: AsyncIterable<unknown>): Promise<{ error: unknown; items: number; ms: number }> {
    const started = performance.now();
    let items = 0;
    try {
      for await (const _ of stream) items++;
    } catch (error) {
      return { error, items, ms: performance.now() - started };
    }
    return { error: undefined, items, ms: performance.now() - started };
  }

  it('the openai SDK raises an APIError carrying the interruption', async () => {
    const olla = await oneBackend('openai', 'openai-compatible');
    const client = new OpenAI({ baseURL: `${olla.url}/olla/openai/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const { error, items, ms } = await consume(stream);
    expect(items).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(INTERRUPTED);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('upstream_error');
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it('a cut in the middle of an SSE event is closed first: the body still ends cleanly on the error event', async () => {
    const olla = await oneBackend('openai', 'openai-compatible', (req) =>
      req.stream
        ? { kind: 'sse', frames: [{ raw: openaiChunk('Hel') }, { raw: openaiChunk('lo').slice(0, 40) }], end: 'close' }
        : undefined,
    );
    const response = await fetch(`${olla.url}/olla/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = await response.text(); // a cut connection would reject here
    const events = body.split('\n\n').filter((e) => e !== '');
    expect(events[0]).toBe(openaiChunk('Hel').trimEnd());
    expect(events[1]).toBe(openaiChunk('lo').slice(0, 40)); // what the client sees of the cut event
    expect(JSON.parse(events[2]!.replace(/^data: /, ''))).toMatchObject({
      error: { type: 'upstream_error', message: expect.stringMatching(INTERRUPTED) },
    });
    expect(events).toHaveLength(3);
  });

  it('the ollama SDK throws the error line', async () => {
    const olla = await oneBackend('ollama', 'ollama');
    const client = new Ollama({ host: `${olla.url}/olla/ollama` });
    const stream = await client.chat({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const { error, items, ms } = await consume(stream);
    expect(items).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(INTERRUPTED);
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it('the Anthropic SDK raises an api_error from the passthrough stream', async () => {
    const frames = [
      anthropicEvent('message_start', {
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: MODEL,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 3, output_tokens: 1 },
        },
      }),
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
    ].map((raw) => ({ raw }));
    const olla = await oneBackend('vllm', 'vllm', (req) =>
      req.path === '/v1/messages' && req.stream ? { kind: 'sse', frames, end: 'close' } : undefined,
    );
    const client = new Anthropic({
      baseURL: `${olla.url}/olla/anthropic`,
      apiKey: 'x',
      maxRetries: 0,
      timeout: 10_000,
    });
    const stream = await client.messages.create({
      model: MODEL,
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const { error, items, ms } = await consume(stream);
    expect(items).toBe(3);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toMatch(INTERRUPTED);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
    expect(ms).toBeLessThan(PROMPT_MS);
  });
});
