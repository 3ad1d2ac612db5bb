import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  feed,
  type MonitoringFixture,
  monitoringApp,
  monitoringFixture,
  NOW,
  record,
  SECRET,
} from './monitoring.fixture.js';
import { acceptsGzip, etagMatches } from './status.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(prepare?: (f: MonitoringFixture) => void) {
  const f = monitoringFixture();
  prepare?.(f);
  app = await monitoringApp(f, false);
  return { f, app };
}

describe('GET /internal/status', () => {
  it('reports a fresh boot as healthy-by-health with N/A success and has_traffic false', async () => {
    const { app } = await start((f) => {
      f.repository.endpoints[0]!.status = 'healthy';
    });
    const res = await app.inject('/internal/status');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json();
    expect(body.system).toMatchObject({
      status: 'healthy',
      success_rate: 'N/A',
      has_traffic: false,
      total_requests: 0,
      endpoints_up: '2/2',
      uptime: '2h 0m',
      start_time: '2026-04-15T08:30:00.000Z',
      version: '0.1.0',
    });
  });

  it('returns the whole picture in the original shape', async () => {
    const { app } = await start((f) => {
      feed(f, record({ durationMs: 100 }));
      feed(f, record({ durationMs: 300 }));
      feed(f, record({ failed: true, status: 502, durationMs: 5, retries: 1 }));
    });
    const body = (await app.inject('/internal/status')).json();

    expect(Object.keys(body).sort()).toEqual([
      'endpoints',
      'models',
      'proxy',
      'security',
      'system',
      'timestamp',
      'translators',
    ]);
    expect(body.timestamp).toBe(new Date(NOW).toISOString());
    expect(body.proxy).toEqual({ engine: 'olla', profile: 'auto', balancer: 'least-connections' });
    expect(body.security).toEqual({ status: 'normal', blocked_ips: 0, violations: { rate_limits: 0, size_limits: 0 } });
    expect(body.system).toMatchObject({
      status: 'critical',
      endpoints_up: '1/2',
      success_rate: '66.7%',
      avg_latency: '200ms',
      total_traffic: '6.00 KB',
      active_connections: 2,
      total_requests: 3,
      total_failures: 1,
      has_traffic: true,
      failovers: 1,
      retries: 1,
    });
    expect(body.translators).toEqual({ anthropic: { total_requests: 3 } });
    expect(body.models).toEqual({ total_models: 4, unified_models: 2, total_endpoints: 2 });

    // Sorted by priority: the healthy priority-100 endpoint first.
    expect(body.endpoints.map((e: { name: string }) => e.name)).toEqual(['local-ollama', 'gpu-box']);
    const [local, gpu] = body.endpoints;
    expect(local).toEqual({
      id: expect.stringMatching(/^[0-9a-z]+$/),
      name: 'local-ollama',
      url: 'http://localhost:11434',
      status: 'healthy',
      priority: 100,
      success_rate: '66.7%',
      avg_latency: '200ms',
      avg_latency_ms: 200,
      min_latency_ms: 100,
      max_latency_ms: 300,
      traffic: '6.00 KB',
      connections: 2,
      requests: 3,
      last_check: '2s ago',
      health_check_at: '2026-04-15T10:29:58.000Z',
      next_check: 'in 3s',
      next_check_at: '2026-04-15T10:30:03.000Z',
      issues: '',
      models: { last_updated: '2026-04-15T10:25:00.000Z', count: 2 },
    });
    // No traffic: the original's plain zeros, no avg_latency_ms, and its issues joined.
    expect(gpu).toMatchObject({ success_rate: '0%', traffic: '0 B', requests: 0, min_latency_ms: 0 });
    expect(gpu).not.toHaveProperty('avg_latency_ms');
    expect(gpu.issues).toBe('consecutive failures, unavailable');
  });

  it('never shows a credential from the URL, headers or auth config', async () => {
    const { app } = await start();
    for (const path of ['/internal/status', '/internal/status/endpoints', '/internal/status/models']) {
      const res = await app.inject(path);
      expect(res.body).not.toContain(SECRET);
      expect(res.body).not.toContain('admin');
    }
    const body = (await app.inject('/internal/status/endpoints')).json();
    expect(body.endpoints.find((e: { name: string }) => e.name === 'gpu-box').url).toBe('http://10.0.0.5:8000');
  });

  it('answers a matching If-None-Match with a bare 304 and keeps the ETag while only time passes', async () => {
    const { f, app } = await start();
    const first = await app.inject('/internal/status');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"[0-9a-z]+"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    expect(first.headers.vary).toBe('Accept-Encoding');

    f.clock.now += 61_000;
    const again = await app.inject({ url: '/internal/status', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['content-encoding']).toBeUndefined();

    feed(f, record());
    const changed = await app.inject({ url: '/internal/status', headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('gzips when the client accepts it', async () => {
    const { app } = await start();
    const res = await app.inject({ url: '/internal/status', headers: { 'accept-encoding': 'br, gzip;q=0.8' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(res.rawPayload).toString()).proxy.engine).toBe('olla');
    const plain = await app.inject({ url: '/internal/status', headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
  });
});

describe('GET /internal/status/endpoints', () => {
  it('returns counts and sorted summaries in the original shape', async () => {
    const { app } = await start((f) => {
      for (let i = 0; i < 12; i++) feed(f, record({ failed: i < 3, status: i < 3 ? 502 : 200, durationMs: 50 + i }));
    });
    const body = (await app.inject('/internal/status/endpoints')).json();
    expect(body).toMatchObject({ total_count: 2, healthy_count: 1, routable_count: 1 });
    const [local, gpu] = body.endpoints;
    expect(local).toEqual({
      id: expect.any(String),
      name: 'local-ollama',
      url: 'http://localhost:11434',
      type: 'ollama',
      status: 'healthy',
      priority: 100,
      model_count: 2,
      request_count: 12,
      success_rate: '75.0%',
      min_latency_ms: 53,
      max_latency_ms: 61,
      avg_latency_ms: 57,
      active_connections: 2,
      health_check: '2s ago',
      health_check_at: '2026-04-15T10:29:58.000Z',
      response_time: '85ms',
      next_check_at: '2026-04-15T10:30:03.000Z',
      last_model_sync: '5m ago',
      last_model_sync_at: '2026-04-15T10:25:00.000Z',
      probe_status: 'healthy',
      success_ratio: 0.75,
    });
    expect(gpu).toMatchObject({
      name: 'gpu-box',
      success_rate: 'N/A',
      success_ratio: null,
      request_count: 0,
      issues: 'unavailable',
      last_error: 'health check of http://10.0.0.5:8000 timed out after 2000 ms',
    });
    expect(gpu).not.toHaveProperty('response_time');
    // The same endpoint carries the same ID on every status route.
    const status = (await app.inject('/internal/status')).json();
    expect(status.endpoints[0].id).toBe(local.id);
  });
});

describe('GET /internal/status/models', () => {
  it('lists each model once with its hosts, family groups and aliases', async () => {
    const { app } = await start();
    const body = (await app.inject('/internal/status/models')).json();
    expect(body).toMatchObject({ total_models: 3, total_families: 3, total_endpoints: 2 });
    expect(body.models_by_family).toEqual({
      llama: ['llama3.2:3b'],
      'nomic-bert': ['nomic-embed-text'],
      unknown: ['mystery'],
    });
    expect(body).not.toHaveProperty('model_groups');
    expect(body.recent_models.map((m: { name: string }) => m.name)).toEqual([
      'llama3.2:3b',
      'nomic-embed-text',
      'mystery',
    ]);
    const llama = body.recent_models[0];
    expect(llama).toMatchObject({
      name: 'llama3.2:3b',
      type: 'llm',
      family: 'llama',
      params: '3B',
      quant: 'Q4_K_M',
      size: '1.88 GB',
      last_seen: '30s ago',
      last_seen_at: '2026-04-15T10:29:30.000Z',
      endpoints: ['gpu-box', 'local-ollama'],
      aliases: ['llama3'],
      capabilities: ['text_generation', 'chat'],
    });
    expect(llama.endpoint_ids).toHaveLength(2);
  });

  it('adds family groups, unknown last, with ?detailed=true&group=family', async () => {
    const { app } = await start();
    const body = (await app.inject('/internal/status/models?detailed=true&group=family')).json();
    expect(body.model_groups.map((g: { family: string }) => g.family)).toEqual(['llama', 'nomic-bert', 'unknown']);
    expect(body.model_groups[0]).toMatchObject({ model_count: 1, endpoints: ['gpu-box', 'local-ollama'] });
  });
});

describe('conditional request helpers', () => {
  it.each([
    ['W/"abc"', 'W/"abc"', true],
    ['"abc"', 'W/"abc"', true],
    ['"x", W/"abc"', 'W/"abc"', true],
    ['*', 'W/"abc"', true],
    ['W/"abd"', 'W/"abc"', false],
    [undefined, 'W/"abc"', false],
  ])('If-None-Match %s against %s matches: %s', (header, etag, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });

  it('ignores an If-None-Match longer than any real list of validators', () => {
    expect(etagMatches(`${'"x",'.repeat(300)}W/"abc"`, 'W/"abc"')).toBe(false);
  });

  it.each([
    ['gzip', true],
    ['deflate, gzip', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['br', false],
    [undefined, false],
  ])('Accept-Encoding %s allows gzip: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
