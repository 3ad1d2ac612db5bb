import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicTranslator } from './translator.js';
import type { OpenAIChatRequest, OpenAIChunk } from './types.js';

/**
 * The official Anthropic SDK as the judge: it reads the translated responses from a loopback
 * server, so its own stream accumulator checks the event shapes, block order and tool input JSON.
 */

interface Upstream {
  status: number;
  body: string;
}

let server: Server;
let client: Anthropic;
let upstream: (request: OpenAIChatRequest) => Upstream;
let seen: OpenAIChatRequest | undefined;

const translator = new AnthropicTranslator({
  enabled: true,
  passthroughEnabled: true,
  maxMessageSize: 1 << 20,
  inspector: { enabled: false, outputDir: '', sessionHeader: 'X-Session-ID' },
});

beforeEach(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const translated = translator.translateRequest(Buffer.concat(chunks));
    seen = JSON.parse(translated.openai.toString()) as OpenAIChatRequest;
    const reply = upstream(seen);
    const { status, headers, body } = translated.interceptor.onResponse(reply.status, {});
    res.writeHead(status, headers);
    await pipeline(Readable.from([Buffer.from(reply.body)]), body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'test', maxRetries: 0 });
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const sse = (chunks: OpenAIChunk[]) =>
  `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
const call = (index: number, args: string, id?: string, name?: string): OpenAIChunk => ({
  choices: [{ delta: { tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] } }],
});

describe('the Anthropic SDK reading translated responses', () => {
  it('reads a non-streaming reply', async () => {
    upstream = () => ({
      status: 200,
      body: JSON.stringify({
        model: 'llama3',
        choices: [{ message: { content: 'G’day!' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 4, completion_tokens: 2 },
      }),
    });
    const message = await client.messages.create({
      model: 'llama3',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'G’day!' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 4, output_tokens: 2 });
  });

  it('accumulates a stream of thinking, text and interleaved parallel tool calls', async () => {
    upstream = () => ({
      status: 200,
      body: sse([
        { model: 'qwen3', choices: [{ delta: { reasoning_content: 'Two cities.' } }] },
        { choices: [{ delta: { content: 'Checking ' } }] },
        { choices: [{ delta: { content: 'both.' } }] },
        call(0, '', 'call_a', 'get_weather'),
        call(1, '', 'call_b', 'get_weather'),
        call(0, '{"city":'),
        call(1, '{"city":"Darwin"}'),
        call(0, '"Perth"}'),
        { choices: [{ delta: {}, finish_reason: 'tool_calls' }] },
        { choices: [], usage: { prompt_tokens: 30, completion_tokens: 12 } },
      ]),
    });
    const texts: string[] = [];
    const stream = client.messages
      .stream({
        model: 'qwen3',
        max_tokens: 200,
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
        messages: [{ role: 'user', content: 'Weather in Perth and Darwin?' }],
      })
      .on('text', (t) => texts.push(t));
    const message = await stream.finalMessage();
    expect(seen?.stream_options).toEqual({ include_usage: true });
    expect(texts).toEqual(['Checking ', 'both.']);
    expect(message.model).toBe('qwen3');
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Two cities.', signature: '' },
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Perth' } },
      { type: 'tool_use', id: 'call_b', name: 'get_weather', input: { city: 'Darwin' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 12 });
  });

  it('raises the SDK error class that matches the upstream status', async () => {
    upstream = () => ({ status: 429, body: '{"error":{"message":"slow down"}}' });
    const attempt = client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    await expect(attempt).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await expect(attempt).rejects.toMatchObject({ status: 429, error: { error: { message: 'slow down' } } });
  });

  it('surfaces an error the backend reports mid-stream', async () => {
    upstream = () => ({
      status: 200,
      body: sse([{ choices: [{ delta: { content: 'partial' } }] }, { error: { message: 'backend crashed' } }]),
    });
    const stream = client.messages.stream({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    await expect(stream.finalMessage()).rejects.toThrow('backend crashed');
  });
});
