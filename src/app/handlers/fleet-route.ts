import type { AdmissionQueue, ClientCloseSignal } from '../../adapter/admission/admission-queue.js';
import { type FallbackChains, requestChain } from '../../adapter/registry/fallback-chains.js';
import type { CapabilityNeeds } from '../../core/domain/model.js';
import type { RequestPriority, RoutingDecision } from '../../core/domain/routing.js';
import { CapacityExceededError, ModelNotFoundError, NoHealthyEndpointError } from '../../core/errors.js';
import {
  type CandidateScope,
  type HeaderSink,
  type RoutedRequest,
  type RoutingDeps,
  routeRequest,
} from './route-request.js';

/** The fleet-aware parts of routing; each is absent when its feature is off. */
export interface FleetRoutingDeps extends RoutingDeps {
  /** Built only when some endpoint has a concurrency limit. */
  admission?: AdmissionQueue;
  /** `model_fallbacks` (a reload may fill or empty it). */
  fallbacks?: FallbackChains;
  /** A request was served by a fallback of `requested` (stats count it). */
  onFallback?(requested: string, served: string): void;
}

export interface FleetRequest {
  model: string | undefined;
  /** A per-request fallback list (`"models": [...]` in an OpenAI body); replaces the configured chain. */
  listed?: readonly string[] | undefined;
  required: CapabilityNeeds | undefined;
  sink: HeaderSink;
  /** Tells the queue when the client leaves while waiting. */
  client: ClientCloseSignal;
  priority: RequestPriority | undefined;
}

/** Where one link of the chain routed: what the proxy request is built from. */
export interface FleetRoute {
  readonly route: RoutedRequest;
  /** The model being served: the one asked for, or the fallback taking its place. */
  readonly model: string | undefined;
  readonly decision: RoutingDecision | undefined;
  /** True when `model` is a fallback: the body's `model` must be rewritten to it. */
  readonly fellBack: boolean;
}

/** Why a link could not serve, for the fallback's X-Olla-Routing-Reason. */
function whyNot(err: unknown): string | undefined {
  if (err instanceof CapacityExceededError) return 'at_capacity';
  if (err instanceof ModelNotFoundError) return 'model_not_found';
  if (err instanceof NoHealthyEndpointError) return 'model_unavailable';
  return undefined;
}

/**
 * Routes a request through the fleet: for the model asked for, then each fallback in its
 * chain, finds the candidates (catalogue and strategy), waits for a free slot when nodes are at
 * their limit, and calls `run` the moment one is granted (`run` must start the exchange
 * synchronously; see AdmissionQueue). A link that has no routable node, or whose nodes stay
 * full past the queue's wait, hands over to the next; the last link's error is the answer.
 */
export function routeThroughFleet<T>(
  deps: FleetRoutingDeps,
  scope: CandidateScope,
  request: FleetRequest,
  run: (served: FleetRoute) => T,
): Promise<Awaited<T>> {
  const requested = request.model;
  const listed = request.listed !== undefined && request.listed.length > 0;
  const configured = requested !== undefined && deps.fallbacks !== undefined && !deps.fallbacks.empty;
  if (listed || configured || deps.admission !== undefined)
    return routeThroughChain(deps, scope, request, run, listed, configured);
  // optimisation: one link and no queue, the common request: route and run with no async frame of
  // its own, whose promise, context and await were 1.9 KB of a request's 26 KB of garbage.
  try {
    const routed = routeRequest(deps, scope, requested, request.required, request.sink);
    if (routed instanceof Promise) return routed.then((route) => Promise.resolve(runLink(run, route, requested)));
    return Promise.resolve(runLink(run, routed, requested));
  } catch (err) {
    // A refusal rejects, as the chain's does, so a caller's span sees it the same way.
    return Promise.reject(err);
  }
}

function runLink<T>(run: (served: FleetRoute) => T, route: RoutedRequest, model: string | undefined): T {
  return run({ route, model, decision: route.decision, fellBack: false });
}

/** A per-request list, a configured chain or the admission queue: links tried in turn. */
async function routeThroughChain<T>(
  deps: FleetRoutingDeps,
  scope: CandidateScope,
  request: FleetRequest,
  run: (served: FleetRoute) => T,
  listed: boolean,
  configured: boolean,
): Promise<Awaited<T>> {
  const requested = request.model;
  const chain = listed
    ? requestChain(requested, request.listed!)
    : configured
      ? deps.fallbacks!.chainFor(requested!)
      : [requested];
  const primary = chain[0];
  let reason: string | undefined;
  // A link whose nodes are all down routes in panic (configured nodes tried anyway); a later
  // link with a live node is the better answer, so panic waits until the chain is exhausted.
  let panicked: { route: RoutedRequest; index: number } | undefined;
  const serve = async (route: RoutedRequest, index: number): Promise<Awaited<T>> => {
    const model = chain[index];
    const fellBack = index > 0;
    const decision: RoutingDecision | undefined = fellBack
      ? {
          strategy: route.decision?.strategy ?? 'fallback',
          action: 'fallback',
          reason: `fallback from ${primary} (${reason ?? 'model_unavailable'})`,
        }
      : route.decision;
    const start = () => {
      if (fellBack && primary !== undefined && model !== undefined) deps.onFallback?.(primary, model);
      return run({ route, model, decision, fellBack });
    };
    if (deps.admission === undefined) return await start();
    return await deps.admission.admit(route.endpoints, model ?? '', request.priority, request.client, start);
  };
  for (let i = 0; ; i++) {
    const last = i === chain.length - 1;
    try {
      const route = await routeRequest(deps, scope, chain[i], request.required, request.sink);
      if (route.panic !== undefined && (panicked !== undefined || !last)) {
        panicked ??= { route, index: i };
        reason ??= 'model_unavailable';
        if (!last) continue;
        return await serve(panicked.route, panicked.index);
      }
      return await serve(route, i);
    } catch (err) {
      const why = whyNot(err);
      if (why === undefined) throw err;
      if (last) {
        if (panicked !== undefined) return await serve(panicked.route, panicked.index);
        throw err;
      }
      reason ??= why;
    }
  }
}
