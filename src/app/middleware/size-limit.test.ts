import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestSizeLimits } from '../../adapter/security/size-limit.js';
import { replyWithError } from './reply-error.js';
import { registerSizeLimits } from './size-limit.js';

let app: FastifyInstance;
afterEach(() => app.close());

let limits: RequestSizeLimits;

function build(maxBodySize = 64): FastifyInstance {
  app = Fastify({ bodyLimit: 1 << 20, forceCloseConnections: true });
  limits = new RequestSizeLimits({ maxBodySize, maxHeaderSize: 4096 });
  registerSizeLimits(app, limits);
  // The composition root's error handler: any OllaError in its route's dialect.
  app.setErrorHandler((err, req, reply) => replyWithError(req, reply, err));
  app.post('/olla/proxy/*', async (req) => ({ received: JSON.stringify(req.body).length }));
  return app;
}

describe('registerSizeLimits', () => {
  it('passes requests within the limits', async () => {
    build();
    const res = await app.inject({ method: 'POST', url: '/olla/proxy/api/chat', payload: { a: 1 } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses oversized headers with 431', async () => {
    build();
    const res = await app.inject({
      url: '/olla/proxy/api/chat',
      method: 'POST',
      headers: { 'x-pad': 'a'.repeat(5000) },
    });
    expect(res.statusCode).toBe(431);
    expect(res.json()).toMatchObject({ code: 'OLLA_ERR_HEADERS_TOO_LARGE' });
  });

  it('refuses a declared oversized body with 413 at once and closes the connection', async () => {
    build();
    const res = await app.inject({
      method: 'POST',
      url: '/olla/proxy/v1/chat/completions',
      payload: JSON.stringify({ pad: 'x'.repeat(100) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(res.json()).toMatchObject({ code: 'OLLA_ERR_PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('cuts off a chunked body once it streams past the limit', async () => {
    build();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    async function* chunks() {
      yield Buffer.from('{"pad":"');
      for (let i = 0; i < 10; i++) yield Buffer.from('x'.repeat(16));
      yield Buffer.from('"}');
    }
    const res = await request(`http://127.0.0.1:${port}/olla/proxy/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toMatchObject({ code: 'OLLA_ERR_PAYLOAD_TOO_LARGE' });
  });

  it('counts chunked bodies once a config reload sets a limit where there was none', async () => {
    build(0);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const send = () =>
      request(`http://127.0.0.1:${port}/olla/proxy/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Readable.from([Buffer.from('{"pad":"'), Buffer.from('x'.repeat(200)), Buffer.from('"}')]),
      });
    const unlimited = await send();
    expect(unlimited.statusCode).toBe(200);
    await unlimited.body.dump();
    limits.reconfigure({ maxBodySize: 64, maxHeaderSize: 4096 });
    const limited = await send();
    expect(limited.statusCode).toBe(413);
    await limited.body.dump();
  });

  it('lets a chunked body within the limit through', async () => {
    build();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    async function* chunks() {
      yield Buffer.from('{"a":');
      yield Buffer.from('1}');
    }
    const res = await request(`http://127.0.0.1:${port}/olla/proxy/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ received: 7 });
  });
});
