import { AdmissionQueue } from '../adapter/admission/admission-queue.js';
import { ConcurrencyLimiter } from '../adapter/admission/concurrency-limiter.js';
import type { ModelSink } from '../adapter/discovery/models/service.js';
import type { FallbackChains } from '../adapter/registry/fallback-chains.js';
import { residencyAwareSink, ResidencyPoller } from '../adapter/residency/residency-poller.js';
import { ResidencySelector } from '../adapter/residency/residency-selector.js';
import { ResidencyTracker } from '../adapter/residency/residency-tracker.js';
import { QueueStats } from '../adapter/stats/queue-stats.js';
import type { OllaConfig } from '../config/types.js';
import type { PlatformProfile } from '../core/domain/profile.js';
import type { EndpointSelector } from '../core/ports/balancer.js';
import type { EndpointRepository } from '../core/ports/endpoints.js';

/**
 * The routing features that know the fleet, each built only when configured so an Olla without
 * them pays nothing: residency (loaded models first), per-node concurrency limits with the
 * admission queue; and the start-up check of model fallback chains. The composition root calls these in order and
 * wraps the selector chain as `limits(sticky(residency(balancer)))`.
 */

export interface Residency {
  readonly tracker: ResidencyTracker;
  readonly poller: ResidencyPoller;
  /** The discovery sink that also reads LM Studio's `state: loaded`. */
  readonly sink: ModelSink;
  /** Wraps a balancer so it prefers nodes holding the model. */
  decorate(balancer: EndpointSelector): EndpointSelector;
}

/** `proxy.prefer_loaded_models`: the balancer decorated to prefer nodes holding the model. */
export function buildResidency(
  config: OllaConfig,
  endpoints: EndpointRepository,
  sink: ModelSink,
): Residency | undefined {
  if (!config.proxy.preferLoadedModels) return undefined;
  const tracker = new ResidencyTracker();
  const discovery = config.discovery.modelDiscovery;
  return {
    tracker,
    poller: new ResidencyPoller({ endpoints, tracker, intervalMs: discovery.interval, timeoutMs: discovery.timeout }),
    sink: residencyAwareSink(sink, tracker),
    decorate: (balancer) => new ResidencySelector(balancer, tracker),
  };
}

export interface Admission {
  readonly limiter: ConcurrencyLimiter;
  readonly queue: AdmissionQueue;
  readonly stats: QueueStats;
  /** `/internal/status` `queue`. */
  status(): unknown;
  /** New per-node limits from a config reload; requests waiting for a slot are looked at again. */
  reconfigure(config: OllaConfig): void;
}

/**
 * Each endpoint's limit: its own `max_concurrent_requests` when set (0 = unlimited); otherwise
 * its profile's, but only with `proxy.queue.enabled` (so turning the queue on is what opts a
 * fleet into the profiles' limits, and an Olla upgraded without touching its config behaves as before).
 */
export function concurrencyLimits(
  config: OllaConfig,
  profileFor: (type: string) => PlatformProfile | undefined,
): Map<string, number> {
  const limits = new Map<string, number>();
  for (const endpoint of config.discovery.static.endpoints) {
    const own = endpoint.maxConcurrentRequests;
    const limit =
      own !== undefined
        ? own
        : config.proxy.queue.enabled
          ? (profileFor(endpoint.type)?.characteristics.maxConcurrentRequests ?? 0)
          : 0;
    if (limit > 0) limits.set(endpoint.name, limit);
  }
  return limits;
}

/**
 * The limiter and queue around the whole selector chain; undefined when no endpoint has a limit
 * (so a config reload can change limits, or lift them all, but setting the first one takes a restart).
 */
export function buildAdmission(
  config: OllaConfig,
  selector: EndpointSelector,
  profileFor: (type: string) => PlatformProfile | undefined,
): Admission | undefined {
  let limits = concurrencyLimits(config, profileFor);
  if (limits.size === 0) return undefined;
  const limiter = new ConcurrencyLimiter(selector, (name) => limits.get(name) ?? 0);
  const stats = new QueueStats();
  const queue = new AdmissionQueue(limiter, config.proxy.queue, stats);
  return {
    limiter,
    queue,
    stats,
    status: () => ({
      enabled: config.proxy.queue.enabled,
      depth: queue.depth,
      max_size: config.proxy.queue.maxSize,
      max_wait_ms: config.proxy.queue.maxWait,
      rejected: { ...stats.rejections },
      waited: stats.wait.count,
      limits: Object.fromEntries(
        [...limits].map(([name, limit]) => [name, { limit, in_flight: limiter.inFlight(name) }]),
      ),
    }),
    reconfigure: (next) => {
      limits = concurrencyLimits(next, profileFor);
      limiter.slotsChanged();
    },
  };
}

/**
 * After the first discovery round: a chain naming a model no endpoint lists is worth a warning
 * (a typo, or a node that is down), not a refusal to start, since models come and go.
 */
export function warnUnknownFallbacks(
  chains: FallbackChains,
  catalogue: { route(model: string): unknown; aliasRoute(model: string): unknown },
  logger: { warn(fields: Record<string, unknown>, message: string): void },
): void {
  const unknown = chains
    .models()
    .filter((m) => catalogue.route(m) === undefined && catalogue.aliasRoute(m) === undefined);
  if (unknown.length > 0) {
    logger.warn({ models: unknown }, 'model_fallbacks names models no endpoint lists (yet); those links are skipped');
  }
}
