import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnthropicTranslatorConfig } from '../../../config/types.js';
import { BadRequestError, PayloadTooLargeError } from '../../../core/errors.js';
import { createInspector } from '../../inspector/session-inspector.js';
import type { ResponseOutcome } from './interceptor.js';
import { AnthropicTranslator } from './translator.js';

const config = (over: Partial<AnthropicTranslatorConfig> = {}): AnthropicTranslatorConfig => ({
  enabled: true,
  passthroughEnabled: true,
  maxMessageSize: 1024,
  inspector: { enabled: false, outputDir: '', sessionHeader: 'X-Session-ID' },
  ...over,
});

const body = (over: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({ model: 'llama3', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], ...over }),
  );

async function drain(transform: Transform, input: string): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([Buffer.from(input)]), transform, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(Buffer.from(chunk));
  });
  return Buffer.concat(out).toString();
}

describe('AnthropicTranslator', () => {
  it('translates a request body into an OpenAI body for /v1/chat/completions', () => {
    const translator = new AnthropicTranslator(config());
    const t = translator.translateRequest(body({ stream: true }));
    expect(t).toMatchObject({ model: 'llama3', stream: true, targetPath: '/v1/chat/completions' });
    expect(JSON.parse(t.openai.toString())).toMatchObject({
      model: 'llama3',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('refuses bodies over max_message_size with 413 and bad fields with 400', () => {
    const translator = new AnthropicTranslator(config({ maxMessageSize: 10 }));
    expect(() => translator.parse(body())).toThrow(PayloadTooLargeError);
    expect(() => translator.countTokens(body())).toThrow(PayloadTooLargeError);
    const translator2 = new AnthropicTranslator(config());
    const parseMissing = () => translator2.validate(translator2.parse(body({ max_tokens: undefined })));
    expect(parseMissing).toThrow(BadRequestError);
    expect(parseMissing).toThrow('max_tokens: required');
  });

  it('falls back to a 10 MiB limit when max_message_size is unset', () => {
    expect(new AnthropicTranslator(config({ maxMessageSize: 0 })).maxBodySize).toBe(10 * 1024 * 1024);
  });

  it('seeds message_start with the estimated input tokens', async () => {
    const translator = new AnthropicTranslator(config());
    const t = translator.translateRequest(body({ stream: true, system: 'x'.repeat(38) }));
    const out = await drain(t.interceptor.onResponse(200, {}).body, 'data: [DONE]\n\n');
    expect(out).toContain('"input_tokens":10');
  });

  it('decides passthrough from the parsed request and the candidates', () => {
    const translator = new AnthropicTranslator(config());
    const decision = translator.decidePassthrough(translator.parse(body()), [], () => undefined);
    expect(decision).toEqual({ mode: 'translation', fallbackReason: 'no_compatible_endpoints' });
  });

  it('counts tokens and lists models in Anthropic shape', () => {
    const translator = new AnthropicTranslator(config());
    expect(translator.countTokens(body())).toEqual({ input_tokens: 1 });
    expect(JSON.parse(translator.modelsList(['a']).toString())).toMatchObject({ data: [{ id: 'a', type: 'model' }] });
  });

  it('reports how the response ended', async () => {
    const outcomes: ResponseOutcome[] = [];
    const t = new AnthropicTranslator(config()).translateRequest(body(), { onComplete: (o) => outcomes.push(o) });
    await drain(t.interceptor.onResponse(500, {}).body, '{"error":{"message":"boom"}}');
    expect(outcomes).toEqual([{ status: 500, message: undefined, failed: true }]);
  });
});

describe('AnthropicTranslator with the inspector on', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'olla-inspector-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('logs the request and the translated reply under the session header', async () => {
    const inspectorConfig = { enabled: true, outputDir: dir, sessionHeader: 'X-Session-ID' };
    const inspector = createInspector(inspectorConfig);
    const translator = new AnthropicTranslator(config({ inspector: inspectorConfig }), { inspector });
    const t = translator.translateRequest(body({ stream: true, metadata: { user_id: 'u', api_key: 'sk-secret' } }), {
      headers: { 'x-session-id': 'debug-1' },
    });
    await drain(
      t.interceptor.onResponse(200, {}).body,
      'data: {"choices":[{"delta":{"content":"Hello"}}]}\n\ndata: [DONE]\n\n',
    );
    await inspector.flush();
    const [day] = await readdir(dir);
    const lines = (await readFile(join(dir, day!, 'debug-1.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ type: 'request', model: 'llama3', body: { metadata: { api_key: '[redacted]' } } });
    expect(lines[1]).toMatchObject({ type: 'response', body: { content: [{ type: 'text', text: 'Hello' }] } });
  });
});
