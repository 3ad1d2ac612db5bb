import type { Registry } from 'prom-client';
import type { Endpoint } from '../../core/domain/endpoint.js';
import type { EndpointRepository } from '../../core/ports/endpoints.js';
import type { ModelRegistry } from '../../core/ports/models.js';
import type { RequestRecord, RequestRecorder } from '../../core/ports/stats.js';
import type { ModelStatsSnapshot, StatsCollector } from '../stats/collector.js';
import { NO_SECURITY, securityStatus, systemStatus, systemStatusValue } from '../stats/health-summary.js';
import { QUEUE_WAIT_BUCKETS, type QueueStats } from '../stats/queue-stats.js';
import type { SecurityStatsSource } from '../stats/security-stats.js';
import type { TranslatorCounters } from '../stats/translator-stats.js';
import {
  type CollectedMetric,
  type CollectedMetrics,
  type MetricType,
  registerCollected,
  type Sample,
} from './collected-metric.js';
import { DURATION_BUCKETS, RequestCells, TTFB_BUCKETS } from './request-cells.js';

/**
 * Olla's Prometheus metrics, in a registry of their own (so every app instance, and every test,
 * has its own). Two kinds:
 *
 * - per request (`record()`): counts, duration and TTFB histograms, bytes and tokens per
 *   endpoint and model, retries and failovers: kept as plain numbers and exposed at scrape time;
 * - read at scrape time: the original's `olla_*` summary, endpoint and model series, health and
 *   connections from the repository and selector, sticky-session counts, security figures, and
 *   Node's process metrics.
 *
 * prom-client (with its default metrics and the OpenTelemetry API it requires, some 80 modules) is
 * imported only at the first scrape: loaded at start-up it held some 2 MB of an idle Olla that no
 * Prometheus may ever ask. Every Olla metric is counted in plain numbers here from the first
 * request either way; only Node's process metrics (GC, event-loop lag) begin when the registry does.
 *
 * Label values are bounded: `endpoint` is a configured endpoint's name (or `none`), and `model`
 * is a model the registry knows (its unified ID), `other` for any name it does not know and
 * `unknown` when the request named none, so request text never becomes a label value.
 */

/** Sticky-session counters as the sticky selector reports them. */
export interface StickyCounts {
  hits: number;
  misses: number;
  active_sessions?: number;
}

export interface StickyStatsSource {
  stats(): StickyCounts;
}

export interface QueueMetricsSource {
  readonly depth: number;
  readonly stats: QueueStats;
}

export interface MetricsSources {
  endpoints: EndpointRepository;
  /** In-flight requests per endpoint: the selector's `connections`. */
  connections(endpoint: Endpoint): number;
  models: Pick<ModelRegistry, 'find' | 'modelsFor'>;
  stats: StatsCollector;
  proxy: { engine: string; profile: string; balancer: string };
  startedAt: number;
  version: string;
  commit: string;
  security?: SecurityStatsSource;
  sticky?: StickyStatsSource;
  /** Whether the shared state store answers, when one is configured. */
  sharedStoreUp?: () => boolean;
  /** The admission queue, when some endpoint has a concurrency limit. */
  queue?: QueueMetricsSource;
  /** Per-translator counters (`TranslatorStats.snapshot`), read at scrape time. */
  translatorCounters?: () => Record<string, TranslatorCounters>;
  /** Node's process metrics (`collectDefaultMetrics`); on unless switched off. */
  processMetrics?: boolean;
  now?: () => number;
}

export const NO_MODEL_LABEL = 'unknown';
export const UNKNOWN_MODEL_LABEL = 'other';
const NO_ENDPOINT_LABEL = 'none';

type Collect = (out: Sample[]) => void;

export class OllaMetrics implements RequestRecorder, CollectedMetrics {
  readonly #collected: CollectedMetric[] = [];
  #loading: Promise<Registry> | undefined;
  #registry: Registry | undefined;
  readonly #src: MetricsSources;
  readonly #now: () => number;
  readonly #cells = new RequestCells();
  readonly #rateLimited = new Map<string, number>();
  readonly #reloads = new Map<string, number>([
    ['success', 0],
    ['failure', 0],
  ]);
  readonly #ejections = new Map<string, number>();
  #retries = 0;
  #failovers = 0;

  constructor(sources: MetricsSources) {
    this.#src = sources;
    this.#now = sources.now ?? Date.now;
    this.#registerRequestMetrics();
    this.#registerSummaryMetrics();
    this.#registerEndpointMetrics();
    this.#registerModelMetrics();
    if (sources.queue) this.#registerQueueMetrics(sources.queue);
    this.#registerTranslatorMetrics();
  }

  /** The exposition's content type; known once `metrics()` has resolved. */
  get contentType(): string {
    if (this.#registry === undefined) throw new Error('OllaMetrics.contentType read before metrics() resolved');
    return this.#registry.contentType;
  }

  /** The exposition text for `/internal/metrics`. */
  async metrics(): Promise<string> {
    return (await this.#load()).metrics();
  }

  /** Declares a metric read at scrape time (per-key metrics are added this way). */
  add(metric: CollectedMetric): void {
    this.#collected.push(metric);
    // A load under way registers everything collected when it completes.
    if (this.#registry) registerCollected(this.#registry, metric);
  }

  #load(): Promise<Registry> {
    this.#loading ??= import('prom-client').then(({ Registry, collectDefaultMetrics }) => {
      const registry = new Registry();
      for (const metric of this.#collected) registerCollected(registry, metric);
      if (this.#src.processMetrics !== false) collectDefaultMetrics({ register: registry });
      this.#registry = registry;
      return registry;
    });
    return this.#loading;
  }

  record(r: RequestRecord): void {
    this.#cells.cell(r.endpoint ?? NO_ENDPOINT_LABEL, this.modelLabel(r.model)).add(r);
    if (r.retries > 0) {
      this.#retries += r.retries;
      this.#failovers++;
    }
  }

  /** Called by the rate-limit hook for each refused request; `scope` is one of a fixed few. */
  countRateLimited(scope: string): void {
    this.#rateLimited.set(scope, (this.#rateLimited.get(scope) ?? 0) + 1);
  }

  /** Called once per config reload attempt. */
  countReload(result: 'success' | 'failure'): void {
    this.#reloads.set(result, (this.#reloads.get(result) ?? 0) + 1);
  }

  /** Called by outlier detection each time it ejects `endpoint`. */
  countEjection(endpoint: string): void {
    this.#ejections.set(endpoint, (this.#ejections.get(endpoint) ?? 0) + 1);
  }

  /** The `model` label for a requested name (see the class comment). */
  modelLabel(name: string | undefined): string {
    if (name === undefined || name === '') return NO_MODEL_LABEL;
    return this.#src.models.find(name)?.id ?? UNKNOWN_MODEL_LABEL;
  }

  #registerTranslatorMetrics(): void {
    const source = this.#src.translatorCounters;
    if (!source) return;
    this.#add('olla_translator_requests_total', 'Translator requests by translator and mode', 'counter', (out) => {
      for (const t of Object.values(source())) {
        out.push({ labels: { translator: t.translator_name, mode: 'passthrough' }, value: t.passthrough_requests });
        out.push({ labels: { translator: t.translator_name, mode: 'translation' }, value: t.translation_requests });
      }
    });
    this.#add('olla_translator_errors_total', 'Translator requests that failed', 'counter', (out) => {
      for (const t of Object.values(source()))
        out.push({ labels: { translator: t.translator_name }, value: t.failed_requests });
    });
    this.#add(
      'olla_translator_latency_seconds_total',
      'Summed latency of successful translator requests',
      'counter',
      (out) => {
        for (const t of Object.values(source()))
          out.push({ labels: { translator: t.translator_name }, value: t.total_latency_ms / 1000 });
      },
    );
  }

  #add(name: string, help: string, type: MetricType, collect: Collect): void {
    this.add({ name, help, type, collect });
  }

  #registerRequestMetrics(): void {
    const cells = this.#cells;
    this.#add('olla_proxy_requests_total', 'Proxied requests by endpoint, model and status code', 'counter', (out) => {
      for (const cell of cells) {
        for (const [status, count] of cell.statuses) {
          out.push({ labels: { endpoint: cell.endpoint, model: cell.model, status }, value: count });
        }
      }
    });
    this.#add('olla_proxy_request_duration_seconds', 'Proxied request duration', 'histogram', (out) => {
      for (const c of cells) {
        c.duration.export(out, 'olla_proxy_request_duration_seconds', DURATION_BUCKETS, {
          endpoint: c.endpoint,
          model: c.model,
        });
      }
    });
    this.#add('olla_proxy_ttfb_seconds', 'Time to the first response byte', 'histogram', (out) => {
      for (const c of cells) {
        if (c.ttfb.count > 0) {
          c.ttfb.export(out, 'olla_proxy_ttfb_seconds', TTFB_BUCKETS, { endpoint: c.endpoint, model: c.model });
        }
      }
    });
    this.#add('olla_proxy_request_bytes_total', 'Request body bytes forwarded', 'counter', (out) =>
      cells.collect(out, (c) => c.bytesIn),
    );
    this.#add('olla_proxy_response_bytes_total', 'Response bytes returned to clients', 'counter', (out) =>
      cells.collect(out, (c) => c.bytesOut),
    );
    this.#add('olla_proxy_tokens_total', 'Tokens reported by backends, by direction', 'counter', (out) => {
      for (const c of cells) {
        if (c.inputTokens === 0 && c.outputTokens === 0) continue;
        out.push({ labels: { endpoint: c.endpoint, model: c.model, direction: 'input' }, value: c.inputTokens });
        out.push({ labels: { endpoint: c.endpoint, model: c.model, direction: 'output' }, value: c.outputTokens });
      }
    });
    this.#add('olla_proxy_retries_total', 'Extra endpoint attempts after a connection failure', 'counter', (out) => {
      out.push({ labels: {}, value: this.#retries });
    });
    this.#add('olla_proxy_failovers_total', 'Requests that moved on to another endpoint', 'counter', (out) => {
      out.push({ labels: {}, value: this.#failovers });
    });
    this.#add('olla_rate_limited_total', 'Requests refused by the rate limiter, by scope', 'counter', (out) => {
      for (const [scope, count] of this.#rateLimited) out.push({ labels: { scope }, value: count });
    });
    this.#add('olla_config_reloads_total', 'Config reload attempts, by result', 'counter', (out) => {
      for (const [result, count] of this.#reloads) out.push({ labels: { result }, value: count });
    });
    const storeUp = this.#src.sharedStoreUp;
    if (storeUp) {
      this.#add(
        'olla_state_store_up',
        'Whether the shared state store (Redis/Valkey) answers: 1 up, 0 down',
        'gauge',
        (out) => {
          out.push({ labels: {}, value: storeUp() ? 1 : 0 });
        },
      );
    }
    this.#add(
      'olla_endpoint_ejections_total',
      'Passive ejections of endpoints failing real requests',
      'counter',
      (out) => {
        for (const [endpoint, count] of this.#ejections) out.push({ labels: { endpoint }, value: count });
      },
    );
    const sticky = this.#src.sticky;
    if (sticky) {
      this.#add('olla_sticky_sessions_total', 'Sticky-session lookups by result', 'counter', (out) => {
        const s = sticky.stats();
        out.push({ labels: { result: 'hit' }, value: s.hits }, { labels: { result: 'miss' }, value: s.misses });
      });
      this.#add('olla_sticky_active_sessions', 'Sticky sessions currently pinned', 'gauge', (out) => {
        out.push({ labels: {}, value: sticky.stats().active_sessions ?? 0 });
      });
    }
  }

  #registerSummaryMetrics(): void {
    const src = this.#src;
    const gauge = (name: string, help: string, value: () => number) =>
      this.#add(name, help, 'gauge', (out) => out.push({ labels: {}, value: value() }));
    const counter = (name: string, help: string, value: () => number) =>
      this.#add(name, help, 'counter', (out) => out.push({ labels: {}, value: value() }));
    const healthy = () => src.endpoints.all().filter((e) => e.status === 'healthy').length;
    const proxy = () => src.stats.proxyStats();
    const security = () => src.security?.securitySnapshot() ?? NO_SECURITY;

    this.#add('olla_info', 'Olla build and proxy configuration', 'gauge', (out) => {
      const { engine, profile, balancer } = src.proxy;
      out.push({ labels: { version: src.version, commit: src.commit, engine, profile, balancer }, value: 1 });
    });
    gauge('olla_system_status', 'Overall system status (2=healthy, 1=degraded, 0=critical)', () =>
      systemStatusValue(systemStatus(healthy(), src.endpoints.all().length, proxy())),
    );
    gauge('olla_endpoints_total', 'Total configured endpoints', () => src.endpoints.all().length);
    gauge('olla_endpoints_healthy', 'Number of healthy endpoints', healthy);
    gauge('olla_endpoints_routable', 'Endpoints eligible to receive traffic', () => src.endpoints.routable().length);
    gauge('olla_success_rate_percent', 'Proxy success rate percentage', () => {
      const p = proxy();
      return p.totalRequests > 0 ? (p.successfulRequests / p.totalRequests) * 100 : 0;
    });
    gauge('olla_avg_latency_ms', 'Average proxy latency in milliseconds', () => proxy().averageLatencyMs);
    gauge('olla_total_traffic_bytes', 'Total traffic across all endpoints in bytes', () => proxy().bytesOut);
    gauge('olla_uptime_seconds', 'Olla process uptime in seconds', () => (this.#now() - src.startedAt) / 1000);
    gauge('olla_active_connections', 'Active connections across all endpoints', () => {
      let total = 0;
      for (const e of src.endpoints.all()) total += src.connections(e);
      return total;
    });
    counter('olla_requests_total', 'Total proxy requests processed', () => proxy().totalRequests);
    counter('olla_failures_total', 'Total failed proxy requests', () => proxy().failedRequests);
    counter('olla_security_violations_total', 'Total security violations', () => {
      const s = security();
      return s.rateLimitViolations + s.sizeLimitViolations;
    });
    gauge('olla_security_blocked_ips', 'Unique IPs blocked by rate limiting', () => security().uniqueRateLimitedIps);
    counter('olla_security_rate_limit_violations_total', 'Rate limit violations', () => security().rateLimitViolations);
    counter('olla_security_size_limit_violations_total', 'Request size limit violations', () => {
      return security().sizeLimitViolations;
    });
    gauge('olla_security_status', 'Security posture (1=normal, 0=elevated)', () =>
      securityStatus(security()) === 'normal' ? 1 : 0,
    );
  }

  #registerEndpointMetrics(): void {
    const src = this.#src;
    const perEndpoint = (name: string, help: string, type: MetricType, value: (e: Endpoint) => number) =>
      this.#add(name, help, type, (out) => {
        for (const e of src.endpoints.all()) out.push({ labels: { endpoint: e.name }, value: value(e) });
      });
    const stats = (e: Endpoint) => src.stats.endpointStats(e.name);

    this.#add('olla_endpoint_up', 'Whether the endpoint is healthy (1) or not (0)', 'gauge', (out) => {
      for (const e of src.endpoints.all()) {
        out.push({ labels: { endpoint: e.name, status: e.status }, value: e.status === 'healthy' ? 1 : 0 });
      }
    });
    perEndpoint('olla_endpoint_requests_total', 'Total requests handled by endpoint', 'counter', (e) => {
      return stats(e)?.totalRequests ?? 0;
    });
    perEndpoint('olla_endpoint_connections', 'Active connections for endpoint', 'gauge', (e) => src.connections(e));
    perEndpoint('olla_endpoint_success_rate_percent', 'Endpoint success rate percentage', 'gauge', (e) => {
      const s = stats(e);
      return s && s.totalRequests > 0 ? (s.successfulRequests / s.totalRequests) * 100 : 0;
    });
    perEndpoint('olla_endpoint_avg_latency_ms', 'Endpoint average latency in milliseconds', 'gauge', (e) => {
      return stats(e)?.averageLatencyMs ?? 0;
    });
    perEndpoint('olla_endpoint_traffic_bytes', 'Total traffic for endpoint in bytes', 'counter', (e) => {
      return stats(e)?.bytesOut ?? 0;
    });
    perEndpoint('olla_endpoint_priority', 'Endpoint routing priority', 'gauge', (e) => e.priority);
    perEndpoint('olla_endpoint_models_count', 'Number of models discovered on endpoint', 'gauge', (e) => {
      return src.models.modelsFor(e.name).length;
    });
    perEndpoint('olla_endpoint_health_check_latency_ms', 'Latency of the last health check', 'gauge', (e) => {
      return e.lastLatencyMs;
    });
    perEndpoint('olla_endpoint_consecutive_failures', 'Consecutive failed health checks', 'gauge', (e) => {
      return e.consecutiveFailures;
    });
  }

  /**
   * The original's per-model series, for models the registry knows by that exact unified ID;
   * requests for aliases and unknown names are still counted under `olla_proxy_requests_total`.
   */
  #registerQueueMetrics(queue: QueueMetricsSource): void {
    this.#add('olla_queue_depth', 'Requests waiting in the admission queue', 'gauge', (out) => {
      out.push({ labels: {}, value: queue.depth });
    });
    this.#add('olla_queue_wait_seconds', 'Time queued requests waited for a slot', 'histogram', (out) => {
      queue.stats.wait.export(out, 'olla_queue_wait_seconds', QUEUE_WAIT_BUCKETS, {});
    });
    this.#add('olla_queue_rejected_total', 'Requests refused by the admission queue, by reason', 'counter', (out) => {
      for (const [reason, value] of Object.entries(queue.stats.rejections)) out.push({ labels: { reason }, value });
    });
  }

  #registerModelMetrics(): void {
    const src = this.#src;
    const known = () => src.stats.modelStats().filter((m) => src.models.find(m.name)?.id === m.name);
    this.#add('olla_models_total', 'Total tracked models', 'gauge', (out) => {
      out.push({ labels: {}, value: known().length });
    });
    const series: [string, string, MetricType, (m: ModelStatsSnapshot) => number][] = [
      ['olla_model_requests_total', 'Total requests for a model', 'counter', (m) => m.totalRequests],
      [
        'olla_model_successful_requests_total',
        'Successful requests for a model',
        'counter',
        (m) => m.successfulRequests,
      ],
      ['olla_model_failed_requests_total', 'Failed requests for a model', 'counter', (m) => m.failedRequests],
      ['olla_model_traffic_bytes', 'Total traffic for a model in bytes', 'counter', (m) => m.bytesOut],
      ['olla_model_avg_latency_ms', 'Model average latency in milliseconds', 'gauge', (m) => m.averageLatencyMs],
      ['olla_model_p95_latency_ms', 'Model P95 latency in milliseconds', 'gauge', (m) => m.p95LatencyMs],
      ['olla_model_p99_latency_ms', 'Model P99 latency in milliseconds', 'gauge', (m) => m.p99LatencyMs],
      ['olla_model_unique_clients', 'Unique clients per model', 'gauge', (m) => m.uniqueClients],
    ];
    for (const [name, help, type, value] of series) {
      this.#add(name, help, type, (out) => {
        for (const m of known()) out.push({ labels: { model: m.name }, value: value(m) });
      });
    }
  }
}
