import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../../adapter/security/client-ip.js';
import { RateLimiter } from '../../adapter/security/rate-limit.js';
import type { RateLimitsConfig } from '../../config/types.js';
import { isProxyCatchAll, registerRateLimit } from './rate-limit.js';

const LIMITS: RateLimitsConfig = {
  globalRequestsPerMinute: 0,
  perIpRequestsPerMinute: 60,
  healthRequestsPerMinute: 1000,
  burstSize: 2,
  perEndpoint: { defaultRequestsPerMinute: 200 },
  cleanupInterval: 0,
  trustProxyHeaders: true,
  trustedProxyCidrs: ['10.0.0.0/8'],
};

let app: FastifyInstance;
let limiter: RateLimiter;

afterEach(async () => {
  limiter.stop();
  await app.close();
});

function build(now = () => 1_700_000_000_000, limits = LIMITS): FastifyInstance {
  limiter = new RateLimiter(limits, { now });
  app = Fastify();
  registerRateLimit(app, { limiter, clientIp: createClientIpResolver(LIMITS) });
  app.all('/olla/proxy/*', async () => ({ ok: true }));
  app.all('/olla/ollama/*', async () => ({ ok: true }));
  app.all('/olla/vllm/*', async () => ({ ok: true }));
  app.get('/olla/models', async () => ({ ok: true }));
  app.get('/internal/status', async () => ({ ok: true }));
  return app;
}

function post(url: string, remoteAddress: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, remoteAddress, headers, payload: {} });
}

describe('registerRateLimit', () => {
  it('refuses a client past its burst with 429 and Retry-After, while another client carries on', async () => {
    build();
    const url = '/olla/proxy/v1/chat/completions';
    const first = await post(url, '192.168.1.5');
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('60');
    expect(first.headers['x-ratelimit-remaining']).toBe('59');
    expect(first.headers['x-ratelimit-reset']).toBe(String(1_700_000_060));
    await post(url, '192.168.1.5');
    const refused = await post(url, '192.168.1.5');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['x-ratelimit-remaining']).toBe('58');
    expect(refused.json()).toMatchObject({ error: 'Rate limit exceeded', code: 'OLLA_ERR_RATE_LIMITED', status: 429 });
    expect((await post(url, '192.168.1.6')).statusCode).toBe(200);
  });

  it('refuses OpenAI-speaking provider routes in the OpenAI error shape', async () => {
    build();
    const url = '/olla/vllm/v1/chat/completions';
    for (let i = 0; i < 2; i++) await post(url, '192.168.1.5');
    const refused = await post(url, '192.168.1.5');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'OLLA_ERR_RATE_LIMITED' } });
  });

  it('starts limiting when a config reload switches limits on that were off at start-up', async () => {
    build(undefined, { ...LIMITS, perIpRequestsPerMinute: 0 });
    const url = '/olla/proxy/v1/chat/completions';
    for (let i = 0; i < 5; i++) {
      const free = await post(url, '192.168.1.5');
      expect(free.statusCode).toBe(200);
      expect(free.headers['x-ratelimit-limit']).toBeUndefined();
    }
    limiter.reconfigure(LIMITS);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(url, '192.168.1.5')).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('lets tokens refill over time', async () => {
    let now = 1_700_000_000_000;
    build(() => now);
    for (let i = 0; i < 2; i++) await post('/olla/proxy/api/chat', '192.168.1.5');
    expect((await post('/olla/proxy/api/chat', '192.168.1.5')).statusCode).toBe(429);
    now += 1_000;
    expect((await post('/olla/proxy/api/chat', '192.168.1.5')).statusCode).toBe(200);
  });

  it('counts a spoofed X-Forwarded-For from an untrusted peer against the peer', async () => {
    build();
    for (let i = 0; i < 2; i++) {
      await post('/olla/proxy/x', '192.168.1.5', { 'x-forwarded-for': `203.0.113.${i}` });
    }
    const refused = await post('/olla/proxy/x', '192.168.1.5', { 'x-forwarded-for': '203.0.113.99' });
    expect(refused.statusCode).toBe(429);
  });

  it('limits each client behind a trusted proxy separately', async () => {
    build();
    for (let i = 0; i < 3; i++) {
      const res = await post('/olla/proxy/x', '10.0.0.2', { 'x-forwarded-for': `203.0.113.${i}, 10.0.0.2` });
      expect(res.statusCode).toBe(200);
    }
  });

  it('leaves internal and model-listing routes unlimited, as the original', async () => {
    build();
    for (let i = 0; i < 5; i++) {
      const status = await app.inject({ url: '/internal/status', remoteAddress: '192.168.1.5' });
      expect(status.statusCode).toBe(200);
      expect(status.headers['x-ratelimit-limit']).toBeUndefined();
      expect((await app.inject({ url: '/olla/models', remoteAddress: '192.168.1.5' })).statusCode).toBe(200);
    }
  });
});

describe('isProxyCatchAll', () => {
  it('picks out the wildcard routes under /olla/', () => {
    expect(isProxyCatchAll('/olla/proxy/*')).toBe(true);
    expect(isProxyCatchAll('/olla/lm-studio/*')).toBe(true);
    expect(isProxyCatchAll('/olla/anthropic/v1/messages')).toBe(false);
    expect(isProxyCatchAll('/olla/proxy/v1/models')).toBe(false);
    expect(isProxyCatchAll('/internal/ui/*')).toBe(false);
  });
});
