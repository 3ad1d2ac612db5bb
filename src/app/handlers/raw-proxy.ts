import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientKeyGate } from '../../adapter/client-keys/gate.js';
import { endOrClose, flatHead, type PresetHeaders, presetHeaders } from '../../adapter/proxy/core/response-headers.js';
import { bodyCap, type RequestSizeLimits } from '../../adapter/security/size-limit.js';
import { Header } from '../../core/constants.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import type { RequestBody } from '../../core/domain/request-body.js';
import { errorResponse } from '../../core/error-body.js';
import { type BadRequestError, PayloadTooLargeError, ShuttingDownError, UnauthorisedError } from '../../core/errors.js';
import type { Logger } from '../../logger/logger.js';
import { dialectForPath } from '../dialect.js';
import { identifyClient } from '../middleware/client-auth.js';
import { traversalRefusal } from '../middleware/path-guard.js';
import type { RateLimitRefusal, RequestRateLimit } from '../middleware/rate-limit.js';
import { sizeRefusal } from '../middleware/size-limit.js';
import type { RawLane } from '../raw-lane.js';
import { reportUnexpected } from '../server.js';
import { handleProxy, type ProxyCall, type ProxyRouteDeps, type RouteScope, routeScopes } from './proxy.js';
import { type BodyReceiver, collectRequestBody, hasRequestBody } from './request-body.js';

/** The checks fastify's hooks make on a proxy route, made here in the same order. */
export interface RawProxyGuards {
  rateLimit: RequestRateLimit;
  sizeLimits: RequestSizeLimits;
  /** Told of each size refusal (security stats count them). */
  onSizeRefused?: () => void;
  /** The body limit fastify was created with: a reload may lower the limit, not raise it past this. */
  startupBodyLimit: number;
  keys?: ClientKeyGate;
  /** For errors no handler expected. */
  logger: Logger;
}

/** What every request on one raw proxy route shares. */
class RawProxyRoute {
  constructor(
    readonly lane: RawLane,
    readonly deps: ProxyRouteDeps,
    readonly guards: RawProxyGuards,
    readonly scope: RouteScope,
  ) {}
}

/**
 * A proxy request on the raw lane, from the checks to the handler. Its headers wait here until an
 * answer or the engine writes them. It steps on by plain method calls (a promise only where the
 * shared rate limit answers asynchronously), so a request allocates no closures to get there.
 */
class RawProxyCall implements ProxyCall, BodyReceiver {
  readonly raw: IncomingMessage;
  readonly res: ServerResponse;
  body: RequestBody | undefined = undefined;
  clientKey: ClientKey | null = null;
  readonly headers: PresetHeaders = {};
  readonly #route: RawProxyRoute;
  #taken = false;

  constructor(raw: IncomingMessage, res: ServerResponse, route: RawProxyRoute) {
    this.raw = raw;
    this.res = res;
    this.#route = route;
  }

  header(name: string, value: string | number): void {
    this.headers[name] = typeof value === 'number' ? String(value) : value;
  }

  takeResponse(): ServerResponse {
    this.#taken = true;
    presetHeaders(this.res, this.headers);
    return this.res;
  }

  get taken(): boolean {
    return this.#taken;
  }

  /** The checks fastify's hooks make, in their order: shutdown, path, rate limit, then the rest. */
  start(): void {
    try {
      const req = this.raw;
      if (this.#route.lane.closing) {
        this.header('connection', 'close');
        throw new ShuttingDownError('Olla is shutting down; send the request to another instance');
      }
      const traversal = traversalRefusal(req.url ?? '/');
      if (traversal !== undefined) throw traversal;
      const limited = this.#route.guards.rateLimit.check(req.socket.remoteAddress ?? '', req.headers, false, this);
      if (limited instanceof Promise) {
        limited.then(
          (refusal) => this.#limited(refusal),
          (err: unknown) => this.fail(err),
        );
      } else this.#limited(limited);
    } catch (err) {
      this.fail(err);
    }
  }

  #limited(refusal: RateLimitRefusal): void {
    try {
      if (refusal !== undefined) throw refusal;
      const { guards } = this.#route;
      const req = this.raw;
      if (guards.keys !== undefined) {
        const key = identifyClient(guards.keys, req.headers, this);
        if (key instanceof UnauthorisedError) throw key;
        this.clientKey = key;
      }
      const limits = guards.sizeLimits;
      const url = req.url ?? '/';
      const tooBig = sizeRefusal(limits, req.method!, url, req.rawHeaders, req.headers['content-length'], this);
      if (tooBig !== undefined) {
        guards.onSizeRefused?.();
        throw tooBig;
      }
      if (!hasRequestBody(req)) this.#handle();
      else {
        // The live limit (a reload may lower it), within the one fastify was created with.
        collectRequestBody(req, Math.min(bodyCap(limits), guards.startupBodyLimit), this);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  bodyRead(body: RequestBody): void {
    if (body.length > 0) this.body = body;
    this.#handle();
  }

  bodyTooLarge(limit: number): void {
    this.#route.guards.onSizeRefused?.();
    this.header('connection', 'close');
    this.fail(new PayloadTooLargeError('Request body too large', { limit }));
  }

  bodyFailed(error: BadRequestError): void {
    this.fail(error);
  }

  #handle(): void {
    const { deps, scope } = this.#route;
    handleProxy(deps, scope, this).catch((err: unknown) => this.fail(err));
  }

  fail(err: unknown): void {
    answerError(this, err, this.#route.guards.logger);
  }
}

/**
 * Mounts `/olla/proxy/*` and `/olla/<prefix>/*` on the raw lane: path guard, rate limit, client
 * key and size limits as fastify's hooks apply them, the body read to its end, then the same handler
 * fastify's twin runs. A refusal is answered in the route's dialect with every header set so far.
 */
export function mountRawProxyRoutes(lane: RawLane, deps: ProxyRouteDeps, guards: RawProxyGuards): void {
  for (const scope of routeScopes(deps.providers)) {
    const route = new RawProxyRoute(lane, deps, guards, scope);
    lane.mount(`${scope.base}*`, (req, res) => new RawProxyCall(req, res, route).start());
  }
}

/** Answers a refusal, unless the engine already owns the response (it answers its own failures). */
function answerError(call: RawProxyCall, err: unknown, logger: Logger): void {
  const url = call.raw.url ?? '/';
  reportUnexpected(logger, err, url);
  const res = call.res;
  if (call.taken || res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const requestId = call.headers[Header.requestId];
  const answer = errorResponse(err, dialectForPath(url), typeof requestId === 'string' ? requestId : undefined);
  const head = flatHead(call.headers, answer.headers);
  head.push('content-length', String(Buffer.byteLength(answer.body)));
  const refused = endOrClose(res, answer.status, head, answer.body);
  if (refused !== undefined) logger.warn({ err: refused.message, url }, 'error answer could not be written');
}
