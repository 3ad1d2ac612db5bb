import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, mockReplyText, startMockBackend } from '../mock/backend.js';
import { toolCallThenText } from '../mock/tool-turn.js';

/**
 * The Responses API through Olla with the official `openai` SDK: translated to chat completions
 * for a backend that speaks only those (llama.cpp), passed through untouched to one that serves
 * `/v1/responses` itself (vLLM).
 */

const MODEL = 'qwen3:8b';
let mock: MockBackend | undefined;
let olla: RunningOlla | undefined;

afterEach(async () => {
  await olla?.close();
  await mock?.close();
  olla = undefined;
  mock = undefined;
});

async function start(type: 'llamacpp' | 'vllm'): Promise<OpenAI> {
  mock = await startMockBackend({ name: 'be', flavour: type, models: [MODEL], recordBodies: true });
  olla = await startOlla([{ name: 'be', url: mock.url, type }]);
  await waitForHealthy(olla, ['be'], { models: [MODEL] });
  return new OpenAI({ baseURL: `${olla.url}/olla/proxy/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}

/** The last request that was not a health check or model discovery (those keep arriving in the background). */
function lastInference() {
  const found = mock!.requests.findLast((r) => r.method === 'POST');
  if (!found) throw new Error('no inference request reached the backend');
  return found;
}

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('Responses API translated to chat completions', () => {
  it('answers a plain request with a response object', async () => {
    const client = await start('llamacpp');
    const response = await client.responses.create({ model: MODEL, input: 'hello', instructions: 'be brief' });
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(mockReplyText('be', MODEL, 10));
    expect(response.usage?.output_tokens).toBe(10);
    const sent = JSON.parse(lastInference().body!);
    expect(sent.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
    ]);
  });

  it('streams the full event sequence with sequence numbers', async () => {
    const client = await start('llamacpp');
    const stream = await client.responses.create({ model: MODEL, input: 'hello', stream: true });
    const events: { type: string; sequence_number: number }[] = [];
    let text = '';
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe(mockReplyText('be', MODEL, 10));
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = [...new Set(events.map((e) => e.type))];
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  for (const stream of [false, true]) {
    it(`runs a function tool round trip carrying call_id (stream: ${stream})`, async () => {
      const client = await start('llamacpp');
      mock!.setScript(
        toolCallThenText({
          name: 'get_weather',
          arguments: { city: 'Hobart' },
          callId: 'call_w1',
          answer: 'Sunny in Hobart',
        }),
      );
      const collect = async (body: OpenAI.Responses.ResponseCreateParams) => {
        if (!stream) return client.responses.create({ ...body, stream: false });
        const events = await client.responses.create({ ...body, stream: true });
        let done: OpenAI.Responses.Response | undefined;
        for await (const event of events) if (event.type === 'response.completed') done = event.response;
        return done!;
      };
      const first = await collect({ model: MODEL, input: 'weather in Hobart?', tools: [weather] });
      const call = first.output.find((item) => item.type === 'function_call');
      expect(call).toMatchObject({
        type: 'function_call',
        call_id: 'call_w1',
        name: 'get_weather',
        arguments: '{"city":"Hobart"}',
      });
      const second = await collect({
        model: MODEL,
        tools: [weather],
        input: [
          { role: 'user', content: 'weather in Hobart?' },
          ...first.output,
          { type: 'function_call_output', call_id: 'call_w1', output: '{"sky":"clear"}' },
        ] as OpenAI.Responses.ResponseInputItem[],
      });
      expect(second.output_text ?? (second.output[0] as { content: { text: string }[] }).content[0]!.text).toBe(
        'Sunny in Hobart',
      );
      const sent = JSON.parse(lastInference().body!);
      expect(sent.messages.at(-2)).toMatchObject({
        role: 'assistant',
        tool_calls: [{ id: 'call_w1', function: { name: 'get_weather' } }],
      });
      expect(sent.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_w1', content: '{"sky":"clear"}' });
    });
  }

  it('continues a stored response by previous_response_id; an unknown id is a 400', async () => {
    const client = await start('llamacpp');
    const first = await client.responses.create({ model: MODEL, input: 'first turn' });
    await client.responses.create({ model: MODEL, input: 'second turn', previous_response_id: first.id });
    const sent = JSON.parse(lastInference().body!);
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent.messages[1].content).toBe(first.output_text);
    const refused = await client.responses
      .create({ model: MODEL, input: 'x', previous_response_id: 'resp_nope' })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.message).toContain('previous_response_id');
  });

  it('refuses bad input in the OpenAI error shape naming the field', async () => {
    await start('llamacpp');
    const res = await fetch(`${olla!.url}/olla/proxy/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: [{ type: 'function_call_output', output: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('input.0.call_id: required');
  });

  it('drops built-in tools with a warning header and counts requests in the translator stats', async () => {
    await start('llamacpp');
    const res = await fetch(`${olla!.url}/olla/llamacpp/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: 'hi', tools: [{ type: 'web_search' }, weather] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-olla-warning')).toContain('web_search');
    const stats = (await (await fetch(`${olla!.url}/internal/stats/translators`)).json()) as {
      translators: { translator_name: string }[];
    };
    expect(stats.translators.find((t: { translator_name: string }) => t.translator_name === 'responses')).toMatchObject(
      { total_requests: 1, translation_requests: 1 },
    );
  });
});

describe('Responses API passthrough', () => {
  it('forwards to a native backend untouched, streaming included', async () => {
    const client = await start('vllm');
    const response = await client.responses.create({ model: MODEL, input: 'hello' });
    expect(response.output_text).toBe(mockReplyText('be', MODEL, 10));
    expect(lastInference().path).toBe('/v1/responses');
    const body = JSON.stringify({ model: MODEL, input: 'hello', stream: true });
    const res = await fetch(`${olla!.url}/olla/vllm/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.headers.get('x-olla-mode')).toBe('passthrough');
    const text = await res.text();
    expect(lastInference().body).toBe(body);
    expect(text).toContain('event: response.completed');
    const stream = await client.responses.create({ model: MODEL, input: 'hello', stream: true });
    let streamed = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') streamed += event.delta;
    expect(streamed).toBe(mockReplyText('be', MODEL, 10));
  });
});
