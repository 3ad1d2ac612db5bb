import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ReloadableSelector } from '../adapter/balancer/reloadable-selector.js';
import { ConfiguredKeyDirectory } from '../adapter/client-keys/configured-directory.js';
import { ClientKeyGate } from '../adapter/client-keys/gate.js';
import { keyStatsReport } from '../adapter/client-keys/key-report.js';
import { buildEndpoints } from '../adapter/discovery/endpoints/build-endpoints.js';
import { StaticEndpointRepository } from '../adapter/discovery/endpoints/static-endpoint-repository.js';
import { ModelDiscoveryService } from '../adapter/discovery/models/service.js';
import { HttpHealthChecker } from '../adapter/health/checker.js';
import { CircuitBreakerRegistry } from '../adapter/health/circuit-breaker.js';
import { MemoryEjectionStore } from '../adapter/outlier/memory-ejection-store.js';
import { OutlierDetector } from '../adapter/outlier/outlier-detector.js';
import { outlierDetectionWanted, outlierRulesByEndpoint } from '../adapter/outlier/rules.js';
import { registerClientKeyMetrics } from '../adapter/metrics/client-key-metrics.js';
import { OllaMetrics } from '../adapter/metrics/olla-metrics.js';
import { loadProfileRegistry } from '../adapter/profile/load-profiles.js';
import { loadExtractionRules } from '../adapter/unifier/rules-file.js';
import { isPathAllowed } from '../adapter/profile/path-allowlist.js';
import { EndpointCounters } from '../adapter/proxy/core/counters.js';
import { proxyIdentity } from '../adapter/proxy/core/request-headers.js';
import { createProxyEngine } from '../adapter/proxy/factory.js';
import { FallbackChains } from '../adapter/registry/fallback-chains.js';
import { ModelCatalogue } from '../adapter/registry/model-catalogue.js';
import { ModelRouter } from '../adapter/registry/model-router.js';
import { ReloadableClientIp } from '../adapter/security/client-ip.js';
import { RateLimiter } from '../adapter/security/rate-limit.js';
import { bodyCap, RequestSizeLimits } from '../adapter/security/size-limit.js';
import { MemoryStateStore } from '../adapter/state/memory-state-store.js';
import { StatsCollector } from '../adapter/stats/collector.js';
import { ProcessMonitor } from '../adapter/stats/process-report.js';
import { RecorderFanOut } from '../adapter/stats/recorders.js';
import { SecurityViolations } from '../adapter/stats/security-stats.js';
import { TranslatorStats } from '../adapter/stats/translator-stats.js';
import { stickyStats } from '../adapter/sticky/sticky-selector.js';
import type { ParsedConfig } from '../config/parse.js';
import { MemoryResponseStore } from '../adapter/translator/responses/memory-store.js';
import type { OllaConfig } from '../config/types.js';
import { type Endpoint, isRoutable } from '../core/domain/endpoint.js';
import { ConfigError } from '../core/errors.js';
import { newInstanceToken } from '../core/forwarding-loop.js';
import type { EndpointRepository } from '../core/ports/endpoints.js';
import type { ModelRegistry } from '../core/ports/models.js';
import { type ChildLoggerOptions, FLAT_FIELDS_ONLY, type Logger } from '../logger/logger.js';
import { buildAdmission, buildResidency, warnUnknownFallbacks } from './fleet.js';
import { registerAnthropicRoutes } from './handlers/anthropic.js';
import { registerDashboardRoutes } from './handlers/dashboard.js';
import { registerExplainRoutes } from './handlers/explain.js';
import { registerMetricsRoutes } from './handlers/metrics.js';
import { registerModelRoutes } from './handlers/models.js';
import { type ProviderScope, type ProxyRouteDeps, registerProxyRoutes } from './handlers/proxy.js';
import { mountRawProxyRoutes } from './handlers/raw-proxy.js';
import { registerResponsesRoutes } from './handlers/responses.js';
import { registerStatsRoutes } from './handlers/stats.js';
import { registerStatusRoutes } from './handlers/status.js';
import { registerSystemRoutes } from './handlers/system.js';
import { registerAdminAuth } from './middleware/admin-auth.js';
import { registerClientAuth } from './middleware/client-auth.js';
import { registerCors } from './middleware/cors.js';
import { registerDashboardAccess } from './middleware/dashboard-access.js';
import { registerPathGuard } from './middleware/path-guard.js';
import { RequestRateLimit, registerRateLimit } from './middleware/rate-limit.js';
import { registerSizeLimits } from './middleware/size-limit.js';
import { applyConfig, endpointModelFilters } from './reload/apply-config.js';
import { ReloadController, type ReloadStatus, type ReloadTrigger } from './reload/reload-controller.js';
import { LiveTranslators } from './reload/live-translators.js';
import { type FileWatch, watchFile } from './reload/watch-file.js';
import { RawLane } from './raw-lane.js';
import { ForwardingLoopGuard } from './forwarding-loop-guard.js';
import { createHttpServer } from './server.js';
import { VERSION } from './version.js';

/** Where a reload reads the config again from (the CLI's loader); without one, reload is refused. */
export interface ConfigSource {
  load(): ParsedConfig;
  /** The file `server.watch_config` watches ('' or undefined: nothing to watch). */
  path?: string;
}

export interface OllaOptions {
  configSource?: ConfigSource;
}

/** How long a dead node's sticky pins outlive it, so a retry under way can still re-pin. */
const STICKY_PURGE_GRACE_MS = 50;

export interface Olla {
  readonly server: FastifyInstance;
  /** The config in force: the start-up one until a reload applies another. */
  readonly config: OllaConfig;
  /** Live endpoint state and the model catalogue, for status tooling and tests. */
  readonly endpoints: EndpointRepository;
  readonly models: ModelRegistry;
  /** Requests in flight to the named endpoint, as the balancer counts them (0 for an unknown name). */
  connections(endpointName: string): number;
  /** Start health checks and listen on `server.host:server.port`; resolves to the bound address. */
  listen(): Promise<string>;
  /** Re-reads the config and applies it in place, or refuses it as a whole; never throws. */
  reload(trigger: ReloadTrigger): ReloadStatus;
  close(): Promise<void>;
}

/**
 * The composition root: builds every service in dependency order by constructor injection and
 * registers the routes. Nothing is wired later by setters.
 */
export async function createOlla(config: OllaConfig, logger: Logger, options: OllaOptions = {}): Promise<Olla> {
  const startedAt = Date.now();
  // Names this process in the Via of everything it sends out, so a request that comes back is caught.
  const instanceToken = newInstanceToken();
  const identity = proxyIdentity(VERSION.version, instanceToken);
  // pino children keep the level they were made with, so a reload sets each one's.
  const loggers: Logger[] = [logger];
  const childLogger = (component: string, options?: ChildLoggerOptions) => {
    const child = logger.child({ component }, options);
    loggers.push(child);
    return child;
  };
  const profiles = await loadProfileRegistry({ userDir: config.profilesDir || undefined });
  for (const warning of profiles.warnings()) logger.warn(warning);

  const endpointConfigs = config.discovery.static.endpoints;
  const endpoints = new StaticEndpointRepository(buildEndpoints(endpointConfigs, profiles));
  // The probe schedule is the health breaker's open period: a failing node is probed only on its
  // bounded backoff (at most four intervals), each probe being the trial. A 30 s open period here
  // would keep a node that was back after a second out for half a minute.
  const breakers = new CircuitBreakerRegistry({ openDurationMs: 0 });
  const health = new HttpHealthChecker(endpoints.all(), {
    initialDelayMs: config.discovery.healthCheck.initialDelay,
    breakers,
    logger: childLogger('health'),
    onStatusChanged: () => endpoints.statusChanged(),
    userAgent: `olla-HealthChecker/${VERSION.version}`,
    via: identity.upstreamVia,
  });

  const modelLogger = childLogger('models');
  const unifierRules = await loadExtractionRules({ cwd: process.cwd(), env: process.env });
  if (unifierRules.file) modelLogger.info({ file: unifierRules.file }, 'Loaded model unification rules');
  const catalogue = new ModelCatalogue({
    rules: unifierRules.rules,
    enableUnifier: config.modelRegistry.enableUnifier,
    staleThresholdMs: config.modelRegistry.unification.staleThreshold,
    cleanupIntervalMs: config.modelRegistry.unification.cleanupInterval,
    aliases: config.modelAliases,
    logger: modelLogger,
  });
  const residency = buildResidency(config, endpoints, catalogue);
  const discovery = new ModelDiscoveryService({
    config: config.discovery.modelDiscovery,
    endpoints,
    sink: residency?.sink ?? catalogue,
    profileFor: (type) => profiles.get(type),
    globalFilter: config.modelFilter,
    endpointFilters: endpointModelFilters(endpointConfigs),
    logger: modelLogger,
  });
  health.onTransition((t) => discovery.handleTransition(t));
  const models = new ModelRouter({
    catalogue,
    strategy: config.modelRegistry.routingStrategy,
    refresh: (signal) => discovery.refresh(undefined, signal),
    logger: modelLogger,
  });

  // Sticky sessions and loaded-models-first decorate the balancer only when enabled, so they cost
  // nothing otherwise; a reload may swap the balancer beneath them.
  // Imported only when configured, so without a shared store iovalkey is never loaded.
  const shared = config.state.redis
    ? (await import('./shared-state.js')).buildSharedState(config.state, childLogger('state'))
    : undefined;
  const placement = new ReloadableSelector(config.proxy, {
    ...(residency ? { decorate: residency.decorate } : {}),
    ...(shared ? { sharedPins: (ttl: number) => shared.pins(ttl) } : {}),
  });
  const admission = buildAdmission(config, placement, (type) => profiles.get(type));
  const selector = admission?.limiter ?? placement;
  const fleet = {
    admission: admission?.queue,
    fallbacks: new FallbackChains(config.modelFallbacks),
    onFallback: (requested: string) => stats.recordFallback(requested),
  };
  health.onTransition((t) => {
    // Deferred, as the original's purge runs off the health goroutine: a request whose attempt
    // just found the node dead retries after a few milliseconds of jitter and must still see its
    // pin, so the client is told the conversation moved (`repin`) rather than that it is new
    // (`miss`). The grace comfortably outlasts that jitter.
    if (placement.sticky && isRoutable(t.from) && !isRoutable(t.to))
      setTimeout(() => placement.sticky?.purgeEndpoint(t.endpoint.name), STICKY_PURGE_GRACE_MS).unref();
  });
  const stats = new StatsCollector();
  const security = new SecurityViolations();
  const processMonitor = new ProcessMonitor(startedAt);
  health.onTransition((t) => stats.recordHealthTransition(t));
  const monitoring = {
    endpoints,
    health: {
      ejection: (name: string) => outliers?.liveEjection(name),
      breaker: (name: string) => proxyBreakers.state(name),
    },
    connections: (e: Endpoint) => selector.connections(e),
    stats,
    security,
    proxy: {
      get engine() {
        return engine.name;
      },
      profile: config.proxy.profile,
      get balancer() {
        return reloads.current.proxy.loadBalancer;
      },
    },
    startedAt,
    version: VERSION.version,
    commit: 'none',
  };
  const translatorStats = new TranslatorStats();
  const metrics = new OllaMetrics({
    ...monitoring,
    ...(shared ? { sharedStoreUp: () => shared.connection.up } : {}),
    models: catalogue,
    sticky: placement.sticky,
    translatorCounters: () => translatorStats.snapshot(),
    ...(admission
      ? {
          queue: {
            get depth() {
              return admission.queue.depth;
            },
            stats: admission.stats,
          },
        }
      : {}),
  });
  const reloads = new ReloadController({
    initial: config,
    load: () => {
      if (!options.configSource) throw new ConfigError(['no config source to reload from (started without a file)']);
      return options.configSource.load();
    },
    apply: (before, after) =>
      applyConfig(
        {
          profiles,
          endpoints,
          health,
          catalogue,
          discovery,
          router: models,
          selector: placement,
          engine,
          limiter,
          clientIp: clientIpPolicy,
          sizeLimits,
          fallbacks: fleet.fallbacks,
          ...(admission ? { admission } : {}),
          ...(keys ? { keys } : {}),
          ...(cors ? { cors } : {}),
          translators,
          httpServer: server.server,
          startedWith: config,
          loggers: () => loggers,
        },
        before,
        after,
      ),
    logger: childLogger('reload'),
    count: (result) => metrics.countReload(result),
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
  // Client API keys: built only when switched on, so with them off no request pays for them.
  const keys = config.server.auth.enabled
    ? new ClientKeyGate(
        new ConfiguredKeyDirectory(config.server.auth.keys),
        shared ? shared.keyStore(new MemoryStateStore()) : new MemoryStateStore(),
        {
          namesOf: (model) => {
            const found = catalogue.find(model);
            return found === undefined ? [] : [found.id, ...found.aliases];
          },
          warn: (fields, message) => logger.warn(fields, message),
        },
      )
    : undefined;
  if (keys) registerClientKeyMetrics(metrics, keys);

  const outlierConfig = config.proxy.outlierDetection;
  const proxyLogger = childLogger('proxy');
  // Endpoint overrides follow reloads; the proxy-level settings need a restart, as the rest of `proxy`.
  const outliers: OutlierDetector | undefined = outlierDetectionWanted(outlierConfig, endpointConfigs)
    ? new OutlierDetector({
        rules: outlierRulesByEndpoint(outlierConfig, () => reloads.current.discovery.static.endpoints),
        store: shared ? shared.ejections(new MemoryEjectionStore()) : new MemoryEjectionStore(),
        othersRoutable: (name): boolean =>
          endpoints.routable().some((e) => e.name !== name && !outliers!.isEjected(e.name)),
        onEject: (e) => {
          metrics.countEjection(e.endpoint);
          proxyLogger.warn(
            { endpoint: e.endpoint, reason: e.reason, ejections: e.count, until: new Date(e.until).toISOString() },
            'Ejecting endpoint after failed requests',
          );
        },
      })
    : undefined;
  const counters = new EndpointCounters();
  const engine = createProxyEngine(config.proxy.engine, {
    config: config.proxy,
    selector,
    health,
    breakers: proxyBreakers,
    outliers,
    counters,
    recorder: new RecorderFanOut([stats, metrics]),
    logger: proxyLogger,
    identity,
  });

  // Loaded only when configured, so without telemetry no OpenTelemetry module is even imported.
  const tracer = config.telemetry.otlp.endpoint
    ? (await import('../adapter/telemetry/otlp-tracer.js')).createOtlpTracer(config.telemetry.otlp, VERSION.version)
    : undefined;

  // CORS is fastify's plugin, so with it on every request takes fastify's lifecycle; otherwise
  // the proxy routes run on the raw lane (raw-lane.ts). Switching CORS on or off takes a restart.
  const lane = config.server.cors.enabled ? undefined : new RawLane();
  const server = createHttpServer(config.server, logger, {
    lane,
    loopGuard: new ForwardingLoopGuard(instanceToken, childLogger('server')),
  });
  const routes: string[] = [];
  server.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push(`${methods.length > 6 ? 'ANY' : methods.join(',')} ${route.url}`);
  });

  // Hooks run in the order added: CORS answers preflights before auth or limits see them.
  const clientIpPolicy = new ReloadableClientIp(config.server.rateLimits);
  const resolveClientIp = clientIpPolicy.resolve;
  const limiter = new RateLimiter(config.server.rateLimits, shared ? { shared: shared.rateBuckets } : {});
  const sizeLimits = new RequestSizeLimits(config.server.requestLimits);
  const rateLimits = {
    limiter,
    clientIp: resolveClientIp,
    onRejected: (ip: string, scope: 'health' | 'proxy') => {
      security.recordRateLimit(ip);
      metrics.countRateLimited(scope);
    },
  };
  const onSizeRefused = () => security.recordSizeLimit();
  const cors = await registerCors(server, config.server.cors);
  registerPathGuard(server);
  registerAdminAuth(server, config.server.auth);
  registerDashboardAccess(server, config.dashboard);
  registerRateLimit(server, rateLimits);
  registerClientAuth(server, keys);
  registerSizeLimits(server, sizeLimits, onSizeRefused);

  registerSystemRoutes(server, { startedAt, routes: () => routes });
  registerStatusRoutes(server, {
    ...monitoring,
    models: catalogue,
    translators: translatorStats,
    ...(admission ? { queue: admission.status } : {}),
    ...(residency ? { residency: () => residency.tracker.snapshot() } : {}),
    lastReload: () => reloads.last,
    ...(shared ? { sharedState: () => shared.status() } : {}),
  });
  registerStatsRoutes(server, {
    stats,
    process: processMonitor,
    translators: () => translatorStats.toResponse(),
    sticky: () => stickyStats(placement.sticky),
    ...(admission ? { queue: () => ({ depth: admission.queue.depth, models: admission.stats.byModel() }) } : {}),
    keys: async () => (keys ? keyStatsReport(keys) : { enabled: false }),
  });
  registerMetricsRoutes(server, { metrics });
  registerDashboardRoutes(server, {
    enabled: config.dashboard.enabled,
    series: (seconds) => stats.series(seconds),
    recentEvents: () => stats.recentEvents(),
  });

  const clientIp = (request: { readonly raw: IncomingMessage }) =>
    resolveClientIp(request.raw.socket.remoteAddress ?? '', request.raw.headers);
  const providers: ProviderScope[] = [];
  for (const prefix of profiles.prefixes()) {
    const scope = profiles.scopeFor(prefix);
    const profile = scope && profiles.get(scope.profile);
    if (scope && profile) providers.push({ prefix, profile, types: scope.types, failClosed: scope.failClosed });
  }
  const requestLogger = childLogger('request', FLAT_FIELDS_ONLY);
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
    ...(residency
      ? { isLoaded: (endpoint: string, model: string) => residency.tracker.isLoaded(endpoint, model) }
      : {}),
    keys,
  });
  const proxyRoutes: ProxyRouteDeps = {
    endpoints,
    models,
    ...fleet,
    ejections: outliers,
    engine,
    providers,
    isPathAllowed,
    clientIp,
    logger: requestLogger,
    requestLogging: config.server.requestLogging,
    tracer,
    keys,
  };
  registerProxyRoutes(server, proxyRoutes);
  if (lane) {
    mountRawProxyRoutes(lane, proxyRoutes, {
      rateLimit: new RequestRateLimit(rateLimits),
      sizeLimits,
      onSizeRefused,
      startupBodyLimit: bodyCap(config.server.requestLimits),
      keys,
      logger,
    });
  }

  const responses = config.translators.responses;
  const translators = new LiveTranslators(config.translators, {
    inspectorLogger: childLogger('inspector'),
    responseStore: () =>
      shared ? shared.responses(new MemoryResponseStore(responses.store)) : new MemoryResponseStore(responses.store),
  });
  registerExplainRoutes(server, {
    endpoints,
    models,
    catalogue,
    providers,
    isPathAllowed,
    selector,
    // Sherpa, like the original, has no breakers: none is ever open for it.
    breakers: { wouldAdmit: (name) => engine.name !== 'olla' || proxyBreakers.wouldAdmit(name) },
    clientIp,
    ejections: outliers,
    ...(outliers ? { ejection: (name: string) => outliers.liveEjection(name) } : {}),
    filterAdmits: (endpoint, model) => discovery.admits(endpoint, model),
    ...(admission ? { limits: admission.limiter } : {}),
    ...(residency ? { residency: residency.tracker } : {}),
    fallbacks: fleet.fallbacks,
    ...(translators.anthropic
      ? {
          anthropic: {
            parse: (body: Buffer) => translators.anthropic!.parse(body),
            decidePassthrough: (request, candidates) =>
              translators.anthropic!.decidePassthrough(
                request,
                candidates,
                (type) => profiles.get(type)?.api.anthropicSupport,
              ),
          },
        }
      : {}),
  });

  if (translators.anthropic) {
    registerAnthropicRoutes(server, {
      endpoints,
      models,
      ...fleet,
      ejections: outliers,
      get translator() {
        return translators.anthropic!;
      },
      stats: translatorStats,
      engine,
      catalogue,
      anthropicSupport: (type) => profiles.get(type)?.api.anthropicSupport,
      clientIp,
      logger: requestLogger,
      tracer,
      keys,
    });
  }

  if (translators.responses) {
    registerResponsesRoutes(server, {
      endpoints,
      models,
      get translator() {
        return translators.responses!;
      },
      stats: translatorStats,
      engine,
      providers,
      responsesSupport: (type) => profiles.get(type)?.api.responsesSupport,
      clientIp,
      ejections: outliers,
      keys,
      tracer,
      logger: requestLogger,
    });
  }

  let watch: FileWatch | undefined;
  return {
    server,
    get config() {
      return reloads.current;
    },
    endpoints,
    models: catalogue,
    connections(endpointName) {
      const endpoint = endpoints.get(endpointName);
      return endpoint === undefined ? 0 : selector.connections(endpoint);
    },
    async listen() {
      await shared?.start();
      processMonitor.start();
      health.start();
      catalogue.start();
      discovery.start();
      residency?.poller.start();
      if (!fleet.fallbacks.empty)
        void discovery.refresh().then(() => warnUnknownFallbacks(fleet.fallbacks, catalogue, logger));
      const address = await server.listen({ host: config.server.host, port: config.server.port });
      const watched = options.configSource?.path;
      if (config.server.watchConfig && watched) {
        watch = watchFile(watched, () => reloads.reload('watch'), {
          onError: (err) =>
            logger.warn({ err: err.message, file: watched }, 'config watch failed; SIGHUP still reloads'),
        });
      }
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
    reload: (trigger) => reloads.reload(trigger),
    async close() {
      watch?.close();
      await server.close();
      limiter.stop();
      await shared?.close();
      await keys?.store.close();
      await discovery.stop();
      await residency?.poller.stop();
      catalogue.stop();
      await health.stop();
      await engine.close();
      await tracer
        ?.shutdown()
        .catch((err: Error) => logger.warn({ err: err.message }, 'trace export failed at shutdown'));
      processMonitor.stop();
    },
  };
}
