import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../core/domain/endpoint.js';
import type { RequestRecord } from '../../core/ports/stats.js';
import { StatsCollector } from './collector.js';

const T0 = Date.parse('2026-04-15T10:00:00Z');

function rec(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 'r',
    endpoint: 'a',
    model: 'm',
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    durationMs: 100,
    bytesOut: 10,
    bytesIn: 5,
    retries: 0,
    failed: false,
    ...overrides,
  };
}

function clocked(options: ConstructorParameters<typeof StatsCollector>[0] = {}) {
  const clock = { now: T0 };
  return { clock, stats: new StatsCollector({ now: () => clock.now, ...options }) };
}

const arbRecord = fc.record({
  endpoint: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
  model: fc.option(fc.constantFrom('m1', 'm2'), { nil: undefined }),
  durationMs: fc.double({ min: 0, max: 60_000, noNaN: true }),
  bytesOut: fc.nat(1_000_000),
  bytesIn: fc.nat(1_000_000),
  retries: fc.nat(3),
  failed: fc.boolean(),
});

describe('stats collector', () => {
  it('adds up: totals equal the records, and per-endpoint and per-model counts sum to them', () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { maxLength: 200 }), (records) => {
        const { stats } = clocked();
        for (const r of records) stats.record(rec(r));
        const proxy = stats.proxyStats();
        expect(proxy.totalRequests).toBe(records.length);
        expect(proxy.successfulRequests + proxy.failedRequests).toBe(records.length);
        expect(proxy.failedRequests).toBe(records.filter((r) => r.failed).length);
        expect(proxy.bytesOut).toBe(records.reduce((sum, r) => sum + r.bytesOut, 0));
        expect(proxy.retries).toBe(records.reduce((sum, r) => sum + r.retries, 0));
        expect(proxy.failovers).toBe(records.filter((r) => r.retries > 0).length);

        const perEndpoint = ['a', 'b', 'c'].map((n) => stats.endpointStats(n)?.totalRequests ?? 0);
        expect(perEndpoint.reduce((a, b) => a + b, 0)).toBe(records.filter((r) => r.endpoint).length);
        const perModel = stats.modelStats().reduce((sum, m) => sum + m.totalRequests, 0);
        expect(perModel).toBe(records.filter((r) => r.model).length);
        const series = stats.series(1);
        expect(series.requests[0]).toBe(records.length);
        expect(series.errors[0]).toBe(records.filter((r) => r.failed).length);
      }),
    );
  });

  it('averages, minimums and maximums cover successful requests only', () => {
    const { stats } = clocked();
    stats.record(rec({ durationMs: 100 }));
    stats.record(rec({ durationMs: 300.7 }));
    stats.record(rec({ durationMs: 5, failed: true, status: 502 }));
    expect(stats.endpointStats('a')).toMatchObject({
      totalRequests: 3,
      successfulRequests: 2,
      failedRequests: 1,
      averageLatencyMs: 200,
      minLatencyMs: 100,
      maxLatencyMs: 300,
      bytesOut: 30,
      bytesIn: 15,
      lastUsed: T0,
    });
    expect(stats.endpointStats('never-used')).toBeUndefined();
  });

  it('reports model percentiles, tokens, clients and the endpoints that served it', () => {
    const { stats } = clocked();
    for (let v = 1; v <= 100; v++) {
      stats.record(
        rec({
          durationMs: v,
          endpoint: v % 2 === 0 ? 'a' : 'b',
          inputTokens: 3,
          outputTokens: 7,
          clientIp: `10.0.0.${v % 4}`,
          retries: v === 100 ? 1 : 0,
        }),
      );
    }
    stats.record(rec({ endpoint: 'a', failed: true, status: 500 }));
    const [m] = stats.modelStats();
    expect(m).toMatchObject({
      name: 'm',
      totalRequests: 101,
      successfulRequests: 100,
      p50LatencyMs: 51,
      p95LatencyMs: 96,
      p99LatencyMs: 100,
      inputTokens: 300,
      outputTokens: 700,
      uniqueClients: 4,
      routingHits: 99,
      routingMisses: 1,
    });
    const byName = Object.fromEntries(m!.endpoints.map((e) => [e.endpointName, e]));
    expect(byName.a).toMatchObject({ requestCount: 51, consecutiveErrors: 1 });
    expect(byName.b).toMatchObject({ requestCount: 50, successRate: 100, consecutiveErrors: 0 });
  });

  it('keeps memory bounded: at most maxModels models and maxClientsPerModel clients', () => {
    const { clock, stats } = clocked({ maxModels: 5, maxClientsPerModel: 3 });
    for (let i = 0; i < 1000; i++) {
      clock.now = T0 + i;
      stats.record(rec({ model: `model-${i}`, clientIp: `ip-${i}` }));
      stats.record(rec({ model: 'hot', clientIp: `ip-${i}` }));
    }
    const models = stats.modelStats();
    expect(models).toHaveLength(5);
    expect(models.map((m) => m.name)).toContain('hot');
    expect(models.find((m) => m.name === 'hot')?.uniqueClients).toBe(3);
  });

  it('drops models not requested within the TTL', () => {
    const { clock, stats } = clocked({ modelTtlMs: 60_000 });
    stats.record(rec({ model: 'old' }));
    clock.now = T0 + 120_000;
    stats.record(rec({ model: 'new' }));
    expect(stats.modelStats().map((m) => m.name)).toEqual(['new']);
  });

  it('lists failovers and health transitions, newest last, up to its capacity', () => {
    const { clock, stats } = clocked({ recentEvents: 3 });
    const endpoint = { name: 'b' } as Endpoint;
    stats.recordHealthTransition({ endpoint, from: 'healthy', to: 'offline', error: 'connection refused' });
    clock.now += 1000;
    stats.record(rec({ retries: 1, failedOver: ['b'], endpoint: 'a' }));
    expect(stats.recentEvents()).toEqual([
      { at: T0, kind: 'health', endpoint: 'b', from: 'healthy', to: 'offline', detail: 'connection refused' },
      { at: T0 + 1000, kind: 'failover', endpoint: 'a', from: 'b', to: 'a', model: 'm', retries: 1, failed: false },
    ]);
    for (let i = 0; i < 5; i++) stats.recordHealthTransition({ endpoint, from: 'offline', to: 'healthy' });
    expect(stats.recentEvents()).toHaveLength(3);
    expect(stats.recentEvents().every((e) => e.kind === 'health')).toBe(true);
  });
});
