import type { FastifyInstance } from 'fastify';
import { createBalancer } from '../adapter/balancer/factory.js';
import { buildEndpoints } from '../adapter/discovery/endpoints/build-endpoints.js';
import { StaticEndpointRepository } from '../adapter/discovery/endpoints/static-endpoint-repository.js';
import { HttpHealthChecker } from '../adapter/health/checker.js';
import { CircuitBreakerRegistry } from '../adapter/health/circuit-breaker.js';
import { loadProfileRegistry } from '../adapter/profile/load-profiles.js';
import { isPathAllowed } from '../adapter/profile/path-allowlist.js';
import { createProxyEngine } from '../adapter/proxy/factory.js';
import type { OllaConfig } from '../config/types.js';
import type { ModelLookup } from '../core/ports/models.js';
import type { Logger } from '../logger/logger.js';
import { type ProviderScope, registerProxyRoutes } from './handlers/proxy.js';
import { registerSystemRoutes } from './handlers/system.js';
import { createHttpServer } from './server.js';
import { VERSION } from './version.js';

export interface Olla {
  readonly server: FastifyInstance;
  readonly config: OllaConfig;
  /** Start health checks and listen on `server.host:server.port`; resolves to the bound address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

// Until model discovery fills the catalogue, every routable endpoint serves every model.
const everyEndpointServesEveryModel: ModelLookup = {
  route: (_model, candidates) => ({ endpoints: candidates }),
};

/**
 * The composition root: builds every service in dependency order by constructor injection and
 * registers the routes. Nothing is wired later by setters.
 */
export async function createOlla(config: OllaConfig, logger: Logger): Promise<Olla> {
  const startedAt = Date.now();
  const profiles = await loadProfileRegistry({ userDir: config.profilesDir || undefined });
  for (const warning of profiles.warnings()) logger.warn(warning);

  const endpoints = new StaticEndpointRepository(buildEndpoints(config.discovery.static.endpoints, profiles));
  const breakers = new CircuitBreakerRegistry();
  const health = new HttpHealthChecker(endpoints.all(), {
    initialDelayMs: config.discovery.healthCheck.initialDelay,
    breakers,
    logger: logger.child({ component: 'health' }),
    onStatusChanged: () => endpoints.statusChanged(),
    userAgent: `olla-HealthChecker/${VERSION.version}`,
  });
  health.onTransition((t) => {
    const fields = { endpoint: t.endpoint.name, from: t.from, to: t.to, ...(t.error ? { error: t.error } : {}) };
    if (t.to === 'healthy') logger.info(fields, 'endpoint recovered');
    else logger.warn(fields, 'endpoint health changed');
  });

  const selector = createBalancer(config.proxy.loadBalancer);
  const engine = createProxyEngine(config.proxy.engine, {
    config: config.proxy,
    selector,
    health,
    breakers,
    logger: logger.child({ component: 'proxy' }),
    version: VERSION.version,
  });

  const server = createHttpServer(config.server, logger);
  const routes: string[] = [];
  server.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push(`${methods.length > 6 ? 'ANY' : methods.join(',')} ${route.url}`);
  });

  registerSystemRoutes(server, { startedAt, routes: () => routes });

  const providers: ProviderScope[] = [];
  for (const prefix of profiles.prefixes()) {
    const scope = profiles.scopeFor(prefix);
    const profile = scope && profiles.get(scope.profile);
    if (scope && profile) providers.push({ prefix, profile, types: scope.types, failClosed: scope.failClosed });
  }
  registerProxyRoutes(server, {
    endpoints,
    models: everyEndpointServesEveryModel,
    engine,
    providers,
    isPathAllowed,
    clientIp: (request) => request.ip,
    logger: logger.child({ component: 'request' }),
    requestLogging: config.server.requestLogging,
  });

  return {
    server,
    config,
    async listen() {
      health.start();
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
      await health.stop();
      await engine.close();
    },
  };
}
