import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAdminAuth } from './admin-auth.js';

let app: FastifyInstance;
afterEach(() => app.close());

function build(token: string): FastifyInstance {
  app = Fastify();
  registerAdminAuth(app, { token });
  for (const url of [
    '/internal/status',
    '/internal/health',
    '/internal/ui',
    '/internal/ui/*',
    '/olla/models',
    '/version',
  ]) {
    app.get(url, async () => ({ ok: true }));
  }
  return app;
}

const get = (url: string, authorization?: string) =>
  app.inject({ url, headers: authorization ? { authorization } : {} });

describe('registerAdminAuth', () => {
  it('guards the internal API with the bearer token', async () => {
    build('s3cret-token');
    const missing = await get('/internal/status');
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="olla"');
    expect(missing.json()).toMatchObject({ code: 'OLLA_ERR_UNAUTHORISED', status: 401 });
    expect((await get('/internal/status', 'Bearer wrong')).statusCode).toBe(401);
    expect((await get('/internal/status', 'Basic czNjcmV0LXRva2Vu')).statusCode).toBe(401);
    expect((await get('/internal/status', 'Bearer s3cret-token')).statusCode).toBe(200);
    expect((await get('/internal/status', 'bearer s3cret-token')).statusCode).toBe(200);
  });

  it('keeps liveness probes, dashboard pages and the proxy API open', async () => {
    build('s3cret-token');
    for (const url of ['/internal/health', '/internal/ui', '/internal/ui/assets/app.js', '/olla/models', '/version']) {
      expect((await get(url)).statusCode).toBe(200);
    }
  });

  it('cannot be bypassed by percent-encoding the path', async () => {
    build('s3cret-token');
    expect((await get('/internal/%73tatus')).statusCode).toBe(401);
    expect((await get('/internal/status?x=1')).statusCode).toBe(401);
  });

  it('guards nothing when no token is configured', async () => {
    build('');
    expect((await get('/internal/status')).statusCode).toBe(200);
  });
});
