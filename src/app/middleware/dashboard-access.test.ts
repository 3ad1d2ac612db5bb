import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardConfig } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';
import { normaliseHost, registerDashboardAccess } from './dashboard-access.js';

const LOOPBACK: DashboardConfig = {
  enabled: true,
  accessPolicy: { allowedCidrs: ['127.0.0.0/8', '::1/128'], allowedHosts: ['localhost'] },
  gateInternalApi: false,
};

let app: FastifyInstance;
afterEach(() => app.close());

function build(dashboard: DashboardConfig = LOOPBACK): FastifyInstance {
  app = Fastify();
  registerDashboardAccess(app, dashboard);
  app.get('/internal/ui', async () => 'redirect');
  app.get('/internal/ui/*', async () => 'page');
  app.get('/internal/status', async () => 'status');
  return app;
}

function visit(remoteAddress: string, host: string, headers: Record<string, string> = {}, url = '/internal/ui/') {
  return app.inject({ url, remoteAddress, headers: { host, ...headers } });
}

describe('registerDashboardAccess', () => {
  it.each([
    ['allowed peer and host', '127.0.0.1', 'localhost', 200],
    ['disallowed peer', '203.0.113.9', 'localhost', 403],
    ['disallowed non-IP host', '127.0.0.1', 'evil.example', 403],
    ['host with a port', '127.0.0.1', 'localhost:40114', 200],
    ['host in capitals', '127.0.0.1', 'LOCALHOST', 200],
    ['IP-literal host not on the list', '127.0.0.1', '127.0.0.1:40114', 200],
    ['bracketed IPv6 peer and host', '::1', '[::1]:40114', 200],
    ['IPv4 peer on a dual-stack socket', '::ffff:127.0.0.1', 'localhost', 200],
  ])('%s -> %i', async (_name, peer, host, status) => {
    build();
    expect((await visit(peer, host)).statusCode).toBe(status);
  });

  it('never believes proxy headers about the client address', async () => {
    build();
    const res = await visit('203.0.113.9', 'localhost', { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' });
    expect(res.statusCode).toBe(403);
  });

  it('explains a refusal: what failed, the address and Host seen, and what to change', async () => {
    build();
    const res = await visit('203.0.113.9', 'evil.example');
    expect(res.statusCode).toBe(403);
    const body = res.json();
    expect(body).toMatchObject({ code: 'OLLA_ERR_FORBIDDEN', reason: 'ip not in allowed range' });
    expect(body.error).toContain('ip=203.0.113.9');
    expect(body.error).toContain('host=evil.example');
    expect(body.error).toContain('dashboard.access_policy.allowed_hosts');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('gates the slash-less path too, and nothing outside the dashboard', async () => {
    build();
    expect((await visit('203.0.113.9', 'localhost', {}, '/internal/ui')).statusCode).toBe(403);
    expect((await visit('203.0.113.9', 'localhost', {}, '/internal/status')).statusCode).toBe(200);
  });

  it('accepts IP-literal hosts even with an empty host list', async () => {
    build({ ...LOOPBACK, accessPolicy: { allowedCidrs: ['192.168.1.0/24'], allowedHosts: [] } });
    expect((await visit('192.168.1.10', '192.168.1.10')).statusCode).toBe(200);
    expect((await visit('192.168.1.10', 'olla.internal')).statusCode).toBe(403);
  });

  it('registers nothing when the dashboard is disabled', async () => {
    build({ ...LOOPBACK, enabled: false });
    expect((await visit('203.0.113.9', 'evil.example')).statusCode).toBe(200);
  });

  it('refuses to start with a malformed CIDR', () => {
    app = Fastify();
    const bad = { ...LOOPBACK, accessPolicy: { allowedCidrs: ['127.0.0.0/99'], allowedHosts: [] } };
    expect(() => registerDashboardAccess(app, bad)).toThrow(ConfigError);
  });
});

describe('normaliseHost', () => {
  it.each([
    ['localhost:40114', 'localhost'],
    ['[::1]:40114', '::1'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['Example.COM', 'example.com'],
  ])('%s -> %s', (host, expected) => {
    expect(normaliseHost(host)).toBe(expected);
  });
});
