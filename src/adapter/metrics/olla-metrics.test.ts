import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feed, monitoringFixture, record } from '../../app/handlers/monitoring.fixture.js';
import { parseExposition, sampleValue } from './exposition.fixture.js';
import type { Sample } from './collected-metric.js';
import { OllaMetrics } from './olla-metrics.js';

async function scrape(metrics: OllaMetrics) {
  return parseExposition(await metrics.metrics());
}

describe('Prometheus metrics', () => {
  it('counts requests by endpoint, model and status, matching the records', async () => {
    const f = monitoringFixture();
    feed(f, record());
    feed(f, record());
    feed(f, record({ status: 502, failed: true, endpoint: 'gpu-box' }));
    feed(f, record({ model: 'llama3', retries: 2, failedOver: ['gpu-box'] }));
    f.metrics.countEjection('gpu-box');
    f.metrics.countEjection('gpu-box');
    const parsed = await scrape(f.metrics);

    expect(parsed.types.get('olla_proxy_requests_total')).toBe('counter');
    const ok = { endpoint: 'local-ollama', model: 'llama3.2:3b', status: '200' };
    // The alias `llama3` is counted under its unified model's ID.
    expect(sampleValue(parsed, 'olla_proxy_requests_total', ok)).toBe(3);
    expect(sampleValue(parsed, 'olla_proxy_requests_total', { endpoint: 'gpu-box', status: '502' })).toBe(1);
    expect(sampleValue(parsed, 'olla_requests_total')).toBe(4);
    expect(sampleValue(parsed, 'olla_failures_total')).toBe(1);
    expect(sampleValue(parsed, 'olla_proxy_retries_total')).toBe(2);
    expect(sampleValue(parsed, 'olla_proxy_failovers_total')).toBe(1);
    expect(sampleValue(parsed, 'olla_endpoint_ejections_total', { endpoint: 'gpu-box' })).toBe(2);
    expect(sampleValue(parsed, 'olla_proxy_response_bytes_total', { endpoint: 'local-ollama' })).toBe(3 * 2048);
    expect(sampleValue(parsed, 'olla_endpoint_requests_total', { endpoint: 'local-ollama' })).toBe(3);
    expect(sampleValue(parsed, 'olla_model_requests_total', { model: 'llama3.2:3b' })).toBe(3);
  });

  it('fills duration and TTFB histograms whose buckets are cumulative and end at the count', async () => {
    const f = monitoringFixture();
    feed(f, record({ durationMs: 40, ttfbMs: 8 }));
    feed(f, record({ durationMs: 700, ttfbMs: 90 }));
    feed(f, record({ durationMs: 400_000, ttfbMs: undefined }));
    const parsed = await scrape(f.metrics);
    const labels = { endpoint: 'local-ollama', model: 'llama3.2:3b' };

    expect(parsed.types.get('olla_proxy_request_duration_seconds')).toBe('histogram');
    const bucket = (le: string) => sampleValue(parsed, 'olla_proxy_request_duration_seconds_bucket', { ...labels, le });
    expect(bucket('0.05')).toBe(1);
    expect(bucket('1')).toBe(2);
    expect(bucket('300')).toBe(2);
    expect(bucket('+Inf')).toBe(3);
    expect(sampleValue(parsed, 'olla_proxy_request_duration_seconds_count', labels)).toBe(3);
    expect(sampleValue(parsed, 'olla_proxy_request_duration_seconds_sum', labels)).toBeCloseTo(400.74);
    expect(sampleValue(parsed, 'olla_proxy_ttfb_seconds_count', labels)).toBe(2);
    expect(sampleValue(parsed, 'olla_proxy_ttfb_seconds_bucket', { ...labels, le: '0.01' })).toBe(1);
  });

  it('reads health, connections and check latency per endpoint at scrape time', async () => {
    const f = monitoringFixture();
    let parsed = await scrape(f.metrics);
    expect(sampleValue(parsed, 'olla_endpoint_up', { endpoint: 'local-ollama', status: 'healthy' })).toBe(1);
    expect(sampleValue(parsed, 'olla_endpoint_up', { endpoint: 'gpu-box', status: 'offline' })).toBe(0);
    expect(sampleValue(parsed, 'olla_endpoint_connections', { endpoint: 'local-ollama' })).toBe(2);
    expect(sampleValue(parsed, 'olla_endpoint_health_check_latency_ms', { endpoint: 'local-ollama' })).toBe(85);
    expect(sampleValue(parsed, 'olla_endpoints_healthy')).toBe(1);
    expect(sampleValue(parsed, 'olla_system_status')).toBe(1);
    expect(sampleValue(parsed, 'olla_info', { engine: 'olla', balancer: 'least-connections' })).toBe(1);

    f.connections.set('local-ollama', 7);
    f.repository.endpoints[0]!.status = 'healthy';
    parsed = await scrape(f.metrics);
    expect(sampleValue(parsed, 'olla_endpoint_connections', { endpoint: 'local-ollama' })).toBe(7);
    expect(sampleValue(parsed, 'olla_active_connections')).toBe(7);
    expect(sampleValue(parsed, 'olla_system_status')).toBe(2);
  });

  it('counts rate-limit refusals by scope, security figures and sticky-session lookups', async () => {
    const f = monitoringFixture();
    const sticky = { stats: () => ({ hits: 9, misses: 4, active_sessions: 3 }) };
    const metrics = new OllaMetrics({
      endpoints: f.repository,
      connections: () => 0,
      models: f.registry,
      stats: f.stats,
      proxy: { engine: 'sherpa', profile: 'auto', balancer: 'priority' },
      startedAt: 0,
      version: '0.1.0',
      commit: 'none',
      security: f.security,
      sticky,
      processMetrics: false,
    });
    metrics.countRateLimited('per_ip');
    metrics.countRateLimited('per_ip');
    metrics.countRateLimited('global');
    f.security.recordRateLimit('10.0.0.1');
    f.security.recordSizeLimit();
    const parsed = await scrape(metrics);
    expect(sampleValue(parsed, 'olla_rate_limited_total', { scope: 'per_ip' })).toBe(2);
    expect(sampleValue(parsed, 'olla_rate_limited_total', { scope: 'global' })).toBe(1);
    expect(sampleValue(parsed, 'olla_sticky_sessions_total', { result: 'hit' })).toBe(9);
    expect(sampleValue(parsed, 'olla_sticky_sessions_total', { result: 'miss' })).toBe(4);
    expect(sampleValue(parsed, 'olla_sticky_active_sessions')).toBe(3);
    expect(sampleValue(parsed, 'olla_security_violations_total')).toBe(2);
    expect(sampleValue(parsed, 'olla_security_blocked_ips')).toBe(1);
  });

  it('never turns request text into a model label: only known models, other or unknown', async () => {
    const known = new Set(['llama3.2:3b', 'nomic-embed-text', 'other', 'unknown']);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.string(), { nil: undefined }), { maxLength: 40 }), async (names) => {
        const f = monitoringFixture();
        for (const model of names) feed(f, record({ model }));
        feed(f, record({ model: 'llama3' }));
        const parsed = await scrape(f.metrics);
        const labels = new Set(parsed.samples.filter((s) => s.labels.model !== undefined).map((s) => s.labels.model!));
        for (const label of labels) expect(known).toContain(label);
      }),
      { numRuns: 30 },
    );
  });

  it('adds Node process metrics when asked, in its own registry each time', async () => {
    const f = monitoringFixture();
    const withProcess = () =>
      new OllaMetrics({ ...f.sources, models: f.registry, processMetrics: true }).metrics().then(parseExposition);
    const [first, second] = await Promise.all([withProcess(), withProcess()]);
    expect(first.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(second.types.has('nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('registers a metric added before, during or after the registry loads exactly once', async () => {
    const f = monitoringFixture();
    const gauge = (name: string) => ({
      name,
      help: name,
      type: 'gauge' as const,
      collect: (out: Sample[]) => out.push({ labels: {}, value: 1 }),
    });
    f.metrics.add(gauge('olla_test_before'));
    const firstScrape = f.metrics.metrics();
    f.metrics.add(gauge('olla_test_during'));
    await firstScrape;
    expect((await scrape(f.metrics)).types.get('olla_test_during')).toBe('gauge');
    f.metrics.add(gauge('olla_test_after'));
    const text = await f.metrics.metrics();
    for (const name of ['olla_test_before', 'olla_test_during', 'olla_test_after'])
      expect(text.split('\n').filter((line) => line === `${name} 1`)).toHaveLength(1);
    expect(f.metrics.contentType).toMatch(/^text\/plain/);
  });
});
