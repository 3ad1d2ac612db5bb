import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { feed, monitoringApp, monitoringFixture, record } from './monitoring.fixture.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /internal/stats/models', () => {
  it('lists models busiest first with a summary, in the original shape', async () => {
    const f = monitoringFixture();
    for (let i = 1; i <= 4; i++) feed(f, record({ durationMs: i * 100, inputTokens: 10, outputTokens: 20 }));
    feed(f, record({ model: 'nomic-embed-text', failed: true, status: 500 }));
    app = await monitoringApp(f, false);

    const body = (await app.inject('/internal/stats/models')).json();
    expect(body.endpoints).toEqual({});
    expect(body.summary).toEqual({
      overall_success_rate: '80.0%',
      total_traffic: '10.00 KB',
      most_popular_model: 'llama3.2:3b',
      least_popular_model: 'nomic-embed-text',
      total_models: 2,
      active_models: 2,
      total_requests: 5,
    });
    expect(body.models[0]).toEqual({
      name: 'llama3.2:3b',
      success_rate: '100%',
      total_traffic: '8.00 KB',
      average_latency: '250ms',
      p50_latency: '300ms',
      p95_latency: '400ms',
      p99_latency: '400ms',
      last_requested: '0s ago',
      total_requests: 4,
      successful_requests: 4,
      failed_requests: 0,
      unique_clients: 0,
      routing_hits: 4,
      routing_misses: 0,
      routing_fallbacks: 0,
      input_tokens: 40,
      output_tokens: 80,
    });
  });

  it('adds per-endpoint breakdowns and totals when asked', async () => {
    const f = monitoringFixture();
    feed(f, record());
    feed(f, record({ endpoint: 'gpu-box', failed: true, status: 502 }));
    app = await monitoringApp(f, false);
    const body = (await app.inject('/internal/stats/models?include_endpoints=true&include_summary=true')).json();
    expect(body.models[0].endpoint_breakdown['gpu-box']).toEqual({
      endpoint_name: 'gpu-box',
      average_latency: '0ms',
      last_used: '0s ago',
      request_count: 1,
      success_rate: 0,
      consecutive_errors: 1,
    });
    expect(body.endpoints['local-ollama']).toMatchObject({ request_count: 1, success_rate: 100 });
  });
});

describe('GET /internal/process', () => {
  it('reports memory, garbage collection, the event loop, handles and the runtime', async () => {
    const f = monitoringFixture();
    f.process.start();
    try {
      app = await monitoringApp(f, false);
      const body = (await app.inject('/internal/process')).json();
      expect(Object.keys(body).sort()).toEqual([
        'event_loop',
        'garbage_collection',
        'handles',
        'memory',
        'runtime',
        'timestamp',
      ]);
      expect(body.memory.heap_alloc).toMatch(/^\d+(\.\d\d)? [KMG]?B$/);
      expect(['LOW', 'MEDIUM', 'HIGH']).toContain(body.memory.memory_pressure);
      expect(body.garbage_collection.num_gc_cycles).toBeGreaterThanOrEqual(0);
      expect(['HEALTHY', 'NORMAL', 'ELEVATED', 'CONCERNING']).toContain(body.event_loop.health_status);
      expect(body.handles.active_handles).toBeGreaterThan(0);
      expect(body.runtime).toMatchObject({ node_version: process.version, uptime: '2h0m0s', pid: process.pid });
    } finally {
      f.process.stop();
    }
  });
});
