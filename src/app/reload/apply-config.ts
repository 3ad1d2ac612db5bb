/**
 * Applies a validated, reloaded config to a running Olla in place. Everything that can fail is
 * worked out before anything is touched, so a reload is applied as a whole or not at all.
 * Requests already routed keep the endpoint objects, candidate arrays and exchange settings they
 * started with; only requests that start afterwards see the new ones.
 */
import type { ReloadableSelector } from '../../adapter/balancer/reloadable-selector.js';
import { buildEndpoints } from '../../adapter/discovery/endpoints/build-endpoints.js';
import type {
  EndpointChanges,
  StaticEndpointRepository,
} from '../../adapter/discovery/endpoints/static-endpoint-repository.js';
import type { ModelDiscoveryService } from '../../adapter/discovery/models/service.js';
import type { HttpHealthChecker } from '../../adapter/health/checker.js';
import type { ProfileRegistry } from '../../adapter/profile/profile-registry.js';
import type { StreamingProxyEngine } from '../../adapter/proxy/core/engine.js';
import type { ModelCatalogue } from '../../adapter/registry/model-catalogue.js';
import type { ModelRouter } from '../../adapter/registry/model-router.js';
import type { RateLimiter } from '../../adapter/security/rate-limit.js';
import type { EndpointConfig, FilterConfig, LoggingConfig, OllaConfig } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';
import { planConfigChange, RATE_LIMIT_KEYS } from './config-diff.js';

/** The long-lived parts a reload reconfigures; the composition root hands them over. */
export interface ReloadableParts {
  profiles: ProfileRegistry;
  endpoints: StaticEndpointRepository;
  health: Pick<HttpHealthChecker, 'reconcile'>;
  catalogue: Pick<ModelCatalogue, 'setAliases' | 'removeEndpoint'>;
  discovery: Pick<ModelDiscoveryService, 'setFilters' | 'forget' | 'refresh'>;
  router: Pick<ModelRouter, 'setStrategy'>;
  selector: ReloadableSelector;
  engine: Pick<StreamingProxyEngine, 'reconfigure'>;
  limiter: Pick<RateLimiter, 'reconfigure'>;
  /** The config Olla started with (request hooks were built from it). */
  startedWith: OllaConfig;
  /** Every logger whose level follows `logging.level` (pino children do not follow their parent). */
  loggers(): Iterable<{ level: string }>;
}

export interface AppliedReload {
  endpoints: EndpointChanges;
  /** Changed keys applied now. */
  applied: string[];
  /** Changed keys that wait for a restart. */
  restartRequired: string[];
}

/** Per-endpoint model filters by endpoint name, as discovery takes them. */
export function endpointModelFilters(configs: readonly EndpointConfig[]): Map<string, FilterConfig> {
  return new Map(configs.flatMap((e) => (e.modelFilter ? [[e.name, e.modelFilter] as const] : [])));
}

/** Throws `ConfigError` (nothing applied) when the reload must be refused. */
export function applyConfig(parts: ReloadableParts, before: OllaConfig, after: OllaConfig): AppliedReload {
  const plan = planConfigChange(before, after, parts.startedWith);
  if (plan.refusal !== undefined) throw new ConfigError([plan.refusal]);
  const endpointConfigs = after.discovery.static.endpoints;
  const built = buildEndpoints(endpointConfigs, parts.profiles);

  const changes = parts.endpoints.replace(built);
  parts.health.reconcile(parts.endpoints.all());
  for (const name of changes.removed) {
    parts.catalogue.removeEndpoint(name);
    parts.discovery.forget(name);
    parts.selector.sticky?.purgeEndpoint(name);
  }
  const filtersChanged = plan.live.some((key) => key === 'model_filter' || key === 'discovery.static.endpoints');
  parts.discovery.setFilters(after.modelFilter, endpointModelFilters(endpointConfigs));
  // New filters apply at the next discovery; run it now so listings and routing agree at once.
  if (filtersChanged) void parts.discovery.refresh();
  parts.router.setStrategy(after.modelRegistry.routingStrategy);
  parts.catalogue.setAliases(after.modelAliases);
  parts.selector.reconfigure(after.proxy);
  parts.engine.reconfigure(after.proxy);
  if (plan.live.some((key) => RATE_LIMIT_KEYS.includes(key))) parts.limiter.reconfigure(after.server.rateLimits);
  setLevel(parts.loggers(), after.logging.level);
  return { endpoints: changes, applied: plan.live, restartRequired: plan.restart };
}

function setLevel(loggers: Iterable<{ level: string }>, level: LoggingConfig['level']): void {
  for (const logger of loggers) logger.level = level;
}
