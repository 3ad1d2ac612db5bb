import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../../adapter/metrics/exposition.fixture.js';
import { feed, monitoringApp, monitoringFixture, record } from './monitoring.fixture.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /internal/metrics', () => {
  it('serves the Prometheus text format with its content type', async () => {
    const f = monitoringFixture();
    feed(f, record());
    app = await monitoringApp(f, false);
    const res = await app.inject('/internal/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const parsed = parseExposition(res.body);
    expect(sampleValue(parsed, 'olla_requests_total')).toBe(1);
    expect(sampleValue(parsed, 'olla_uptime_seconds')).toBe(7200);
  });
});
