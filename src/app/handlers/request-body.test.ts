import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BodyReceiver, collectRequestBody, hasRequestBody } from './request-body.js';

/** A receiver that records every outcome it is told. */
function recorder() {
  const told: string[] = [];
  let body: Buffer | undefined;
  const receiver: BodyReceiver = {
    bodyRead: (b) => {
      body = b;
      told.push('read');
    },
    bodyTooLarge: (limit) => told.push(`too large (${limit})`),
    bodyFailed: (error) => told.push(`failed: ${error.message}`),
  };
  return { receiver, told, body: () => body };
}

const asRequest = (stream: PassThrough) => stream as unknown as IncomingMessage;

describe('hasRequestBody', () => {
  const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as IncomingMessage;

  it('judges as fastify does', () => {
    expect(hasRequestBody(req('POST', { 'content-length': '12' }))).toBe(true);
    expect(hasRequestBody(req('POST', { 'transfer-encoding': 'chunked' }))).toBe(true);
    expect(hasRequestBody(req('POST', { 'content-length': '0' }))).toBe(false);
    expect(hasRequestBody(req('POST', {}))).toBe(false);
    expect(hasRequestBody(req('GET', { 'content-length': '12' }))).toBe(false);
    expect(hasRequestBody(req('HEAD', { 'transfer-encoding': 'chunked' }))).toBe(false);
  });
});

describe('collectRequestBody', () => {
  it('hands over the chunks as one buffer of its own, however they were split', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const stream = new PassThrough();
        const { receiver, told, body } = recorder();
        collectRequestBody(asRequest(stream), Number.POSITIVE_INFINITY, receiver);
        const sent = chunks.map((c) => Buffer.from(c));
        for (const chunk of sent) stream.emit('data', chunk);
        stream.emit('end');
        expect(told).toEqual(['read']);
        const expected = Buffer.concat(sent);
        expect(body()).toEqual(expected);
        // A copy: what the socket's buffers hold next does not change it.
        for (const chunk of sent) chunk.fill(0xff);
        expect(body()).toEqual(expected);
        // Told once: the listeners are gone.
        expect(stream.listenerCount('data') + stream.listenerCount('end') + stream.listenerCount('error')).toBe(0);
      }),
    );
  });

  it('stops at the limit, tells it once and reads no further', () => {
    const stream = new PassThrough();
    const { receiver, told } = recorder();
    collectRequestBody(asRequest(stream), 10, receiver);
    stream.emit('data', Buffer.alloc(6));
    stream.emit('data', Buffer.alloc(6));
    stream.emit('data', Buffer.alloc(6));
    stream.emit('end');
    expect(told).toEqual(['too large (10)']);
  });

  it('reports a client that leaves mid-body as a failed read', () => {
    const stream = new PassThrough();
    const { receiver, told } = recorder();
    collectRequestBody(asRequest(stream), 100, receiver);
    stream.emit('data', Buffer.from('{"mod'));
    stream.emit('error', new Error('aborted'));
    expect(told).toEqual(['failed: the request body could not be read: aborted']);
  });
});
