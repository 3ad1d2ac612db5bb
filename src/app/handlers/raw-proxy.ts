import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import type { ClientKeyGate } from '../../adapter/client-keys/gate.js';
import { type PresetHeaders, presetHeaders } from '../../adapter/proxy/core/response-headers.js';
import type { RequestSizeLimits } from '../../adapter/security/size-limit.js';
import { Header } from '../../core/constants.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import { errorResponse } from '../../core/error-body.js';
import { PayloadTooLargeError, ShuttingDownError, UnauthorisedError } from '../../core/errors.js';
import type { Logger } from '../../logger/logger.js';
import { dialectForPath } from '../dialect.js';
import { identifyClient } from '../middleware/client-auth.js';
import { traversalRefusal } from '../middleware/path-guard.js';
import type { RequestRateLimit } from '../middleware/rate-limit.js';
import { sizeRefusal } from '../middleware/size-limit.js';
import type { RawLane } from '../raw-lane.js';
import { reportUnexpected } from '../server.js';
import { handleProxy, type ProxyCall, type ProxyRouteDeps, type RouteScope, routeScopes } from './proxy.js';
import { hasRequestBody, readRequestBody } from './request-body.js';

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

/** A proxy request on the raw lane: its headers wait here until an answer or the engine writes them. */
class RawProxyCall implements ProxyCall {
  readonly raw: IncomingMessage;
  readonly res: ServerResponse;
  body: Buffer | undefined = undefined;
  clientKey: ClientKey | null = null;
  readonly headers: PresetHeaders = {};
  #taken = false;

  constructor(raw: IncomingMessage, res: ServerResponse) {
    this.raw = raw;
    this.res = res;
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
}

/**
 * Mounts `/olla/proxy/*` and `/olla/<prefix>/*` on the raw lane: path guard, rate limit, client
 * key and size limits as fastify's hooks apply them, the body read whole, then the same handler
 * fastify's twin runs. A refusal is answered in the route's dialect with every header set so far.
 */
export function mountRawProxyRoutes(lane: RawLane, deps: ProxyRouteDeps, guards: RawProxyGuards): void {
  for (const scope of routeScopes(deps.providers)) {
    lane.mount(`${scope.base}*`, (req, res) => {
      const call = new RawProxyCall(req, res);
      serve(lane, deps, guards, scope, call).catch((err: unknown) => answerError(call, err, guards.logger));
    });
  }
}

async function serve(
  lane: RawLane,
  deps: ProxyRouteDeps,
  guards: RawProxyGuards,
  scope: RouteScope,
  call: RawProxyCall,
): Promise<void> {
  const req = call.raw;
  if (lane.closing) {
    call.header('connection', 'close');
    throw new ShuttingDownError('Olla is shutting down; send the request to another instance');
  }
  const url = req.url ?? '/';
  const traversal = traversalRefusal(url);
  if (traversal !== undefined) throw traversal;
  let limited = guards.rateLimit.check(req.socket.remoteAddress ?? '', req.headers, false, call);
  if (limited instanceof Promise) limited = await limited;
  if (limited !== undefined) throw limited;
  if (guards.keys !== undefined) {
    const key = identifyClient(guards.keys, req.headers, call);
    if (key instanceof UnauthorisedError) throw key;
    call.clientKey = key;
  }
  const limits = guards.sizeLimits;
  const tooBig = sizeRefusal(limits, req.method!, url, req.rawHeaders, req.headers['content-length'], call);
  if (tooBig !== undefined) {
    guards.onSizeRefused?.();
    throw tooBig;
  }
  if (hasRequestBody(req)) {
    const live = limits.maxBodySize > 0 ? limits.maxBodySize : Number.POSITIVE_INFINITY;
    const limit = Math.min(live, guards.startupBodyLimit);
    const body = await readRequestBody(req, limit, () => {
      guards.onSizeRefused?.();
      call.header('connection', 'close');
      return new PayloadTooLargeError('Request body too large', { limit });
    });
    if (body.length > 0) call.body = body;
  }
  await handleProxy(deps, scope, call);
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
  const head: OutgoingHttpHeader[] = [];
  for (const name in call.headers) {
    if (answer.headers[name] === undefined) head.push(name, call.headers[name]!);
  }
  for (const name in answer.headers) head.push(name, answer.headers[name]!);
  head.push('content-length', String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.status, head);
  res.end(answer.body);
}
