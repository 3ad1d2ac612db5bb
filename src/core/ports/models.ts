import type { Endpoint } from '../domain/endpoint.js';
import type { CapabilityNeeds, ModelInfo, UnifiedModel } from '../domain/model.js';
import type { RoutingDecision } from '../domain/routing.js';

export interface ModelRouteResult {
  /** The candidates that may serve the request, in no particular order. */
  endpoints: readonly Endpoint[];
  /** Undefined when no model routing took place (no model in the request). */
  decision?: RoutingDecision;
  /**
   * For aliases: the name the given endpoint knows the model by, when it differs from what the
   * client sent. The proxy rewrites the body's `model` field only when this returns a name.
   */
  nativeName?(endpoint: Endpoint): string | undefined;
}

/**
 * The proxy's question to the model catalogue: which of these candidates serve `model`?
 * Until discovery is wired every candidate serves every model.
 */
export interface ModelLookup {
  route(
    model: string | undefined,
    candidates: readonly Endpoint[],
    required?: CapabilityNeeds,
  ): ModelRouteResult | Promise<ModelRouteResult>;
}

/** The catalogue of models per endpoint, and unified across endpoints. */
export interface ModelRegistry {
  modelsFor(endpointName: string): readonly ModelInfo[];
  unified(): readonly UnifiedModel[];
  /** Lookup by unified ID, alias or any native name. */
  find(idOrAlias: string): UnifiedModel | undefined;
}
