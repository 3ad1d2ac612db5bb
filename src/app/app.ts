import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createBalancer } from '../adapter/balancer/factory.js';
import { buildEndpoints } from '../adapter/discovery/endpoints/build-endpoints.js';
import { StaticEndpointRepository } from '../adapter/discovery/endpoints/static-endpoint-repository.js';
import { ModelDiscoveryService } from '../adapter/discovery/models/service.js';
import { HttpHealthChecker } from '../adapter/health/checker.js';
import { CircuitBreakerRegistry } from '../adapter/health/circuit-breaker.js';
import { createInspector } from '../adapter/inspector/session-inspector.js';
import { OllaMetrics } from '../adapter/metrics/olla-metrics.js';
import { loadProfileRegistry } from '../adapter/profile/load-profiles.js';
import { isPathAllowed } from '../adapter/profile/path-allowlist.js';
import { EndpointCounters } from '../adapter/proxy/core/counters.js';
import { createProxyEngine } from '../adapter/proxy/factory.js';
import { ModelCatalogue } from '../adapter/registry/model-catalogue.js';
import { ModelRouter } from '../adapter/registry/model-router.js';
import { createClientIpResolver } from '../adapter/security/client-ip.js';
import { RateLimiter } from '../adapter/security/rate-limit.js';
import { RequestSizeLimits } from '../adapter/security/size-limit.js';
import { StatsCollector } from '../adapter/stats/collector.js';
import { ProcessMonitor } from '../adapter/stats/process-report.js';
import { RecorderFanOut } from '../adapter/stats/recorders.js';
import { SecurityViolations } from '../adapter/stats/security-stats.js';
import { TranslatorStats } from '../adapter/stats/translator-stats.js';
import { StickySelector, stickyStats } from '../adapter/sticky/sticky-selector.js';
import { AnthropicTranslator } from '../adapter/translator/anthropic/translator.js';
import { MemoryResponseStore } from '../adapter/translator/responses/memory-store.js';
import { ResponsesTranslator } from '../adapter/translator/responses/translator.js';
import type { OllaConfig } from '../config/types.js';
import { type Endpoint, isRoutable } from '../core/domain/endpoint.js';
import type { EndpointRepository } from '../core/ports/endpoints.js';
import type { ModelRegistry } from '../core/ports/models.js';
import type { Logger } from '../logger/logger.js';
import { registerAnthropicRoutes } from './handlers/anthropic.js';
import { registerDashboardRoutes } from './handlers/dashboard.js';
import { registerMetricsRoutes } from './handlers/metrics.js';
import { registerModelRoutes } from './handlers/models.js';
import { type ProviderScope, registerProxyRoutes } from './handlers/proxy.js';
import { registerResponsesRoutes } from './handlers/responses.js';
import { registerStatsRoutes } from './handlers/stats.js';
import { registerStatusRoutes } from './handlers/status.js';
import { registerSystemRoutes } from './handlers/system.js';
import { registerAdminAuth } from './middleware/admin-auth.js';
import { registerCors } from './middleware/cors.js';
import { registerDashboardAccess } from './middleware/dashboard-access.js';
import { registerRateLimit } from './middleware/rate-limit.js';
import { registerSizeLimits } from './middleware/size-limit.js';
import { createHttpServer } from './server.js';
import { VERSION } from './version.js';

export interface Olla {
  readonly server: FastifyInstance;
  readonly config: OllaConfig;
  /** Live endpoint state and the model catalogue, for status tooling and tests. */
  readonly endpoints: EndpointRepository;
  readonly models: ModelRegistry;
  /** Requests in flight to the named endpoint, as the balancer counts them (0 for an unknown name). */
  connections(endpointName: string): number;
  /** Start health checks and listen on `server.host:server.port`; resolves to the bound address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The composition root: builds every service in dependency order by constructor injection and
 * registers the routes. Nothing is wired later by setters.
 */
export async function createOlla(config: OllaConfig, logger: Logger): Promise<Olla> {
  const startedAt = Date.now();
  const profiles = await loadProfileRegistry({ userDir: config.profilesDir || undefined });
  for (const warning of profiles.warnings()) logger.warn(warning);

  const endpointConfigs = config.discovery.static.endpoints;
  const endpoints = new StaticEndpointRepository(buildEndpoints(endpointConfigs, profiles));
  const breakers = new CircuitBreakerRegistry();
  const health = new HttpHealthChecker(endpoints.all(), {
    initialDelayMs: config.discovery.healthCheck.initialDelay,
    breakers,
    logger: logger.child({ component: 'health' }),
    onStatusChanged: () => endpoints.statusChanged(),
    userAgent: `olla-HealthChecker/${VERSION.version}`,
  });

  const modelLogger = logger.child({ component: 'models' });
  const catalogue = new ModelCatalogue({
    enableUnifier: config.modelRegistry.enableUnifier,
    staleThresholdMs: config.modelRegistry.unification.staleThreshold,
    cleanupIntervalMs: config.modelRegistry.unification.cleanupInterval,
    aliases: config.modelAliases,
    logger: modelLogger,
  });
  const discovery = new ModelDiscoveryService({
    config: config.discovery.modelDiscovery,
    endpoints,
    sink: catalogue,
    profileFor: (type) => profiles.get(type),
    globalFilter: config.modelFilter,
    endpointFilters: new Map(endpointConfigs.flatMap((e) => (e.modelFilter ? [[e.name, e.modelFilter] as const] : []))),
    logger: modelLogger,
  });
  health.onTransition((t) => discovery.handleTransition(t));
  const models = new ModelRouter({
    catalogue,
    strategy: config.modelRegistry.routingStrategy,
    refresh: (signal) => discovery.refresh(undefined, signal),
    logger: modelLogger,
  });

  // Sticky sessions decorate the balancer only when enabled, so they cost nothing otherwise.
  const balancer = createBalancer(config.proxy.loadBalancer);
  const sticky = config.proxy.stickySessions.enabled
    ? new StickySelector(balancer, config.proxy.stickySessions)
    : undefined;
  const selector = sticky ?? balancer;
  if (sticky) {
    health.onTransition((t) => {
      // Deferred, as the original's purge runs off the health goroutine: a request whose attempt
      // just found the node dead retries in this tick and must still see its pin, so the client
      // is told the conversation moved (`repin`) rather than that it is new (`miss`).
      if (isRoutable(t.from) && !isRoutable(t.to)) setImmediate(() => sticky.purgeEndpoint(t.endpoint.name));
    });
  }
  const stats = new StatsCollector();
  const security = new SecurityViolations();
  const processMonitor = new ProcessMonitor(startedAt);
  health.onTransition((t) => stats.recordHealthTransition(t));
  const monitoring = {
    endpoints,
    connections: (e: Endpoint) => selector.connections(e),
    stats,
    security,
    proxy: { engine: config.proxy.engine, profile: config.proxy.profile, balancer: config.proxy.loadBalancer },
    startedAt,
    version: VERSION.version,
    commit: 'none',
  };
  const translatorStats = new TranslatorStats();
  const metrics = new OllaMetrics({
    ...monitoring,
    models: catalogue,
    sticky,
    translatorCounters: () => translatorStats.snapshot(),
  });
  // The proxy keeps breakers of its own, as the original does: a node whose health path answers
  // while its inference path fails must still trip, and a passing probe must not reset that count.
  // A trip takes the node out of rotation at once; the health checker's backoff brings it back.
  const proxyBreakers = new CircuitBreakerRegistry();
  proxyBreakers.onOpen((name) => {
    const endpoint = endpoints.get(name);
    if (endpoint && isRoutable(endpoint.status))
      health.markFailed(endpoint, 'circuit breaker opened by failed requests');
  });
  const counters = new EndpointCounters();
  const engine = createProxyEngine(config.proxy.engine, {
    config: config.proxy,
    selector,
    health,
    breakers: proxyBreakers,
    counters,
    recorder: new RecorderFanOut([stats, metrics]),
    logger: logger.child({ component: 'proxy' }),
    version: VERSION.version,
  });

  const server = createHttpServer(config.server, logger);
  const routes: string[] = [];
  server.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push(`${methods.length > 6 ? 'ANY' : methods.join(',')} ${route.url}`);
  });

  // Hooks run in the order added: CORS answers preflights before auth or limits see them.
  const resolveClientIp = createClientIpResolver(config.server.rateLimits);
  const limiter = new RateLimiter(config.server.rateLimits);
  await registerCors(server, config.server.cors);
  registerAdminAuth(server, config.server.auth);
  registerDashboardAccess(server, config.dashboard);
  registerRateLimit(server, {
    limiter,
    clientIp: resolveClientIp,
    onRejected: (ip, scope) => {
      security.recordRateLimit(ip);
      metrics.countRateLimited(scope);
    },
  });
  registerSizeLimits(server, new RequestSizeLimits(config.server.requestLimits), () => security.recordSizeLimit());

  registerSystemRoutes(server, { startedAt, routes: () => routes });
  registerStatusRoutes(server, { ...monitoring, models: catalogue, translators: translatorStats });
  registerStatsRoutes(server, {
    stats,
    process: processMonitor,
    translators: () => translatorStats.toResponse(),
    sticky: () => stickyStats(sticky),
  });
  registerMetricsRoutes(server, { metrics });
  registerDashboardRoutes(server, {
    enabled: config.dashboard.enabled,
    series: (seconds) => stats.series(seconds),
    recentEvents: () => stats.recentEvents(),
  });

  const clientIp = (request: FastifyRequest) =>
    resolveClientIp(request.raw.socket.remoteAddress ?? '', request.headers);
  const providers: ProviderScope[] = [];
  for (const prefix of profiles.prefixes()) {
    const scope = profiles.scopeFor(prefix);
    const profile = scope && profiles.get(scope.profile);
    if (scope && profile) providers.push({ prefix, profile, types: scope.types, failClosed: scope.failClosed });
  }
  const requestLogger = logger.child({ component: 'request' });
  registerModelRoutes(server, {
    catalogue,
    endpoints,
    aliases: config.modelAliases,
    providers,
    openAiCompatibleTypes: new Set(
      profiles
        .all()
        .filter((p) => p.api.openaiCompatible)
        .map((p) => p.name),
    ),
  });
  registerProxyRoutes(server, {
    endpoints,
    models,
    engine,
    providers,
    isPathAllowed,
    clientIp,
    logger: requestLogger,
    requestLogging: config.server.requestLogging,
  });

  const anthropic = config.translators.anthropic;
  if (anthropic.enabled) {
    const translator = new AnthropicTranslator(anthropic, {
      inspector: createInspector(anthropic.inspector, logger.child({ component: 'inspector' })),
    });
    registerAnthropicRoutes(server, {
      endpoints,
      models,
      translator,
      stats: translatorStats,
      engine,
      catalogue,
      anthropicSupport: (type) => profiles.get(type)?.api.anthropicSupport,
      clientIp,
      logger: requestLogger,
    });
  }

  const responses = config.translators.responses;
  if (responses.enabled) {
    registerResponsesRoutes(server, {
      endpoints,
      models,
      translator: new ResponsesTranslator(responses, new MemoryResponseStore(responses.store)),
      stats: translatorStats,
      engine,
      providers,
      responsesSupport: (type) => profiles.get(type)?.api.responsesSupport,
      clientIp,
      logger: requestLogger,
    });
  }

  return {
    server,
    config,
    endpoints,
    models: catalogue,
    connections(endpointName) {
      const endpoint = endpoints.get(endpointName);
      return endpoint === undefined ? 0 : selector.connections(endpoint);
    },
    async listen() {
      processMonitor.start();
      health.start();
      catalogue.start();
      discovery.start();
      const address = await server.listen({ host: config.server.host, port: config.server.port });
      logger.info(
        {
          address,
          engine: engine.name,
          balancer: selector.name,
          endpoints: endpoints.all().map((e) => `${e.name} (${e.type}) ${e.url}`),
        },
        `Olla ${VERSION.version} listening on ${address}`,
      );
      return address;
    },
    async close() {
      await server.close();
      limiter.stop();
      await discovery.stop();
      catalogue.stop();
      await health.stop();
      await engine.close();
      processMonitor.stop();
    },
  };
}
