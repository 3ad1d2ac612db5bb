import type { FallbackBehavior, RoutingStrategyName } from '../../../config/types.js';
import { RoutingReason } from '../../../core/constants.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import type { RoutingAction, RoutingDecision } from '../../../core/domain/routing.js';

/** The endpoints a strategy picked and why. */
export interface StrategyOutcome {
  readonly endpoints: readonly Endpoint[];
  readonly decision: RoutingDecision;
}

const NONE: readonly Endpoint[] = [];

function outcome(
  endpoints: readonly Endpoint[],
  strategy: RoutingStrategyName,
  action: RoutingAction,
  reason: string,
): StrategyOutcome {
  return { endpoints, decision: { strategy, action, reason } };
}

/** Candidates that serve the model (`served` = endpoint names from the catalogue). */
export function servingCandidates(candidates: readonly Endpoint[], served: ReadonlySet<string>): Endpoint[] {
  const out: Endpoint[] = [];
  for (const c of candidates) if (served.has(c.name)) out.push(c);
  return out;
}

/** Only endpoints that have the model; anything else is a rejection. */
export function strictRoute(candidates: readonly Endpoint[], served: ReadonlySet<string> | undefined): StrategyOutcome {
  if (!served) return outcome(NONE, 'strict', 'rejected', RoutingReason.modelNotFound);
  const routable = servingCandidates(candidates, served);
  if (routable.length === 0) return outcome(NONE, 'strict', 'rejected', RoutingReason.modelUnavailable);
  return outcome(routable, 'strict', 'routed', RoutingReason.modelFound);
}

/** Endpoints that have the model; otherwise `fallback_behavior` decides. */
export function optimisticRoute(
  candidates: readonly Endpoint[],
  served: ReadonlySet<string> | undefined,
  fallback: FallbackBehavior,
): StrategyOutcome {
  if (!served) {
    return fallback === 'all'
      ? outcome(candidates, 'optimistic', 'fallback', RoutingReason.modelNotFoundFallback)
      : outcome(NONE, 'optimistic', 'rejected', RoutingReason.modelNotFound);
  }
  const routable = servingCandidates(candidates, served);
  if (routable.length > 0) return outcome(routable, 'optimistic', 'routed', RoutingReason.modelFound);
  switch (fallback) {
    case 'all':
      return outcome(candidates, 'optimistic', 'fallback', RoutingReason.allHealthyFallback);
    case 'none':
      return outcome(NONE, 'optimistic', 'rejected', RoutingReason.modelUnavailableNoFallback);
    default:
      return outcome(NONE, 'optimistic', 'rejected', RoutingReason.modelUnavailableCompatibleOnly);
  }
}

/** The discovery strategy before any refresh: a hit routes, a miss may refresh. */
export function discoveryFirstLook(
  candidates: readonly Endpoint[],
  served: ReadonlySet<string> | undefined,
): StrategyOutcome | undefined {
  const routable = served ? servingCandidates(candidates, served) : NONE;
  if (routable.length > 0) return outcome(routable, 'discovery', 'routed', RoutingReason.modelFoundNoRefresh);
  return undefined;
}

export function discoveryNoRefresh(): StrategyOutcome {
  return outcome(NONE, 'discovery', 'rejected', RoutingReason.modelUnavailableNoRefresh);
}

export function discoveryRefreshFailed(candidates: readonly Endpoint[], fallback: FallbackBehavior): StrategyOutcome {
  switch (fallback) {
    case 'all':
      return outcome(candidates, 'discovery', 'fallback', RoutingReason.discoveryFailedAllFallback);
    case 'none':
      return outcome(NONE, 'discovery', 'rejected', RoutingReason.discoveryFailedNoFallback);
    default:
      // compatible_only cannot tell what is compatible when discovery itself failed.
      return outcome(NONE, 'discovery', 'rejected', RoutingReason.discoveryFailedCompatibleOnly);
  }
}

/**
 * After a successful refresh. Our change: the original could not re-read the registry here and
 * always fell through to the rejection/fallback below; we look again, so a model that the
 * refresh just found is routed (`model_found`).
 */
export function discoveryAfterRefresh(
  candidates: readonly Endpoint[],
  served: ReadonlySet<string> | undefined,
  fallback: FallbackBehavior,
): StrategyOutcome {
  const routable = served ? servingCandidates(candidates, served) : NONE;
  if (routable.length > 0) return outcome(routable, 'discovery', 'routed', RoutingReason.modelFound);
  if (candidates.length === 0) return outcome(NONE, 'discovery', 'rejected', RoutingReason.noHealthyAfterDiscovery);
  return fallback === 'all'
    ? outcome(candidates, 'discovery', 'fallback', RoutingReason.allHealthyAfterDiscovery)
    : outcome(NONE, 'discovery', 'rejected', RoutingReason.modelUnavailableAfterDiscovery);
}

/**
 * The HTTP status a rejection maps to, as the original's decision constructor sets it: only a
 * model nobody has (`model_not_found`) is 404; every other rejection is 503. Routed and
 * fallback decisions proceed (200).
 */
export function statusForDecision(decision: RoutingDecision): number {
  if (decision.action !== 'rejected') return 200;
  return decision.reason === RoutingReason.modelNotFound ? 404 : 503;
}
