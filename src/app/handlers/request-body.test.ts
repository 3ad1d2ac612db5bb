import { Agent, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestBody } from '../../core/domain/request-body.js';
import { type BodyReceiver, collectRequestBody, hasRequestBody, SMALL_CHUNK_BYTES } from './request-body.js';

/** A receiver that records every outcome it is told. */
function recorder() {
  const told: string[] = [];
  let body: RequestBody | undefined;
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
  it('hands over every byte in order, keeping large chunks as they came and joining small ones', () => {
    const chunkSize = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: SMALL_CHUNK_BYTES, max: 70_000 }));
    fc.assert(
      fc.property(fc.array(chunkSize, { maxLength: 40 }), fc.nat(255), (sizes, seed) => {
        const stream = new PassThrough();
        const { receiver, told, body } = recorder();
        collectRequestBody(asRequest(stream), Number.POSITIVE_INFINITY, receiver);
        const sent = sizes.map((size, i) => Buffer.alloc(size, (seed + i) % 256));
        for (const chunk of sent) stream.emit('data', chunk);
        stream.emit('end');
        expect(told).toEqual(['read']);
        const kept = body()!.chunks;
        const total = Buffer.concat(sent);
        expect(Buffer.concat(kept).equals(total)).toBe(true);
        expect(body()!.length).toBe(total.length);
        // Large chunks are kept, not copied; small ones cannot add a chunk each.
        for (const chunk of sent) if (chunk.length >= SMALL_CHUNK_BYTES) expect(kept).toContain(chunk);
        expect(kept.length).toBeLessThanOrEqual(2 * Math.ceil(total.length / SMALL_CHUNK_BYTES) + 1);
        // Told once: the listeners are gone.
        expect(stream.listenerCount('data') + stream.listenerCount('end') + stream.listenerCount('error')).toBe(0);
      }),
    );
  });

  it('keeps a body that came in one small chunk as that chunk', () => {
    const stream = new PassThrough();
    const { receiver, body } = recorder();
    collectRequestBody(asRequest(stream), Number.POSITIVE_INFINITY, receiver);
    const only = Buffer.from('{"model":"m"}');
    stream.emit('data', only);
    stream.emit('end');
    expect(body()?.head).toBe(only);
    expect(body()?.joined).toBe(true);
  });

  it('joins a trickle of one-byte chunks into a few large ones', () => {
    const stream = new PassThrough();
    const { receiver, body } = recorder();
    collectRequestBody(asRequest(stream), Number.POSITIVE_INFINITY, receiver);
    for (let i = 0; i < 200_000; i++) stream.emit('data', Buffer.of(i % 251));
    stream.emit('end');
    expect(body()?.length).toBe(200_000);
    expect(body()?.chunks.length).toBe(4);
  });

  it('keeps bodies intact while later requests arrive on the same connection', async () => {
    // The chunks are kept, not copied: node:http must hand each one over as a buffer of its own,
    // never a view of a socket buffer it reuses. This holds node:http to that.
    const bodies: RequestBody[] = [];
    const server = createServer((req, res) => {
      collectRequestBody(req, Number.POSITIVE_INFINITY, {
        bodyRead: (body) => {
          bodies.push(body);
          res.end();
        },
        bodyTooLarge: () => res.destroy(),
        bodyFailed: () => res.destroy(),
      });
    });
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const sent = [0x61, 0x62, 0x63].map((byte) => Buffer.alloc(300_000, byte));
    try {
      for (const body of sent) {
        await new Promise<void>((resolve, reject) => {
          const req = request({ port, host: '127.0.0.1', method: 'POST', agent: keepAlive }, (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
          req.end(body);
        });
      }
    } finally {
      keepAlive.destroy();
      server.close();
    }
    expect(connections).toBe(1);
    expect(bodies.map((body, i) => Buffer.concat(body.chunks).equals(sent[i]!))).toEqual([true, true, true]);
    // Each arrived in several chunks, so what was kept is what the socket delivered.
    expect(bodies.every((body) => body.chunks.length > 1)).toBe(true);
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
