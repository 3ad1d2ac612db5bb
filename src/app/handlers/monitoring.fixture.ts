import Fastify, { type FastifyInstance } from 'fastify';
import { OllaMetrics } from '../../adapter/metrics/olla-metrics.js';
import { StatsCollector } from '../../adapter/stats/collector.js';
import { ProcessMonitor } from '../../adapter/stats/process-report.js';
import { SecurityViolations } from '../../adapter/stats/security-stats.js';
import type { StatusSources } from '../../adapter/stats/status-report.js';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import type { ModelInfo, UnifiedModel } from '../../core/domain/model.js';
import type { EndpointRepository } from '../../core/ports/endpoints.js';
import type { RequestRecord } from '../../core/ports/stats.js';
import { registerDashboardRoutes } from './dashboard.js';
import { registerMetricsRoutes } from './metrics.js';
import { registerStatsRoutes } from './stats.js';
import { registerStatusRoutes } from './status.js';

/**
 * Fake dependencies for the monitoring routes' tests: two endpoints (one healthy, one offline
 * whose URL carries a credential and whose config carries an auth header, so tests can prove
 * neither leaks), a small model registry and a real stats collector and metrics on a fixed clock.
 */

export const NOW = Date.parse('2026-04-15T10:30:00Z');
export const STARTED_AT = NOW - 2 * 60 * 60_000;
export const SECRET = 'sup3r-secret';

export function fakeEndpoints(): Endpoint[] {
  return [
    fakeEndpoint({
      name: 'gpu-box',
      type: 'vllm',
      url: `http://admin:${SECRET}@10.0.0.5:8000?api_key=${SECRET}`,
      priority: 50,
      status: 'offline',
      lastChecked: NOW - 12_000,
      lastLatencyMs: 0,
      consecutiveFailures: 5,
      nextCheckTime: NOW + 20_000,
      // An error quoting the URL it failed on, secret and all: status must show it without them.
      lastError: `health check of http://admin:${SECRET}@10.0.0.5:8000?api_key=${SECRET} timed out after 2000 ms`,
      headers: { 'x-api-key': SECRET },
      authHeader: { name: 'authorization', value: `Bearer ${SECRET}` },
    }),
    fakeEndpoint({
      name: 'local-ollama',
      type: 'ollama',
      url: 'http://localhost:11434',
      priority: 100,
      status: 'healthy',
      lastChecked: NOW - 2_000,
      lastLatencyMs: 85,
      nextCheckTime: NOW + 3_000,
    }),
  ];
}

export class FakeRepository implements EndpointRepository {
  constructor(readonly endpoints: Endpoint[]) {}
  all(): readonly Endpoint[] {
    return this.endpoints;
  }
  routable(): readonly Endpoint[] {
    return this.endpoints.filter((e) => isRoutable(e.status));
  }
  get(name: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.name === name);
  }
  routableOfTypes(types: readonly string[]): readonly Endpoint[] {
    return this.routable().filter((e) => types.length === 0 || types.includes(e.type));
  }
}

function model(name: string, family: string, lastSeen: number, extra: Partial<ModelInfo> = {}): ModelInfo {
  return {
    name,
    type: 'llm',
    size: 2_019_393_189,
    details: { family, parameterSize: '3B', quantizationLevel: 'Q4_K_M', type: 'llm' },
    lastSeen,
    ...extra,
  };
}

function unified(id: string, aliases: string[], endpoints: string[]): UnifiedModel {
  return {
    id,
    family: 'llama',
    variant: '',
    parameterSize: '3B',
    parameterCount: 3e9,
    quantization: 'q4km',
    format: 'gguf',
    aliases,
    sourceEndpoints: endpoints.map((endpointName) => ({
      endpointName,
      endpointUrl: '',
      nativeName: id,
      state: 'loaded',
      lastSeen: NOW,
    })),
    capabilities: ['chat'],
    diskSize: 0,
    lastSeen: NOW,
    metadata: {},
  };
}

export class FakeModelRegistry {
  readonly byEndpoint = new Map<string, ModelInfo[]>([
    [
      'local-ollama',
      [model('llama3.2:3b', 'llama', NOW - 60_000), model('nomic-embed-text', 'nomic-bert', NOW - 120_000)],
    ],
    ['gpu-box', [model('llama3.2:3b', 'llama', NOW - 30_000), model('mystery', '', NOW - 600_000, { details: {} })]],
  ]);
  readonly unifiedModels = [
    unified('llama3.2:3b', ['llama3.2:3b', 'llama3'], ['local-ollama', 'gpu-box']),
    unified('nomic-embed-text', ['nomic-embed-text'], ['local-ollama']),
  ];

  modelsFor(endpointName: string): readonly ModelInfo[] {
    return this.byEndpoint.get(endpointName) ?? [];
  }
  unified(): readonly UnifiedModel[] {
    return this.unifiedModels;
  }
  find(idOrAlias: string): UnifiedModel | undefined {
    return this.unifiedModels.find((m) => m.id === idOrAlias || m.aliases.includes(idOrAlias));
  }
  lastUpdated(endpointName: string): number | undefined {
    return this.byEndpoint.has(endpointName) ? NOW - 5 * 60_000 : undefined;
  }
}

export function record(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 'req-1',
    endpoint: 'local-ollama',
    model: 'llama3.2:3b',
    method: 'POST',
    path: '/api/chat',
    status: 200,
    durationMs: 120,
    ttfbMs: 40,
    bytesOut: 2048,
    bytesIn: 256,
    retries: 0,
    failed: false,
    ...overrides,
  };
}

export interface MonitoringFixture {
  clock: { now: number };
  repository: FakeRepository;
  registry: FakeModelRegistry;
  connections: Map<string, number>;
  stats: StatsCollector;
  security: SecurityViolations;
  metrics: OllaMetrics;
  sources: StatusSources;
  process: ProcessMonitor;
}

export function monitoringFixture(): MonitoringFixture {
  const clock = { now: NOW };
  const now = () => clock.now;
  const repository = new FakeRepository(fakeEndpoints());
  const registry = new FakeModelRegistry();
  const connections = new Map<string, number>([['local-ollama', 2]]);
  const stats = new StatsCollector({ now });
  const security = new SecurityViolations({ now });
  const proxy = { engine: 'olla', profile: 'auto', balancer: 'least-connections' };
  const common = {
    endpoints: repository,
    connections: (e: Endpoint) => connections.get(e.name) ?? 0,
    stats,
    proxy,
    startedAt: STARTED_AT,
    version: '0.1.0',
    commit: 'none',
    security,
    now,
  };
  const metrics = new OllaMetrics({ ...common, models: registry, processMetrics: false });
  const translators = { snapshot: () => ({ anthropic: { total_requests: 3 } }) };
  return {
    clock,
    repository,
    registry,
    connections,
    stats,
    security,
    metrics,
    sources: { ...common, models: registry, translators },
    process: new ProcessMonitor(STARTED_AT),
  };
}

/** A fastify instance with every monitoring route, configured like Olla's server. */
export async function monitoringApp(f: MonitoringFixture, dashboard = true): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  registerStatusRoutes(app, f.sources);
  registerStatsRoutes(app, { stats: f.stats, process: f.process, now: () => f.clock.now });
  registerMetricsRoutes(app, { metrics: f.metrics });
  registerDashboardRoutes(app, {
    enabled: dashboard,
    series: (seconds) => f.stats.series(seconds),
    recentEvents: () => f.stats.recentEvents(),
  });
  await app.ready();
  return app;
}

/** Feeds the same record to the stats and the metrics, as the composition root's fan-out does. */
export function feed(f: MonitoringFixture, r: RequestRecord): void {
  f.stats.record(r);
  f.metrics.record(r);
}
