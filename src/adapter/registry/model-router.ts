import type { ModelRegistryConfig } from '../../config/types.js';
import type { Endpoint } from '../../core/domain/endpoint.js';
import type { CapabilityNeeds, ModelCapability } from '../../core/domain/model.js';
import type { RoutingDecision } from '../../core/domain/routing.js';
import type { ModelLookup, ModelRouteResult } from '../../core/ports/models.js';
import { type ModelLogger, silentLogger } from './logger.js';
import type { ModelCatalogue } from './model-catalogue.js';
import type { RouteEntry } from './route-index.js';
import {
  discoveryAfterRefresh,
  discoveryFirstLook,
  discoveryNoRefresh,
  discoveryRefreshFailed,
  optimisticRoute,
  type StrategyOutcome,
  servingCandidates,
  strictRoute,
} from './routing/strategies.js';

export interface ModelRouterOptions {
  catalogue: ModelCatalogue;
  strategy: ModelRegistryConfig['routingStrategy'];
  /** Re-discovers models now (the `discovery` strategy's refresh on a miss). */
  refresh?: (signal: AbortSignal) => Promise<void>;
  logger?: ModelLogger;
}

/** The original's floor when `discovery_timeout` is zero or negative. */
const DEFAULT_DISCOVERY_TIMEOUT_MS = 2000;

/** A route result whose `nativeName` reads the precomputed entry; no closure per request. */
class RouteOutcome implements ModelRouteResult {
  readonly endpoints: readonly Endpoint[];
  readonly decision: RoutingDecision;
  readonly #entry: RouteEntry | undefined;
  readonly #requested: string;

  constructor(outcome: StrategyOutcome, entry: RouteEntry | undefined, requested: string) {
    this.endpoints = outcome.endpoints;
    this.decision = outcome.decision;
    this.#entry = entry;
    this.#requested = requested;
  }

  nativeName(endpoint: Endpoint): string | undefined {
    const native = this.#entry?.nativeNames.get(endpoint.name);
    return native !== undefined && native !== this.#requested ? native : undefined;
  }
}

/**
 * Answers the proxy's question "which of these routable candidates serve this model?" in the
 * order the original does: narrow by required capabilities (keeping everyone when no endpoint
 * has them), then resolve a configured alias, then apply the routing strategy.
 */
export class ModelRouter implements ModelLookup {
  readonly #catalogue: ModelCatalogue;
  #strategy: ModelRegistryConfig['routingStrategy'];
  readonly #refresh: ((signal: AbortSignal) => Promise<void>) | undefined;
  readonly #logger: ModelLogger;

  constructor(options: ModelRouterOptions) {
    this.#catalogue = options.catalogue;
    this.#strategy = options.strategy;
    this.#refresh = options.refresh;
    this.#logger = options.logger ?? silentLogger;
  }

  /** A config reload's `model_registry.routing_strategy`, used from the next request on. */
  setStrategy(strategy: ModelRegistryConfig['routingStrategy']): void {
    this.#strategy = strategy;
  }

  route(
    model: string | undefined,
    candidates: readonly Endpoint[],
    required?: CapabilityNeeds,
  ): ModelRouteResult | Promise<ModelRouteResult> {
    if (!model) return { endpoints: candidates };
    const pool = required === undefined ? candidates : this.#withCapabilities(candidates, required);

    const alias = this.#catalogue.aliasRoute(model);
    if (alias) {
      const matched = servingCandidates(pool, alias.endpoints);
      if (matched.length > 0) {
        const decision: RoutingDecision = {
          strategy: 'alias',
          action: 'routed',
          reason: `alias "${model}" resolved to ${matched.length} endpoint(s)`,
        };
        return new RouteOutcome({ endpoints: matched, decision }, alias, model);
      }
      // No serving candidate for any target: route the alias name as a plain model, without
      // rewriting, so the strategy's fallback rules still apply (as the original does).
    }

    const entry = this.#catalogue.route(model);
    const served = entry?.endpoints;
    const { type, options } = this.#strategy;
    switch (type) {
      case 'optimistic':
        return new RouteOutcome(optimisticRoute(pool, served, options.fallbackBehavior), entry, model);
      case 'discovery': {
        const hit = discoveryFirstLook(pool, served);
        if (hit) return new RouteOutcome(hit, entry, model);
        if (!options.discoveryRefreshOnMiss || !this.#refresh)
          return new RouteOutcome(discoveryNoRefresh(), entry, model);
        return this.#refreshThenRoute(model, pool);
      }
      default:
        return new RouteOutcome(strictRoute(pool, served), entry, model);
    }
  }

  async #refreshThenRoute(model: string, pool: readonly Endpoint[]): Promise<ModelRouteResult> {
    const { discoveryTimeout, fallbackBehavior } = this.#strategy.options;
    const timeoutMs = discoveryTimeout > 0 ? discoveryTimeout : DEFAULT_DISCOVERY_TIMEOUT_MS;
    try {
      await withTimeout(this.#refresh!, timeoutMs);
    } catch (err) {
      this.#logger.warn({ model, err: (err as Error).message }, 'Discovery refresh failed');
      return new RouteOutcome(discoveryRefreshFailed(pool, fallbackBehavior), undefined, model);
    }
    const entry = this.#catalogue.route(model);
    return new RouteOutcome(discoveryAfterRefresh(pool, entry?.endpoints, fallbackBehavior), entry, model);
  }

  /**
   * Endpoints hosting a model with every required capability. As in the original this looks
   * at any model on the endpoint, not the requested one, and keeps all candidates when no
   * endpoint qualifies (the model filter that follows still applies).
   */
  #withCapabilities(candidates: readonly Endpoint[], required: CapabilityNeeds): readonly Endpoint[] {
    // optimisation: the needs are read from the whole body. Unless some capability the request
    // could need is had by some candidates and not others, every answer keeps every candidate
    // (each narrowing keeps all or none, and none keeps all), so the body is not read.
    if (!required.possible.some((capability) => this.#splits(candidates, capability))) return candidates;
    let capable: Endpoint[] = [...candidates];
    let anySupport = false;
    for (const capability of required.needed()) {
      const endpoints = this.#catalogue.endpointsWithCapability(capability);
      if (endpoints.size > 0) anySupport = true;
      capable = servingCandidates(capable, endpoints);
    }
    return anySupport && capable.length > 0 ? capable : candidates;
  }

  /** Whether some candidates host a model with `capability` and others do not. */
  #splits(candidates: readonly Endpoint[], capability: ModelCapability): boolean {
    const endpoints = this.#catalogue.endpointsWithCapability(capability);
    if (endpoints.size === 0) return false;
    let inside = 0;
    for (const endpoint of candidates) if (endpoints.has(endpoint.name)) inside++;
    return inside > 0 && inside < candidates.length;
  }
}

async function withTimeout(task: (signal: AbortSignal) => Promise<void>, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`discovery refresh timed out after ${timeoutMs}ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([task(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
