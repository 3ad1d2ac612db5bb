import { performance } from 'node:perf_hooks';
import Anthropic from '@anthropic-ai/sdk';
import { createParser } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenAIChatRequest } from '../../src/adapter/translator/anthropic/types.js';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import {
  type MockBackend,
  type MockBackendOptions,
  type MockScriptedFrame,
  agentToolScript,
  mockReplyText,
  mockTokenText,
  scriptSequence,
  startMockBackend,
} from '../mock/backend.js';

/**
 * The Anthropic Messages API in translation mode, end to end: the official SDK talks to Olla,
 * which translates to OpenAI chat completions for an OpenAI-compatible mock (its profile has no
 * native Anthropic support) and translates the answers back.
 */

const MODEL = 'llama3.2:3b';
const BACKEND = 'node-a';
const REPLY = mockReplyText(BACKEND, MODEL, 10);

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' }, units: { type: 'string', enum: ['metric', 'imperial'] } },
    required: ['city'],
  },
};
const TIME_TOOL = {
  name: 'get_time',
  description: 'Local time in a timezone',
  input_schema: { type: 'object' as const, properties: { tz: { type: 'string' } }, required: ['tz'] },
};

/** A 1×1 transparent PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

let mock: MockBackend | undefined;
let olla: RunningOlla | undefined;

afterEach(async () => {
  await olla?.close();
  await mock?.close();
  olla = undefined;
  mock = undefined;
});

/** An OpenAI mock behind Olla, and an SDK client pointed at Olla's Anthropic front. */
async function startTranslating(
  overrides: Record<string, unknown> = {},
  mockOptions: MockBackendOptions = {},
): Promise<{ client: Anthropic; backend: MockBackend; running: RunningOlla }> {
  const backend = await startMockBackend({
    name: BACKEND,
    flavour: 'openai',
    models: [MODEL],
    recordBodies: true,
    ...mockOptions,
  });
  mock = backend;
  const running = await startOlla([{ name: BACKEND, url: backend.url, type: 'openai-compatible' }], overrides);
  olla = running;
  await waitForHealthy(running, [BACKEND], { models: [MODEL] });
  // No retries: a retried error would hide the status Olla answered, and timeouts bound every call.
  const client = new Anthropic({
    baseURL: `${running.url}/olla/anthropic`,
    apiKey: 'x',
    maxRetries: 0,
    timeout: 10_000,
  });
  return { client, backend, running };
}

/** The OpenAI chat-completion bodies the mock received, in order. */
function chatBodies(backend: MockBackend): OpenAIChatRequest[] {
  return backend.requests
    .filter((r) => r.path === '/v1/chat/completions')
    .map((r) => JSON.parse(r.body ?? '{}') as OpenAIChatRequest);
}

/** One event of a translated stream as it crossed the wire. */
interface WireEvent {
  event: string | undefined;
  data: { type: string; delta?: { text?: string } };
}

async function readEvents(res: Response): Promise<WireEvent[]> {
  const events: WireEvent[] = [];
  createParser({ onEvent: (e) => events.push({ event: e.event, data: JSON.parse(e.data) as WireEvent['data'] }) }).feed(
    await res.text(),
  );
  return events;
}

function chunk(delta: object, finishReason: string | null = null): MockScriptedFrame {
  return {
    data: {
      id: 'chatcmpl-scripted',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: MODEL,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    },
  };
}

function toolCallDelta(index: number, args: string, start?: { id: string; name: string }): MockScriptedFrame {
  const call = start
    ? { index, id: start.id, type: 'function', function: { name: start.name, arguments: args } }
    : { index, function: { arguments: args } };
  return chunk({ tool_calls: [call] });
}

/** Cuts `text` into pieces of `size` characters: the fragments a backend streams arguments in. */
function fragments(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function completion(message: object, finishReason: string) {
  return {
    kind: 'json' as const,
    body: {
      id: 'chatcmpl-scripted',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: finishReason }],
      usage: { prompt_tokens: 42, completion_tokens: 17, total_tokens: 59 },
    },
  };
}

describe('the Anthropic SDK through Olla in translation mode', () => {
  it('answers messages.create with the text the backend produced, translated to an Anthropic message', async () => {
    const { client, backend } = await startTranslating();

    const { data, response } = await client.messages
      .create({
        model: MODEL,
        max_tokens: 64,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hi' }],
      })
      .withResponse();

    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [{ type: 'text', text: REPLY }],
      stop_reason: 'end_turn',
      usage: { output_tokens: 10 },
    });
    expect(data.id).toMatch(/^msg_/);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    // The original marks only passthrough; a translated answer carries no mode header.
    expect(response.headers.get('x-olla-mode')).toBeNull();
    expect(response.headers.get('x-olla-endpoint')).toBe(BACKEND);

    const [sent] = chatBodies(backend);
    expect(sent).toMatchObject({ model: MODEL, max_tokens: 64 });
    expect(sent?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('streams with messages.stream and finalMessage() equal to what the backend sent', async () => {
    const { client, backend } = await startTranslating();

    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const events: string[] = [];
    stream.on('streamEvent', (event) => events.push(event.type));
    const final = await stream.finalMessage();

    expect(final.content).toEqual([{ type: 'text', text: REPLY }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(10);
    // The SDK drops pings; the raw sequence is checked below.
    expect(events).toEqual([
      'message_start',
      'content_block_start',
      ...Array<string>(10).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(chatBodies(backend)[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("sends Anthropic's exact event sequence on the wire, each event named as its payload type", async () => {
    const { running } = await startTranslating({}, { tokens: 3 });

    const res = await fetch(`${running.url}/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(res);

    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
    expect(events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta?.text)).toEqual(
      [1, 2, 3].map((i) => mockTokenText(BACKEND, MODEL, i)),
    );
    expect(events.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } });
  });

  it('sends each event on as soon as its chunk arrives, while the backend is still streaming', async () => {
    const { client, backend } = await startTranslating({}, { tokens: 4, tokenDelayMs: 300 });

    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const streamingWhenFirstDeltaArrived = new Promise<number>((resolve) =>
      stream.once('text', () => resolve(backend.activeStreams)),
    );
    expect(await streamingWhenFirstDeltaArrived).toBe(1);
    expect((await stream.finalMessage()).content).toEqual([{ type: 'text', text: mockReplyText(BACKEND, MODEL, 4) }]);
  });

  it('completes a tool-use round trip: tool_use with the parsed input, then the tool_result answered in text', async () => {
    const args = { city: 'Sydney', units: 'metric' };
    const { client, backend } = await startTranslating(
      {},
      {
        script: scriptSequence(
          completion(
            {
              content: null,
              tool_calls: [
                {
                  id: 'call_weather_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: JSON.stringify(args) },
                },
              ],
            },
            'tool_calls',
          ),
        ),
      },
    );
    const question = { role: 'user' as const, content: 'What is the weather in Sydney?' };

    const first = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'auto' },
      messages: [question],
    });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([{ type: 'tool_use', id: 'call_weather_1', name: 'get_weather', input: args }]);
    expect(first.usage).toMatchObject({ input_tokens: 42, output_tokens: 17 });

    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [WEATHER_TOOL],
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_weather_1', content: '22°C and sunny' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: REPLY }]);
    expect(second.stop_reason).toBe('end_turn');

    const [firstSent, secondSent] = chatBodies(backend);
    expect(firstSent?.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: WEATHER_TOOL.description, parameters: WEATHER_TOOL.input_schema },
      },
    ]);
    expect(firstSent?.tool_choice).toBe('auto');
    expect(secondSent?.messages).toEqual([
      { role: 'user', content: question.content },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_weather_1',
            type: 'function',
            function: { name: 'get_weather', arguments: JSON.stringify(args) },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_weather_1', content: '22°C and sunny' },
    ]);
  });

  it('streams text then a tool call whose arguments arrive in many fragments, and the SDK parses the whole input', async () => {
    const args = { city: 'Melbourne', units: 'metric', note: 'a "quoted" value, ünïcödé and \\ backslash' };
    const pieces = fragments(JSON.stringify(args), 3);
    const { client } = await startTranslating(
      {},
      {
        script: scriptSequence({
          kind: 'sse',
          frames: [
            chunk({ role: 'assistant', content: 'Let me check. ' }),
            toolCallDelta(0, '', { id: 'call_stream_1', name: 'get_weather' }),
            ...pieces.map((piece) => toolCallDelta(0, piece)),
            chunk({}, 'tool_calls'),
          ],
        }),
      },
    );

    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 256,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Weather in Melbourne?' }],
    });
    let jsonDeltas = 0;
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') jsonDeltas++;
    });
    const final = await stream.finalMessage();

    expect(final.content).toEqual([
      { type: 'text', text: 'Let me check. ' },
      { type: 'tool_use', id: 'call_stream_1', name: 'get_weather', input: args },
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(jsonDeltas).toBe(pieces.length);
  });

  it('streams two parallel tool calls whose fragments interleave, each with its whole input', async () => {
    const weather = { city: 'Perth', units: 'imperial' };
    const time = { tz: 'Australia/Perth' };
    const weatherPieces = fragments(JSON.stringify(weather), 5);
    const timePieces = fragments(JSON.stringify(time), 4);
    const interleaved: MockScriptedFrame[] = [];
    for (let i = 0; i < Math.max(weatherPieces.length, timePieces.length); i++) {
      if (weatherPieces[i] !== undefined) interleaved.push(toolCallDelta(0, weatherPieces[i]!));
      if (timePieces[i] !== undefined) interleaved.push(toolCallDelta(1, timePieces[i]!));
    }
    const { client } = await startTranslating(
      {},
      {
        script: scriptSequence({
          kind: 'sse',
          frames: [
            toolCallDelta(0, '', { id: 'call_w', name: 'get_weather' }),
            toolCallDelta(1, '', { id: 'call_t', name: 'get_time' }),
            ...interleaved,
            chunk({}, 'tool_calls'),
          ],
        }),
      },
    );

    const final = await client.messages
      .stream({
        model: MODEL,
        max_tokens: 256,
        tools: [WEATHER_TOOL, TIME_TOOL],
        messages: [{ role: 'user', content: 'Weather and time in Perth?' }],
      })
      .finalMessage();

    expect(final.content).toEqual([
      { type: 'tool_use', id: 'call_w', name: 'get_weather', input: weather },
      { type: 'tool_use', id: 'call_t', name: 'get_time', input: time },
    ]);
    expect(final.stop_reason).toBe('tool_use');
  });

  it('closes the message properly when the backend ends its stream without a finish reason or [DONE]', async () => {
    const { client } = await startTranslating(
      {},
      {
        script: scriptSequence({
          kind: 'sse',
          frames: [chunk({ role: 'assistant', content: 'Cut' }), chunk({ content: ' short' })],
          end: 'none',
        }),
      },
    );

    const final = await client.messages
      .stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();

    expect(final.content).toEqual([{ type: 'text', text: 'Cut short' }]);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('answers two parallel tool calls in one non-streaming reply as two tool_use blocks', async () => {
    const { client } = await startTranslating(
      {},
      {
        script: scriptSequence(
          completion(
            {
              content: null,
              tool_calls: [
                { id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Hobart"}' } },
                {
                  id: 'call_t',
                  type: 'function',
                  function: { name: 'get_time', arguments: '{"tz":"Australia/Hobart"}' },
                },
              ],
            },
            'tool_calls',
          ),
        ),
      },
    );

    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [{ role: 'user', content: 'Weather and time in Hobart?' }],
    });

    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_w', name: 'get_weather', input: { city: 'Hobart' } },
      { type: 'tool_use', id: 'call_t', name: 'get_time', input: { tz: 'Australia/Hobart' } },
    ]);
  });

  it('sends image blocks (base64 and URL) to the backend as image_url parts', async () => {
    const { client, backend } = await startTranslating();

    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'text', text: 'What is in these pictures?' },
          ],
        },
      ],
    });

    expect(message.content).toEqual([{ type: 'text', text: REPLY }]);
    const parts = chatBodies(backend)[0]?.messages[0]?.content;
    expect(parts).toContainEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } });
    expect(parts).toContainEqual({ type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } });
    expect(parts).toContainEqual({ type: 'text', text: 'What is in these pictures?' });
  });
});

describe('the Anthropic SDK streaming a reasoning model through Olla', () => {
  it.each(['reasoning', 'reasoning_content'] as const)(
    'takes %s deltas as a signed thinking block, closed before the tool call, and the turn back',
    async (field) => {
      const script = agentToolScript({
        tool: { name: 'lookup', input: { city: 'Perth' } },
        finalText: 'Sunny in Perth.',
        reasoning: { text: 'Need the weather tool.', field },
      });
      const { client, backend } = await startTranslating({}, { script });
      const tools = [
        { name: 'lookup', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
      ];
      const question = { role: 'user' as const, content: 'Weather in Perth?' };

      const thinking: string[] = [];
      const stream = client.messages.stream({
        model: MODEL,
        max_tokens: 1024,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools,
        messages: [question],
      });
      stream.on('thinking', (delta) => thinking.push(delta));
      const first = await stream.finalMessage();
      expect(thinking.join('')).toBe('Need the weather tool.');
      expect(first.content).toEqual([
        { type: 'thinking', thinking: 'Need the weather tool.', signature: '' },
        { type: 'tool_use', id: 'call_mock_1', name: 'lookup', input: { city: 'Perth' } },
      ]);
      expect(first.stop_reason).toBe('tool_use');

      // The SDK's own message goes back as history, thinking block and all, with the result.
      const second = await client.messages
        .stream({
          model: MODEL,
          max_tokens: 1024,
          tools,
          messages: [
            question,
            { role: 'assistant', content: first.content },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_mock_1', content: '31°C, clear' }] },
          ],
        })
        .finalMessage();
      expect(second.content).toEqual([
        { type: 'thinking', thinking: 'Need the weather tool.', signature: '' },
        { type: 'text', text: 'Sunny in Perth.' },
      ]);
      const sent = chatBodies(backend);
      expect(sent.at(-1)?.messages.at(-1)).toEqual({
        role: 'tool',
        tool_call_id: 'call_mock_1',
        content: '31°C, clear',
      });
    },
  );
});

describe('count_tokens and the model list', () => {
  it('answers count_tokens with { input_tokens } only, to the SDK and to a plain request', async () => {
    const { client, running, backend } = await startTranslating();
    const body = {
      model: MODEL,
      system: 'You are a helpful assistant.',
      messages: [{ role: 'user' as const, content: 'Count the tokens in this sentence, please.' }],
    };

    const counted = await client.messages.countTokens(body);
    expect(counted.input_tokens).toBeGreaterThan(0);

    const res = await fetch(`${running.url}/olla/anthropic/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ input_tokens: counted.input_tokens });
    // Counting is Olla's estimate; no backend is asked.
    expect(chatBodies(backend)).toHaveLength(0);
  });

  it('lists the models in Anthropic format, which the SDK pages through', async () => {
    const { client, running } = await startTranslating();

    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ type: 'model', id: MODEL, display_name: MODEL });
    expect(Number.isNaN(Date.parse(models[0]!.created_at))).toBe(false);

    const raw = (await (await fetch(`${running.url}/olla/anthropic/v1/models`)).json()) as Record<string, unknown>;
    expect(raw).toMatchObject({ has_more: false, first_id: MODEL, last_id: MODEL });
  });
});

interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

function messageOf(error: InstanceType<typeof Anthropic.APIError>): string {
  return (error.error as AnthropicErrorBody).error.message;
}

/** The SDK error a call failed with, checked to carry an Anthropic error body. */
/** The Anthropic translator's entry in `/internal/stats/translators`. */
async function translatorStats(base: string): Promise<Record<string, unknown> | undefined> {
  const res = await fetch(`${base}/internal/stats/translators`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { translators: Record<string, unknown>[] };
  return body.translators.find((t) => t.translator_name === 'anthropic');
}

async function errorOf(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(Anthropic.APIError);
  const apiError = error as InstanceType<typeof Anthropic.APIError>;
  expect(apiError.error).toMatchObject({
    type: 'error',
    error: { type: expect.any(String), message: expect.any(String) },
  });
  return apiError;
}

describe('errors in Anthropic shape', () => {
  it('refuses an invalid request with 400, naming the bad field, and asks no backend', async () => {
    const { client, running, backend } = await startTranslating();

    const invalid = {
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'text', text: 7 }] }],
    } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const error = await errorOf(client.messages.create(invalid));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(messageOf(error)).toContain('messages.0.content.0.text: must be a string');

    const res = await fetch(`${running.url}/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], temperature: 'warm' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as AnthropicErrorBody;
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.error.message).toMatch(/max_tokens|temperature/);
    expect(chatBodies(backend)).toHaveLength(0);
  });

  it('refuses a body over max_message_size with 413', async () => {
    const { client, running } = await startTranslating({ translators: { anthropic: { max_message_size: 2048 } } });
    const big = 'x'.repeat(4096);

    const error = await errorOf(
      client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: big }] }),
    );
    expect(error.status).toBe(413);
    expect(error.error).toMatchObject({ error: { type: 'request_too_large' } });
    // Names the translator's limit, not the server-wide body limit.
    expect(messageOf(error)).toContain('maximum size (2048 bytes)');

    const res = await fetch(`${running.url}/olla/anthropic/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: big }] }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });

    // The refused message counts in the translator's stats, as a refused parse does; count_tokens is not a translation.
    expect(await translatorStats(running.url)).toMatchObject({
      total_requests: 1,
      failed_requests: 1,
      translation_requests: 1,
      non_streaming_requests: 1,
    });
  });

  it('answers 404 not_found_error for a model no backend has', async () => {
    const { client, backend } = await startTranslating();

    const error = await errorOf(
      client.messages.create({
        model: 'no-such-model:1b',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.error).toMatchObject({ error: { type: 'not_found_error' } });
    expect(messageOf(error)).toContain('no-such-model:1b');
    expect(chatBodies(backend)).toHaveLength(0);
  });

  it('answers 503 when no backend is routable', async () => {
    const { client, running, backend } = await startTranslating();
    await backend.stop();
    await waitFor(() => running.olla.endpoints.get(BACKEND)?.status !== 'healthy', 5000, 'node-a unhealthy');

    const error = await errorOf(
      client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error.status).toBe(503);
    expect(error.error).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  it('ends a stream whose backend dies mid-way with an error event, promptly: the SDK raises instead of hanging', async () => {
    const { client, running, backend } = await startTranslating({}, { tokens: 20 });
    backend.setFault('die-mid-stream', { paths: ['/v1/chat/completions'] });

    const started = performance.now();
    const failure = await client.messages
      .stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as Error).message).toContain('backend stream interrupted');
    // Generous: the point is "no hang"; the SDK's own timeout is 10 s.
    expect(performance.now() - started).toBeLessThan(5000);

    const res = await fetch(`${running.url}/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const events = await readEvents(res);
    expect(events[0]?.event).toBe('message_start');
    expect(events.filter((e) => e.event === 'content_block_delta').length).toBeGreaterThan(0);
    // The error ends the stream: no message_delta or message_stop pretend it finished.
    expect(events.at(-1)?.event).toBe('error');
    expect(events.at(-1)?.data).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(events.some((e) => e.event === 'message_stop')).toBe(false);
  });

  it('answers a non-streaming reply cut mid-body with a clean 502 in Anthropic shape, promptly', async () => {
    const { client, running, backend } = await startTranslating();
    backend.setFault('die-mid-stream', { paths: ['/v1/chat/completions'] });

    const started = performance.now();
    const error = await errorOf(
      client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });

    // Nothing of the half reply leaks: the whole answer is the error body, with a length.
    const res = await fetch(`${running.url}/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(body.error.message).toContain('interrupted');

    expect(await translatorStats(running.url)).toMatchObject({ total_requests: 2, failed_requests: 2 });
  });

  it('passes a backend error status through in Anthropic shape', async () => {
    const { client, backend } = await startTranslating();
    backend.setFault('status:429', { paths: ['/v1/chat/completions'] });

    const error = await errorOf(
      client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.error).toMatchObject({ error: { type: 'rate_limit_error' } });
  });
});
