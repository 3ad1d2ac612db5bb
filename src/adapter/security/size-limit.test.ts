import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HeadersTooLargeError, PayloadTooLargeError } from '../../core/errors.js';
import { effectiveMaxHeaderSize, nodeMaxHeaderSize, RequestSizeLimits } from './size-limit.js';

describe('RequestSizeLimits', () => {
  it('measures headers as the original does and refuses them past the limit', () => {
    const limits = new RequestSizeLimits({ maxBodySize: 100, maxHeaderSize: 4096 });
    // Request line: "GET" + "/x" + "HTTP/1.1" + 4 = 17; each header: name + value + 4.
    const fits = ['Host', 'ignored.example', 'X-Pad', 'a'.repeat(4096 - 17 - (5 + 4))];
    expect(limits.checkHeaders('GET', '/x', fits)).toBeUndefined();
    const over = ['X-Pad', 'a'.repeat(4096 - 17 - (5 + 4) + 1)];
    const err = limits.checkHeaders('GET', '/x', over);
    expect(err).toBeInstanceOf(HeadersTooLargeError);
    expect(err?.status).toBe(431);
  });

  it('refuses a declared Content-Length over the limit before reading the body', () => {
    const limits = new RequestSizeLimits({ maxBodySize: 1000, maxHeaderSize: 0 });
    expect(limits.checkContentLength('1000')).toBeUndefined();
    expect(limits.checkContentLength(undefined)).toBeUndefined();
    const err = limits.checkContentLength('1001');
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err?.status).toBe(413);
  });

  it('has no body limit when max_body_size is zero', () => {
    const limits = new RequestSizeLimits({ maxBodySize: 0, maxHeaderSize: 0 });
    expect(limits.checkContentLength('999999999999')).toBeUndefined();
    expect(limits.needsStreamingCheck(undefined, 'chunked')).toBe(false);
  });

  it('counts only bodies of undeclared size as they stream', () => {
    const limits = new RequestSizeLimits({ maxBodySize: 10, maxHeaderSize: 0 });
    expect(limits.needsStreamingCheck(undefined, 'chunked')).toBe(true);
    expect(limits.needsStreamingCheck('5', undefined)).toBe(false);
    expect(limits.needsStreamingCheck(undefined, undefined)).toBe(false);
  });

  it('passes a streamed body within the limit through untouched', async () => {
    const limits = new RequestSizeLimits({ maxBodySize: 10, maxHeaderSize: 0 });
    const chunks: Buffer[] = [];
    await pipeline(Readable.from([Buffer.from('hello'), Buffer.from('world')]), limits.limitStream(), async (src) => {
      for await (const chunk of src) chunks.push(chunk as Buffer);
    });
    expect(Buffer.concat(chunks).toString()).toBe('helloworld');
  });

  it('fails a streamed body as soon as it passes the limit, with a 413 fastify keeps', async () => {
    const limits = new RequestSizeLimits({ maxBodySize: 10, maxHeaderSize: 0 });
    const run = pipeline(
      Readable.from([Buffer.from('hello'), Buffer.from('world!')]),
      limits.limitStream(),
      async (src) => {
        for await (const _ of src) {
          // drain
        }
      },
    );
    await expect(run).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(run).rejects.toMatchObject({ statusCode: 413, status: 413 });
  });
});

describe('header size settings', () => {
  it('falls back to 1 MiB when unset and floors small values at 4 KiB, as the original', () => {
    expect(effectiveMaxHeaderSize(0)).toBe(1 << 20);
    expect(effectiveMaxHeaderSize(100)).toBe(4096);
    expect(effectiveMaxHeaderSize(65536)).toBe(65536);
  });

  it('gives Node a hard cap just above the policy limit', () => {
    expect(nodeMaxHeaderSize({ maxBodySize: 0, maxHeaderSize: 65536 })).toBe(65536 + 4096);
  });
});
