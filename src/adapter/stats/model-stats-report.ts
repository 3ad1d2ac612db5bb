import type { ModelEndpointStatsSnapshot, ModelStatsSnapshot } from './collector.js';
import { formatBytes, formatLatency, formatPercentage, formatTimeAgo } from './format.js';

/**
 * The body of `/internal/stats/models`: per-model request counts, success rate, latency
 * percentiles and routing effectiveness, busiest first, with a summary, and optionally the
 * per-endpoint breakdown of each model (`include_endpoints=true`) and per-endpoint totals
 * across models (`include_summary=true`).
 */

export interface EndpointModelStatsEntry {
  endpoint_name: string;
  average_latency: string;
  last_used: string;
  request_count: number;
  success_rate: number;
  consecutive_errors: number;
}

export interface ModelStatsEntry {
  name: string;
  success_rate: string;
  total_traffic: string;
  average_latency: string;
  /** Ours, additive: the median beside the original's p95 and p99. */
  p50_latency: string;
  p95_latency: string;
  p99_latency: string;
  last_requested: string;
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
  unique_clients: number;
  routing_hits: number;
  routing_misses: number;
  routing_fallbacks: number;
  /** Ours, additive: tokens as the backends reported them. */
  input_tokens: number;
  output_tokens: number;
  endpoint_breakdown?: Record<string, EndpointModelStatsEntry>;
}

export interface ModelStatsSummary {
  overall_success_rate: string;
  total_traffic: string;
  most_popular_model: string;
  least_popular_model: string;
  total_models: number;
  active_models: number;
  total_requests: number;
}

export interface ModelStatsResponse {
  timestamp: string;
  models: ModelStatsEntry[];
  endpoints: Record<string, EndpointModelStatsEntry>;
  summary: ModelStatsSummary;
}

export interface ModelStatsOptions {
  includeEndpoints: boolean;
  includeSummary: boolean;
  now: number;
}

const HOUR_MS = 60 * 60_000;

function rate(part: number, total: number): number {
  return total > 0 ? (part / total) * 100 : 0;
}

function endpointEntry(e: ModelEndpointStatsSnapshot, now: number): EndpointModelStatsEntry {
  return {
    endpoint_name: e.endpointName,
    average_latency: formatLatency(e.averageLatencyMs),
    last_used: formatTimeAgo(e.lastUsed, now),
    request_count: e.requestCount,
    success_rate: e.successRate,
    consecutive_errors: e.consecutiveErrors,
  };
}

function modelEntry(m: ModelStatsSnapshot, options: ModelStatsOptions): ModelStatsEntry {
  return {
    name: m.name,
    success_rate: formatPercentage(rate(m.successfulRequests, m.totalRequests)),
    total_traffic: formatBytes(m.bytesOut),
    average_latency: formatLatency(m.averageLatencyMs),
    p50_latency: formatLatency(m.p50LatencyMs),
    p95_latency: formatLatency(m.p95LatencyMs),
    p99_latency: formatLatency(m.p99LatencyMs),
    last_requested: formatTimeAgo(m.lastRequested, options.now),
    total_requests: m.totalRequests,
    successful_requests: m.successfulRequests,
    failed_requests: m.failedRequests,
    unique_clients: m.uniqueClients,
    routing_hits: m.routingHits,
    routing_misses: m.routingMisses,
    routing_fallbacks: m.routingFallbacks,
    input_tokens: m.inputTokens,
    output_tokens: m.outputTokens,
    ...(options.includeEndpoints && m.endpoints.length > 0
      ? {
          endpoint_breakdown: Object.fromEntries(
            m.endpoints.map((e) => [e.endpointName, endpointEntry(e, options.now)]),
          ),
        }
      : {}),
  };
}

/** Per endpoint across every model: requests, success rate and request-weighted latency. */
function endpointTotals(models: readonly ModelStatsSnapshot[], now: number): Record<string, EndpointModelStatsEntry> {
  const totals = new Map<string, { requests: number; successes: number; latency: number; lastUsed: number }>();
  for (const m of models) {
    for (const e of m.endpoints) {
      let t = totals.get(e.endpointName);
      if (!t) {
        t = { requests: 0, successes: 0, latency: 0, lastUsed: 0 };
        totals.set(e.endpointName, t);
      }
      t.requests += e.requestCount;
      t.successes += Math.floor((e.successRate * e.requestCount) / 100);
      t.latency += e.averageLatencyMs * e.requestCount;
      if (e.lastUsed > t.lastUsed) t.lastUsed = e.lastUsed;
    }
  }
  const out: Record<string, EndpointModelStatsEntry> = {};
  for (const [name, t] of totals) {
    out[name] = {
      endpoint_name: name,
      average_latency: formatLatency(t.requests > 0 ? Math.floor(t.latency / t.requests) : 0),
      last_used: formatTimeAgo(t.lastUsed, now),
      request_count: t.requests,
      success_rate: rate(t.successes, t.requests),
      consecutive_errors: 0,
    };
  }
  return out;
}

export function buildModelStatsResponse(
  models: readonly ModelStatsSnapshot[],
  options: ModelStatsOptions,
): ModelStatsResponse {
  let totalRequests = 0;
  let successful = 0;
  let bytes = 0;
  let most = '';
  let mostRequests = 0;
  let least = '';
  let leastRequests = Number.POSITIVE_INFINITY;
  let active = 0;
  for (const m of models) {
    totalRequests += m.totalRequests;
    successful += m.successfulRequests;
    bytes += m.bytesOut;
    if (m.totalRequests > mostRequests) {
      mostRequests = m.totalRequests;
      most = m.name;
    }
    if (m.totalRequests > 0 && m.totalRequests < leastRequests) {
      leastRequests = m.totalRequests;
      least = m.name;
    }
    if (m.lastRequested > options.now - HOUR_MS) active++;
  }

  return {
    timestamp: new Date(options.now).toISOString(),
    models: models.map((m) => modelEntry(m, options)).sort((a, b) => b.total_requests - a.total_requests),
    endpoints: options.includeSummary ? endpointTotals(models, options.now) : {},
    summary: {
      overall_success_rate: formatPercentage(rate(successful, totalRequests)),
      total_traffic: formatBytes(bytes),
      most_popular_model: most,
      least_popular_model: least,
      total_models: models.length,
      active_models: active,
      total_requests: totalRequests,
    },
  };
}
