import type { Endpoint, EndpointView } from '../../core/domain/endpoint.js';
import type { Ejection } from '../../core/ports/ejections.js';
import type { EndpointRepository } from '../../core/ports/endpoints.js';
import type { ModelRegistry } from '../../core/ports/models.js';
import { endpointView } from '../discovery/endpoints/endpoint-view.js';
import type { EndpointStatsSnapshot, StatsCollector } from './collector.js';
import { buildEndpointIds, compare, sanitiseDisplayUrl } from './endpoint-ids.js';
import {
  formatBytes,
  formatEndpointsUp,
  formatLatency,
  formatPercentage,
  formatTimeAgo,
  formatTimeUntil,
  formatUptime,
  isoOrZero,
} from './format.js';
import { NO_SECURITY, securityStatus, systemStatus } from './health-summary.js';
import type { SecurityStatsSource } from './security-stats.js';

/**
 * The bodies of `/internal/status` and `/internal/status/endpoints`, field for field as the
 * original's (snake_case, the same formats, the same omissions when there is no traffic), built
 * from the endpoint repository, the selector's connection counts, the model registry and the
 * stats collector. Endpoints are read through `EndpointView`, so no credential or configured
 * header can reach a response.
 */

/** The model registry as the status routes read it; `lastUpdated` is used when offered. */
export type StatusModelRegistry = Pick<ModelRegistry, 'modelsFor' | 'unified'> &
  Partial<Pick<ModelRegistry, 'find'>> & {
    lastUpdated?(endpointName: string): number | undefined;
  };

/** Anything that can report its counters as JSON (the translator stats, for one). */
export interface SnapshotSource {
  snapshot(): unknown;
}

export interface StatusSources {
  endpoints: EndpointRepository;
  /** In-flight requests per endpoint: the selector's `connections`. */
  connections(endpoint: Endpoint): number;
  models: StatusModelRegistry;
  stats: StatsCollector;
  proxy: { engine: string; profile: string; balancer: string };
  startedAt: number;
  version: string;
  commit: string;
  security?: SecurityStatsSource;
  translators?: SnapshotSource;
  /** The last config reload (SIGHUP, watched file), undefined before the first. */
  lastReload?: () => unknown;
  /** The shared state store, when one is configured. */
  sharedState?: () => unknown;
  /** Passive ejections and proxy breakers, so status tells what routing really does. */
  health?: {
    ejection(name: string): Ejection | undefined;
    breaker(name: string): string;
  };
  now?: () => number;
}

export interface EndpointModelsInfo {
  last_updated: string;
  count: number;
}

export interface StatusEndpoint {
  id: string;
  name: string;
  url: string;
  status: string;
  priority: number;
  success_rate: string;
  avg_latency: string;
  avg_latency_ms?: number;
  min_latency_ms: number;
  max_latency_ms: number;
  traffic: string;
  connections: number;
  requests: number;
  last_check: string;
  health_check_at?: string;
  next_check: string;
  next_check_at?: string;
  issues: string;
  models: EndpointModelsInfo;
}

export interface StatusResponse {
  timestamp: string;
  endpoints: StatusEndpoint[];
  proxy: { engine: string; profile: string; balancer: string };
  security: {
    status: string;
    blocked_ips: number;
    violations: { rate_limits: number; size_limits: number };
  };
  system: {
    status: string;
    endpoints_up: string;
    success_rate: string;
    avg_latency: string;
    total_traffic: string;
    uptime: string;
    start_time: string;
    version: string;
    commit: string;
    active_connections: number;
    security_violations: number;
    total_requests: number;
    total_failures: number;
    has_traffic: boolean;
    /** Ours, additive: requests that moved on to another endpoint, and the extra attempts. */
    failovers: number;
    retries: number;
  };
  /** Ours, additive: the model inventory in two numbers. */
  models: { total_models: number; unified_models: number; total_endpoints: number };
  /** Ours, additive: the translator counters, when translation is wired. */
  translators?: unknown;
  /** Ours, additive: how the last config reload went, once there has been one. */
  last_reload?: unknown;
}

export interface EndpointSummary {
  id: string;
  name: string;
  url: string;
  type: string;
  status: string;
  priority: number;
  model_count: number;
  request_count: number;
  success_rate: string;
  min_latency_ms: number;
  max_latency_ms: number;
  avg_latency_ms?: number;
  active_connections: number;
  health_check: string;
  health_check_at?: string;
  response_time?: string;
  next_check_at?: string;
  last_model_sync?: string;
  last_model_sync_at?: string;
  issues?: string;
  /** Ours, additive: why the endpoint is not healthy, from its last probe or failed request. */
  last_error?: string;
  /** Ours, additive: what the health probes say (`status` says what routing does). */
  probe_status: string;
  /** Ours, additive: the proxy circuit breaker (`closed`, `open`, `half-open`). */
  breaker?: string;
  /** Ours, additive: a live passive ejection, with until when and why. */
  ejection?: { until: string; reason: string; ejections: number };
  /** Ours, additive: success share of real outcomes (5xx count as failures); null without traffic. */
  success_ratio: number | null;
}

export interface EndpointStatusResponse {
  timestamp: string;
  total_count: number;
  healthy_count: number;
  routable_count: number;
  endpoints: EndpointSummary[];
}

/** "N/A" wherever there is no traffic to compute a rate from. */
export const NO_TRAFFIC_RATE = 'N/A';

interface EndpointFacts {
  view: EndpointView;
  ejection: Ejection | undefined;
  breaker: string | undefined;
  id: string;
  stats: EndpointStatsSnapshot | undefined;
  connections: number;
  modelCount: number;
  modelsUpdated: number;
}

function successRate(stats: EndpointStatsSnapshot | undefined): number {
  return stats && stats.totalRequests > 0 ? (stats.successfulRequests / stats.totalRequests) * 100 : 0;
}

function isUnavailable(status: string): boolean {
  return status === 'offline' || status === 'unhealthy';
}

/** When discovery last refreshed an endpoint's models: the registry's record, else the newest model. */
function modelsUpdatedAt(models: StatusModelRegistry, name: string): number {
  const recorded = models.lastUpdated?.(name);
  if (recorded !== undefined) return recorded;
  let newest = 0;
  for (const m of models.modelsFor(name)) if (m.lastSeen > newest) newest = m.lastSeen;
  return newest;
}

function gatherFacts(src: StatusSources, all: readonly Endpoint[]): EndpointFacts[] {
  const ids = buildEndpointIds(all);
  return all.map((endpoint) => ({
    view: endpointView(endpoint),
    ejection: src.health?.ejection(endpoint.name),
    breaker: src.health?.breaker(endpoint.name),
    id: ids.get(endpoint.name) ?? '',
    stats: src.stats.endpointStats(endpoint.name),
    connections: src.connections(endpoint),
    modelCount: src.models.modelsFor(endpoint.name).length,
    modelsUpdated: modelsUpdatedAt(src.models, endpoint.name),
  }));
}

/** Priority descending, healthy first within a band, then name and ID so polls never reshuffle. */
function byDisplayOrder(
  a: { priority: number; status: string; name: string; id: string },
  b: { priority: number; status: string; name: string; id: string },
): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const aHealthy = a.status === 'healthy';
  if (aHealthy !== (b.status === 'healthy')) return aHealthy ? -1 : 1;
  return a.name !== b.name ? compare(a.name, b.name) : compare(a.id, b.id);
}

function statusIssues(f: EndpointFacts, rate: number): string {
  const issues: string[] = [];
  if (f.view.consecutiveFailures > 3) issues.push('consecutive failures');
  if (f.stats) {
    if (rate < 90 && f.stats.totalRequests > 10) issues.push('low success rate');
    if (f.stats.averageLatencyMs > 5000) issues.push('high latency');
  }
  if (isUnavailable(f.view.status)) issues.push('unavailable');
  return issues.join(', ');
}

function toStatusEndpoint(f: EndpointFacts, now: number): StatusEndpoint {
  const { view, stats } = f;
  const rate = successRate(stats);
  const traffic = stats !== undefined && stats.totalRequests > 0;
  return {
    id: f.id,
    name: view.name,
    url: sanitiseDisplayUrl(view.url),
    status: view.status,
    priority: view.priority,
    success_rate: formatPercentage(rate),
    avg_latency: formatLatency(stats?.averageLatencyMs ?? 0),
    ...(traffic ? { avg_latency_ms: stats.averageLatencyMs } : {}),
    min_latency_ms: traffic ? stats.minLatencyMs : 0,
    max_latency_ms: traffic ? stats.maxLatencyMs : 0,
    traffic: formatBytes(stats?.bytesOut ?? 0),
    connections: f.connections,
    requests: stats?.totalRequests ?? 0,
    last_check: formatTimeAgo(view.lastChecked, now),
    ...(view.lastChecked > 0 ? { health_check_at: new Date(view.lastChecked).toISOString() } : {}),
    next_check: formatTimeUntil(view.nextCheckTime, now),
    ...(view.nextCheckTime > 0 ? { next_check_at: new Date(view.nextCheckTime).toISOString() } : {}),
    issues: statusIssues(f, rate),
    models: { last_updated: isoOrZero(f.modelsUpdated), count: f.modelCount },
  };
}

/** The whole picture: `/internal/status`. */
export function buildStatusResponse(src: StatusSources): StatusResponse {
  const now = src.now?.() ?? Date.now();
  const all = src.endpoints.all();
  const healthy = all.filter((e) => e.status === 'healthy').length;
  const facts = gatherFacts(src, all);
  const proxy = src.stats.proxyStats();
  const security = src.security?.securitySnapshot() ?? NO_SECURITY;
  const hasTraffic = proxy.totalRequests > 0;

  let activeConnections = 0;
  let traffic = 0;
  let modelEndpoints = 0;
  let modelTotal = 0;
  for (const f of facts) {
    activeConnections += f.connections;
    traffic += f.stats?.bytesOut ?? 0;
    if (f.modelCount > 0) modelEndpoints++;
    modelTotal += f.modelCount;
  }

  const translators = src.translators?.snapshot();
  const lastReload = src.lastReload?.();
  return {
    timestamp: new Date(now).toISOString(),
    endpoints: facts.map((f) => toStatusEndpoint(f, now)).sort(byDisplayOrder),
    proxy: { engine: src.proxy.engine, profile: src.proxy.profile, balancer: src.proxy.balancer },
    security: {
      status: securityStatus(security),
      blocked_ips: security.uniqueRateLimitedIps,
      violations: { rate_limits: security.rateLimitViolations, size_limits: security.sizeLimitViolations },
    },
    system: {
      status: systemStatus(healthy, all.length, proxy),
      endpoints_up: formatEndpointsUp(healthy, all.length),
      success_rate: hasTraffic
        ? formatPercentage((proxy.successfulRequests / proxy.totalRequests) * 100)
        : NO_TRAFFIC_RATE,
      avg_latency: formatLatency(proxy.averageLatencyMs),
      total_traffic: formatBytes(traffic),
      uptime: formatUptime(now - src.startedAt),
      start_time: new Date(src.startedAt).toISOString(),
      version: src.version,
      commit: src.commit,
      active_connections: activeConnections,
      security_violations: security.rateLimitViolations + security.sizeLimitViolations,
      total_requests: proxy.totalRequests,
      total_failures: proxy.failedRequests,
      has_traffic: hasTraffic,
      failovers: proxy.failovers,
      retries: proxy.retries,
    },
    models: { total_models: modelTotal, unified_models: src.models.unified().length, total_endpoints: modelEndpoints },
    ...(translators !== undefined ? { translators } : {}),
    ...(lastReload !== undefined ? { last_reload: lastReload } : {}),
    ...(src.sharedState ? { state: src.sharedState() } : {}),
  };
}

function summaryIssues(f: EndpointFacts): string {
  const { view, stats } = f;
  if (view.status === 'healthy' && view.consecutiveFailures === 0) return '';
  if (isUnavailable(view.status)) return 'unavailable';
  if (view.consecutiveFailures > 3) return 'unstable';
  if (stats && stats.totalRequests > 10 && stats.successfulRequests * 100 < stats.totalRequests * 90) {
    return 'low success rate';
  }
  return '';
}

function toEndpointSummary(f: EndpointFacts, now: number): EndpointSummary {
  const { view, stats } = f;
  const traffic = stats !== undefined && stats.totalRequests > 0;
  const issues = summaryIssues(f);
  return {
    id: f.id,
    name: view.name,
    url: sanitiseDisplayUrl(view.url),
    type: view.type,
    status: f.ejection !== undefined ? 'ejected' : view.status,
    probe_status: view.status,
    ...(f.breaker !== undefined ? { breaker: f.breaker } : {}),
    ...(f.ejection !== undefined
      ? {
          ejection: {
            until: new Date(f.ejection.until).toISOString(),
            reason: f.ejection.reason,
            ejections: f.ejection.count,
          },
        }
      : {}),
    success_ratio: traffic ? stats.successfulRequests / stats.totalRequests : null,
    priority: view.priority,
    model_count: f.modelCount,
    request_count: stats?.totalRequests ?? 0,
    success_rate: traffic ? formatPercentage(successRate(stats)) : NO_TRAFFIC_RATE,
    min_latency_ms: traffic ? stats.minLatencyMs : 0,
    max_latency_ms: traffic ? stats.maxLatencyMs : 0,
    ...(traffic ? { avg_latency_ms: stats.averageLatencyMs } : {}),
    active_connections: f.connections,
    health_check: view.lastChecked > 0 ? formatTimeAgo(view.lastChecked, now) : '',
    ...(view.lastChecked > 0 ? { health_check_at: new Date(view.lastChecked).toISOString() } : {}),
    ...(view.lastChecked > 0 && view.lastLatencyMs > 0 ? { response_time: formatLatency(view.lastLatencyMs) } : {}),
    ...(view.nextCheckTime > 0 ? { next_check_at: new Date(view.nextCheckTime).toISOString() } : {}),
    ...(f.modelsUpdated > 0
      ? {
          last_model_sync: formatTimeAgo(f.modelsUpdated, now),
          last_model_sync_at: new Date(f.modelsUpdated).toISOString(),
        }
      : {}),
    ...(issues !== '' ? { issues } : {}),
    ...(view.lastError !== undefined ? { last_error: withDisplayUrl(view.lastError, view.url) } : {}),
  };
}

/**
 * An error as status may show it: where it quotes the endpoint's URL, the URL as status shows
 * it (no query string or fragment, which may carry a key).
 */
function withDisplayUrl(error: string, url: string): string {
  return url === '' ? error : error.replaceAll(url, sanitiseDisplayUrl(url));
}

/** Per-endpoint health, load and discovery: `/internal/status/endpoints`. */
export function buildEndpointStatusResponse(src: StatusSources): EndpointStatusResponse {
  const now = src.now?.() ?? Date.now();
  const all = src.endpoints.all();
  return {
    timestamp: new Date(now).toISOString(),
    total_count: all.length,
    healthy_count: all.filter((e) => e.status === 'healthy').length,
    routable_count: src.endpoints.routable().length,
    endpoints: gatherFacts(src, all)
      .map((f) => toEndpointSummary(f, now))
      .sort(byDisplayOrder),
  };
}
