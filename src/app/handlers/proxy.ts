import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasDotSegment } from '../../adapter/proxy/core/target-url.js';
import { requiredCapabilitiesOfBody } from '../../adapter/registry/capabilities.js';
import { Header } from '../../core/constants.js';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { BadRequestError, RouteNotFoundError } from '../../core/errors.js';
import { readTopLevelString } from '../../core/json-field.js';
import type { ProxyEngine, ProxyRequest } from '../../core/ports/proxy.js';
import type { Logger } from '../../logger/logger.js';
import { dialectForPath } from '../dialect.js';
import { requestIdFrom } from '../request-id.js';
import { hijackKeepingHeaders } from './hijack.js';
import { originForm, targetAfterBase } from './proxy-target.js';
import { type RoutingDeps, routeRequest } from './route-request.js';

/** A provider route: the profile whose paths it allows and the endpoint types it may use. */
export interface ProviderScope {
  prefix: string;
  profile: PlatformProfile;
  types: readonly string[];
  /** When no endpoint of `types` is routable: fail (true) or widen to every routable one. */
  failClosed: boolean;
}

export interface ProxyRouteDeps extends RoutingDeps {
  engine: ProxyEngine;
  providers: readonly ProviderScope[];
  isPathAllowed(profile: PlatformProfile, path: string): boolean;
  clientIp(request: FastifyRequest): string;
  logger: Logger;
  requestLogging: boolean;
}

/** A retry's re-routing sets no headers: the first routing's are already on the reply. */
const NO_HEADERS = { header: () => undefined };

/** A route family: `/olla/proxy/` serves every backend type, `/olla/<prefix>/` one profile's. */
interface RouteScope {
  base: string;
  profile?: PlatformProfile;
  types: readonly string[];
  failClosed: boolean;
}

/**
 * Whether the body is a JSON object, judged by its first byte rather than Content-Type: curl's
 * `-d` labels JSON as a form and some clients send none, yet users expect model routing either way.
 */
function isJsonObject(body: Buffer): boolean {
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c === 0x7b;
  }
  return false;
}

/**
 * Parse, pick candidates, hand over to the engine. Everything that decides *where* a request
 * goes lives here; everything about *how* bytes move lives in the engine.
 */
async function handleProxy(deps: ProxyRouteDeps, scope: RouteScope, request: FastifyRequest, reply: FastifyReply) {
  const startTime = performance.now();
  const requestId = requestIdFrom(request.headers[Header.incomingRequestId]);
  const rawUrl = originForm(request.raw.url ?? '/');
  const targetPath = targetAfterBase(rawUrl, scope.base);
  const dialect = dialectForPath(rawUrl);
  const queryAt = targetPath.indexOf('?');
  const pathOnly = queryAt < 0 ? targetPath : targetPath.slice(0, queryAt);
  // The original's router never hands such a path to the proxy (Go's mux cleans it first), and
  // resolving it here would send the request somewhere other than the route the client named.
  if (hasDotSegment(pathOnly)) {
    throw new BadRequestError(`request path ${pathOnly} has '.' or '..' segments; send the resolved path`);
  }

  if (scope.profile) {
    if (!deps.isPathAllowed(scope.profile, pathOnly)) {
      throw new RouteNotFoundError(`${pathOnly} is not a ${scope.profile.displayName} API path`, {
        allowed_paths: scope.profile.api.paths,
      });
    }
  }

  const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
  const json = body !== undefined && isJsonObject(body);
  const model = json ? readTopLevelString(body, 'model') : undefined;
  reply.header(Header.requestId, requestId);
  const candidateScope = {
    types: scope.types,
    failClosed: scope.failClosed,
    label: scope.profile ? `${scope.profile.displayName} ` : '',
  };
  const required = json ? requiredCapabilitiesOfBody(body, targetPath) : undefined;
  const route = await routeRequest(deps, candidateScope, model, required, reply);

  const proxyRequest: ProxyRequest = {
    requestId,
    startTime,
    method: request.method,
    targetPath,
    body,
    candidates: route.endpoints,
    panic: route.panic,
    reroute: async () => (await routeRequest(deps, candidateScope, model, required, NO_HEADERS)).endpoints,
    model,
    routing: route.decision,
    nativeModelName: route.nativeName?.bind(route),
    selection: { model, headers: request.headers, clientIp: deps.clientIp(request), body },
    dialect,
  };

  const result = await deps.engine.handle(request.raw, hijackKeepingHeaders(reply), proxyRequest);
  if (deps.requestLogging) {
    deps.logger.info(
      {
        request_id: requestId,
        method: request.method,
        path: rawUrl.split('?', 1)[0],
        model,
        endpoint: result.endpoint?.name,
        status: result.status,
        duration_ms: Math.round((performance.now() - startTime) * 10) / 10,
        bytes: result.bytes,
        retries: result.retries,
        sticky: proxyRequest.selection.sticky?.result,
        ...(result.error ? { error: result.error.message } : {}),
      },
      result.error ? 'request failed' : 'request completed',
    );
  }
}

/**
 * Registers `/olla/proxy/*` and `/olla/<prefix>/*` for every profile prefix, in an encapsulated
 * context whose only body parser hands over raw bytes: the proxy forwards the client's exact
 * body and reads just the `model` field from it.
 */
export function registerProxyRoutes(app: FastifyInstance, deps: ProxyRouteDeps): void {
  app.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, payload, done) => done(null, payload));

    const mount = (scope: RouteScope) => {
      const handler = (request: FastifyRequest, reply: FastifyReply) => handleProxy(deps, scope, request, reply);
      scoped.all(`${scope.base}*`, handler);
    };

    mount({ base: '/olla/proxy/', types: [], failClosed: false });
    for (const p of deps.providers) {
      if (p.prefix === 'proxy' || p.prefix === 'anthropic') continue;
      mount({ base: `/olla/${p.prefix}/`, profile: p.profile, types: p.types, failClosed: p.failClosed });
    }
  });
}
