import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ClientKeyGate, meteredRequest } from '../../adapter/client-keys/gate.js';
import { BodyCapabilityNeeds } from '../../adapter/registry/capabilities.js';
import { Header } from '../../core/constants.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { RequestBody } from '../../core/domain/request-body.js';
import { RouteNotFoundError } from '../../core/errors.js';
import { readTopLevelString, readTopLevelStringAndList } from '../../core/json-field.js';
import type { SelectionContext } from '../../core/ports/balancer.js';
import type { ProxyEngine, ProxyRequest } from '../../core/ports/proxy.js';
import type { RequestTracer } from '../../core/ports/tracer.js';
import type { Logger } from '../../logger/logger.js';
import { logRequestLine } from '../../logger/request-line.js';
import { dialectForPath } from '../dialect.js';
import { requestIdFrom } from '../request-id.js';
import { requestPriority } from '../request-priority.js';
import { admitClient } from './client-admission.js';
import { type FleetRoutingDeps, routeThroughFleet } from './fleet-route.js';
import { hijackKeepingHeaders } from './hijack.js';
import { originForm, pathOf, targetAfterBase } from './proxy-target.js';
import { type CandidateScope, type HeaderSink, nativeNamesOf, routeRequest } from './route-request.js';
import { underTrace } from './traced-routing.js';

/** A provider route: the profile whose paths it allows and the endpoint types it may use. */
export interface ProviderScope {
  prefix: string;
  profile: PlatformProfile;
  types: readonly string[];
  /** When no endpoint of `types` is routable: fail (true) or widen to every routable one. */
  failClosed: boolean;
}

export interface ProxyRouteDeps extends FleetRoutingDeps {
  engine: ProxyEngine;
  providers: readonly ProviderScope[];
  isPathAllowed(profile: PlatformProfile, path: string): boolean;
  clientIp(request: { readonly raw: IncomingMessage }): string;
  logger: Logger;
  requestLogging: boolean;
  /** Only while telemetry is on. */
  tracer?: RequestTracer;
  /** Client API keys, when `server.auth.enabled`. */
  keys?: ClientKeyGate;
}

/** A native byte search rules the fallback list out of most bodies before the scanner looks for it. */
const MODELS_KEY = Buffer.from('"models"');

/** A retry's re-routing sets no headers: the first routing's are already on the reply. */
const NO_HEADERS = { header: () => undefined };

/** A route family: `/olla/proxy/` serves every backend type, `/olla/<prefix>/` one profile's. */
export interface RouteScope {
  base: string;
  profile?: PlatformProfile;
  /** The endpoint types it may use and how routing names it (made once, not per request). */
  candidates: CandidateScope;
}

/** Every proxy route family, in the order they are mounted. */
export function routeScopes(providers: readonly ProviderScope[]): RouteScope[] {
  const scopes: RouteScope[] = [{ base: '/olla/proxy/', candidates: { types: [], failClosed: false, label: '' } }];
  for (const p of providers) {
    if (p.prefix === 'proxy' || p.prefix === 'anthropic') continue;
    const candidates = { types: p.types, failClosed: p.failClosed, label: `${p.profile.displayName} ` };
    scopes.push({ base: `/olla/${p.prefix}/`, profile: p.profile, candidates });
  }
  return scopes;
}

/**
 * Whether the body is a JSON object, judged by its first byte rather than Content-Type: curl's
 * `-d` labels JSON as a form and some clients send none, yet users expect model routing either way.
 */
export function isJsonObject(body: RequestBody): boolean {
  for (const chunk of body.chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c === 0x7b;
    }
  }
  return false;
}

/**
 * The body's top-level `model`. Clients name it first, so the first chunk nearly always holds it
 * and a large body need not be joined to read it. A string found in a prefix of a document is the
 * one the whole document holds (json-field.test.ts checks that), so looking there first is safe.
 */
function modelOf(body: RequestBody): string | undefined {
  const model = readTopLevelString(body.head, 'model');
  return model !== undefined || body.joined ? model : readTopLevelString(body.whole, 'model');
}

/**
 * One proxied request as the handler sees it, whichever lane served it: the raw node:http lane
 * (`raw-proxy.ts`) or fastify's, which runs while CORS is on. Headers set on it before the engine
 * takes the response (the request ID, routing and limit headers) go out with whatever is answered.
 */
export interface ProxyCall extends HeaderSink {
  readonly raw: IncomingMessage;
  /** The client's response, until `takeResponse` hands it over. */
  readonly res: ServerResponse;
  /** The request body; undefined when there is none. */
  readonly body: RequestBody | undefined;
  /** The client API key the request presented; null while keys are off. */
  readonly clientKey: ClientKey | null;
  /** Hands the response to an engine, with every header set on the call so far. */
  takeResponse(): ServerResponse;
}

/** Fastify's request and reply as a proxy call. */
class FastifyProxyCall implements ProxyCall {
  readonly body: RequestBody | undefined;
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;

  constructor(request: FastifyRequest, reply: FastifyReply) {
    this.#request = request;
    this.#reply = reply;
    const body = request.body;
    this.body = Buffer.isBuffer(body) && body.length > 0 ? RequestBody.of(body) : undefined;
  }

  get raw(): IncomingMessage {
    return this.#request.raw;
  }

  get res(): ServerResponse {
    return this.#reply.raw;
  }

  get clientKey(): ClientKey | null {
    // Decorated only while keys are on.
    return this.#request.clientKey ?? null;
  }

  header(name: string, value: string | number): void {
    this.#reply.header(name, value);
  }

  takeResponse(): ServerResponse {
    return hijackKeepingHeaders(this.#reply);
  }
}

/**
 * Parse, pick candidates, hand over to the engine. Everything that decides *where* a request
 * goes lives here; everything about *how* bytes move lives in the engine. Throws the refusal a
 * request draws before the engine takes it; the lane answers it.
 */
export async function handleProxy(deps: ProxyRouteDeps, scope: RouteScope, call: ProxyCall): Promise<void> {
  const startTime = performance.now();
  const request = call.raw;
  const requestId = requestIdFrom(request.headers[Header.incomingRequestId]);
  const rawUrl = originForm(request.url ?? '/');
  const targetPath = targetAfterBase(rawUrl, scope.base);
  const dialect = dialectForPath(rawUrl);
  const pathOnly = pathOf(targetPath);
  if (scope.profile) {
    if (!deps.isPathAllowed(scope.profile, pathOnly)) {
      throw new RouteNotFoundError(`${pathOnly} is not a ${scope.profile.displayName} API path`, {
        allowed_paths: scope.profile.api.paths,
      });
    }
  }

  const body = call.body;
  const json = body !== undefined && isJsonObject(body);
  // One pass finds both `model` and an OpenAI body's per-request fallback list (`models`,
  // OpenRouter's convention, so only on OpenAI-shaped paths), when the body names `models` at all.
  // Otherwise the scan stops at `model` rather than walk the rest of the body for a list it lacks.
  const listable = json && pathOnly.startsWith('/v1/') && body.includes(MODELS_KEY);
  let model: string | undefined;
  let listed: string[] | undefined;
  if (listable) [model, listed] = readTopLevelStringAndList(body.whole, 'model', 'models');
  else if (json) model = modelOf(body);
  call.header(Header.requestId, requestId);
  // Keys off: no await, no tap; the exchange runs exactly as it would without this feature.
  let admission =
    deps.keys === undefined ? undefined : admitClient(deps.keys, call.clientKey, request.method!, call, model);
  if (admission instanceof Promise) admission = await admission;
  const metered = admission === undefined ? undefined : meteredRequest(pathOnly, body, json);
  // What goes upstream: the client's bytes, or with the usage request a key's metering added.
  const sent = metered === undefined ? body : metered.body;
  // The engine's selection context; the link that serves sets its model and body below.
  const selection: SelectionContext = {
    model,
    headers: request.headers,
    clientIp: deps.clientIp(call),
    body,
    priority: requestPriority(request.headers, admission?.key),
  };
  const scoped = scope.candidates;
  const required = json ? new BodyCapabilityNeeds(body, targetPath) : undefined;
  // One trace per client request; each fallback model tried is an attempt under it.
  const trace = deps.tracer?.startRequest({ method: request.method!, targetPath, model, headers: request.headers });
  let proxyRequest: ProxyRequest | undefined;
  // What the client was answered; a request that fails before the exchange answers 5xx or 4xx.
  let status = 500;
  try {
    const result = await underTrace(
      trace,
      routeThroughFleet(
        deps,
        scoped,
        {
          model,
          listed,
          required,
          sink: call,
          client: call.res,
          priority: selection.priority,
        },
        (served) => {
          const forwarded =
            served.fellBack && sent !== undefined && served.model !== undefined
              ? sent.withTopLevelString('model', served.model)
              : sent;
          selection.model = served.model;
          selection.body = forwarded;
          proxyRequest = {
            requestId,
            startTime,
            method: request.method!,
            targetPath,
            body: forwarded,
            candidates: served.route.endpoints,
            panic: served.route.panic,
            // A retry re-routes against the live set, for the model being served.
            reroute: async () => (await routeRequest(deps, scoped, served.model, required, NO_HEADERS)).endpoints,
            model: served.model,
            routing: served.decision,
            nativeNames: nativeNamesOf(served.route),
            selection,
            dialect,
            trace,
            tap: metered?.tap,
          };
          return deps.engine.handle(request, call.takeResponse(), proxyRequest);
        },
      ),
    );
    status = result.status;
    if (deps.requestLogging) {
      logRequestLine(deps.logger, {
        request_id: requestId,
        method: request.method!,
        path: pathOf(rawUrl),
        model: proxyRequest?.model,
        endpoint: result.endpoint?.name,
        status: result.status,
        duration_ms: Math.round((performance.now() - startTime) * 10) / 10,
        bytes: result.bytes,
        retries: result.retries,
        sticky: proxyRequest?.selection.sticky?.result,
        key: admission?.key.name,
        error: result.error?.message,
      });
    }
  } finally {
    admission?.finish(status, metered?.tap);
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
      const handler = (request: FastifyRequest, reply: FastifyReply) =>
        handleProxy(deps, scope, new FastifyProxyCall(request, reply));
      scoped.all(`${scope.base}*`, handler);
    };

    for (const scope of routeScopes(deps.providers)) mount(scope);
  });
}
