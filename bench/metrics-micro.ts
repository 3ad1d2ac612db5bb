/**
 * Nanoseconds per `record()`: the stats collector alone, the Prometheus metrics alone, and both
 * behind the fan-out the proxy engines call once per request.
 * Run with `npx tsx bench/metrics-micro.ts`.
 */

import { OllaMetrics } from '../src/adapter/metrics/olla-metrics.js';
import { StatsCollector } from '../src/adapter/stats/collector.js';
import { RecorderFanOut } from '../src/adapter/stats/recorders.js';
import type { Endpoint } from '../src/core/domain/endpoint.js';
import type { UnifiedModel } from '../src/core/domain/model.js';
import type { EndpointRepository } from '../src/core/ports/endpoints.js';
import type { RequestRecord, RequestRecorder } from '../src/core/ports/stats.js';

const WARM_UP = 200_000;
const ROUNDS = 5;
const PER_ROUND = 1_000_000;

const ENDPOINTS = ['local-ollama', 'gpu-box', 'lm-studio'];
const MODELS = ['llama3.2:3b', 'qwen2.5:7b', 'nomic-embed-text', 'not-in-registry'];

/** A realistic mix: mostly successes, some failures and a retry, tokens on about half. */
function records(): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let i = 0; i < 64; i++) {
    const failed = i % 16 === 0;
    out.push({
      requestId: `req-${i}`,
      endpoint: ENDPOINTS[i % ENDPOINTS.length],
      model: MODELS[i % MODELS.length],
      method: 'POST',
      path: '/v1/chat/completions',
      status: failed ? 502 : 200,
      durationMs: 20 + ((i * 37) % 900),
      ttfbMs: 5 + (i % 50),
      bytesOut: 1024 + i * 10,
      bytesIn: 256,
      retries: i % 32 === 1 ? 1 : 0,
      failed,
      clientIp: `10.0.0.${i % 8}`,
      ...(i % 2 === 0 ? { inputTokens: 40, outputTokens: 200 } : {}),
    });
  }
  return out;
}

const known = new Map(MODELS.slice(0, 3).map((id) => [id, { id } as UnifiedModel]));
const repository: EndpointRepository = {
  all: () => [],
  routable: () => [],
  get: () => undefined,
  routableOfTypes: () => [],
};

function metrics(stats: StatsCollector): OllaMetrics {
  return new OllaMetrics({
    endpoints: repository,
    connections: (_e: Endpoint) => 0,
    models: { find: (name) => known.get(name), modelsFor: () => [] },
    stats,
    proxy: { engine: 'olla', profile: 'auto', balancer: 'least-connections' },
    startedAt: Date.now(),
    version: 'bench',
    commit: 'none',
    processMetrics: false,
  });
}

function measure(recorder: RequestRecorder, batch: readonly RequestRecord[]): number {
  const mask = batch.length - 1;
  for (let i = 0; i < WARM_UP; i++) recorder.record(batch[i & mask]!);
  const perRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) recorder.record(batch[i & mask]!);
    perRound.push(Number(process.hrtime.bigint() - started) / PER_ROUND);
  }
  perRound.sort((a, b) => a - b);
  return perRound[Math.floor(ROUNDS / 2)]!;
}

const batch = records();
const statsOnly = new StatsCollector();
const metricsOnly = metrics(new StatsCollector());
const bothStats = new StatsCollector();
const both = new RecorderFanOut([bothStats, metrics(bothStats)]);

const rows = [
  ['stats collector', measure(statsOnly, batch)],
  ['prometheus metrics', measure(metricsOnly, batch)],
  ['stats + prometheus (fan-out)', measure(both, batch)],
] as const;

console.log(`record() cost, median of ${ROUNDS} rounds of ${PER_ROUND.toLocaleString('en-AU')} calls`);
for (const [name, ns] of rows) console.log(`${name.padEnd(30)} ${ns.toFixed(0).padStart(6)} ns/op`);
