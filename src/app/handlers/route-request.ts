import { Header } from '../../core/constants.js';
import type { Endpoint } from '../../core/domain/endpoint.js';
import type { ModelCapability } from '../../core/domain/model.js';
import type { RoutingDecision } from '../../core/domain/routing.js';
import { ModelNotFoundError, NoHealthyEndpointError } from '../../core/errors.js';
import type { EndpointRepository } from '../../core/ports/endpoints.js';
import type { ModelLookup, ModelRouteResult } from '../../core/ports/models.js';

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
}

export interface HeaderSink {
  header(name: string, value: string): unknown;
}

export function setRoutingHeaders(sink: HeaderSink, decision: RoutingDecision | undefined): void {
  if (!decision) return;
  sink.header(Header.routingStrategy, decision.strategy);
  sink.header(Header.routingDecision, decision.action);
  if (decision.reason) sink.header(Header.routingReason, decision.reason);
}

/** Routable endpoints of the scope's types, widened to every routable one unless the scope fails closed. */
export function candidatePool(endpoints: EndpointRepository, scope: CandidateScope): readonly Endpoint[] {
  const candidates = endpoints.routableOfTypes(scope.types);
  return candidates.length === 0 && !scope.failClosed ? endpoints.routable() : candidates;
}

/**
 * The endpoints that may serve a request: routable ones of the scope's types, narrowed by the
 * model catalogue. Throws the error the original answers when none is left: 404 when nobody
 * has the model (`model_not_found`), 503 when it exists but no node holding it is routable.
 * Decision headers go on `sink` either way so clients can see why.
 */
export async function routeRequest(
  deps: RoutingDeps,
  scope: CandidateScope,
  model: string | undefined,
  required: readonly ModelCapability[] | undefined,
  sink: HeaderSink,
): Promise<ModelRouteResult & { endpoints: readonly Endpoint[] }> {
  const candidates = candidatePool(deps.endpoints, scope);
  const route =
    candidates.length === 0 ? { endpoints: candidates } : await deps.models.route(model, candidates, required);
  if (route.endpoints.length > 0) return route;

  setRoutingHeaders(sink, route.decision);
  if (model && route.decision?.reason === 'model_not_found') {
    throw new ModelNotFoundError(`model '${model}' is not available on any endpoint`, {
      model,
      hint: 'see /olla/models for the models Olla can route to',
    });
  }
  throw new NoHealthyEndpointError(
    model && route.decision
      ? `model '${model}' is known but no endpoint serving it is healthy (${route.decision.reason})`
      : `no healthy ${scope.label ?? ''}endpoints available`,
    { hint: 'see /internal/status/endpoints for each endpoint health', ...(model ? { model } : {}) },
  );
}
