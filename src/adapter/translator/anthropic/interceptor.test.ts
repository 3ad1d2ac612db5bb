import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../core/errors.js';
import { upstreamErrorMessage } from '../upstream.js';
import { createAnthropicInterceptor, type ResponseOutcome } from './interceptor.js';

async function collect(body: Transform, input: string): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([Buffer.from(input)]), body, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(Buffer.from(chunk));
  });
  return Buffer.concat(out).toString('utf8');
}

const completion = JSON.stringify({
  model: 'llama3',
  choices: [{ message: { content: 'Hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1 },
});

describe('createAnthropicInterceptor', () => {
  it('translates a non-streaming completion into an Anthropic message', async () => {
    const outcomes: ResponseOutcome[] = [];
    const interceptor = createAnthropicInterceptor({ model: 'm', stream: false, onComplete: (o) => outcomes.push(o) });
    const { status, headers, body } = interceptor.onResponse(200, { 'content-length': '123' });
    expect(status).toBe(200);
    expect(headers).toEqual({ 'content-type': 'application/json' });
    const message = JSON.parse(await collect(body, completion));
    expect(message).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'Hello' }],
      usage: { input_tokens: 3 },
    });
    expect(outcomes).toEqual([{ status: 200, message, failed: false }]);
  });

  it('translates a streaming response into Anthropic SSE', async () => {
    const interceptor = createAnthropicInterceptor({ model: 'm', stream: true, inputTokens: 12 });
    const { headers, body } = interceptor.onResponse(200, {});
    expect(headers).toEqual({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const out = await collect(body, 'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: [DONE]\n\n');
    expect(out).toContain('event: message_start');
    expect(out).toContain('"input_tokens":12');
    expect(out).toContain('{"type":"text_delta","text":"Hi"}');
  });

  it('answers an upstream error with its status in Anthropic error shape, streaming or not', async () => {
    for (const stream of [false, true]) {
      const outcomes: ResponseOutcome[] = [];
      const interceptor = createAnthropicInterceptor({
        model: 'm',
        stream,
        requestId: 'req-1',
        onComplete: (o) => outcomes.push(o),
      });
      const { status, headers, body } = interceptor.onResponse(404, {});
      expect(status).toBe(404);
      expect(headers).toEqual({ 'content-type': 'application/json', 'request-id': 'req-1' });
      const payload = JSON.parse(await collect(body, '{"error":{"message":"model \\"x\\" not found","type":"x"}}'));
      expect(payload).toEqual({
        type: 'error',
        error: { type: 'not_found_error', message: 'model "x" not found' },
        request_id: 'req-1',
      });
      expect(outcomes).toEqual([{ status: 404, message: undefined, failed: true }]);
    }
  });

  it('maps rate limits from the backend to rate_limit_error even with a plain-text body', async () => {
    const { body } = createAnthropicInterceptor({ model: 'm', stream: false }).onResponse(429, {});
    const payload = JSON.parse(await collect(body, 'Too Many Requests'));
    expect(payload.error).toEqual({ type: 'rate_limit_error', message: 'Backend error' });
  });

  it('fails with an upstream error when a 2xx body is not a completion', async () => {
    const { body } = createAnthropicInterceptor({ model: 'm', stream: false }).onResponse(200, {});
    await expect(collect(body, '<html>oops</html>')).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('upstreamErrorMessage', () => {
  it.each([
    ['{"error":{"message":"bad things"}}', 'bad things'],
    ['{"error":"ollama says no"}', 'ollama says no'],
    ['{"detail":"x"}', 'Backend error'],
    ['not json', 'Backend error'],
  ])('%s → %s', (body, expected) => {
    expect(upstreamErrorMessage(Buffer.from(body))).toBe(expected);
  });
});
