import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ClientIpResolver } from '../../adapter/security/client-ip.js';
import type { RateLimiter, RateLimitVerdict } from '../../adapter/security/rate-limit.js';
import type { OllaError } from '../../core/errors.js';
import { type HeaderSink, setRateLimitHeaders } from '../handlers/route-request.js';
import { replyWithError } from './reply-error.js';
import { addRouteHook } from './route-hook.js';

const HEALTH_ROUTE = '/internal/health';

/**
 * The original limits only its proxy routes (the `/olla/proxy/` and `/olla/<prefix>/` catch-alls);
 * internal, model-listing and translator routes are exempt. Here those catch-alls are the
 * wildcard routes under /olla/.
 */
export function isProxyCatchAll(route: string): boolean {
  return route.startsWith('/olla/') && route.endsWith('*');
}

export interface RateLimitDeps {
  limiter: RateLimiter;
  clientIp: ClientIpResolver;
  /** Which routes (by pattern) are limited; defaults to the proxy catch-alls. */
  appliesTo?: (route: string) => boolean;
  /** Told of each refusal (security stats and metrics count them). */
  onRejected?: (clientIp: string, scope: 'health' | 'proxy') => void;
}

/** A limited request's verdict: undefined when admitted, else the refusal to answer with. */
export type RateLimitRefusal = OllaError | undefined;

/**
 * The per-client-IP rate limit for one request. Every limited request gets X-RateLimit-Limit,
 * -Remaining and -Reset on its sink, allowed or not. While the limits are off (the original then
 * lets every request through) a request costs one flag read and gets no X-RateLimit-* headers.
 * Shared limits need a round trip to the store; local ones answer synchronously.
 */
export class RequestRateLimit {
  readonly #deps: RateLimitDeps;

  constructor(deps: RateLimitDeps) {
    this.#deps = deps;
  }

  check(
    remoteAddress: string,
    headers: IncomingHttpHeaders,
    isHealth: boolean,
    sink: HeaderSink,
  ): RateLimitRefusal | Promise<RateLimitRefusal> {
    const limiter = this.#deps.limiter;
    if (!limiter.active) return undefined;
    const ip = this.#deps.clientIp(remoteAddress, headers);
    if (!limiter.shared) return this.#answer(sink, limiter.check(ip, isHealth), ip, isHealth);
    return limiter.checkShared(ip, isHealth).then((verdict) => this.#answer(sink, verdict, ip, isHealth));
  }

  #answer(sink: HeaderSink, verdict: RateLimitVerdict, ip: string, isHealth: boolean): RateLimitRefusal {
    setRateLimitHeaders(sink, verdict);
    if (verdict.error !== undefined) this.#deps.onRejected?.(ip, isHealth ? 'health' : 'proxy');
    return verdict.error;
  }
}

/**
 * Rate-limits requests on the root instance; a refused one gets 429 with Retry-After in its
 * route's error dialect. Registered whatever the limits, so a config reload can switch them on.
 * Register after CORS so browser preflights are answered before they count.
 */
export function registerRateLimit(app: FastifyInstance, deps: RateLimitDeps): void {
  const limit = new RequestRateLimit(deps);
  const hookFor = (isHealth: boolean) =>
    function rateLimit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      const refusal = limit.check(request.raw.socket.remoteAddress ?? '', request.headers, isHealth, reply);
      if (refusal instanceof Promise) {
        refusal.then(
          (shared) => (shared === undefined ? done() : replyWithError(request, reply, shared)),
          (err: Error) => done(err),
        );
      } else if (refusal === undefined) done();
      else replyWithError(request, reply, refusal);
    };
  const proxyHook = hookFor(false);
  const healthHook = hookFor(true);
  addRouteHook(app, deps.appliesTo ?? isProxyCatchAll, (route: string) =>
    route === HEALTH_ROUTE ? healthHook : proxyHook,
  );
}
