/**
 * Applies a validated, reloaded config to a running Olla in place. Everything that can fail is
 * worked out before anything is touched, so a reload is applied as a whole or not at all.
 * Requests already routed keep the endpoint objects, candidate arrays and exchange settings they
 * started with; only requests that start afterwards see the new ones.
 */
import type { ReloadableSelector } from '../../adapter/balancer/reloadable-selector.js';
import { ConfiguredKeyDirectory } from '../../adapter/client-keys/configured-directory.js';
import type { ClientKeyGate } from '../../adapter/client-keys/gate.js';
import { buildEndpoints } from '../../adapter/discovery/endpoints/build-endpoints.js';
import type {
  EndpointChanges,
  StaticEndpointRepository,
} from '../../adapter/discovery/endpoints/static-endpoint-repository.js';
import type { ModelDiscoveryService } from '../../adapter/discovery/models/service.js';
import type { HttpHealthChecker } from '../../adapter/health/checker.js';
import type { ProfileRegistry } from '../../adapter/profile/profile-registry.js';
import type { StreamingProxyEngine } from '../../adapter/proxy/core/engine.js';
import { engineKind } from '../../adapter/proxy/factory.js';
import type { FallbackChains } from '../../adapter/registry/fallback-chains.js';
import type { ModelCatalogue } from '../../adapter/registry/model-catalogue.js';
import type { ModelRouter } from '../../adapter/registry/model-router.js';
import type { ReloadableClientIp } from '../../adapter/security/client-ip.js';
import type { RateLimiter } from '../../adapter/security/rate-limit.js';
import type { RequestSizeLimits } from '../../adapter/security/size-limit.js';
import type { EndpointConfig, FilterConfig, LoggingConfig, OllaConfig } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';
import type { CorsReconfigure } from '../middleware/cors.js';
import { type Admission, concurrencyLimits } from '../fleet.js';
import { nodeServerTimeouts } from '../server.js';
import { planConfigChange } from './config-diff.js';
import type { LiveTranslators } from './live-translators.js';

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
  clientIp: Pick<ReloadableClientIp, 'reconfigure'>;
  sizeLimits: Pick<RequestSizeLimits, 'reconfigure'>;
  fallbacks: Pick<FallbackChains, 'replace'>;
  /** Present when some endpoint had a concurrency limit at start-up. */
  admission?: Pick<Admission, 'reconfigure'>;
  /** Present when client keys were on at start-up. */
  keys?: Pick<ClientKeyGate, 'replaceDirectory'>;
  /** Present when CORS was on at start-up. */
  cors?: CorsReconfigure;
  translators: Pick<LiveTranslators, 'reconfigure'>;
  /** The listening socket's timeouts (Node reads them afresh for each connection check). */
  httpServer: { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number };
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

/** The proxy keys served by the engine's transport: a change builds a new one. */
const TRANSPORT_KEYS = [
  'proxy.engine',
  'proxy.connection_timeout',
  'proxy.connection_keep_alive',
  'proxy.read_timeout',
  'proxy.response_header_timeout',
  'proxy.tls_handshake_timeout',
];

/**
 * Throws `ConfigError` (nothing applied) when the reload must be refused. Each part swaps one
 * holder: a request reads its holders once as it starts, so it finishes on what it began with.
 */
export function applyConfig(parts: ReloadableParts, before: OllaConfig, after: OllaConfig): AppliedReload {
  const plan = planConfigChange(before, after, parts.startedWith);
  if (plan.refusal !== undefined) throw new ConfigError([plan.refusal]);
  const changed = (...keys: string[]) =>
    plan.live.some((path) => keys.some((k) => path === k || path.startsWith(`${k}.`)));
  const endpointConfigs = after.discovery.static.endpoints;
  // Everything that can throw is built before anything running is touched.
  const built = buildEndpoints(endpointConfigs, parts.profiles);
  const kind = changed(...TRANSPORT_KEYS) ? engineKind(after.proxy.engine, after.proxy) : undefined;
  const keys = changed('server.auth.keys') ? new ConfiguredKeyDirectory(after.server.auth.keys) : undefined;

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
  parts.fallbacks.replace(after.modelFallbacks);
  parts.selector.reconfigure(after.proxy);
  parts.engine.reconfigure(after.proxy, kind);
  if (changed('server.rate_limits')) {
    parts.limiter.reconfigure(after.server.rateLimits);
    parts.clientIp.reconfigure(after.server.rateLimits);
  }
  if (changed('server.request_limits')) parts.sizeLimits.reconfigure(after.server.requestLimits);
  if (keys) parts.keys?.replaceDirectory(keys);
  if (changed('server.cors')) parts.cors?.(after.server.cors);
  if (changed('translators')) parts.translators.reconfigure(after.translators);
  if (changed('server.read_timeout', 'server.read_header_timeout', 'server.idle_timeout'))
    Object.assign(parts.httpServer, nodeServerTimeouts(after.server));
  setLevel(parts.loggers(), after.logging.level);
  const restartRequired = [...plan.restart];
  if (parts.admission) parts.admission.reconfigure(after);
  else if (concurrencyLimits(after, (type) => parts.profiles.get(type)).size > 0)
    // No limiter sits in the selector chain (none was configured at start-up) to take them.
    restartRequired.push('discovery.static.endpoints[].max_concurrent_requests');
  return { endpoints: changes, applied: plan.live, restartRequired };
}

function setLevel(loggers: Iterable<{ level: string }>, level: LoggingConfig['level']): void {
  for (const logger of loggers) logger.level = level;
}
