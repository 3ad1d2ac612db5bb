import type { Endpoint } from '../../core/domain/endpoint.js';
import type { ModelInfo, UnifiedModel } from '../../core/domain/model.js';
import type { ModelRegistry } from '../../core/ports/models.js';
import type { ExtractionRules } from '../unifier/extraction-rules.js';
import type { EndpointModels } from '../unifier/unifier.js';
import { listModels, unifyModels } from '../unifier/unifier.js';
import { capabilitySatisfies } from './capabilities.js';
import { type ModelLogger, silentLogger } from './logger.js';
import { buildRouteIndex, lookupRoute, type RouteEntry, type RouteIndex } from './route-index.js';

export interface ModelCatalogueOptions {
  /** `model_registry.enable_unifier`. Off: no unified view, requests match native names exactly. */
  enableUnifier: boolean;
  /** Drop an endpoint's models when it has not been discovered for this long. */
  staleThresholdMs: number;
  cleanupIntervalMs: number;
  /** `model_aliases`: alias → native names across backends. */
  aliases?: Readonly<Record<string, readonly string[]>>;
  /** The unifier's rules (the operator's `models.yaml`); the built-ins when absent. */
  rules?: ExtractionRules;
  logger?: ModelLogger;
  now?: () => number;
}

interface EndpointEntry {
  readonly name: string;
  readonly url: string;
  readonly type: string;
  readonly models: readonly ModelInfo[];
  readonly updatedAt: number;
  readonly online: boolean;
}

interface Snapshot {
  readonly unified: readonly UnifiedModel[];
  /** What the listings show: the unified view, or one entry per native name with the unifier off. */
  readonly listed: readonly UnifiedModel[];
  readonly byName: ReadonlyMap<string, UnifiedModel>;
  readonly routes: RouteIndex;
  /** Filled lazily per capability; thrown away with the snapshot. */
  readonly capable: Map<string, ReadonlySet<string>>;
}

const NO_MODELS: readonly ModelInfo[] = [];

/**
 * The in-memory model catalogue: models per endpoint as discovery last saw them, the unified
 * view across endpoints, and the name → endpoints index the router reads per request. Every
 * change rebuilds one immutable snapshot (10 nodes × 200 models take about 16 ms, once per
 * discovery of a changed endpoint, never per request), so reads never see a half-built state
 * and never scan.
 */
export class ModelCatalogue implements ModelRegistry {
  readonly unifierEnabled: boolean;
  readonly #endpoints = new Map<string, EndpointEntry>();
  #aliases: Readonly<Record<string, readonly string[]>>;
  readonly #rules: ExtractionRules | undefined;
  readonly #staleThresholdMs: number;
  readonly #cleanupIntervalMs: number;
  readonly #logger: ModelLogger;
  readonly #now: () => number;
  #snapshot: Snapshot;
  #cleanupTimer: NodeJS.Timeout | undefined;
  #version = 0;

  constructor(options: ModelCatalogueOptions) {
    this.unifierEnabled = options.enableUnifier;
    this.#aliases = options.aliases ?? {};
    this.#rules = options.rules;
    this.#staleThresholdMs = options.staleThresholdMs;
    this.#cleanupIntervalMs = options.cleanupIntervalMs;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#cleanupTimer = undefined;
    this.#snapshot = this.#build();
  }

  /** Increments on every change; listings and caches may key on it. */
  get version(): number {
    return this.#version;
  }

  /** Replaces what one endpoint serves (an empty list means it serves nothing now). */
  setModels(endpoint: Pick<Endpoint, 'name' | 'url' | 'type'>, models: readonly ModelInfo[]): void {
    const previous = this.#endpoints.get(endpoint.name);
    this.#endpoints.set(endpoint.name, {
      name: endpoint.name,
      url: endpoint.url,
      type: endpoint.type,
      models,
      updatedAt: this.#now(),
      online: previous?.online ?? true,
    });
    this.#rebuild();
  }

  /** A config reload's `model_aliases`; the route index is rebuilt with them at once. */
  setAliases(aliases: Readonly<Record<string, readonly string[]>>): void {
    this.#aliases = aliases;
    this.#rebuild();
  }

  removeEndpoint(name: string): void {
    if (this.#endpoints.delete(name)) this.#rebuild();
  }

  /**
   * Health transitions land here: an offline endpoint keeps its models (so a request for them
   * is `model_unavailable`, not `model_not_found`) but shows them as `offline` in listings.
   */
  setEndpointOnline(name: string, online: boolean): void {
    const entry = this.#endpoints.get(name);
    if (!entry || entry.online === online) return;
    this.#endpoints.set(name, { ...entry, online });
    this.#rebuild();
  }

  isEndpointOnline(name: string): boolean {
    return this.#endpoints.get(name)?.online ?? false;
  }

  /** Drops endpoints whose models have not been refreshed within the stale threshold. */
  pruneStale(): string[] {
    const cutoff = this.#now() - this.#staleThresholdMs;
    const stale = [...this.#endpoints.values()].filter((e) => e.updatedAt < cutoff).map((e) => e.name);
    if (stale.length === 0) return stale;
    for (const name of stale) this.#endpoints.delete(name);
    this.#logger.info({ endpoints: stale }, 'Removed stale models');
    this.#rebuild();
    return stale;
  }

  start(): void {
    if (this.#cleanupTimer || this.#cleanupIntervalMs <= 0) return;
    this.#cleanupTimer = setInterval(() => this.pruneStale(), this.#cleanupIntervalMs);
    this.#cleanupTimer.unref();
  }

  stop(): void {
    clearInterval(this.#cleanupTimer);
    this.#cleanupTimer = undefined;
  }

  // --- ModelRegistry ---

  modelsFor(endpointName: string): readonly ModelInfo[] {
    return this.#endpoints.get(endpointName)?.models ?? NO_MODELS;
  }

  unified(): readonly UnifiedModel[] {
    return this.#snapshot.unified;
  }

  /** The models the listings show; the same as `unified()` unless the unifier is off. */
  listed(): readonly UnifiedModel[] {
    return this.#snapshot.listed;
  }

  /** By unified ID, then any native name (case-insensitive). */
  find(idOrAlias: string): UnifiedModel | undefined {
    const byName = this.#snapshot.byName;
    return byName.get(idOrAlias) ?? byName.get(idOrAlias.toLowerCase());
  }

  // --- for the router and the listings ---

  /** Every endpoint with its models, in registration order. */
  endpointModels(): readonly EndpointModels[] {
    return [...this.#endpoints.values()].map(toEndpointModels);
  }

  lastUpdated(endpointName: string): number | undefined {
    return this.#endpoints.get(endpointName)?.updatedAt;
  }

  route(model: string): RouteEntry | undefined {
    const entry = lookupRoute(this.#snapshot.routes, model);
    return entry && entry.endpoints.size > 0 ? entry : undefined;
  }

  /** The configured alias's resolution, or undefined when `model` is not an alias. */
  aliasRoute(model: string): RouteEntry | undefined {
    return this.#snapshot.routes.aliases.get(model);
  }

  aliasTargets(): Readonly<Record<string, readonly string[]>> {
    return this.#aliases;
  }

  /** Endpoints hosting any model with the capability (synonyms accepted). */
  endpointsWithCapability(capability: string): ReadonlySet<string> {
    const { capable, unified } = this.#snapshot;
    let endpoints = capable.get(capability);
    if (!endpoints) {
      const found = new Set<string>();
      for (const model of unified) {
        if (model.capabilities.some((c) => capabilitySatisfies(c, capability))) {
          for (const s of model.sourceEndpoints) found.add(s.endpointName);
        }
      }
      endpoints = found;
      capable.set(capability, endpoints);
    }
    return endpoints;
  }

  #rebuild(): void {
    this.#snapshot = this.#build();
    this.#version++;
  }

  #build(): Snapshot {
    const sources = this.endpointModels();
    const unified = this.unifierEnabled ? unifyModels(sources, this.#rules) : [];
    const byName = new Map<string, UnifiedModel>();
    for (const model of unified) byName.set(model.id, model);
    for (const model of unified) {
      for (const name of [model.id, ...model.aliases]) {
        const key = name.toLowerCase();
        if (!byName.has(key)) byName.set(key, model);
      }
    }
    const listed = this.unifierEnabled ? unified : listModels(sources, this.#rules);
    const perEndpoint = new Map(sources.map((s) => [s.endpointName, s.models]));
    const routes = buildRouteIndex(perEndpoint, unified, this.#aliases);
    return { unified, listed, byName, routes, capable: new Map() };
  }
}

function toEndpointModels(entry: EndpointEntry): EndpointModels {
  return {
    endpointName: entry.name,
    endpointUrl: entry.url,
    endpointType: entry.type,
    models: entry.models,
    online: entry.online,
  };
}
