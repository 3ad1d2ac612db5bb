import type { HealthTransition } from '../../core/ports/endpoints.js';
import type { RequestRecord, RequestRecorder } from '../../core/ports/stats.js';
import { EventRing, type RecentEvent } from './event-log.js';
import { LatencyReservoir } from './reservoir.js';
import { SecondSeries, type SeriesSnapshot } from './time-series.js';

/**
 * What the status routes, the model stats route, the metrics and the dashboard know about
 * traffic: totals, per endpoint, per model (with percentiles and which endpoints served it),
 * retries and failovers, a per-second series and the recent failovers and health changes.
 *
 * `record()` runs once per proxied request, so it only bumps numbers on objects created the
 * first time an endpoint or model is seen; snapshots do the arithmetic. Averages, minimums and
 * maximums cover successful requests only, as the original's collector computes them.
 */

export interface StatsCollectorOptions {
  /** Epoch-ms clock, injectable for tests. */
  now?: () => number;
  /** Most distinct model names tracked; the least recently requested is dropped past it. */
  maxModels?: number;
  /** Models not requested for this long are dropped from the stats. */
  modelTtlMs?: number;
  /** Latency samples kept per model for percentiles. */
  percentileSamples?: number;
  /** Distinct client addresses remembered per model (for `unique_clients`). */
  maxClientsPerModel?: number;
  /** Seconds of per-second history kept for the dashboard charts. */
  seriesSeconds?: number;
  /** Recent failovers and health transitions kept for the dashboard. */
  recentEvents?: number;
  random?: () => number;
}

export interface ProxyStatsSnapshot {
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  averageLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  /** Response bytes sent back to clients. */
  bytesOut: number;
  bytesIn: number;
  retries: number;
  failovers: number;
}

export interface EndpointStatsSnapshot {
  name: string;
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  bytesOut: number;
  bytesIn: number;
  averageLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  /** Epoch ms of the last request, 0 = never. */
  lastUsed: number;
}

export interface ModelEndpointStatsSnapshot {
  endpointName: string;
  requestCount: number;
  /** Percentage, 0–100. */
  successRate: number;
  averageLatencyMs: number;
  lastUsed: number;
  consecutiveErrors: number;
}

export interface ModelStatsSnapshot {
  name: string;
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  bytesOut: number;
  averageLatencyMs: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  uniqueClients: number;
  lastRequested: number;
  /** Served by the first endpoint tried. */
  routingHits: number;
  /** Served only after retrying other endpoints. */
  routingMisses: number;
  /** Requests for this model served by a model in its fallback chain instead. */
  routingFallbacks: number;
  inputTokens: number;
  outputTokens: number;
  endpoints: ModelEndpointStatsSnapshot[];
}

/** Min/max/sum of successful latencies; min starts unset so 0 stays a valid observation. */
class LatencyBounds {
  min = -1;
  max = 0;
  sum = 0;

  add(ms: number): void {
    this.sum += ms;
    if (this.min < 0 || ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }
}

class EndpointCounters {
  readonly name: string;
  total = 0;
  successful = 0;
  failed = 0;
  bytesOut = 0;
  bytesIn = 0;
  lastUsed = 0;
  readonly latency = new LatencyBounds();

  constructor(name: string) {
    this.name = name;
  }
}

class ModelEndpointCounters {
  readonly endpointName: string;
  requests = 0;
  successful = 0;
  latencySum = 0;
  lastUsed = 0;
  consecutiveErrors = 0;

  constructor(endpointName: string) {
    this.endpointName = endpointName;
  }
}

class ModelCounters {
  readonly name: string;
  total = 0;
  successful = 0;
  failed = 0;
  bytesOut = 0;
  latencySum = 0;
  lastRequested = 0;
  routingHits = 0;
  routingMisses = 0;
  routingFallbacks = 0;
  inputTokens = 0;
  outputTokens = 0;
  readonly reservoir: LatencyReservoir;
  readonly clients = new Set<string>();
  readonly endpoints = new Map<string, ModelEndpointCounters>();

  constructor(name: string, samples: number, random: () => number) {
    this.name = name;
    this.reservoir = new LatencyReservoir(samples, random);
  }
}

const DEFAULTS = {
  maxModels: 50,
  modelTtlMs: 6 * 60 * 60_000,
  percentileSamples: 100,
  maxClientsPerModel: 100,
  seriesSeconds: 600,
  recentEvents: 50,
} as const;

function wholeMs(ms: number): number {
  return Math.max(0, Math.floor(ms));
}

function average(sum: number, count: number): number {
  return count > 0 ? Math.floor(sum / count) : 0;
}

export class StatsCollector implements RequestRecorder {
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #maxModels: number;
  readonly #modelTtlMs: number;
  readonly #samples: number;
  readonly #maxClients: number;
  readonly #endpoints = new Map<string, EndpointCounters>();
  readonly #models = new Map<string, ModelCounters>();
  readonly #series: SecondSeries;
  readonly #events: EventRing;
  readonly #latency = new LatencyBounds();
  #total = 0;
  #successful = 0;
  #failed = 0;
  #bytesOut = 0;
  #bytesIn = 0;
  #retries = 0;
  #failovers = 0;

  constructor(options: StatsCollectorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#maxModels = options.maxModels ?? DEFAULTS.maxModels;
    this.#modelTtlMs = options.modelTtlMs ?? DEFAULTS.modelTtlMs;
    this.#samples = options.percentileSamples ?? DEFAULTS.percentileSamples;
    this.#maxClients = options.maxClientsPerModel ?? DEFAULTS.maxClientsPerModel;
    this.#series = new SecondSeries(options.seriesSeconds ?? DEFAULTS.seriesSeconds);
    this.#events = new EventRing(options.recentEvents ?? DEFAULTS.recentEvents);
  }

  record(r: RequestRecord): void {
    const now = this.#now();
    const ok = !r.failed;
    this.#total++;
    this.#bytesOut += r.bytesOut;
    this.#bytesIn += r.bytesIn;
    if (ok) {
      this.#successful++;
      this.#latency.add(r.durationMs);
    } else {
      this.#failed++;
    }
    if (r.retries > 0) {
      this.#retries += r.retries;
      this.#failovers++;
      this.#recordFailover(r, now);
    }
    this.#series.record(now, r.durationMs, r.failed);

    if (r.endpoint !== undefined) this.#recordEndpoint(r.endpoint, r, ok, now);
    if (r.model !== undefined && r.model !== '') this.#recordModel(r.model, r, ok, now);
  }

  /** Feed `HealthChecker.onTransition` here so the dashboard lists health changes. */
  recordHealthTransition(t: HealthTransition): void {
    this.#events.push({
      at: this.#now(),
      kind: 'health',
      endpoint: t.endpoint.name,
      from: t.from,
      to: t.to,
      ...(t.error ? { detail: t.error } : {}),
    });
  }

  #recordEndpoint(name: string, r: RequestRecord, ok: boolean, now: number): void {
    let e = this.#endpoints.get(name);
    if (e === undefined) {
      e = new EndpointCounters(name);
      this.#endpoints.set(name, e);
    }
    e.total++;
    e.bytesOut += r.bytesOut;
    e.bytesIn += r.bytesIn;
    e.lastUsed = now;
    if (ok) {
      e.successful++;
      e.latency.add(r.durationMs);
    } else {
      e.failed++;
    }
  }

  /** A request for `model` was served by one of its fallbacks (counted on the model asked for). */
  recordFallback(model: string): void {
    const m = this.#modelCounters(model);
    m.routingFallbacks++;
    m.lastRequested = this.#now();
  }

  #modelCounters(name: string): ModelCounters {
    let m = this.#models.get(name);
    if (m === undefined) {
      if (this.#models.size >= this.#maxModels) this.#evictStalestModel();
      m = new ModelCounters(name, this.#samples, this.#random);
      this.#models.set(name, m);
    }
    return m;
  }

  #recordModel(name: string, r: RequestRecord, ok: boolean, now: number): void {
    const m = this.#modelCounters(name);
    m.total++;
    m.bytesOut += r.bytesOut;
    m.lastRequested = now;
    if (r.inputTokens !== undefined) m.inputTokens += r.inputTokens;
    if (r.outputTokens !== undefined) m.outputTokens += r.outputTokens;
    if (r.clientIp !== undefined && (m.clients.size < this.#maxClients || m.clients.has(r.clientIp))) {
      m.clients.add(r.clientIp);
    }
    if (ok) {
      m.successful++;
      m.latencySum += r.durationMs;
      m.reservoir.add(r.durationMs);
      if (r.retries > 0) m.routingMisses++;
      else m.routingHits++;
    } else {
      m.failed++;
    }
    if (r.endpoint === undefined) return;
    let me = m.endpoints.get(r.endpoint);
    if (me === undefined) {
      me = new ModelEndpointCounters(r.endpoint);
      m.endpoints.set(r.endpoint, me);
    }
    me.requests++;
    me.lastUsed = now;
    if (ok) {
      me.successful++;
      me.latencySum += r.durationMs;
      me.consecutiveErrors = 0;
    } else {
      me.consecutiveErrors++;
    }
  }

  // Only reached when a new name arrives with the table full: a scan of at most `maxModels`.
  #evictStalestModel(): void {
    let stalest: ModelCounters | undefined;
    for (const m of this.#models.values()) {
      if (stalest === undefined || m.lastRequested < stalest.lastRequested) stalest = m;
    }
    if (stalest !== undefined) this.#models.delete(stalest.name);
  }

  #recordFailover(r: RequestRecord, now: number): void {
    const from = r.failedOver?.[0];
    this.#events.push({
      at: now,
      kind: 'failover',
      endpoint: r.endpoint ?? from ?? 'none',
      ...(from !== undefined ? { from } : {}),
      ...(r.endpoint !== undefined ? { to: r.endpoint } : {}),
      ...(r.model ? { model: r.model } : {}),
      retries: r.retries,
      failed: r.failed,
    });
  }

  proxyStats(): ProxyStatsSnapshot {
    const l = this.#latency;
    return {
      totalRequests: this.#total,
      successfulRequests: this.#successful,
      failedRequests: this.#failed,
      averageLatencyMs: average(l.sum, this.#successful),
      minLatencyMs: l.min < 0 ? 0 : wholeMs(l.min),
      maxLatencyMs: wholeMs(l.max),
      bytesOut: this.#bytesOut,
      bytesIn: this.#bytesIn,
      retries: this.#retries,
      failovers: this.#failovers,
    };
  }

  /** Stats for one endpoint by name, undefined when it has served nothing yet. */
  endpointStats(name: string): EndpointStatsSnapshot | undefined {
    const e = this.#endpoints.get(name);
    if (e === undefined) return undefined;
    return {
      name: e.name,
      totalRequests: e.total,
      successfulRequests: e.successful,
      failedRequests: e.failed,
      bytesOut: e.bytesOut,
      bytesIn: e.bytesIn,
      averageLatencyMs: average(e.latency.sum, e.successful),
      minLatencyMs: e.latency.min < 0 ? 0 : wholeMs(e.latency.min),
      maxLatencyMs: wholeMs(e.latency.max),
      lastUsed: e.lastUsed,
    };
  }

  /** Every model requested within the TTL (older ones are dropped here). */
  modelStats(): ModelStatsSnapshot[] {
    const cutoff = this.#now() - this.#modelTtlMs;
    const out: ModelStatsSnapshot[] = [];
    for (const m of this.#models.values()) {
      if (m.lastRequested < cutoff) {
        this.#models.delete(m.name);
        continue;
      }
      const { p50, p95, p99 } = m.reservoir.percentiles();
      out.push({
        name: m.name,
        totalRequests: m.total,
        successfulRequests: m.successful,
        failedRequests: m.failed,
        bytesOut: m.bytesOut,
        averageLatencyMs: average(m.latencySum, m.successful),
        p50LatencyMs: wholeMs(p50),
        p95LatencyMs: wholeMs(p95),
        p99LatencyMs: wholeMs(p99),
        uniqueClients: m.clients.size,
        lastRequested: m.lastRequested,
        routingHits: m.routingHits,
        routingMisses: m.routingMisses,
        routingFallbacks: m.routingFallbacks,
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        endpoints: [...m.endpoints.values()].map((me) => ({
          endpointName: me.endpointName,
          requestCount: me.requests,
          successRate: me.requests > 0 ? (me.successful / me.requests) * 100 : 0,
          averageLatencyMs: average(me.latencySum, me.successful),
          lastUsed: me.lastUsed,
          consecutiveErrors: me.consecutiveErrors,
        })),
      });
    }
    return out;
  }

  /** Per-second requests, errors and latency for the last `seconds` (default: all kept). */
  series(seconds?: number): SeriesSnapshot {
    return this.#series.snapshot(this.#now(), seconds);
  }

  /** Recent failovers and health transitions, oldest first. */
  recentEvents(): RecentEvent[] {
    return this.#events.toArray();
  }
}
