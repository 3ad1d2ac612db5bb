import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { CorsConfig } from '../../config/types.js';
import { OLLA_RESPONSE_HEADERS } from '../../core/constants.js';
import { registerAdminAuth } from './admin-auth.js';
import { registerCors } from './cors.js';

const CORS: CorsConfig = {
  enabled: true,
  allowedOrigins: ['https://example.com'],
  allowedMethods: ['GET', 'POST', 'OPTIONS'],
  allowedHeaders: ['*'],
  exposedHeaders: [],
  allowCredentials: false,
  maxAge: 300,
};

let app: FastifyInstance;
afterEach(() => app.close());

async function build(overrides: Partial<CorsConfig> = {}): Promise<FastifyInstance> {
  app = Fastify();
  await registerCors(app, { ...CORS, ...overrides });
  registerAdminAuth(app, { token: 'secret' });
  app.all('/olla/proxy/*', async () => ({ ok: true }));
  app.get('/internal/status', async () => ({ ok: true }));
  return app;
}

const preflight = (url: string, origin = 'https://example.com') =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-custom' },
  });

describe('registerCors', () => {
  it('answers with the settings a config reload swapped in', async () => {
    app = Fastify();
    const reconfigure = await registerCors(app, CORS);
    app.all('/olla/proxy/*', async () => ({ ok: true }));
    expect((await preflight('/olla/proxy/x', 'https://other.test')).headers['access-control-allow-origin']).toBe(
      undefined,
    );
    reconfigure!({ ...CORS, allowedOrigins: ['https://other.test'] });
    const res = await preflight('/olla/proxy/x', 'https://other.test');
    expect(res.headers['access-control-allow-origin']).toBe('https://other.test');
    expect((await preflight('/olla/proxy/x')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight itself, before auth or the route see it', async () => {
    await build();
    const res = await preflight('/internal/status');
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://example.com');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(res.headers['access-control-allow-headers']).toBe('x-custom');
    expect(res.headers['access-control-max-age']).toBe('300');
    expect((await preflight('/olla/proxy/v1/chat/completions')).statusCode).toBe(204);
  });

  it('exposes every X-Olla-* header to an allowed origin when none are configured', async () => {
    await build();
    const res = await app.inject({ url: '/olla/proxy/v1/models', headers: { origin: 'https://example.com' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://example.com');
    expect(String(res.headers['access-control-expose-headers']).split(', ')).toEqual([...OLLA_RESPONSE_HEADERS]);
  });

  it('leaves requests without an Origin untouched', async () => {
    await build();
    const res = await app.inject({ url: '/olla/proxy/v1/models' });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
  });

  it('replaces the default exposed headers with configured ones', async () => {
    await build({ exposedHeaders: ['X-Custom-Header'] });
    const res = await app.inject({ url: '/olla/proxy/x', headers: { origin: 'https://example.com' } });
    expect(res.headers['access-control-expose-headers']).toBe('X-Custom-Header');
  });

  it('reflects the origin with credentials allowed', async () => {
    await build({ allowCredentials: true });
    const res = await app.inject({ url: '/olla/proxy/x', headers: { origin: 'https://example.com' } });
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-origin']).toBe('https://example.com');
  });

  it('grants nothing to an origin not on the list', async () => {
    await build();
    const res = await app.inject({ url: '/olla/proxy/x', headers: { origin: 'https://evil.example.com' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows any origin with "*" and matches wildcard sub-domains', async () => {
    await build({ allowedOrigins: ['*'] });
    const any = await app.inject({ url: '/olla/proxy/x', headers: { origin: 'https://anything.test' } });
    expect(any.headers['access-control-allow-origin']).toBe('*');
    await app.close();
    await build({ allowedOrigins: ['https://*.example.com'] });
    const sub = await app.inject({ url: '/olla/proxy/x', headers: { origin: 'https://ui.example.com' } });
    expect(sub.headers['access-control-allow-origin']).toBe('https://ui.example.com');
    const other = await app.inject({ url: '/olla/proxy/x', headers: { origin: 'https://example.org' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lists only configured request headers when not "*"', async () => {
    await build({ allowedHeaders: ['Authorization', 'Content-Type'] });
    const res = await preflight('/olla/proxy/x');
    expect(res.headers['access-control-allow-headers']).toBe('Authorization, Content-Type');
  });

  it('adds nothing when disabled', async () => {
    await build({ enabled: false });
    const res = await app.inject({ url: '/olla/proxy/x', headers: { origin: 'https://example.com' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight('/internal/status')).statusCode).not.toBe(204);
  });
});
