import { panicCandidates } from '../../adapter/balancer/panic.js';
import { isOfTypes } from '../../adapter/discovery/endpoints/static-endpoint-repository.js';
import { Header } from '../../core/constants.js';
import type { Endpoint } from '../../core/domain/endpoint.js';
import type { CapabilityNeeds } from '../../core/domain/model.js';
import type { RoutingDecision } from '../../core/domain/routing.js';
import { ModelNotFoundError, NoHealthyEndpointError } from '../../core/errors.js';
import { headerSafe } from '../../core/header-value.js';
import type { EndpointRepository } from '../../core/ports/endpoints.js';
import type { ModelLookup, ModelRouteResult } from '../../core/ports/models.js';
import type { NativeModelNames, PanicFallback } from '../../core/ports/proxy.js';

export interface CandidateScope {
  types: readonly string[];
  /** When no endpoint of `types` is routable: fail (true) or widen to every routable one. */
  failClosed: boolean;
  /** For messages: "no healthy <what>endpoints". */
  label?: string;
}

export interface RoutingDeps {
  endpoints: EndpointRepository;
  models: ModelLookup;
  /** Passive ejections: ejected nodes are left out unless panic routing needs them. */
  ejections?: { withoutEjected<T extends { name: string }>(candidates: readonly T[]): readonly T[] };
}

/** Where response headers are set before the response is written; names are lower case. */
export interface HeaderSink {
  header(name: string, value: string | number): unknown;
}

export function setRoutingHeaders(sink: HeaderSink, decision: RoutingDecision | undefined): void {
  if (!decision) return;
  sink.header(Header.routingStrategy, decision.strategy);
  sink.header(Header.routingDecision, decision.action);
  // A reason may name the client's model: made safe to send.
  if (decision.reason) sink.header(Header.routingReason, headerSafe(decision.reason));
}

/** X-RateLimit-Limit, -Remaining and -Reset for the window a request was counted against. */
export function setRateLimitHeaders(sink: HeaderSink, window: { limit: number; remaining: number; reset: number }) {
  sink.header('x-ratelimit-limit', window.limit);
  sink.header('x-ratelimit-remaining', window.remaining);
  sink.header('x-ratelimit-reset', window.reset);
}

/** The route as the engine's source of native model names, when it renames any. */
export function nativeNamesOf(route: RoutedRequest): NativeModelNames | undefined {
  return route.nativeName === undefined ? undefined : (route as NativeModelNames);
}

/** Routable endpoints of the scope's types, widened to every routable one unless the scope fails closed. */
export function candidatePool(endpoints: EndpointRepository, scope: CandidateScope): readonly Endpoint[] {
  const candidates = endpoints.routableOfTypes(scope.types);
  return candidates.length === 0 && !scope.failClosed ? endpoints.routable() : candidates;
}

/** A route, and when it is a panic route, the answer to give if every panic attempt fails. */
export type RoutedRequest = ModelRouteResult & { endpoints: readonly Endpoint[]; panic?: PanicFallback };

/**
 * No candidate is routable: try the configured ones that could serve the request anyway (see
 * `panicCandidates`), so a node that is already back answers instead of a microsecond 503.
 * Undefined when not even a configured endpoint could serve it.
 */
async function panicRoute(
  deps: RoutingDeps,
  scope: CandidateScope,
  model: string | undefined,
  required: CapabilityNeeds | undefined,
): Promise<(ModelRouteResult & { endpoints: readonly Endpoint[] }) | undefined> {
  const all = deps.endpoints.all();
  let configured: readonly Endpoint[] = all.filter((endpoint) => isOfTypes(endpoint, scope.types));
  if (configured.length === 0 && !scope.failClosed) configured = all;
  if (configured.length === 0) return undefined;
  const route = await deps.models.route(model, configured, required);
  if (route.endpoints.length === 0) return undefined;
  const endpoints = panicCandidates(route.endpoints);
  return {
    endpoints,
    nativeName: route.nativeName?.bind(route),
    decision: {
      strategy: route.decision?.strategy ?? 'panic',
      action: 'panic',
      reason: `no routable endpoint; trying ${endpoints.length} configured (least recently failed first)`,
    },
  };
}

/**
 * The endpoints that may serve a request: routable ones of the scope's types, narrowed by the
 * model catalogue. Throws the error the original answers when none is left: 404 when nobody
 * has the model (`model_not_found`), 503 when it exists but no node holding it is routable.
 * Decision headers go on `sink` either way so clients can see why. A promise only when the model
 * lookup answers asynchronously or no node is routable (panic routing); otherwise the route itself,
 * so the common request awaits nothing here. Throws rather than rejects when it answers at once.
 */
export function routeRequest(
  deps: RoutingDeps,
  scope: CandidateScope,
  model: string | undefined,
  required: CapabilityNeeds | undefined,
  sink: HeaderSink,
): RoutedRequest | Promise<RoutedRequest> {
  let candidates = candidatePool(deps.endpoints, scope);
  if (deps.ejections !== undefined) candidates = deps.ejections.withoutEjected(candidates);
  const route = candidates.length === 0 ? { endpoints: candidates } : deps.models.route(model, candidates, required);
  if (route instanceof Promise)
    return route.then((found) => routedOrRefused(deps, scope, model, required, sink, found));
  return routedOrRefused(deps, scope, model, required, sink, route);
}

function routedOrRefused(
  deps: RoutingDeps,
  scope: CandidateScope,
  model: string | undefined,
  required: CapabilityNeeds | undefined,
  sink: HeaderSink,
  route: ModelRouteResult,
): RoutedRequest | Promise<RoutedRequest> {
  if (route.endpoints.length > 0) return route;
  if (model && route.decision?.reason === 'model_not_found') {
    setRoutingHeaders(sink, route.decision);
    throw new ModelNotFoundError(`model '${model}' is not available on any endpoint`, {
      model,
      hint: 'see /olla/models for the models Olla can route to',
    });
  }
  const rejection = {
    decision: route.decision,
    error: new NoHealthyEndpointError(
      model && route.decision
        ? `model '${model}' is known but no endpoint serving it is healthy (${route.decision.reason})`
        : `no healthy ${scope.label ?? ''}endpoints available`,
      { hint: 'see /internal/status/endpoints for each endpoint health', ...(model ? { model } : {}) },
    ),
  };
  return panicRoute(deps, scope, model, required).then((panic) => {
    if (panic !== undefined) return { ...panic, panic: rejection };
    setRoutingHeaders(sink, route.decision);
    throw rejection.error;
  });
}
