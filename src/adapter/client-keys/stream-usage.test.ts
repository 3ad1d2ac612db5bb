import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestBody } from '../../core/domain/request-body.js';
import { cutInto } from './chunks.fixture.js';
import { askForStreamUsage, reportsStreamUsageOnRequest, UsageChunkFilter } from './stream-usage.js';

const parse = (b: Buffer | undefined) => (b === undefined ? undefined : JSON.parse(b.toString()));
const bodyOf = (json: string) => RequestBody.of(Buffer.from(json));

describe('askForStreamUsage', () => {
  it('asks for usage on a streaming request that did not', () => {
    const body = Buffer.from(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: '{' }] }));
    expect(parse(askForStreamUsage(RequestBody.of(body)))).toEqual({
      ...JSON.parse(body.toString()),
      stream_options: { include_usage: true },
    });
  });

  it('keeps other stream options', () => {
    const body = Buffer.from('{"model":"m","stream":true,"stream_options":{"continuous_usage_stats":true}}');
    expect(parse(askForStreamUsage(RequestBody.of(body)))).toEqual({
      model: 'm',
      stream: true,
      stream_options: { continuous_usage_stats: true, include_usage: true },
    });
  });

  it('leaves alone a request that asked, or does not stream', () => {
    expect(askForStreamUsage(bodyOf('{"stream":true,"stream_options":{"include_usage":true}}'))).toBeUndefined();
    expect(askForStreamUsage(bodyOf('{"model":"m","stream":false}'))).toBeUndefined();
    expect(askForStreamUsage(bodyOf('{"model":"m","stream":false,"logprobs":true}'))).toBeUndefined();
    expect(askForStreamUsage(bodyOf('{"model":"m"}'))).toBeUndefined();
    // A nested `"stream": true` (a tool's parameters) does not make the request stream.
    const nested = '{"model":"m","tools":[{"parameters":{"stream": true}}],"stream":false}';
    expect(askForStreamUsage(bodyOf(nested))).toBeUndefined();
  });

  it('finds a streaming request however its JSON is spaced', () => {
    const body = Buffer.from('{\n  "model": "m",\n  "stream" :\n\ttrue\n}');
    expect(parse(askForStreamUsage(RequestBody.of(body)))).toEqual({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('asks the same of a body however the connection cut it into chunks', () => {
    const bytes = Buffer.from('{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}');
    const asked = askForStreamUsage(RequestBody.of(bytes));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 20 }), (sizes) => {
        const chunks = cutInto(bytes, sizes);
        expect(askForStreamUsage(RequestBody.ofChunks(chunks, bytes.length))).toEqual(asked);
      }),
    );
  });

  it('knows which paths report stream usage on request', () => {
    expect(reportsStreamUsageOnRequest('/v1/chat/completions')).toBe(true);
    expect(reportsStreamUsageOnRequest('/v1/completions')).toBe(true);
    expect(reportsStreamUsageOnRequest('/api/chat')).toBe(false);
  });
});

const frame = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const STREAM = [
  frame({ choices: [{ delta: { content: 'a' } }], usage: null }),
  frame({ choices: [{ delta: { content: 'b' } }], usage: null }),
  frame({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }),
  'data: [DONE]\n\n',
].join('');
const WITHOUT_USAGE = STREAM.replace(frame({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }), '');

function filtered(chunks: Buffer[]): string {
  const f = new UsageChunkFilter();
  const out = chunks.map((c) => f.data(c).toString());
  return out.join('') + (f.end()?.toString() ?? '');
}

describe('UsageChunkFilter', () => {
  it('removes the usage-only chunk and nothing else, however the stream is split', () => {
    const bytes = Buffer.from(STREAM);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 20 }), (cuts) => {
        expect(filtered(cutInto(bytes, cuts))).toBe(WITHOUT_USAGE);
      }),
    );
  });

  it('understands CRLF framing', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n');
    expect(filtered([Buffer.from(crlf)])).toBe(WITHOUT_USAGE.replaceAll('\n', '\r\n'));
  });

  it('passes an error body and a final event without a blank line through', () => {
    expect(filtered([Buffer.from('{"error":{"message":"no"}}')])).toBe('{"error":{"message":"no"}}');
    expect(filtered([Buffer.from('data: {"choices":[{"delta":{}}]}\n')])).toBe('data: {"choices":[{"delta":{}}]}\n');
  });
});
