import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { feed, monitoringApp, monitoringFixture, record } from './monitoring.fixture.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('dashboard routes', () => {
  it('serves the page at /internal/ui/ with the hardening headers', async () => {
    app = await monitoringApp(monitoringFixture());
    const res = await app.inject('/internal/ui/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<title>Olla dashboard</title>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('redirects /internal/ui to the slashed prefix', async () => {
    app = await monitoringApp(monitoringFixture());
    const res = await app.inject('/internal/ui');
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe('/internal/ui/');
  });

  it('serves its script and stylesheet, and 404s for files it does not have', async () => {
    app = await monitoringApp(monitoringFixture());
    const js = await app.inject('/internal/ui/app.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect((await app.inject('/internal/ui/style.css')).headers['content-type']).toMatch(/^text\/css/);
    expect((await app.inject('/internal/ui/missing.js')).statusCode).toBe(404);
  });

  it('serves the per-second series and recent events for the charts', async () => {
    const f = monitoringFixture();
    feed(f, record());
    feed(f, record({ failed: true, status: 502, retries: 1, failedOver: ['gpu-box'] }));
    app = await monitoringApp(f);
    const body = (await app.inject('/internal/ui/api/series?seconds=60')).json();
    expect(body.series.requests).toHaveLength(60);
    expect(body.series.requests.at(-1)).toBe(2);
    expect(body.series.errors.at(-1)).toBe(1);
    expect(body.events).toEqual([
      expect.objectContaining({ kind: 'failover', from: 'gpu-box', to: 'local-ollama', failed: true }),
    ]);
  });

  it('registers nothing when the dashboard is disabled', async () => {
    app = await monitoringApp(monitoringFixture(), false);
    expect((await app.inject('/internal/ui/')).statusCode).toBe(404);
    expect((await app.inject('/internal/ui/api/series')).statusCode).toBe(404);
  });
});
